"""The shop's working calendar, read from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.exceptions import BackorderConfigurationError


@dataclass(frozen=True, slots=True)
class ShopCalendar:
    weekend: tuple[int, ...]
    holidays: frozenset[date]
    handling_days: int


def shop_calendar() -> ShopCalendar:
    """Build the calendar from ``BACKORDERS_WEEKEND_DAYS``, ``_HOLIDAYS`` and ``_HANDLING_DAYS``."""
    holidays = set()
    for value in backorder_settings.HOLIDAYS:
        if isinstance(value, date):
            holidays.add(value)
            continue
        try:
            holidays.add(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise BackorderConfigurationError(
                f"BACKORDERS_HOLIDAYS holds {value!r}, which is not an ISO date (YYYY-MM-DD)"
            ) from exc
    weekend = tuple(int(d) for d in backorder_settings.WEEKEND_DAYS)
    if any(d < 1 or d > 7 for d in weekend):
        raise BackorderConfigurationError(
            "BACKORDERS_WEEKEND_DAYS takes ISO weekday numbers, Monday=1 to Sunday=7"
        )
    handling = int(backorder_settings.HANDLING_DAYS)
    if handling < 0:
        raise BackorderConfigurationError("BACKORDERS_HANDLING_DAYS must not be negative")
    return ShopCalendar(weekend=weekend, holidays=frozenset(holidays), handling_days=handling)
