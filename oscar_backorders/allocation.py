"""Restock allocation: free units go to waiting backordered lines in priority order.

Free units of a stock record are ``num_in_stock`` minus the units already committed, i.e. the
in-stock parts of open orders and the backordered units that already have stock behind them.
Every ordered unit is counted in ``num_allocated`` (see :mod:`oscar_backorders.placement`), the
waiting backordered ones included, so::

    free = num_in_stock - (num_allocated - units waiting)

:func:`plan_allocation` is pure; :func:`allocate_free_stock` locks, plans and writes through
:func:`oscar_backorders.services.allocate_units_bulk` (the bulk form of
``allocate_units``: same checks, one audited event and one ``backorder_allocated`` signal per
line, a constant number of queries).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.locks import lock_stockrecords
from oscar_backorders.priorities import (
    PriorityOrder,
    WaitingLine,
    in_priority_order,
    load_waiting_lines,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Allocation:
    backorder_line_id: int
    stockrecord_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """What was (or, with ``dry_run``, would be) allocated, and why."""

    reason: str
    dry_run: bool
    allocations: tuple[Allocation, ...] = ()
    free_before: Mapping[int, int] = field(default_factory=dict)  # stock record id → free units
    waiting_before: Mapping[int, int] = field(default_factory=dict)  # stock record id → waiting

    @property
    def units(self) -> int:
        return sum(a.quantity for a in self.allocations)

    def free_after(self, stockrecord_id: int) -> int:
        used = sum(a.quantity for a in self.allocations if a.stockrecord_id == stockrecord_id)
        return self.free_before.get(stockrecord_id, 0) - used


def free_units(*, num_in_stock: int | None, num_allocated: int | None, waiting: int) -> int:
    """Pure: units on the shelf that nothing has claimed yet (never negative)."""
    committed = (num_allocated or 0) - waiting
    return max((num_in_stock or 0) - committed, 0)


def plan_allocation(
    free: Mapping[int, int], lines: Sequence[WaitingLine], order: PriorityOrder | None = None
) -> list[Allocation]:
    """Pure: give each stock record's free units to its lines in priority order.

    A line takes what it waits for or what is left, whichever is smaller (partial fills); no
    lower-priority line gets a unit while a higher-priority line of the same stock record waits.
    """
    left = dict(free)
    plan = []
    for line in in_priority_order(lines, order):
        available = left.get(line.stockrecord_id, 0)
        if available <= 0:
            continue
        quantity = min(available, line.quantity_waiting)
        if quantity > 0:
            left[line.stockrecord_id] = available - quantity
            plan.append(Allocation(line.line_id, line.stockrecord_id, quantity))
    return plan


def _lock_waiting_lines(stockrecord_ids: Iterable[int]) -> None:
    """``SELECT … FOR UPDATE`` the waiting lines of the stock records, in pk order (ids only:
    a restock of thousands of lines must not build thousands of model instances twice)."""
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    list(
        BackorderLine._default_manager.select_for_update()
        .filter(stockrecord_id__in=list(stockrecord_ids), status="waiting")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def allocate_free_stock(
    stockrecord_ids: Iterable[int],
    *,
    reason: str,
    actor: Any | None = None,
    dry_run: bool = False,
) -> AllocationResult:
    """Allocate the free units of the given stock records to their waiting lines.

    Locks the stock records, then the waiting lines, each in pk order (the order every other
    writer uses, so no deadlock), re-reads both under the locks and never gives more than is
    free. While the stock records are locked no order can be placed against them, so no waiting
    line appears or disappears. ``dry_run`` takes no locks and writes nothing: it returns the
    plan (the admin's preview). Sends ``backorder_allocated`` per line after commit.
    """
    ids = sorted(set(stockrecord_ids))
    if not ids:
        return AllocationResult(reason=reason, dry_run=dry_run)
    if dry_run:
        StockRecord = get_model("partner", "StockRecord")
        records = {sr.pk: sr for sr in StockRecord._default_manager.filter(pk__in=ids)}
    else:
        records = lock_stockrecords(ids)
        _lock_waiting_lines(records)
    waiting = load_waiting_lines(list(records))
    waiting_units: dict[int, int] = dict.fromkeys(records, 0)
    for line in waiting:
        waiting_units[line.stockrecord_id] += line.quantity_waiting
    free = {
        pk: free_units(
            num_in_stock=sr.num_in_stock, num_allocated=sr.num_allocated, waiting=waiting_units[pk]
        )
        for pk, sr in records.items()
    }
    plan = plan_allocation(free, waiting)
    if not dry_run:
        services.allocate_units_bulk(
            {a.backorder_line_id: a.quantity for a in plan}, reason=reason, actor=actor
        )
        if plan:
            logger.info(
                "Allocated %d unit(s) to %d backordered line(s): %s",
                sum(a.quantity for a in plan),
                len(plan),
                reason,
            )
    return AllocationResult(
        reason=reason,
        dry_run=dry_run,
        allocations=tuple(plan),
        free_before=free,
        waiting_before=waiting_units,
    )


__all__ = [
    "Allocation",
    "AllocationResult",
    "allocate_free_stock",
    "free_units",
    "plan_allocation",
]
