"""A sandbox order followed from authorisation at checkout to its final capture."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import CountryFactory

from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.payments_support import allocate

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


def guest_checkout_to_preview(client, product, quantity):
    CountryFactory(iso_3166_1_a2="GB", printable_name="United Kingdom", is_shipping_country=True)
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": quantity})
    client.post(
        reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
    )
    response = client.post(
        reverse("checkout:shipping-address"),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "line1": "1 Analytical Row",
            "line4": "London",
            "postcode": "N1 9GU",
            "country": "GB",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    client.get(reverse("checkout:shipping-method"), follow=True)  # one method: chosen for us
    preview = client.get(reverse("checkout:preview"))
    assert preview.status_code == 200
    return preview


def test_guest_checkout_authorises_then_two_shipments_capture_the_total(
    client, today, gateway, run_on_commit
):
    product = stocked_product(num_in_stock=1, price=Decimal("12.00"))
    preview = guest_checkout_to_preview(client, product, 3)
    page = preview.content.decode()
    assert 'name="payment_token"' in page and "no real card is charged" in page

    placed = run_on_commit(
        client.post, reverse("checkout:preview"), {"action": "place_order", "payment_token": "ok"}
    )

    assert placed.status_code == 302 and placed["Location"].endswith(reverse("checkout:thank-you"))
    order = Order.objects.get()
    assert [c.method for c in gateway.calls] == ["authorise"]
    authorisation = order.backorder_authorisations.get()
    assert authorisation.amount == order.total_incl_tax == Decimal("36.00")
    assert order.sources.get().amount_debited == 0

    line = order.lines.get()
    first = run_on_commit(ship, order.pk, {line.pk: 1})
    allocate(line, 2)
    last = run_on_commit(ship, order.pk, {line.pk: 2})

    assert (first.amount, last.amount) == (Decimal("12.00"), Decimal("24.00"))
    authorisation.refresh_from_db()
    assert (authorisation.amount_captured, authorisation.status) == (Decimal("36.00"), "closed")
    assert order.sources.get().amount_debited == Decimal("36.00")


def test_declined_test_card_returns_to_payment_details_with_the_reason(
    client, today, gateway, run_on_commit
):
    product = stocked_product(num_in_stock=5, price=Decimal("12.00"))
    guest_checkout_to_preview(client, product, 1)
    response = run_on_commit(
        client.post,
        reverse("checkout:preview"),
        {"action": "place_order", "payment_token": "decline"},
    )
    assert "Your payment was declined" in response.content.decode()
    assert not Order.objects.exists()


def test_dutch_checkout_page_shows_the_sandbox_payment_choices_in_dutch(client, today, gateway):
    from django.utils import translation

    guest_checkout_to_preview(client, stocked_product(num_in_stock=0), 1)
    with translation.override("nl"):
        url = reverse("checkout:preview")
    assert url.startswith("/nl/")
    page = client.get(url).content.decode()
    translation.activate("en-gb")  # the request activated Dutch in this thread
    for dutch in (
        "Testkaart: geautoriseerd",
        "Testkaart: geweigerd",
        "Als je je bestelling plaatst, wordt £\xa010,00 op je kaart gereserveerd",
    ):
        assert dutch in page
    assert "Test card" not in page and "When you place your order" not in page
