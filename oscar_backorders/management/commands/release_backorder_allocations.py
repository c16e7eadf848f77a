"""Give Oscar back its own meaning of ``num_allocated`` before uninstalling the plugin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from oscar_backorders.uninstall import (
    ReleaseRefused,
    ReleaseResult,
    StockRelease,
    release_backorder_allocations,
)


class Command(BaseCommand):
    help = (
        "Before uninstalling oscar_backorders: take the backordered units that wait for stock "
        "off Oscar's num_allocated (stock records and order lines), so net_stock_level means "
        "what it means in plain Oscar. Prints the plan and changes nothing unless --apply. "
        "Safe to run again: units released once are never released twice. See docs/uninstall.md."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Release the allocations (without it: a dry run that changes nothing).",
        )
        parser.add_argument(
            "--partner",
            action="append",
            dest="partners",
            metavar="CODE",
            help="Only the stock records of the partner with this code (repeatable).",
        )
        parser.add_argument(
            "--stockrecord",
            type=int,
            action="append",
            dest="stockrecords",
            metavar="ID",
            help="Only this stock record (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = release_backorder_allocations(
                apply=options["apply"],
                partner_codes=options["partners"],
                stockrecord_ids=options["stockrecords"],
            )
        except ReleaseRefused as error:
            raise CommandError(str(error)) from error
        self.report(result)

    def report(self, result: ReleaseResult) -> None:
        if not result.applied:
            self.stdout.write(_("Dry run: nothing was changed. Run again with --apply to release."))
        records = [record for record in result.stock if record.has_news]
        if records:
            self.table(records)
        if not (result.units or result.line_units):
            self.stdout.write(
                self.style.SUCCESS(_("Nothing to release: no allocation waits without stock."))
            )
            return
        values = {
            "units": result.units,
            "lines": result.lines,
            "records": sum(1 for record in records if record.units),
            "line_units": result.line_units,
        }
        if result.applied:
            summary = _(
                "Released %(units)d unit(s) of %(lines)d backordered line(s) on %(records)d "
                "stock record(s); %(line_units)d unit(s) off order lines' num_allocated."
            )
        else:
            summary = _(
                "Would release %(units)d unit(s) of %(lines)d backordered line(s) on "
                "%(records)d stock record(s); %(line_units)d unit(s) off order lines' "
                "num_allocated."
            )
        self.stdout.write(self.style.SUCCESS(summary % values))

    def table(self, records: list[StockRelease]) -> None:
        """One row per stock record (before → after), with its notes under it."""
        rows = [
            ("SKU", "partner", "released", "num_allocated", "net_stock_level", "off order lines")
        ]
        rows += [
            (
                record.sku,
                record.partner,
                str(record.units),
                f"{record.num_allocated} → {record.num_allocated_after}",
                f"{record.net_stock_before} → {record.net_stock_after}",
                str(record.line_units),
            )
            for record in records
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

        def line(row: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

        self.stdout.write(line(rows[0]))
        for record, row in zip(records, rows[1:], strict=True):
            self.stdout.write(line(row))
            if record.plan.kept:
                self.stdout.write(
                    "  "
                    + _(
                        "note: %(kept)d waiting unit(s) have stock on the shelf and keep their "
                        "allocation."
                    )
                    % {"kept": record.plan.kept}
                )
            if record.plan.unexplained:
                self.stdout.write(
                    "  "
                    + _(
                        "note: %(units)d unit(s) allocated beyond the shelf wait on no "
                        "backordered line and are left as they are (see check_backorders)."
                    )
                    % {"units": record.plan.unexplained}
                )
