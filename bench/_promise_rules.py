"""The promise rules under test, and the replay of one SKU's year through all of them at once.

Every rule sees the same day as the shop would: the waiting lines in FIFO order, the open
purchase orders with the expected date on file that day, and the suppliers' deliveries received
so far. At checkout it promises a date for a new backordered line; each night (the run after
midnight, ``today`` = the next day) it may move the lines still waiting, and says which moves a
customer is told of.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, Protocol

from bench import _legacy_engine as legacy
from bench._promise_world import START, History, PurchaseOrder, SkuYear, World
from oscar_backorders.estimates import engine
from oscar_backorders.estimates.lateness import Lateness
from oscar_backorders.estimates.lateness import supplier_lateness as learn_lateness
from oscar_backorders.estimates.promises import has_news, is_missed, revised_promise

#: BACKORDERS_RELIABILITY_WINDOW: each supplier's latest received lines (the pool is theirs).
WINDOW = 50


@dataclass(slots=True)
class Day:
    """What the shop knows about one SKU at a moment of a day."""

    today: date
    year: SkuYear
    waiting: list[tuple[int, int]]  # (line id, units waiting), FIFO
    inbound: list[PurchaseOrder]  # open purchase orders
    history: History
    days: legacy.BusinessDays
    known_on: date  # deliveries received up to and including this day are known


class Rule(Protocol):
    def checkout(self, day: Day, line_id: int, units: int) -> date: ...

    def nightly(self, day: Day) -> list[int]:
        """The lines whose customers are told of a new date tonight."""
        ...

    def promise(self, line_id: int) -> date: ...


class StaticLeadTime:
    """Order date + nominal lead time + handling, in business days; never revised."""

    def __init__(self) -> None:
        self._promises: dict[int, date] = {}

    def checkout(self, day: Day, line_id: int, units: int) -> date:
        handling = day.days.handling_days
        found = self._promises[line_id] = day.days.add(
            day.today, day.year.lead_time_days + handling
        )
        return found

    def nightly(self, day: Day) -> list[int]:
        return []

    def promise(self, line_id: int) -> date:
        return self._promises[line_id]


class OldProduct:
    """The product before confidence promises (``bench/_legacy_engine.py``).

    ``reliability``: with the supplier's reliability delay (the current rule) or without (plain
    available-to-promise). Re-dated every night; a move later by a day or more is told (the old
    ``ESTIMATE_NOTICE_MIN_DAYS=1``, ``NOTIFY_EARLIER_ESTIMATES=False``), a move earlier is not.
    The product re-dated at every event too; here a day's moves count as one.
    """

    def __init__(self, *, reliability: bool) -> None:
        self.reliability = reliability
        self._estimates: dict[int, date] = {}

    def _plan(self, day: Day, units: list[int]) -> tuple[list[date], date]:
        delay = 0
        if self.reliability:
            own = day.history.own(day.year.supplier_id, day.known_on, legacy.WINDOW, on_record=True)
            delay = legacy.delay_days(own)
        inbound = [
            legacy.Inbound(po.expected_on(day.known_on), po.quantity, delay) for po in day.inbound
        ]
        return legacy.plan_stock(
            today=day.today,
            lead_time_days=day.year.lead_time_days,
            inbound=inbound,
            demand=units,
            days=day.days,
        )

    def checkout(self, day: Day, line_id: int, units: int) -> date:
        _, first_unit = self._plan(day, [quantity for _, quantity in day.waiting])
        self._estimates[line_id] = first_unit
        return first_unit

    def nightly(self, day: Day) -> list[int]:
        dates, _ = self._plan(day, [quantity for _, quantity in day.waiting])
        told = []
        for (line_id, _), new in zip(day.waiting, dates, strict=True):
            if new > self._estimates[line_id]:
                told.append(line_id)
            self._estimates[line_id] = new
        return told

    def promise(self, line_id: int) -> date:
        return self._estimates[line_id]


class NewProduct:
    """The product's confidence promises, fed as ``estimates.service`` feeds the engine.

    Checkout (``SupplyEstimator``): the waiting units are one block and the new line's units
    are ``next_quantity``. Nightly (``recompute``): each waiting line with its order date as
    ``anchor`` and its current promise; ``revised_promise`` decides, and every revision is told.
    """

    def __init__(self, *, confidence: float) -> None:
        self.confidence = confidence
        self._promises: dict[int, date] = {}
        self._ordered: dict[int, date] = {}

    def _plan(
        self, day: Day, demand: tuple[engine.Demand, ...], next_quantity: int = 1
    ) -> engine.StockPlan:
        lateness = supplier_lateness(day)
        stock = engine.StockInput(
            day.year.sku,
            free_units=0,
            lead_time_days=day.year.lead_time_days,
            inbound=tuple(
                engine.Inbound(
                    po.expected_on(day.known_on),
                    po.quantity,
                    supplier_lateness(day, slipped=True) if _slipped(po, day) else lateness,
                )
                for po in day.inbound
            ),
            demand=demand,
            lead_lateness=lateness,
            next_quantity=next_quantity,
        )
        calendar = engine.Calendar(handling_days=day.days.handling_days)
        plans = engine.plan([stock], today=day.today, calendar=calendar, confidence=self.confidence)
        return plans[day.year.sku]

    def checkout(self, day: Day, line_id: int, units: int) -> date:
        waiting = sum(quantity for _, quantity in day.waiting)
        demand = (engine.Demand(0, waiting),) if waiting else ()
        found = self._plan(day, demand, units).next_unit.day
        self._promises[line_id], self._ordered[line_id] = found, day.today
        return found

    def nightly(self, day: Day) -> list[int]:
        demand = tuple(
            engine.Demand(pk, units, self._ordered[pk], self._promises[pk])
            for pk, units in day.waiting
        )
        # News, as ``estimates.service.recompute`` sees it: an event recomputes the stock record
        # at once, and the nightly run finds the purchase orders that missed their day.
        news = day.known_on in day.year.busy or has_news(
            (po.expected_on(day.known_on) for po in day.inbound), today=day.today
        )
        told = []
        self.last_missed = set()
        for estimate in self._plan(day, demand).lines:
            current = self._promises[estimate.line_id]
            new = revised_promise(current=current, estimate=estimate, today=day.today, news=news)
            if new is not None:
                told.append(estimate.line_id)
                if is_missed(current=current, estimate=estimate, today=day.today):
                    self.last_missed.add(estimate.line_id)
                self._promises[estimate.line_id] = new
        return told

    def promise(self, line_id: int) -> date:
        return self._promises[line_id]


def supplier_lateness(day: Day, *, slipped: bool = False) -> Lateness:
    """The supplier's lateness from what was received by ``day.known_on`` (cached per history),
    as ``supply.reliability.profiles`` learns it: its latest deliveries, everyone's as the pool.

    ``slipped``: for a purchase order whose expected date was moved later, its history of slips
    (received − slipped date); with none in the shop, the plain one (``profile_lateness``)."""
    history, supplier_id, known_on = day.history, day.year.supplier_id, day.known_on
    key = (supplier_id, slipped, *history.version(supplier_id, known_on))
    cache = history.cache
    if key not in cache:
        pooled_slips = history.pooled_slips(known_on, WINDOW) if slipped else []
        if pooled_slips:
            own, pool = history.slips(supplier_id, known_on, WINDOW), pooled_slips
        else:
            own, pool = history.own(supplier_id, known_on, WINDOW), history.pool(known_on, WINDOW)
        cache[key] = learn_lateness(own, pool)
    return cache[key]


def _slipped(po: PurchaseOrder, day: Day) -> bool:
    return po.slip_on is not None and po.slip_on <= day.known_on


def rules(confidences: tuple[float, ...]) -> dict[str, Any]:
    """Row label → factory of a fresh rule (one per SKU replay)."""
    found: dict[str, Any] = {
        "static lead time": StaticLeadTime,
        "plain ATP": partial(OldProduct, reliability=False),
        "current rule": partial(OldProduct, reliability=True),
    }
    for c in confidences:
        found[f"new rule, c = {c:.2f}"] = partial(NewProduct, confidence=c)
    return found


@dataclass(frozen=True, slots=True)
class Outcome:
    """One measured line under one rule (dates as ordinals, to pickle small)."""

    ships: tuple[int, ...]  # per unit
    promised: int  # at checkout
    final: int  # the last promise the customer was told
    revisions: int
    quiet_revisions: int  # told on nights when nothing happened to the SKU
    situation: str  # at checkout, of the purchase order expected to bring its last unit


SITUATIONS = (
    "on schedule",  # not yet due, never slipped
    "overdue",  # its expected date on file already past
    "slipped",  # its expected date moved later by the merchant
    "none: beyond all of them",  # the line waits for a purchase order not placed yet
)


def _situation(day: Day, units: int) -> str:
    """The open purchase order expected to bring the line's last unit, as the shop sees it at
    checkout: open orders taken by expected date, the waiting units served first."""
    needed = sum(quantity for _, quantity in day.waiting) + units
    for po in sorted(day.inbound, key=lambda po: (po.expected_on(day.known_on), po.po_id)):
        needed -= po.quantity
        if needed <= 0:
            if po.expected_on(day.known_on) < day.today:
                return SITUATIONS[1]
            return SITUATIONS[2] if _slipped(po, day) else SITUATIONS[0]
    return SITUATIONS[3]


def replay(world: World, sku: int, factories: dict[str, Any]) -> dict[str, list[Outcome]]:
    """Run one SKU's year through every rule; the measured lines' outcomes per rule."""
    year = world.years[sku]
    config = world.config
    days = legacy.BusinessDays(handling_days=config.handling_days)
    runs = {label: factory() for label, factory in factories.items()}
    revisions = {label: dict.fromkeys(range(1, len(year.lines) + 1), 0) for label in runs}
    quiet = {label: dict.fromkeys(range(1, len(year.lines) + 1), 0) for label in runs}
    checkout: dict[str, dict[int, date]] = {label: {} for label in runs}
    lines, pos = year.lines, sorted(year.pos, key=lambda po: (po.created, po.po_id))
    situations: dict[int, str] = {}
    head = next_line = next_po = 0
    inbound: list[PurchaseOrder] = []
    for offset in range(config.total_days):
        today = START + timedelta(days=offset)
        inbound = [po for po in inbound if po.arrives > today]
        while head < next_line and _shipped(lines[head], today) == lines[head].quantity:
            head += 1
        # Checkout: each new line queues behind the lines still waiting (served later than today).
        while next_line < len(lines) and lines[next_line].ordered == today:
            line = lines[next_line]
            day = Day(
                today,
                year,
                _waiting(lines, head, next_line, today),
                inbound,
                world.history,
                days,
                today,
            )
            for label, rule in runs.items():
                checkout[label][line.line_id] = rule.checkout(day, line.line_id, line.quantity)
            if line.measured:
                situations[line.line_id] = _situation(day, line.quantity)
            next_line += 1
        while next_po < len(pos) and pos[next_po].created == today:
            inbound.append(pos[next_po])
            next_po += 1
        waiting = _waiting(lines, head, next_line, today)
        if not waiting:
            continue
        night = Day(today + timedelta(days=1), year, waiting, inbound, world.history, days, today)
        # A quiet night: nothing happened to the SKU, no purchase order missed its day, and
        # (per line) its promise was not missed: nothing a customer should hear about.
        is_quiet = today not in year.busy and not has_news(
            (po.expected_on(today) for po in inbound), today=night.today
        )
        for label, rule in runs.items():
            for line_id in rule.nightly(night):
                revisions[label][line_id] += 1
                missed = line_id in getattr(rule, "last_missed", ())
                quiet[label][line_id] += is_quiet and not missed
    ships = {
        line.line_id: tuple(
            days.add(served, config.handling_days).toordinal() for served in line.served
        )
        for line in lines
        if line.measured
    }
    return {
        label: [
            Outcome(
                ships[line_id],
                checkout[label][line_id].toordinal(),
                rule.promise(line_id).toordinal(),
                revisions[label][line_id],
                quiet[label][line_id],
                situations[line_id],
            )
            for line_id in ships
        ]
        for label, rule in runs.items()
    }


def _waiting(lines: list, head: int, end: int, today: date) -> list[tuple[int, int]]:
    found = []
    for line in lines[head:end]:
        shipped = _shipped(line, today)
        if shipped < line.quantity:
            found.append((line.line_id, line.quantity - shipped))
    return found


def _shipped(line: Any, today: date) -> int:
    """Units of ``line`` whose stock arrived by ``today`` (served in order: a prefix)."""
    return bisect.bisect_right(line.served, today)
