"""Cap mode "only what inbound supply can fill" (BACKORDERS_CAP_TO_INBOUND)."""

import datetime as dt

import pytest

from oscar_backorders.exceptions import BackorderCapExceeded
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def capped(settings):
    settings.BACKORDERS_CAP_TO_INBOUND = True
    settings.BACKORDERS_INBOUND_ALLOWANCE = 1


def fresh_strategy():
    from oscar.core.loading import get_class

    return get_class("partner.strategy", "Selector")().strategy()


def test_backorders_are_limited_to_inbound_plus_allowance_when_cap_mode_is_on(capped, today):
    product = stocked_product(num_in_stock=2, cap=None)
    inbound(product.stockrecords.get(), 3, dt.date(2026, 12, 1))
    availability = fresh_strategy().fetch_for_product(product).availability
    assert availability.num_available == 2 + 3 + 1
    assert availability.is_purchase_permitted(6) == (True, "")
    assert availability.is_purchase_permitted(7) == (False, "a maximum of 6 can be ordered")


def test_nothing_inbound_means_only_the_allowance_and_a_clear_reason(capped, settings, today):
    settings.BACKORDERS_INBOUND_ALLOWANCE = 0
    product = stocked_product(num_in_stock=0)
    availability = fresh_strategy().fetch_for_product(product).availability
    assert availability.is_purchase_permitted(1) == (
        False,
        "no stock available and nothing more is expected from the supplier yet",
    )
    assert not availability.is_available_to_buy


def test_policy_cap_still_wins_when_it_is_lower(capped, today):
    product = stocked_product(num_in_stock=0, cap=2)
    inbound(product.stockrecords.get(), 10, dt.date(2026, 12, 1))
    assert fresh_strategy().fetch_for_product(product).availability.num_available == 2


def test_placement_enforces_the_inbound_cap_atomically(capped, today):
    product = stocked_product(num_in_stock=0)
    inbound(product.stockrecords.get(), 2, dt.date(2026, 12, 1))
    place(basket_with(fresh_strategy(), (product, 3)), number="1")  # 2 inbound + 1 allowance
    basket = basket_with(fresh_strategy(), (product, 1))
    with pytest.raises(BackorderCapExceeded, match="Only 0 of"):
        place(basket, number="2")


def test_cap_mode_off_ignores_inbound(today):
    product = stocked_product(num_in_stock=0)
    assert fresh_strategy().fetch_for_product(product).availability.num_available is None
