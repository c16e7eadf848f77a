import datetime as dt

import pytest
from django.utils import translation
from oscar.test.factories import create_product

from oscar_backorders.abstract_models import PolicyMode
from tests.factories import stocked_product
from tests.helpers import basket_with

pytestmark = pytest.mark.django_db


def info(strategy, product):
    return strategy.fetch_for_product(product)


def test_product_without_policy_behaves_as_plain_oscar(strategy, today):
    product = create_product(num_in_stock=0)
    availability = info(strategy, product).availability
    assert not availability.is_available_to_buy
    assert availability.message == "Unavailable"


def test_out_of_stock_backorderable_product_is_sold_with_a_ship_date(strategy, today):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    availability = info(strategy, product).availability
    assert availability.is_available_to_buy
    assert availability.code == "backorder"
    assert availability.dispatch_date == dt.date(2026, 12, 8)
    assert availability.message == "Available on backorder — ships by 8 Dec"
    assert availability.num_available is None


def test_partly_stocked_product_says_how_many_ship_now(strategy, today):
    product = stocked_product(num_in_stock=3, lead_time_days=10)
    availability = info(strategy, product).availability
    assert availability.message == "3 in stock — further units ship by 8 Dec"
    assert availability.dispatch_date is None
    assert availability.split(5) == (3, 2)
    assert availability.quantity_message(5) == "3 ship now, 2 backordered — ships by 8 Dec"


def test_cap_limits_what_one_purchase_may_take(strategy, today):
    product = stocked_product(num_in_stock=2, cap=5)
    availability = info(strategy, product).availability
    assert availability.num_available == 7
    assert availability.is_purchase_permitted(7) == (True, "")
    permitted, reason = availability.is_purchase_permitted(8)
    assert not permitted
    assert reason == "a maximum of 7 can be ordered"


def test_capped_product_says_how_many_are_left_to_order_when_few(strategy, today):
    product = stocked_product(num_in_stock=0, cap=5, lead_time_days=10)
    availability = info(strategy, product).availability
    assert availability.num_left_to_order == 5
    assert availability.message == "Available on backorder — ships by 8 Dec. Only 5 left to order"
    record = product.stockrecords.get()
    record.num_allocated = 4
    record.save()
    availability = info(strategy, product).availability
    assert availability.message == "Available on backorder — ships by 8 Dec. Only 1 left to order"


def test_capped_product_counts_stock_and_cap_in_what_is_left_to_order(strategy, today):
    availability = info(strategy, stocked_product(num_in_stock=2, cap=3)).availability
    assert availability.message.endswith(". Only 5 left to order")


def test_no_count_left_to_order_when_uncapped_or_many_are_left(strategy, today):
    uncapped = info(strategy, stocked_product(num_in_stock=0)).availability
    roomy = info(strategy, stocked_product(num_in_stock=0, cap=50)).availability
    for availability in (uncapped, roomy):
        assert availability.num_left_to_order is None
        assert "left to order" not in availability.message


def test_cap_used_up_makes_product_unavailable(strategy, today):
    product = stocked_product(num_in_stock=0, cap=5)
    record = product.stockrecords.get()
    record.num_allocated = 5
    record.save()
    availability = info(strategy, product).availability
    assert not availability.is_available_to_buy
    assert availability.message == "Unavailable"
    assert availability.num_left_to_order is None
    assert availability.is_purchase_permitted(1)[1] == (
        "no stock available and the backorder limit is reached"
    )


def test_zero_or_negative_quantity_is_refused(strategy, today):
    availability = info(strategy, stocked_product()).availability
    assert availability.is_purchase_permitted(0) == (False, "the quantity must be at least 1")
    assert availability.is_purchase_permitted(-2)[0] is False


