"""Walk django-oscar-api's basket and checkout as a headless front end would."""

from __future__ import annotations

from typing import Any

from oscar.test.factories import CountryFactory

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "1 Analytical Row",
    "line4": "London",
    "postcode": "N1 9GU",
}


def add(api: Any, product: Any, quantity: int, *, prefix: str = "") -> dict[str, Any]:
    """Put ``quantity`` of ``product`` in the session's basket; returns the basket.

    ``prefix``: the language's URL prefix (``"/nl"``; the sandbox serves oscarapi in
    ``i18n_patterns``, English unprefixed)."""
    url = f"http://testserver{prefix}/api/products/{product.pk}/"
    response = api.post(
        f"{prefix}/api/basket/add-product/", {"url": url, "quantity": quantity}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def checkout(api: Any, basket: dict[str, Any], *, prefix: str = "", **extra: Any) -> Any:
    """POST oscarapi's checkout for ``basket`` as a guest shipping to London."""
    CountryFactory(iso_3166_1_a2="GB", is_shipping_country=True)
    data = {
        "basket": basket["url"],
        "guest_email": "ada@example.com",
        "shipping_address": {**ADDRESS, "country": f"http://testserver{prefix}/api/countries/GB/"},
        **extra,
    }
    return api.post(f"{prefix}/api/checkout/", data, format="json")
