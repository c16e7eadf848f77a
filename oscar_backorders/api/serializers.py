"""Serializers of the customer's side: an order's backordered lines, money and delays; inputs.

Read serializers take plain objects the views build with a constant number of queries
(:class:`~oscar_backorders.templatetags.backorder_tags.LineState` per order line, the ledger's
:class:`~oscar_backorders.payments.ledger.Totals`); they never query themselves.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from oscar_backorders.abstract_models import BackorderStatus, EstimateSource
from oscar_backorders.notifications.abstract_models import DelayDecision
from oscar_backorders.views import CancelWaitingForm


class PendingDelaySerializer(serializers.Serializer):
    """A delay notice the customer has not answered yet."""

    revised_date = serializers.DateField(help_text=("The new date offered."))
    consent_required = serializers.BooleanField(
        help_text=("Whether the order is cancelled unless the customer agrees by the deadline.")
    )
    deadline = serializers.DateField(allow_null=True)


class OrderLineBackorderSerializer(serializers.Serializer):
    """One order line: how much ships from stock, how much was backordered and where it is now.

    The instance is a mapping of a ``LineState``'s values plus ``backorder`` (or ``None``) and
    ``pending_delay``.
    """

    id = serializers.IntegerField(source="line.pk")
    title = serializers.CharField(source="line.title")
    product = serializers.IntegerField(source="line.product_id", allow_null=True)
    quantity = serializers.IntegerField()
    in_stock_quantity = serializers.IntegerField(
        source="from_stock", help_text=("Units that shipped, or ship, from stock.")
    )
    backordered_quantity = serializers.IntegerField(source="backordered")
    waiting_quantity = serializers.IntegerField(source="waiting")
    ready_to_ship_quantity = serializers.IntegerField(source="allocated")
    shipped_quantity = serializers.IntegerField(source="shipped")
    cancelled_quantity = serializers.IntegerField(source="cancelled")
    status = serializers.ChoiceField(
        choices=BackorderStatus.choices, source="backorder.status", allow_null=True
    )
    status_display = serializers.CharField(source="backorder.get_status_display", allow_null=True)
    is_preorder = serializers.BooleanField()
    promised_date = serializers.DateField(
        allow_null=True, help_text=("The date promised at checkout.")
    )
    estimated_date = serializers.DateField(
        allow_null=True,
        help_text=("The date promised now (the checkout promise, or its revision)."),
    )
    estimate_source = serializers.ChoiceField(
        choices=EstimateSource.choices, source="backorder.estimate_source", allow_null=True
    )
    is_delayed = serializers.BooleanField()
    can_cancel = serializers.BooleanField(
        help_text=("Whether the customer may still cancel the units waiting for stock.")
    )
    pending_delay = PendingDelaySerializer(allow_null=True)


class MoneySerializer(serializers.Serializer):
    """What the plugin's payments did for the order (its ledger), in the order's currency."""

    currency = serializers.CharField()
    authorised = serializers.DecimalField(max_digits=12, decimal_places=2)
    charged = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=("Captured and not refunded.")
    )
    captured = serializers.DecimalField(max_digits=12, decimal_places=2)
    released = serializers.DecimalField(max_digits=12, decimal_places=2)
    refunded = serializers.DecimalField(max_digits=12, decimal_places=2)
    held = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=("Still held on the customer's card.")
    )


class OrderBackordersSerializer(serializers.Serializer):
    """An order as the customer sees its backordered part."""

    number = serializers.CharField()
    lines = OrderLineBackorderSerializer(many=True)
    money = MoneySerializer()


class CancelWaitingSerializer(serializers.Serializer):
    """How many of a line's waiting units to cancel: the web page's form, same messages."""

    quantity = serializers.IntegerField(help_text=("1 … the units still waiting."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form = CancelWaitingForm(
            {"quantity": self.initial_data.get("quantity")}, state=self.context["state"]
        )
        if not form.is_valid():
            raise serializers.ValidationError({k: list(v) for k, v in form.errors.items()})
        return {"quantity": form.cleaned_data["quantity"]}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # The form reads and checks the number (its messages); only refuse a missing body here.
        if not hasattr(data, "get"):
            raise serializers.ValidationError(
                {"quantity": [str(_("Enter how many waiting items to cancel."))]}
            )
        return {"quantity": data.get("quantity")}


class DelayAnswerSerializer(serializers.Serializer):
    """The customer's answer to a delay notice."""

    action = serializers.ChoiceField(
        choices=[("keep", "Keep waiting"), ("cancel", "Cancel the waiting items")]
    )


class DelayLinkAnswerSerializer(DelayAnswerSerializer):
    """The answer, with the order number and token of the email's link."""

    order_number = serializers.CharField()
    token = serializers.CharField()


class DelayAnsweredSerializer(serializers.Serializer):
    """What was answered, per backordered line."""

    line = serializers.IntegerField(source="backorder_line.line_id")
    title = serializers.CharField(source="backorder_line.line.title")
    revised_date = serializers.DateField()
    decision = serializers.ChoiceField(choices=DelayDecision.choices)


class NotificationPreferenceSerializer(serializers.Serializer):
    """What the customer wants to hear about their backordered items."""

    email = serializers.EmailField(read_only=True)
    follow_ups = serializers.BooleanField(
        required=False,
        help_text=("Periodic updates while items wait. Legally required notices go regardless."),
    )
    language = serializers.CharField(required=False, allow_blank=True, max_length=16)