def test_basket_line_may_keep_or_lower_its_quantity_when_asked_about_the_change(strategy, today):
    # Oscar's Basket.is_quantity_allowed(qty, line=line) passes the change in quantity:
    # 0 for a line left as it is, negative for a line lowered.
    product = stocked_product(num_in_stock=0, cap=5)
    basket = basket_with(strategy, (product, 3))
    availability = basket.all_lines()[0].purchase_info.availability
    assert availability.is_purchase_permitted(0) == (True, "")
    assert availability.is_purchase_permitted(-2) == (True, "")
    assert availability.is_purchase_permitted(5) == (True, "")
    assert availability.is_purchase_permitted(6) == (False, "a maximum of 5 can be ordered")
    assert basket.is_quantity_allowed(0, line=basket.all_lines()[0]) == (True, None)


def test_preorder_shows_release_date_and_backorders_every_unit(strategy, today):
    release = dt.date(2026, 12, 10)
    product = stocked_product(num_in_stock=4, mode=PolicyMode.PREORDER, release_date=release)
    availability = info(strategy, product).availability
    assert availability.code == "preorder"
    assert availability.message == "Pre-order — releases 10 Dec"
    assert availability.dispatch_date == release
    assert availability.split(2) == (0, 2)


def test_released_preorder_is_sold_like_a_backorder(strategy, today):
    product = stocked_product(
        num_in_stock=0, mode=PolicyMode.PREORDER, release_date=dt.date(2026, 11, 1)
    )
    assert info(strategy, product).availability.code == "backorder"


def test_dates_render_in_the_active_language(strategy, today):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    with translation.override("id"):
        message = info(strategy, product).availability.message
    assert "8 Des" in message


def test_partner_default_applies_to_its_stock_records(strategy, today):
    from tests.factories import BackorderPolicyFactory

    product = stocked_product(num_in_stock=0, mode=None)
    record = product.stockrecords.get()
    BackorderPolicyFactory(stockrecord=None, partner=record.partner, lead_time_days=5)
    assert info(strategy, product).availability.dispatch_date == dt.date(2026, 12, 1)


def _count_basket_queries(basket, strategy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    basket = type(basket).objects.get(pk=basket.pk)
    basket.strategy = strategy
    with CaptureQueriesContext(connection) as ctx:
        messages = [line.purchase_info.availability.message for line in basket.all_lines()]
    return len(ctx.captured_queries), messages


@pytest.mark.parametrize("num_lines", [1, 6])
def test_one_query_loads_policies_for_a_whole_basket(strategy, today, num_lines, settings):
    from oscar.apps.partner.strategy import Default as OscarDefault
    from oscar.test.factories import create_basket

    settings.BACKORDERS_ESTIMATOR = "oscar_backorders.estimates.lead_time.LeadTimeEstimator"
    basket = create_basket(empty=True)
    basket.strategy = strategy
    for _ in range(num_lines):
        basket.add_product(stocked_product(num_in_stock=1), 1)
    plain, _ = _count_basket_queries(basket, OscarDefault())
    ours, messages = _count_basket_queries(basket, type(strategy)())
    # One query for the policies; none per line (Oscar re-selects each line's stock record).
    assert ours <= plain + 1
    assert all(m == "In stock" for m in messages)  # each line of 1 ships from the shelf


def test_ship_date_a_customer_sees_skips_easter_when_the_shop_is_in_the_netherlands(settings):
    import time_machine
    from oscar.core.loading import get_class

    from tests.factories import stocked_product

    def dispatch_date():
        strategy = get_class("partner.strategy", "Selector")().strategy()
        return strategy.fetch_for_product(product).availability.dispatch_date

    # Thursday before Easter 2026: Good Friday 3 April, Easter Monday 6 April.
    with time_machine.travel(dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        product = stocked_product(num_in_stock=0, lead_time_days=1)
        assert dispatch_date() == dt.date(2026, 4, 3)
        settings.BACKORDERS_HOLIDAY_COUNTRY = "NL"
        assert dispatch_date() == dt.date(2026, 4, 7)
