"""Purchase orders from a CSV file: validate every row, then write all of it or nothing.

Columns (a header row is required, extra columns are ignored)::

    reference,supplier,sku,quantity,expected_date
    PO-1001,acme,MUG-RED,24,2026-12-10

``supplier`` is a supplier's code, ``sku`` a stock record's partner SKU, ``expected_date`` an ISO
date (today or later). An optional ``confirmed_date`` column holds the arrival date the supplier
confirmed (an ISO date, today or later, or empty); files without it import as before. Rows sharing
a reference make one purchase order; a reference that already exists is refused. :func:`import_purchase_orders` with ``dry_run=True`` only reports, row by row;
without it, a file with any invalid row raises :class:`PurchaseOrderImportRefused` (carrying the
report) and nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.exceptions import BackorderError
from oscar_backorders.supply.receivers import redate_after_commit

COLUMNS = ("reference", "supplier", "sku", "quantity", "expected_date")
#: Columns a file may have; when absent, each row's value is empty.
OPTIONAL_COLUMNS = ("confirmed_date",)
MAX_ROWS = 10_000
#: The sample file's rows: supplier code, SKU, quantity, days until expected, days until confirmed.
SAMPLE_ROWS = (
    ("PO-1001", "acme", "MUG-RED", 24, 14, 14),
    ("PO-1001", "acme", "MUG-BLUE", 12, 21, None),
)


def sample_csv(today: date) -> str:
    """A file :func:`import_purchase_orders` accepts once its codes and SKUs exist: every column,
    and two lines of one purchase order (one with a confirmed date, one without), dated ahead
    of ``today`` so the sample never goes stale."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *OPTIONAL_COLUMNS))
    for reference, supplier, sku, quantity, expected, confirmed in SAMPLE_ROWS:
        writer.writerow(
            (
                reference,
                supplier,
                sku,
                quantity,
                (today + timedelta(days=expected)).isoformat(),
                "" if confirmed is None else (today + timedelta(days=confirmed)).isoformat(),
            )
        )
    return out.getvalue()


@dataclass(slots=True)
class RowReport:
    number: int  # line number in the file (the header is line 1)
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class ImportReport:
    dry_run: bool
    rows: list[RowReport] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    created: list[Any] = field(default_factory=list)  # purchase orders written

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def errors(self) -> list[str]:
        return [*self.file_errors] + [
            _("line %(number)d: %(error)s") % {"number": row.number, "error": error}
            for row in self.rows
            for error in row.errors
        ]


