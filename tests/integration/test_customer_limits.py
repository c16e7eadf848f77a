"""A policy limits the units one order may backorder and one customer may have waiting.

Placement enforces both through Oscar's ``OrderCreator`` (the concurrent case is in
``test_concurrency.py``); the strategy shows them to the customer it was made for.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.customer_limits import Customer, backorder_room, waiting_units
from oscar_backorders.exceptions import BackorderCapExceeded, BackorderLimitExceeded
from oscar_backorders.policy import ResolvedPolicy
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
CustomerLock = get_model("oscar_backorders", "CustomerLock")
Selector = get_class("partner.strategy", "Selector")


def strategy_for(user=None, guest_email=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    if guest_email:
        request.session["checkout_data"] = {"guest": {"email": guest_email}}
    return Selector().strategy(request=request, user=request.user)


def order_for(user, product, quantity, number, strategy=None):
    strategy = strategy or strategy_for(user)
    return place(basket_with(strategy, (product, quantity), owner=user), number=number, user=user)


def guest_order(email, product, quantity, number, strategy):
    return place(basket_with(strategy, (product, quantity)), number=number, guest_email=email)


def test_order_beyond_the_limit_per_order_is_refused_and_nothing_is_written(strategy, today):
    product = stocked_product(num_in_stock=2, order_cap=3)
    user = UserFactory()
    with pytest.raises(BackorderLimitExceeded) as refused:
        order_for(user, product, 6, "1", strategy)
    error = refused.value
    assert isinstance(error, BackorderCapExceeded)  # the checkout's refusal, as for the cap
    assert (error.limit, error.cap, error.backordered, error.orderable) == ("order", 3, 4, 5)
    assert "At most 3 of" in str(error) and "in one order" in str(error)
    assert "Only 5 can be ordered now" in str(error)
    assert not Order.objects.exists()
    assert not BackorderLine.objects.exists()
    assert product.stockrecords.get().num_allocated == 0


def test_units_from_stock_do_not_count_when_an_order_takes_up_to_the_limit_per_order(
    strategy, today
):
    product = stocked_product(num_in_stock=2, order_cap=3)
    order = order_for(UserFactory(), product, 5, "1", strategy)
    assert order.lines.get().backorder.quantity == 3


def test_customer_beyond_the_limit_per_customer_is_refused_counting_units_still_waiting(
    strategy, today
):
    product = stocked_product(num_in_stock=0, customer_cap=4)
    user = UserFactory()
    order_for(user, product, 3, "1", strategy)
    with pytest.raises(BackorderLimitExceeded) as refused:
        order_for(user, product, 2, "2", strategy)
    error = refused.value
    assert (error.limit, error.cap, error.waiting, error.orderable) == ("customer", 4, 3, 1)
    assert "you have 3 waiting, so you can order at most 1 more on backorder" in str(error)
    assert list(Order.objects.values_list("number", flat=True)) == ["1"]
    assert BackorderLine.objects.count() == 1
    assert product.stockrecords.get().num_allocated == 3
    # Another customer is not limited by the first one's units.
    assert order_for(UserFactory(), product, 4, "3", strategy).lines.get().backorder.quantity == 4


def test_shipped_and_cancelled_units_leave_room_under_the_limit_per_customer(strategy, today):
    product = stocked_product(num_in_stock=0, customer_cap=4)
    user = UserFactory()
    line = order_for(user, product, 4, "1", strategy).lines.get().backorder
    services.cancel_units(line.pk, 1, reason="changed mind", by_customer=True)
    services.allocate_units(line.pk, 2, reason="stock arrived")
    services.record_shipment(line.pk, 1, reason="parcel")
    # 1 waiting + 1 allocated and not yet shipped still count; the shipped and cancelled do not.
    assert waiting_units(Customer(user_id=user.pk)) == {line.stockrecord_id: 2}
    assert order_for(user, product, 2, "2", strategy).lines.get().backorder.quantity == 2
    with pytest.raises(BackorderLimitExceeded):
        order_for(user, product, 1, "3", strategy)


def test_a_guest_is_counted_by_email_whatever_its_case(strategy, today):
    product = stocked_product(num_in_stock=0, customer_cap=2)
    guest_order(" Ann@Example.com", product, 2, "1", strategy)
    with pytest.raises(BackorderLimitExceeded) as refused:
        guest_order("ann@example.COM", product, 1, "2", strategy)
    assert refused.value.waiting == 2
    assert CustomerLock.objects.filter(key="email:ann@example.com").exists()
    # A different address is a different customer.
    assert guest_order("bob@example.com", product, 2, "3", strategy)


def test_units_from_stock_are_never_limited_and_one_lock_row_serves_a_customer(strategy, today):
    product = stocked_product(num_in_stock=10, customer_cap=1, order_cap=1)
    user = UserFactory()
    order_for(user, product, 5, "1", strategy)
    order_for(user, product, 5, "2", strategy)
    assert not BackorderLine.objects.exists()
    assert CustomerLock.objects.filter(key=f"user:{user.pk}").count() == 1


def test_refusal_for_the_stock_record_cap_comes_first_when_it_binds(strategy, today):
    product = stocked_product(num_in_stock=0, cap=2, customer_cap=5)
    with pytest.raises(BackorderCapExceeded) as refused:
        order_for(UserFactory(), product, 3, "1", strategy)
    assert not isinstance(refused.value, BackorderLimitExceeded)


def test_room_is_the_smaller_of_the_limits_left():
    policy = ResolvedPolicy(
        mode=PolicyMode.BACKORDER,
        cap=None,
        lead_time_days=1,
        release_date=None,
        order_cap=3,
        customer_cap=5,
    )
    assert backorder_room(policy, None) == 3  # customer unknown: only the order limit
    assert backorder_room(policy, 0) == 3
    assert backorder_room(policy, 4) == 1
    assert backorder_room(policy, 7) == 0


def test_product_says_how_many_more_the_customer_can_order_on_backorder(today):
    product = stocked_product(num_in_stock=0, customer_cap=5)
    user = UserFactory()
    order_for(user, product, 3, "1")
    availability = strategy_for(user).fetch_for_product(product).availability
    assert availability.num_available == 2
    assert availability.message == (
        "Available on backorder — ships by 8 Dec. You can order at most 2 more on backorder"
    )
    assert availability.is_purchase_permitted(2) == (True, "")
    assert availability.is_purchase_permitted(3) == (
        False,
        "You can order at most 2 more on backorder",
    )
    # Another customer, and a guest who has not given an email, see the whole limit.
    fresh = strategy_for(UserFactory()).fetch_for_product(product).availability
    assert fresh.message.endswith("You can order at most 5 on backorder")
    assert strategy_for().fetch_for_product(product).availability.num_available is None


def test_product_is_unavailable_to_a_customer_who_reached_the_limit(today):
    product = stocked_product(num_in_stock=0, customer_cap=2)
    guest_order("ann@example.com", product, 2, "1", strategy_for())
    availability = strategy_for(guest_email="ANN@example.com").fetch_for_product(product)
    availability = availability.availability
    assert not availability.is_available_to_buy
    assert availability.message == (
        "Unavailable. You already have the most one customer can have on backorder (2)"
    )
    assert availability.is_purchase_permitted(1)[1] == (
        "You already have the most one customer can have on backorder (2)"
    )


def test_units_in_stock_can_still_be_bought_beyond_the_limit(today):
    product = stocked_product(num_in_stock=3, order_cap=2)
    availability = strategy_for().fetch_for_product(product).availability
    assert availability.num_available == 5
    assert availability.message == (
        "3 in stock — further units ship by 8 Dec. You can order at most 2 on backorder"
    )
    assert availability.is_purchase_permitted(6) == (False, "a maximum of 5 can be ordered")


def test_the_stock_records_cap_speaks_when_it_leaves_less_than_the_customers_limits(today):
    product = stocked_product(num_in_stock=0, cap=2, customer_cap=5)
    availability = strategy_for(UserFactory()).fetch_for_product(product).availability
    assert availability.num_available == 2
    assert availability.message == "Available on backorder — ships by 8 Dec. Only 2 left to order"
