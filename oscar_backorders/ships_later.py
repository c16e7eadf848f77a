"""What the "ships later" page lists, and in which order.

Products that can be ordered now but ship later (backorder or pre-order), found in one query
(:func:`ships_later_product_ids`), then dated by the request's strategy in a fixed few queries
(:func:`ships_later_rows`) so the page can sort by ship date, title or price. The view caches the
rows under :func:`rows_cache_key` (shared by every visitor whose prices are the same); the tiles
of a page show their live dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.app_settings import backorder_settings

SHIP_DATE = "ship-date"
TITLE_A_TO_Z = "title-asc"
TITLE_Z_TO_A = "title-desc"
PRICE_LOW_TO_HIGH = "price-asc"
PRICE_HIGH_TO_LOW = "price-desc"


@dataclass(frozen=True, slots=True)
class Row:
    """One product of the list, with what it is sorted by."""

    pk: int
    ships: date | None
    title: str
    price: Decimal | None


#: The orders the page offers, by their ``?sort_by=`` value (Oscar's own values for title
#: and price, as on its category pages).
SORTS: dict[str, Any] = {
    SHIP_DATE: _("Ships soonest"),
    TITLE_A_TO_Z: _("Title A to Z"),
    TITLE_Z_TO_A: _("Title Z to A"),
    PRICE_LOW_TO_HIGH: _("Price low to high"),
    PRICE_HIGH_TO_LOW: _("Price high to low"),
}


class ShipsLaterSortForm(forms.Form):
    """``?sort_by=``: one of :data:`SORTS`; missing means soonest ship date first."""

    sort_by = forms.ChoiceField(
        label=_("Sort by"),
        choices=list(SORTS.items()),
        required=False,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a way this list can be sorted; "
                "it is shown soonest ship date first."
            )
        },
    )

    def sort(self) -> str:
        """The chosen order, or :data:`SHIP_DATE` when none or an unknown one was asked for."""
        if self.is_valid() and self.cleaned_data["sort_by"]:
            return self.cleaned_data["sort_by"]
        return SHIP_DATE


def sorted_rows(rows: list[Row], sort: str) -> list[Row]:
    """``rows`` in the order ``sort`` (a key of :data:`SORTS`) names; rows without a date or a
    price come last, and the product id breaks ties so pages never overlap."""
    if sort == SHIP_DATE:
        return sorted(rows, key=lambda r: (r.ships is None, r.ships or date.max, r.pk))
    if sort in (TITLE_A_TO_Z, TITLE_Z_TO_A):
        ordered = sorted(rows, key=lambda r: r.pk)
        return sorted(ordered, key=lambda r: r.title.casefold(), reverse=sort == TITLE_Z_TO_A)
    if sort in (PRICE_LOW_TO_HIGH, PRICE_HIGH_TO_LOW):
        sign = -1 if sort == PRICE_HIGH_TO_LOW else 1
        priced = sorted(
            (r for r in rows if r.price is not None), key=lambda r: (sign * r.price, r.pk)
        )
        return priced + sorted((r for r in rows if r.price is None), key=lambda r: r.pk)
    raise ValueError(f"sort must be one of {tuple(SORTS)}, not {sort!r}")


def ships_later_product_ids(today: date) -> list[int]:
    """Public products that can be ordered now but ship later (backorder or pre-order).

    Resolves each stock record's policy (its own, else its partner's, else the shop default) in
    the database, so the whole catalogue costs one query; the caller caches the result.
    """
    StockRecord = get_model("partner", "StockRecord")
    allowed = [PolicyMode.BACKORDER, PolicyMode.PREORDER]
    record_unset = Q(backorder_policy__isnull=True) | Q(backorder_policy__mode=PolicyMode.INHERIT)
    partner_unset = Q(partner__backorder_policy__isnull=True) | Q(
        partner__backorder_policy__mode=PolicyMode.INHERIT
    )
    sells_later = Q(backorder_policy__mode__in=allowed) | (
        record_unset & Q(partner__backorder_policy__mode__in=allowed)
    )
    if backorder_settings.DEFAULT_MODE in allowed:
        sells_later |= record_unset & partner_unset
    preorder = Q(backorder_policy__mode=PolicyMode.PREORDER) | (
        record_unset & Q(partner__backorder_policy__mode=PolicyMode.PREORDER)
    )
    net_stock = F("num_in_stock") - Coalesce(F("num_allocated"), Value(0))
    tracked = Q(product__product_class__track_stock=True) | Q(
        product__product_class__isnull=True, product__parent__product_class__track_stock=True
    )
    rows = (
        StockRecord._default_manager.alias(net=net_stock)
        .filter(sells_later, tracked, product__is_public=True)
        .filter(Q(net__lte=0) | (preorder & Q(backorder_policy__release_date__gt=today)))
        .order_by("product__title", "product_id")
        .values_list("product_id", flat=True)
    )
    return list(dict.fromkeys(rows))  # distinct, order kept


def load_products(ids: list[int]) -> list[Any]:
    """The products of ``ids`` in that order, with what a tile reads (Oscar's list queryset)."""
    Product = get_model("catalogue", "Product")
    products = Product._default_manager.base_queryset().filter(pk__in=list(ids))
    by_id = {p.pk: p for p in products.select_related("parent__product_class")}
    return [by_id[pk] for pk in ids if pk in by_id]


def _defined_by(cls: type, name: str) -> str:
    """The module of the class in ``cls``'s MRO that defines attribute ``name``."""
    owner = next((k for k in cls.__mro__ if name in vars(k)), None)
    return owner.__module__ if owner is not None else ""


def prices_vary_by_customer(strategy: Any) -> bool:
    """Whether ``strategy``'s prices may differ from one customer to another.

    Oscar's own pricing policies price a stock record the same for everyone; a strategy whose
    ``pricing_policy`` or ``parent_pricing_policy`` is the shop's own may not.
    """
    cls = type(strategy)
    return any(
        not _defined_by(cls, name).startswith("oscar.apps.partner.")
        for name in ("pricing_policy", "parent_pricing_policy")
    )


def rows_cache_key(strategy: Any, today: date) -> str:
    """The cache key of the rows priced by ``strategy`` on ``today``.

    A strategy may say who shares its prices with a ``backorders_price_group()`` method (a
    string: customer group, currency…). Otherwise visitors share the rows when their strategy
    prices with Oscar's own policies, and each signed-in customer has their own when the shop's
    pricing is its own (anonymous visitors share one).
    """
    cls = type(strategy)
    group = getattr(strategy, "backorders_price_group", None)
    if callable(group):
        who = f"group:{group()}"
    elif prices_vary_by_customer(strategy):
        user = getattr(strategy, "user", None)
        who = f"user:{user.pk}" if getattr(user, "is_authenticated", False) else "anonymous"
    else:
        who = "everyone"
    return f"oscar_backorders:ships_later:rows:{today.isoformat()}:{cls.__module__}.{cls.__qualname__}:{who}"


def ships_later_rows(strategy: Any, ids: list[int]) -> list[Row]:
    """The products of ``ids`` the ``strategy`` says ship later, with date, title and price.

    A fixed few queries however many products: they are loaded together and dated in one
    estimator call (``Backorders.prepare_product_list``).
    """
    products = load_products(ids)
    if hasattr(strategy, "prepare_product_list"):
        strategy.prepare_product_list(products)
    rows = []
    for product in products:
        info = strategy.fetch_for_product(product)
        if getattr(info.availability, "code", "") not in ("backorder", "preorder"):
            continue
        price = info.price.incl_tax if info.price.is_tax_known else info.price.excl_tax
        rows.append(Row(product.pk, info.availability.dispatch_date, product.get_title(), price))
    return rows
