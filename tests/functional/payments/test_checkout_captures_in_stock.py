"""A sandbox checkout with BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.functional.payments.test_checkout_to_final_capture import guest_checkout_to_preview
from tests.payments_support import allocate

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


def test_guest_checkout_captures_the_in_stock_unit_and_the_rest_as_it_ships(
    client, today, gateway, run_on_commit, settings
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    product = stocked_product(num_in_stock=1, price=Decimal("12.00"))
    guest_checkout_to_preview(client, product, 3)

    placed = run_on_commit(
        client.post, reverse("checkout:preview"), {"action": "place_order", "payment_token": "ok"}
    )

    assert placed.status_code == 302 and placed["Location"].endswith(reverse("checkout:thank-you"))
    order = Order.objects.get()
    assert [c.method for c in gateway.calls] == ["authorise", "capture"]
    assert gateway.calls[1].params["amount"] == Decimal("12.00")
    assert order.sources.get().amount_debited == Decimal("12.00")

    line = order.lines.get()
    first = run_on_commit(ship, order.pk, {line.pk: 1})
    allocate(line, 2)
    last = run_on_commit(ship, order.pk, {line.pk: 2})

    assert (first.amount, last.amount) == (Decimal("0.00"), Decimal("24.00"))
    authorisation = order.backorder_authorisations.get()
    assert (authorisation.amount_captured, authorisation.status) == (Decimal("36.00"), "closed")
    assert order.sources.get().amount_debited == order.total_incl_tax == Decimal("36.00")
    assert sum(c.params["amount"] for c in gateway.money_moves("capture")) == Decimal("36.00")
