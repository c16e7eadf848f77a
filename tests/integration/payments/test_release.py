from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_backorders import services, signals
from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.release import execute_release, refund_capture
from oscar_backorders.payments.shipping import plan_shipment, ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentEvent = get_model("order", "PaymentEvent")


@pytest.fixture
def released():
    seen = []
    signals.payment_released.connect(
        lambda **kw: seen.append(kw), weak=False, dispatch_uid="t-released"
    )
    yield seen
    signals.payment_released.disconnect(dispatch_uid="t-released")


def test_cancelling_waiting_units_releases_their_value_after_commit(
    mixed_order, gateway, run_on_commit, released
):
    main, _plain = lines_of(mixed_order)

    run_on_commit(services.cancel_units, main.backorder.pk, 2, reason="customer asked")

    release = PaymentRelease.objects.get()
    assert (release.quantity, release.amount, release.kind, release.status) == (
        2,
        Decimal("20.00"),
        "void",
        "done",
    )
    assert [c.params["amount"] for c in gateway.money_moves("release")] == [Decimal("20.00")]
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.amount_released == Decimal("20.00")
    event = PaymentEvent.objects.get(event_type__name="Released")
    assert event.amount == Decimal("20.00")
    assert event.line_quantities.get().quantity == 2
    source = mixed_order.sources.get()
    assert source.amount_allocated == Decimal("34.50")
    assert source.transactions.filter(txn_type="Release").exists()
    assert released == [
        {
            "signal": signals.payment_released,
            "sender": type(release),
            "order": mixed_order,
            "amount": Decimal("20.00"),
            "kind": "void",
        }
    ]


def test_release_is_recorded_inside_the_cancellation_and_rolled_back_with_it(mixed_order, gateway):
    from django.db import transaction

    main, _plain = lines_of(mixed_order)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.cancel_units(main.backorder.pk, 1, reason="x")
        assert PaymentRelease.objects.count() == 1
        raise RuntimeError("rolled back")
    assert PaymentRelease.objects.count() == 0
    assert gateway.money_moves("release") == []


def test_executing_a_release_twice_releases_once(mixed_order, gateway, run_on_commit):
    main, _plain = lines_of(mixed_order)
    run_on_commit(services.cancel_units, main.backorder.pk, 1, reason="x")
    release = PaymentRelease.objects.get()
    again = run_on_commit(execute_release, release.pk)
    assert again.status == "done"
    assert len(gateway.money_moves("release")) == 1
    assert PaymentEvent.objects.filter(event_type__name="Released").count() == 1


def test_failed_release_is_kept_and_retried(mixed_order, gateway, run_on_commit):
    main, _plain = lines_of(mixed_order)
    gateway.fail_next("release", "timeout")
    run_on_commit(services.cancel_units, main.backorder.pk, 1, reason="x")
    release = PaymentRelease.objects.get()
    assert (release.status, release.attempts) == ("failed", 1)
    assert run_on_commit(execute_release, release.pk).status == "done"
    assert len(gateway.money_moves("release")) == 1


def test_cancelling_all_open_units_of_an_unshipped_order_releases_the_whole_authorisation(
    strategy, today, gateway, run_on_commit
):
    from oscar_backorders.payments.checkout import authorise_order

    order = place(basket_with(strategy, (stocked_product(num_in_stock=0), 3)))
    authorise_order(order.pk, payment_token="ok")
    line = order.lines.get()
    run_on_commit(services.cancel_units, line.backorder.pk, 1, reason="a")
    run_on_commit(services.cancel_units, line.backorder.pk, 2, reason="b")
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert authorisation.amount_released == order.total_incl_tax
    assert authorisation.status == "closed"
    assert [c.params["remainder"] for c in gateway.money_moves("release")] == [False, True]


def test_units_in_a_shipment_being_captured_cannot_be_cancelled(mixed_order, gateway):
    main, _plain = lines_of(mixed_order)
    allocate(main, 3)
    plan_shipment(mixed_order.pk, {main.pk: 5})  # pending: the capture has not happened yet
    with pytest.raises(PaymentRefused, match="being captured"):
        services.cancel_units(main.backorder.pk, 1, reason="x")
    main.backorder.refresh_from_db()
    assert main.backorder.quantity_cancelled == 0
    assert not PaymentRelease.objects.exists()


def test_captures_and_releases_account_for_the_whole_authorisation(
    mixed_order, gateway, run_on_commit
):
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    allocate(main, 1)
    run_on_commit(ship, mixed_order.pk, {main.pk: 1})
    run_on_commit(services.cancel_units, main.backorder.pk, 2, reason="too late")
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.amount_captured + authorisation.amount_released == authorisation.amount
    assert authorisation.amount_captured == Decimal("34.50")
    assert authorisation.status == "closed"


def test_refund_of_a_shipment_is_recorded_and_more_than_captured_is_refused(
    mixed_order, gateway, run_on_commit, released
):
    _main, plain = lines_of(mixed_order)
    result = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    with pytest.raises(PaymentRefused, match="more than zero"):
        refund_capture(result.capture_id, Decimal("-1.00"), reason="x")
    with pytest.raises(PaymentRefused, match="Only 4.50"):
        refund_capture(result.capture_id, Decimal("5.00"), reason="x")
    assert gateway.money_moves("refund") == []
    run_on_commit(refund_capture, result.capture_id, Decimal("4.50"), reason="returned")
    assert mixed_order.sources.get().amount_refunded == Decimal("4.50")
    assert released[-1]["kind"] == "refund"
    with pytest.raises(PaymentRefused, match="Only 0.00"):
        refund_capture(result.capture_id, Decimal("0.01"), reason="x")
