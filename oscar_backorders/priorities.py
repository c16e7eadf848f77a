"""In which order waiting backordered lines are served when stock arrives (and dated).

A priority order is a class with ``sort_key(line: WaitingLine) -> tuple``; smaller keys are served
first and every order ends with the order date and the line id, so the result is total and
stable. ``BACKORDERS_PRIORITY_ORDER`` names the class (a dotted path); the default,
:class:`ManualPriority`, is first-in-first-out unless a merchant raised or lowered a line's
priority. Orders compose: ``Chain(ShippingUrgency(), OrderValue())``.

Pure: :class:`WaitingLine` is plain data loaded by :func:`load_waiting_lines`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from django.utils.module_loading import import_string

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.exceptions import BackorderConfigurationError


@dataclass(frozen=True, slots=True)
class WaitingLine:
    """What a priority order may know about a waiting backordered line."""

    line_id: int
    stockrecord_id: int
    quantity_waiting: int
    placed_at: datetime
    priority: int = 0  # the merchant's manual priority: higher is served first
    order_total: Decimal = Decimal(0)
    shipping_code: str = ""
    customer_groups: frozenset[str] = frozenset()
    is_preorder: bool = False


class PriorityOrder(Protocol):
    def sort_key(self, line: WaitingLine) -> tuple[Any, ...]: ...


def _fifo(line: WaitingLine) -> tuple[Any, ...]:
    return (line.placed_at, line.line_id)


class Fifo:
    """Order date, oldest first."""

    def sort_key(self, line: WaitingLine) -> tuple[Any, ...]:
        return _fifo(line)


class ManualPriority:
    """The merchant's per-line priority (higher first), then order date (the default)."""

    def sort_key(self, line: WaitingLine) -> tuple[Any, ...]:
        return (-line.priority, *_fifo(line))


class CustomerGroup:
    """Customers in ``BACKORDERS_PRIORITY_CUSTOMER_GROUPS`` (auth group names, first = highest)
    before everyone else, then order date."""

    def sort_key(self, line: WaitingLine) -> tuple[Any, ...]:
        groups = list(backorder_settings.PRIORITY_CUSTOMER_GROUPS)
        ranks = [groups.index(name) for name in line.customer_groups if name in groups]
        return (min(ranks, default=len(groups)), *_fifo(line))


class ShippingUrgency:
    """Orders shipped with a method in ``BACKORDERS_URGENT_SHIPPING_CODES`` first."""

    def sort_key(self, line: WaitingLine) -> tuple[Any, ...]:
        urgent = line.shipping_code in set(backorder_settings.URGENT_SHIPPING_CODES)
        return (0 if urgent else 1, *_fifo(line))


class OrderValue:
    """Orders of higher total value first."""

    def sort_key(self, line: WaitingLine) -> tuple[Any, ...]:
        return (-line.order_total, *_fifo(line))


class Chain:
    """Apply several orders in turn (each breaks the ties of the one before)."""

    def __init__(self, *orders: PriorityOrder) -> None:
        if not orders:
            raise ValueError("Chain needs at least one priority order")
        self.orders = orders

    def sort_key(self, line: WaitingLine) -> tuple[Any, ...]:
        # Drop the FIFO tail of every key but the last, so the order date only breaks final ties.
        parts: list[Any] = []
        for order in self.orders[:-1]:
            parts.extend(order.sort_key(line)[:-2])
        return (*parts, *self.orders[-1].sort_key(line))


class ManualThenUrgencyThenGroup(Chain):
    """Example composition: merchant's priority, then express shipping, then loyalty, then FIFO."""

    def __init__(self) -> None:
        super().__init__(ManualPriority(), ShippingUrgency(), CustomerGroup(), Fifo())


@cache
def _load(path: str) -> PriorityOrder:
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise BackorderConfigurationError(
            f"BACKORDERS_PRIORITY_ORDER = {path!r} cannot be imported: {exc}"
        ) from exc
    return cls()


def get_priority_order() -> PriorityOrder:
    """The order named by ``BACKORDERS_PRIORITY_ORDER``."""
    return _load(backorder_settings.PRIORITY_ORDER)


def in_priority_order(
    lines: Iterable[WaitingLine], order: PriorityOrder | None = None
) -> list[WaitingLine]:
    """``lines`` sorted, highest priority first."""
    order = order or get_priority_order()
    return sorted(lines, key=order.sort_key)


def load_waiting_lines(
    stockrecord_ids: Sequence[int] | None = None, *, line_ids: Sequence[int] | None = None
) -> list[WaitingLine]:
    """Read the waiting lines (of the given stock records, or all) as :class:`WaitingLine`.

    Two queries whatever the number of lines: the lines with their order's fields, and the
    group names of their customers (only when an order by customer group is configured).
    """
    from oscar.core.loading import get_model

    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    queryset = BackorderLine._default_manager.filter(status="waiting", stockrecord_id__isnull=False)
    if stockrecord_ids is not None:
        queryset = queryset.filter(stockrecord_id__in=list(stockrecord_ids))
    if line_ids is not None:
        queryset = queryset.filter(pk__in=list(line_ids))
    rows = list(
        queryset.values_list(
            "pk",
            "stockrecord_id",
            "quantity",
            "quantity_allocated",
            "quantity_shipped",
            "quantity_cancelled",
            "order__date_placed",
            "priority",
            "order__total_incl_tax",
            "order__shipping_code",
            "order__user_id",
            "is_preorder",
        ).order_by()
    )
    groups: dict[int, set[str]] = {}
    if backorder_settings.PRIORITY_CUSTOMER_GROUPS:
        from django.contrib.auth import get_user_model

        user_ids = {row[10] for row in rows if row[10]}
        through = get_user_model().groups.through
        for user_id, name in through.objects.filter(
            **{f"{get_user_model()._meta.model_name}_id__in": user_ids}
        ).values_list(f"{get_user_model()._meta.model_name}_id", "group__name"):
            groups.setdefault(user_id, set()).add(name)
    return [
        WaitingLine(
            line_id=pk,
            stockrecord_id=sr_id,
            quantity_waiting=qty - alloc - shipped - cancelled,
            placed_at=placed,
            priority=priority,
            order_total=total or Decimal(0),
            shipping_code=code or "",
            customer_groups=frozenset(groups.get(user_id, ())),
            is_preorder=preorder,
        )
        for (
            pk,
            sr_id,
            qty,
            alloc,
            shipped,
            cancelled,
            placed,
            priority,
            total,
            code,
            user_id,
            preorder,
        ) in rows
        if qty - alloc - shipped - cancelled > 0
    ]
