"""Backorder policies in the admin: their own list, and an inline on Oscar's stock record and partner
admins.

Oscar's ``StockRecord`` and ``Partner`` admins are extended, not replaced: whatever admin class is
registered for them (Oscar's, or a forked app's) gains the policy inline.
"""

from __future__ import annotations

import contextlib
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.console.forms import BackorderPolicyForm
from oscar_backorders.console.permissions import AdminPermissionsMixin

BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")
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
    fields = ("mode", "cap", "order_cap", "customer_cap", "lead_time_days", "release_date")


class PartnerPolicyInline(BackorderPolicyInline):
    fk_name = "partner"
    fields = ("mode", "cap", "order_cap", "customer_cap", "lead_time_days")
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
class BackorderPolicyAdmin(AdminPermissionsMixin, admin.ModelAdmin):
    form = BackorderPolicyForm
    list_display = (
        "__str__",
        "mode",
        "cap",
        "order_cap",
        "customer_cap",
        "lead_time_days",
        "release_date",
        "date_updated",
    )
    list_filter = ("mode", "partner")
    search_fields = (
        "stockrecord__partner_sku",
        "stockrecord__product__upc",
        "stockrecord__product__title",
        "partner__name",
    )
    list_select_related = ("stockrecord__product", "stockrecord__partner", "partner")
    autocomplete_fields = ("stockrecord", "partner")
