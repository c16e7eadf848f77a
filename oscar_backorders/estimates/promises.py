"""When a promise is revised: the pure rule the nightly recompute and the simulation share.

A customer is promised, at checkout, the day by which every unit of the line ships with
probability ``BACKORDERS_PROMISE_CONFIDENCE`` (:mod:`~oscar_backorders.estimates.engine`). That
promise stands while it is likely to be kept: it is revised only when the chance of keeping it
falls below ``BACKORDERS_PROMISE_REVISE_BELOW``, or it was missed, or the merchant revises it.
The revised promise is the engine's promise now, by the same rule, and never in the past.
Estimates that merely wiggle move the merchant's "most likely" date, never the customer's.
"""

from __future__ import annotations

from datetime import date

from oscar_backorders.estimates.engine import LineEstimate


def revised_promise(
    *, current: date, estimate: LineEstimate, today: date, revise_below: float = 0.5
) -> date | None:
    """The new promise for a line promised ``current``, or ``None`` to keep it.

    ``estimate`` is the engine's estimate for the line with ``Demand.promise = current`` (its
    ``chance`` is the chance of keeping ``current``). A promise is kept while its chance is at
    least ``revise_below`` and its day has not passed. It is never moved earlier here: a line
    that ships early is good news the shipment tells.
    """
    chance = estimate.chance
    missed = current < today
    if not missed and (chance is None or chance >= revise_below):
        return None
    new = max(estimate.day, today)
    if new <= current:
        return None
    return new


__all__ = ["revised_promise"]
