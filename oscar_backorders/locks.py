"""Every row lock and conditional stock update the plugin takes, in one place.

Rows of one kind are locked in primary-key order (as Oscar's ``OrderCreator.place_order``
allocates in stock-record order). Across kinds, every flow takes them in this one order, so two
transactions can never wait on each other in a cycle:

1. a payment capture or release row (:func:`lock_capture`, :func:`lock_captures`,
   :func:`lock_release`);
2. stock records (:func:`lock_stockrecords`, :func:`allocate_within_cap`);
3. backordered lines (:func:`lock_backorder_lines`);
4. the order (:func:`lock_order`);
5. the order's payment authorisation (:func:`lock_authorisation`);
6. Oscar's payment source (:func:`lock_source`).

A flow may skip a step, never go back up: a cancellation locks 2 → 3 → 4 → 5, settling a
shipment's capture 1 → 2 → 3 → 4 → 5 → 6, planning a shipment 4 → 5, a provider's webhook event
1 → 4 → 5 → 6.
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
