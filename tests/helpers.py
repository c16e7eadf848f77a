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
