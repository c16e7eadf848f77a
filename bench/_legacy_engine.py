"""The baseline being measured: the ship-date rule the product used before confidence promises.

A frozen, minimal copy of ``oscar_backorders/estimates/engine.py`` and of
``oscar_backorders.supply.reliability.delay_days`` as of commit f17d1ba, so ``bench/promises.py``
keeps measuring the old rule after the product's own code moves on. Only what the simulation
uses is kept: no pre-orders (release dates), no free stock before the waiting demand (a
backordered unit never ships from the shelf). Do not "fix" anything here: the point is to
measure it as it was.

- Supply: each open purchase-order line on its expected date moved later by the supplier's
  reliability delay, never before today.
- A waiting line is dated by the arrival that covers the cumulative demand up to and including
  it, plus the handling days (business days); demand beyond all supply gets today + lead time
  (+ handling). Dates never go backwards along the queue.
- Reliability delay: the mean of ``max(0, received − expected)`` over the supplier's latest 20
  received lines, rounded up, capped at 30 days; 0 with fewer than 3 such lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from oscar_backorders.estimates.calendar import add_business_days

WINDOW = 20  # RELIABILITY_WINDOW
MIN_DELIVERIES = 3  # RELIABILITY_MIN_DELIVERIES
MAX_DELAY = 30  # RELIABILITY_MAX_DELAY_DAYS


def delay_days(lateness: Sequence[int]) -> int:
    """The reliability delay from a supplier's latest lateness values (days, ≥ 0)."""
    if len(lateness) < MIN_DELIVERIES:
        return 0
    mean = sum(max(days, 0) for days in lateness) / len(lateness)
    return min(math.ceil(mean), MAX_DELAY)


@dataclass(frozen=True, slots=True)
class Inbound:
    arrives: date
    quantity: int
    delay_days: int = 0


class BusinessDays:
    """Memoised business-day arithmetic (the same few dates recur constantly)."""

    def __init__(self, *, handling_days: int, weekend: tuple[int, ...] = (6, 7)) -> None:
        self.handling_days = handling_days
        self.weekend = weekend
        self._memo: dict[tuple[date, int], date] = {}

    def add(self, start: date, days: int) -> date:
        key = (start, days)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = add_business_days(start, days, weekend=self.weekend)
        return found


def plan_stock(
    *,
    today: date,
    lead_time_days: int,
    inbound: Sequence[Inbound],
    demand: Sequence[int],
    days: BusinessDays,
    next_units: int = 1,
) -> tuple[list[date], date]:
    """Dates of the waiting lines (``demand``: their units, in queue order) and of the next unit.

    As the old ``SupplyEstimator`` did at checkout, the next order is dated by its first unit
    only (``next_units=1``), whatever its quantity.
    """
    handling = days.handling_days
    by_lead_time = days.add(today, lead_time_days + handling)
    steps = sorted(
        (max(i.arrives + timedelta(days=max(i.delay_days, 0)), today), i.quantity)
        for i in inbound
        if i.quantity > 0
    )
    index = covered = demanded = 0
    latest = today

    def date_for(units_needed: int) -> date:
        nonlocal index, covered, latest
        while covered < units_needed and index < len(steps):
            covered += steps[index][1]
            index += 1
        day = days.add(steps[index - 1][0], handling) if covered >= units_needed else by_lead_time
        latest = max(day, latest)
        return latest

    dates = []
    for units in demand:
        demanded += units
        dates.append(date_for(demanded))
    return dates, date_for(demanded + next_units)
