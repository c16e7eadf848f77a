"""The release plan: which waiting units give their allocation back, from plain data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from oscar_backorders.exceptions import BackorderError


class ReleaseRefused(BackorderError, ValueError):
    """The release (or removal) was refused before anything changed; the message says why."""

    def __init__(self, message: str, *, value: Any = None) -> None:
        self.value = value
        super().__init__(message)


# --- the plan (pure) -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineState:
    """What the release needs to know about one backordered line (plain data)."""

    backorder_line_id: int
    order_line_id: int
    waiting: int  # units waiting for stock, as the plugin counts them
    cancelled: int  # units cancelled through the plugin
    released: int = 0  # units earlier runs took off the stock record
    line_released: int = 0  # units earlier runs took off the order line's counter
    line_allocated: int = 0  # the order line's ``num_allocated`` now


@dataclass(frozen=True, slots=True)
class LineRelease:
    backorder_line_id: int
    order_line_id: int
    quantity: int  # off the stock record's num_allocated
    line_quantity: int  # off the order line's num_allocated


@dataclass(frozen=True, slots=True)
class Plan:
    lines: tuple[LineRelease, ...] = ()
    #: Waiting units with stock on the shelf: they keep their allocation.
    kept: int = 0
    #: Units allocated beyond the shelf that no backordered line accounts for: left alone.
    unexplained: int = 0

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def plan_release(
    *, num_in_stock: int | None, num_allocated: int | None, lines: Sequence[LineState]
) -> Plan:
    """Pure: what to release on one stock record and on its lines' order lines.

    ``lines`` are the stock record's backordered lines in priority order (highest first).
    """
    shortfall = max((num_allocated or 0) - (num_in_stock or 0), 0)
    pending: dict[int, int] = {}  # owed to the order line's counter from before this run
    releasable: dict[int, int] = {}
    for line in lines:
        owed = max(line.released + line.cancelled - line.line_released, 0)
        still_counted = max(line.line_allocated - owed, 0)
        pending[line.backorder_line_id] = owed
        releasable[line.backorder_line_id] = max(
            min(line.waiting - line.released, still_counted), 0
        )
    waiting = sum(releasable.values())
    to_release = min(shortfall, waiting)
    taken: dict[int, int] = {}
    left = to_release
    for line in reversed(lines):  # the lines restock allocation would serve last
        quantity = min(left, releasable[line.backorder_line_id])
        taken[line.backorder_line_id] = quantity
        left -= quantity
    planned = []
    for line in lines:
        quantity = taken.get(line.backorder_line_id, 0)
        line_quantity = min(pending[line.backorder_line_id] + quantity, line.line_allocated)
        if quantity or line_quantity:
            planned.append(
                LineRelease(line.backorder_line_id, line.order_line_id, quantity, line_quantity)
            )
    return Plan(lines=tuple(planned), kept=waiting - to_release, unexplained=shortfall - to_release)
