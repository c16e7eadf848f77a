"""oscarapi's product availability with the backorder state (``backorder``)."""

from __future__ import annotations

from typing import Any

from oscarapi.serializers.product import AvailabilitySerializer as OscarAvailabilitySerializer
from rest_framework import serializers

from oscar_backorders.api.oscarapi.serializers.common import (
    BackorderStateSerializer,
    backorder_state,
)

try:
    from drf_spectacular.utils import extend_schema_field
except ImportError:  # pragma: no cover

    def extend_schema_field(*args: Any, **kwargs: Any) -> Any:
        return lambda f: f


class AvailabilitySerializer(OscarAvailabilitySerializer):
    backorder = serializers.SerializerMethodField()

    @extend_schema_field(BackorderStateSerializer(allow_null=True))
    def get_backorder(self, availability: Any) -> dict[str, Any] | None:
        return backorder_state(availability, 1)
