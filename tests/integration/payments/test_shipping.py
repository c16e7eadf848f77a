from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import signals
from oscar_backorders.payments.capture import settle_capture
from oscar_backorders.payments.exceptions import NoAuthorisation, ShipmentRefused
from oscar_backorders.payments.retries import retry_due_captures
from oscar_backorders.payments.shipping import plan_shipment, ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
ShippingEvent = get_model("order", "ShippingEvent")
PaymentEvent = get_model("order", "PaymentEvent")
OrderNote = get_model("order", "OrderNote")


def state(order):
    """Everything a refused shipment must leave untouched."""
    main, plain = lines_of(order)
    main.refresh_from_db()
    plain.refresh_from_db()
    main.stockrecord.refresh_from_db()
    backorder = main.backorder
    backorder.refresh_from_db()
    source = order.sources.get()
    return (
        PaymentCapture.objects.filter(order=order).count(),
        ShippingEvent.objects.filter(order=order).count(),
        PaymentEvent.objects.filter(order=order).count(),
        main.num_allocated,
        plain.num_allocated,
        main.stockrecord.num_allocated,
        main.stockrecord.num_in_stock,
        backorder.quantity_allocated,
        backorder.quantity_shipped,
        source.amount_debited,
    )


@pytest.fixture
def received():
    seen = []

    def listener(signal_name):
        def on(**kwargs):
            seen.append((signal_name, kwargs))

        return on

    receivers = {
        "captured": listener("captured"),
        "failed": listener("failed"),
    }
    signals.payment_captured.connect(receivers["captured"], dispatch_uid="t-captured")
    signals.payment_capture_failed.connect(receivers["failed"], dispatch_uid="t-failed")
    yield seen
    signals.payment_captured.disconnect(dispatch_uid="t-captured")
    signals.payment_capture_failed.disconnect(dispatch_uid="t-failed")


def test_shipping_in_stock_units_captures_their_value_and_the_shipping_when_first(
    mixed_order, gateway, run_on_commit, received
):
    main, plain = lines_of(mixed_order)
    staff = UserFactory(is_staff=True)

    result = run_on_commit(
        ship, mixed_order.pk, {main.pk: 2, plain.pk: 1}, actor=staff, reason="parcel 1"
    )

    assert result.shipped
    assert result.amount == Decimal("24.50")  # 2 × 10.00 + 4.50, free shipping
    assert [c.params["amount"] for c in gateway.money_moves("capture")] == [Decimal("24.50")]
    event = ShippingEvent.objects.get(pk=result.shipping_event_id)
    assert event.event_type.name == "Shipped"
    assert {q.line_id: q.quantity for q in event.line_quantities.all()} == {
        main.pk: 2,
        plain.pk: 1,
    }
    payment_event = PaymentEvent.objects.get(shipping_event=event)
    assert (payment_event.event_type.name, payment_event.amount) == ("Captured", Decimal("24.50"))
    assert {q.line_id: q.quantity for q in payment_event.line_quantities.all()} == {
        main.pk: 2,
        plain.pk: 1,
    }
    source = mixed_order.sources.get()
    assert (source.amount_allocated, source.amount_debited) == (
        Decimal("54.50"),
        Decimal("24.50"),
    )
    assert source.transactions.filter(txn_type="Debit", amount=Decimal("24.50")).exists()
    main.refresh_from_db()
    assert main.num_allocated == 3  # the 2 shipped units' allocation was consumed
    main.stockrecord.refresh_from_db()
    assert (main.stockrecord.num_in_stock, main.stockrecord.num_allocated) == (0, 3)
    assert [name for name, _kw in received] == ["captured"]
    assert received[0][1]["line_quantities"] == {main.pk: 2, plain.pk: 1}
    assert received[0][1]["amount"] == Decimal("24.50")


def test_whole_mixed_order_ships_in_two_batches_and_captures_add_up_to_the_total(
    mixed_order, gateway, run_on_commit
):
    main, plain = lines_of(mixed_order)
    first = run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    allocate(main, 3)
    second = run_on_commit(ship, mixed_order.pk, {main.pk: 3})

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.amount + second.amount == mixed_order.total_incl_tax
    assert gateway.total_captured == mixed_order.total_incl_tax
    main.backorder.refresh_from_db()
    assert (main.backorder.quantity_shipped, main.backorder.status) == (3, "shipped")
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.amount_captured == mixed_order.total_incl_tax
    assert authorisation.status == "closed"
    assert main.shipping_event_quantity(ShippingEvent.objects.first().event_type) == 5


