"""Basket lines are priced from their own stock record, with no query per line.

Oscar's ``Base.fetch_for_line`` selects the product's first stock record again each time a line's
price or availability is read; the plugin's strategy uses the one the line holds (the one
placement allocates) where that is the same rule, and leaves strategies with their own selection
alone.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.apps.partner import strategy as oscar_strategy
from oscar.core.loading import get_class, get_model
from oscar.test.factories import (
    PartnerFactory,
    ProductClassFactory,
    ProductFactory,
    StockRecordFactory,
)

from oscar_backorders.strategy import with_backorders
from tests.factories import stocked_product
from tests.helpers import basket_with

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")


def _fresh(basket, strategy):
    """The basket as the next request loads it: nothing cached on its lines."""
    basket = Basket.objects.get(pk=basket.pk)
    basket.strategy = strategy
    return basket


def _queries_to_price(basket):
    with CaptureQueriesContext(connection) as queries:
        lines = list(basket.all_lines())
        for line in lines:
            assert line.purchase_info.stockrecord is line.stockrecord
            line.purchase_info.availability.is_purchase_permitted(line.quantity)
        for line in lines:  # what Oscar's {% purchase_info_for_line %} tag asks
            assert basket.strategy.fetch_for_line(line).stockrecord == line.stockrecord
    return len(queries)


@pytest.mark.parametrize("policy", [None, "backorder"])
def test_pricing_a_basket_costs_the_same_queries_for_10_lines_as_for_1(policy, today):
    Selector = get_class("partner.strategy", "Selector")
    counts = []
    for size in (1, 10):
        products = [stocked_product(num_in_stock=5, mode=policy) for _ in range(size)]
        basket = basket_with(Selector().strategy(), *((p, 1) for p in products))
        counts.append(_queries_to_price(_fresh(basket, Selector().strategy())))
    assert counts[0] == counts[1]


def test_a_line_is_priced_from_the_stock_record_it_was_added_with(strategy, today):
    product = stocked_product(num_in_stock=5, mode=None, price=Decimal("10.00"))
    other = StockRecordFactory(
        product=product, partner=PartnerFactory(), price=Decimal("12.00"), num_in_stock=5
    )
    basket = basket_with(strategy)
    basket.lines.create(
        product=product, stockrecord=other, quantity=1, line_reference=f"{product.pk}_{other.pk}"
    )
    line = _fresh(basket, strategy).all_lines()[0]
    assert line.purchase_info.stockrecord == other  # the record placement allocates
    assert line.unit_price_incl_tax == Decimal("12.00")


class LastStockRecord:
    def select_stockrecord(self, product):
        return product.stockrecords.order_by("-pk").first()


class ShopStrategy(LastStockRecord, oscar_strategy.NoTax, oscar_strategy.Structured):
    """A shop that chooses stock records its own way."""


class OwnLineStrategy(oscar_strategy.Default):
    """A shop that prices lines its own way (bundles, line options)."""

    def fetch_for_line(self, line, stockrecord=None):
        info = super().fetch_for_line(line, stockrecord)
        return info._replace(price=oscar_strategy.FixedPrice("GBP", Decimal("1.00"), Decimal(0)))


def test_a_strategy_that_selects_stock_records_its_own_way_keeps_its_choice(today):
    strategy = with_backorders(ShopStrategy)()
    product = stocked_product(num_in_stock=5, mode=None)
    first = product.stockrecords.get()
    basket = basket_with(strategy, (product, 1))
    newer = StockRecordFactory(product=product, partner=PartnerFactory(), num_in_stock=5)
    line = _fresh(basket, strategy).all_lines()[0]
    assert line.stockrecord == first
    assert line.purchase_info.stockrecord == newer


def test_a_strategy_with_its_own_fetch_for_line_is_still_called(today):
    strategy = with_backorders(OwnLineStrategy)()
    product = stocked_product(num_in_stock=5, mode=None)
    basket = basket_with(strategy, (product, 1))
    line = _fresh(basket, strategy).all_lines()[0]
    assert line.purchase_info.price.excl_tax == Decimal("1.00")


def test_variants_are_judged_by_their_parents_product_class(strategy, today):
    untracked = ProductClassFactory(track_stock=False)
    parent = ProductFactory(structure="parent", product_class=untracked, stockrecords=[])
    child = ProductFactory(
        structure="child", parent=parent, product_class=None, stockrecords=[], title="Small"
    )
    StockRecordFactory(product=child, num_in_stock=0, num_allocated=0)
    basket = basket_with(strategy)
    record = child.stockrecords.get()
    basket.lines.create(
        product=child, stockrecord=record, quantity=3, line_reference=f"{child.pk}_{record.pk}"
    )
    line = _fresh(basket, strategy).all_lines()[0]
    # Out of stock, but the class does not track stock: Oscar's "Available".
    assert line.purchase_info.availability.is_purchase_permitted(3)[0]


def test_a_line_asked_for_again_sees_stock_taken_since_the_basket_loaded(strategy, today):
    # Oscar's check_basket_is_valid asks the strategy without the line's stock record; Oscar
    # reads it afresh there, and so does the plugin (once per pass over the basket).
    product = stocked_product(num_in_stock=10, mode=None)
    basket = _fresh(basket_with(strategy, (product, 1)), strategy)
    line = basket.all_lines()[0]
    assert strategy.fetch_for_line(line).availability.is_purchase_permitted(1)[0]
    product.stockrecords.get().allocate(10)
    assert not strategy.fetch_for_line(line).availability.is_purchase_permitted(1)[0]


def test_one_query_reads_every_lines_stock_record_afresh_per_pass_over_the_basket(today):
    Selector = get_class("partner.strategy", "Selector")
    products = [stocked_product(num_in_stock=5, mode=None) for _ in range(6)]
    basket = _fresh(basket_with(Selector().strategy(), *((p, 1) for p in products)), None)
    strategy = Selector().strategy()
    basket.strategy = strategy
    lines = list(basket.all_lines())
    strategy.fetch_for_line(lines[0])  # policies, product classes: loaded once per basket
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            for line in lines:
                assert strategy.fetch_for_line(line).stockrecord == line.stockrecord
        assert len(queries) == 1
