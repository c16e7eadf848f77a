"""Walk Oscar's real checkout with Django's test client, as a customer would."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from oscar.test.factories import CountryFactory

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "1 Analytical Row",
    "line4": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


def add_to_basket(client: Any, product: Any, quantity: int) -> Any:
    return client.post(
        reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity}, follow=True
    )


def to_preview(client: Any, *, guest_email: str | None = None) -> Any:
    """From a filled basket to the checkout preview; returns the preview response."""
    CountryFactory(iso_3166_1_a2="GB", is_shipping_country=True)
    if guest_email:
        response = client.post(
            reverse("checkout:index"), {"username": guest_email, "options": "anonymous"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("checkout:shipping-address"), ADDRESS)
    assert response.status_code == 302, response.content.decode()[:3000]
    # One shipping method (free) and no payment form: Oscar walks on to the details page.
    client.get(reverse("checkout:shipping-method"), follow=True)
    response = client.get(reverse("checkout:preview"))
    assert response.status_code == 200
    return response


def place_order(client: Any) -> Any:
    return client.post(reverse("checkout:preview"), {"action": "place_order"})
