from __future__ import annotations

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments.authorise import authorise_order
from oscar_backorders.payments.gateways import get_gateway, reset_gateway_cache
from tests.factories import stocked_product
from tests.helpers import basket_with, place

BackorderLine = get_model("oscar_backorders", "BackorderLine")


@pytest.fixture
def gateway(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = "oscar_backorders.payments.gateways.dummy.DummyGateway"
    reset_gateway_cache()
    gateway = get_gateway()
    gateway.reset()
    yield gateway
    reset_gateway_cache()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks of a block (the test's transaction never commits)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def mixed_order(strategy, today, gateway):
    """An authorised order: 2 × £10.00 on the shelf + 3 backordered; 1 × £4.50 in stock."""
    product = stocked_product(num_in_stock=2, price=Decimal("10.00"))
    other = stocked_product(num_in_stock=5, price=Decimal("4.50"))
    order = place(basket_with(strategy, (product, 5), (other, 1)))
    authorise_order(order.pk, payment_token="ok")
    return order


def lines_of(order):
    main = order.lines.get(backorder__isnull=False)
    plain = order.lines.get(backorder__isnull=True)
    return main, plain


def allocate(line, quantity):
    """Stock arrives for ``quantity`` waiting units and is allocated to them."""
    record = line.stockrecord
    record.refresh_from_db()
    record.num_in_stock += quantity
    record.save()
    return services.allocate_units(line.backorder.pk, quantity, reason="stock arrived")
