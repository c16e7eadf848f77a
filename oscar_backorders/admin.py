"""Django admin: policies (inline on Oscar's stock record and partner admins) and backordered lines.

Oscar's ``StockRecord`` and ``Partner`` admins are extended, not replaced: whatever admin class is
registered for them (Oscar's, or a forked app's) gains the policy inline.
"""

from __future__ import annotations

import contextlib
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.forms import BackorderPolicyForm

BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
StockRecord = get_model("partner", "StockRecord")
Partner = get_model("partner", "Partner")


class BackorderPolicyInline(admin.StackedInline):
    model = BackorderPolicy
    form = BackorderPolicyForm
    extra = 0
    max_num = 1
    can_delete = True
    verbose_name = _("backorder policy")
    verbose_name_plural = _("backorder policy")


class StockRecordPolicyInline(BackorderPolicyInline):
    fk_name = "stockrecord"
    fields = ("mode", "cap", "lead_time_days", "release_date")


class PartnerPolicyInline(BackorderPolicyInline):
    fk_name = "partner"
    fields = ("mode", "cap", "lead_time_days")
    verbose_name = _("default backorder policy for this partner's stock records")
    verbose_name_plural = verbose_name


def _extend_registered_admin(model: Any, inline: type) -> None:
    """Add ``inline`` to whatever admin is registered for ``model`` (registering Oscar's first)."""
    if not admin.site.is_registered(model):
        # Our app is listed before Oscar's, so its admin module has not been imported yet.
        app_config = apps.get_app_config(model._meta.app_label)
        with contextlib.suppress(ModuleNotFoundError):
            import_module(f"{app_config.name}.admin")
    base = admin.site._registry[model].__class__ if admin.site.is_registered(model) else None
    if base is None:
        base = admin.ModelAdmin
    else:
        admin.site.unregister(model)
    inlines = [*getattr(base, "inlines", ()), inline]
    extended = type(base.__name__, (base,), {"inlines": inlines, "__module__": __name__})
    admin.site.register(model, extended)


_extend_registered_admin(StockRecord, StockRecordPolicyInline)
_extend_registered_admin(Partner, PartnerPolicyInline)


@admin.register(BackorderPolicy)
class BackorderPolicyAdmin(admin.ModelAdmin):
    form = BackorderPolicyForm
    list_display = ("__str__", "mode", "cap", "lead_time_days", "release_date", "date_updated")
    list_filter = ("mode", "partner")
    search_fields = (
        "stockrecord__partner_sku",
        "stockrecord__product__upc",
        "stockrecord__product__title",
        "partner__name",
    )
    list_select_related = ("stockrecord__product", "stockrecord__partner", "partner")
    autocomplete_fields = ("stockrecord", "partner")


class BackorderEventInline(admin.TabularInline):
    model = BackorderEvent
    extra = 0
    can_delete = False
    fields = ("date_created", "kind", "quantity", "old_date", "new_date", "reason", "actor")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BackorderLine)
class BackorderLineAdmin(admin.ModelAdmin):
    list_display = (
        "order_number",
        "customer_email",
        "product_title",
        "sku",
        "quantity",
        "quantity_waiting_display",
        "quantity_allocated",
        "quantity_shipped",
        "quantity_cancelled",
        "status",
        "promised_date",
        "estimated_date",
        "line_price",
    )
    list_filter = ("status", "is_preorder", "line__partner", "estimate_source")
    search_fields = (
        "order__number",
        "order__user__email",
        "order__guest_email",
        "line__partner_sku",
        "line__upc",
        "line__title",
    )
    list_select_related = ("order__user", "line")
    date_hierarchy = "date_created"
    inlines = [BackorderEventInline]
    readonly_fields = (
        "order",
        "line",
        "stockrecord",
        "quantity",
        "quantity_allocated",
        "quantity_shipped",
        "quantity_cancelled",
        "status",
        "is_preorder",
        "promised_date",
        "estimated_date",
        "estimate_source",
        "priority",
        "line_price",
        "date_created",
        "date_updated",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created at checkout only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit trail must survive

    @admin.display(description=_("order"), ordering="order__number")
    def order_number(self, obj: Any) -> str:
        return obj.order.number

    @admin.display(description=_("customer"))
    def customer_email(self, obj: Any) -> str:
        order = obj.order
        return order.user.email if order.user_id else order.guest_email

    @admin.display(description=_("product"), ordering="line__title")
    def product_title(self, obj: Any) -> str:
        return obj.line.title

    @admin.display(description=_("SKU / UPC"))
    def sku(self, obj: Any) -> str:
        return " / ".join(filter(None, [obj.line.partner_sku, obj.line.upc]))

    @admin.display(description=_("waiting"))
    def quantity_waiting_display(self, obj: Any) -> int:
        return obj.quantity_waiting

    @admin.display(description=_("line price (incl. tax)"))
    def line_price(self, obj: Any) -> Any:
        return obj.line.line_price_incl_tax


# --- supply ---
from oscar_backorders.supply import admin as supply_admin  # noqa: E402, F401
