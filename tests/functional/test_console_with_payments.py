"""The queue's "allocate now" and "ship and capture" actions with the real services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.gateways import get_gateway
from tests.factories import stocked_product
from tests.helpers import basket_with, confirmation_token, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
URL = "admin:oscar_backorders_backorderline_changelist"


@pytest.fixture
def authorised_line(strategy, today):
    product = stocked_product(num_in_stock=0, price=Decimal("15.00"))
    order = place(basket_with(strategy, (product, 3)), number="700001")
    authorise_order(order.pk, payment_token="ok")
    return BackorderLine.objects.get(order=order)


def ship_from_queue(client, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse(URL),
            {
                "action": "ship_and_capture",
                "_selected_action": [line.pk],
                "apply": "yes",
                **confirmation_token(client, "queue:ship_and_capture"),
            },
        )


def test_merchant_ships_allocated_units_from_the_queue_and_exactly_their_value_is_captured(
    client, authorised_line, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    record = authorised_line.stockrecord
    record.num_in_stock = 2
    record.save()
    services.allocate_units(authorised_line.pk, 2, reason="PO received")

    response = ship_from_queue(client, authorised_line, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    authorised_line.refresh_from_db()
    assert (authorised_line.quantity_shipped, authorised_line.quantity_waiting) == (2, 1)
    captures = [c for c in get_gateway().calls if c.method == "capture"]
    assert [c.params["amount"] for c in captures] == [Decimal("30.00")]
    assert authorised_line.order.sources.get().amount_debited == Decimal("30.00")
    assert LogEntry.objects.count() == 1


def test_queue_ship_of_units_still_waiting_is_refused_and_no_money_moves(
    client, authorised_line, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = ship_from_queue(client, authorised_line, django_capture_on_commit_callbacks)
    authorised_line.refresh_from_db()
    assert authorised_line.quantity_shipped == 0
    assert not [c for c in get_gateway().calls if c.method == "capture"]
    assert authorised_line.order.sources.get().amount_debited == 0
    assert not LogEntry.objects.exists()
    assert response.status_code in (200, 302)


def test_allocate_now_from_the_queue_gives_counted_stock_to_the_waiting_line(
    client, authorised_line, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    record = authorised_line.stockrecord
    # Stock counted in by an UPDATE: nothing allocates it until the merchant asks.
    type(record).objects.filter(pk=record.pk).update(num_in_stock=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(URL),
            {
                "action": "allocate_now",
                "_selected_action": [authorised_line.pk],
                "apply": "yes",
                "reason": "Stock counted",
                **confirmation_token(client, "queue:allocate_now"),
            },
        )
    assert response.status_code == 302
    authorised_line.refresh_from_db()
    assert (authorised_line.quantity_allocated, authorised_line.quantity_waiting) == (2, 1)
    assert authorised_line.events.filter(kind="allocated", quantity=2).exists()
