import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from oscar.core.loading import get_model

from oscar_backorders import signals
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from oscar_backorders.payments.shipping import ship
from tests.payments_support import allocate, lines_of

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
OrderNote = get_model("order", "OrderNote")

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def expiring():
    seen = []
    signals.authorisation_expiring.connect(
        lambda **kw: seen.append(kw), weak=False, dispatch_uid="t-expiring"
    )
    yield seen
    signals.authorisation_expiring.disconnect(dispatch_uid="t-expiring")


def test_authorisation_deadline_comes_from_the_provider_answer(mixed_order):
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.expires_at == NOW + dt.timedelta(days=7)


def test_nothing_is_renewed_outside_the_window(mixed_order, gateway, run_on_commit):
    assert run_on_commit(refresh_expiring_authorisations, now=NOW + dt.timedelta(days=4)) == 0
    assert gateway.money_moves("reauthorise") == []


def test_authorisation_is_renewed_ahead_of_its_deadline_for_what_it_still_holds(
    mixed_order, gateway, run_on_commit, expiring
):
    _main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {plain.pk: 1})

    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        handled = run_on_commit(refresh_expiring_authorisations)

    assert handled == 1
    old, fresh = PaymentAuthorisation.objects.filter(order=mixed_order).order_by("pk")
    assert (old.status, fresh.status) == ("replaced", "active")
    assert fresh.amount == Decimal("50.00")
    assert fresh.replaces == old
    assert fresh.expires_at == NOW + dt.timedelta(days=13)
    assert OrderNote.objects.filter(order=mixed_order, message__startswith="Re-authorised").exists()
    assert expiring == []
    # Running again changes nothing: the fresh one is far from its deadline.
    assert run_on_commit(refresh_expiring_authorisations, now=NOW + dt.timedelta(days=6)) == 0


def test_later_shipments_capture_from_the_renewed_authorisation(
    mixed_order, gateway, run_on_commit
):
    main, _plain = lines_of(mixed_order)
    run_on_commit(refresh_expiring_authorisations, now=NOW + dt.timedelta(days=6))
    allocate(main, 3)
    result = run_on_commit(ship, mixed_order.pk, {main.pk: 5})
    assert result.shipped
    fresh = PaymentAuthorisation.objects.get(order=mixed_order, status="active")
    assert gateway.money_moves("capture")[0].params["authorisation"] == fresh.reference


def test_failed_renewal_asks_the_customer_and_sends_authorisation_expiring(
    mixed_order, gateway, run_on_commit, expiring
):
    gateway.fail_next("reauthorise", "decline")
    assert run_on_commit(refresh_expiring_authorisations, now=NOW + dt.timedelta(days=6)) == 1
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.status == "needs_customer"
    assert [kw["order"] for kw in expiring] == [mixed_order]
    assert expiring[0]["expires_at"] == authorisation.expires_at
    assert OrderNote.objects.filter(order=mixed_order, message__contains="confirm payment").exists()


def test_gateway_without_reauthorisation_asks_the_customer(
    mixed_order, gateway, run_on_commit, expiring
):
    gateway.capabilities = Capabilities(reauthorise=False)
    assert run_on_commit(refresh_expiring_authorisations, now=NOW + dt.timedelta(days=6)) == 1
    assert PaymentAuthorisation.objects.get(order=mixed_order).status == "needs_customer"
    assert len(expiring) == 1


def test_single_capture_gateway_authorises_the_rest_after_the_first_shipment(
    mixed_order, gateway, run_on_commit
):
    gateway.capabilities = Capabilities(
        multiple_captures=False, reauthorise=True, stored_payment_methods=True
    )
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    first, second = PaymentAuthorisation.objects.filter(order=mixed_order).order_by("pk")
    assert (first.amount_captured, first.amount_released) == (Decimal("24.50"), Decimal("30.00"))
    assert first.status == "replaced"
    assert (second.status, second.amount) == ("active", Decimal("30.00"))
    allocate(main, 3)
    assert run_on_commit(ship, mixed_order.pk, {main.pk: 3}).shipped
    assert gateway.total_captured == mixed_order.total_incl_tax


def test_capture_that_may_have_taken_money_is_not_taken_again_after_renewal(
    mixed_order, gateway, run_on_commit
):
    """Found by the property test: a timed-out capture must keep its key across a renewal."""
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "timeout_after")  # the provider took 4.50, then timed out
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    assert held.status == "failed"
    gateway.fail_next("capture", "timeout")  # still no answer when the renewal retries it

    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        run_on_commit(refresh_expiring_authorisations)
        old, fresh = PaymentAuthorisation.objects.filter(order=mixed_order).order_by("pk")
        assert fresh.amount == Decimal("50.00")  # the uncertain 4.50 stays with the old one
        from oscar_backorders.payments.capture import settle_capture

        # The renewal leaves the capture to the retry task; it still gets no answer once…
        assert run_on_commit(settle_capture, held.capture_id).status == "failed"
        # …and replays the same key next time: the 4.50 the provider took, recorded once.
        result = run_on_commit(settle_capture, held.capture_id)

    assert result.shipped
    assert gateway.total_captured == Decimal("4.50")
    old.refresh_from_db()
    assert old.amount_captured + old.amount_released == old.amount
    assert old.status == "replaced"
