"""Benchmarks of available-to-promise and restock allocation; prints markdown tables.

    python bench/estimates.py            # the pure engine: 10k / 100k / 1M waiting lines
    python bench/estimates.py --db       # also: recompute with the database (SQLite file in a
                                         # temporary directory) against saving each line through
                                         # the ORM, and one receipt filling 10k waiting lines

Shapes: inbound lines = lines / 5, stock records = lines / 10 (the issue's 100k / 20k / 10k).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "sandbox")]

from oscar_backorders.estimates import engine  # noqa: E402
from oscar_backorders.estimates.lateness import Lateness, supplier_lateness  # noqa: E402

TODAY = dt.date(2026, 11, 24)


def supplier_profiles(count: int = 40, seed: int = 7) -> list[Lateness]:
    """``count`` suppliers' lateness, learnt as the shop would: 50 deliveries each, a third of
    the suppliers late on 10–50 % of deliveries by 2–10 days on average, the rest reliable."""
    rng = random.Random(seed)
    histories = []
    for index in range(count):
        unreliable = index % 3 == 0
        late_share = rng.uniform(0.1, 0.5) if unreliable else 0.05
        mean_late = rng.uniform(2, 10) if unreliable else 1.5
        histories.append(
            [
                max(1, round(rng.expovariate(1 / mean_late)))
                if rng.random() < late_share
                else rng.choice((-1, 0, 0, 0, 0))
                for _ in range(50)
            ]
        )
    pool = [value for history in histories for value in history]
    return [supplier_lateness(history, pool) for history in histories]


def make_inputs(lines: int, seed: int = 1) -> list[engine.StockInput]:
    """The shop the issue names: inbound lines = lines / 5, stock records = lines / 10, every
    purchase order from one of 40 suppliers with a learnt lateness, every line with a promise."""
    rng = random.Random(seed)
    profiles = supplier_profiles()
    records = max(lines // 10, 1)
    inbound_count = lines // 5
    demand: dict[int, list[engine.Demand]] = {i: [] for i in range(records)}
    for n in range(lines):
        anchor = TODAY - dt.timedelta(days=rng.randint(0, 20))
        demand[rng.randrange(records)].append(
            engine.Demand(
                n + 1, rng.randint(1, 3), anchor, TODAY + dt.timedelta(rng.randint(0, 40))
            )
        )
    inbound: dict[int, list[engine.Inbound]] = {i: [] for i in range(records)}
    for _ in range(inbound_count):
        expected = TODAY + dt.timedelta(days=rng.randint(-3, 60))
        inbound[rng.randrange(records)].append(
            engine.Inbound(expected, rng.randint(1, 20), rng.choice(profiles))
        )
    return [
        engine.StockInput(
            i + 1,
            free_units=rng.randint(0, 3),
            lead_time_days=rng.choice((5, 10, 15)),
            inbound=tuple(inbound[i]),
            demand=tuple(demand[i]),
            lead_lateness=rng.choice(profiles),
        )
        for i in range(records)
    ]


def checkout_inputs(records: int, seed: int = 2) -> list[engine.StockInput]:
    """What a product page or checkout asks: the next units of each stock record, behind a
    block of waiting units, over its open purchase-order lines."""
    full = make_inputs(records * 10, seed)
    return [
        engine.StockInput(
            s.stockrecord_id,
            0,
            s.lead_time_days,
            s.inbound,
            (engine.Demand(0, sum(d.quantity for d in s.demand)),),
            lead_lateness=s.lead_lateness,
            next_quantity=2,
        )
        for s in full
    ]


def bench_checkout(records: int = 1000) -> None:
    calendar = engine.Calendar(handling_days=1)
    inputs = checkout_inputs(records)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        engine.plan(inputs, today=TODAY, calendar=calendar)
        best = min(best, time.perf_counter() - start)
    print("### The promise for a new customer, pure (target: ≤ 2 ms per stock record)\n")
    print("| stock records | open purchase-order lines | time (ms) | ms / stock record |")
    print("|---:|---:|---:|---:|")
    inbound = sum(len(s.inbound) for s in inputs)
    print(f"| {records:,} | {inbound:,} | {best * 1000:.1f} | {best * 1000 / records:.3f} |\n")


def bench_engine(sizes: list[int]) -> None:
    calendar = engine.Calendar(handling_days=1)
    print("### The nightly recompute, pure (target: 100k lines / 20k inbound / 10k SKUs ≤ 2 s)\n")
    print("| waiting lines | inbound lines | stock records | time (s) | µs / line |")
    print("|---:|---:|---:|---:|---:|")
    for size in sizes:
        inputs = make_inputs(size)
        best = float("inf")
        for _ in range(3 if size <= 100_000 else 1):
            # As timeit does: the cyclic GC off while timing (the engine creates no cycles;
            # with it on, 1M live input objects make the collector dominate the run).
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                engine.plan(inputs, today=TODAY, calendar=calendar)
                best = min(best, time.perf_counter() - start)
            finally:
                gc.enable()
        inbound = sum(len(s.inbound) for s in inputs)
        print(
            f"| {size:,} | {inbound:,} | {len(inputs):,} | {best:.3f} | {best / size * 1e6:.2f} |"
        )
    print()


# -- with the database --------------------------------------------------------------------


def setup_django(directory: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = os.path.join(directory, "bench.sqlite3")
    settings.DATABASES["default"]["ATOMIC_REQUESTS"] = False
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    call_command("migrate", verbosity=0, run_syncdb=True)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")


def create_queue(
    lines: int, records: int, *, lead_days: int = 10, inbound_lines: int = 0
) -> list[int]:
    """``records`` backorderable stock records with ``lines`` waiting one-unit lines between them."""
    from decimal import Decimal

    from django.utils import timezone
    from oscar.core.loading import get_model

    Partner = get_model("partner", "Partner")
    ProductClass = get_model("catalogue", "ProductClass")
    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")

    tag = f"{lines}-{records}-{time.monotonic_ns()}"
    partner = Partner.objects.create(name=f"Bench {tag}")
    product_class, _ = ProductClass.objects.get_or_create(
        name="Bench", defaults={"track_stock": True}
    )
    products = Product.objects.bulk_create(
        Product(title=f"P{i}", product_class=product_class, upc=f"{tag}-{i}", slug=f"p-{i}")
        for i in range(records)
    )
    stockrecords = StockRecord.objects.bulk_create(
        StockRecord(
            product=p,
            partner=partner,
            partner_sku=f"{tag}-{i}",
            price=Decimal("10"),
            num_in_stock=0,
            num_allocated=0,
        )
        for i, p in enumerate(products)
    )
    BackorderPolicy.objects.bulk_create(
        BackorderPolicy(stockrecord=sr, mode="backorder", lead_time_days=lead_days)
        for sr in stockrecords
    )
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            number=f"{tag}-{i}",
            currency="EUR",
            total_incl_tax=Decimal("10"),
            total_excl_tax=Decimal("10"),
            shipping_incl_tax=Decimal(0),
            shipping_excl_tax=Decimal(0),
            date_placed=now - dt.timedelta(minutes=1000 - i),
        )
        for i in range(1000)
    )
    order_lines = Line.objects.bulk_create(
        (
            Line(
                order=orders[n % len(orders)],
                partner=partner,
                stockrecord=stockrecords[n % records],
                product=products[n % records],
                title="P",
                quantity=1,
                num_allocated=1,
                line_price_incl_tax=Decimal("10"),
                line_price_excl_tax=Decimal("10"),
                line_price_before_discounts_incl_tax=Decimal("10"),
                line_price_before_discounts_excl_tax=Decimal("10"),
            )
            for n in range(lines)
        ),
        batch_size=2000,
    )
    BackorderLine.objects.bulk_create(
        (
            BackorderLine(
                order_id=line.order_id,
                line=line,
                stockrecord_id=line.stockrecord_id,
                quantity=1,
                promised_date=TODAY + dt.timedelta(days=30),
                estimated_date=TODAY + dt.timedelta(days=30),  # stale: every line changes
            )
            for line in order_lines
        ),
        batch_size=2000,
    )
    per_record: dict[int, int] = {}
    for line in order_lines:
        per_record[line.stockrecord_id] = per_record.get(line.stockrecord_id, 0) + 1
    for sr in stockrecords:
        sr.num_allocated = per_record.get(sr.pk, 0)
    StockRecord.objects.bulk_update(stockrecords, ["num_allocated"], batch_size=2000)
    if inbound_lines:
        add_inbound(stockrecords, inbound_lines, tag)
    return [sr.pk for sr in stockrecords]


def add_inbound(stockrecords: list, count: int, tag: str) -> None:
    """``count`` open purchase-order lines from 40 suppliers with learnt lateness profiles."""
    from oscar.core.loading import get_model

    from oscar_backorders.supply.reliability import as_json

    Supplier = get_model("oscar_backorders", "Supplier")
    PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
    PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
    rng = random.Random(3)
    profiles = supplier_profiles()
    suppliers = Supplier.objects.bulk_create(
        Supplier(name=f"S{i}", code=f"{tag}-s{i}", lateness_profile={"expected": as_json(p)})
        for i, p in enumerate(profiles)
    )
    orders = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(supplier=suppliers[i % len(suppliers)], reference=f"{tag}-po{i}")
        for i in range(count // 10 + 1)
    )
    PurchaseOrderLine.objects.bulk_create(
        (
            PurchaseOrderLine(
                purchase_order=orders[n // 10],
                stockrecord=rng.choice(stockrecords),
                quantity=rng.randint(1, 20),
                expected_date=TODAY + dt.timedelta(days=rng.randint(-3, 60)),
                first_expected_date=TODAY + dt.timedelta(days=rng.randint(-3, 60)),
            )
            for n in range(count)
        ),
        batch_size=2000,
    )


def bench_db(lines: int, orm_sample: int) -> None:
    import time_machine
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from oscar_backorders import services
    from oscar_backorders.estimates.service import recompute

    print(f"### Estimate engine with the database (SQLite, {lines:,} waiting lines)\n")
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=True):
        create_queue(lines, max(lines // 10, 1), inbound_lines=lines // 5)
        # Every promise stale (30 days ahead is kept, so move them into the past: all revised).
        from oscar.core.loading import get_model

        get_model("oscar_backorders", "BackorderLine").objects.update(
            estimated_date=TODAY - dt.timedelta(days=2)
        )
        start = time.perf_counter()
        changes = recompute(None, reason="bench")
        bulk = time.perf_counter() - start
        start = time.perf_counter()
        quiet = recompute(None, reason="bench, a night later with nothing new")
        second = time.perf_counter() - start
        # Per line through the ORM, as a shop without the bulk path would: set_estimate
        # (lock, save, event, signal) for a sample, extrapolated linearly to all lines.
        sample = [c.backorder_line_id for c in changes[:orm_sample]]
        start = time.perf_counter()
        for pk in sample:
            services.set_estimate(
                pk, TODAY + dt.timedelta(days=40), reason="bench", source="inbound"
            )
        per_line = (time.perf_counter() - start) / max(len(sample), 1)
        print("| path | lines written | time (s) |")
        print("|---|---:|---:|")
        print(
            f"| recompute (read, compute, bulk write of changes) | {len(changes):,} | {bulk:.2f} |"
        )
        print(
            f"| each line via `services.set_estimate` (measured on {len(sample):,}, "
            f"extrapolated) | {len(changes):,} | {per_line * len(changes):.2f} |"
        )
        print(
            f"| the next night, nothing new (read, compute, nothing to write) | {len(quiet):,} "
            f"| {second:.2f} |"
        )
        print(f"\nspeed-up: {per_line * len(changes) / bulk:.0f}×  (target: ≤ 15 s)\n")

        from oscar_backorders.supply.receiving import receive_line
        from tests.supply_factories import inbound

        print("### Restock: one receipt filling 10k waiting lines (SQLite)\n")
        print("| waiting lines filled | queries | time (s) |")
        print("|---:|---:|---:|")
        for size in (1_000, 10_000):
            (record_id,) = create_queue(size, 1)
            from oscar.core.loading import get_model

            record = get_model("partner", "StockRecord").objects.get(pk=record_id)
            po_line = inbound(record, size, TODAY + dt.timedelta(days=3))
            connection.force_debug_cursor = True
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                receipt = receive_line(po_line.pk, size)
                elapsed = time.perf_counter() - start
            assert receipt.allocation.units == size
            print(f"| {size:,} | {len(ctx.captured_queries):,} | {elapsed:.2f} |")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="store_true", help="also run the database benchmarks")
    parser.add_argument("--db-lines", type=int, default=100_000)
    parser.add_argument("--orm-sample", type=int, default=2_000)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    bench_checkout()
    bench_engine([int(s) for s in args.sizes.split(",")])
    if args.db:
        with tempfile.TemporaryDirectory() as directory:
            setup_django(directory)
            bench_db(args.db_lines, args.orm_sample)


if __name__ == "__main__":
    main()
