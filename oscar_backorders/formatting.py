"""How the plugin shows a date to a customer, in the active language."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import pgettext


def day_and_month(day: date) -> str:
    """A short, localised day of the year without its year: "12 Dec", "12 dec", "12月12日"."""
    # Translators: a short date for ship-date messages, in Django's date format syntax.
    return date_format(day, pgettext("short ship date", "j M"))


def ship_date(day: date | None) -> str:
    """A short, localised date such as "12 Dec" (or "12 Dec 2027" when not this year)."""
    if day is None:
        return ""
    from django.utils import timezone

    if day.year == timezone.localdate().year:
        return day_and_month(day)
    # Translators: a short date with year, in Django's date format syntax.
    return date_format(day, pgettext("short ship date with year", "j M Y"))
