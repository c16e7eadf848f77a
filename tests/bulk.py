"""Many backordered lines at once, with ``bulk_create``: for query-count tests and the benchmark.

Placing orders through Oscar's checkout costs dozens of queries per order; the admin queue only
needs rows that look like placed orders, so these are written directly (one order line each).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.abstract_models import BackorderEventKind, BackorderStatus
from tests.factories import stocked_product

Order = get_model("order", "Order")
Line = get_model("order", "Line")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")


@contextlib.contextmanager
def _explicit_timestamps(model: Any, *names: str) -> Iterator[None]:
    """Let ``bulk_create`` keep the given ``auto_now``/``auto_now_add`` values (test data only)."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def bulk_backorder_lines(
    count: int,
    *,
    products: int = 5,
    customers: int = 5,
    today: dt.date | None = None,
    number_start: int = 500000,
    batch_size: int = 2000,
) -> list[Any]:
    """Create ``count`` orders, each with one backordered line, spread over the last 120 days.

    Statuses cycle waiting, waiting, allocated, shipped, cancelled; half the orders are guests'.
    Returns the products used.
    """
    today = today or timezone.localdate()
    catalogue = [stocked_product(num_in_stock=0) for _ in range(products)]
    records = [product.stockrecords.get() for product in catalogue]
    users = [UserFactory() for _ in range(customers)]
    now = timezone.now()
    orders = []
    for n in range(count):
        placed = now - dt.timedelta(days=n % 120, minutes=n % 600)
        user = users[n % customers] if n % 2 else None
        orders.append(
            Order(
                number=str(number_start + n),
                user=user,
                guest_email="" if user else f"guest{n}@example.com",
                currency="GBP",
                total_incl_tax=Decimal("12.00"),
                total_excl_tax=Decimal("10.00"),
                shipping_incl_tax=Decimal("0.00"),
                shipping_excl_tax=Decimal("0.00"),
                status="Pending",
                date_placed=placed,
            )
        )
    Order.objects.bulk_create(orders, batch_size=batch_size)
    lines = []
    for n, order in enumerate(orders):
        record = records[n % products]
        lines.append(
            Line(
                order=order,
                partner=record.partner,
                partner_name=record.partner.name,
                partner_sku=record.partner_sku,
                stockrecord=record,
                product=record.product,
                title=record.product.title,
                upc=record.product.upc,
                quantity=2,
                line_price_incl_tax=Decimal("24.00"),
                line_price_excl_tax=Decimal("20.00"),
                line_price_before_discounts_incl_tax=Decimal("24.00"),
                line_price_before_discounts_excl_tax=Decimal("20.00"),
                unit_price_incl_tax=Decimal("12.00"),
                unit_price_excl_tax=Decimal("10.00"),
                num_allocated=2,
            )
        )
    Line.objects.bulk_create(lines, batch_size=batch_size)
    cycle = [
        (BackorderStatus.WAITING, 0, 0, 0),
        (BackorderStatus.WAITING, 0, 0, 0),
        (BackorderStatus.ALLOCATED, 2, 0, 0),
        (BackorderStatus.SHIPPED, 0, 2, 0),
        (BackorderStatus.CANCELLED, 0, 0, 2),
    ]
    rows = []
    for n, (order, line) in enumerate(zip(orders, lines, strict=True)):
        status, allocated, shipped, cancelled = cycle[n % len(cycle)]
        promised = timezone.localtime(order.date_placed).date() + dt.timedelta(days=14)
        rows.append(
            BackorderLine(
                order=order,
                line=line,
                stockrecord_id=line.stockrecord_id,
                quantity=2,
                quantity_allocated=allocated,
                quantity_shipped=shipped,
                quantity_cancelled=cancelled,
                status=status,
                promised_date=promised,
                estimated_date=promised + dt.timedelta(days=n % 3 * 7),
                priority=n % 3,
                date_created=order.date_placed,
                date_updated=order.date_placed,
            )
        )
    with _explicit_timestamps(BackorderLine, "date_created", "date_updated"):
        BackorderLine.objects.bulk_create(rows, batch_size=batch_size)
    # Shipped lines get their shipment event, 10 to 19 days after the order (some after the
    # promise), so the promise-accuracy report has something to read.
    events = [
        BackorderEvent(
            backorder_line=row,
            kind=BackorderEventKind.SHIPPED,
            quantity=row.quantity_shipped,
            date_created=min(row.date_created + dt.timedelta(days=10 + n % 10), now),
        )
        for n, row in enumerate(rows)
        if row.quantity_shipped
    ]
    with _explicit_timestamps(BackorderEvent, "date_created"):
        BackorderEvent.objects.bulk_create(events, batch_size=batch_size)
    return catalogue
