"""Signals sent by oscar_backorders, named in the past tense.

All but ``backorder_cancellation_recorded`` are sent after the change is committed (``transaction.on_commit``), so receivers see the new
state and may enqueue Celery tasks safely.
"""

from django.dispatch import Signal

#: An order was placed with backordered units.
#: Arguments: ``order`` (Order), ``backorder_lines`` (list[BackorderLine]).
backorder_placed = Signal()

#: A waiting line's estimated ship date changed.
#: Arguments: ``backorder_line`` (BackorderLine), ``old_date`` (date), ``new_date`` (date),
#: ``reason`` (str).
estimate_changed = Signal()

#: Arriving stock was allocated to a backordered line.
#: Arguments: ``backorder_line`` (BackorderLine), ``quantity`` (int).
backorder_allocated = Signal()

#: Backordered units shipped.
#: Arguments: ``backorder_line`` (BackorderLine), ``quantity`` (int).
backorder_shipped = Signal()

#: Backordered units were cancelled.
#: Arguments: ``backorder_line`` (BackorderLine), ``quantity`` (int), ``actor`` (User or None).
backorder_cancelled = Signal()

#: Sent *inside* the cancelling transaction (the only such signal), so a receiver can record, in
#: the same transaction, what must follow (e.g. the payments side records the money to release).
#: Arguments: ``backorder_line`` (BackorderLine), ``quantity`` (int), ``actor`` (User or None).
backorder_cancellation_recorded = Signal()

# --- Payments (sent after commit) ---

#: Money was captured for shipped units.
#: Arguments: ``order`` (Order), ``amount`` (Decimal), ``currency`` (str),
#: ``line_quantities`` (dict[int, int]: order line id → units this capture paid for).
payment_captured = Signal()

#: A capture failed (declined, timed out, authorisation expired); the shipment is not lost, the
#: capture will be retried or needs the merchant.
#: Arguments: ``order`` (Order), ``amount`` (Decimal), ``error`` (str).
payment_capture_failed = Signal()

#: Money for cancelled units was voided or refunded.
#: Arguments: ``order`` (Order), ``amount`` (Decimal), ``kind`` ("void" or "refund").
payment_released = Signal()

#: An authorisation will expire before the units it covers are expected to ship.
#: Sent when a renewal failed or cannot be done: the customer must confirm payment.
#: Arguments: ``order`` (Order), ``expires_at`` (datetime), ``authorisation``
#: (PaymentAuthorisation, the one waiting for the customer).
authorisation_expiring = Signal()

# --- Supply (sent after commit) ---

#: A stock record's free-plus-inbound stock fell to or below its reorder point.
#: Arguments: ``stockrecord`` (StockRecord), ``available`` (int), ``reorder_point`` (int).
reorder_point_reached = Signal()
