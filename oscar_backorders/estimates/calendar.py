"""Business-day arithmetic (pure: no settings, no ORM)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def is_business_day(day: date, *, weekend: Collection[int], holidays: Collection[date]) -> bool:
    """Whether ``day`` is a working day (``weekend`` holds ISO weekday numbers, Monday=1)."""
    return day.isoweekday() not in weekend and day not in holidays


def add_business_days(
    start: date,
    days: int,
    *,
    weekend: Collection[int] = (6, 7),
    holidays: Collection[date] = (),
) -> date:
    """The date ``days`` business days after ``start``.

    ``days == 0`` returns ``start`` moved forward to the next business day (a parcel cannot
    leave on a Sunday). Raises ``ValueError`` for negative ``days`` or a calendar with no working
    day at all.
    """
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    if len(set(weekend) & set(range(1, 8))) == 7:
        raise ValueError("a week needs at least one business day")
    day = start
    while not is_business_day(day, weekend=weekend, holidays=holidays):
        day += timedelta(days=1)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, weekend=weekend, holidays=holidays):
            remaining -= 1
    return day
