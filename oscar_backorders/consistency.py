"""Do Oscar's stock counters and the backorder records tell the same story?

``python manage.py check_backorders`` runs :func:`check_consistency` and exits non-zero when it
finds a disagreement; merchants can run it after an incident (a crashed worker, a restored
backup, a hand-edited stock level), and the fault tests run it after every injected failure.

What must hold (see the README's "How stock is counted"):

- per backordered line: ``quantity = waiting + allocated + shipped + cancelled`` with no part
  negative, ``status`` equals what the quantities say, and the audit trail adds up (the shipped
  and cancelled events sum to the shipped and cancelled quantities);
- per stock record: every open backordered unit (waiting or allocated) is counted in
  ``num_allocated``; the units allocated beyond the shelf (``num_allocated - num_in_stock``) are
  all waiting on some backordered line, and never more than the cap.

Units waiting while stock is on the shelf for them are not a disagreement (restock allocation
may simply not have run yet); they are reported as notes.

The comparison is pure (:func:`compare`) over plain facts; :func:`check_consistency` loads the
facts with two queries plus one for the policies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderEventKind, BackorderStatus
from oscar_backorders.policy import PolicyCache


@dataclass(frozen=True, slots=True)
class LineFacts:
    id: int
    stockrecord_id: int | None
    quantity: int
    allocated: int
    shipped: int
    cancelled: int
    status: str
    shipped_events: int = 0
    cancelled_events: int = 0

    @property
    def waiting(self) -> int:
        return self.quantity - self.allocated - self.shipped - self.cancelled

    @property
    def open(self) -> int:
        return self.quantity - self.shipped - self.cancelled

    def expected_status(self) -> str:
        if self.waiting > 0:
            return BackorderStatus.WAITING
        if self.allocated > 0:
            return BackorderStatus.ALLOCATED
        if self.shipped > 0:
            return BackorderStatus.SHIPPED
        return BackorderStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class StockFacts:
    id: int
    label: str
    num_in_stock: int
    num_allocated: int
    cap: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement (or, with ``is_note``, something worth knowing that is not wrong)."""

    code: str
    message: str
    stockrecord_id: int | None = None
    backorder_line_id: int | None = None
    is_note: bool = False


@dataclass(slots=True)
class Report:
    findings: list[Finding] = field(default_factory=list)
    stockrecords_checked: int = 0
    lines_checked: int = 0

    @property
    def disagreements(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_note]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.is_note]

    @property
    def ok(self) -> bool:
        return not self.disagreements


def compare_line(line: LineFacts) -> list[Finding]:
    """Pure: what is wrong with one backordered line on its own."""
    found = []
    parts = (line.allocated, line.shipped, line.cancelled)
    if min(parts) < 0 or line.waiting < 0:
        found.append(
            Finding(
                "line-quantities",
                _(
                    "Backordered line %(id)d: %(quantity)d units but %(allocated)d allocated, "
                    "%(shipped)d shipped, %(cancelled)d cancelled."
                )
                % {
                    "id": line.id,
                    "quantity": line.quantity,
                    "allocated": line.allocated,
                    "shipped": line.shipped,
                    "cancelled": line.cancelled,
                },
                line.stockrecord_id,
                line.id,
            )
        )
    elif line.status != line.expected_status():
        found.append(
            Finding(
                "line-status",
                _("Backordered line %(id)d is '%(status)s' but its quantities say '%(expected)s'.")
                % {"id": line.id, "status": line.status, "expected": line.expected_status()},
                line.stockrecord_id,
                line.id,
            )
        )
    for kind, recorded, total in (
        (BackorderEventKind.SHIPPED, line.shipped, line.shipped_events),
        (BackorderEventKind.CANCELLED, line.cancelled, line.cancelled_events),
    ):
        if recorded != total:
            found.append(
                Finding(
                    "line-events",
                    _(
                        "Backordered line %(id)d: %(recorded)d units %(kind)s, but its "
                        "'%(kind)s' events add up to %(total)d."
                    )
                    % {"id": line.id, "recorded": recorded, "kind": kind, "total": total},
                    line.stockrecord_id,
                    line.id,
                )
            )
    return found


