"""The merchant's supplier endpoints: read only (the admin edits suppliers).

Staff with ``view_supplier``, as in the admin. A supplier comes with what the admin shows of it
and of the stock records it supplies (lead times, costs), and its lateness profile: how late its
deliveries run, learnt from the received purchase-order lines
(:mod:`oscar_backorders.supply.reliability`; ``{}`` until it has a history).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from oscar.core.loading import get_model
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from oscar_backorders.api.base import BackorderAPIView, HasBackorderPermissions

try:
    from drf_spectacular.utils import extend_schema
except ImportError:  # pragma: no cover

    def extend_schema(*args: Any, **kwargs: Any) -> Any:
        return lambda view: view


Supplier = get_model("oscar_backorders", "Supplier")


class SuppliedStockRecordSerializer(serializers.ModelSerializer):
    """A stock record the supplier can supply, with its own lead time and costs."""

    partner_sku = serializers.CharField(source="stockrecord.partner_sku", read_only=True)

    class Meta:
        model = get_model("oscar_backorders", "SupplierStockRecord")
        fields = (
            "stockrecord",
            "partner_sku",
            "supplier_sku",
            "lead_time_days",
            "is_preferred",
            "order_cost",
            "holding_cost",
        )
        read_only_fields = fields


class SupplierSerializer(serializers.ModelSerializer):
    stockrecords = SuppliedStockRecordSerializer(
        source="supplied_stockrecords", many=True, read_only=True
    )
    lateness_profile = serializers.DictField(read_only=True)

    class Meta:
        model = Supplier
        fields = (
            "id",
            "code",
            "name",
            "email",
            "lead_time_days",
            "is_active",
            "lateness_profile",
            "stockrecords",
            "date_created",
        )
        read_only_fields = fields


class SupplierFilterSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


def suppliers() -> Any:
    return Supplier._default_manager.prefetch_related(
        "supplied_stockrecords__stockrecord"
    ).order_by("name", "pk")


class SupplierPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


class SuppliersView(BackorderAPIView):
    """Suppliers by name (``?is_active=true``; ``limit``/``offset``)."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("view_supplier",)}

    @extend_schema(parameters=[SupplierFilterSerializer], responses=SupplierSerializer(many=True))
    def get(self, request: Any) -> Response:
        params = SupplierFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        found = suppliers()
        if params.validated_data["is_active"] is not None:
            found = found.filter(is_active=params.validated_data["is_active"])
        paginator = SupplierPagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(SupplierSerializer(page, many=True).data)


class SupplierView(BackorderAPIView):
    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("view_supplier",)}

    @extend_schema(responses=SupplierSerializer)
    def get(self, request: Any, pk: int) -> Response:
        return Response(SupplierSerializer(get_object_or_404(suppliers(), pk=pk)).data)


__all__ = ["SupplierView", "SuppliersView"]
