"""BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock": what ships from stock is paid at once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import checks
from django.utils import timezone
from oscar.apps.checkout.calculators import OrderTotalCalculator
from oscar.apps.shipping.methods import FixedPrice
from oscar.core.loading import get_class, get_model

from oscar_backorders import services
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.exceptions import ShipmentRefused
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.release import refund_capture
from oscar_backorders.payments.retries import retry_due_captures
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

OrderCreator = get_class("order.utils", "OrderCreator")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentRelease = get_model("oscar_backorders", "PaymentRelease")


@pytest.fixture
def capture_in_stock(settings):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"


def place_mixed(strategy, *, charge=Decimal("0.00"), number="100001"):
    """2 × £10.00 on the shelf + 3 backordered; 1 × £4.50 in stock; then authorised."""
    product = stocked_product(num_in_stock=2, price=Decimal("10.00"))
    other = stocked_product(num_in_stock=5, price=Decimal("4.50"))
    basket = basket_with(strategy, (product, 5), (other, 1))
    shipping = FixedPrice(charge_excl_tax=charge, charge_incl_tax=charge)
    shipping_charge = shipping.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, shipping_charge)
    order = OrderCreator().place_order(
        basket=basket,
        total=total,
        shipping_method=shipping,
        shipping_charge=shipping_charge,
        order_number=number,
    )
    authorise_order(order.pk, payment_token="ok")
    return order


def total_captured(order):
    return sum(
        PaymentAuthorisation.objects.filter(order=order).values_list("amount_captured", flat=True),
        Decimal("0.00"),
    )


def test_checkout_captures_the_in_stock_value_at_once_when_setting_is_capture_in_stock(
    strategy, today, gateway, capture_in_stock, run_on_commit
):
    order = run_on_commit(place_mixed, strategy)

    assert [c.params["amount"] for c in gateway.money_moves("capture")] == [Decimal("24.50")]
    capture = PaymentCapture.objects.get(order=order)
    assert (capture.sequence, capture.status, capture.amount) == (0, "captured", Decimal("24.50"))
    assert capture.shipping_event is None
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert (authorisation.amount, authorisation.amount_captured) == (
        Decimal("54.50"),
        Decimal("24.50"),
    )
    assert authorisation.amount_remaining == Decimal("30.00")
    source = order.sources.get()
    assert (source.amount_allocated, source.amount_debited) == (Decimal("54.50"), Decimal("24.50"))
    event = order.payment_events.get(event_type__name="Captured")
    assert event.amount == Decimal("24.50")
    main, plain = lines_of(order)
    assert dict(event.line_quantities.values_list("line_id", "quantity")) == {
        main.pk: 2,
        plain.pk: 1,
    }


def test_checkout_authorises_only_when_setting_is_the_default(strategy, today, gateway):
    order = place_mixed(strategy)

    assert gateway.money_moves("capture") == []
    assert not PaymentCapture.objects.filter(order=order).exists()
    assert total_captured(order) == 0


def test_shipping_charge_is_captured_at_checkout_when_it_goes_with_the_first_shipment(
    strategy, today, gateway, capture_in_stock
):
    order = place_mixed(strategy, charge=Decimal("5.00"))

    assert PaymentCapture.objects.get(order=order).amount == Decimal("29.50")
    main, plain = lines_of(order)
    assert ship(order.pk, {main.pk: 2, plain.pk: 1}).amount == 0


def test_shipping_charge_waits_for_the_last_shipment_when_setting_says_last(
    strategy, today, gateway, capture_in_stock, settings
):
    settings.BACKORDERS_PAYMENT_SHIPPING_CHARGE_WITH = "last"
    order = place_mixed(strategy, charge=Decimal("5.00"))
    main, plain = lines_of(order)

    assert PaymentCapture.objects.get(order=order).amount == Decimal("24.50")
    assert ship(order.pk, {main.pk: 2, plain.pk: 1}).amount == 0
    allocate(main, 3)
    assert ship(order.pk, {main.pk: 3}).amount == Decimal("35.00")
    assert total_captured(order) == order.total_incl_tax == Decimal("59.50")


def test_shipping_the_in_stock_units_later_captures_nothing_when_paid_at_checkout(
    strategy, today, gateway, capture_in_stock
):
    order = place_mixed(strategy)
    main, plain = lines_of(order)

    result = ship(order.pk, {main.pk: 2, plain.pk: 1})

    assert result.shipped and result.amount == 0
    assert [c.params["amount"] for c in gateway.money_moves("capture")] == [Decimal("24.50")]
    assert total_captured(order) == Decimal("24.50")
    assert order.sources.get().amount_debited == Decimal("24.50")
    assert order.shipping_events.filter(event_type__name="Shipped").count() == 1


def test_backordered_units_are_captured_when_they_ship_after_a_checkout_capture(
    strategy, today, gateway, capture_in_stock
):
    order = place_mixed(strategy)
    main, plain = lines_of(order)
    ship(order.pk, {main.pk: 2, plain.pk: 1})
    allocate(main, 2)

    result = ship(order.pk, {main.pk: 2})

    assert result.shipped and result.amount == Decimal("20.00")
    assert total_captured(order) == Decimal("44.50")


def test_in_stock_and_backordered_units_in_one_shipment_capture_only_the_backordered(
    strategy, today, gateway, capture_in_stock
):
    order = place_mixed(strategy)
    main, plain = lines_of(order)
    allocate(main, 1)

    result = ship(order.pk, {main.pk: 3, plain.pk: 1})

    assert result.amount == Decimal("10.00")
    assert total_captured(order) == Decimal("34.50")


def test_cancelling_backordered_units_releases_only_their_part_after_a_checkout_capture(
    strategy, today, gateway, capture_in_stock, run_on_commit
):
    order = run_on_commit(place_mixed, strategy)
    main, _plain = lines_of(order)

    run_on_commit(services.cancel_units, main.backorder.pk, 2, reason="customer asked")

    release = PaymentRelease.objects.get()
    assert (release.amount, release.status) == (Decimal("20.00"), "done")
    assert [c.params["amount"] for c in gateway.money_moves("release")] == [Decimal("20.00")]
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert authorisation.amount_captured == Decimal("24.50")
    assert authorisation.amount_remaining == Decimal("10.00")


def test_everything_captured_adds_up_to_the_order_total_when_all_ships(
    strategy, today, gateway, capture_in_stock
):
    order = place_mixed(strategy, charge=Decimal("3.99"))
    main, plain = lines_of(order)
    allocate(main, 1)
    ship(order.pk, {main.pk: 3})
    ship(order.pk, {plain.pk: 1})
    allocate(main, 2)
    ship(order.pk, {main.pk: 2})

    assert total_captured(order) == order.total_incl_tax == Decimal("58.49")
    assert sum(c.params["amount"] for c in gateway.money_moves("capture")) == Decimal("58.49")
    assert order.sources.get().amount_debited == Decimal("58.49")
    with pytest.raises(ShipmentRefused):
        ship(order.pk, {main.pk: 1})


def test_uneven_prices_add_up_to_the_cent_with_cancellations_after_a_checkout_capture(
    strategy, today, gateway, capture_in_stock, run_on_commit
):
    product = stocked_product(num_in_stock=1, price=Decimal("3.33"))
    order = place(basket_with(strategy, (product, 3)))
    run_on_commit(authorise_order, order.pk, payment_token="ok")
    line = order.lines.get()
    run_on_commit(services.cancel_units, line.backorder.pk, 1, reason="x")
    allocate(line, 1)
    ship(order.pk, {line.pk: 2})

    captured = total_captured(order)
    released = sum(PaymentRelease.objects.values_list("amount", flat=True), Decimal("0.00"))
    assert captured + released == order.total_incl_tax == Decimal("9.99")
    assert PaymentCapture.objects.get(sequence=0).amount == Decimal("3.33")


def test_declined_checkout_capture_leaves_everything_authorised_and_captured_as_it_ships(
    strategy, today, gateway, capture_in_stock
):
    gateway.fail_next("capture", "decline")
    order = place_mixed(strategy)
    main, plain = lines_of(order)

    capture = PaymentCapture.objects.get(order=order)
    assert capture.status == "abandoned"
    assert total_captured(order) == 0
    assert ship(order.pk, {main.pk: 2, plain.pk: 1}).amount == Decimal("24.50")


def test_timed_out_checkout_capture_holds_shipments_until_retried_with_the_same_key(
    strategy, today, gateway, capture_in_stock
):
    gateway.fail_next("capture", "timeout_after")
    order = place_mixed(strategy)
    main, plain = lines_of(order)
    capture = PaymentCapture.objects.get(order=order)
    assert (capture.status, capture.outcome_unknown) == ("failed", True)

    with pytest.raises(ShipmentRefused, match="not settled yet"):
        ship(order.pk, {main.pk: 2, plain.pk: 1})
    assert not order.shipping_events.exists()

    assert retry_due_captures(now=timezone.now() + dt.timedelta(hours=1)) == 1
    capture.refresh_from_db()
    assert capture.status == "captured"
    assert gateway.total_captured == total_captured(order) == Decimal("24.50")
    assert ship(order.pk, {main.pk: 2, plain.pk: 1}).amount == 0


def test_remainder_is_reauthorised_when_gateway_partial_capture_releases_it(
    strategy, today, gateway, capture_in_stock, run_on_commit
):
    gateway.capabilities = Capabilities(
        multiple_captures=False,
        partial_capture_releases_remainder=True,
        partial_release=False,
        reauthorise=True,
        stored_payment_methods=True,
    )
    order = run_on_commit(place_mixed, strategy)
    main, _plain = lines_of(order)

    first, second = PaymentAuthorisation.objects.filter(order=order).order_by("pk")
    assert (first.amount_captured, first.status) == (Decimal("24.50"), "replaced")
    assert (second.amount, second.status) == (Decimal("30.00"), "active")
    allocate(main, 3)
    assert run_on_commit(ship, order.pk, {main.pk: 5}).amount == Decimal("30.00")
    assert total_captured(order) == Decimal("54.50")


def test_refund_of_the_checkout_capture_is_refused_beyond_what_it_took(
    strategy, today, gateway, capture_in_stock
):
    from oscar_backorders.payments.exceptions import PaymentRefused

    order = place_mixed(strategy)
    capture = PaymentCapture.objects.get(order=order)

    with pytest.raises(PaymentRefused, match="24.50"):
        refund_capture(capture.pk, Decimal("24.51"), reason="too much")
    refund_capture(capture.pk, Decimal("4.50"), reason="returned")
    assert order.sources.get().amount_refunded == Decimal("4.50")


def test_unknown_payment_at_checkout_setting_is_refused_by_a_system_check(settings):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_everything"

    errors = [m for m in checks.run_checks() if m.id == "oscar_backorders.E104"]

    assert len(errors) == 1
    assert "'capture_everything'" in errors[0].msg
    assert "'authorise', 'capture_in_stock'" in errors[0].msg


@pytest.mark.parametrize("value", ["authorise", "capture_in_stock"])
def test_known_payment_at_checkout_settings_pass_the_system_check(settings, value):
    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = value

    assert not [m for m in checks.run_checks() if m.id == "oscar_backorders.E104"]
