"""Small helpers every payments module shares: order notes and retry delays."""

from __future__ import annotations

import datetime
from typing import Any

from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait before attempt ``attempts + 1`` (``BACKORDERS_PAYMENT_RETRY_DELAYS_MINUTES``)."""
    delays = tuple(backorder_settings.PAYMENT_RETRY_DELAYS_MINUTES) or (5,)
    return datetime.timedelta(minutes=delays[min(max(attempts, 1), len(delays)) - 1])


def order_note(order: Any, message: str, actor: Any = None) -> None:
    """A system note on the order (the merchant's audit trail of every money movement)."""
    OrderNote = get_model("order", "OrderNote")
    OrderNote._default_manager.create(
        order=order,
        user=actor if getattr(actor, "pk", None) else None,
        note_type=OrderNote.SYSTEM,
        message=message,
    )
