"""``order_money``: what an order's customer paid, has held and still owes, from its records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import lapse, refresh_expiring_authorisations
from oscar_backorders.payments.money import OrderMoney, order_money
from oscar_backorders.payments.release import refund_capture
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
D = Decimal


def money(order, *, charged="0", refunded="0", released="0", held="0"):
    return OrderMoney(
        currency="GBP",
        total=order.total_incl_tax,
        charged=D(charged),
        refunded=D(refunded),
        released=D(released),
        held=D(held),
    )


def test_none_when_the_shops_own_checkout_took_the_payment(strategy, today, gateway):
    order = place(basket_with(strategy, (stocked_product(num_in_stock=1), 1)))
    assert order_money(order) is None


def test_whole_total_held_and_to_charge_when_only_authorised(
    mixed_order, django_assert_num_queries
):
    with django_assert_num_queries(1):
        result = order_money(mixed_order)
    assert result == money(mixed_order, held="54.50")
    assert result.to_charge == D("54.50")


def test_shipment_moves_its_value_from_held_to_charged(mixed_order, run_on_commit):
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    result = order_money(mixed_order)
    assert result == money(mixed_order, charged="24.50", held="30.00")
    assert result.to_charge == D("30.00")


def test_cancelled_units_released_and_no_longer_held_or_to_charge(mixed_order, run_on_commit):
    main, _plain = lines_of(mixed_order)
    run_on_commit(services.cancel_units, main.backorder.pk, 1, reason="customer asked")
    result = order_money(mixed_order)
    assert result == money(mixed_order, released="10.00", held="44.50")
    assert result.to_charge == D("44.50")


def test_release_counts_before_the_provider_answered(mixed_order):
    # Recorded in the cancelling transaction, carried out after commit (not run here): the
    # customer will not pay it either way, but it is still held until the provider lets it go.
    main, _plain = lines_of(mixed_order)
    services.cancel_units(main.backorder.pk, 1, reason="customer asked")
    result = order_money(mixed_order)
    assert (result.released, result.held, result.to_charge) == (D("10.00"), D("54.50"), D("44.50"))


def test_refund_of_a_shipment_counted_once(mixed_order, run_on_commit):
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    capture = PaymentCapture.objects.get(order=mixed_order)
    refund_capture(capture.pk, D("4.50"), reason="returned")
    result = order_money(mixed_order)
    assert result == money(mixed_order, charged="24.50", refunded="4.50", held="30.00")
    assert result.to_charge == D("30.00")


def test_everything_shipped_leaves_nothing_held_or_to_charge(mixed_order, run_on_commit):
    main, plain = lines_of(mixed_order)
    allocate(main, 3)
    run_on_commit(ship, mixed_order.pk, {main.pk: 5, plain.pk: 1})
    result = order_money(mixed_order)
    assert result == money(mixed_order, charged="54.50")
    assert result.to_charge == 0


def test_in_stock_part_charged_at_checkout_when_captured_in_stock(
    strategy, today, gateway, settings
):
    from oscar_backorders.payments.checkout import authorise_order

    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    order = place(basket_with(strategy, (stocked_product(num_in_stock=1, price=D("12.00")), 3)))
    authorise_order(order.pk, payment_token="ok")
    result = order_money(order)
    assert result == money(order, charged="12.00", held="24.00")
    assert result.to_charge == D("24.00")


def test_renewed_authorisation_held_once(mixed_order, gateway, run_on_commit):
    run_on_commit(
        refresh_expiring_authorisations, now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    )
    assert PaymentAuthorisation.objects.filter(order=mixed_order).count() == 2
    assert order_money(mixed_order) == money(mixed_order, held="54.50")


def test_authorisation_waiting_for_the_customer_still_held(mixed_order, gateway, run_on_commit):
    gateway.capabilities = Capabilities(reauthorise=False)
    run_on_commit(
        refresh_expiring_authorisations, now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    )
    assert PaymentAuthorisation.objects.get(order=mixed_order).status == "needs_customer"
    assert order_money(mixed_order) == money(mixed_order, held="54.50")


def test_expired_authorisation_holds_nothing_but_the_rest_is_still_to_charge(mixed_order):
    # The authorisation lapsed at its deadline (what the hourly sweep records).
    lapse(mixed_order.backorder_authorisations.get())
    result = order_money(mixed_order)
    assert result == money(mixed_order)
    assert result.to_charge == D("54.50")
