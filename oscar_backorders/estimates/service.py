"""Load supply and demand, run the engine, save what changed: promises revised, risks updated.

:func:`recompute` runs the engine (:mod:`~oscar_backorders.estimates.engine`) over the given stock
records (or all) and, per waiting line:

* revises the customer's promise (``estimated_date``) only as :func:`~.promises.revised_promise`
  says: its chance of being kept fell below ``BACKORDERS_PROMISE_REVISE_BELOW``, or it was
  missed. Each revision is saved in bulk with one ``BackorderEvent`` and one
  ``estimate_changed`` signal after commit, as :func:`oscar_backorders.services.set_estimate`
  records a merchant's. A merchant's date (``estimate_source == "merchant"``) is never revised
  here; its units still take their place in the queue.
* keeps the merchant's view current without telling anyone: the most likely date and the chance
  of missing the promise (``likely_date``, ``miss_risk``, rounded to whole percents).

:class:`SupplyEstimator` is the ``BACKORDERS_ESTIMATOR`` that promises the next units a customer
would order now, with the same engine and confidence, so the product page, basket and checkout
promise what the recompute will then keep.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import EstimateSource, PolicyMode
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.estimates import engine
from oscar_backorders.estimates.base import Estimate, StockSnapshot
from oscar_backorders.estimates.promises import has_news, revised_promise
from oscar_backorders.estimates.saving import EstimateChange, RiskUpdate, save_changes, save_risks
from oscar_backorders.estimates.shop_calendar import shop_calendar
from oscar_backorders.estimates.supply_data import Supply, load_supply
from oscar_backorders.policy import PolicyCache, ResolvedPolicy
from oscar_backorders.priorities import WaitingLine, in_priority_order, load_waiting_lines

logger = logging.getLogger(__name__)

_BATCH = 1000


def engine_calendar() -> engine.Calendar:
    cal = shop_calendar()
    return engine.Calendar(
        weekend=cal.weekend, holidays=cal.holidays, handling_days=cal.handling_days
    )


def _not_before(policy: ResolvedPolicy, today: date) -> date | None:
    if policy.effective_mode(today) == PolicyMode.PREORDER:
        return policy.release_date
    return None


@dataclass(frozen=True, slots=True)
class Current:
    """A waiting line as saved: its promise, where it came from, the merchant's view of it."""

    promise: date
    source: str
    likely: date | None
    risk: float | None


def confidence() -> float:
    return float(backorder_settings.PROMISE_CONFIDENCE)


