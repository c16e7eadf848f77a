"""Available-to-promise with confidence: the pure engine that dates every waiting backordered unit.

Plain data in, plain data out; no ORM, no settings. :mod:`oscar_backorders.estimates.service`
loads the data, runs :func:`plan` and saves what changed; :class:`~.service.SupplyEstimator` asks
the same engine for the date the next units ordered now would get.

The rule, per stock record (``docs/supply.md``, "Promises"):

1. Supply is the free stock now, then every open purchase-order line. A line arrives on the day
   it is due now (expected, slipped, or confirmed by the supplier) plus its supplier's lateness
   (:mod:`~oscar_backorders.estimates.lateness`), given that it has not arrived yet. Lines
   arrive independently of each other.
2. Demand is the waiting units in priority order. The ``k``-th unit ships when the supply
   arrived covers ``k`` units (stock is served in priority order as it arrives), plus the
   handling days (business days): ``P(T_k <= t) = P(free + units arrived by t >= k)``, the sum
   over the lines' arrivals computed exactly.
3. A line ships when its last unit does. Its **promise** is the first day by which that happens
   with probability ``confidence``; its **likely** day the median; its **chance** the
   probability of keeping the promise it already has.
4. Units beyond all known supply wait for a purchase order not placed yet: they arrive the lead
   time (business days) after the day the line was promised (``anchor``: its order date), plus
   the lateness of the stock record's supplier, and not before everything known has arrived.
   Being anchored, they do not drift one day later every night.
5. A pre-order never ships before its release date; no line is dated before the line ahead.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from oscar_backorders.estimates.calendar import add_business_days
from oscar_backorders.estimates.lateness import ON_TIME, Lateness

#: Same values as :class:`oscar_backorders.abstract_models.EstimateSource` (kept literal so this
#: module imports nothing of Django).
SOURCE_INBOUND = "inbound"
SOURCE_LEAD_TIME = "lead_time"
SOURCE_RELEASE_DATE = "release_date"

_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Inbound:
    """An open purchase-order line: units outstanding, the day they are due now (expected,
    slipped, or confirmed by the supplier), and how late deliveries like it run.

    Lateness is learnt against the day a line was *first* expected (``supply.reliability``), but
    applied to the day it is due now: a slip or a confirmation is the newer word, and such a line
    carries the lateness learnt against slipped or confirmed dates.
    """

    arrives: date
    quantity: int
    lateness: Lateness = ON_TIME


@dataclass(frozen=True, slots=True)
class Demand:
    """The waiting units of one backordered line.

    ``anchor``: the day its promise was first made (units beyond known supply are dated from it;
    ``None``: today). ``promise``: the date it is promised now (its chance is reported).
    """

    line_id: int
    quantity: int
    anchor: date | None = None
    promise: date | None = None


@dataclass(frozen=True, slots=True)
class StockInput:
    """Everything the engine needs to know about one stock record.

    ``demand`` must already be in priority order (see :mod:`oscar_backorders.priorities`).
    ``lead_lateness`` is how late a purchase order not placed yet will run (the supplier's);
    ``next_quantity`` how many units the next customer orders (all must have shipped).
    """

    stockrecord_id: int
    free_units: int
    lead_time_days: int
    inbound: Sequence[Inbound] = ()
    demand: Sequence[Demand] = ()
    not_before: date | None = None  # a pre-order's release date
    lead_lateness: Lateness = ON_TIME
    next_quantity: int = 1


@dataclass(frozen=True, slots=True)
class Calendar:
    weekend: tuple[int, ...] = (6, 7)
    holidays: Collection[date] = field(default_factory=frozenset)
    handling_days: int = 0


@dataclass(frozen=True, slots=True)
class LineEstimate:
    """``day``: the promise at the confidence asked; ``likely``: the median; ``chance``: of
    keeping ``Demand.promise`` (``None`` when none was given); ``day_chance``: of keeping ``day``."""

    line_id: int
    day: date
    source: str
    likely: date | None = None
    chance: float | None = None
    day_chance: float | None = None


@dataclass(frozen=True, slots=True)
class StockPlan:
    stockrecord_id: int
    lines: tuple[LineEstimate, ...]
    next_unit: LineEstimate  # line_id 0: the promise for the next units ordered now


class _Days:
    """Memoised business-day arithmetic for one run (the same few dates recur constantly)."""

    def __init__(self, calendar: Calendar, today: date) -> None:
        self.calendar = calendar
        self.today = today
        self._memo: dict[tuple[date, int], date] = {}
        self._ship: dict[int, date] = {}

    def add(self, start: date, days: int) -> date:
        key = (start, days)
        found = self._memo.get(key)
        if found is None:
            found = add_business_days(
                start, days, weekend=self.calendar.weekend, holidays=self.calendar.holidays
            )
            self._memo[key] = found
        return found

    def ship(self, offset: int) -> date:
        """The day units arriving ``offset`` days from today ship."""
        found = self._ship.get(offset)
        if found is None:
            found = self._ship[offset] = self.add(
                self.today + timedelta(days=offset), self.calendar.handling_days
            )
        return found


class _Arrival:
    """When one batch of units arrives: a distribution over day offsets from today (>= 0)."""

    __slots__ = ("cumulative", "lateness", "quantity", "start")

    def __init__(self, quantity: int, start: int, lateness: Lateness) -> None:
        self.quantity = quantity
        self.start = start
        self.lateness = lateness
        self.cumulative = lateness.cumulative

    def cdf(self, offset: int) -> float:
        index = offset - self.start
        if index < 0:
            return 0.0
        if index >= len(self.cumulative):
            return 1.0
        return self.cumulative[index]

    def support(self) -> list[int]:
        """The offsets where the distribution moves."""
        shift = self.start - self.lateness.low
        return [shift + day for day in self.lateness.support]


def _arrival(quantity: int, due: date, lateness: Lateness, today: date) -> _Arrival:
    """Arrival offsets of units due ``due``, late as ``lateness``, not arrived before today."""
    shift = (due - today).days
    given = lateness.at_least(-shift)
    return _Arrival(quantity, shift + given.low, given)


class _Supply:
    """``P(units arrived by offset t >= m)`` over independent arrivals, memoised per ``t``."""

    def __init__(self, arrivals: list[_Arrival], cap: int) -> None:
        self.arrivals = arrivals
        self.cap = max(cap, 0)
        self.total = sum(a.quantity for a in arrivals)
        points = sorted({offset for a in arrivals for offset in a.support()})
        self.points = points or [0]
        self._tails: dict[int, tuple[list[int], list[float]]] = {}

    def _tail(self, offset: int) -> tuple[list[int], list[float]]:
        found = self._tails.get(offset)
        if found is not None:
            return found
        states: dict[int, float] = {0: 1.0}
        for arrival in self.arrivals:
            p = arrival.cdf(offset)
            if p <= _EPSILON:
                continue
            if p >= 1 - _EPSILON:
                states = {min(s + arrival.quantity, self.cap): w for s, w in states.items()}
                continue
            merged: dict[int, float] = {}
            for units, weight in states.items():
                up = min(units + arrival.quantity, self.cap)
                merged[up] = merged.get(up, 0.0) + weight * p
                merged[units] = merged.get(units, 0.0) + weight * (1 - p)
            states = merged
        sums = sorted(states)
        tails = [0.0] * len(sums)
        running = 0.0
        for index in range(len(sums) - 1, -1, -1):
            running += states[sums[index]]
            tails[index] = running
        found = self._tails[offset] = (sums, tails)
        return found

    def chance(self, units: int, offset: int) -> float:
        """``P(at least units arrived by offset)``."""
        if units <= 0:
            return 1.0
        found = self._tails.get(offset)
        if found is None:
            if offset < self.points[0]:
                return 0.0
            # Arrivals change only on support points: read the last one on or before ``offset``.
            found = self._tail(self.points[bisect_right(self.points, offset) - 1])
            self._tails[offset] = found
        sums, tails = found
        index = bisect_right(sums, units - 1)  # first sum >= units
        return tails[index] if index < len(sums) else 0.0


class _Unit:
    """The ship-day distribution of the ``units``-th unit of a stock record's queue."""

    def __init__(self, supply: _Supply, units: int, lead: _Arrival | None) -> None:
        self.supply, self.lead = supply, lead
        self.units = min(units, supply.total)
        points = supply.points if units > 0 else [0]
        if lead is not None:
            points = sorted(set(points) | set(lead.support()))
        self.points = points
        self._memo: dict[int, float] = {}

    def cdf(self, offset: int) -> float:
        found = self._memo.get(offset)
        if found is None:
            found = self.supply.chance(self.units, offset)
            if self.lead is not None:
                found *= self.lead.cdf(offset)
            self._memo[offset] = found
        return found

    def quantile(self, q: float) -> int:
        """The index of the first point with ``cdf >= q`` (the last one if none reaches it)."""
        points = self.points
        low, high = 0, len(points) - 1
        while low < high:  # cdf never decreases over the points: bisect
            middle = (low + high) // 2
            if self.cdf(points[middle]) >= q - _EPSILON:
                high = middle
            else:
                low = middle + 1
        return low


def plan_stock(stock: StockInput, *, today: date, days: _Days, confidence: float) -> StockPlan:
    """Date every waiting line of one stock record, and the next units ordered now."""
    floor = days.add(stock.not_before, 0) if stock.not_before and stock.not_before > today else None
    arrivals = [
        _arrival(inbound.quantity, inbound.arrives, inbound.lateness, today)
        for inbound in stock.inbound
        if inbound.quantity > 0
    ]
    demanded_total = sum(max(d.quantity, 0) for d in stock.demand)
    next_needed = (
        demanded_total + stock.next_quantity
        if stock.not_before is not None
        else max(demanded_total, stock.free_units) + stock.next_quantity
    )
    supply = _Supply(arrivals, cap=next_needed - stock.free_units)
    leads: dict[date, _Arrival] = {}

    def lead_for(anchor: date) -> _Arrival:
        found = leads.get(anchor)
        if found is None:
            due = days.add(anchor, stock.lead_time_days)
            found = leads[anchor] = _arrival(1, due, stock.lead_lateness, today)
        return found

    latest: list[date] = [today, today]  # promise and likely of the line ahead

    def estimate(line_id: int, needed: int, anchor: date, promise: date | None) -> LineEstimate:
        beyond = needed - stock.free_units > supply.total
        unit = _Unit(supply, needed - stock.free_units, lead_for(anchor) if beyond else None)
        sure = unit.quantile(confidence)
        middle = unit.quantile(0.5)
        day, likely = days.ship(unit.points[sure]), days.ship(unit.points[middle])
        source = SOURCE_LEAD_TIME if beyond else SOURCE_INBOUND
        if floor is not None and floor > day:
            day, source = floor, SOURCE_RELEASE_DATE
        likely = max(likely, floor) if floor is not None else likely
        day, likely = max(day, latest[0]), max(likely, latest[1])
        latest[:] = [day, likely]
        chance = None
        if promise is not None:
            chance = 0.0 if promise < today else _chance_by(unit, promise, days, floor)
        points = unit.points
        if day == days.ship(points[sure]) and (  # not moved, and the last point shipping then
            sure + 1 == len(points) or days.ship(points[sure + 1]) > day
        ):
            day_chance = unit.cdf(points[sure])
        else:
            day_chance = _chance_by(unit, day, days, floor)
        return LineEstimate(line_id, day, source, likely, chance, day_chance)

    estimates = []
    demanded = 0
    for demand in stock.demand:
        if demand.quantity <= 0:
            continue
        demanded += demand.quantity
        estimates.append(estimate(demand.line_id, demanded, demand.anchor or today, demand.promise))
    # The next units ordered now queue behind all waiting demand. Outside pre-orders they cannot
    # use free stock (units that ship from the shelf now are not backordered); a pre-order
    # reserves shelf stock and ships it on the release date.
    next_unit = estimate(0, next_needed, today, None)
    return StockPlan(stock.stockrecord_id, tuple(estimates), next_unit)


def _chance_by(unit: _Unit, promise: date, days: _Days, floor: date | None) -> float:
    """``P(the unit ships by promise)``: arrival on the last point that still ships in time."""
    if floor is not None and floor > promise:
        return 0.0
    points = unit.points
    low, high = 0, len(points)  # ship days never decrease over the points: bisect
    while low < high:
        middle = (low + high) // 2
        if days.ship(points[middle]) > promise:
            high = middle
        else:
            low = middle + 1
    if low == 0:
        return 0.0
    return unit.cdf(points[low - 1])  # it moves only on support points


def plan(
    stocks: Iterable[StockInput],
    *,
    today: date,
    calendar: Calendar | None = None,
    confidence: float = 0.95,
) -> dict[int, StockPlan]:
    """Run :func:`plan_stock` for every stock record; stock records are independent."""
    days = _Days(calendar or Calendar(), today)
    return {
        stock.stockrecord_id: plan_stock(stock, today=today, days=days, confidence=confidence)
        for stock in stocks
    }


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
