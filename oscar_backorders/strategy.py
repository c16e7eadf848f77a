"""Strategy mixins that let Oscar sell beyond stock.

Shops compose :class:`Backorders` into their own strategy in place of Oscar's ``StockRequired``::

    class Default(UseFirstStockRecord, Backorders, NoTax, Structured): ...

or use :class:`Default` / :class:`Selector` here, or let ``oscar_backorders.loading`` put the
mixin in front of whatever strategy the shop's ``Selector`` returns (the zero-fork route).
Stock records with no backorder policy get Oscar's own ``StockRequired`` availability, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone
from oscar.apps.partner import strategy as oscar_strategy
from oscar.core.loading import get_class, get_model

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.availability import BackorderAvailability, BackorderLineAvailability
from oscar_backorders.customer_limits import backorder_room, customer_of_request, waiting_units
from oscar_backorders.estimates.base import Estimate, StockSnapshot, get_estimator
from oscar_backorders.policy import PolicyCache

Unavailable = get_class("partner.availability", "Unavailable")
Available = get_class("partner.availability", "Available")
StockRequiredAvailability = get_class("partner.availability", "StockRequired")


class Backorders:
    """Availability mixin for ``Structured`` strategies: backorders and pre-orders per policy.

    Policies and estimates are memoised on the strategy instance (one per request); a basket
    warms them for all its lines with one query, so the cost does not grow with the lines.
    """

    def _backorder_state(self) -> tuple[PolicyCache, dict[tuple[int, int], Estimate], date]:
        state = self.__dict__.get("_backorder_state_")
        if state is None:
            state = (PolicyCache(skip_when_none_exist=True), {}, timezone.localdate())
            self.__dict__["_backorder_state_"] = state
        return state

    @property
    def backorder_policies(self) -> PolicyCache:
        return self._backorder_state()[0]

    def warm_backorder_policies(self, stockrecords: Iterable[Any]) -> None:
        """Load the policies of ``stockrecords`` in one query (call before a loop over them)."""
        self.backorder_policies.warm(stockrecords)

    def _estimate_for(self, stockrecord: Any, units: int = 1) -> Estimate:
        """The promise for ``units`` backordered units of ``stockrecord`` bought now."""
        policies, estimates, today = self._backorder_state()
        if (stockrecord.pk, units) not in estimates:
            # Date every stock record seen so far in one call, so an estimator that queries
            # (inbound supply) does so once per page rather than once per line: one unit of
            # each for the product pages, each basket line's own quantity for the basket.
            wanted = self.__dict__.get("_backorder_wanted_", {})
            pending = [
                StockSnapshot(sr.pk, sr.net_stock_level, policies.get(sr), quantity)
                for sr in self._backorder_records.values()
                for quantity in ({units} if sr.pk == stockrecord.pk else set())
                | ({1} if units == 1 else wanted.get(sr.pk, set()))
                if (sr.pk, quantity) not in estimates and policies.get(sr).allows_backorders
            ]
            while pending:  # one call per page, unless a stock record is asked two quantities
                batch = list({snapshot.stockrecord_id: snapshot for snapshot in pending}.values())
                found = get_estimator().estimate_next(batch, today=today)
                estimates.update(
                    {(s.stockrecord_id, s.quantity): found[s.stockrecord_id] for s in batch}
                )
                pending = [snapshot for snapshot in pending if snapshot not in batch]
        return estimates[(stockrecord.pk, units)]

    @property
    def _backorder_records(self) -> dict[int, Any]:
        return self.__dict__.setdefault("_backorder_records_", {})

    def availability_policy(self, product: Any, stockrecord: Any) -> Any:
        if not stockrecord:
            return Unavailable()
        if not product.get_product_class().track_stock:
            return Available()
        policy = self.backorder_policies.get(stockrecord)
        if policy.mode == PolicyMode.OFF:
            return StockRequiredAvailability(stockrecord.net_stock_level)
        self._backorder_records[stockrecord.pk] = stockrecord
        waiting = self._customer_waiting(policy, stockrecord)
        return BackorderAvailability(
            net_stock=stockrecord.net_stock_level,
            policy=policy,
            estimate=lambda units: self._estimate_for(stockrecord, units),
            today=self._backorder_state()[2],
            room=backorder_room(policy, waiting) if policy.limits_customers else None,
            waiting=waiting or 0,
        )

    def _customer_waiting(self, policy: Any, stockrecord: Any) -> int | None:
        """Units the customer has waiting for ``stockrecord`` when its policy limits them
        (``None``: no limit per customer, or the customer is unknown). The customer's waiting
        units of every stock record are read once per request, on the first such product."""
        if policy.customer_cap is None:
            return None
        if "_backorder_waiting_" not in self.__dict__:
            customer = customer_of_request(getattr(self, "request", None))
            self.__dict__["_backorder_waiting_"] = (
                None if customer is None else waiting_units(customer)
            )
        waiting = self.__dict__["_backorder_waiting_"]
        return None if waiting is None else waiting.get(stockrecord.pk, 0)

    def parent_availability_policy(self, product: Any, children_stock: Any) -> Any:
        self.warm_backorder_policies(sr for _, sr in children_stock)
        for child, stockrecord in children_stock:
            if self.availability_policy(child, stockrecord).is_available_to_buy:
                return Available()
        return Unavailable()

    def fetch_for_product(self, product: Any, stockrecord: Any = None) -> Any:
        info = super().fetch_for_product(product, stockrecord)  # type: ignore[misc]
        if stockrecord is None:
            self.__dict__.setdefault("_backorder_infos_", {})[product.pk] = info
        return info

    def shown_purchase_info(self, product: Any) -> Any:
        """The purchase info this request already fetched for ``product`` (or fetch it).

        The plugin's template additions read what Oscar's own template tags fetched for the
        same product on the same page, instead of selecting its stock record again.
        """
        shown = self.__dict__.get("_backorder_infos_", {}).get(product.pk)
        return shown if shown is not None else self.fetch_for_product(product)

    def fetched_purchase_info(self, product: Any) -> Any | None:
        """The purchase info this request already fetched for ``product``; never fetches."""
        return self.__dict__.get("_backorder_infos_", {}).get(getattr(product, "pk", None))

    def prepare_product_list(self, products: Iterable[Any]) -> None:
        """Ready a page of product tiles to show backorder dates at a fixed cost.

        One query finds the stock records of the products not already prefetched, one loads
        their policies (as the first tile would anyway), one prefetches the stock records of the
        products sold beyond stock. Their purchase infos are then fetched together, so the first
        tile that shows a date dates every tile of the page in one estimator call. Products with
        no backorder policy are left to Oscar's own per-tile path, and a shop with no policy
        anywhere pays nothing.
        """
        items = [p for p in products if p is not None and not getattr(p, "is_parent", False)]
        if not items or self.backorder_policies.none_exist():
            return
        prefetched = [p for p in items if "stockrecords" in _prefetched(p)]
        others = {p.pk: p for p in items if "stockrecords" not in _prefetched(p)}
        records = [sr for p in prefetched for sr in p.stockrecords.all()]
        if others:
            StockRecord = get_model("partner", "StockRecord")
            records += list(
                StockRecord._default_manager.filter(product_id__in=list(others)).only(
                    "id", "product_id", "partner_id"
                )
            )
        self.warm_backorder_policies(records)
        policies = self.backorder_policies
        sells_later = {sr.product_id for sr in records if policies.get(sr).allows_backorders}
        if not sells_later:
            return
        prefetch_related_objects(
            [p for pk, p in others.items() if pk in sells_later], "stockrecords"
        )
        for product in items:
            if product.pk in sells_later:
                self.fetch_for_product(product)

    def fetch_for_line(self, line: Any, stockrecord: Any = None) -> Any:
        basket = getattr(line, "basket", None)
        if basket is not None and basket.id:
            self._prepare_basket(basket)
        if _reuses_line_stockrecord(type(self)):
            # Oscar's own fetch_for_line selects the product's first stock record again, one
            # query per line each time a line's price or availability is read (the basket page
            # does it twice per line, placement three times). The line holds the stock record
            # that same rule chose when the product was added, the one placement allocates:
            # price and judge the line by it. ``Line.purchase_info`` passes the one the basket
            # loaded with its lines; asked without one (a template tag, Oscar's
            # ``check_basket_is_valid``), it is read afresh, as Oscar does.
            if stockrecord is None:
                stockrecord = self._fresh_stockrecord(line)
            info = self.fetch_for_product(line.product, stockrecord)
        else:
            info = super().fetch_for_line(line, stockrecord)  # type: ignore[misc]
        if isinstance(info.availability, BackorderAvailability):
            # A line's message speaks of its quantity: "2 ship now, 3 backordered — ships by …".
            info = info._replace(availability=BackorderLineAvailability(info.availability, line))
        return info

    def _fresh_stockrecord(self, line: Any) -> Any:
        """``line``'s stock record read afresh: one query for all the basket's lines per pass.

        A pass ends when a line is asked for again (the next loop over the basket, or a change
        to the stock in between, as in a second ``check_basket_is_valid``): the records of every
        line are then read again. ``None`` when the record is gone (Oscar then selects one).
        """
        fresh = self.__dict__.setdefault("_backorder_fresh_", {"served": set(), "records": {}})
        key = line.pk or id(line)
        if key in fresh["served"] or line.stockrecord_id not in fresh["records"]:
            basket = getattr(line, "basket", None)
            lines = basket.all_lines() if basket is not None and basket.id else []
            ids = {other.stockrecord_id for other in lines} | {line.stockrecord_id}
            StockRecord = get_model("partner", "StockRecord")
            fresh["records"] = StockRecord._default_manager.in_bulk(ids)
            fresh["served"] = set()
        fresh["served"].add(key)
        record = fresh["records"].get(line.stockrecord_id)
        if record is not None and record.product_id == line.product_id:
            record.product = line.product  # as Oscar's product.stockrecords would give it
        return record

    def _prepare_basket(self, basket: Any) -> None:
        """Load what pricing every line of ``basket`` needs, in a query or two for all of them:
        the policies of their stock records and their products' classes (which Oscar's
        availability reads per line, ``product.get_product_class().track_stock``)."""
        lines = basket.all_lines()  # cached by the basket: the instances the pages render
        if self.__dict__.get("_backorder_prepared_lines_") is lines:
            return
        self.__dict__["_backorder_prepared_lines_"] = lines
        self.warm_backorder_policies(line.stockrecord for line in lines)
        # What each line backorders: their promises are dated together, once per page.
        wanted = self.__dict__.setdefault("_backorder_wanted_", {})
        for line in lines:
            if line.stockrecord_id and line.stockrecord is not None:
                beyond = (line.quantity or 0) - max(line.stockrecord.net_stock_level, 0)
                if beyond > 1:
                    wanted.setdefault(line.stockrecord_id, set()).add(beyond)
        products = [line.product for line in lines]
        prefetch_related_objects([p for p in products if not p.is_child], "product_class")
        prefetch_related_objects([p for p in products if p.is_child], "parent__product_class")


def _prefetched(instance: Any) -> dict[str, Any]:
    return getattr(instance, "_prefetched_objects_cache", {})


@cache
def _reuses_line_stockrecord(strategy_class: type) -> bool:
    """Whether ``strategy_class`` prices a basket line exactly as Oscar's ``Base`` does (the
    product's first stock record), so the line's own stock record is the same choice.

    A strategy with its own ``fetch_for_line`` (bundles, line options) or its own
    ``select_stockrecord`` (cheapest partner, the customer's country) keeps Oscar's behaviour.
    """
    mro = strategy_class.__mro__
    after = mro[mro.index(Backorders) + 1 :] if Backorders in mro else mro
    owner = next((cls for cls in after if "fetch_for_line" in cls.__dict__), None)
    return (
        owner is oscar_strategy.Base
        and getattr(strategy_class, "select_stockrecord", None)
        is oscar_strategy.UseFirstStockRecord.select_stockrecord
    )


class Default(
    oscar_strategy.UseFirstStockRecord,
    Backorders,
    oscar_strategy.NoTax,
    oscar_strategy.Structured,
):
    """Oscar's ``Default`` strategy with backorders instead of ``StockRequired``."""


class Selector(oscar_strategy.Selector):
    def strategy(self, request: Any = None, user: Any = None, **kwargs: Any) -> Any:
        return Default(request)


@cache
def with_backorders(strategy_class: type) -> type:
    """``strategy_class`` with :class:`Backorders` in front (cached, so identity is stable)."""
    if issubclass(strategy_class, Backorders):
        return strategy_class
    return type(f"Backorder{strategy_class.__name__}", (Backorders, strategy_class), {})


def add_backorders(strategy: Any) -> Any:
    """Give an existing strategy instance the backorder availability policy."""
    if isinstance(strategy, oscar_strategy.Structured) and not isinstance(strategy, Backorders):
        strategy.__class__ = with_backorders(type(strategy))
    return strategy


class BackorderSelectorMixin:
    """Selector mixin: whatever strategy the shop's selector returns gains backorders."""

    def strategy(self, request: Any = None, user: Any = None, **kwargs: Any) -> Any:
        return add_backorders(super().strategy(request=request, user=user, **kwargs))  # type: ignore[misc]
