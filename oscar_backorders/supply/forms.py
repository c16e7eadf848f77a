"""Forms of the supply admin: CSV import, receiving, and a purchase-order line."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy
from oscar.core.loading import get_model

from oscar_backorders.supply.confirmations import closed_reason, refusal

PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check every row, import nothing"), required=False, initial=True
    )


class ReceiveForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("quantity received"), min_value=1)


class PurchaseOrderLineForm(forms.ModelForm):
    """A purchase-order line whose changed confirmed arrival is checked as the service checks it.

    The supply admins keep that change out of the model save
    (:func:`oscar_backorders.supply.admin_support.hold_confirmation`) and record it through
    :mod:`~oscar_backorders.supply.confirmations` once the line is saved.
    """

    class Meta:
        model = PurchaseOrderLine
        fields = ("purchase_order", "stockrecord", "quantity", "expected_date", "confirmed_date")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "confirmed_date" not in self.changed_data or "confirmed_date" not in data:
            return data
        line = self.instance
        if not _has_purchase_order(line) and data.get("purchase_order") is not None:
            line.purchase_order = data["purchase_order"]
        day = data["confirmed_date"]
        if not _has_purchase_order(line):
            problem = None
        elif day is None:
            problem = closed_reason(line) if line.pk else None
        else:
            problem = refusal(line, day, today=timezone.localdate())
        if problem:
            self.add_error("confirmed_date", problem)
        return data


def _has_purchase_order(line: Any) -> bool:
    try:
        return line.purchase_order is not None
    except PurchaseOrder.DoesNotExist:
        return False
