"""What the customer is told about their money on the order page, the thank-you page and in the
confirmation email: charged, held, released, refunded and still to charge (pay when it ships)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.notifications import links
from oscar_backorders.payments.lifecycle import lapse
from oscar_backorders.payments.release import refund_capture
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.functional.payments.test_checkout_to_final_capture import guest_checkout_to_preview
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
DelayConsent = get_model("oscar_backorders", "DelayConsent")


def order_page(client, order):
    order.user = UserFactory()
    order.save()
    client.force_login(order.user)
    response = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_order_page_shows_nothing_charged_until_items_ship(client, mixed_order):
    page = order_page(client, mixed_order)
    total = mixed_order.total_incl_tax
    assert f"Charged so far: £0.00 of £{total}" in page
    assert f"Still to charge: £{total}, held on your card and charged as your items ship." in page


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
    assert "Still to charge" not in page and "Held on your card" not in page


def test_order_page_shows_the_money_released_when_a_waiting_unit_is_cancelled(
    client, mixed_order, run_on_commit
):
    main, _plain = lines_of(mixed_order)
    run_on_commit(services.cancel_units, main.backorder.pk, 1, reason="customer asked")
    page = order_page(client, mixed_order)
    assert "Charged so far: £0.00 of £54.50." in page
    assert "Released for cancelled items (not charged): £10.00." in page
    assert "Still to charge: £44.50, held on your card and charged as your items ship." in page


def test_order_page_shows_a_refund_only_when_charged_money_was_paid_back(
    client, mixed_order, run_on_commit
):
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    assert "Refunded" not in order_page(client, mixed_order)
    refund_capture(PaymentCapture.objects.get().pk, Decimal("4.50"), reason="returned")
    page = order_page(client, mixed_order)
    assert "Charged so far: £24.50 of £54.50." in page
    assert "Refunded: £4.50." in page
    assert "Still to charge: £30.00, held on your card" in page


def test_order_page_says_what_is_still_to_charge_when_nothing_is_held_any_more(client, mixed_order):
    # The authorisation lapsed at its deadline (what the hourly sweep records).
    lapse(mixed_order.backorder_authorisations.get())
    page = order_page(client, mixed_order)
    assert "Still to charge as your items ship: £54.50." in page
    assert "Held on your card" not in page


def test_order_page_says_nothing_of_money_when_the_shop_took_the_payment(
    client, mixed_order, settings
):
    settings.BACKORDERS_PAYMENT_GATEWAY = None
    page = order_page(client, mixed_order)
    assert "Charged so far" not in page and "Still to charge" not in page


def checkout(client, run_on_commit, product, quantity):
    guest_checkout_to_preview(client, product, quantity)
    placed = run_on_commit(
        client.post, reverse("checkout:preview"), {"action": "place_order", "payment_token": "ok"}
    )
    assert placed["Location"].endswith(reverse("checkout:thank-you"))
    page = client.get(reverse("checkout:thank-you")).content.decode()
    return " ".join(page.split())


def test_thank_you_page_says_the_total_is_authorised_and_charged_as_items_ship(
    client, today, gateway, run_on_commit, mailoutbox
):
    page = checkout(client, run_on_commit, stocked_product(num_in_stock=1), 3)
    assert "£30.00 authorised on your card; you are charged as items ship." in page
    assert "Nothing has been charged yet." in page
    assert "charged to your card" not in page
    (email,) = mailoutbox
    assert "£30.00 authorised on your card; you are charged as items ship." in email.body
    assert (
        "£30.00 authorised on your card; you are charged as items ship."
        in (email.alternatives[0][0])
    )


def test_thank_you_page_says_what_was_charged_now_when_the_in_stock_part_is_captured(
    client, today, gateway, run_on_commit, settings, mailoutbox
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    page = checkout(client, run_on_commit, stocked_product(num_in_stock=1), 3)
    assert "£10.00 charged to your card for the items that ship now." in page
    assert "£20.00 authorised on your card; you are charged as the other items ship." in page
    (email,) = mailoutbox
    assert "£10.00 charged to your card for the items that ship now." in email.body


def test_cancel_page_says_held_money_is_released_not_refunded(client, mixed_order):
    main, _plain = lines_of(mixed_order)
    order_page(client, mixed_order)
    url = reverse(
        "oscar_backorders:cancel", kwargs={"order_number": mixed_order.number, "line_id": main.pk}
    )
    page = " ".join(client.get(url).content.decode().split())
    assert (
        "You are not charged for cancelled items: the money held on your card for them is released."
        in page
    )
    assert "refund" not in page


def test_cancelling_from_the_order_page_says_held_money_is_released(
    client, mixed_order, run_on_commit
):
    main, _plain = lines_of(mixed_order)
    order_page(client, mixed_order)
    url = reverse(
        "oscar_backorders:cancel", kwargs={"order_number": mixed_order.number, "line_id": main.pk}
    )
    response = run_on_commit(client.post, url, {"quantity": 1}, follow=True)
    page = " ".join(response.content.decode().split())
    assert (
        f"1 waiting item of {main.title} was cancelled. You are not charged for it: the money held on your "
        "card for it is released."
    ) in page
    assert "Released for cancelled items (not charged): £10.00." in page


def test_delay_links_do_not_promise_a_refund_of_money_only_held(client, mixed_order, run_on_commit):
    main, _plain = lines_of(mixed_order)
    consent = DelayConsent.objects.create(
        backorder_line=main.backorder,
        revised_date=main.backorder.promised_date + dt.timedelta(days=5),
        rule="eu",
    )
    token = links.delay_token(order_id=mixed_order.pk, consent_ids=[consent.pk])
    url = reverse(
        "oscar_backorders:delay-answer",
        kwargs={"order_number": mixed_order.number, "action": "cancel", "token": token},
    )
    asked = " ".join(client.get(url).content.decode().split())
    assert "Cancel the items still waiting? You are not charged for them." in asked
    assert "refund" not in asked
    done = " ".join(run_on_commit(client.post, url).content.decode().split())
    assert "You are not charged for them: the money held on your card for them is released." in done
