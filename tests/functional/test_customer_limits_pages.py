"""Limits per order and per customer, through Oscar's real pages: the merchant sets them in the
admin, the customer reads them on the product page and basket, and the basket and checkout
refuse beyond them."""

from __future__ import annotations

import html as html_module

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.apps.checkout.signals import pre_payment
from oscar.core.loading import get_model
from oscar.test.factories import CountryFactory, UserFactory

from oscar_backorders.abstract_models import PolicyMode
from tests.factories import stocked_product
from tests.functional.checkout import ADDRESS, add_to_basket, place_order, to_preview
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
Line = get_model("basket", "Line")
Order = get_model("order", "Order")


def text(response):
    return html_module.unescape(response.content.decode())


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def earlier_order(strategy, user, product, quantity, number="1"):
    return place(basket_with(strategy, (product, quantity)), number=number, user=user)


# -- the merchant ---------------------------------------------------------------------------


def add_policy(client, **data):
    payload = {"mode": PolicyMode.BACKORDER, "cap": "", "lead_time_days": "", "release_date": ""}
    payload.update(data)
    return client.post(reverse("admin:oscar_backorders_backorderpolicy_add"), payload)


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_merchant_sets_limits_per_order_and_per_customer(merchant):
    record = stocked_product(mode=None).stockrecords.get()
    response = add_policy(merchant, stockrecord=record.pk, order_cap=2, customer_cap=5)
    assert response.status_code == 302
    policy = BackorderPolicy.objects.get()
    assert (policy.order_cap, policy.customer_cap) == (2, 5)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("order_cap", 0, "The backorder limit per order must be a whole number of at least 1"),
        ("order_cap", -2, "The backorder limit per order must be a whole number of at least 1"),
        ("order_cap", "two", "The backorder limit per order must be a whole number of at least 1"),
        ("customer_cap", 0, "The backorder limit per customer must be a whole number of at least"),
        (
            "customer_cap",
            1.5,
            "The backorder limit per customer must be a whole number of at least",
        ),
    ],
)
def test_limit_that_is_not_a_positive_whole_number_is_refused_when_saved_in_admin(
    merchant, field, value, message
):
    record = stocked_product(mode=None).stockrecords.get()
    response = add_policy(merchant, stockrecord=record.pk, **{field: value})
    assert response.status_code == 200
    assert message in text(response)
    assert not BackorderPolicy.objects.exists()


def test_limit_per_order_above_the_limit_per_customer_is_refused(merchant):
    record = stocked_product(mode=None).stockrecords.get()
    response = add_policy(merchant, stockrecord=record.pk, order_cap=6, customer_cap=5)
    assert "cannot be above the limit per customer (5)" in text(response)
    assert not BackorderPolicy.objects.exists()


def test_stock_record_and_partner_admins_offer_the_limits_inline(merchant):
    record = stocked_product(mode=None).stockrecords.get()
    page = text(merchant.get(reverse("admin:partner_stockrecord_change", args=[record.pk])))
    assert "backorder_policy-__prefix__-order_cap" in page
    assert "backorder_policy-__prefix__-customer_cap" in page
    page = text(merchant.get(reverse("admin:partner_partner_change", args=[record.partner_id])))
    assert "backorder_policy-__prefix__-customer_cap" in page


# -- the customer ---------------------------------------------------------------------------


def test_product_page_says_how_many_more_the_customer_can_order_on_backorder(
    client, customer, strategy, today
):
    product = stocked_product(num_in_stock=0, customer_cap=5)
    earlier_order(strategy, customer, product, 3)
    page = text(client.get(product.get_absolute_url()))
    assert "You can order at most 2 more on backorder" in page


def test_guest_product_page_shows_the_limit_per_order(client, today):
    product = stocked_product(num_in_stock=0, order_cap=2, customer_cap=5)
    page = text(client.get(product.get_absolute_url()))
    assert "You can order at most 2 on backorder" in page


