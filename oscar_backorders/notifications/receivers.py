"""Receivers of the notifications: remember what other modules tell, install the schedules.

The payments and supply modules announce their news through the signals declared in
:mod:`oscar_backorders.signals`; nothing here imports them. Each receiver records one
:class:`NoticeEvent` row for the merchant's digest; ``authorisation_expiring`` also claims the
customer's confirm-payment email. Line events need no receiver: the scans read the lines' own
audit trail (``BackorderEvent``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import translation
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.notifications.abstract_models import NoticeEventKind

logger = logging.getLogger(__name__)


def _record(kind: str, **fields: Any) -> None:
    NoticeEvent = get_model("oscar_backorders", "NoticeEvent")
    NoticeEvent._default_manager.create(kind=kind, **fields)


@receiver(signals.backorder_placed, dispatch_uid="backorders_notify_language")
def remember_language(*, order: Any, **kwargs: Any) -> None:
    """Remember the language the customer checked out in; their notices are written in it."""
    language = translation.get_language()
    email = (order.email or "").strip().lower()
    if not language or not email:
        return
    NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
    # One statement (INSERT … ON CONFLICT DO UPDATE): the checkout pays one query for this.
    NotificationPreference._default_manager.bulk_create(
        [NotificationPreference(email=email, language=language, user=order.user)],
        update_conflicts=True,
        unique_fields=["email"],
        update_fields=["language", "date_updated"],
    )


@receiver(signals.payment_captured, dispatch_uid="backorders_notify_captured")
def record_capture(*, order: Any, amount: Any, currency: str, **kwargs: Any) -> None:
    quantities = kwargs.get("line_quantities") or {}
    _record(
        NoticeEventKind.PAYMENT_CAPTURED,
        order=order,
        amount=amount,
        detail={"currency": currency, "lines": {str(k): v for k, v in quantities.items()}},
    )


@receiver(signals.payment_capture_failed, dispatch_uid="backorders_notify_capture_failed")
def record_capture_failure(*, order: Any, amount: Any, error: str, **kwargs: Any) -> None:
    _record(
        NoticeEventKind.PAYMENT_CAPTURE_FAILED,
        order=order,
        amount=amount,
        detail={"error": str(error)[:500]},
    )


@receiver(signals.payment_released, dispatch_uid="backorders_notify_released")
def record_release(*, order: Any, amount: Any, kind: str, **kwargs: Any) -> None:
    _record(NoticeEventKind.PAYMENT_RELEASED, order=order, amount=amount, detail={"kind": kind})


@receiver(signals.authorisation_expiring, dispatch_uid="backorders_notify_expiring")
def record_expiring(*, order: Any, expires_at: Any, **kwargs: Any) -> None:
    """Tell the merchant (digest) and ask the customer to confirm payment, once per authorisation."""
    _record(
        NoticeEventKind.AUTHORISATION_EXPIRING,
        order=order,
        detail={"expires_at": expires_at.isoformat() if expires_at else ""},
    )
    from oscar_backorders.notifications import dispatch, scans

    notice_id = scans.claim_confirm_payment(order.pk)
    if notice_id is not None:
        dispatch.enqueue([notice_id])


@receiver(signals.reorder_point_reached, dispatch_uid="backorders_notify_reorder")
def record_reorder_point(
    *, stockrecord: Any, available: int, reorder_point: int, **kwargs: Any
) -> None:
    _record(
        NoticeEventKind.REORDER_POINT_REACHED,
        stockrecord=stockrecord,
        detail={"available": available, "reorder_point": reorder_point},
    )


@receiver(post_migrate, dispatch_uid="backorders_install_schedules")
def install_schedules(*, app_config: Any, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``, create the missing beat schedules (never edit any). The email types
    are created when the first email is sent (``email_types``)."""
    if app_config.label != "oscar_backorders":
        return
    from django.apps import apps
    from django.db import connections

    if not apps.is_installed("django_celery_beat"):
        return
    # `migrate oscar_backorders zero` (uninstalling, docs/uninstall.md) ends with post_migrate
    # too, the plugin still installed: it must not put back what the shop is removing.
    table = get_model("oscar_backorders", "BackorderLine")._meta.db_table
    if table not in connections[using].introspection.table_names():
        return
    from oscar_backorders.notifications.beat import ensure_schedules

    try:
        ensure_schedules()
    except Exception:  # a missing table must not break migrate; the command can do it later
        logger.exception("Could not install the backorder schedules; run backorder_schedules.")
