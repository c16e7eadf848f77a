"""Small helpers every payments module shares: order notes, retry delays, shipment results."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.payments.abstract_models import CaptureStatus


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


@dataclass(frozen=True, slots=True)
class ShipmentResult:
    """What became of a shipment: captured (and shipped) or failed (held, to be retried)."""

    capture_id: int
    sequence: int
    status: str
    amount: Decimal
    currency: str
    line_quantities: dict[int, int]
    shipping_event_id: int | None
    error: str = ""

    @property
    def shipped(self) -> bool:
        return self.status == CaptureStatus.CAPTURED


def shipment_result(capture: Any) -> ShipmentResult:
    """The :class:`ShipmentResult` of a capture row as it stands."""
    return ShipmentResult(
        capture_id=capture.pk,
        sequence=capture.sequence,
        status=str(capture.status),
        amount=capture.amount,
        currency=capture.currency,
        line_quantities={int(k): v for k, v in capture.line_quantities.items()},
        shipping_event_id=capture.shipping_event_id,
        error=capture.last_error,
    )
