"""Available-to-promise: the pure engine that dates every waiting backordered unit.

Plain data in, plain data out; no ORM, no settings. :mod:`oscar_backorders.estimates.service`
loads the data, runs :func:`plan` and saves what changed; :class:`~.service.SupplyEstimator` asks
the same engine for the date the next unit ordered now would get.

The rule, per stock record:

1. Supply is the free stock now (available today) followed by the open inbound purchase-order
   lines, each on its *expected* arrival date: the date on the purchase order, moved later by
   the supplier's reliability delay (see ``docs/supply.md``), and never before today (an overdue
   delivery is expected any moment, not in the past).
2. Demand is the waiting units of the backordered lines, in priority order.
3. Walking both in order, a line's date is the arrival date of the supply that first makes the
   cumulative supply cover the cumulative demand up to and including the line, plus the handling
   days (business days). A pre-order never ships before its release date.
4. Demand beyond all known supply gets today + lead time (+ handling) in business days and is
   marked as estimated from lead time. No line is dated before the line ahead of it, so dates
   are monotone in priority order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from oscar_backorders.estimates.calendar import add_business_days

#: Same values as :class:`oscar_backorders.abstract_models.EstimateSource` (kept literal so this
#: module imports nothing of Django).
SOURCE_INBOUND = "inbound"
SOURCE_LEAD_TIME = "lead_time"
SOURCE_RELEASE_DATE = "release_date"


@dataclass(frozen=True, slots=True)
class Inbound:
    """Units expected on a day (an open purchase-order line, its received part removed)."""

    arrives: date
    quantity: int
    delay_days: int = 0  # the supplier's reliability delay, calendar days


@dataclass(frozen=True, slots=True)
class Demand:
    """The waiting units of one backordered line."""

    line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class StockInput:
    """Everything the engine needs to know about one stock record.

    ``demand`` must already be in priority order (see :mod:`oscar_backorders.priorities`).
    """

    stockrecord_id: int
    free_units: int
    lead_time_days: int
    inbound: Sequence[Inbound] = ()
    demand: Sequence[Demand] = ()
    not_before: date | None = None  # a pre-order's release date


@dataclass(frozen=True, slots=True)
class Calendar:
    weekend: tuple[int, ...] = (6, 7)
    holidays: frozenset[date] = field(default_factory=frozenset)
    handling_days: int = 0


@dataclass(frozen=True, slots=True)
class LineEstimate:
    line_id: int
    day: date
    source: str


@dataclass(frozen=True, slots=True)
class StockPlan:
    stockrecord_id: int
    lines: tuple[LineEstimate, ...]
    next_unit: LineEstimate  # line_id 0: the date a unit ordered now would get


class _Days:
    """Memoised business-day arithmetic for one run (the same few dates recur constantly)."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self._memo: dict[tuple[date, int], date] = {}

    def add(self, start: date, days: int) -> date:
        key = (start, days)
        found = self._memo.get(key)
        if found is None:
            found = add_business_days(
                start, days, weekend=self.calendar.weekend, holidays=self.calendar.holidays
            )
            self._memo[key] = found
        return found


def _supply(stock: StockInput, today: date) -> list[tuple[date, int]]:
    """Supply steps ``(arrival, units)`` in arrival order, free stock first."""
    steps: list[tuple[date, int]] = []
    if stock.free_units > 0:
        steps.append((today, stock.free_units))
    arrivals = []
    for inbound in stock.inbound:
        if inbound.quantity <= 0:
            continue
        arrives = inbound.arrives + timedelta(days=max(inbound.delay_days, 0))
        arrivals.append((max(arrives, today), inbound.quantity))
    arrivals.sort(key=lambda step: step[0])
    steps.extend(arrivals)
    return steps


def plan_stock(stock: StockInput, *, today: date, days: _Days) -> StockPlan:
    """Date every waiting line of one stock record, and the next unit ordered now."""
    handling = days.calendar.handling_days
    by_lead_time = days.add(today, stock.lead_time_days + handling)
    floor = days.add(stock.not_before, 0) if stock.not_before and stock.not_before > today else None
    steps = _supply(stock, today)
    step_index = 0
    covered = 0  # cumulative supply up to and including steps[step_index - 1]
    demanded = 0
    latest = today
    shipped_by: dict[date, date] = {}

    def date_for(units_needed: int) -> tuple[date, str]:
        nonlocal step_index, covered, latest
        while covered < units_needed and step_index < len(steps):
            covered += steps[step_index][1]
            step_index += 1
        if covered >= units_needed:
            arrival = steps[step_index - 1][0]
            day = shipped_by.get(arrival)
            if day is None:
                day = shipped_by[arrival] = days.add(arrival, handling)
            source = SOURCE_INBOUND
        else:
            day, source = by_lead_time, SOURCE_LEAD_TIME
        if floor is not None and floor > day:
            day, source = floor, SOURCE_RELEASE_DATE
        if day < latest:
            day = latest  # never ahead of a line with higher priority
        latest = day
        return day, source

    estimates = []
    for demand in stock.demand:
        if demand.quantity <= 0:
            continue
        demanded += demand.quantity
        day, source = date_for(demanded)
        estimates.append(LineEstimate(demand.line_id, day, source))
    # The next unit ordered now queues behind all waiting demand. Outside pre-orders it cannot
    # use free stock (a unit that ships from the shelf now is not backordered); a pre-order
    # reserves shelf stock and ships it on the release date.
    needed = demanded + 1 if stock.not_before is not None else max(demanded, stock.free_units) + 1
    next_day, next_source = date_for(needed)
    return StockPlan(stock.stockrecord_id, tuple(estimates), LineEstimate(0, next_day, next_source))


def plan(
    stocks: Iterable[StockInput], *, today: date, calendar: Calendar | None = None
) -> dict[int, StockPlan]:
    """Run :func:`plan_stock` for every stock record; stock records are independent."""
    days = _Days(calendar or Calendar())
    return {stock.stockrecord_id: plan_stock(stock, today=today, days=days) for stock in stocks}


__all__ = [
    "SOURCE_INBOUND",
    "SOURCE_LEAD_TIME",
    "SOURCE_RELEASE_DATE",
    "Calendar",
    "Demand",
    "Inbound",
    "LineEstimate",
    "StockInput",
    "StockPlan",
    "plan",
    "plan_stock",
]
