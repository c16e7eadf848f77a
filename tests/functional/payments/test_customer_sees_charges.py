"""The customer's order page says what has been charged so far: pay when it ships."""

from __future__ import annotations

import pytest
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_backorders.payments.shipping import ship
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db


def order_page(client, order):
    order.user = UserFactory()
    order.save()
    client.force_login(order.user)
    response = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    assert response.status_code == 200
    return response.content.decode()


def test_order_page_shows_nothing_charged_until_items_ship(client, mixed_order):
    page = order_page(client, mixed_order)
    total = mixed_order.total_incl_tax
    assert f"Charged so far: £0.00 of £{total}" in page


def test_order_page_shows_the_value_of_each_shipment_once_charged(
    client, mixed_order, run_on_commit
):
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})  # what was on the shelf
    allocate(main, 3)
    run_on_commit(ship, mixed_order.pk, {main.pk: 3})
    page = order_page(client, mixed_order)
    total = mixed_order.total_incl_tax
    assert f"Charged so far: £{total} of £{total}" in page
