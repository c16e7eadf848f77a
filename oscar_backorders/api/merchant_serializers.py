"""Serializers of the merchant's side: the backorder queue, its filters and its actions' input.

The actions' rules are the admin's: each input is checked by the admin action's own confirmation
form (:mod:`oscar_backorders.console.action_forms`), so the API refuses what the admin refuses,
with the same messages; these serializers only describe the input (and check its types).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model
from rest_framework import serializers

from oscar_backorders.abstract_models import BackorderStatus, EstimateSource

#: Most lines one action may change at once, as in the admin.
MAX_LINES = 500


class QueueLineSerializer(serializers.HyperlinkedModelSerializer):
    """One backordered line in the merchant's queue."""

    url = serializers.HyperlinkedIdentityField(view_name="oscar_backorders_api:queue-line")
    order = serializers.CharField(source="order.number")
    email = serializers.CharField(source="order.email")
    order_line = serializers.IntegerField(source="line_id")
    title = serializers.CharField(source="line.title")
    partner_sku = serializers.CharField(source="line.partner_sku")
    product = serializers.IntegerField(source="line.product_id", allow_null=True)
    waiting_quantity = serializers.IntegerField(source="quantity_waiting")
    ready_to_ship_quantity = serializers.IntegerField(source="quantity_allocated")
    shipped_quantity = serializers.IntegerField(source="quantity_shipped")
    cancelled_quantity = serializers.IntegerField(source="quantity_cancelled")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = get_model("oscar_backorders", "BackorderLine")
        fields = (
            "url",
            "id",
            "order",
            "email",
            "order_line",
            "title",
            "partner_sku",
            "product",
            "stockrecord",
            "quantity",
            "waiting_quantity",
            "ready_to_ship_quantity",
            "shipped_quantity",
            "cancelled_quantity",
            "status",
            "status_display",
            "is_preorder",
            "promised_date",
            "estimated_date",
            "likely_date",
            "miss_risk",
            "estimate_source",
            "priority",
            "date_created",
        )
        extra_kwargs = {"stockrecord": {"read_only": True}}

    def get_fields(self):  # type: ignore[no-untyped-def]
        fields = super().get_fields()
        # The stock record as its id: Oscar's API may not route stock records at all.
        fields["stockrecord"] = serializers.PrimaryKeyRelatedField(read_only=True)
        return fields


class QueueFilterSerializer(serializers.Serializer):
    """The queue's filters (query string), as in the admin's queue."""

    status = serializers.ChoiceField(
        choices=[("open", _("Open (waiting or ready to ship)")), *BackorderStatus.choices]
        + [("all", _("All"))],
        default="open",
    )
    overdue = serializers.ChoiceField(
        choices=[
            ("promise", _("Past the date promised at checkout")),
            ("estimate", _("Past the current estimate")),
            ("slipped", _("Estimate later than promised")),
        ],
        required=False,
    )
    risk = serializers.ChoiceField(
        choices=[
            ("at_risk", _("At risk")),
            ("likely_missed", _("Likely to be missed")),
            ("on_track", _("On track")),
        ],
        required=False,
    )
    estimated_after = serializers.DateField(required=False)
    estimated_before = serializers.DateField(required=False)
    order = serializers.CharField(required=False, help_text=("Order number (exact)."))
    partner = serializers.IntegerField(required=False)
    supplier = serializers.IntegerField(required=False)
    product = serializers.IntegerField(required=False)
    stockrecord = serializers.IntegerField(required=False)
    is_preorder = serializers.BooleanField(required=False, allow_null=True, default=None)
    estimate_source = serializers.ChoiceField(choices=EstimateSource.choices, required=False)


class LinesSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=MAX_LINES,
        help_text=("Ids of the backordered lines (at most 500)."),
    )


class EstimateSerializer(LinesSerializer):
    new_date = serializers.DateField(required=False, allow_null=True)
    shift_days = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=255, help_text=("The customer may be told."))


class PrioritySerializer(LinesSerializer):
    priority = serializers.IntegerField(min_value=-1000, max_value=1000)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class QuantitySerializer(LinesSerializer):
    quantity = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text=("Per line; empty: all of it.")
    )
    reason = serializers.CharField(max_length=255)


class ShipSerializer(QuantitySerializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True)


class AllocateSerializer(LinesSerializer):
    reason = serializers.CharField(max_length=255, default=_("Allocated through the API"))


class ActionResultSerializer(serializers.Serializer):
    """What an action did: a sentence for the merchant and the lines it changed."""

    detail = serializers.CharField()
    lines = QueueLineSerializer(many=True)
