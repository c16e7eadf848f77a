"""The plugin's emails as Oscar ``CommunicationEventType`` rows, created when first needed.

A row makes an email show up in Oscar's dashboard (Content › Email templates), where a merchant
can override its subject and bodies; without one Oscar renders the file templates, so sending
never depends on it. The rows are created the first time the plugin sends an email (or by
``manage.py backorder_schedules``), not on ``migrate``: a shop that never backorders anything
keeps Oscar's dashboard exactly as it was.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.notifications.notices import EMAIL_CODES

NAMES = {
    "estimate_changed": _("Backorder: estimated date changed"),
    "follow_up": _("Backorder: status follow-up"),
    "ready_to_ship": _("Backorder: ready to ship"),
    "shipped": _("Backorder: shipped and charged"),
    "delay_options": _("Backorder: delay, keep waiting or cancel"),
    "cancelled": _("Backorder: cancellation confirmed"),
    "compensation": _("Backorder: compensation voucher"),
    "confirm_payment": _("Backorder: confirm payment"),
    "merchant_digest": _("Backorder: merchant daily digest"),
}

_installed = False


def install_email_types() -> list[str]:
    """Create the missing rows (never edit one a merchant changed); return the codes created.

    Two queries: one read, one bulk insert of what is missing (``ignore_conflicts`` for a
    concurrent worker doing the same).
    """
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    manager = CommunicationEventType._default_manager
    existing = set(manager.filter(code__in=EMAIL_CODES.values()).values_list("code", flat=True))
    missing = [
        CommunicationEventType(
            code=code, name=str(NAMES[kind]), category=CommunicationEventType.ORDER_RELATED
        )
        for kind, code in EMAIL_CODES.items()
        if code not in existing
    ]
    if missing:
        manager.bulk_create(missing, ignore_conflicts=True)
    return [row.code for row in missing]


def ensure_email_types() -> None:
    """:func:`install_email_types` once per process (called before the plugin sends an email)."""
    global _installed
    if not _installed:
        install_email_types()
        _installed = True
