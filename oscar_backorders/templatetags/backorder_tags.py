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
from django.db.models import prefetch_related_objects
from django.utils.translation import ngettext

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.formatting import order_date as format_order_date
from oscar_backorders.formatting import ship_date as format_ship_date
from oscar_backorders.payments.money import OrderMoney, order_money
from oscar_backorders.payments.wording import after_checkout

register = template.Library()


@dataclass(frozen=True, slots=True)
class LineState:
    """Where the units of one order line are, as a customer should read it."""

    line: Any
    quantity: int
    from_stock: int
    waiting: int = 0
    allocated: int = 0
    shipped: int = 0
    cancelled: int = 0
    estimated_date: date | None = None
    promised_date: date | None = None
    is_preorder: bool = False
    backorder_id: int | None = None

    @classmethod
    def of(cls, line: Any) -> LineState:
        backorder = _backorder_of(line)
        if backorder is None:
            return cls(line=line, quantity=line.quantity, from_stock=line.quantity)
        return cls(
            line=line,
            quantity=line.quantity,
            from_stock=max(line.quantity - backorder.quantity, 0),
            waiting=backorder.quantity_waiting,
            allocated=backorder.quantity_allocated,
            shipped=backorder.quantity_shipped,
            cancelled=backorder.quantity_cancelled,
            estimated_date=backorder.estimated_date,
            promised_date=backorder.promised_date,
            is_preorder=backorder.is_preorder,
            backorder_id=backorder.pk,
        )

    @property
    def is_backordered(self) -> bool:
        return self.backorder_id is not None

    @property
    def backordered(self) -> int:
        return self.waiting + self.allocated + self.shipped + self.cancelled

    @property
    def is_open(self) -> bool:
        """Some backordered units have neither shipped nor been cancelled."""
        return self.waiting + self.allocated > 0

    @property
    def can_cancel(self) -> bool:
        """The customer may still cancel the units that wait for stock."""
        return self.waiting > 0

    @property
    def is_delayed(self) -> bool:
        return bool(
            self.is_open
            and self.estimated_date
            and self.promised_date
            and self.estimated_date > self.promised_date
        )

    @property
    def estimate_text(self) -> str:
        return format_order_date(self.estimated_date)

    @property
    def parts(self) -> list[str]:
        """One short phrase per state that has units, in the order units move through them."""
        parts = []
        if self.from_stock:
            parts.append(
                ngettext("%(count)d from stock", "%(count)d from stock", self.from_stock)
                % {"count": self.from_stock}
            )
        if self.waiting:
            if self.is_preorder:
                text = ngettext(
                    "%(count)d pre-ordered — ships on release, %(date)s",
                    "%(count)d pre-ordered — ships on release, %(date)s",
                    self.waiting,
                )
            else:
                text = ngettext(
                    "%(count)d waiting for stock — ships by %(date)s",
                    "%(count)d waiting for stock — ships by %(date)s",
                    self.waiting,
                )
            parts.append(text % {"count": self.waiting, "date": self.estimate_text})
        if self.allocated:
            parts.append(
                ngettext("%(count)d ready to ship", "%(count)d ready to ship", self.allocated)
                % {"count": self.allocated}
            )
        if self.shipped:
            parts.append(
                ngettext(
                    "%(count)d shipped separately", "%(count)d shipped separately", self.shipped
                )
                % {"count": self.shipped}
            )
        if self.cancelled:
            parts.append(
                ngettext("%(count)d cancelled", "%(count)d cancelled", self.cancelled)
                % {"count": self.cancelled}
            )
        return parts

    @property
    def message(self) -> str:
        return "; ".join(self.parts)

    @property
    def later_message(self) -> str:
        """What ships later, for the confirmation: "2 of 5 on backorder — ships by 8 Dec"."""
        if not self.is_backordered:
            return ""
        if self.is_preorder:
            text = ngettext(
                "%(count)d of %(total)d pre-ordered — ships on release, %(date)s",
                "%(count)d of %(total)d pre-ordered — ships on release, %(date)s",
                self.backordered,
            )
        else:
            text = ngettext(
                "%(count)d of %(total)d on backorder — ships by %(date)s",
                "%(count)d of %(total)d on backorder — ships by %(date)s",
                self.backordered,
            )
        return text % {
            "count": self.backordered,
            "total": self.quantity,
            "date": self.estimate_text,
        }


@dataclass(frozen=True, slots=True)
class OrderBackorders:
    """What of one order is still to come, for the order history list.

    ``waiting`` counts backordered units waiting for stock, ``preordered`` pre-ordered units
    waiting for their release: a pre-order is not "waiting for stock" to the customer.
    """

    order: Any
    waiting: int
    allocated: int
    latest_estimate: date | None
    preordered: int = 0
    latest_release: date | None = None

    @property
    def message(self) -> str:
        parts = []
        if self.waiting:
            parts.append(
                ngettext(
                    "%(count)d item waiting for stock — ships by %(date)s",
                    "%(count)d items waiting for stock — ships by %(date)s",
                    self.waiting,
                )
                % {"count": self.waiting, "date": format_order_date(self.latest_estimate)}
            )
        if self.preordered:
            parts.append(
                ngettext(
                    "%(count)d item pre-ordered — ships on release, %(date)s",
                    "%(count)d items pre-ordered — ship on release, %(date)s",
                    self.preordered,
                )
                % {"count": self.preordered, "date": format_order_date(self.latest_release)}
            )
        if self.allocated:
            parts.append(
                ngettext(
                    "%(count)d item ready to ship",
                    "%(count)d items ready to ship",
                    self.allocated,
                )
                % {"count": self.allocated}
            )
        return "; ".join(parts)


def _backorder_of(line: Any) -> Any | None:
    try:
        return line.backorder
    except Exception:  # RelatedObjectDoesNotExist of whichever BackorderLine model is installed
        return None


def order_line_states(order: Any) -> list[LineState]:
    """The state of every line of ``order``: two queries at most, whatever the number of lines."""
    if order is None or not getattr(order, "pk", None):
        return []
    prefetch_related_objects([order], "lines__backorder")
    return [LineState.of(line) for line in order.lines.all()]


def orders_backorders(orders: Iterable[Any]) -> list[OrderBackorders]:
    """Open backorders of each order in ``orders`` that has any: one query for all of them."""
    orders = [o for o in orders if getattr(o, "pk", None)]
    if not orders:
        return []
    prefetch_related_objects(orders, "backorder_lines")
    result = []
    for order in orders:
        open_lines = [
            bl for bl in order.backorder_lines.all() if bl.quantity_waiting + bl.quantity_allocated
        ]
        if not open_lines:
            continue
        waiting = [bl for bl in open_lines if bl.quantity_waiting and not bl.is_preorder]
        preordered = [bl for bl in open_lines if bl.quantity_waiting and bl.is_preorder]
        result.append(
            OrderBackorders(
                order=order,
                waiting=sum(bl.quantity_waiting for bl in waiting),
                allocated=sum(bl.quantity_allocated for bl in open_lines),
                latest_estimate=max((bl.estimated_date for bl in waiting), default=None),
                preordered=sum(bl.quantity_waiting for bl in preordered),
                latest_release=max((bl.estimated_date for bl in preordered), default=None),
            )
        )
    return result


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
