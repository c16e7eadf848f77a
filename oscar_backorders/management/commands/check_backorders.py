from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from oscar_backorders.consistency import check_consistency
from oscar_backorders.payments.audit import check_payments


class Command(BaseCommand):
    help = (
        "Check that Oscar's stock counters and the backorder records agree, and that the payment "
        "records and Oscar's payment sources agree with the payments ledger. Prints every "
        "disagreement and exits with status 1 if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stockrecord",
            type=int,
            action="append",
            dest="stockrecords",
            metavar="ID",
            help="Check only this stock record (repeatable).",
        )

    def handle(self, *args, **options):
        report = check_consistency(stockrecord_ids=options["stockrecords"])
        if not options["stockrecords"]:
            report.findings.extend(check_payments())
        for finding in report.findings:
            if finding.is_note:
                self.stdout.write(f"note [{finding.code}] {finding.message}")
            else:
                self.stdout.write(self.style.ERROR(f"DISAGREES [{finding.code}] {finding.message}"))
        summary = _(
            "Checked %(records)d stock records and %(lines)d backordered lines: "
            "%(bad)d disagreements, %(notes)d notes."
        ) % {
            "records": report.stockrecords_checked,
            "lines": report.lines_checked,
            "bad": len(report.disagreements),
            "notes": len(report.notes),
        }
        if not report.ok:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
