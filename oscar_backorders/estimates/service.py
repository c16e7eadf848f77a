"""Load supply and demand, run the available-to-promise engine, save the dates that changed.

:func:`recompute` dates every waiting line of the given stock records (or of all of them) and
saves only the lines whose date moved: one bulk update, one ``BackorderEvent`` per change (old
date, new date, reason) and one ``estimate_changed`` signal per change after commit, exactly what
:func:`oscar_backorders.services.set_estimate` records for a single line. Dates a merchant set by
hand (``estimate_source == "merchant"``) are left alone; their units still take their place in
the queue.

:class:`SupplyEstimator` is the ``BACKORDERS_ESTIMATOR`` that dates the next unit a customer
would order now, with the same engine, so the product page, basket and checkout promise what the
engine will later keep.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.abstract_models import BackorderEventKind, EstimateSource, PolicyMode
from oscar_backorders.bulk import insert_rows
from oscar_backorders.estimates import engine
from oscar_backorders.estimates.base import Estimate, StockSnapshot
from oscar_backorders.estimates.shop_calendar import shop_calendar
from oscar_backorders.policy import PolicyCache, ResolvedPolicy
from oscar_backorders.priorities import WaitingLine, in_priority_order, load_waiting_lines

logger = logging.getLogger(__name__)

_BATCH = 1000


@dataclass(frozen=True, slots=True)
class EstimateChange:
    backorder_line_id: int
    stockrecord_id: int
    old_date: date
    new_date: date
    source: str


def engine_calendar() -> engine.Calendar:
    cal = shop_calendar()
    return engine.Calendar(
        weekend=cal.weekend, holidays=cal.holidays, handling_days=cal.handling_days
    )


def load_inbound(stockrecord_ids: Iterable[int] | None) -> dict[int, list[engine.Inbound]]:
    """Open purchase-order lines per stock record, each with its supplier's reliability delay."""
    from oscar_backorders.supply.abstract_models import INBOUND_STATUSES
    from oscar_backorders.supply.reliability import supplier_delays

    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    queryset = PurchaseOrderLine._default_manager.filter(status__in=INBOUND_STATUSES).exclude(
        purchase_order__status="cancelled"
    )
    if stockrecord_ids is not None:
        queryset = queryset.filter(stockrecord_id__in=list(stockrecord_ids))
    rows = list(
        queryset.order_by().values_list(
            "stockrecord_id",
            "expected_date",
            "quantity",
            "quantity_received",
            "purchase_order__supplier_id",
        )
    )
    delays = supplier_delays({row[4] for row in rows})
    inbound: dict[int, list[engine.Inbound]] = defaultdict(list)
    for sr_id, expected, quantity, received, supplier_id in rows:
        inbound[sr_id].append(
            engine.Inbound(expected, quantity - received, delays.get(supplier_id, 0))
        )
    return inbound


def _not_before(policy: ResolvedPolicy, today: date) -> date | None:
    if policy.effective_mode(today) == PolicyMode.PREORDER:
        return policy.release_date
    return None


def build_inputs(
    records: Sequence[Any],
    waiting: Sequence[WaitingLine],
    inbound: dict[int, list[engine.Inbound]],
    policies: PolicyCache,
    *,
    today: date,
) -> list[engine.StockInput]:
    """Engine inputs for ``records`` (objects with pk, partner_id, num_in_stock, num_allocated)."""
    by_record: dict[int, list[WaitingLine]] = defaultdict(list)
    for line in in_priority_order(waiting):
        by_record[line.stockrecord_id].append(line)
    inputs = []
    for record in records:
        lines = by_record.get(record.pk, [])
        units_waiting = sum(line.quantity_waiting for line in lines)
        committed = (record.num_allocated or 0) - units_waiting
        policy = policies.get(record)
        inputs.append(
            engine.StockInput(
                stockrecord_id=record.pk,
                free_units=max((record.num_in_stock or 0) - committed, 0),
                lead_time_days=policy.lead_time_days,
                inbound=tuple(inbound.get(record.pk, ())),
                demand=tuple(engine.Demand(line.line_id, line.quantity_waiting) for line in lines),
                not_before=_not_before(policy, today),
            )
        )
    return inputs


def compute(
    stockrecord_ids: Iterable[int] | None = None, *, today: date | None = None
) -> tuple[dict[int, engine.StockPlan], dict[int, tuple[date, str]]]:
    """Read everything the engine needs and run it; writes nothing.

    Returns the plans per stock record and the current ``(date, source)`` of every waiting line.
    """
    today = today or timezone.localdate()
    ids = None if stockrecord_ids is None else sorted(set(stockrecord_ids))
    waiting = load_waiting_lines(ids)
    if not waiting:
        return {}, {}  # nothing waits: nothing to date (one query)
    if ids is None:
        ids = sorted({line.stockrecord_id for line in waiting})
    StockRecord = get_model("partner", "StockRecord")
    records = [
        SimpleNamespace(pk=pk, partner_id=partner, num_in_stock=stock, num_allocated=allocated)
        for pk, partner, stock, allocated in StockRecord._default_manager.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "partner_id", "num_in_stock", "num_allocated")
    ]
    policies = PolicyCache()
    policies.warm(records)
    inputs = build_inputs(records, waiting, load_inbound(ids), policies, today=today)
    plans = engine.plan(inputs, today=today, calendar=engine_calendar())
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    current = {
        pk: (day, source)
        for pk, day, source in BackorderLine._default_manager.filter(
            pk__in=[line.line_id for line in waiting]
        ).values_list("pk", "estimated_date", "estimate_source")
    }
    return plans, current


