"""What every report table shares: rows within a period of local days, and shares in percent.

Used by :mod:`oscar_backorders.console.reports` and :mod:`oscar_backorders.console.report_promises`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone


def percent(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percent, to one decimal (``None`` when ``whole`` is 0)."""
    return round(100.0 * part / whole, 1) if whole else None


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day``, as an aware datetime (for index-friendly ranges)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def in_days(qs: Any, since: datetime.date | None, until: datetime.date | None) -> Any:
    """``qs`` narrowed to rows created from local day ``since`` to ``until``, both included."""
    # Ranges on the stored datetime, not ``__date`` lookups: those convert every row's timestamp
    # (in Python, on SQLite) and cannot use the index.
    if since is not None:
        qs = qs.filter(date_created__gte=day_start(since))
    if until is not None:
        qs = qs.filter(date_created__lt=day_start(until + datetime.timedelta(days=1)))
    return qs
