"""Placing an order through django-oscar-api's checkout (``/api/checkout/``) splits and caps the
lines as the web checkout does; products without a policy get oscarapi's plain result."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from oscar.test.factories import PartnerFactory, UserFactory
from oscarapi import settings as oscarapi_settings

from tests.factories import stocked_product
from tests.functional.api.oscarapi_checkout import add, checkout
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")


@pytest.fixture
def no_payments(settings):
    """A shop that did not opt into the plugin's payments (the sandbox did)."""
    settings.BACKORDERS_PAYMENT_GATEWAY = None


def test_checkout_splits_the_line_and_promises_the_basket_date_when_it_goes_beyond_stock(
    api, today, no_payments
):
    product = stocked_product(num_in_stock=1, lead_time_days=10)
    basket = add(api, product, 3)
    (shown,) = basket["backorder_lines"]

    response = checkout(api, basket)

    assert response.status_code == 200, response.json()
    order = Order.objects.get(number=response.json()["number"])
    backorder = BackorderLine.objects.get(line__order=order)
    assert (backorder.line.quantity, backorder.quantity, backorder.status) == (3, 2, "waiting")
    assert backorder.promised_date.isoformat() == shown["promised_date"]
    (line,) = response.json()["backorders"]["lines"]
    assert (line["in_stock_quantity"], line["backordered_quantity"]) == (1, 2)
    assert line["promised_date"] == shown["promised_date"]
    assert StockRecord.objects.get(product=product).num_allocated == 3


def test_checkout_gives_oscarapis_plain_result_when_the_product_has_no_policy(
    api, today, gateway, no_payments
):
    product = stocked_product(num_in_stock=5, mode=None)

    response = checkout(api, add(api, product, 2))

    assert response.status_code == 200, response.json()
    data = response.json()
    assert set(data) == {*oscarapi_settings.ORDER_FIELDS, "backorders"}
    lines = data["backorders"]["lines"]
    assert [(line["in_stock_quantity"], line["backordered_quantity"]) for line in lines] == [(2, 0)]
    assert data["total_incl_tax"] == "20.00" and data["status"] == "new"
    assert not BackorderLine.objects.exists()
    assert StockRecord.objects.get(product=product).num_allocated == 2
    # Not opted into payments: nothing is asked of a gateway, no payment is recorded.
    order = Order.objects.get()
    assert gateway.calls == [] and not order.sources.exists()
    assert not PaymentAuthorisation.objects.exists()


def test_checkout_ignores_payment_fields_when_the_shop_did_not_opt_into_payments(
    api, today, gateway, no_payments
):
    response = checkout(api, add(api, stocked_product(num_in_stock=0), 1), payment_token="ok")

    assert response.status_code == 200, response.json()
    assert gateway.calls == [] and not PaymentAuthorisation.objects.exists()


def _refused_without_a_trace(response, product, *, allocated_before, orders_before=0):
    assert response.status_code == 400, response.content
    (message,) = response.json()["non_field_errors"]
    assert Order.objects.count() == orders_before
    assert BackorderLine.objects.count() == orders_before
    assert not ShippingAddress.objects.exists()
    assert StockRecord.objects.get(product=product).num_allocated == allocated_before
    return message


def test_checkout_is_refused_with_the_caps_message_and_nothing_written_when_the_cap_is_reached(
    api, today, no_payments
):
    product = stocked_product(num_in_stock=1, cap=5)
    basket = add(api, product, 3)
    # Meanwhile other orders took 5 units (1 from the shelf, 4 waiting): the cap of 5 leaves 1.
    StockRecord.objects.filter(product=product).update(num_allocated=5)

    message = _refused_without_a_trace(checkout(api, basket), product, allocated_before=5)

    assert message == (
        f"Only 1 of '{product.get_title()}' can be ordered now (you asked for 3). "
        "Please reduce the quantity in your basket."
    )
    basket = api.get(basket["url"]).json()
    assert basket["status"] == "Open"  # the customer reduces the quantity and checks out again


def test_checkout_is_refused_with_the_limits_message_when_one_order_backorders_too_many(
    api, today, no_payments
):
    product = stocked_product(num_in_stock=0, order_cap=2)
    basket = add(api, product, 2)
    # The basket allowed 2; the merchant lowers the limit to 1 before the customer pays.
    policy = get_model("oscar_backorders", "BackorderPolicy").objects.get()
    policy.order_cap = 1
    policy.save()

    message = _refused_without_a_trace(checkout(api, basket), product, allocated_before=0)

    assert message.startswith(f"At most 1 of '{product.get_title()}' can be ordered on backorder")


def test_checkout_is_refused_with_the_limits_message_when_the_customer_has_too_many_waiting(
    api, strategy, today, no_payments
):
    user = UserFactory()
    product = stocked_product(num_in_stock=0, customer_cap=3)
    place(basket_with(strategy, (product, 2)), number="1", user=user)  # 2 already waiting
    api.force_authenticate(user)
    basket = add(api, product, 1)
    # The basket allowed 1 more; a second tab's order meanwhile left none.
    place(basket_with(strategy, (product, 1)), number="2", user=user)

    message = _refused_without_a_trace(
        checkout(api, basket), product, allocated_before=3, orders_before=2
    )

    assert message.startswith(
        f"At most 3 of '{product.get_title()}' can wait on backorder for one customer"
    )


def _checkout_queries(lines: int, *, mode: str | None, partner) -> int:
    """Queries of one checkout request placing ``lines`` lines (each of a new product with one
    unit on the shelf; 3 units each under a policy, so 2 of each line wait)."""
    from rest_framework.test import APIClient

    client = APIClient()
    basket = None
    for _ in range(lines):
        product = stocked_product(num_in_stock=1, mode=mode, partner=partner)
        basket = add(client, product, 3 if mode else 1)
    client.get("/api/basket/")
    with CaptureQueriesContext(connection) as queries:
        response = checkout(client, basket)
    assert response.status_code == 200, response.json()
    return len(queries)


def test_checkout_adds_no_query_per_line_to_oscars_own_placement(today, no_payments):
    # Oscar's OrderCreator writes each line, its prices and its stock record one by one (and its
    # analytics and stock-alert receivers run per line), so no checkout is constant in its
    # lines. The split, the caps, the promises and the backorder rows cost the same for one
    # line as for five: a basket of backordered lines grows exactly as a plain one does.
    partner = PartnerFactory()
    _checkout_queries(1, mode="backorder", partner=partner)  # what the first order caches
    backordered = {n: _checkout_queries(n, mode="backorder", partner=partner) for n in (1, 5)}
    plain = {n: _checkout_queries(n, mode=None, partner=partner) for n in (1, 5)}

    assert backordered[5] - backordered[1] == plain[5] - plain[1]
    assert backordered[1] - plain[1] <= 4  # the policy, the promise, the backorder rows


def test_cap_refusal_is_in_the_customers_language_when_the_checkout_is_dutch(
    api, today, no_payments
):
    from django.utils import translation

    product = stocked_product(num_in_stock=0, cap=1)
    basket = add(api, product, 1, prefix="/nl")
    StockRecord.objects.filter(product=product).update(num_allocated=1)

    response = checkout(api, basket, prefix="/nl")

    message = _refused_without_a_trace(response, product, allocated_before=1)

    with translation.override("nl"):
        expected = translation.gettext(
            "Only %(orderable)d of '%(title)s' can be ordered now (you asked for "
            "%(requested)d). Please reduce the quantity in your basket."
        ) % {"orderable": 0, "title": product.get_title(), "requested": 1}
    assert message == expected and "Only" not in message