def test_basket_refuses_adding_beyond_the_customers_limit_with_the_limit_as_reason(
    client, customer, strategy, today
):
    product = stocked_product(num_in_stock=0, customer_cap=5)
    earlier_order(strategy, customer, product, 3)
    response = add_to_basket(client, product, 3)
    assert "You can order at most 2 more on backorder" in text(response)
    assert not Line.objects.filter(basket__owner=customer).exists()
    add_to_basket(client, product, 2)
    assert Line.objects.get(basket__owner=customer).quantity == 2
    # The basket already holds the two: one more is refused too.
    response = add_to_basket(client, product, 1)
    assert "You can order at most 2 more on backorder" in text(response)
    assert Line.objects.get(basket__owner=customer).quantity == 2


def test_basket_line_says_the_limit_and_refuses_a_raise_beyond_it(
    client, customer, strategy, today
):
    product = stocked_product(num_in_stock=0, customer_cap=5)
    earlier_order(strategy, customer, product, 3)
    add_to_basket(client, product, 1)
    page = client.get(reverse("basket:summary"))
    assert "You can order at most 2 more on backorder" in text(page)
    formset = page.context["formset"]
    data = {f"form-{k}": v for k, v in formset.management_form.initial.items()}
    data.update({"form-0-id": formset.forms[0].instance.pk, "form-0-quantity": 3})
    response = client.post(reverse("basket:summary"), data)
    assert "You can order at most 2 more on backorder" in text(response)
    assert Line.objects.get(basket__owner=customer).quantity == 1


def test_checkout_sends_a_guest_back_to_the_basket_once_their_email_shows_the_limit_reached(
    client, strategy, today
):
    product = stocked_product(num_in_stock=0, customer_cap=3)
    place(basket_with(strategy, (product, 2)), number="1", guest_email="ann@example.com")
    add_to_basket(client, product, 2)  # the guest has not said who they are yet
    CountryFactory(iso_3166_1_a2="GB", is_shipping_country=True)
    client.post(reverse("checkout:index"), {"username": "Ann@example.com", "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"))
    response = client.get(reverse("checkout:preview"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("basket:summary")
    assert "You can order at most 1 more on backorder" in text(response)
    assert list(Order.objects.values_list("number", flat=True)) == ["1"]


def test_placement_refuses_a_guest_who_reached_the_limit_meanwhile_and_writes_nothing(
    client, strategy, today
):
    product = stocked_product(num_in_stock=0, customer_cap=3)
    add_to_basket(client, product, 2)
    to_preview(client, guest_email="Ann@example.com")

    def the_same_guest_orders_elsewhere(sender, **kwargs):
        other = basket_with(strategy, (product, 2))
        place(other, number="ELSEWHERE", guest_email="ann@EXAMPLE.com")

    pre_payment.connect(the_same_guest_orders_elsewhere)
    try:
        response = place_order(client)
    finally:
        pre_payment.disconnect(the_same_guest_orders_elsewhere)
    assert response.status_code == 200
    assert "you have 2 waiting, so you can order at most 1 more on backorder" in text(response)
    assert list(Order.objects.values_list("number", flat=True)) == ["ELSEWHERE"]
    assert BackorderLine.objects.count() == 1
    assert product.stockrecords.get().num_allocated == 2


def test_product_page_reads_the_customers_waiting_units_in_one_query(
    client, customer, strategy, today
):
    products = [stocked_product(num_in_stock=0, customer_cap=5) for _ in range(3)]
    for number, product in enumerate(products):
        earlier_order(strategy, customer, product, 1, number=str(number))
    with CaptureQueriesContext(connection) as queries:
        client.get(products[0].get_absolute_url())
    reads = [
        q["sql"] for q in queries.captured_queries if "oscar_backorders_backorderline" in q["sql"]
    ]
    assert len(reads) == 1, reads


def test_basket_reads_the_customers_waiting_units_in_one_query_for_every_line(
    client, customer, strategy, today
):
    products = [stocked_product(num_in_stock=0, customer_cap=5) for _ in range(4)]
    for number, product in enumerate(products):
        earlier_order(strategy, customer, product, 1, number=str(number))
        add_to_basket(client, product, 1)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("basket:summary"))
    assert text(page).count("You can order at most 4 more on backorder") == len(products)
    reads = [
        q["sql"] for q in queries.captured_queries if "oscar_backorders_backorderline" in q["sql"]
    ]
    assert len(reads) == 1, reads
