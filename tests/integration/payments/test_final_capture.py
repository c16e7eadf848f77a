"""The order's last shipment tells the provider it is the last, so what is still held for
cancelled units is released with it (Stripe's multicapture, or any provider that keeps an
authorisation open across captures and cannot release part of it).

The order: 2 × £10.00 on the shelf + 3 backordered, and 1 × £4.50 in stock (£54.50).
"""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments import ledger
from oscar_backorders.payments.capture import settle_capture
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.shipping import plan_shipment, ship
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")

ZERO = Decimal("0.00")


@pytest.fixture
def multicapture(gateway):
    """Several captures against one authorisation, no release of part of it (Stripe's
    multicapture)."""
    gateway.capabilities = Capabilities(
        multiple_captures=True,
        partial_capture_releases_remainder=False,
        partial_release=False,
        reauthorise=True,
        stored_payment_methods=True,
    )
    return gateway


def captures_sent(gateway):
    return [call.params for call in gateway.calls if call.method == "capture"]


def test_last_shipment_releases_what_cancelled_units_held_when_the_provider_keeps_captures_open(
    mixed_order, multicapture, run_on_commit
):
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    run_on_commit(services.cancel_units, main.backorder.pk, 2, reason="customer asked")
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    # The provider cannot release part of it: the cancelled £20.00 stays held meanwhile.
    assert ledger.held(authorisation) == Decimal("30.00")
    allocate(main, 1)

    result = run_on_commit(ship, mixed_order.pk, {main.pk: 1})

    assert result.status == "captured"
    assert [params["final"] for params in captures_sent(multicapture)] == [False, True]
    authorisation.refresh_from_db()
    assert ledger.held(authorisation) == ZERO
    assert multicapture.held(authorisation.reference) == ZERO
    assert authorisation.amount_captured == Decimal("34.50")
    assert authorisation.amount_released == Decimal("20.00")
    assert authorisation.status == "closed"
    # Nothing is owed, so nothing is authorised again.
    assert PaymentAuthorisation.objects.filter(order=mixed_order).count() == 1


def test_a_shipment_is_not_the_last_while_units_still_wait(
    mixed_order, multicapture, run_on_commit
):
    main, plain = lines_of(mixed_order)

    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})

    assert [params["final"] for params in captures_sent(multicapture)] == [False]
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert ledger.held(authorisation) == Decimal("30.00")
    assert authorisation.status == "active"


def test_a_shipment_planned_while_an_earlier_capture_is_unsettled_is_not_the_last(
    mixed_order, multicapture, run_on_commit
):
    main, plain = lines_of(mixed_order)
    multicapture.fail_next("capture", "decline")
    held = run_on_commit(ship, mixed_order.pk, {main.pk: 2})
    assert held.status == "failed"
    run_on_commit(services.cancel_units, main.backorder.pk, 3, reason="customer asked")

    # The in-stock unit is the last one left, but shipment 1 still draws from the same hold:
    # telling the provider "last" now would release the money shipment 1 needs.
    later = plan_shipment(mixed_order.pk, {plain.pk: 1})

    assert later.final is False
    assert run_on_commit(settle_capture, later.pk).status == "captured"
    assert run_on_commit(settle_capture, held.capture_id).status == "captured"
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.amount_captured == Decimal("24.50")


def test_a_retried_last_capture_sends_the_provider_the_same_parameters(
    mixed_order, multicapture, run_on_commit
):
    main, plain = lines_of(mixed_order)
    run_on_commit(services.cancel_units, main.backorder.pk, 3, reason="customer asked")
    multicapture.fail_next("capture", "timeout")
    held = run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    assert held.status == "failed"

    retried = run_on_commit(settle_capture, held.capture_id)

    assert retried.status == "captured"
    sent = captures_sent(multicapture)
    assert len(sent) == 2 and sent[0] == sent[1] and sent[0]["final"] is True
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert ledger.held(authorisation) == ZERO
    assert authorisation.status == "closed"
