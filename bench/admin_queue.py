"""Benchmark: the backorder queue changelist (and the reports page) with many lines.

Creates N orders with one backordered line each (``bulk_create``, default 100 000) in an SQLite
file, then times the admin pages a merchant uses most and counts their queries::

    python bench/admin_queue.py            # 100k lines, reuses the database if it has them
    python bench/admin_queue.py --lines 10000 --rebuild

Prints one row per page: median and worst of ``--repeat`` requests (ms) and the query count.
Target (issue 6): at most 300 ms per queue page on SQLite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "sandbox")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="drop and recreate the data")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.urls import reverse
    from oscar.core.loading import get_model

    database = settings.DATABASES["default"]
    if args.rebuild and database["ENGINE"].endswith("sqlite3"):
        Path(database["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0, interactive=False)

    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    User = get_model("auth", "User")
    existing = BackorderLine.objects.count()
    if existing != args.lines:
        from tests.bulk import bulk_backorder_lines

        if existing:
            sys.exit(f"The database has {existing} lines, not {args.lines}: use --rebuild.")
        started = time.perf_counter()
        bulk_backorder_lines(args.lines, products=50, customers=500, batch_size=5000)
        print(f"created {args.lines} lines in {time.perf_counter() - started:.1f} s")
        if database["ENGINE"].endswith("sqlite3"):
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    supplier = _payments_and_suppliers(BackorderLine)

    admin_user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin_user)
    queue = reverse("admin:oscar_backorders_backorderline_changelist")
    open_count = BackorderLine.objects.filter(status__in=["waiting", "allocated"]).count()
    some = BackorderLine.objects.select_related("order", "line").order_by("pk")[args.lines // 2]
    pages = [
        ("queue (open lines, page 1)", queue, {}),
        ("queue, last page", queue, {"p": str(max(1, open_count // 50))}),
        ("all statuses", queue, {"queue": "all"}),
        ("waiting only", queue, {"queue": "waiting"}),
        ("overdue (past promise)", queue, {"overdue": "promise"}),
        ("estimate within 7 days", queue, {"estimate": "week"}),
        ("partner filter", queue, {"line__partner__id__exact": str(some.line.partner_id)}),
        ("supplier filter", queue, {"supplier": str(supplier.pk)}),
        ("authorisation expiring within 3 days", queue, {"authorisation": "3"}),
        ("authorisation expired", queue, {"authorisation": "expired"}),
        ("search order number", queue, {"queue": "all", "q": some.order.number}),
        ("search SKU", queue, {"queue": "all", "q": some.line.partner_sku}),
        ("search email", queue, {"queue": "all", "q": "guest4242@example.com"}),
        ("sorted by estimate", queue, {"o": "9"}),
        ("reports page", reverse("admin:oscar_backorders_backorderline_reports"), {}),
    ]
    print(f"\n{args.lines} backordered lines, {database['ENGINE'].rsplit('.', 1)[-1]}")
    print("| page | median ms | worst ms | queries | rows |\n|---|---:|---:|---:|---:|")
    for name, url, params in pages:
        executed = []

        def count(execute, sql, params_, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params_, many, context)

        # The first request is counted, with the test client's template instrumentation (for
        # response.context); the timed ones run without it, as a real server would.
        setup_test_environment()
        with connection.execute_wrapper(count):
            response = client.get(url, params)
        teardown_test_environment()
        assert response.status_code == 200, (name, response.status_code)
        cl = response.context.get("cl") if response.context else None
        rows = cl.result_count if cl is not None else "—"
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"| {name} | {statistics.median(timings):.0f} | {max(timings):.0f} "
            f"| {len(executed)} | {rows} |"
        )


def _payments_and_suppliers(BackorderLine) -> object:
    """One supplier per stock record (suppliers of 5 records each) and one authorisation per
    order, deadlines spread over the next 30 days (a tenth already past), so the payment column
    and the supplier / authorisation filters have data. Created once, like the lines."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone
    from oscar.core.loading import get_model

    Supplier = get_model("oscar_backorders", "Supplier")
    SupplierStockRecord = get_model("oscar_backorders", "SupplierStockRecord")
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    if not Supplier.objects.exists():
        records = sorted(set(BackorderLine.objects.values_list("stockrecord_id", flat=True)))
        suppliers = Supplier.objects.bulk_create(
            Supplier(name=f"Supplier {n}", code=f"bench-supplier-{n}")
            for n in range((len(records) + 4) // 5)
        )
        SupplierStockRecord.objects.bulk_create(
            SupplierStockRecord(supplier=suppliers[n // 5], stockrecord_id=record)
            for n, record in enumerate(records)
        )
    if not PaymentAuthorisation.objects.exists():
        now = timezone.now()
        PaymentAuthorisation.objects.bulk_create(
            (
                PaymentAuthorisation(
                    order_id=order_id,
                    gateway="bench",
                    reference=f"bench-{order_id}",
                    currency="GBP",
                    amount=Decimal("12.00"),
                    expires_at=now + dt.timedelta(hours=(n % 33) * 24 - 72),
                )
                for n, order_id in enumerate(
                    BackorderLine.objects.values_list("order_id", flat=True)
                )
            ),
            batch_size=5000,
        )
    return Supplier.objects.order_by("pk").first()


if __name__ == "__main__":
    main()
