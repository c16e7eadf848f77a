"""Template tags that show a customer the backorder state of their orders.

Every tag that reads backordered lines batches: one query for a whole order (or a whole page of
orders), however many lines it has, and it reuses rows already prefetched. Oscar's templates are
extended by the plugin's own (``templates/oscar/…``); shops with their own theme place the same
information with these tags::

    {% load backorder_tags %}
    {% backorder_line_states order as states %}
    {% for state in states %}{{ state.line.title }}: {{ state.message }}{% endfor %}
    {{ some_date|ship_date }}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import template

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.formatting import order_date as format_order_date
from oscar_backorders.formatting import ship_date as format_ship_date
from oscar_backorders.line_states import (
    LineState,
    OrderBackorders,
    order_line_states,
    orders_backorders,
)
from oscar_backorders.payments.money import OrderMoney, order_money
from oscar_backorders.payments.wording import after_checkout

register = template.Library()


@register.simple_tag
def backorder_line_states(order: Any) -> list[LineState]:
    """``{% backorder_line_states order as states %}``: every line's :class:`LineState`."""
    return order_line_states(order)


@register.simple_tag
def backordered_line_states(order: Any) -> list[LineState]:
    """Like ``backorder_line_states`` but only the lines with a backordered part."""
    return [state for state in order_line_states(order) if state.is_backordered]


@register.simple_tag
def order_ships_now(order: Any) -> bool:
    """``{% order_ships_now order as ships_now %}``: some units of ``order`` ship from stock now.

    False when every line is backordered or pre-ordered, so a confirmation does not speak of
    "everything else" that ships now. Reuses the lines the other tags prefetched.
    """
    return any(state.from_stock for state in order_line_states(order))


@register.simple_tag
def orders_with_backorders(orders: Iterable[Any]) -> list[OrderBackorders]:
    """``{% orders_with_backorders orders as pending %}``: orders of a page still waiting."""
    return orders_backorders(orders or [])


@register.filter
def backorder_state(line: Any) -> LineState:
    """``{{ line|backorder_state }}``: one line's state (prefetch ``backorder`` on lists)."""
    return LineState.of(line)


@register.filter
def ship_date(day: date | None) -> str:
    """``{{ day|ship_date }}``: "8 Dec" in the active language (with the year if not this one),
    for product pages and the basket."""
    return format_ship_date(day)


@register.filter
def order_date(day: date | None) -> str:
    """``{{ day|order_date }}``: "8 Dec 2026" (Django's ``DATE_FORMAT`` in the active language),
    for anything about a placed order."""
    return format_order_date(day)


def ships_later(availability: Any) -> bool:
    """Whether ``availability`` is the plugin's and says the next unit ships later."""
    return getattr(availability, "code", "") in ("backorder", "preorder")


@register.filter(name="ships_later")
def ships_later_filter(availability: Any) -> bool:
    """``{% if session.availability|ships_later %}``."""
    return ships_later(availability)


def _ships_now(availability: Any) -> bool:
    return bool(availability.is_available_to_buy) and not ships_later(availability)


@dataclass(frozen=True, slots=True)
class Alternative:
    """A product to offer instead, as the page needs it (cached between requests)."""

    pk: int
    title: str
    url: str

    def get_title(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.url


@register.simple_tag(takes_context=True)
def backorder_alternatives(
    context: Any, product: Any, limit: int | None = None
) -> list[Alternative]:
    """``{% backorder_alternatives product as alternatives %}``: products that ship now instead.

    Oscar's recommended products first, then products of the same categories; only those the
    request's strategy says ship now. Two queries however many candidates, and none while the
    list is cached (``BACKORDERS_ALTERNATIVES_CACHE_SECONDS``, per product and language): a
    suggestion may be a few minutes old, the product's own page always tells the truth.
    """
    from django.core.cache import cache
    from django.utils.translation import get_language

    from oscar_backorders.app_settings import backorder_settings

    limit = backorder_settings.ALTERNATIVES_LIMIT if limit is None else limit
    request = context.get("request")
    strategy = getattr(request, "strategy", None)
    if not limit or strategy is None or product is None:
        return []
    key = f"oscar_backorders:alternatives:{product.pk}:{get_language()}:{limit}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    found = [
        Alternative(p.pk, p.get_title(), p.get_absolute_url())
        for p in _alternatives(strategy, product, limit)
    ]
    cache.set(key, found, backorder_settings.ALTERNATIVES_CACHE_SECONDS)
    return found


