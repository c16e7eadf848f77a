"""Django admin for the promotion calendar the demand forecast reads (docs/supply.md)."""

from __future__ import annotations

from django.contrib import admin
from oscar.core.loading import get_model

from oscar_backorders.console.permissions import AdminPermissionsMixin

Promotion = get_model("oscar_backorders", "Promotion")


@admin.register(Promotion)
class PromotionAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "product",
        "category",
        "start_date",
        "end_date",
        "uplift_percent",
    )
    list_filter = ("kind",)
    search_fields = ("name", "product__title", "product__upc", "category__name")
    list_select_related = ("product", "category")
    raw_id_fields = ("product",)
    date_hierarchy = "start_date"
    fields = ("name", "kind", "product", "category", "start_date", "end_date", "uplift_percent")
