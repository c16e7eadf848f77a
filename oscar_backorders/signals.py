"""Signals sent by oscar_backorders, named in the past tense.

All are sent after the change is committed (``transaction.on_commit``), so receivers see the new
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
