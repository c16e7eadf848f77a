"""Serializers of purchase orders and their lines, and the input of the supply endpoints."""

from __future__ import annotations

from oscar.core.loading import get_model
from rest_framework import serializers

from oscar_backorders.supply.abstract_models import PurchaseOrderLineStatus, PurchaseOrderStatus


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    partner_sku = serializers.CharField(source="stockrecord.partner_sku", read_only=True)
    quantity_outstanding = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=PurchaseOrderLineStatus.choices, read_only=True)

    class Meta:
        model = get_model("oscar_backorders", "PurchaseOrderLine")
        fields = (
            "id",
            "stockrecord",
            "partner_sku",
            "quantity",
            "quantity_received",
            "quantity_outstanding",
            "expected_date",
            "first_expected_date",
            "confirmed_date",
            "status",
            "date_last_received",
        )
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="oscar_backorders_api:purchase-order")
    supplier = serializers.CharField(source="supplier.code", read_only=True)
    status = serializers.ChoiceField(choices=PurchaseOrderStatus.choices, read_only=True)
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = get_model("oscar_backorders", "PurchaseOrder")
        fields = ("url", "id", "reference", "supplier", "status", "notes", "date_created", "lines")
        read_only_fields = fields


class NewPurchaseOrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField(help_text=("The stock record's partner SKU."))
    quantity = serializers.IntegerField()
    expected_date = serializers.DateField()
    confirmed_date = serializers.DateField(required=False, allow_null=True)


class NewPurchaseOrderSerializer(serializers.Serializer):
    """A purchase order to create: checked and written by the CSV import's service, so both
    refuse the same things with the same messages."""

    reference = serializers.CharField(max_length=64)
    supplier = serializers.CharField(help_text=("The supplier's code."))
    lines = NewPurchaseOrderLineSerializer(many=True, allow_empty=False)


class ImportSerializer(serializers.Serializer):
    csv = serializers.CharField(
        help_text=(
            "The file's text: reference,supplier,sku,quantity,expected_date[,confirmed_date]."
        )
    )
    dry_run = serializers.BooleanField(default=False)


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    valid = serializers.BooleanField(source="is_valid")
    errors = serializers.ListField(child=serializers.CharField())
    created = serializers.SerializerMethodField()

    def get_created(self, report: object) -> list[str]:
        return [order.reference for order in report.created]  # type: ignore[attr-defined]


class ConfirmSerializer(serializers.Serializer):
    confirmed_date = serializers.DateField(
        allow_null=True, help_text=("The arrival the supplier confirmed; null withdraws it.")
    )


class ReceiveSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(help_text=("Units that arrived (1 … outstanding)."))


class ReceiptSerializer(serializers.Serializer):
    """What a receipt did; ``detail`` is the admin's message for it."""

    detail = serializers.CharField(source="message")
    line = PurchaseOrderLineSerializer(source="purchase_order_line")
    allocated_units = serializers.IntegerField(source="allocation.units")
    allocated_lines = serializers.SerializerMethodField()

    def get_allocated_lines(self, receipt: dict) -> list[int]:
        return sorted({a.backorder_line_id for a in receipt["allocation"].allocations})