def diff(
    plans: dict[int, engine.StockPlan], current: dict[int, tuple[date, str]]
) -> list[EstimateChange]:
    """Pure: the lines whose engine date differs from the saved one (merchant dates excepted)."""
    changes = []
    for sr_id, stock_plan in plans.items():
        for estimate in stock_plan.lines:
            old = current.get(estimate.line_id)
            if old is None or old[1] == EstimateSource.MERCHANT or old[0] == estimate.day:
                continue
            changes.append(
                EstimateChange(estimate.line_id, sr_id, old[0], estimate.day, estimate.source)
            )
    return changes


@transaction.atomic
def save_changes(changes: Sequence[EstimateChange], *, reason: str) -> None:
    """Write ``changes`` in bulk: dates, one event each, one signal each after commit.

    Locks the lines in pk order and skips any that stopped waiting or that a merchant dated
    meanwhile (the merchant's date wins).
    """
    if not changes:
        return
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
    by_id = {change.backorder_line_id: change for change in changes}
    now = timezone.now()
    saved: list[tuple[Any, EstimateChange]] = []
    ids = sorted(by_id)
    for start in range(0, len(ids), _BATCH):
        rows = list(
            BackorderLine._default_manager.select_for_update()
            .filter(pk__in=ids[start : start + _BATCH], status="waiting")
            .exclude(estimate_source=EstimateSource.MERCHANT)
            .order_by("pk")
            .only("pk", "estimated_date", "estimate_source", "stockrecord_id", "date_updated")
        )
        for row in rows:
            change = by_id[row.pk]
            if row.estimated_date == change.new_date:
                continue
            change = EstimateChange(
                row.pk, change.stockrecord_id, row.estimated_date, change.new_date, change.source
            )
            row.estimated_date = change.new_date
            row.estimate_source = change.source
            row.date_updated = now
            saved.append((row, change))
    # One UPDATE per distinct (date, source): few, whatever the number of lines (Django's
    # bulk_update builds a CASE per row, which is slower by orders of magnitude).
    groups: dict[tuple[date, str], list[int]] = defaultdict(list)
    for row, change in saved:
        groups[(change.new_date, change.source)].append(row.pk)
    for (new_date, source), group in groups.items():
        for start in range(0, len(group), _BATCH):
            BackorderLine._default_manager.filter(pk__in=group[start : start + _BATCH]).update(
                estimated_date=new_date, estimate_source=source, date_updated=now
            )
    insert_rows(
        BackorderEvent,
        ["backorder_line", "kind", "old_date", "new_date", "reason", "date_created"],
        [
            (
                row.pk,
                str(BackorderEventKind.ESTIMATE_CHANGED),
                change.old_date,
                change.new_date,
                reason[:255],
                now,
            )
            for row, change in saved
        ],
    )

    def send() -> None:
        for row, change in saved:
            signals.estimate_changed.send(
                sender=BackorderLine,
                backorder_line=row,
                old_date=change.old_date,
                new_date=change.new_date,
                reason=reason,
            )

    transaction.on_commit(send)


def recompute(
    stockrecord_ids: Iterable[int] | None = None, *, reason: str, today: date | None = None
) -> list[EstimateChange]:
    """Re-date the waiting lines of ``stockrecord_ids`` (``None``: every stock record).

    Saves and returns only the changes. Stock records are independent, so recomputing the ones
    a change touched gives the same dates as a full recompute.
    """
    plans, current = compute(stockrecord_ids, today=today)
    changes = diff(plans, current)
    save_changes(changes, reason=reason)
    if changes:
        logger.info("Estimates: %d line(s) re-dated (%s)", len(changes), reason)
    return changes


class SupplyEstimator:
    """``BACKORDERS_ESTIMATOR``: the date the next unit ordered now gets, from the engine.

    Two queries per call whatever the number of stock records: their open purchase-order lines
    and their suppliers' delivery history. Only the net stock level matters for the next unit
    (it queues behind every waiting unit), so the waiting lines themselves are not read.
    """

    def estimate_next(
        self, snapshots: Sequence[StockSnapshot], *, today: date
    ) -> dict[int, Estimate]:
        if not snapshots:
            return {}
        inbound = load_inbound([s.stockrecord_id for s in snapshots])
        inputs = [
            engine.StockInput(
                stockrecord_id=s.stockrecord_id,
                free_units=max(s.net_stock, 0),
                lead_time_days=s.policy.lead_time_days,
                inbound=tuple(inbound.get(s.stockrecord_id, ())),
                demand=(engine.Demand(0, -s.net_stock),) if s.net_stock < 0 else (),
                not_before=_not_before(s.policy, today),
            )
            for s in snapshots
        ]
        plans = engine.plan(inputs, today=today, calendar=engine_calendar())
        return {
            pk: Estimate(stock_plan.next_unit.day, stock_plan.next_unit.source)
            for pk, stock_plan in plans.items()
        }


__all__ = [
    "EstimateChange",
    "SupplyEstimator",
    "compute",
    "diff",
    "recompute",
    "save_changes",
]
