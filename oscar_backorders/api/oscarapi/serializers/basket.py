"""oscarapi's basket and basket lines with each line's in-stock / backordered split."""

from __future__ import annotations

from typing import Any

from oscarapi.serializers.basket import BasketLineSerializer as OscarBasketLineSerializer
from oscarapi.serializers.basket import BasketSerializer as OscarBasketSerializer
from rest_framework import serializers

from oscar_backorders.api.oscarapi.serializers.common import (
    BackorderStateSerializer,
    backorder_state,
    with_field,
)

try:
    from drf_spectacular.utils import extend_schema_field
except ImportError:  # pragma: no cover

    def extend_schema_field(*args: Any, **kwargs: Any) -> Any:
        return lambda f: f


def line_state(line: Any) -> dict[str, Any] | None:
    info = getattr(line, "purchase_info", None)
    return backorder_state(info.availability, line.quantity) if info is not None else None


class BasketLineSerializer(OscarBasketLineSerializer):
    backorder = serializers.SerializerMethodField()

    class Meta(OscarBasketLineSerializer.Meta):
        fields = with_field(OscarBasketLineSerializer.Meta.fields, "backorder")

    @extend_schema_field(BackorderStateSerializer(allow_null=True))
    def get_backorder(self, line: Any) -> dict[str, Any] | None:
        return line_state(line)


class BasketLineSplitSerializer(BackorderStateSerializer):
    line = serializers.IntegerField()
    product = serializers.IntegerField()
    quantity = serializers.IntegerField()


class BasketSerializer(OscarBasketSerializer):
    backorder_lines = serializers.SerializerMethodField()

    class Meta(OscarBasketSerializer.Meta):
        fields = with_field(OscarBasketSerializer.Meta.fields, "backorder_lines")

    @extend_schema_field(BasketLineSplitSerializer(many=True))
    def get_backorder_lines(self, basket: Any) -> list[dict[str, Any]]:
        """Every line under a backorder policy: how much ships now and how much waits."""
        if not getattr(basket, "has_strategy", False) or basket.is_empty:
            return []
        split = []
        for line in basket.all_lines():
            state = line_state(line)
            if state is not None:
                split.append(
                    {
                        "line": line.pk,
                        "product": line.product_id,
                        "quantity": line.quantity,
                        **state,
                    }
                )
        return split
