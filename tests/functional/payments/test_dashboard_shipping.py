"""Shipping from Oscar's order dashboard captures through the plugin."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from tests.payments_support import lines_of, post_shipped

pytestmark = pytest.mark.django_db

ShippingEventType = get_model("order", "ShippingEventType")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_dashboard_shipped_event_captures_the_value_shipped(
    staff, mixed_order, gateway, run_on_commit
):
    main, _plain = lines_of(mixed_order)
    response = run_on_commit(post_shipped, staff, mixed_order, main, 2)
    assert "Shipping event created" in response.content.decode()
    capture = PaymentCapture.objects.get()
    assert (capture.status, capture.amount, capture.reason) == (
        "captured",
        Decimal("20.00"),
        "DHL 42",
    )
    assert capture.shipping_event.notes == "DHL 42"
    assert len(gateway.money_moves("capture")) == 1


def test_dashboard_refuses_waiting_backordered_units_and_captures_nothing(
    staff, mixed_order, gateway, run_on_commit
):
    main, _plain = lines_of(mixed_order)
    response = run_on_commit(post_shipped, staff, mixed_order, main, 5)
    assert "still waiting for stock" in response.content.decode()
    assert not PaymentCapture.objects.exists()
    assert gateway.money_moves("capture") == []


def test_dashboard_shows_a_failed_capture_and_holds_the_shipment(
    staff, mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "decline")
    response = run_on_commit(post_shipped, staff, mixed_order, plain, 1)
    assert "the shipment is held" in response.content.decode()
    assert PaymentCapture.objects.get().status == "failed"
    assert not mixed_order.shipping_events.exists()