def _alternatives(strategy: Any, product: Any, limit: int) -> list[Any]:
    from django.db.models import Exists, F, OuterRef, Q, Subquery
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    ProductRecommendation = get_model("catalogue", "ProductRecommendation")
    ProductCategory = get_model("catalogue", "ProductCategory")
    base = product.parent if getattr(product, "parent_id", None) else product
    # One query for the candidates (plus one for their stock records): recommended products by
    # ranking, then public products sharing a category, best rated first.
    ranking = ProductRecommendation._default_manager.filter(
        primary=base, recommendation=OuterRef("pk")
    ).values("ranking")[:1]
    shares_category = ProductCategory._default_manager.filter(
        product=OuterRef("pk"),
        category__in=ProductCategory._default_manager.filter(product=base).values("category"),
    )
    ordered = list(
        Product._default_manager.filter(is_public=True)
        .exclude(pk=base.pk)
        .annotate(_ranking=Subquery(ranking), _shares=Exists(shares_category))
        .filter(Q(_ranking__isnull=False) | Q(_shares=True, parent__isnull=True))
        .order_by(F("_ranking").desc(nulls_last=True), F("rating").desc(nulls_last=True), "pk")
        .select_related("product_class")
        .prefetch_related("stockrecords")[: limit * 5]
    )
    if hasattr(strategy, "warm_backorder_policies"):
        strategy.warm_backorder_policies(sr for p in ordered for sr in p.stockrecords.all())
    result = []
    for candidate in ordered:
        if candidate.is_parent:
            continue
        if _ships_now(strategy.fetch_for_product(candidate).availability):
            result.append(candidate)
        if len(result) >= limit:
            break
    return result


@register.simple_tag
def shown_purchase_info(request: Any, product: Any) -> Any:
    """``purchase_info_for_product``, reusing what Oscar's tags fetched on this page."""
    strategy = request.strategy
    shown = getattr(strategy, "shown_purchase_info", None)
    return shown(product) if shown is not None else strategy.fetch_for_product(product)


#: Where :func:`order_money_tag` keeps its answer on the order instance it was given.
_MONEY_CACHE = "_backorders_order_money"


@register.simple_tag(name="order_money")
def order_money_tag(order: Any) -> OrderMoney | None:
    """``{% order_money order as money %}``: what the customer paid, has held and still owes.

    An :class:`OrderMoney` (one query), or ``None`` when pay-when-it-ships is off
    (``BACKORDERS_PAYMENT_GATEWAY`` unset: no query) or the plugin did not take this order's
    payment. Kept on the order instance, like a prefetch: the text and HTML of an email, or the
    sections of one page, read it once.
    """
    if not backorder_settings.PAYMENT_GATEWAY:
        return None
    try:
        return getattr(order, _MONEY_CACHE)
    except AttributeError:
        money = order_money(order)
        setattr(order, _MONEY_CACHE, money)
        return money


@register.simple_tag
def checkout_payment_words(money: OrderMoney | None) -> list[str]:
    """``{% checkout_payment_words money as sentences %}``: what the checkout did with the card,
    in plain words ("£30.00 authorised on your card; you are charged as items ship."); empty
    when ``money`` is ``None`` (the plugin did not take the payment)."""
    return after_checkout(money) if money is not None else []
