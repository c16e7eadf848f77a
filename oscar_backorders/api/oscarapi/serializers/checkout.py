"""oscarapi's order and order lines with their backordered part and the money behind it."""

from __future__ import annotations

from typing import Any

from oscarapi.serializers.checkout import OrderLineSerializer as OscarOrderLineSerializer
from oscarapi.serializers.checkout import OrderSerializer as OscarOrderSerializer
from rest_framework import serializers

from oscar_backorders.api.oscarapi.serializers.common import with_field
from oscar_backorders.api.serializers import OrderBackordersSerializer, OrderLineBackorderSerializer
from oscar_backorders.line_states import LineState

try:
    from drf_spectacular.utils import extend_schema_field
except ImportError:  # pragma: no cover

    def extend_schema_field(*args: Any, **kwargs: Any) -> Any:
        return lambda f: f


class OrderSerializer(OscarOrderSerializer):
    backorders = serializers.SerializerMethodField()

    class Meta(OscarOrderSerializer.Meta):
        fields = with_field(OscarOrderSerializer.Meta.fields, "backorders")

    @extend_schema_field(OrderBackordersSerializer)
    def get_backorders(self, order: Any) -> dict[str, Any]:
        from oscar_backorders.api.customer import order_backorders

        return order_backorders(order)


class OrderLineSerializer(OscarOrderLineSerializer):
    backorder = serializers.SerializerMethodField()

    class Meta(OscarOrderLineSerializer.Meta):
        fields = with_field(OscarOrderLineSerializer.Meta.fields, "backorder")

    @extend_schema_field(OrderLineBackorderSerializer)
    def get_backorder(self, line: Any) -> dict[str, Any]:
        from oscar_backorders.api.customer import line_view

        return OrderLineBackorderSerializer(line_view(LineState.of(line), {})).data
