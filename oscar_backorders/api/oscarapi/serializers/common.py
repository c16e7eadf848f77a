"""The backorder state of an availability, for oscarapi's product and basket-line serializers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from oscar_backorders.abstract_models import EstimateSource
from oscar_backorders.availability import BackorderAvailability


class BackorderStateSerializer(serializers.Serializer):
    """What a quantity bought now would do: ship from stock, or wait, until when and why."""

    state = serializers.ChoiceField(
        choices=[
            (BackorderAvailability.CODE_IN_STOCK, _("In stock")),
            (BackorderAvailability.CODE_BACKORDER, _("On backorder")),
            (BackorderAvailability.CODE_PREORDER, _("Pre-order")),
            (BackorderAvailability.CODE_OUT_OF_STOCK, _("Unavailable")),
        ]
    )
    in_stock_quantity = serializers.IntegerField()
    backordered_quantity = serializers.IntegerField()
    promised_date = serializers.DateField(
        allow_null=True, help_text=("When every backordered unit ships; null: nothing waits.")
    )
    promise_source = serializers.ChoiceField(choices=EstimateSource.choices, allow_null=True)
    num_left_to_order = serializers.IntegerField(
        allow_null=True, help_text=("Set when a cap leaves only a few units to order.")
    )


def backorder_state(availability: Any, quantity: int = 1) -> dict[str, Any] | None:
    """The state of ``quantity`` units bought now; ``None`` for a product without a policy."""
    if not isinstance(availability, BackorderAvailability):
        return None
    quantity = max(int(quantity or 1), 1)
    in_stock, backordered = availability.split(quantity)
    available = availability.code != BackorderAvailability.CODE_OUT_OF_STOCK
    promise = availability.estimate_for(quantity) if backordered and available else None
    return BackorderStateSerializer(
        {
            "state": availability.code,
            "in_stock_quantity": in_stock,
            "backordered_quantity": backordered,
            "promised_date": promise.day if promise else None,
            "promise_source": promise.source if promise else None,
            "num_left_to_order": availability.num_left_to_order,
        }
    ).data


def with_field(fields: Any, name: str) -> Any:
    """oscarapi's ``Meta.fields`` with ``name`` added (``"__all__"`` is left as it is)."""
    if isinstance(fields, str):
        return fields
    return (*fields, name) if name not in fields else tuple(fields)
