"""Concurrency under real row locks: many customers at once, on PostgreSQL only.

SQLite serialises whole-database writes, so it can prove nothing about row locks; these tests
are marked ``postgres`` and run in the second pass of ``make test``. Threads start together on a
``threading.Barrier`` (no sleeps), each with its own database connection.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.exceptions import (
    BackorderCapExceeded,
    BackorderError,
    BackorderLimitExceeded,
)
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32
ROUNDS = 6
JOIN_TIMEOUT = 60  # seconds; a thread still running after this is a deadlock

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
BackorderLine = get_model("oscar_backorders", "BackorderLine")


def run_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, released together; return each result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[index] = job()
        except BaseException as error:
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(i, job), daemon=True) for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still waiting after {JOIN_TIMEOUT}s (deadlock?): {stuck}"
    close_old_connections()
    return results


def backordered_units(product: Any) -> int:
    record = StockRecord.objects.get(product=product)
    return record.num_allocated - record.num_in_stock


def test_cap_is_never_exceeded_when_32_customers_order_at_once(strategy):
    rng = random.Random(7)
    for round_number in range(ROUNDS):
        cap = rng.randint(5, 20)
        product = stocked_product(num_in_stock=0, cap=cap)
        quantities = [rng.randint(1, 3) for _ in range(THREADS)]
        baskets = [basket_with(strategy, (product, q)) for q in quantities]
        numbers = [f"R{round_number}-{i}" for i in range(THREADS)]

        results = run_at_once(
            [lambda b=b, n=n: place(b, number=n) for b, n in zip(baskets, numbers, strict=True)]
        )

        placed = [q for q, r in zip(quantities, results, strict=True) if isinstance(r, Order)]
        refused = [r for r in results if not isinstance(r, Order)]
        unexpected = [r for r in refused if not isinstance(r, BackorderCapExceeded)]
        assert not unexpected, f"round {round_number}: refused uncleanly: {unexpected[:3]!r}"
        assert sum(placed) <= cap
        # Every refusal was for a quantity that no longer fit, so the cap is nearly used up.
        assert all(cap - sum(placed) < r.requested for r in refused)
        assert backordered_units(product) == sum(placed)
        assert Order.objects.filter(number__in=numbers).count() == len(placed)
        lines = BackorderLine.objects.filter(stockrecord__product=product)
        assert sum(line.quantity for line in lines) == sum(placed)


def test_no_deadlock_when_baskets_list_two_capped_products_in_opposite_orders(strategy):
    for round_number in range(ROUNDS // 2):
        first = stocked_product(num_in_stock=0, cap=12)
        second = stocked_product(num_in_stock=0, cap=12)
        baskets = [
            basket_with(strategy, (first, 1), (second, 1))
            if i % 2
            else basket_with(strategy, (second, 1), (first, 1))
            for i in range(THREADS)
        ]
        results = run_at_once(
            [
                lambda b=b, n=f"X{round_number}-{i}": place(b, number=n)
                for i, b in enumerate(baskets)
            ]
        )
        placed = [r for r in results if isinstance(r, Order)]
        unexpected = [r for r in results if not isinstance(r, Order | BackorderCapExceeded)]
        assert not unexpected, f"round {round_number}: {unexpected[:3]!r}"
        assert len(placed) == 12
        assert backordered_units(first) == backordered_units(second) == 12


def test_cancelling_while_the_merchant_ships_never_moves_a_unit_twice(strategy):
    product = stocked_product(num_in_stock=0, cap=None)
    order = place(basket_with(strategy, (product, THREADS)), number="SHIPCANCEL")
    line = BackorderLine.objects.get(order=order)
    services.allocate_units(line.pk, THREADS, reason="stock arrived")

    jobs: list[Callable[[], Any]] = []
    for i in range(THREADS + 8):  # more requests than units: some must be refused
        if i % 2:
            jobs.append(lambda: services.record_shipment(line.pk, 1, reason="parcel"))
        else:
            jobs.append(
                lambda: services.cancel_units(line.pk, 1, reason="changed mind", by_customer=True)
            )
    results = run_at_once(jobs)

    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, BackorderError)
    ]
    assert not unexpected, unexpected[:3]
    done = [r for r in results if not isinstance(r, BaseException)]
    line.refresh_from_db()
    assert len(done) == THREADS
    assert line.quantity_shipped + line.quantity_cancelled == THREADS
    assert line.quantity_allocated == 0
    assert line.events.filter(kind__in=["shipped", "cancelled"]).count() == THREADS
    record = StockRecord.objects.get(product=product)
    assert record.num_allocated == THREADS - line.quantity_cancelled


def test_concurrent_restock_allocations_never_allocate_more_than_is_waiting(strategy):
    product = stocked_product(num_in_stock=0, cap=None)
    waiting = 20
    order = place(basket_with(strategy, (product, waiting)), number="RESTOCK")
    line = BackorderLine.objects.get(order=order)

    results = run_at_once(
        [lambda: services.allocate_units(line.pk, 1, reason="stock arrived")] * THREADS
    )

    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, BackorderError) for r in refused), refused[:3]
    assert len(results) - len(refused) == waiting
    line.refresh_from_db()
    assert line.quantity_allocated == waiting
    assert line.quantity_waiting == 0
    assert line.events.filter(kind="allocated").count() == waiting


CUSTOMER_THREADS = 16


def test_one_customers_16_simultaneous_orders_never_exceed_the_limit_per_customer(strategy):
    """An account's orders, then a guest's under one address in several spellings: each round
    16 orders at once, some listing a second product first (the customer's lock is still taken
    before any stock record, so they never deadlock)."""
    rng = random.Random(16)
    user = UserFactory()
    for round_number in range(ROUNDS // 2 + 1):
        guest = round_number == ROUNDS // 2
        cap = rng.randint(5, 12)
        product = stocked_product(num_in_stock=0, customer_cap=cap)
        other = stocked_product(num_in_stock=0)
        quantities = [rng.randint(1, 3) for _ in range(CUSTOMER_THREADS)]
        baskets = [
            basket_with(strategy, (other, 1), (product, q))
            if i % 2
            else basket_with(strategy, (product, q), (other, 1))
            for i, q in enumerate(quantities)
        ]
        who = [
            {"guest_email": rng.choice(["ann@example.com", "Ann@Example.com", " ANN@example.com"])}
            if guest
            else {"user": user}
            for _ in baskets
        ]
        numbers = [f"C{round_number}-{i}" for i in range(CUSTOMER_THREADS)]

        results = run_at_once(
            [
                lambda b=b, n=n, w=w: place(b, number=n, **w)
                for b, n, w in zip(baskets, numbers, who, strict=True)
            ]
        )

        placed = [q for q, r in zip(quantities, results, strict=True) if isinstance(r, Order)]
        refused = [r for r in results if not isinstance(r, Order)]
        unexpected = [
            r for r in refused if not isinstance(r, BackorderLimitExceeded) or r.limit != r.CUSTOMER
        ]
        assert not unexpected, f"round {round_number}: refused uncleanly: {unexpected[:3]!r}"
        assert placed and sum(placed) <= cap
        # Every refusal saw every order placed before it: it did not fit what they left.
        assert all(cap - sum(placed) < r.backordered for r in refused)
        assert backordered_units(product) == sum(placed)
        assert backordered_units(other) == len(placed)
        assert Order.objects.filter(number__in=numbers).count() == len(placed)
        lines = BackorderLine.objects.filter(stockrecord__product=product)
        assert sum(line.quantity for line in lines) == sum(placed)
