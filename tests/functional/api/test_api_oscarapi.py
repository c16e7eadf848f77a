"""django-oscar-api's product, basket and order responses carry the backorder information when
the shop opts in (``OSCARAPI_OVERRIDE_MODULES``, as the sandbox does)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.test.factories import UserFactory

from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db


def test_product_availability_carries_the_backorder_state_and_promise(api, today):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    data = api.get(f"/api/products/{product.pk}/availability/").json()
    assert data["is_available_to_buy"] is True
    backorder = data["backorder"]
    assert (backorder["state"], backorder["backordered_quantity"]) == ("backorder", 1)
    assert backorder["promised_date"] > today.isoformat()
    assert backorder["promise_source"] == "lead_time"


def test_product_without_a_policy_has_no_backorder_state(api, today):
    product = stocked_product(num_in_stock=3, mode=None)
    assert api.get(f"/api/products/{product.pk}/availability/").json()["backorder"] is None


def add(api, product, quantity):
    url = f"http://testserver/api/products/{product.pk}/"
    response = api.post(
        "/api/basket/add-product/", {"url": url, "quantity": quantity}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_basket_shows_the_in_stock_and_backordered_split_per_line(api, today):
    product = stocked_product(num_in_stock=2)
    plain = stocked_product(num_in_stock=5, mode=None)
    add(api, product, 5)
    basket = add(api, plain, 1)
    (split,) = basket["backorder_lines"]
    assert (split["quantity"], split["in_stock_quantity"], split["backordered_quantity"]) == (
        5,
        2,
        3,
    )
    assert split["promised_date"] and split["promise_source"] == "lead_time"
    lines = api.get(basket["lines"]).json()
    by_product = {line["product"].rstrip("/").rsplit("/", 1)[-1]: line for line in lines}
    assert by_product[str(product.pk)]["backorder"]["backordered_quantity"] == 3
    assert by_product[str(plain.pk)]["backorder"] is None


def test_order_carries_its_backordered_lines_and_money(api, strategy, today):
    user = UserFactory()
    order = place(basket_with(strategy, (stocked_product(num_in_stock=1), 4)), user=user)
    api.force_authenticate(user)
    data = api.get(f"/api/orders/{order.pk}/").json()
    (line,) = data["backorders"]["lines"]
    assert (line["backordered_quantity"], line["status"]) == (3, "waiting")
    assert line["promised_date"] and line["estimated_date"]
    assert data["backorders"]["money"]["charged"] == "0.00"
    lines = api.get(data["lines"]).json()
    assert lines[0]["backorder"]["waiting_quantity"] == 3


def test_order_costs_the_same_queries_whatever_its_number_of_lines(api, strategy, today):
    user = UserFactory()
    api.force_authenticate(user)
    small = place(basket_with(strategy, (stocked_product(), 1)), number="1", user=user)
    api.get("/api/orders/")  # the user's first request reads what later ones have cached
    with CaptureQueriesContext(connection) as one_line:
        api.get(f"/api/orders/{small.pk}/")
    big = place(
        basket_with(strategy, *[(stocked_product(), 1) for _ in range(6)]), number="2", user=user
    )
    with CaptureQueriesContext(connection) as six_lines:
        api.get(f"/api/orders/{big.pk}/")
    assert len(one_line) == len(six_lines)


def test_basket_split_costs_the_same_queries_whatever_its_number_of_lines(api, today):
    add(api, stocked_product(num_in_stock=1), 3)
    api.get("/api/basket/")
    with CaptureQueriesContext(connection) as one_line:
        assert len(api.get("/api/basket/").json()["backorder_lines"]) == 1
    for _ in range(4):
        add(api, stocked_product(num_in_stock=1), 3)
    with CaptureQueriesContext(connection) as five_lines:
        assert len(api.get("/api/basket/").json()["backorder_lines"]) == 5
    assert len(one_line) == len(five_lines)
