"""Held shipments: retry the captures that failed (or died in flight), or give one up.

The hourly task calls :func:`retry_due_captures`; the admin's "abandon" action calls
:func:`abandon_capture`. Both go through :func:`oscar_backorders.payments.capture.settle_capture`'s
locks and states, so a retry can never take the money twice.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.locks import lock_capture
from oscar_backorders.payments.abstract_models import CaptureStatus
from oscar_backorders.payments.capture import settle_capture
from oscar_backorders.payments.common import order_note
from oscar_backorders.payments.exceptions import PaymentRefused


def retry_due_captures(*, now: datetime.datetime | None = None) -> int:
    """Retry every failed capture whose next attempt is due; returns how many now captured."""
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    now = now or timezone.now()
    # Pending captures are due too: a process that died mid-capture left them in flight.
    due = PaymentCapture._default_manager.filter(
        status__in=[CaptureStatus.FAILED, CaptureStatus.PENDING], next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    return sum(settle_capture(pk).shipped for pk in list(due))


@transaction.atomic
def abandon_capture(capture_id: int, *, actor: Any = None, reason: str) -> Any:
    """Give up a held shipment: its units are free to ship (or cancel) again; no money moved."""
    capture = lock_capture(capture_id)
    if capture.status not in (CaptureStatus.PENDING, CaptureStatus.FAILED):
        raise PaymentRefused(
            _("Shipment %(n)d is %(status)s; only a held shipment can be abandoned.")
            % {"n": capture.sequence, "status": capture.get_status_display()},
            order_id=capture.order_id,
        )
    if capture.outcome_unknown or capture.status == CaptureStatus.PENDING:
        raise PaymentRefused(
            _(
                "The payment provider may have taken the money for shipment %(n)d; retry the "
                "capture (it cannot take the money twice) instead of abandoning it."
            )
            % {"n": capture.sequence},
            order_id=capture.order_id,
        )
    capture.status = CaptureStatus.ABANDONED
    capture.next_attempt_at = None
    capture.save(update_fields=["status", "next_attempt_at"])
    order_note(
        capture.order,
        _("Shipment %(n)d abandoned: %(reason)s") % {"n": capture.sequence, "reason": reason},
        actor,
    )
    return capture
