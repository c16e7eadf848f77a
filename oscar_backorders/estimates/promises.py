"""When a promise is revised: the pure rule the nightly recompute and the simulation share.

A customer is promised, at checkout, the day by which every unit of the line ships with
probability ``BACKORDERS_PROMISE_CONFIDENCE`` (:mod:`~oscar_backorders.estimates.engine`). That
promise stands while it is likely to be kept: it is revised only when news (stock, supply or
the queue changed, or a purchase order missed its day) brings the chance of keeping it below
``BACKORDERS_PROMISE_REVISE_BELOW``, or it was missed, or the merchant revises it. A night on
which nothing happened revises nothing.
The revised promise is the engine's promise now, by the same rule, and never in the past.
Estimates that merely wiggle move the merchant's "most likely" date, never the customer's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from oscar_backorders.estimates.engine import LineEstimate


def is_missed(*, current: date, estimate: LineEstimate, today: date) -> bool:
    """Whether the promise ``current`` can no longer be kept: its day passed, or no arrival
    left could make it (the chance of keeping it is nil)."""
    return current < today or estimate.chance == 0


def revised_promise(
    *,
    current: date,
    estimate: LineEstimate,
    today: date,
    revise_below: float = 0.5,
    news: bool = True,
) -> date | None:
    """The new promise for a line promised ``current``, or ``None`` to keep it.

    ``estimate`` is the engine's estimate for the line with ``Demand.promise = current`` (its
    ``chance`` is the chance of keeping ``current``). A missed promise is always revised. One
    that can still be kept is revised only on ``news`` (stock, supply or the queue changed, or
    a purchase order passed its due day: see :func:`has_news`) that brings its chance below
    ``revise_below``; a night that only passes leaves it alone. It is never moved earlier here:
    a line that ships early is good news the shipment tells.
    """
    missed = is_missed(current=current, estimate=estimate, today=today)
    if not missed:
        chance = estimate.chance
        if not news or chance is None or chance >= revise_below:
            return None
    new = max(estimate.day, today)
    if new <= current:
        return None
    return new


def has_news(due_dates: Iterable[date], *, today: date) -> bool:
    """Whether a night brings news for a stock record: one of its open purchase-order lines
    was due yesterday and has not come (the supplier missed its day)."""
    yesterday = today - timedelta(days=1)
    return any(due == yesterday for due in due_dates)


__all__ = ["has_news", "is_missed", "revised_promise"]
