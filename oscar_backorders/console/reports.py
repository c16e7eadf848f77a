"""Backorder reports: how many, how long, how much, how well we kept our promises.

Two halves, kept apart so the arithmetic is testable without a database:

* pure aggregation functions (:func:`backorders_over_time`, :func:`aging_histogram`,
  :func:`value_waiting`, :func:`fill_rate`) take plain facts (:class:`LineFact`) and return
  lists of plain dicts, one per table row;
* a queryset builder (:func:`line_facts`) reads those facts from the database with one query
  (``values_list``, no model instances).

The promise tables (accuracy by product, partner and supplier; calibration) live in
:mod:`oscar_backorders.console.report_promises`, built the same way; their names are imported here too.
:data:`TABLES` names every table's columns, for the report page and its CSV export.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DateField, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderStatus
from oscar_backorders.console import report_promises
from oscar_backorders.console.report_periods import day_start, in_days, percent
from oscar_backorders.console.report_promises import ShipmentFact as ShipmentFact
from oscar_backorders.console.report_promises import promise_accuracy as promise_accuracy
from oscar_backorders.console.report_promises import shipment_facts as shipment_facts

OPEN_STATUSES = (BackorderStatus.WAITING, BackorderStatus.ALLOCATED)

EPOCH = datetime.date(1970, 1, 1)

#: Lower bounds (days) of the aging histogram's buckets after the first (which starts at 0).
AGING_EDGES: tuple[int, ...] = (7, 14, 30, 60, 90)


@dataclass(frozen=True)
class LineFact:
    """Backordered lines that share a day, product, partner, currency and price, summed.

    One fact may stand for one line (``lines == 1``) or for many; every count is a sum over them.
    ``open_lines`` counts those with units still waiting or ready to ship.
    """

    created: datetime.date
    product: str
    partner: str
    currency: str
    unit_price: Decimal | None
    lines: int
    open_lines: int
    quantity: int
    allocated: int
    shipped: int
    cancelled: int

    @property
    def open(self) -> int:
        """Units not yet shipped nor cancelled."""
        return self.quantity - self.shipped - self.cancelled


# --- pure aggregation ---------------------------------------------------------------------------


def _week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def backorders_over_time(
    facts: Iterable[LineFact], *, start: datetime.date, end: datetime.date
) -> list[dict[str, Any]]:
    """Lines and units backordered per week (weeks start on Monday), empty weeks included.

    Every week that overlaps ``start``–``end`` is a row; facts count in the week of their date.
    """
    if end < start:
        return []
    weeks: dict[datetime.date, dict[str, Any]] = {}
    week = _week_start(start)
    while week <= end:
        weeks[week] = {"week": week, "lines": 0, "units": 0}
        week += datetime.timedelta(days=7)
    for fact in facts:
        # By week: a fact dated by its week's first day (see line_facts' day_buckets) still counts.
        row = weeks.get(_week_start(fact.created))
        if row is not None:
            row["lines"] += fact.lines
            row["units"] += fact.quantity
    return list(weeks.values())


def _aging_label(low: int, high: int | None) -> str:
    if high is None:
        return str(_("%(low)d+ days") % {"low": low})
    return str(_("%(low)d–%(high)d days") % {"low": low, "high": high - 1})


def aging_histogram(
    facts: Iterable[LineFact],
    *,
    today: datetime.date,
    edges: tuple[int, ...] = AGING_EDGES,
) -> list[dict[str, Any]]:
    """Open lines and units by how long they have waited since the order (in days)."""
    bounds = [0, *edges]
    rows = [
        {
            "age": _aging_label(low, bounds[i + 1] if i + 1 < len(bounds) else None),
            "lines": 0,
            "units": 0,
        }
        for i, low in enumerate(bounds)
    ]
    for fact in facts:
        if fact.open <= 0:
            continue
        age = max((today - fact.created).days, 0)
        index = sum(1 for edge in edges if age >= edge)
        rows[index]["lines"] += fact.open_lines
        rows[index]["units"] += fact.open
    return rows


def value_waiting(facts: Iterable[LineFact]) -> list[dict[str, Any]]:
    """Value (incl. tax) of units not yet shipped nor cancelled, by partner and currency.

    Lines without a unit price (old orders, custom lines) are counted in ``unpriced_units``.
    """
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for fact in facts:
        if fact.open <= 0:
            continue
        row = groups.setdefault(
            (fact.partner, fact.currency),
            {
                "partner": fact.partner,
                "currency": fact.currency,
                "lines": 0,
                "units": 0,
                "value": Decimal("0.00"),
                "unpriced_units": 0,
            },
        )
        row["lines"] += fact.open_lines
        row["units"] += fact.open
        if fact.unit_price is None:
            row["unpriced_units"] += fact.open
        else:
            row["value"] += fact.unit_price * fact.open
    return sorted(groups.values(), key=lambda row: (-row["value"], row["partner"]))


def fill_rate(facts: Iterable[LineFact]) -> list[dict[str, Any]]:
    """Share of settled backordered units that shipped rather than being cancelled, by partner.

    ``fill_rate`` is ``shipped / (shipped + cancelled)`` in percent (None when nothing settled);
    units still open are reported but not counted. The last row is the total.
    """
    groups: dict[str, dict[str, Any]] = {}
    total = {"partner": str(_("All partners")), "units": 0, "shipped": 0, "cancelled": 0, "open": 0}
    for fact in facts:
        row = groups.setdefault(
            fact.partner,
            {"partner": fact.partner, "units": 0, "shipped": 0, "cancelled": 0, "open": 0},
        )
        for target in (row, total):
            target["units"] += fact.quantity
            target["shipped"] += fact.shipped
            target["cancelled"] += fact.cancelled
            target["open"] += fact.open
    rows = [*sorted(groups.values(), key=lambda row: row["partner"]), total]
    for row in rows:
        row["fill_rate"] = percent(row["shipped"], row["shipped"] + row["cancelled"])
    return rows


# --- queryset builders --------------------------------------------------------------------------


def _bucket_of_day(starts: Iterable[datetime.date]) -> Case:
    """The latest of ``starts`` on or before the row's local creation day (else 1 January 1970).

    Plain comparisons, so the database groups 100k rows without converting each timestamp.
    """
    return Case(
        *[
            When(date_created__gte=day_start(start), then=Value(start))
            for start in sorted(set(starts), reverse=True)
        ],
        default=Value(EPOCH),
        output_field=DateField(),
    )


def aging_bucket_starts(
    today: datetime.date, edges: tuple[int, ...] = AGING_EDGES
) -> list[datetime.date]:
    """Days that start each aging bucket, so that the bucket's start date has an age inside it.

    A line created on day *d* has age ``today - d``; the bucket of ages ``[e_k, e_k+1)`` holds the
    days ``today - e_k+1 + 1`` … ``today - e_k``, whose start has age ``e_k+1 - 1``.
    """
    return [today - datetime.timedelta(days=edge - 1) for edge in edges]


def line_facts(
    *,
    created_since: datetime.date | None = None,
    created_until: datetime.date | None = None,
    open_only: bool = False,
    day_buckets: Iterable[datetime.date] | None = None,
    queryset: Any = None,
) -> Iterator[LineFact]:
    """Backordered lines as :class:`LineFact`, summed per day, product, partner and price.

    One ``GROUP BY`` query: a report over 100k lines reads thousands of facts, not 100k rows.
    With ``day_buckets`` a fact's ``created`` is the bucket's first day instead of the exact day
    (the latest of ``day_buckets`` on or before it): coarser, and much cheaper on SQLite.
    """
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    qs = queryset if queryset is not None else BackorderLine._default_manager.all()
    qs = in_days(qs, created_since, created_until)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    created = TruncDate("date_created") if day_buckets is None else _bucket_of_day(day_buckets)
    group = ["created", "line__title", "line__partner_name", "order__currency"]
    group.append("line__unit_price_incl_tax")
    sums = {
        "n_lines": Count("pk"),
        "n_open_lines": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "n_units": Sum("quantity"),
        "n_allocated": Sum("quantity_allocated"),
        "n_shipped": Sum("quantity_shipped"),
        "n_cancelled": Sum("quantity_cancelled"),
    }
    rows = (
        qs.order_by()
        .annotate(created=created)
        .values(*group)
        .annotate(**sums)
        .values_list(*group, *sums)
    )
    for row in rows.iterator(chunk_size=5000):
        yield LineFact(*row)


# --- tables: columns for the page and the CSV export --------------------------------------------

#: Table name → (title, [(column key, column label)]).
TABLES: dict[str, tuple[Any, list[tuple[str, Any]]]] = {
    "over_time": (
        _("Backorders over time"),
        [("week", _("week of")), ("lines", _("lines")), ("units", _("units"))],
    ),
    "aging": (
        _("Aging of open backorders"),
        [("age", _("waiting since order")), ("lines", _("lines")), ("units", _("units"))],
    ),
    "value_waiting": (
        _("Value waiting"),
        [
            ("partner", _("partner")),
            ("currency", _("currency")),
            ("lines", _("lines")),
            ("units", _("units")),
            ("value", _("value (incl. tax)")),
            ("unpriced_units", _("units without a price")),
        ],
    ),
    "fill_rate": (
        _("Fill rate"),
        [
            ("partner", _("partner")),
            ("units", _("units backordered")),
            ("shipped", _("shipped")),
            ("cancelled", _("cancelled")),
            ("open", _("still open")),
            ("fill_rate", _("fill rate (%)")),
        ],
    ),
    **report_promises.TABLES,
}


def build_tables(
    *, since: datetime.date, until: datetime.date, today: datetime.date
) -> dict[str, list[dict[str, Any]]]:
    """Every report table: flows within ``since``–``until``; aging and value as of ``today``."""
    weeks = [
        _week_start(since) + datetime.timedelta(weeks=n)
        for n in range((until - since).days // 7 + 2)
    ]
    created = list(line_facts(created_since=since, created_until=until, day_buckets=weeks))
    open_now = list(line_facts(open_only=True, day_buckets=aging_bucket_starts(today)))
    shipped = list(report_promises.shipment_facts(shipped_since=since, shipped_until=until))
    return {
        "over_time": backorders_over_time(created, start=since, end=until),
        "aging": aging_histogram(open_now, today=today),
        "value_waiting": value_waiting(open_now),
        "fill_rate": fill_rate(created),
        **report_promises.build_tables(shipped),
    }


def table_as_rows(name: str, rows: list[dict[str, Any]]) -> list[list[Any]]:
    """A table as a header row followed by value rows, in :data:`TABLES` column order."""
    _title, columns = TABLES[name]
    header = [str(label) for _key, label in columns]
    body = [["" if row[key] is None else row[key] for key, _label in columns] for row in rows]
    return [header, *body]
