"""The simulated shop behind ``bench/promises.py``: demand, purchase orders, suppliers, arrivals.

The physical world does not depend on what customers are promised, so it is simulated once per
population (:func:`simulate`) and every rule is then replayed over the same trace
(:mod:`bench._promise_rules`). Each SKU draws from its own seeded generators (one for demand,
one for supply), so a SKU's year is the same whatever the number of SKUs, the order they run
in or the number of processes; the always-on-time population sees exactly the same demand.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from oscar_backorders.estimates.calendar import add_business_days

START = date(2025, 1, 6)  # a Monday; the warm-up begins here
SKUS_PER_SUPPLIER = 5
MIXED, ON_TIME = "mixed", "on time"


@dataclass(frozen=True, slots=True)
class Config:
    skus: int = 200
    days: int = 365  # measured: units ordered in these days count
    warmup: int = 120  # before: orders and deliveries happen (history accrues), not measured
    tail: int = 150  # after: orders go on until every measured unit has shipped
    seed: int = 1
    handling_days: int = 1

    @property
    def total_days(self) -> int:
        return self.warmup + self.days + self.tail

    @property
    def suppliers(self) -> int:
        return max(1, math.ceil(self.skus / SKUS_PER_SUPPLIER))


@dataclass(frozen=True, slots=True)
class Supplier:
    """Draws the days late of each delivery: 0 on time, negative early."""

    supplier_id: int
    kind: str  # "reliable", "unreliable" or "on time"
    p_late: float = 0.0
    mean_late: float = 1.0  # days, given late
    p_early: float = 0.0

    def lateness(self, rng: random.Random) -> int:
        u = rng.random()
        if self.kind == "on time":
            return 0
        if self.kind == "reliable":
            return 0 if u < 0.80 else -rng.randint(1, 2) if u < 0.88 else rng.randint(1, 2)
        if u < self.p_late:
            # Lognormal around the supplier's mean: mostly a few days, with a long tail.
            sigma = 0.8
            mu = math.log(self.mean_late) - sigma * sigma / 2
            return min(max(1, round(rng.lognormvariate(mu, sigma))), 60)
        if u < self.p_late + self.p_early:
            return -rng.randint(1, 3)
        return 0


def make_supplier(config: Config, supplier_id: int, population: str) -> Supplier:
    """Mixed population: even ids reliable, odd ids unreliable; else always on time."""
    if population == ON_TIME:
        return Supplier(supplier_id, "on time")
    if supplier_id % 2 == 0:
        return Supplier(supplier_id, "reliable")
    rng = random.Random(f"promises:{config.seed}:supplier:{supplier_id}")
    return Supplier(
        supplier_id,
        "unreliable",
        p_late=rng.uniform(0.10, 0.50),
        mean_late=rng.uniform(2, 10),
        p_early=rng.uniform(0.05, 0.15),
    )


@dataclass(slots=True)
class PurchaseOrder:
    po_id: int
    supplier_id: int
    created: date
    quantity: int
    base: date  # first expected
    arrives: date  # actually received (a business day)
    slip_on: date | None = None  # the day the merchant moved the expected date …
    slipped_to: date | None = None  # … to this one

    def expected_on(self, day: date) -> date:
        """The expected date the shop has on record on ``day`` (after that day's slips)."""
        if self.slip_on is not None and self.slip_on <= day:
            return self.slipped_to  # type: ignore[return-value]
        return self.base


@dataclass(slots=True)
class Line:
    """The backordered part of one order (an order line beyond free stock)."""

    line_id: int
    ordered: date
    quantity: int
    measured: bool
    served: list[date] = field(default_factory=list)  # per unit: the day its stock arrived


@dataclass(slots=True)
class SkuYear:
    sku: int
    supplier_id: int
    lead_time_days: int  # nominal, business days
    rate: float  # orders per day
    lines: list[Line] = field(default_factory=list)
    pos: list[PurchaseOrder] = field(default_factory=list)
    busy: set[date] = field(default_factory=set)  # days something changed for this SKU


def _poisson(rng: random.Random, rate: float) -> int:
    limit, k, p = math.exp(-rate), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass(frozen=True, slots=True)
class SkuParams:
    rate: float  # orders per day (Poisson), each of 1, 2 or 3 units (weights 6:3:1)
    lead_time_days: int  # nominal, business days
    reorder_point: int  # s: reorder when on hand + on order − backorders ≤ s
    quantity: int  # Q
    supplier_id: int
    weekly: bool  # the position is reviewed on Mondays only (else every day)


def sku_params(config: Config, sku: int) -> SkuParams:
    rng = random.Random(f"promises:{config.seed}:sku:{sku}")
    rate = math.exp(rng.uniform(math.log(0.3), math.log(3.0)))
    lead = rng.randint(5, 20)
    lead_demand = rate * 1.5 * lead * 7 / 5  # units wanted during a lead time, on average
    return SkuParams(
        rate=rate,
        lead_time_days=lead,
        reorder_point=math.floor(lead_demand * rng.uniform(0.5, 1.0)),  # lean: backorders happen
        quantity=max(2, round(rate * 1.5 * rng.uniform(14, 45))),  # 2 to 6 weeks of demand
        supplier_id=rng.randrange(config.suppliers),
        weekly=rng.random() < 0.5,
    )


def simulate_sku(config: Config, sku: int, supplier: Supplier) -> SkuYear:
    """One SKU's days: arrivals, FIFO service, orders, (s, Q) reorders, merchant slips."""
    params = sku_params(config, sku)
    demand = random.Random(f"promises:{config.seed}:sku:{sku}:demand")
    supply = random.Random(f"promises:{config.seed}:sku:{sku}:supply")
    rate, reorder_point, quantity = params.rate, params.reorder_point, params.quantity
    year = SkuYear(sku, supplier.supplier_id, params.lead_time_days, rate)
    on_hand, on_order = reorder_point + quantity, 0
    queue: deque[list] = deque()  # [line, units still waiting]
    backlog = 0
    due: dict[date, list[PurchaseOrder]] = {}
    measured_from = START + timedelta(days=config.warmup)
    measured_to = measured_from + timedelta(days=config.days)
    for offset in range(config.total_days):
        day = START + timedelta(days=offset)
        for po in due.pop(day, ()):
            on_hand += po.quantity
            on_order -= po.quantity
            year.busy.add(day)
        while on_hand and queue:
            entry = queue[0]
            take = min(on_hand, entry[1])
            entry[0].served.extend([day] * take)
            on_hand -= take
            backlog -= take
            entry[1] -= take
            if not entry[1]:
                queue.popleft()
        for _ in range(_poisson(demand, rate)):
            units = demand.choices((1, 2, 3), weights=(6, 3, 1))[0]
            year.busy.add(day)
            from_shelf = min(on_hand, units)
            on_hand -= from_shelf
            if units > from_shelf:
                line = Line(
                    len(year.lines) + 1, day, units - from_shelf, measured_from <= day < measured_to
                )
                year.lines.append(line)
                queue.append([line, line.quantity])
                backlog += line.quantity
        if params.weekly and day.isoweekday() != 1:
            continue
        while on_hand + on_order - backlog <= reorder_point:
            po = _purchase_order(year, supplier, supply, day, quantity)
            due.setdefault(po.arrives, []).append(po)
            on_order += quantity
    return year


def _purchase_order(
    year: SkuYear, supplier: Supplier, rng: random.Random, day: date, quantity: int
) -> PurchaseOrder:
    base = add_business_days(day, year.lead_time_days)
    late = supplier.lateness(rng)
    arrives = add_business_days(max(base + timedelta(days=late), day + timedelta(days=1)), 0)
    po = PurchaseOrder(len(year.pos) + 1, supplier.supplier_id, day, quantity, base, arrives)
    year.pos.append(po)
    year.busy.add(day)
    # The merchant hears of most long delays some days before the expected date and moves it
    # (not always to the exact day); on-time suppliers give nothing to hear.
    if (arrives - base).days >= 3 and rng.random() < 0.4:
        slip_on = max(day + timedelta(days=1), base - timedelta(days=rng.randint(0, 5)))
        slipped_to = max(arrives + timedelta(days=rng.choice((-2, -1, 0, 0, 1, 2))), base)
        if slip_on < arrives and slipped_to > base:
            po.slip_on, po.slipped_to = slip_on, slipped_to
            year.busy.add(slip_on)
    return po


class History:
    """Received purchase orders per supplier, to look up what was known on a given day."""

    def __init__(self, years: list[SkuYear]) -> None:
        self.cache: dict[Any, Any] = {}  # for the rules: whatever they derive per version
        received = sorted(
            ((po.arrives, y.sku, po.po_id, po) for y in years for po in y.pos),
            key=lambda row: row[:3],
        )
        self._days = [row[0] for row in received]
        self._by_supplier: dict[int, tuple[list[date], list[int], list[int]]] = {}
        #: Slipped deliveries: received − the slipped date (the product's history of slips).
        self._slips: dict[int, tuple[list[date], list[int]]] = {}
        for arrived, _, _, po in received:
            if po.slipped_to is not None:
                slip_days, slip_values = self._slips.setdefault(po.supplier_id, ([], []))
                slip_days.append(arrived)
                slip_values.append((arrived - po.slipped_to).days)
            days, base_values, record_values = self._by_supplier.setdefault(
                po.supplier_id, ([], [], [])
            )
            days.append(arrived)
            base_values.append((arrived - po.base).days)
            # What the shop's records say: received − the expected date on file (after a slip).
            record_values.append((arrived - po.expected_on(arrived)).days)

    def pool(self, day: date, window: int) -> list[int]:
        """The shop's pooled history as the product reads it: every supplier's latest
        ``window`` lateness values (from the first expected date), received by ``day``."""
        return [value for pk in sorted(self._by_supplier) for value in self.own(pk, day, window)]

    def own(
        self, supplier_id: int, day: date, window: int, *, on_record: bool = False
    ) -> list[int]:
        """One supplier's latest lateness values, received by ``day``, oldest first.

        ``on_record``: measured from the expected date on file when received (the old rule),
        else from the date first expected.
        """
        days, base_values, record_values = self._by_supplier.get(supplier_id, ([], [], []))
        end = bisect.bisect_right(days, day)
        values = record_values if on_record else base_values
        return values[max(0, end - window) : end]

    def slips(self, supplier_id: int, day: date, window: int) -> list[int]:
        """One supplier's latest slipped deliveries, received by ``day``: days late against the
        slipped date."""
        days, values = self._slips.get(supplier_id, ([], []))
        end = bisect.bisect_right(days, day)
        return values[max(0, end - window) : end]

    def pooled_slips(self, day: date, window: int) -> list[int]:
        return [value for pk in sorted(self._slips) for value in self.slips(pk, day, window)]

    def version(self, supplier_id: int, day: date) -> tuple[int, int]:
        """Changes when anything this supplier or the pool received changes (for caching)."""
        days = self._by_supplier.get(supplier_id, ([],))[0]
        return bisect.bisect_right(days, day), bisect.bisect_right(self._days, day)


@dataclass(slots=True)
class World:
    config: Config
    population: str
    suppliers: list[Supplier]
    years: list[SkuYear]
    history: History


def simulate(config: Config, population: str) -> World:
    suppliers = [make_supplier(config, j, population) for j in range(config.suppliers)]
    years = [
        simulate_sku(config, sku, suppliers[sku_params(config, sku).supplier_id])
        for sku in range(config.skus)
    ]
    waiting = sum(
        len(line.served) < line.quantity for y in years for line in y.lines if line.measured
    )
    if waiting:
        raise RuntimeError(f"{waiting} measured line(s) still wait at the end: lengthen the tail")
    return World(config, population, suppliers, years, History(years))