def test_backordered_units_still_waiting_are_refused_and_nothing_changes(mixed_order, gateway):
    main, _plain = lines_of(mixed_order)
    before = state(mixed_order)
    with pytest.raises(ShipmentRefused, match="still waiting for stock"):
        ship(mixed_order.pk, {main.pk: 3})
    assert state(mixed_order) == before
    assert gateway.money_moves("capture") == []


def test_only_allocated_backordered_units_ship_when_some_are_allocated(
    mixed_order, gateway, run_on_commit
):
    main, _plain = lines_of(mixed_order)
    allocate(main, 1)
    with pytest.raises(ShipmentRefused, match="Only 1 backordered unit"):
        ship(mixed_order.pk, {main.pk: 4})  # 2 in stock + 2 backordered, only 1 allocated
    result = run_on_commit(ship, mixed_order.pk, {main.pk: 3})
    assert result.shipped
    main.backorder.refresh_from_db()
    assert (main.backorder.quantity_shipped, main.backorder.quantity_allocated) == (1, 0)


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({}, "Say which order lines ship"),
        ("1:2", "Say which order lines ship"),
        ({"x": 1}, "must be whole numbers"),
        ("negative", "must be at least 1"),
        ("zero", "must be at least 1"),
        ("fraction", "must be at least 1"),
        ("boolean", "must be at least 1"),
        ("too_many", "Only 1 unit"),
    ],
)
def test_bad_quantities_are_refused_and_nothing_changes(mixed_order, gateway, quantities, message):
    main, plain = lines_of(mixed_order)
    named = {
        "negative": {plain.pk: -1},
        "zero": {plain.pk: 0},
        "fraction": {plain.pk: 0.5},
        "boolean": {plain.pk: True},
        "too_many": {plain.pk: 2},
    }
    if isinstance(quantities, str) and quantities in named:
        quantities = named[quantities]
    before = state(mixed_order)
    with pytest.raises(ShipmentRefused, match=message):
        ship(mixed_order.pk, quantities)
    assert state(mixed_order) == before
    assert gateway.money_moves("capture") == []


def test_lines_of_another_order_are_refused_and_nothing_changes(mixed_order, gateway, strategy):
    other_order = place(basket_with(strategy, (stocked_product(num_in_stock=3), 1)), "100002")
    other_line = other_order.lines.get()
    _main, plain = lines_of(mixed_order)
    before = state(mixed_order)
    with pytest.raises(ShipmentRefused, match="not lines of order 100001"):
        ship(mixed_order.pk, {plain.pk: 1, other_line.pk: 1})
    assert state(mixed_order) == before
    assert gateway.money_moves("capture") == []


def test_unknown_order_is_refused(gateway, db):
    with pytest.raises(ShipmentRefused, match="There is no order 999"):
        ship(999, {1: 1})


def test_order_without_authorisation_is_refused(strategy, today, gateway):
    order = place(basket_with(strategy, (stocked_product(num_in_stock=3), 1)))
    with pytest.raises(NoAuthorisation, match="no payment authorisation"):
        ship(order.pk, {order.lines.get().pk: 1})
    assert not PaymentCapture.objects.exists()


def test_capture_of_more_than_remains_authorised_is_refused(mixed_order, gateway):
    _main, plain = lines_of(mixed_order)
    PaymentAuthorisation.objects.filter(order=mixed_order).update(amount=Decimal("4.00"))
    before = state(mixed_order)
    with pytest.raises(ShipmentRefused, match="only 4.00 remain authorised"):
        ship(mixed_order.pk, {plain.pk: 1})
    assert state(mixed_order) == before
    assert gateway.money_moves("capture") == []


