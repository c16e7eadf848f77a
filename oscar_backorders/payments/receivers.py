"""Receivers of the payments side (connected in ``BackordersConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from oscar_backorders import signals


@receiver(signals.backorder_cancellation_recorded, dispatch_uid="backorders-payments-release")
def release_cancelled_units(*, backorder_line: Any, quantity: int, **kwargs: Any) -> None:
    """Record the cancelled units' money to release (in the cancelling transaction); release it
    after commit."""
    from oscar_backorders.payments.release import execute_release, record_release

    release = record_release(backorder_line, quantity)
    if release is not None:
        release_id = release.pk
        transaction.on_commit(lambda: execute_release(release_id))
