"""One model of money: the defects found by random sequences, each as the story it broke.

The order: 2 × £10.00 on the shelf + 3 backordered, and 1 × £4.50 in stock (£54.50).
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments import ledger
from oscar_backorders.payments.capture import settle_capture
from oscar_backorders.payments.confirmation import confirm_payment
from oscar_backorders.payments.exceptions import PaymentRefused
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from oscar_backorders.payments.money import order_money
from oscar_backorders.payments.retries import abandon_capture
from oscar_backorders.payments.shipping import ship
from oscar_backorders.payments.states import TRANSITIONS, move
from tests.payments_support import lines_of

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentLedgerEntry = get_model("oscar_backorders", "PaymentLedgerEntry")
StockRecord = get_model("partner", "StockRecord")

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
ZERO = Decimal("0.00")


def lose_stock(line):
    """The shelf turns out empty (a miscount corrected in the dashboard)."""
    StockRecord.objects.filter(pk=line.stockrecord_id).update(num_in_stock=0)


def provider_holds(gateway, order):
    return sum(
        (gateway.held(a.reference) for a in PaymentAuthorisation.objects.filter(order=order)), ZERO
    )


def assert_ledger_matches_provider(gateway, order):
    """What the ledger says is held is what the provider holds, authorisation by authorisation."""
    for authorisation in PaymentAuthorisation.objects.filter(order=order):
        sums = ledger.totals(authorisation_id=authorisation.pk)
        assert sums.held == authorisation.amount_remaining
        assert sums.held == gateway.held(authorisation.reference), authorisation
    order_sums = ledger.totals(order_id=order.pk)
    assert order_sums.captured == gateway.total_captured
    assert order_sums.refunded == gateway.total_refunded
    source = order.sources.get()
    assert source.amount_debited == order_sums.captured
    assert source.amount_refunded == order_sums.refunded
    assert source.amount_allocated == order_sums.captured + order_sums.held


def awaiting_customer(gateway, run_on_commit, order):
    """The renewal cannot be done (the provider cannot re-authorise off-session)."""
    gateway.capabilities = Capabilities(
        multiple_captures=True, partial_release=True, reauthorise=False
    )
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        run_on_commit(refresh_expiring_authorisations)
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert authorisation.status == "needs_customer"
    return authorisation


# --- 1. A retried capture re-checks that the shipment can still leave -----------------------


def test_a_retried_capture_takes_no_money_for_a_shipment_that_can_no_longer_leave(
    mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "decline")
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    assert held.status == "failed"
    lose_stock(plain)

    retried = run_on_commit(settle_capture, held.capture_id)

    assert retried.status == "failed"
    assert "no longer covers" in retried.error
    assert gateway.money_moves("capture") == []
    # No money can have moved, so the merchant can give the shipment up.
    abandoned = abandon_capture(held.capture_id, reason="shelf was empty")
    assert abandoned.status == "abandoned"
    assert_ledger_matches_provider(gateway, mixed_order)


def test_money_taken_for_a_shipment_that_could_not_leave_is_refunded_at_once(
    mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "timeout_after")  # the provider took £4.50, then timed out
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    assert held.status == "failed"
    lose_stock(plain)

    retried = run_on_commit(settle_capture, held.capture_id)

    assert retried.status == "abandoned"
    assert gateway.total_captured == Decimal("4.50")
    assert gateway.total_refunded == Decimal("4.50")
    sums = ledger.totals(order_id=mixed_order.pk)
    assert (sums.captured, sums.refunded, sums.charged) == (Decimal("4.50"), Decimal("4.50"), ZERO)
    plain.refresh_from_db()
    assert not plain.shipping_events.exists()
    # The customer is told both movements, and still owes the whole order.
    money = order_money(mixed_order)
    assert (money.charged, money.refunded, money.to_charge) == (
        Decimal("4.50"),
        Decimal("4.50"),
        Decimal("54.50"),
    )
    assert_ledger_matches_provider(gateway, mixed_order)
    # Nothing is left for a retry to take again.
    with pytest.raises(PaymentRefused, match="abandoned"):
        run_on_commit(settle_capture, held.capture_id)
    assert gateway.total_captured == Decimal("4.50")


# --- 2. Units cancelled while the payment waits for the customer ------------------------------


def test_units_cancelled_while_awaiting_the_customer_are_not_authorised_again(
    mixed_order, gateway, run_on_commit
):
    main, plain = lines_of(mixed_order)
    old = awaiting_customer(gateway, run_on_commit, mixed_order)

    run_on_commit(services.cancel_units, main.backorder.pk, 3, reason="customer asked")

    old.refresh_from_db()
    # The old hold is still live at the provider: the cancelled £30.00 is released there.
    assert gateway.held(old.reference) == Decimal("24.50")
    assert_ledger_matches_provider(gateway, mixed_order)

    fresh = confirm_payment(mixed_order.pk, payment_token="ok")

    assert fresh.amount == Decimal("24.50")  # not £54.50: the cancelled units are not owed
    assert gateway.held(old.reference) == ZERO
    assert run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1}).shipped
    assert provider_holds(gateway, mixed_order) == ZERO
    assert_ledger_matches_provider(gateway, mixed_order)
    # Nothing is held for units that are not waiting, so nothing is renewed, ever.
    with time_machine.travel(NOW + dt.timedelta(days=12), tick=False):
        assert run_on_commit(refresh_expiring_authorisations) == 0
    assert gateway.money_moves("reauthorise") == []


def test_cancelling_everything_while_awaiting_the_customer_leaves_nothing_to_confirm(
    mixed_order, gateway, run_on_commit
):
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    old = awaiting_customer(gateway, run_on_commit, mixed_order)

    run_on_commit(services.cancel_units, main.backorder.pk, 3, reason="customer asked")

    old.refresh_from_db()
    assert old.status == "closed"
    assert gateway.held(old.reference) == ZERO
    with pytest.raises(PaymentRefused, match="does not need confirming"):
        confirm_payment(mixed_order.pk, payment_token="ok")
    assert_ledger_matches_provider(gateway, mixed_order)


# --- 3. Confirming payment lets the old hold go ------------------------------------------------


def test_confirming_payment_releases_the_old_hold_so_the_card_carries_the_order_once(
    mixed_order, gateway, run_on_commit
):
    old = awaiting_customer(gateway, run_on_commit, mixed_order)

    fresh = confirm_payment(mixed_order.pk, payment_token="ok")

    old.refresh_from_db()
    assert old.status == "replaced"
    assert gateway.held(old.reference) == ZERO
    assert provider_holds(gateway, mixed_order) == fresh.amount == Decimal("54.50")
    released = PaymentLedgerEntry.objects.get(authorisation=old, kind="released")
    assert released.amount == Decimal("54.50")
    assert_ledger_matches_provider(gateway, mixed_order)


def test_a_renewal_releases_the_old_hold_the_same_way(mixed_order, gateway, run_on_commit):
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        run_on_commit(refresh_expiring_authorisations)
    old, fresh = PaymentAuthorisation.objects.filter(order=mixed_order).order_by("pk")
    assert gateway.held(old.reference) == ZERO
    assert [c.params["authorisation"] for c in gateway.money_moves("release")] == [old.reference]
    assert provider_holds(gateway, mixed_order) == fresh.amount
    assert_ledger_matches_provider(gateway, mixed_order)


def test_a_failed_release_of_the_old_hold_is_retried_by_the_next_sweep(
    mixed_order, gateway, run_on_commit
):
    gateway.fail_next("release", "decline")
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        run_on_commit(refresh_expiring_authorisations)
        old, fresh = PaymentAuthorisation.objects.filter(order=mixed_order).order_by("pk")
        # The card carries both until the release succeeds; the ledger says so too.
        assert gateway.held(old.reference) == Decimal("54.50")
        assert_ledger_matches_provider(gateway, mixed_order)
    with time_machine.travel(NOW + dt.timedelta(days=6, hours=1), tick=False):
        run_on_commit(refresh_expiring_authorisations)
        assert gateway.held(old.reference) == ZERO
        assert_ledger_matches_provider(gateway, mixed_order)


# --- The state machine and the ledger ----------------------------------------------------------


def test_an_authorisation_moves_only_along_the_state_machine(mixed_order):
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert TRANSITIONS["replaced"] == frozenset()
    authorisation.status = "replaced"
    with pytest.raises(PaymentRefused, match="cannot go from Replaced by a new one to Active"):
        move(authorisation, "active")
    assert authorisation.status == "replaced"


def test_ledger_entries_are_never_changed_or_deleted(mixed_order):
    entry = PaymentLedgerEntry.objects.get(order=mixed_order)
    assert (entry.kind, entry.amount) == ("authorised", Decimal("54.50"))
    entry.amount = Decimal("1.00")
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()
    assert PaymentLedgerEntry.objects.get(pk=entry.pk).amount == Decimal("54.50")


def test_a_lapsed_authorisation_is_recorded_as_lapsed_not_released(
    mixed_order, gateway, run_on_commit
):
    awaiting_customer(gateway, run_on_commit, mixed_order)
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        run_on_commit(refresh_expiring_authorisations)
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    assert authorisation.status == "expired"
    sums = ledger.totals(order_id=mixed_order.pk)
    assert (sums.expired, sums.released, sums.held) == (Decimal("54.50"), ZERO, ZERO)
    # The customer can still confirm: the whole order is owed again.
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        fresh = confirm_payment(mixed_order.pk, payment_token="ok")
    assert fresh.amount == Decimal("54.50")


# --- Units paid at checkout ship whatever became of the authorisation --------------------------


def test_units_paid_at_checkout_ship_after_cancelling_the_rest_closed_the_authorisation(
    strategy, today, gateway, run_on_commit, settings
):
    """Found by the Stripe state machine: the shipment asks for no money, so it needs no hold."""
    from oscar_backorders.payments.checkout import authorise_order
    from tests.factories import stocked_product
    from tests.helpers import basket_with, place

    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    product = stocked_product(num_in_stock=2, price=Decimal("10.00"))
    other = stocked_product(num_in_stock=5, price=Decimal("4.50"))
    order = place(basket_with(strategy, (product, 5), (other, 1)))
    run_on_commit(authorise_order, order.pk, payment_token="ok")
    main, plain = lines_of(order)
    run_on_commit(services.cancel_units, main.backorder.pk, 3, reason="not wanted")
    assert PaymentAuthorisation.objects.get(order=order).status == "closed"

    result = run_on_commit(ship, order.pk, {main.pk: 2, plain.pk: 1})

    assert result.shipped and result.amount == ZERO
    assert gateway.total_captured == Decimal("24.50")  # at checkout, once
    assert_ledger_matches_provider(gateway, order)


def test_the_ledger_refuses_a_negative_amount_or_more_than_is_held_and_writes_nothing(
    mixed_order,
):
    authorisation = PaymentAuthorisation.objects.get(order=mixed_order)
    with pytest.raises(ValueError, match="never negative"):
        ledger.post(authorisation, "captured", Decimal("-1.00"))
    with pytest.raises(ValueError, match="exceeds the 54.50"):
        ledger.post(authorisation, "released", Decimal("54.51"))
    assert ledger.post(authorisation, "captured", ZERO) is None
    authorisation.refresh_from_db()
    assert (authorisation.amount_captured, authorisation.amount_released) == (ZERO, ZERO)
    assert list(PaymentLedgerEntry.objects.filter(order=mixed_order).values_list("kind")) == [
        ("authorised",)
    ]