def test_second_shipment_of_the_same_units_is_refused_and_captures_nothing(
    mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    before = state(mixed_order)
    with pytest.raises(ShipmentRefused, match="Only 0 unit"):
        ship(mixed_order.pk, {plain.pk: 1})
    assert state(mixed_order) == before
    assert len(gateway.money_moves("capture")) == 1


def test_settling_a_captured_shipment_again_calls_no_gateway_and_records_nothing(
    mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    result = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    calls = len(gateway.calls)
    again = run_on_commit(settle_capture, result.capture_id)
    assert again == result
    assert len(gateway.calls) == calls
    assert PaymentEvent.objects.filter(event_type__name="Captured").count() == 1


def test_declined_capture_holds_the_shipment_and_a_retry_ships_it(
    mixed_order, gateway, run_on_commit, received, today
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "decline")

    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})

    assert (held.shipped, held.status) == (False, "failed")
    assert "declined" in held.error
    assert not ShippingEvent.objects.filter(order=mixed_order).exists()
    plain.refresh_from_db()
    assert plain.num_allocated == 1  # stock not consumed: nothing shipped
    assert OrderNote.objects.filter(order=mixed_order, message__contains="is held").exists()
    assert [name for name, _kw in received] == ["failed"]
    # The held units cannot be shipped a second time meanwhile.
    with pytest.raises(ShipmentRefused):
        ship(mixed_order.pk, {plain.pk: 1})

    import datetime as dt

    later = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.UTC)
    assert run_on_commit(retry_due_captures, now=later) == 1
    capture = PaymentCapture.objects.get(pk=held.capture_id)
    assert (capture.status, capture.attempts) == ("captured", 1)
    assert ShippingEvent.objects.filter(order=mixed_order).count() == 1
    assert len(gateway.money_moves("capture")) == 1
    assert [name for name, _kw in received] == ["failed", "captured"]


def test_timeout_after_the_money_moved_is_retried_with_the_same_key_and_captured_once(
    mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "timeout_after")
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    assert held.status == "failed"
    assert gateway.total_captured == Decimal("4.50")  # the provider did take it

    result = run_on_commit(settle_capture, held.capture_id)

    assert result.shipped
    assert gateway.total_captured == Decimal("4.50")
    keys = [c.idempotency_key for c in gateway.calls if c.method == "capture"]
    assert len(keys) == 2 and len(set(keys)) == 1
    assert gateway.calls[-1].replayed
    assert mixed_order.sources.get().amount_debited == Decimal("4.50")


def test_crash_after_capture_before_commit_is_recovered_without_a_second_debit(
    mixed_order, gateway, run_on_commit, monkeypatch
):
    from oscar_backorders.payments import capture as capture_module

    _main, plain = lines_of(mixed_order)
    capture = plan_shipment(mixed_order.pk, {plain.pk: 1})

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(capture_module, "_record_success", crash)
    with pytest.raises(RuntimeError):
        settle_capture(capture.pk)
    monkeypatch.undo()
    capture.refresh_from_db()
    assert capture.status == "pending"

    result = run_on_commit(settle_capture, capture.pk)
    assert result.shipped
    assert gateway.total_captured == Decimal("4.50")
    assert len(gateway.money_moves("capture")) == 1


def test_expired_authorisation_fails_the_capture_and_marks_it_expired(
    mixed_order, gateway, run_on_commit
):
    main, plain = lines_of(mixed_order)
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    gateway.expire(authorisation.reference)
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    assert held.status == "failed"
    authorisation.refresh_from_db()
    assert authorisation.status == "expired"
    # Other units, which would cost money, wait for the customer.
    with pytest.raises(ShipmentRefused, match="customer confirms payment"):
        ship(mixed_order.pk, {main.pk: 1})


@pytest.mark.parametrize("setting", ["first", "last"])
def test_shipping_charge_is_captured_with_the_configured_shipment(
    strategy, today, gateway, run_on_commit, settings, setting
):
    from oscar.apps.shipping.methods import FixedPrice

    from oscar_backorders.payments.checkout import authorise_order
    from tests.helpers import OrderCreator, OrderTotalCalculator

    settings.BACKORDERS_PAYMENT_SHIPPING_CHARGE_WITH = setting
    basket = basket_with(strategy, (stocked_product(num_in_stock=2, price=Decimal("10.00")), 2))
    method = FixedPrice(charge_excl_tax=Decimal("3.00"), charge_incl_tax=Decimal("3.00"))
    charge = method.calculate(basket)
    order = OrderCreator().place_order(
        basket=basket,
        total=OrderTotalCalculator().calculate(basket, charge),
        shipping_method=method,
        shipping_charge=charge,
        order_number="200001",
    )
    authorise_order(order.pk, payment_token="ok")
    line = order.lines.get()
    first = run_on_commit(ship, order.pk, {line.pk: 1})
    second = run_on_commit(ship, order.pk, {line.pk: 1})
    expected = (Decimal("13.00"), Decimal("10.00"))
    if setting == "last":
        expected = expected[::-1]
    assert (first.amount, second.amount) == expected
    assert first.amount + second.amount == order.total_incl_tax == Decimal("23.00")
