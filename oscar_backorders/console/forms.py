"""Forms of the plugin (admin and customer pages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import PolicyMode

CAP_ERROR = _("The backorder cap must be at least 1; leave it empty for no cap.")
ORDER_CAP_ERROR = _(
    "The backorder limit per order must be a whole number of at least 1; leave it empty for "
    "no limit."
)
CUSTOMER_CAP_ERROR = _(
    "The backorder limit per customer must be a whole number of at least 1; leave it empty for "
    "no limit."
)
LEAD_TIME_ERROR = _("The lead time must be at least 1 business day; leave it empty to inherit.")


class BackorderPolicyForm(forms.ModelForm):
    """Policy editing with the rules a merchant needs spelled out."""

    cap = forms.IntegerField(
        label=_("backorder cap"),
        required=False,
        min_value=1,
        error_messages={"min_value": CAP_ERROR},
        help_text=_(
            "Most units that may wait on backorder at once for this stock record. "
            "Empty means no cap."
        ),
    )
    order_cap = forms.IntegerField(
        label=_("backorder limit per order"),
        required=False,
        min_value=1,
        error_messages={"min_value": ORDER_CAP_ERROR, "invalid": ORDER_CAP_ERROR},
        help_text=_(
            "Most units of this stock record one order may take on backorder. Empty means no limit."
        ),
    )
    customer_cap = forms.IntegerField(
        label=_("backorder limit per customer"),
        required=False,
        min_value=1,
        error_messages={"min_value": CUSTOMER_CAP_ERROR, "invalid": CUSTOMER_CAP_ERROR},
        help_text=_(
            "Most units of this stock record one customer (an account, or an email address for "
            "guests) may have on backorder and not yet shipped or cancelled. Empty means no limit."
        ),
    )
    lead_time_days = forms.IntegerField(
        label=_("lead time (business days)"),
        required=False,
        min_value=1,
        max_value=32767,
        error_messages={"min_value": LEAD_TIME_ERROR},
        help_text=_(
            "Business days until a backordered unit can ship when nothing better is known."
        ),
    )

    class Meta:
        model = get_model("oscar_backorders", "BackorderPolicy")
        fields = [
            "stockrecord",
            "partner",
            "mode",
            "cap",
            "order_cap",
            "customer_cap",
            "lead_time_days",
            "release_date",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode = data.get("mode")
        release = data.get("release_date")
        if mode == PolicyMode.PREORDER and not release:
            self.add_error("release_date", _("A pre-order needs a release date."))
        if (
            mode == PolicyMode.PREORDER
            and release
            and release <= timezone.localdate()
            and "release_date" in self.changed_data
        ):
            self.add_error("release_date", _("A pre-order's release date must be in the future."))
        stockrecord = data.get("stockrecord", getattr(self.instance, "stockrecord", None))
        partner = data.get("partner", getattr(self.instance, "partner", None))
        owners_editable = "stockrecord" in self.fields and "partner" in self.fields
        if owners_editable and bool(stockrecord) == bool(partner):
            raise forms.ValidationError(
                _("A policy belongs to exactly one stock record or one partner.")
            )
        if partner and mode == PolicyMode.PREORDER:
            self.add_error(
                "mode", _("Pre-orders are set per stock record (each has its own release date).")
            )
        order_cap, customer_cap = data.get("order_cap"), data.get("customer_cap")
        if order_cap and customer_cap and order_cap > customer_cap:
            self.add_error(
                "order_cap",
                _(
                    "The backorder limit per order cannot be above the limit per customer "
                    "(%(limit)d): no order could take that many."
                )
                % {"limit": customer_cap},
            )
        return data
