"""Every row lock and conditional stock update the plugin takes, in one place.

Rows of one kind are locked in primary-key order (as Oscar's ``OrderCreator.place_order``
allocates in stock-record order). Across kinds, every flow takes them in this one order, so two
transactions can never wait on each other in a cycle:

1. a payment capture or release row (:func:`lock_capture`, :func:`lock_captures`,
   :func:`lock_release`);
2. the customer placing an order (:func:`lock_customer`; placement only);
3. stock records (:func:`lock_stockrecords`, :func:`allocate_within_cap`);
4. backordered lines (:func:`lock_backorder_lines`);
5. the order (:func:`lock_order`);
6. the order's payment authorisation (:func:`lock_authorisation`);
7. Oscar's payment source (:func:`lock_source`).

A flow may skip a step, never go back up: a placement under a per-customer limit locks 2 → 3,
a cancellation 3 → 4 → 5 → 6, settling a shipment's capture 1 → 3 → 4 → 5 → 6 → 7, planning a
shipment 5 → 6, a provider's webhook event 1 → 5 → 6 → 7.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model


def allocate_within_cap(stockrecord: Any, quantity: int, cap: int | None) -> bool:
    """Add ``quantity`` to ``stockrecord.num_allocated`` unless that takes it beyond ``cap``.

    One conditional ``UPDATE``: the row lock it takes makes the test and the write one step, so
    concurrent orders can never together backorder more than ``cap`` units (units allocated beyond
    ``num_in_stock`` are the backordered ones). Returns whether the update happened; the row stays
    locked until the transaction ends. Sends ``pre_save``/``post_save`` like Oscar's ``allocate``.
    """
    StockRecord = get_model("partner", "StockRecord")
    allocated = Coalesce(F("num_allocated"), Value(0))
    queryset = StockRecord._default_manager.filter(pk=stockrecord.pk)
    if cap is not None:
        in_stock = Coalesce(F("num_in_stock"), Value(0))
        queryset = queryset.alias(_after=allocated + quantity - in_stock).filter(_after__lte=cap)
    stockrecord.pre_save_signal()
    updated = queryset.update(num_allocated=allocated + quantity)
    stockrecord.refresh_from_db(fields=["num_allocated", "num_in_stock"])
    if updated:
        stockrecord.post_save_signal()
    return bool(updated)


def lock_customer(key: str) -> None:
    """Lock the ``CustomerLock`` row ``key`` (a customer's; made on first use) until commit.

    One customer's placements under a per-customer backorder limit then run one after the other,
    each counting the units the others backordered. The common case is one ``SELECT … FOR
    UPDATE``; a customer's first time adds an ``INSERT`` that ignores a conflict: two first
    orders at once both insert, PostgreSQL makes the second wait for the first to commit, and
    both then lock the one row. (SQLite locks the whole database for the first write, and the
    order row is written before this, so there the placements are serialised already.)
    """
    CustomerLock = get_model("oscar_backorders", "CustomerLock")
    manager = CustomerLock._default_manager
    locked = manager.select_for_update().filter(key=key).order_by("pk")
    if list(locked):
        return
    manager.bulk_create([CustomerLock(key=key)], ignore_conflicts=True)
    list(locked.all())  # a fresh query: the row now exists (ours, or a first order's committed)


def lock_stockrecords(ids: Iterable[int]) -> dict[int, Any]:
    """``SELECT … FOR UPDATE`` the given stock records, in pk order."""
    StockRecord = get_model("partner", "StockRecord")
    rows = StockRecord._default_manager.select_for_update().filter(pk__in=set(ids)).order_by("pk")
    return {row.pk: row for row in rows}


def lock_backorder_lines(ids: Iterable[int]) -> dict[int, Any]:
    """``SELECT … FOR UPDATE`` the given backordered lines, in pk order."""
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    rows = (
        BackorderLine._default_manager.select_for_update(of=("self",))
        .select_related("line", "order")
        .filter(pk__in=set(ids))
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def lock_order(order_id: int) -> Any | None:
    """``SELECT … FOR UPDATE`` one order (``None`` when there is no such order)."""
    Order = get_model("order", "Order")
    return Order._default_manager.select_for_update(of=("self",)).filter(pk=order_id).first()


def lock_capture(capture_id: int) -> Any:
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    return (
        PaymentCapture._default_manager.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=capture_id)
    )


def lock_captures(ids: Iterable[int]) -> dict[int, Any]:
    """``SELECT … FOR UPDATE`` the given payment captures, in pk order (a provider event about
    an authorisation waits for the captures and refunds of it in progress)."""
    PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
    rows = (
        PaymentCapture._default_manager.select_for_update(of=("self",))
        .filter(pk__in=set(ids))
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def lock_release(release_id: int) -> Any:
    PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
    return (
        PaymentRelease._default_manager.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=release_id)
    )


def lock_authorisation(authorisation_id: int) -> Any:
    PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
    return PaymentAuthorisation._default_manager.select_for_update().get(pk=authorisation_id)


def lock_source(source_id: int) -> Any:
    """Oscar's ``Source.debit``/``allocate`` read-modify-write: lock the row first."""
    Source = get_model("payment", "Source")
    return Source._default_manager.select_for_update().get(pk=source_id)
