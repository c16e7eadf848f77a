"""A customer cancels the waiting units of a line from their order page, and only that."""

from __future__ import annotations

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
OrderNote = get_model("order", "OrderNote")


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def order(strategy, today, customer):
    """Line of 5 with 1 from stock and 4 waiting."""
    product = stocked_product(num_in_stock=1)
    return place(basket_with(strategy, (product, 5)), user=customer)


def cancel_url(order, line=None):
    line = line or order.lines.get()
    return reverse(
        "oscar_backorders:cancel", kwargs={"order_number": order.number, "line_id": line.pk}
    )


def snapshot():
    """Everything a cancellation could change."""
    return (
        list(
            BackorderLine.objects.order_by("pk").values_list(
                "quantity_allocated", "quantity_shipped", "quantity_cancelled", "status"
            )
        ),
        list(
            get_model("partner", "StockRecord")
            .objects.order_by("pk")
            .values_list("num_in_stock", "num_allocated")
        ),
        BackorderEvent.objects.count(),
        OrderNote.objects.count(),
    )


def test_customer_confirms_then_cancels_waiting_units(client, order):
    page = client.get(cancel_url(order))
    assert page.status_code == 200
    text = page.content.decode()
    assert "4 items of" in text and "are still waiting for stock" in text
    assert "Yes, cancel these items" in text
    assert snapshot()[2] == 1  # showing the confirmation changes nothing

    response = client.post(cancel_url(order), {"quantity": 3}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "customer:order", kwargs={"order_number": order.number}
    )
    assert "3 waiting items of" in response.content.decode()
    backorder = order.lines.get().backorder
    backorder.refresh_from_db()
    assert (backorder.quantity_waiting, backorder.quantity_cancelled) == (1, 3)
    event = backorder.events.get(kind="cancelled")
    assert event.actor == order.user and event.quantity == 3
    assert OrderNote.objects.get(order=order).message.startswith("Customer cancelled 3")
    # The cancelled units' allocation is given back to the stock record.
    assert order.lines.get().stockrecord.num_allocated == 2


def test_cancelling_all_waiting_units_removes_the_button(client, order):
    client.post(cancel_url(order), {"quantity": 4})
    page = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    text = page.content.decode()
    assert "4 cancelled" in text
    assert "Cancel the waiting items" not in text


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("5", "Only 4 items of"),
        ("0", "Cancel at least 1 item."),
        ("-2", "Cancel at least 1 item."),
        ("two", "Enter a whole number of items."),
        ("", "Enter how many waiting items to cancel."),
    ],
)
def test_bad_quantity_is_refused_with_a_message_when_posted(client, order, quantity, message):
    before = snapshot()
    response = client.post(cancel_url(order), {"quantity": quantity})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_units_ready_to_ship_cannot_be_cancelled_by_the_customer(client, order):
    backorder = order.lines.get().backorder
    services.allocate_units(backorder.pk, 3, reason="stock arrived")
    before = snapshot()
    response = client.post(cancel_url(order), {"quantity": 2})
    assert response.status_code == 200
    assert "Only 1 item of" in response.content.decode()
    assert "ready to ship cannot be cancelled" in response.content.decode()
    assert snapshot() == before


def test_shipped_line_has_nothing_to_cancel(client, order):
    backorder = order.lines.get().backorder
    services.allocate_units(backorder.pk, 4, reason="stock arrived")
    services.record_shipment(backorder.pk, 4)
    before = snapshot()
    for response in (
        client.get(cancel_url(order), follow=True),
        client.post(cancel_url(order), {"quantity": 1}, follow=True),
    ):
        assert "there is nothing to cancel" in response.content.decode()
    assert snapshot() == before


def test_line_without_backorder_has_nothing_to_cancel(client, strategy, customer):
    order = place(basket_with(strategy, (stocked_product(num_in_stock=9), 2)), user=customer)
    response = client.post(cancel_url(order), {"quantity": 1}, follow=True)
    assert "there is nothing to cancel" in response.content.decode()
    assert not BackorderEvent.objects.exists()