def build_inputs(
    records: Sequence[Any],
    waiting: Sequence[WaitingLine],
    supply: Supply,
    policies: PolicyCache,
    current: dict[int, Current],
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
        demand = []
        for line in lines:
            saved = current.get(line.line_id)
            demand.append(
                engine.Demand(
                    line.line_id,
                    line.quantity_waiting,
                    anchor=_local_date(line.placed_at),
                    promise=saved.promise if saved is not None else None,
                )
            )
        inputs.append(
            engine.StockInput(
                stockrecord_id=record.pk,
                free_units=max((record.num_in_stock or 0) - committed, 0),
                lead_time_days=policy.lead_time_days,
                inbound=tuple(supply.inbound.get(record.pk, ())),
                demand=tuple(demand),
                not_before=_not_before(policy, today),
                lead_lateness=supply.lead(record.pk),
            )
        )
    return inputs


def _local_date(moment: Any) -> date | None:
    if moment is None:
        return None
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def compute(
    stockrecord_ids: Iterable[int] | None = None, *, today: date | None = None
) -> tuple[dict[int, engine.StockPlan], dict[int, Current]]:
    """Read everything the engine needs and run it; writes nothing.

    Returns the plans per stock record and every waiting line as saved.
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
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    current: dict[int, Current] = {}
    line_ids = [line.line_id for line in waiting]
    for start in range(0, len(line_ids), _BATCH * 10):
        for pk, day, source, likely, risk in BackorderLine._default_manager.filter(
            pk__in=line_ids[start : start + _BATCH * 10]
        ).values_list("pk", "estimated_date", "estimate_source", "likely_date", "miss_risk"):
            current[pk] = Current(day, source, likely, risk)
    inputs = build_inputs(records, waiting, load_supply(ids), policies, current, today=today)
    plans = engine.plan(inputs, today=today, calendar=engine_calendar(), confidence=confidence())
    return plans, current


def diff(
    plans: dict[int, engine.StockPlan],
    current: dict[int, Current],
    *,
    today: date,
    revise_below: float | None = None,
    news: Callable[[int], bool] = lambda stockrecord_id: True,
) -> tuple[list[EstimateChange], list[RiskUpdate]]:
    """Pure: the promises to revise (merchant dates excepted) and the merchant's views to update.

    ``news(stockrecord_id)``: whether something happened to the stock record (see
    :func:`~.promises.revised_promise`); without news only missed promises are revised.
    """
    if revise_below is None:
        revise_below = float(backorder_settings.PROMISE_REVISE_BELOW)
    changes, updates = [], []
    for sr_id, stock_plan in plans.items():
        fresh = news(sr_id)
        for estimate in stock_plan.lines:
            saved = current.get(estimate.line_id)
            if saved is None:
                continue
            chance = estimate.chance
            if saved.source != EstimateSource.MERCHANT:
                new = revised_promise(
                    current=saved.promise,
                    estimate=estimate,
                    today=today,
                    revise_below=revise_below,
                    news=fresh,
                )
                if new is not None:
                    changes.append(
                        EstimateChange(estimate.line_id, sr_id, saved.promise, new, estimate.source)
                    )
                    chance = estimate.day_chance
            risk = round(1 - chance, 2) if chance is not None else None
            likely = estimate.likely or estimate.day
            moved_likely = likely if likely != saved.likely else None
            moved_risk = risk if risk is not None and risk != saved.risk else None
            if moved_likely is not None or moved_risk is not None:
                updates.append(RiskUpdate(estimate.line_id, moved_likely, moved_risk))
    return changes, updates


def recompute(
    stockrecord_ids: Iterable[int] | None = None,
    *,
    reason: str,
    today: date | None = None,
    nightly: bool = False,
) -> list[EstimateChange]:
    """Re-judge the waiting lines of ``stockrecord_ids`` (``None``: every stock record).

    Revises the promises the rule says to revise (returned), and updates the merchant's view of
    the others. A recompute is called because something changed, so every stock record has
    news; the ``nightly`` one looks for news itself (a purchase order that missed its day).
    Stock records are independent, so recomputing the ones a change touched gives the same
    result as a full recompute.
    """
    today = today or timezone.localdate()
    plans, current = compute(stockrecord_ids, today=today)
    news: Callable[[int], bool] = lambda stockrecord_id: True  # noqa: E731
    if nightly:
        overdue = _missed_their_day(list(plans), today=today)
        news = overdue.__contains__
    changes, updates = diff(plans, current, today=today, news=news)
    with transaction.atomic():
        save_changes(changes, reason=reason)
        save_risks(updates)
    if changes:
        logger.info("Promises: %d line(s) revised (%s)", len(changes), reason)
    return changes


def _missed_their_day(stockrecord_ids: list[int], *, today: date) -> set[int]:
    """The stock records with an open purchase-order line due yesterday (one query)."""
    from oscar_backorders.supply.abstract_models import INBOUND_STATUSES

    if not stockrecord_ids:
        return set()
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    rows = (
        PurchaseOrderLine._default_manager.filter(
            status__in=INBOUND_STATUSES, stockrecord_id__in=stockrecord_ids
        )
        .exclude(purchase_order__status="cancelled")
        .annotate(due=Coalesce("confirmed_date", "expected_date"))
        .filter(due=today - timedelta(days=1))
        .values_list("stockrecord_id", "due")
    )
    found: dict[int, list[date]] = defaultdict(list)
    for sr_id, due in rows:
        found[sr_id].append(due)
    return {sr_id for sr_id, dues in found.items() if has_news(dues, today=today)}


class SupplyEstimator:
    """``BACKORDERS_ESTIMATOR``: the promise for the next units ordered now, from the engine.

    Two queries per call whatever the number of stock records: their open purchase-order lines
    and their suppliers (each with its stored lateness profile). Only the net stock level
    matters for the next units (they queue behind every waiting unit), so the waiting lines
    themselves are not read: their units are one block dated from today.
    """

    def estimate_next(
        self, snapshots: Sequence[StockSnapshot], *, today: date
    ) -> dict[int, Estimate]:
        if not snapshots:
            return {}
        supply = load_supply([s.stockrecord_id for s in snapshots])
        inputs = [
            engine.StockInput(
                stockrecord_id=s.stockrecord_id,
                free_units=max(s.net_stock, 0),
                lead_time_days=s.policy.lead_time_days,
                inbound=tuple(supply.inbound.get(s.stockrecord_id, ())),
                demand=(engine.Demand(0, -s.net_stock),) if s.net_stock < 0 else (),
                not_before=_not_before(s.policy, today),
                lead_lateness=supply.lead(s.stockrecord_id),
                next_quantity=max(s.quantity, 1),
            )
            for s in snapshots
        ]
        plans = engine.plan(
            inputs, today=today, calendar=engine_calendar(), confidence=confidence()
        )
        return {
            pk: Estimate(
                stock_plan.next_unit.day,
                stock_plan.next_unit.source,
                likely=stock_plan.next_unit.likely,
                chance=stock_plan.next_unit.day_chance,
            )
            for pk, stock_plan in plans.items()
        }


__all__ = [
    "Current",
    "EstimateChange",
    "RiskUpdate",
    "SupplyEstimator",
    "compute",
    "diff",
    "recompute",
    "save_changes",
    "save_risks",
]
