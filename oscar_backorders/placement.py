"""Order placement: split each line into its in-stock and backordered parts, enforcing caps.

Oscar's ``OrderCreator`` re-checks no availability when it writes the order, so the cap is
enforced here, atomically, while stock is allocated (see :func:`oscar_backorders.locks.
allocate_within_cap`). So are a policy's limits per order and per customer
(:mod:`oscar_backorders.customer_limits`): before the first stock record is allocated, the
customer is locked (:func:`oscar_backorders.locks.lock_customer`) and their waiting units read,
so one customer's concurrent orders count each other's. Every unit ordered is allocated on the stock record as in plain Oscar,
so ``num_allocated`` counts backordered units too and ``net_stock_level`` goes negative by the
number of units waiting; the backordered part of each line is stored in ``BackorderLine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.abstract_models import BackorderEventKind, PolicyMode
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.customer_limits import Customer, customer_of, waiting_units
from oscar_backorders.estimates.base import Estimate, StockSnapshot, get_estimator
from oscar_backorders.exceptions import BackorderCapExceeded, BackorderLimitExceeded
from oscar_backorders.locks import allocate_within_cap, lock_customer
from oscar_backorders.policy import PolicyCache, ResolvedPolicy


@dataclass(frozen=True, slots=True)
class Split:
    from_stock: int
    backordered: int


def split_allocation(*, quantity: int, net_stock_after: int, preorder: bool) -> Split:
    """Pure: how many of ``quantity`` just-allocated units came from free stock.

    ``net_stock_after`` is ``num_in_stock - num_allocated`` once the line is allocated; before it,
    free stock was ``net_stock_after + quantity`` (never below zero). Pre-orders backorder all units.
    """
    if preorder:
        return Split(0, quantity)
    free_before = max(net_stock_after + quantity, 0)
    from_stock = min(quantity, free_before)
    return Split(from_stock, quantity - from_stock)


def _shown_policy(line: Any) -> ResolvedPolicy | None:
    """The policy the checkout showed for ``line`` (on its availability), if any."""
    try:
        availability = line.purchase_info.availability
    except Exception:  # the basket has no strategy (an offline placement)
        return None
    return getattr(availability, "backorder_policy", None)


def _policies_of(basket: Any) -> PolicyCache:
    """The policies the request's strategy already resolved for ``basket`` when the checkout
    checked it (the same request), else a new cache (an offline placement)."""
    if getattr(basket, "has_strategy", False):
        policies = getattr(basket.strategy, "backorder_policies", None)
        if isinstance(policies, PolicyCache):
            return policies
    return PolicyCache()


def _policy_for(line: Any, cache: PolicyCache) -> ResolvedPolicy:
    """Reuse the policy the checkout showed (no query) or load it."""
    policy = _shown_policy(line)
    return policy if policy is not None else cache.get(line.stockrecord)


def _prepare_stockrecords(lines: list[Any]) -> None:
    """What Oscar's placement reads of each line's stock record, loaded for all lines at once.

    ``create_line_models`` reads ``stockrecord.partner`` (a query per line unless loaded here),
    and every ``allocate`` saves the stock record, whose receivers read ``stockrecord.product``
    (Oscar's back-in-stock alerts): that is the line's own product, already loaded.
    """
    records = [line.stockrecord for line in lines if line.stockrecord_id]
    prefetch_related_objects(records, "partner")
    for line in lines:
        record = line.stockrecord if line.stockrecord_id else None
        if record is not None and record.product_id == line.product_id:
            record.product = line.product


class BackorderOrderCreatorMixin:
    """``OrderCreator`` mixin: allocation with caps, and one ``BackorderLine`` per backordered line.

    Rows are written with one ``bulk_create`` once the last basket line is allocated, inside
    Oscar's placement transaction: a refused line rolls the whole order back.
    """

    def place_order(self, basket: Any, *args: Any, **kwargs: Any) -> Any:
        lines = list(basket.all_lines())
        _prepare_stockrecords(lines)
        self._bo_cache = _policies_of(basket)
        # Lines priced by the plugin's strategy carry their policy, and the strategy knows the
        # policies of the lines it found in stock; load only the others.
        self._bo_cache.warm(
            line.stockrecord
            for line in lines
            if line.stockrecord_id and _shown_policy(line) is None
        )
        self._bo_policies = {
            line.id: _policy_for(line, self._bo_cache) for line in lines if line.stockrecord_id
        }
        self._bo_today = timezone.localdate()
        self._bo_snapshots: dict[int, StockSnapshot] = {}
        self._bo_order_lines: dict[int, Any] = {}
        self._bo_remaining = {line.id for line in lines}
        self._bo_pending: list[tuple[Any, Split, int, bool]] = []
        self._bo_limited = {
            line.stockrecord_id
            for line in lines
            if line.id in self._bo_policies
            and self._bo_policies[line.id].allows_backorders
            and self._bo_policies[line.id].limits_customers
        }
        self._bo_customer: Customer | None = None
        self._bo_waiting: dict[int, int] | None = None  # None: not read yet
        self._bo_backordered: dict[int, int] = {}  # units of each stock record this order waits for
        return super().place_order(basket, *args, **kwargs)  # type: ignore[misc]

    def _promised_estimates(self) -> dict[int, Estimate]:
        """The dates promised for what backordered: one estimator call, only if anything did.

        Each stock record is dated as it stood before this order touched it, i.e. the date a
        customer ordering now is promised (the one the checkout showed).
        """
        if not self._bo_snapshots:
            return {}
        return get_estimator().estimate_next(
            list(self._bo_snapshots.values()), today=self._bo_today
        )

    def create_line_models(
        self, order: Any, basket_line: Any, extra_line_fields: Any = None
    ) -> Any:
        order_line = super().create_line_models(order, basket_line, extra_line_fields)  # type: ignore[misc]
        self._bo_order_lines[basket_line.id] = order_line
        return order_line

    def update_stock_records(self, line: Any) -> None:
        if self._bo_waiting is None:
            self._read_customer_waiting(line)
        policy = self._bo_policies.get(line.id)
        tracked = line.product.get_product_class().track_stock
        if policy is None or not tracked or not policy.allows_backorders:
            super().update_stock_records(line)  # type: ignore[misc]
        else:
            self._allocate_line(line, policy)
        self._bo_remaining.discard(line.id)
        if not self._bo_remaining:
            self._write_backorder_lines()

    def _read_customer_waiting(self, line: Any) -> None:
        """Before the first stock record is locked: lock the customer and read what they have
        waiting, when a line's policy limits each customer's backordered units."""
        self._bo_waiting = {}
        if not any(
            policy.allows_backorders and policy.customer_cap is not None
            for policy in self._bo_policies.values()
        ):
            return
        order_line = self._bo_order_lines.get(line.id)
        order = getattr(order_line, "order", None)
        if order is None:
            return
        self._bo_customer = customer_of(user_id=order.user_id, email=order.guest_email)
        if self._bo_customer is None:  # a guest without an email: only the order limit applies
            return
        lock_customer(self._bo_customer.key)
        self._bo_waiting = waiting_units(self._bo_customer, self._bo_limited)

    def _check_limits(self, line: Any, policy: ResolvedPolicy, backordered: int) -> None:
        """Refuse the order when it backorders more of ``line``'s stock record than one order,
        or this customer (with what they have waiting), may."""
        stockrecord_id = line.stockrecord_id
        here = self._bo_backordered.get(stockrecord_id, 0) + backordered
        self._bo_backordered[stockrecord_id] = here
        checks = [(BackorderLimitExceeded.ORDER, policy.order_cap, 0)]
        if self._bo_customer is not None:
            waiting = (self._bo_waiting or {}).get(stockrecord_id, 0)
            checks.append((BackorderLimitExceeded.CUSTOMER, policy.customer_cap, waiting))
        for limit, cap, waiting in checks:
            if cap is not None and waiting + here > cap:
                line.stockrecord.num_allocated -= line.quantity  # as the rollback leaves it
                raise BackorderLimitExceeded(
                    product_title=line.product.get_title(),
                    requested=line.quantity,
                    orderable=line.quantity - (waiting + here - cap),
                    limit=limit,
                    cap=cap,
                    backordered=here,
                    waiting=waiting,
                )

    def _allocate_line(self, line: Any, policy: ResolvedPolicy) -> None:
        stockrecord = line.stockrecord
        if not allocate_within_cap(stockrecord, line.quantity, policy.cap):
            raise BackorderCapExceeded(
                product_title=line.product.get_title(),
                requested=line.quantity,
                orderable=stockrecord.net_stock_level + (policy.cap or 0),
            )
        preorder = policy.effective_mode(self._bo_today) == PolicyMode.PREORDER
        split = split_allocation(
            quantity=line.quantity, net_stock_after=stockrecord.net_stock_level, preorder=preorder
        )
        if split.backordered and policy.limits_customers:
            self._check_limits(line, policy, split.backordered)
        if split.backordered:
            self._bo_snapshots.setdefault(
                stockrecord.pk,
                StockSnapshot(
                    stockrecord.pk,
                    stockrecord.net_stock_level + line.quantity,
                    policy,
                    split.backordered,
                ),
            )
            # A pre-order of units that were on the shelf has them reserved already: they are
            # allocated and ship on the release date.
            free_before = max(stockrecord.net_stock_level + line.quantity, 0)
            reserved = min(free_before, split.backordered) if preorder else 0
            self._bo_pending.append((line, split, reserved, preorder))

    def _write_backorder_lines(self) -> None:
        if not self._bo_pending:
            return
        BackorderLine = get_model("oscar_backorders", "BackorderLine")
        BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
        estimates = self._promised_estimates()
        confidence = float(backorder_settings.PROMISE_CONFIDENCE)
        rows = []
        for basket_line, split, reserved, preorder in self._bo_pending:
            order_line = self._bo_order_lines[basket_line.id]
            estimate = estimates[basket_line.stockrecord_id]
            rows.append(
                BackorderLine(
                    order=order_line.order,
                    line=order_line,
                    stockrecord_id=basket_line.stockrecord_id,
                    quantity=split.backordered,
                    quantity_allocated=reserved,
                    status="allocated" if reserved == split.backordered else "waiting",
                    is_preorder=preorder,
                    promised_date=estimate.day,
                    estimated_date=estimate.day,
                    estimate_source=estimate.source,
                    likely_date=estimate.likely or estimate.day,
                    miss_risk=None if estimate.chance is None else round(1 - estimate.chance, 2),
                    promise_confidence=None if estimate.chance is None else confidence,
                )
            )
        created = BackorderLine._default_manager.bulk_create(rows)
        if created and created[0].pk is None:  # backends that return no ids
            created = list(
                BackorderLine._default_manager.filter(order=rows[0].order).order_by("pk")
            )
        BackorderEvent._default_manager.bulk_create(
            BackorderEvent(
                backorder_line=row,
                kind=BackorderEventKind.PLACED,
                quantity=row.quantity,
                new_date=row.estimated_date,
                reason="checkout",
            )
            for row in created
        )
        order = rows[0].order
        transaction.on_commit(
            lambda: signals.backorder_placed.send(
                sender=BackorderLine, order=order, backorder_lines=created
            )
        )
        self._bo_pending = []


def promised_date_for(order: Any) -> date | None:
    """The latest date promised for any backordered line of ``order`` (``None``: none)."""
    dates = [bl.promised_date for bl in order.backorder_lines.all()]
    return max(dates) if dates else None
