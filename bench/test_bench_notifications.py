"""Benchmark: finding and sending due follow-ups, and rendering emails.

Run: ``pytest bench/test_bench_notifications.py -s`` (``BENCH_NOTICES=100000`` for the full size;
``BACKORDERS_TEST_DATABASE_URL=postgres://…`` for PostgreSQL). Prints a table and asserts that
the queries do not grow per notice beyond a constant.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import translation
from oscar.core.loading import get_class, get_model

from oscar_backorders.notifications import content, scans
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from oscar_backorders.notifications.tasks import dispatch_due_notices
from tests.factories import stocked_product

pytestmark = pytest.mark.django_db

N = int(os.environ.get("BENCH_NOTICES", "2000"))


class QueryCounter:
    """Counts every query (Django's own log keeps only the last 9000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

    def __len__(self) -> int:
        return self.count


Order = get_model("order", "Order")
Line = get_model("order", "Line")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
Notice = get_model("oscar_backorders", "Notice")


def make_waiting_orders(n: int) -> None:
    product = stocked_product(num_in_stock=0)
    record = product.stockrecords.get()
    placed = dt.datetime(2026, 10, 1, 10, 0, tzinfo=dt.UTC)
    money = {
        "total_incl_tax": Decimal("10"),
        "total_excl_tax": Decimal("10"),
        "shipping_incl_tax": Decimal("0"),
        "shipping_excl_tax": Decimal("0"),
    }
    for start in range(0, n, 5000):
        orders = Order.objects.bulk_create(
            Order(
                number=f"B{i}",
                currency="GBP",
                guest_email=f"c{i}@example.com",
                date_placed=placed,
                status="Pending",
                **money,
            )
            for i in range(start, min(start + 5000, n))
        )
        lines = Line.objects.bulk_create(
            Line(
                order=o,
                partner=record.partner,
                partner_name="P",
                partner_sku=record.partner_sku,
                stockrecord=record,
                product=product,
                title=product.title,
                quantity=1,
                num_allocated=1,
                line_price_incl_tax=Decimal("10"),
                line_price_excl_tax=Decimal("10"),
                line_price_before_discounts_incl_tax=Decimal("10"),
                line_price_before_discounts_excl_tax=Decimal("10"),
                unit_price_incl_tax=Decimal("10"),
                unit_price_excl_tax=Decimal("10"),
            )
            for o in orders
        )
        BackorderLine.objects.bulk_create(
            BackorderLine(
                order_id=line.order_id,
                line=line,
                stockrecord=record,
                quantity=1,
                promised_date=dt.date(2027, 6, 1),
                estimated_date=dt.date(2027, 6, 1),
            )
            for line in lines
        )


def test_bench_due_follow_ups_found_and_sent_with_constant_queries_per_notice(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BACKORDERS_NOTICE_CHUNK_SIZE = 500
    make_waiting_orders(N)
    today = dt.date(2026, 10, 15)  # 14 days after placement: the first follow-up is due

    start = time.perf_counter()
    with QueryCounter() as scan_queries:
        claimed = scans.scan_follow_ups(today=today)
    scan_seconds = time.perf_counter() - start
    assert len(claimed) == N

    mail.outbox.clear()
    start = time.perf_counter()
    with QueryCounter() as send_queries:
        sent = dispatch_due_notices()
    send_seconds = time.perf_counter() - start
    assert sent == N and len(mail.outbox) == N
    assert Notice.objects.filter(kind=NoticeKind.FOLLOW_UP, status=NoticeStatus.SENT).count() == N

    chunks = -(-N // 500)
    per_notice = len(send_queries) / N

    # Rendering alone (subject, text and HTML through Oscar's CommunicationEventType), for the
    # emails-per-second figure; the send rate above includes reading each notice's context.
    notice = Notice.objects.filter(kind=NoticeKind.FOLLOW_UP).first()
    Dispatcher = get_class("communication.utils", "Dispatcher")
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    event_type = CommunicationEventType.objects.get(code="BACKORDER_FOLLOW_UP")
    base = Dispatcher().get_base_context()
    with translation.override("en-gb"):
        context = {**base, **content.build(notice)}
        rates = []
        for _round in range(3):  # best of three: the machine may be shared
            start = time.perf_counter()
            rendered = 0
            while time.perf_counter() - start < 1:
                event_type.get_messages(dict(context))
                rendered += 1
            rates.append(rendered / (time.perf_counter() - start))
    rate = max(rates)
    print(
        f"\n| notices | db | scan s | scan queries | send s | queries/notice | sent/s | render/s |"
        f"\n|---|---|---|---|---|---|---|---|"
        f"\n| {N} | {connection.vendor} | {scan_seconds:.1f} | {len(scan_queries)} | "
        f"{send_seconds:.1f} | {per_notice:.1f} | {N / send_seconds:.0f} | {rate:.0f} |"
    )
    # Scan: a constant number of reads per chunk plus the claim (savepoint, insert) per notice.
    assert len(scan_queries) <= N * 3 + chunks * 5 + 5
    # Send: lock, context, event type, savepoint, update; a first follow-up to an address also
    # creates its preference row (the unsubscribe link names it).
    assert per_notice <= 13
    assert rate >= 500
