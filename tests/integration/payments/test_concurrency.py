"""Concurrent shipments and captures on PostgreSQL (row locks are no-ops on SQLite)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments.capture import settle_capture
from oscar_backorders.payments.exceptions import PaymentRefused, ShipmentRefused
from oscar_backorders.payments.shipping import plan_shipment, ship
from tests.payments_support import allocate, lines_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentEvent = get_model("order", "PaymentEvent")
ShippingEvent = get_model("order", "ShippingEvent")

THREADS = 8


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: set BACKORDERS_TEST_DATABASE_URL=postgres://…")


def run_together(*functions):
    """Run the functions in threads released at the same instant; return (outcome, value)s."""
    barrier = threading.Barrier(len(functions))
    results = []
    lock = threading.Lock()

    def worker(function):
        try:
            barrier.wait()
            outcome = ("ok", function())
        except Exception as exc:  # collected and asserted on by the test
            outcome = ("error", exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_shipments_of_the_same_units_capture_once(mixed_order, gateway):
    _main, plain = lines_of(mixed_order)

    results = run_together(*[lambda: ship(mixed_order.pk, {plain.pk: 1})] * THREADS)

    shipped = [value for outcome, value in results if outcome == "ok"]
    refused = [value for outcome, value in results if outcome == "error"]
    assert len(shipped) == 1 and shipped[0].shipped
    assert len(refused) == THREADS - 1
    assert all(isinstance(error, ShipmentRefused) for error in refused), refused
    assert PaymentCapture.objects.count() == 1
    assert len(gateway.money_moves("capture")) == 1
    assert gateway.total_captured == Decimal("4.50")
    assert ShippingEvent.objects.count() == 1
    assert mixed_order.sources.get().amount_debited == Decimal("4.50")


def test_concurrent_settling_of_one_shipment_records_it_once(mixed_order, gateway):
    main, plain = lines_of(mixed_order)
    allocate(main, 3)
    capture = plan_shipment(mixed_order.pk, {main.pk: 5, plain.pk: 1})

    results = run_together(*[lambda: settle_capture(capture.pk)] * THREADS)

    assert [outcome for outcome, _value in results] == ["ok"] * THREADS, results
    assert all(value.shipped for _outcome, value in results)
    assert len(gateway.money_moves("capture")) == 1
    assert gateway.total_captured == mixed_order.total_incl_tax
    assert ShippingEvent.objects.count() == 1
    assert PaymentEvent.objects.filter(event_type__name="Captured").count() == 1
    assert mixed_order.sources.get().amount_debited == mixed_order.total_incl_tax
    main.backorder.refresh_from_db()
    assert main.backorder.quantity_shipped == 3


def test_concurrent_cancel_and_ship_of_the_last_allocated_units_do_not_both_happen(
    mixed_order, gateway
):
    main, _plain = lines_of(mixed_order)
    allocate(main, 3)
    backorder_id = main.backorder.pk

    results = run_together(
        lambda: ship(mixed_order.pk, {main.pk: 5}),
        lambda: services.cancel_units(backorder_id, 3, reason="customer asked"),
    )

    errors = [value for outcome, value in results if outcome == "error"]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ShipmentRefused | PaymentRefused | services.BackorderError)
    main.backorder.refresh_from_db()
    shipped, cancelled = main.backorder.quantity_shipped, main.backorder.quantity_cancelled
    assert (shipped, cancelled) in [(3, 0), (0, 3)]
    captured = gateway.total_captured
    released = sum(c.params["amount"] for c in gateway.money_moves("release"))
    if shipped:
        assert (captured, released) == (Decimal("50.00"), 0)
    else:
        assert (captured, released) == (0, Decimal("30.00"))


# --- Stripe webhooks: the same event twice at once, two events about one hold at once ----------


def _stripe_hold(order):
    get_model("oscar_backorders", "PaymentAuthorisation").objects.filter(order=order).update(
        gateway="stripe", reference="pi_race"
    )


def _event(kind, obj, event_id):
    return {
        "id": event_id,
        "type": kind,
        "created": 1_700_000_000,
        "data": {"object": {"id": "pi_race", "currency": "gbp", **obj}},
    }


def test_same_webhook_event_delivered_concurrently_is_applied_once(mixed_order):
    from oscar_backorders.payments import ledger
    from oscar_backorders.payments.webhooks import receive_event

    _stripe_hold(mixed_order)
    event = _event("payment_intent.canceled", {}, "evt_race")

    results = run_together(*[lambda: receive_event(event)] * THREADS)

    assert [outcome for outcome, _value in results] == ["ok"] * THREADS, results
    assert sorted(value.duplicate for _outcome, value in results) == [False] + [True] * (
        THREADS - 1
    )
    sums = ledger.totals(order_id=mixed_order.pk)
    assert (sums.expired, sums.held) == (Decimal("54.50"), Decimal("0.00"))
    assert get_model("oscar_backorders", "ProviderEvent").objects.count() == 1


def test_cancel_and_capturable_update_at_once_record_the_lapse_once(mixed_order):
    from oscar_backorders.payments import ledger
    from oscar_backorders.payments.webhooks import receive_event

    _stripe_hold(mixed_order)
    cancel = _event("payment_intent.canceled", {}, "evt_cancel")
    emptied = _event(
        "payment_intent.amount_capturable_updated",
        {"amount_capturable": 0, "status": "requires_capture"},
        "evt_capturable",
    )

    results = run_together(lambda: receive_event(cancel), lambda: receive_event(emptied))

    assert [outcome for outcome, _value in results] == ["ok", "ok"], results
    sums = ledger.totals(order_id=mixed_order.pk)
    assert (sums.expired, sums.held) == (Decimal("54.50"), Decimal("0.00"))
