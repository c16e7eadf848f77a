"""The Stripe adapter against localstripe (started on 127.0.0.1 by the ``localstripe_url`` fixture)."""

import datetime as dt
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.gateways.exceptions import GatewayError, PaymentDeclined
from oscar_backorders.payments.gateways.stripe import (
    StripeGateway,
    _charge_id,
    from_minor,
    to_minor,
)
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from oscar_backorders.payments.release import refund_capture
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, lines_of, stripe_card

pytestmark = [pytest.mark.django_db, pytest.mark.localstripe]

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")


@pytest.fixture
def stripe_order(strategy, today, stripe_gateway):
    product = stocked_product(num_in_stock=2, price=Decimal("10.00"))
    other = stocked_product(num_in_stock=5, price=Decimal("4.50"))
    order = place(basket_with(strategy, (product, 5), (other, 1)))
    authorise_order(order.pk, payment_token=stripe_card(stripe_gateway))
    return order


def intent(gateway, reference):
    return gateway.client.v1.payment_intents.retrieve(reference)


def test_minor_units_round_trip_and_refuse_fractions_of_a_cent():
    assert to_minor(Decimal("54.50"), "GBP") == 5450
    assert to_minor(Decimal("500"), "JPY") == 500
    assert from_minor(5450, "GBP") == Decimal("54.50")
    with pytest.raises(GatewayError, match="more decimals"):
        to_minor(Decimal("1.005"), "GBP")


def test_checkout_authorisation_is_a_manual_capture_payment_intent(stripe_order, stripe_gateway):
    authorisation = PaymentAuthorisation.objects.get(order=stripe_order)
    remote = intent(stripe_gateway, authorisation.reference)
    assert (remote.status, remote.capture_method, remote.amount) == (
        "requires_capture",
        "manual",
        5450,
    )
    assert authorisation.payment_method.startswith("cus_")
    # localstripe sends no capture_before: the configured validity applies.
    assert authorisation.expires_at == dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def test_declined_card_is_refused_at_authorisation(strategy, today, stripe_gateway):
    order = place(basket_with(strategy, (stocked_product(num_in_stock=1), 1)))
    with pytest.raises(PaymentDeclined):
        authorise_order(order.pk, payment_token=stripe_card(stripe_gateway, "4000000000000002"))
    assert not PaymentAuthorisation.objects.exists()


def test_mixed_order_ships_in_two_batches_on_stripe_and_captures_add_up(
    stripe_order, stripe_gateway, run_on_commit
):
    main, plain = lines_of(stripe_order)
    first = run_on_commit(ship, stripe_order.pk, {main.pk: 2, plain.pk: 1})
    assert first.shipped, first.error
    old, fresh = PaymentAuthorisation.objects.filter(order=stripe_order).order_by("pk")
    assert intent(stripe_gateway, old.reference).status == "succeeded"
    assert (fresh.status, fresh.amount) == ("active", Decimal("30.00"))
    assert intent(stripe_gateway, fresh.reference).status == "requires_capture"

    allocate(main, 3)
    second = run_on_commit(ship, stripe_order.pk, {main.pk: 3})

    assert second.shipped, second.error
    assert first.amount + second.amount == stripe_order.total_incl_tax
    charges = [
        stripe_gateway.client.v1.charges.retrieve(_charge_id(intent(stripe_gateway, a.reference)))
        for a in (old, fresh)
    ]
    captured = sum(c.amount - c.amount_refunded for c in charges)
    assert captured == 5450


def test_cancelling_the_waiting_units_cancels_the_payment_intent(
    strategy, today, stripe_gateway, run_on_commit
):
    order = place(basket_with(strategy, (stocked_product(num_in_stock=0), 2)))
    authorise_order(order.pk, payment_token=stripe_card(stripe_gateway))
    line = order.lines.get()
    run_on_commit(services.cancel_units, line.backorder.pk, 2, reason="no longer wanted")
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert authorisation.status == "closed"
    assert intent(stripe_gateway, authorisation.reference).status == "canceled"


def test_refund_of_a_stripe_shipment(stripe_order, stripe_gateway, run_on_commit):
    _main, plain = lines_of(stripe_order)
    result = run_on_commit(ship, stripe_order.pk, {plain.pk: 1})
    answer = run_on_commit(refund_capture, result.capture_id, Decimal("4.50"), reason="returned")
    assert answer.reference.startswith("re_")


def test_reauthorisation_uses_the_stored_payment_method_and_cancels_the_old_intent(
    stripe_order, stripe_gateway, run_on_commit
):
    handled = run_on_commit(
        refresh_expiring_authorisations,
        now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC),
    )
    assert handled == 1
    old, fresh = PaymentAuthorisation.objects.filter(order=stripe_order).order_by("pk")
    assert intent(stripe_gateway, old.reference).status == "canceled"
    assert intent(stripe_gateway, fresh.reference).status == "requires_capture"


def test_stripe_gateway_without_a_key_names_the_setting(settings):
    settings.BACKORDERS_STRIPE_SECRET_KEY = ""
    from oscar_backorders.exceptions import BackorderConfigurationError

    with pytest.raises(BackorderConfigurationError, match="BACKORDERS_STRIPE_SECRET_KEY"):
        StripeGateway()


def test_in_stock_part_captured_at_checkout_on_stripe_and_the_rest_reauthorised(
    strategy, today, stripe_gateway, run_on_commit, settings
):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    product = stocked_product(num_in_stock=2, price=Decimal("10.00"))
    other = stocked_product(num_in_stock=5, price=Decimal("4.50"))
    order = place(basket_with(strategy, (product, 5), (other, 1)))

    run_on_commit(authorise_order, order.pk, payment_token=stripe_card(stripe_gateway))

    old, fresh = PaymentAuthorisation.objects.filter(order=order).order_by("pk")
    assert (old.amount_captured, old.status) == (Decimal("24.50"), "replaced")
    assert intent(stripe_gateway, old.reference).status == "succeeded"
    assert (fresh.status, fresh.amount) == ("active", Decimal("30.00"))
    main, plain = lines_of(order)
    first = run_on_commit(ship, order.pk, {main.pk: 2, plain.pk: 1})
    assert first.shipped and first.amount == 0
    assert intent(stripe_gateway, fresh.reference).status == "requires_capture"

    allocate(main, 3)
    second = run_on_commit(ship, order.pk, {main.pk: 3})

    assert second.shipped, second.error
    assert second.amount == Decimal("30.00")
    charges = [
        stripe_gateway.client.v1.charges.retrieve(_charge_id(intent(stripe_gateway, a.reference)))
        for a in (old, fresh)
    ]
    assert sum(c.amount - c.amount_refunded for c in charges) == 5450
