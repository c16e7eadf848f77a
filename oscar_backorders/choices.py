"""The choices of the plugin's core models: a policy's mode, a backordered line's status, where
its estimate comes from, and the kinds of events on its audit trail. Importable without the
models (``abstract_models`` re-exports them, as before)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PolicyMode(models.TextChoices):
    INHERIT = "inherit", _("Inherit (partner, then shop default)")
    OFF = "off", _("Off: sell only what is in stock")
    BACKORDER = "backorder", _("Backorder: keep selling beyond stock")
    PREORDER = "preorder", _("Pre-order: sell before the release date")


class BackorderStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("backorder status", "Waiting for stock")
    ALLOCATED = "allocated", pgettext_lazy("backorder status", "Ready to ship")
    SHIPPED = "shipped", pgettext_lazy("backorder status", "Shipped")
    CANCELLED = "cancelled", pgettext_lazy("backorder status", "Cancelled")


class EstimateSource(models.TextChoices):
    LEAD_TIME = "lead_time", _("lead time")
    RELEASE_DATE = "release_date", _("release date")
    INBOUND = "inbound", _("inbound purchase order")
    MERCHANT = "merchant", _("set by the merchant")


class BackorderEventKind(models.TextChoices):
    PLACED = "placed", _("Backordered at checkout")
    ESTIMATE_CHANGED = "estimate_changed", _("Estimate changed")
    ALLOCATED = "allocated", _("Stock allocated")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    NOTE = "note", _("Note")


__all__ = ["BackorderEventKind", "BackorderStatus", "EstimateSource", "PolicyMode"]
