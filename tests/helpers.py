"""Shared test helpers: build baskets and place orders through Oscar's own OrderCreator."""

from __future__ import annotations

from typing import Any

from oscar.core.loading import get_class
from oscar.test.factories import create_basket

OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Free = get_class("shipping.methods", "Free")


def basket_with(strategy: Any, *items: tuple[Any, int], owner: Any = None) -> Any:
    basket = create_basket(empty=True)
    if owner is not None:
        basket.owner = owner
        basket.save()
    basket.strategy = strategy
    for product, quantity in items:
        basket.add_product(product, quantity)
    return basket


def place(basket: Any, number: str = "100001", user: Any = None, **kwargs: Any) -> Any:
    shipping = Free()
    charge = shipping.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    return OrderCreator().place_order(
        basket=basket,
        total=total,
        shipping_method=shipping,
        shipping_charge=charge,
        order_number=number,
        user=user,
        **kwargs,
    )


def staff_with(client: Any, *codenames: str) -> Any:
    """``client`` logged in as a staff user with only these permissions of the plugin."""
    from django.contrib.auth.models import Permission
    from oscar.test.factories import UserFactory

    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="oscar_backorders", codename__in=codenames
        )
    )
    client.force_login(user)
    return client


def confirmation_token(client: Any, scope: str) -> dict[str, str]:
    """The one-time token field a console confirmation page (``scope``, e.g.
    ``"queue:set_estimate"``) would carry for the client's logged-in user, as POST data."""
    from django.contrib.auth import get_user_model

    from oscar_backorders.console import submit_once

    user_id = client.session.get("_auth_user_id")
    user = get_user_model()._default_manager.filter(pk=user_id).first() if user_id else None
    return {submit_once.FIELD: submit_once.issue(user, scope)}


def token_in(response: Any) -> dict[str, str]:
    """The one-time token field of the confirmation page ``response`` rendered, as POST data."""
    import re

    from oscar_backorders.console import submit_once

    found = re.search(rf'name="{submit_once.FIELD}" value="([^"]+)"', response.content.decode())
    assert found, "the page carries no confirmation token"
    return {submit_once.FIELD: found.group(1)}
