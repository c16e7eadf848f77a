"""A shop that pays its own way (pay-when-it-ships off) ships backordered units from Oscar's
order dashboard as always, and the plugin records them as shipped."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.shipments import backordered_in_shipment
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, lines_of, post_shipped

pytestmark = pytest.mark.django_db

ShippingEventType = get_model("order", "ShippingEventType")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")


@pytest.fixture
def order_paid_elsewhere(settings, strategy, today):
    """2 × £10.00 on the shelf + 3 backordered; 1 × £4.50 in stock; the shop took payment."""
    settings.BACKORDERS_PAYMENT_GATEWAY = None
    product = stocked_product(num_in_stock=2, price=Decimal("10.00"))
    other = stocked_product(num_in_stock=5, price=Decimal("4.50"))
    return place(basket_with(strategy, (product, 5), (other, 1)))


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("in_stock", "shipped_before", "quantity", "backordered"),
    [(2, 0, 2, 0), (2, 0, 3, 1), (2, 2, 1, 1), (2, 1, 3, 2), (0, 0, 3, 3), (2, 3, 2, 2)],
)
def test_in_stock_units_ship_first_then_backordered_ones(
    in_stock, shipped_before, quantity, backordered
):
    assert (
        backordered_in_shipment(in_stock=in_stock, shipped_before=shipped_before, quantity=quantity)
        == backordered
    )


def test_shelf_units_and_allocated_backordered_units_ship_and_are_recorded(
    staff, order_paid_elsewhere
):
    main, _plain = lines_of(order_paid_elsewhere)
    allocate(main, 1)
    response = post_shipped(staff, order_paid_elsewhere, main, 3)
    assert "Shipping event created" in response.content.decode()
    main.backorder.refresh_from_db()
    assert (main.backorder.quantity_shipped, main.backorder.quantity_allocated) == (1, 0)
    assert main.backorder.quantity_waiting == 2
    assert not PaymentCapture.objects.exists()


def test_units_still_waiting_for_stock_are_refused_and_nothing_is_recorded(
    staff, order_paid_elsewhere
):
    main, _plain = lines_of(order_paid_elsewhere)
    response = post_shipped(staff, order_paid_elsewhere, main, 3)
    assert "still waiting for stock" in response.content.decode()
    assert not order_paid_elsewhere.shipping_events.exists()
    main.backorder.refresh_from_db()
    assert main.backorder.quantity_shipped == 0


def test_lines_without_backorder_ship_exactly_as_in_oscar(staff, order_paid_elsewhere):
    _main, plain = lines_of(order_paid_elsewhere)
    response = post_shipped(staff, order_paid_elsewhere, plain, 1)
    assert "Shipping event created" in response.content.decode()
    assert order_paid_elsewhere.shipping_events.get().lines.get() == plain