class PurchaseOrderImportRefused(BackorderError, ValueError):
    """The file has invalid rows; nothing was imported. ``report`` says which and why."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        errors = report.errors
        more = len(errors) - 5
        message = _("The file was refused and nothing was imported: %(errors)s") % {
            "errors": "; ".join(errors[:5])
        }
        if more > 0:
            message += " " + _("(and %(more)d more)") % {"more": more}
        super().__init__(message)


def _read(source: IO[str] | IO[bytes] | str | bytes) -> str:
    data = source if isinstance(source, str | bytes) else source.read()
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(_("The file is not UTF-8 text.")) from exc
    return data.lstrip("\ufeff")


def parse(source: IO[str] | IO[bytes] | str | bytes, *, today: date) -> ImportReport:
    """Validate the file without writing anything (a dry run's report)."""
    report = ImportReport(dry_run=True)
    try:
        text = _read(source)
    except ValueError as exc:
        report.file_errors.append(str(exc))
        return report
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        report.file_errors.append(_("The file is empty."))
        return report
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        report.file_errors.append(
            _("Missing column(s): %(missing)s. Expected: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": ",".join(COLUMNS)}
        )
        return report
    index = {name: header.index(name) for name in (*COLUMNS, *OPTIONAL_COLUMNS) if name in header}
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(report.rows) >= MAX_ROWS:
                report.file_errors.append(
                    _("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS}
                )
                return report
            row = RowReport(number, {})
            if len(cells) != len(header):
                row.errors.append(
                    _("malformed row: %(got)d fields where the header has %(want)d")
                    % {"got": len(cells), "want": len(header)}
                )
                row.values = dict(zip(header, cells, strict=False))
            else:
                row.values = dict.fromkeys(OPTIONAL_COLUMNS, "")
                row.values.update({name: cells[i].strip() for name, i in index.items()})
            report.rows.append(row)
    except csv.Error as exc:
        report.file_errors.append(_("The file is not valid CSV: %(error)s") % {"error": exc})
        return report
    if not report.rows:
        report.file_errors.append(_("The file has no rows to import."))
        return report
    _validate(report.rows, today=today)
    return report


def _validate(rows: list[RowReport], *, today: date) -> None:
    Supplier = get_model("oscar_backorders", "Supplier")
    StockRecord = get_model("partner", "StockRecord")
    PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
    well_formed = [row for row in rows if row.ok]
    codes = {row.values["supplier"] for row in well_formed}
    skus = {row.values["sku"] for row in well_formed}
    refs = {row.values["reference"] for row in well_formed}
    suppliers = set(
        Supplier._default_manager.filter(code__in=codes, is_active=True).values_list(
            "code", flat=True
        )
    )
    records: dict[str, list[int]] = defaultdict(list)
    for pk, sku in StockRecord._default_manager.filter(partner_sku__in=skus).values_list(
        "pk", "partner_sku"
    ):
        records[sku].append(pk)
    existing = set(
        PurchaseOrder._default_manager.filter(reference__in=refs).values_list(
            "reference", flat=True
        )
    )
    supplier_of_ref: dict[str, str] = {}
    for row in well_formed:
        values = row.values
        ref = values["reference"]
        if not ref:
            row.errors.append(_("the reference is empty"))
        elif ref in existing:
            row.errors.append(_("purchase order %(ref)s already exists") % {"ref": ref})
        if values["supplier"] not in suppliers:
            row.errors.append(
                _("unknown or inactive supplier %(code)r") % {"code": values["supplier"]}
            )
        elif supplier_of_ref.setdefault(ref, values["supplier"]) != values["supplier"]:
            row.errors.append(
                _("purchase order %(ref)s has rows for more than one supplier") % {"ref": ref}
            )
        matches = records.get(values["sku"], [])
        if not matches:
            row.errors.append(_("unknown SKU %(sku)r") % {"sku": values["sku"]})
        elif len(matches) > 1:
            row.errors.append(
                _("SKU %(sku)r belongs to more than one partner") % {"sku": values["sku"]}
            )
        try:
            quantity = int(values["quantity"])
        except ValueError:
            row.errors.append(
                _("the quantity %(value)r is not a whole number") % {"value": values["quantity"]}
            )
        else:
            if quantity <= 0:
                row.errors.append(
                    _("the quantity must be at least 1 (got %(value)d)") % {"value": quantity}
                )
        try:
            expected = date.fromisoformat(values["expected_date"])
        except ValueError:
            row.errors.append(
                _("the expected date %(value)r is not a date (YYYY-MM-DD)")
                % {"value": values["expected_date"]}
            )
        else:
            if expected < today:
                row.errors.append(
                    _("the expected date %(value)s is in the past") % {"value": expected}
                )
        confirmed = values.get("confirmed_date", "")
        if confirmed:
            try:
                day = date.fromisoformat(confirmed)
            except ValueError:
                row.errors.append(
                    _("the confirmed date %(value)r is not a date (YYYY-MM-DD)")
                    % {"value": confirmed}
                )
            else:
                if day < today:
                    row.errors.append(
                        _("the confirmed date %(value)s is in the past") % {"value": day}
                    )
        if row.ok:
            row.values["stockrecord_id"] = str(matches[0])


@transaction.atomic
def import_purchase_orders(
    source: IO[str] | IO[bytes] | str | bytes,
    *,
    dry_run: bool,
    actor: Any | None = None,
    today: date | None = None,
) -> ImportReport:
    """Validate the file and, unless ``dry_run``, create its purchase orders in one transaction.

    Raises :class:`PurchaseOrderImportRefused` (nothing written) when any row is invalid and
    ``dry_run`` is false. Receivers re-date the stock records concerned after commit.
    """
    report = parse(source, today=today or timezone.localdate())
    report.dry_run = dry_run
    if dry_run:
        return report
    if not report.is_valid:
        raise PurchaseOrderImportRefused(report)
    Supplier = get_model("oscar_backorders", "Supplier")
    PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    by_ref: dict[str, list[RowReport]] = defaultdict(list)
    for row in report.rows:
        by_ref[row.values["reference"]].append(row)
    suppliers = {
        s.code: s
        for s in Supplier._default_manager.filter(
            code__in={row.values["supplier"] for row in report.rows}
        )
    }
    now = timezone.now()
    for ref, rows in by_ref.items():
        order = PurchaseOrder._default_manager.create(
            reference=ref,
            supplier=suppliers[rows[0].values["supplier"]],
            created_by=actor if getattr(actor, "pk", None) else None,
            notes=_("Imported from CSV"),
        )
        # bulk_create bypasses save(): the first dates are set here, as save() would.
        PurchaseOrderLine._default_manager.bulk_create(
            _new_line(PurchaseOrderLine, order, row.values, now) for row in rows
        )
        report.created.append(order)
    # bulk_create sends no post_save: re-date every stock record concerned once, after commit.
    redate_after_commit(
        {int(row.values["stockrecord_id"]) for row in report.rows},
        reason=_("purchase orders imported: %(refs)s") % {"refs": ", ".join(by_ref)[:200]},
    )
    return report


def _new_line(model: Any, order: Any, values: dict[str, str], now: Any) -> Any:
    expected = date.fromisoformat(values["expected_date"])
    confirmed = date.fromisoformat(values["confirmed_date"]) if values["confirmed_date"] else None
    return model(
        purchase_order=order,
        stockrecord_id=int(values["stockrecord_id"]),
        quantity=int(values["quantity"]),
        expected_date=expected,
        first_expected_date=expected,
        confirmed_date=confirmed,
        first_confirmed_date=confirmed,
        date_confirmed=now if confirmed else None,
    )
