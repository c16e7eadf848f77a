"""The customer confirms payment again when an authorisation could not be renewed."""

import datetime as dt
from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import (
    confirm_payment,
    confirmation_url,
    refresh_expiring_authorisations,
)
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")


@pytest.fixture
def needs_customer(mixed_order, gateway, run_on_commit):
    gateway.capabilities = Capabilities(reauthorise=False)
    run_on_commit(
        refresh_expiring_authorisations, now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    )
    gateway.capabilities = type(gateway)().capabilities
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.status == "needs_customer"
    return authorisation


def test_customer_confirms_payment_from_the_link_and_waiting_items_can_ship(
    client, needs_customer, mixed_order, gateway, run_on_commit
):
    url = confirmation_url(needs_customer)
    page = client.get(url)
    assert page.status_code == 200
    assert "confirm payment of £54.50" in page.content.decode()

    response = run_on_commit(client.post, url, {"payment_token": "ok"}, follow=True)

    assert "your payment is confirmed" in response.content.decode()
    assert "needs nothing from you" in response.content.decode()
    old, fresh = PaymentAuthorisation.objects.filter(order=mixed_order).order_by("pk")
    assert (old.status, fresh.status, fresh.amount) == ("replaced", "active", Decimal("54.50"))
    main, _plain = lines_of(mixed_order)
    allocate(main, 3)
    assert run_on_commit(ship, mixed_order.pk, {main.pk: 5}).shipped


def test_declined_confirmation_is_shown_and_changes_nothing(
    client, needs_customer, mixed_order, gateway
):
    response = client.post(confirmation_url(needs_customer), {"payment_token": "decline"})
    assert "Your payment was declined" in response.content.decode()
    assert PaymentAuthorisation.objects.get(order=mixed_order).status == "needs_customer"


def test_link_of_one_order_is_refused_for_another_order(client, needs_customer, strategy, gateway):
    other = place(basket_with(strategy, (stocked_product(num_in_stock=1), 1)), "100002")
    url = confirmation_url(needs_customer).replace("/100001/", f"/{other.number}/")
    assert client.get(url).status_code == 404
    assert client.post(url, {"payment_token": "ok"}).status_code == 404
    assert gateway.money_moves("authorise") == [gateway.calls[0]]


def test_tampered_link_is_refused(client, needs_customer, gateway):
    url = confirmation_url(needs_customer)
    assert client.get(url[:-3] + "xyz/").status_code == 404


def test_another_signed_in_customer_is_refused(client, needs_customer, mixed_order):
    owner = UserFactory()
    mixed_order.user = owner
    mixed_order.save()
    client.force_login(UserFactory())
    assert client.get(confirmation_url(needs_customer)).status_code == 403


def test_payment_that_needs_no_confirmation_is_refused(mixed_order, gateway):
    with pytest.raises(PaymentRefused, match="does not need confirming"):
        confirm_payment(mixed_order.pk, payment_token="ok")
    assert gateway.money_moves("authorise") == [gateway.calls[0]]
