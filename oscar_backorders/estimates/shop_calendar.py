"""The shop's working calendar, read from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.estimates.public_holidays import ClosedDays, supported_subdivisions
from oscar_backorders.exceptions import BackorderConfigurationError


@dataclass(frozen=True, slots=True)
class ShopCalendar:
    weekend: tuple[int, ...]
    holidays: ClosedDays
    handling_days: int


def shop_calendar() -> ShopCalendar:
    """Build the calendar from ``BACKORDERS_WEEKEND_DAYS``, ``_HOLIDAYS``, ``_HOLIDAY_COUNTRY``,
    ``_HOLIDAY_SUBDIVISION`` and ``_HANDLING_DAYS``.

    Raises ``BackorderConfigurationError`` naming the setting when a value cannot be used (the
    system checks report the same values at start-up).
    """
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
    country = backorder_settings.HOLIDAY_COUNTRY
    subdivision = backorder_settings.HOLIDAY_SUBDIVISION
    if country is not None:
        subdivisions = supported_subdivisions(country)
        if subdivisions is None:
            raise BackorderConfigurationError(
                f"BACKORDERS_HOLIDAY_COUNTRY is {country!r}, which is not a country code the "
                "holidays package knows (ISO 3166-1 alpha-2, such as 'NL')"
            )
        if subdivision is not None and subdivision not in subdivisions:
            raise BackorderConfigurationError(
                f"BACKORDERS_HOLIDAY_SUBDIVISION is {subdivision!r}, which is not a subdivision "
                f"of {country}; it has: {', '.join(subdivisions) or 'none'}"
            )
    elif subdivision is not None:
        raise BackorderConfigurationError(
            "BACKORDERS_HOLIDAY_SUBDIVISION is set without BACKORDERS_HOLIDAY_COUNTRY"
        )
    return ShopCalendar(
        weekend=weekend,
        holidays=ClosedDays(holidays, country=country, subdivision=subdivision),
        handling_days=handling,
    )