def test_someone_elses_order_is_not_found(client, strategy, order):
    intruder = UserFactory()
    client.force_login(intruder)
    before = snapshot()
    assert client.get(cancel_url(order)).status_code == 404
    assert client.post(cancel_url(order), {"quantity": 1}).status_code == 404
    assert snapshot() == before


def test_someone_elses_line_under_ones_own_order_number_is_not_found(
    client, strategy, order, customer
):
    other = place(
        basket_with(strategy, (stocked_product(num_in_stock=0), 2)),
        number="200002",
        user=UserFactory(),
    )
    url = reverse(
        "oscar_backorders:cancel",
        kwargs={"order_number": order.number, "line_id": other.lines.get().pk},
    )
    before = snapshot()
    assert client.post(url, {"quantity": 1}).status_code == 404
    assert snapshot() == before


def test_signed_out_visitor_is_sent_to_log_in(client, order):
    client.logout()
    before = snapshot()
    response = client.post(cancel_url(order), {"quantity": 1})
    assert response.status_code == 302 and "login" in response.url
    assert snapshot() == before


# --- orders placed without an account ---------------------------------------------------------


@pytest.fixture
def guest_order(strategy, today):
    product = stocked_product(num_in_stock=0)
    order = place(basket_with(strategy, (product, 3)), number="300003")
    order.guest_email = "guest@example.com"
    order.save()
    return order


def anon_cancel_url(order, hash_=None):
    return reverse(
        "oscar_backorders:anon-cancel",
        kwargs={
            "order_number": order.number,
            "hash": hash_ or order.verification_hash(),
            "line_id": order.lines.get().pk,
        },
    )


def confirm_email(client, order, email="guest@example.com"):
    client.post(
        reverse(
            "customer:anon-order-form",
            kwargs={"order_number": order.number, "hash": order.verification_hash()},
        ),
        {"email": email},
    )


def test_guest_cancels_through_the_order_status_link(client, guest_order):
    confirm_email(client, guest_order)
    assert client.get(anon_cancel_url(guest_order)).status_code == 200
    response = client.post(anon_cancel_url(guest_order), {"quantity": 2})
    assert response.status_code == 302
    assert response.url == reverse(
        "customer:anon-order",
        kwargs={"order_number": guest_order.number, "hash": guest_order.verification_hash()},
    )
    backorder = guest_order.lines.get().backorder
    backorder.refresh_from_db()
    assert backorder.quantity_cancelled == 2
    assert backorder.events.get(kind="cancelled").actor is None


def test_tampered_hash_is_not_found(client, guest_order):
    confirm_email(client, guest_order)
    before = snapshot()
    tampered = guest_order.verification_hash()[:-2] + "xx"
    assert client.post(anon_cancel_url(guest_order, tampered), {"quantity": 1}).status_code == 404
    assert snapshot() == before


def test_guest_link_needs_the_confirmed_email(client, guest_order):
    confirm_email(client, guest_order, email="someone@else.example")
    before = snapshot()
    assert client.post(anon_cancel_url(guest_order), {"quantity": 1}).status_code == 404
    assert snapshot() == before


def test_registered_customers_order_is_not_reachable_by_hash(client, order):
    client.logout()
    url = reverse(
        "oscar_backorders:anon-cancel",
        kwargs={
            "order_number": order.number,
            "hash": order.verification_hash(),
            "line_id": order.lines.get().pk,
        },
    )
    before = snapshot()
    assert client.post(url, {"quantity": 1}).status_code == 404
    assert snapshot() == before


def test_units_allocated_while_the_form_was_open_are_not_cancelled(client, order, monkeypatch):
    from oscar_backorders import views

    backorder = order.lines.get().backorder
    real_lock = views.lock_backorder_lines

    def stock_arrives_first(ids):
        services.allocate_units(backorder.pk, 3, reason="stock arrived meanwhile")
        return real_lock(ids)

    monkeypatch.setattr(views, "lock_backorder_lines", stock_arrives_first)
    response = client.post(cancel_url(order), {"quantity": 4})
    assert response.status_code == 200
    assert "Only 1 item of" in response.content.decode()
    backorder.refresh_from_db()
    # The allocation made meanwhile rolled back with the refused request's savepoint.
    assert backorder.quantity_cancelled == 0
