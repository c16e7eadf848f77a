"""Every row lock and conditional stock update the plugin takes, in one place.

Locks are always taken in primary-key order (as Oscar's ``OrderCreator.place_order`` allocates
in stock-record order) so two transactions can never wait on each other in a cycle.
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
