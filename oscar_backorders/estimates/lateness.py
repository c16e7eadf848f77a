"""Supplier lateness as a distribution: how many days late (negative: early) deliveries arrive.

Pure: plain data in, plain data out. :mod:`oscar_backorders.supply.reliability` reads the
history; the engine (:mod:`oscar_backorders.estimates.engine`) turns each open purchase-order
line into a distribution of arrival days with :meth:`Lateness.at_least`.

The rule (``docs/supply.md``, "Supplier lateness"):

* A delivery's lateness is the day it was received minus the day it was **first** expected (or
  first confirmed), in calendar days, clipped to ``± max_days``. A slip entered before arrival
  still counts against the supplier.
* A supplier's distribution is the empirical one of its latest deliveries, blended with the
  shop's pooled history (every supplier's deliveries) weighted as ``prior_weight`` deliveries:
  ``P = (n · own + k · pool) / (n + k)``. A supplier with fewer than ``min_deliveries`` is judged
  by the pool alone; a shop with no history at all expects deliveries on time.
* A line already overdue is judged by its *remaining* lateness: the distribution given that it
  is at least that late, blended with one pseudo-delivery "as late again as the supplier's late
  deliveries are" (``days - 1 + X``, ``X`` a late delivery's lateness, stretched by how much
  later than a typical late delivery the line already is), so a line later than most of the
  history is not expected any moment on the word of one or two deliveries. With no delivery
  that late it is all the answer; with no late delivery at all, it is due the same day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

_EPSILON = 1e-9


@dataclass(frozen=True)
class Lateness:
    """A distribution over whole days late: ``P(L = low + i) = probs[i]`` (they sum to 1)."""

    low: int
    probs: tuple[float, ...]
    #: How many deliveries it was learnt from (0: assumed, not learnt).
    deliveries: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        if not self.probs:
            raise ValueError("a distribution needs at least one day")

    @cached_property
    def cumulative(self) -> tuple[float, ...]:
        return tuple(accumulate(self.probs))

    @cached_property
    def support(self) -> tuple[int, ...]:
        """The days with a chance."""
        return tuple(self.low + i for i, p in enumerate(self.probs) if p > 0)

    @property
    def high(self) -> int:
        return self.low + len(self.probs) - 1

    @property
    def is_certain(self) -> bool:
        return len(self.probs) == 1

    def cdf(self, days: int) -> float:
        """``P(L <= days)``."""
        if days < self.low:
            return 0.0
        if days >= self.high:
            return 1.0
        return self.cumulative[days - self.low]

    def quantile(self, q: float) -> int:
        """The fewest days ``d`` with ``P(L <= d) >= q``."""
        for index, total in enumerate(self.cumulative):
            if total >= q - _EPSILON:
                return self.low + index
        return self.high

    def mean(self) -> float:
        return sum((self.low + i) * p for i, p in enumerate(self.probs))

    @cached_property
    def late_part(self) -> Lateness | None:
        """How late a late delivery is: ``L`` given ``L >= 1`` (``None``: never late)."""
        if self.high < 1:
            return None
        start = max(1 - self.low, 0)
        return _normalised(self.low + start, self.probs[start:])

    def at_least(self, days: int) -> Lateness:
        """``L`` given ``L >= days``: what is left of the lateness of a line not yet arrived.

        The deliveries at least that late speak for themselves, and one more "as late again as
        a late delivery" (``days - 1 + X``) speaks for what the history has not seen: with many
        such deliveries it barely counts, with one it is half the answer, with none all of it.
        """
        if days <= self.low:
            return self
        memo = self._given
        found = memo.get(days)
        if found is None:
            found = memo[days] = self._at_least(days)
        return found

    @cached_property
    def _given(self) -> dict[int, Lateness]:
        return {}

    def _at_least(self, days: int) -> Lateness:
        seen = _normalised(days, self.probs[days - self.low :]) if days <= self.high else None
        late = self.late_part
        unseen = Lateness(days, (1.0,)) if late is None else _as_late_again(late, days)
        if seen is None:
            return unseen
        if late is None:
            return seen
        count = self.deliveries * (1 - self.cdf(days - 1))
        return blend(seen, count, unseen, 1.0) if count > 0 else seen


def _as_late_again(late: Lateness, days: int) -> Lateness:
    """``days - 1 + X`` with ``X`` a late delivery's lateness, stretched by how much later than a
    typical late delivery this one already is: the longer a line is overdue, the longer it is
    expected to stay so (revised dates then come further apart, not every few days)."""
    stretch = max(1.0, days / max(late.mean(), 1.0))
    if stretch == 1.0:
        return Lateness(days - 1 + late.low, late.probs)
    spread: dict[int, float] = {}
    for index, p in enumerate(late.probs):
        if p > 0:
            day = days - 1 + max(round((late.low + index) * stretch), 1)
            spread[day] = spread.get(day, 0.0) + p
    low, high = min(spread), max(spread)
    return Lateness(low, tuple(spread.get(d, 0.0) for d in range(low, high + 1)))


def _normalised(low: int, probs: Sequence[float]) -> Lateness | None:
    mass = sum(probs)
    if mass <= _EPSILON:
        return None
    # Trim the empty ends so a distribution's support is what it can really be.
    start, end = 0, len(probs)
    while start < end and probs[start] <= 0:
        start += 1
    while end > start and probs[end - 1] <= 0:
        end -= 1
    return Lateness(low + start, tuple(p / mass for p in probs[start:end]))


#: Every delivery on the day expected: what a shop with no history at all assumes.
ON_TIME = Lateness(0, (1.0,))


def empirical(values: Sequence[int], *, max_days: int = 60) -> Lateness | None:
    """The distribution of ``values`` (days late), each clipped to ``± max_days``."""
    if not values:
        return None
    counts = Counter(min(max(int(v), -max_days), max_days) for v in values)
    low, high = min(counts), max(counts)
    total = len(values)
    probs = tuple(counts.get(day, 0) / total for day in range(low, high + 1))
    return Lateness(low, probs, total)


def blend(first: Lateness, first_weight: float, second: Lateness, second_weight: float) -> Lateness:
    """The mixture ``(w1 · first + w2 · second) / (w1 + w2)``."""
    total = first_weight + second_weight
    if second_weight <= 0 or total <= 0:
        return first
    if first_weight <= 0:
        return second
    low, high = min(first.low, second.low), max(first.high, second.high)
    probs = []
    for day in range(low, high + 1):
        a = first.probs[day - first.low] if first.low <= day <= first.high else 0.0
        b = second.probs[day - second.low] if second.low <= day <= second.high else 0.0
        probs.append((first_weight * a + second_weight * b) / total)
    return Lateness(low, tuple(probs), first.deliveries + second.deliveries)


def supplier_lateness(
    own: Sequence[int],
    pool: Sequence[int],
    *,
    prior_weight: float = 5.0,
    min_deliveries: int = 3,
    max_days: int = 60,
) -> Lateness:
    """One supplier's lateness: its own latest deliveries ``own`` blended with the shop's ``pool``.

    ``own`` and ``pool`` are lateness values in days (received − first expected).
    """
    pooled = empirical(pool, max_days=max_days) or ON_TIME
    if len(own) < max(min_deliveries, 1):
        return pooled
    mine = empirical(own, max_days=max_days)
    assert mine is not None
    return blend(mine, len(own), pooled, prior_weight)


__all__ = ["ON_TIME", "Lateness", "blend", "empirical", "supplier_lateness"]
