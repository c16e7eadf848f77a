"""What the checkout preview and the thank-you page say about the card, in plain words (pay when
it ships), and that a shop which did not opt in keeps Oscar's own payment texts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from oscar.test.factories import create_order

from tests.factories import stocked_product
from tests.functional.payments.test_checkout_to_final_capture import guest_checkout_to_preview

pytestmark = pytest.mark.django_db

JARGON = ("Allocation of", "from type", "dummy", "Payment details to go here")


def words(response) -> str:
    return " ".join(response.content.decode().split())


def checkout(client, run_on_commit, product, quantity):
    preview = words(guest_checkout_to_preview(client, product, quantity))
    placed = run_on_commit(
        client.post, reverse("checkout:preview"), {"action": "place_order", "payment_token": "ok"}
    )
    assert placed.status_code == 302 and placed["Location"].endswith(reverse("checkout:thank-you"))
    return preview, words(client.get(reverse("checkout:thank-you")))


def test_preview_and_thank_you_page_say_the_total_is_authorised_when_items_ship_later(
    client, today, gateway, run_on_commit, mailoutbox
):
    preview, thanks = checkout(client, run_on_commit, stocked_product(num_in_stock=1), 3)
    assert (
        "When you place your order, £30.00 is authorised on your card; you are charged as "
        "items ship. Nothing is charged now."
    ) in preview.replace("<br>", " ")
    assert "£30.00 authorised on your card; you are charged as items ship." in thanks
    assert "Nothing has been charged yet." in thanks
    assert "Billing address" in thanks or "Ada Lovelace" in thanks
    for jargon in JARGON:
        assert jargon not in preview and jargon not in thanks
    (email,) = mailoutbox
    assert "£30.00 authorised on your card; you are charged as items ship." in email.body
    body = email.alternatives[0][0]
    assert "£30.00 authorised on your card" in body
    assert body.index("authorised on your card") < body.index("Shipping address:")


def test_preview_and_thank_you_page_split_the_charge_when_the_in_stock_part_is_paid_up_front(
    client, today, gateway, run_on_commit, settings
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    preview, thanks = checkout(client, run_on_commit, stocked_product(num_in_stock=1), 3)
    assert (
        "When you place your order, £10.00 is charged to your card for the items that ship now "
        "and £20.00 is authorised on your card; you are charged the rest as the other items ship."
    ) in preview
    assert "£10.00 charged to your card for the items that ship now." in thanks
    assert "£20.00 authorised on your card; you are charged as the other items ship." in thanks
    assert "Nothing has been charged yet" not in thanks


def test_thank_you_page_says_nothing_more_is_due_when_everything_ships_now_and_is_paid_up_front(
    client, today, gateway, run_on_commit, settings
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    preview, thanks = checkout(client, run_on_commit, stocked_product(num_in_stock=5), 2)
    assert "When you place your order, £20.00 is charged to your card." in preview
    assert "is authorised on your card" not in preview
    assert "£20.00 charged to your card; nothing more is due." in thanks
    assert "authorised on your card" not in thanks


def test_preview_and_thank_you_page_say_nothing_is_charged_yet_when_every_item_is_backordered(
    client, today, gateway, run_on_commit, settings
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    preview, thanks = checkout(client, run_on_commit, stocked_product(num_in_stock=0), 2)
    assert "When you place your order, £20.00 is authorised on your card" in preview
    assert "Nothing is charged now." in preview
    assert "£20.00 authorised on your card; you are charged as items ship." in thanks
    assert "Nothing has been charged yet." in thanks
    assert "charged to your card" not in thanks


def test_preview_and_thank_you_page_speak_dutch_with_dutch_money_when_the_shop_is_in_dutch(
    client, today, gateway, run_on_commit
):
    checkout(client, run_on_commit, stocked_product(num_in_stock=1), 3)
    with translation.override("nl"):
        url = reverse("checkout:thank-you")
    assert url.startswith("/nl/")
    thanks = words(client.get(url))
    translation.activate("en-gb")  # the request activated Dutch in this thread
    assert (
        "£ 30,00 gereserveerd op je kaart; er wordt afgeschreven zodra de artikelen verzonden "
        "worden."
    ) in thanks.replace("\xa0", " ")
    assert "Er is nog niets afgeschreven." in thanks
    for jargon in JARGON:
        assert jargon not in thanks


def test_checkout_pages_stay_oscars_own_when_the_shop_did_not_opt_into_paying_when_it_ships(
    client, today, settings
):
    settings.BACKORDERS_PAYMENT_GATEWAY = None
    product = stocked_product(num_in_stock=5, price=Decimal("10.00"))
    preview = words(guest_checkout_to_preview(client, product, 1))
    assert "Payment details to go here" in preview
    assert "When you place your order" not in preview
    # An order the shop's own checkout took payment for: Oscar's payment section, unchanged.
    order = create_order(number="100099")
    session = client.session
    session["checkout_order_id"] = order.pk
    session.save()
    thanks = words(client.get(reverse("checkout:thank-you")))
    assert "No payment was required for this order." in thanks
    assert "authorised on your card" not in thanks
