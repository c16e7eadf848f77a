"""How the plugin shows a date to a customer, in the active language.

One format per context: product pages, the basket and the checkout preview speak of "ships by
8 Dec" (:func:`ship_date`, short); everything about a placed order (thank-you page, order history
and detail, cancel page, every email) uses Django's localised ``DATE_FORMAT`` with the year
(:func:`order_date`: "8 Dec 2026", Dutch "8 december 2026"), so a promised date and an estimate
side by side read alike.
"""

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


def order_date(day: date | None) -> str:
    """A full, localised date for anything about a placed order: Django's ``DATE_FORMAT``."""
    if day is None:
        return ""
    return date_format(day, "DATE_FORMAT")
