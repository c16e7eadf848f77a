"""Properties of the whole flow (orders, purchase orders, receipts, cancellations) on the database.

After any sequence of operations, with the receivers running after each commit:
- the units allocated to backordered lines never exceed the stock there is for them;
- no unit stays free while a line waits;
- the targeted recomputes left nothing for a full recompute to change (no drift);
- every waiting line's estimate is today or later and monotone in priority order.
"""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_class, get_model

from oscar_backorders import services
from oscar_backorders.allocation import free_units
from oscar_backorders.estimates.service import recompute
from oscar_backorders.priorities import in_priority_order, load_waiting_lines
from oscar_backorders.supply.receiving import receive_line
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import PurchaseOrderFactory, inbound

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")

operations = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.integers(1, 4)),
        st.tuples(st.just("po"), st.integers(1, 6), st.integers(0, 30)),
        st.tuples(st.just("receive"), st.integers(0, 5), st.integers(1, 6)),
        st.tuples(st.just("cancel"), st.integers(0, 9), st.integers(1, 3)),
        st.tuples(st.just("restock"), st.integers(1, 4)),
        st.tuples(st.just("priority"), st.integers(0, 9), st.integers(-5, 5)),
        st.tuples(st.just("ship"), st.integers(0, 9)),
        st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 40)),
    ),
    min_size=1,
    max_size=12,
)


def run(operation, product, record, order_po, numbers):
    kind = operation[0]
    if kind == "order":
        numbers.append(f"N{len(numbers)}")
        strategy = get_class("partner.strategy", "Selector")().strategy()
        place(basket_with(strategy, (product, operation[1])), number=numbers[-1])
    elif kind == "po":
        inbound(
            record,
            operation[1],
            dt.date(2026, 11, 24) + dt.timedelta(days=operation[2]),
            order=order_po,
        )
    elif kind == "receive":
        lines = list(
            PurchaseOrderLine.objects.filter(status__in=("open", "partial")).order_by("pk")
        )
        if lines:
            line = lines[operation[1] % len(lines)]
            quantity = min(operation[2], line.quantity - line.quantity_received)
            receive_line(line.pk, quantity)
    elif kind == "cancel":
        lines = [bl for bl in BackorderLine.objects.order_by("pk") if bl.quantity_open > 0]
        if lines:
            line = lines[operation[1] % len(lines)]
            services.cancel_units(line.pk, min(operation[2], line.quantity_open), reason="test")
    elif kind == "priority":
        lines = list(BackorderLine.objects.filter(status="waiting").order_by("pk"))
        if lines:
            services.set_priority(lines[operation[1] % len(lines)].pk, operation[2])
    elif kind == "ship":
        lines = list(BackorderLine.objects.filter(quantity_allocated__gt=0).order_by("pk"))
        if lines:
            line = lines[operation[1] % len(lines)]
            quantity = line.quantity_allocated
            services.record_shipment(line.pk, quantity)
            record.refresh_from_db()
            record.consume_allocation(quantity)  # what Oscar's shipping flow does
    elif kind == "move":  # the supplier announces a new date
        lines = list(
            PurchaseOrderLine.objects.filter(status__in=("open", "partial")).order_by("pk")
        )
        if lines:
            line = lines[operation[1] % len(lines)]
            line.expected_date = dt.date(2026, 11, 24) + dt.timedelta(days=operation[2])
            line.save()
    elif kind == "restock":
        record.refresh_from_db()
        record.num_in_stock += operation[1]
        record.save()


def check_invariants(record, today):
    record.refresh_from_db()
    lines = list(BackorderLine.objects.filter(stockrecord=record))
    waiting_units = sum(line.quantity_waiting for line in lines)
    # Units with stock behind them (in-stock parts and allocated backorders) fit in the stock.
    assert record.num_allocated - waiting_units <= record.num_in_stock
    ranked = in_priority_order(load_waiting_lines([record.pk]))
    by_pk = {line.pk: line for line in lines}
    if ranked:
        # Work-conserving: no unit stays free while a line waits (who gets it, in priority
        # order, is the allocation plan's property, tested on plain data).
        assert (
            free_units(
                num_in_stock=record.num_in_stock,
                num_allocated=record.num_allocated,
                waiting=waiting_units,
            )
            == 0
        )
    promises = [by_pk[w.line_id].estimated_date for w in ranked]
    assert all(d >= today for d in promises)
    # Promises stand while they hold, so a later order may be promised an earlier day; the
    # merchant's most likely dates follow the queue.
    likely = [by_pk[w.line_id].likely_date for w in ranked if by_pk[w.line_id].likely_date]
    assert likely == sorted(likely)
    assert recompute(None, reason="full") == []


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_restock_and_estimates_stay_consistent_whatever_happens(
    ops, today, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        product = stocked_product(num_in_stock=0, lead_time_days=10)
        record = product.stockrecords.get()
        order_po = PurchaseOrderFactory()
        numbers = []
        for operation in ops:
            with django_capture_on_commit_callbacks(execute=True):
                run(operation, product, record, order_po, numbers)
            check_invariants(record, today)
        transaction.set_rollback(True)