def compare(stock: StockFacts, lines: Iterable[LineFacts]) -> list[Finding]:
    """Pure: do one stock record's counters agree with its backordered lines?"""
    lines = list(lines)
    found = [finding for line in lines for finding in compare_line(line)]
    open_units = sum(max(line.open, 0) for line in lines)
    waiting = sum(max(line.waiting, 0) for line in lines)
    beyond_shelf = stock.num_allocated - stock.num_in_stock
    values = {
        "label": stock.label,
        "allocated": stock.num_allocated,
        "in_stock": stock.num_in_stock,
        "open": open_units,
        "waiting": waiting,
        "beyond": beyond_shelf,
        "cap": stock.cap,
    }
    if open_units > stock.num_allocated:
        found.append(
            Finding(
                "counter-below-open",
                _(
                    "%(label)s: num_allocated is %(allocated)d but %(open)d backordered units "
                    "are still open (waiting or allocated)."
                )
                % values,
                stock.id,
            )
        )
    if beyond_shelf > waiting:
        found.append(
            Finding(
                "unrecorded-shortfall",
                _(
                    "%(label)s: %(beyond)d units are allocated beyond the %(in_stock)d in stock, "
                    "but only %(waiting)d are waiting on backordered lines."
                )
                % values,
                stock.id,
            )
        )
    if stock.cap is not None and beyond_shelf > stock.cap:
        found.append(
            Finding(
                "cap-exceeded",
                _("%(label)s: %(beyond)d units backordered, more than its cap of %(cap)d.")
                % values,
                stock.id,
            )
        )
    if waiting > max(beyond_shelf, 0):
        found.append(
            Finding(
                "stock-for-waiting",
                _(
                    "%(label)s: %(waiting)d units wait on backorder but only %(beyond)d lack "
                    "stock; restock allocation has not run for the rest."
                )
                % {**values, "beyond": max(beyond_shelf, 0)},
                stock.id,
                is_note=True,
            )
        )
    return found


def check_consistency(*, stockrecord_ids: Iterable[int] | None = None) -> Report:
    """Compare every stock record that has backordered lines or is allocated beyond its shelf.

    ``stockrecord_ids`` limits the check to those stock records. Reads only; takes no locks (run
    it when the shop is quiet, or expect orders placed meanwhile to show up as notes).
    """
    StockRecord = get_model("partner", "StockRecord")
    BackorderLine = get_model("oscar_backorders", "BackorderLine")

    def event_sum(kind: str) -> Coalesce:
        return Coalesce(Sum("events__quantity", filter=Q(events__kind=kind)), 0)

    line_rows = BackorderLine._default_manager.order_by().annotate(
        shipped_events=event_sum(BackorderEventKind.SHIPPED),
        cancelled_events=event_sum(BackorderEventKind.CANCELLED),
    )
    records = StockRecord._default_manager.select_related("product", "partner").filter(
        Q(backorder_lines__isnull=False) | Q(num_allocated__gt=F("num_in_stock"))
    )
    if stockrecord_ids is not None:
        ids = list(stockrecord_ids)
        line_rows = line_rows.filter(stockrecord_id__in=ids)
        records = records.filter(pk__in=ids)
    lines_by_record: dict[int | None, list[LineFacts]] = defaultdict(list)
    for row in line_rows:
        lines_by_record[row.stockrecord_id].append(
            LineFacts(
                id=row.pk,
                stockrecord_id=row.stockrecord_id,
                quantity=row.quantity,
                allocated=row.quantity_allocated,
                shipped=row.quantity_shipped,
                cancelled=row.quantity_cancelled,
                status=row.status,
                shipped_events=row.shipped_events,
                cancelled_events=row.cancelled_events,
            )
        )
    records = list(records.distinct().order_by("pk"))
    policies = PolicyCache()
    policies.warm(records)
    report = Report(lines_checked=sum(len(v) for v in lines_by_record.values()))
    for record in records:
        stock = StockFacts(
            id=record.pk,
            label=_("%(title)s (%(partner)s, SKU %(sku)s, stock record %(id)d)")
            % {
                "title": record.product.get_title(),
                "partner": record.partner.name,
                "sku": record.partner_sku,
                "id": record.pk,
            },
            num_in_stock=record.num_in_stock or 0,
            num_allocated=record.num_allocated or 0,
            cap=policies.get(record).cap,
        )
        report.findings.extend(compare(stock, lines_by_record.pop(record.pk, [])))
        report.stockrecords_checked += 1
    # Lines whose stock record was deleted: only their own quantities can be checked.
    for lines in lines_by_record.values():
        for line in lines:
            report.findings.extend(compare_line(line))
    return report
