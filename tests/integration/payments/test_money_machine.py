"""Every cent is accounted for after any sequence of every payments operation (stateful).

Hypothesis drives one order through random sequences of shipments (in-stock and backordered
parts), capture declines and timeouts (also after the provider took the money), retries,
abandons, restocks, stock lost before a retry, cancellations, refunds, renewals that succeed or
fail, customer confirmations (declined too), lapses, in both checkout modes; after every step
the ledger, Oscar's ``Source``, the capture records and what the test provider holds must agree.

``BACKORDERS_STATEFUL_EXAMPLES`` sets the number of sequences (CI runs 1,000).
"""

import datetime as dt
import os
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.payments import ledger
from oscar_backorders.payments.audit import check_payments
from oscar_backorders.payments.capture import settle_capture
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.gateways.base import Capabilities
from oscar_backorders.payments.gateways.exceptions import GatewayError
from oscar_backorders.payments.lifecycle import (
    confirm_payment,
    outstanding,
    refresh_expiring_authorisations,
)
from oscar_backorders.payments.money import order_money
from oscar_backorders.payments.release import refund_capture, retry_failed_releases
from oscar_backorders.payments.retries import abandon_capture, retry_due_captures
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.money_machines import (
    IN_STOCK,
    ORDERED,
    PRICE,
    SMALL,
    START,
    ZERO,
    Rollback,
    assert_cancelled_units_released,
    assert_charged_is_value_shipped,
    run,
)
from tests.money_machines import owed as owed_by

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentRelease = get_model("oscar_backorders", "PaymentRelease")
StockRecord = get_model("partner", "StockRecord")

EXAMPLES = int(os.environ.get("BACKORDERS_STATEFUL_EXAMPLES", "60"))

WORLD: dict = {}  # the test's fixtures, for the machine


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.gateway = WORLD["gateway"]
        self.gateway.reset()
        self.gateway.capabilities = type(self.gateway)().capabilities
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.settings = None

    # --- setup -------------------------------------------------------------------------------

    @initialize(at_checkout=st.sampled_from(["authorise", "capture_in_stock"]))
    def place_an_order(self, at_checkout):
        self.settings = override_settings(BACKORDERS_PAYMENT_AT_CHECKOUT=at_checkout)
        self.settings.enable()
        strategy = WORLD["strategy"]
        product = stocked_product(num_in_stock=IN_STOCK, price=PRICE)
        other = stocked_product(num_in_stock=3, price=SMALL)
        self.order = place(basket_with(strategy, (product, ORDERED), (other, 1)))
        run(authorise_order, self.order.pk, payment_token="ok")
        self.line = self.order.lines.get(backorder__isnull=False)
        self.small = self.order.lines.get(backorder__isnull=True)

    def teardown(self):
        try:
            if getattr(self, "order", None) is not None:
                self.settle_everything()
        finally:
            if self.settings is not None:
                self.settings.disable()
            self.traveller.stop()
            self.atomic.__exit__(Rollback, Rollback(), None)

    # --- helpers -------------------------------------------------------------------------------

    def backorder(self):
        backorder = self.line.backorder
        backorder.refresh_from_db()
        return backorder

    def attempt(self, function, *args, **kwargs):
        try:
            return run(function, *args, **kwargs)
        except (BackorderError, GatewayError):
            return None  # refused (nothing changed, checked by the invariants) or declined

    def pass_time(self, delta):
        self.clock.shift(delta)
        run(refresh_expiring_authorisations)  # Celery beat runs it hourly

    # --- rules ---------------------------------------------------------------------------------

    @rule(count=st.integers(1, 4))
    def stock_arrives_and_is_allocated(self, count):
        waiting = self.backorder().quantity_waiting
        if not waiting:
            return
        count = min(count, waiting)
        StockRecord.objects.filter(pk=self.line.stockrecord_id).update(
            num_in_stock=F("num_in_stock") + count
        )
        self.attempt(services.allocate_units, self.line.backorder.pk, count, reason="restock")

    @rule(big=st.integers(0, 6), small=st.integers(0, 1))
    def merchant_ships(self, big, small):
        quantities = {k: v for k, v in ((self.line.pk, big), (self.small.pk, small)) if v}
        if quantities:
            self.attempt(ship, self.order.pk, quantities)

    @rule(how=st.sampled_from(["decline", "timeout", "timeout_after", "expired"]))
    def the_next_capture_fails(self, how):
        self.gateway.fail_next("capture", how)

    @rule(how=st.sampled_from(["decline", "timeout"]))
    def the_next_release_fails(self, how):
        self.gateway.fail_next("release", how)

    @rule()
    def the_retry_task_runs(self):
        self.clock.shift(dt.timedelta(hours=13))
        run(retry_due_captures)
        run(retry_failed_releases)
        run(refresh_expiring_authorisations)

    @rule()
    def merchant_abandons_a_held_shipment(self):
        capture = PaymentCapture.objects.filter(order=self.order, status="failed").first()
        if capture is not None:
            self.attempt(abandon_capture, capture.pk, reason="gave up")

    @rule()
    def stock_is_lost(self):
        StockRecord.objects.filter(pk=self.small.stockrecord_id).update(num_in_stock=0)

    @rule(count=st.integers(1, 4))
    def units_are_cancelled(self, count):
        self.attempt(services.cancel_units, self.line.backorder.pk, count, reason="cancelled")

    @rule(cents=st.integers(1, 3000))
    def merchant_refunds_part_of_a_shipment(self, cents):
        capture = (
            PaymentCapture.objects.filter(order=self.order, status="captured", amount__gt=0)
            .order_by("?")
            .first()
        )
        if capture is not None:
            amount = min(Decimal(cents) / 100, capture.amount)
            self.attempt(refund_capture, capture.pk, amount, reason="goodwill")

    @rule(outcome=st.sampled_from(["renewed", "declined", "impossible"]))
    def days_pass_and_the_authorisation_is_renewed(self, outcome):
        if outcome == "declined":
            self.gateway.fail_next("reauthorise", "decline")
        if outcome == "impossible":
            self.gateway.capabilities = Capabilities(
                multiple_captures=True, partial_release=True, reauthorise=False
            )
        self.pass_time(dt.timedelta(days=6))
        self.gateway.capabilities = type(self.gateway)().capabilities

    @rule()
    def the_deadline_passes(self):
        self.pass_time(dt.timedelta(days=8))

    @precondition(
        lambda self: (
            getattr(self, "order", None) is not None
            and PaymentAuthorisation.objects.filter(
                order=self.order, status__in=["needs_customer", "expired"]
            ).exists()
        )
    )
    @rule(token=st.sampled_from(["ok", "ok", "decline"]))
    def customer_confirms_payment(self, token):
        self.attempt(confirm_payment, self.order.pk, payment_token=token)

    # --- invariants ----------------------------------------------------------------------------

    def moved_but_unrecorded(self, authorisation=None):
        """Captures whose outcome is unknown to the shop but whose money the provider took."""
        captures = PaymentCapture.objects.filter(
            order=self.order, outcome_unknown=True, status__in=["pending", "failed"]
        )
        if authorisation is not None:
            captures = captures.filter(authorisation=authorisation)
        answers = self.gateway._answers
        return sum((c.amount for c in captures if c.idempotency_key in answers), ZERO)

    def unknown(self, authorisation):
        return sum(
            PaymentCapture.objects.filter(
                authorisation=authorisation,
                outcome_unknown=True,
                status__in=["pending", "failed"],
            ).values_list("amount", flat=True),
            ZERO,
        )

    @invariant()
    def the_ledger_and_the_provider_agree(self):
        if getattr(self, "order", None) is None:
            return
        now = dt.datetime.now(tz=dt.UTC)
        for authorisation in PaymentAuthorisation.objects.filter(order=self.order):
            sums = ledger.totals(authorisation_id=authorisation.pk)
            assert sums.authorised == authorisation.amount
            assert sums.held == authorisation.amount_remaining >= 0
            held = self.gateway.authorisations[authorisation.reference]
            if held.expires_at <= now:
                # Lapsed: only captures whose outcome is unknown are still counted as held.
                assert sums.held == self.unknown(authorisation), authorisation
            else:
                assert (
                    self.gateway.held(authorisation.reference)
                    + self.moved_but_unrecorded(authorisation)
                    == sums.held
                ), authorisation
        sums = ledger.totals(order_id=self.order.pk)
        assert self.gateway.total_captured == sums.captured + self.moved_but_unrecorded()
        assert self.gateway.total_refunded == sums.refunded
        source = self.order.sources.get()
        assert (source.amount_debited, source.amount_refunded) == (sums.captured, sums.refunded)
        assert source.amount_allocated == sums.captured + sums.held
        keys = [c.idempotency_key for c in self.gateway.money_moves("capture")]
        assert len(keys) == len(set(keys)), "a capture key moved money twice"
        # What the customer is told is what the ledger says.
        money = order_money(self.order)
        assert (money.charged, money.refunded, money.held) == (
            sums.captured,
            sums.refunded,
            sums.held,
        )
        assert money.to_charge == max(outstanding(self.order), ZERO)
        # What check_backorders tells the merchant agrees.
        assert [f for f in check_payments(order_ids=[self.order.pk]) if not f.is_note] == []

    @invariant()
    def what_is_charged_is_what_shipped(self):
        if getattr(self, "order", None) is None:
            return
        charged = assert_charged_is_value_shipped(self.order, self.line, self.small)
        undone = ledger.totals(order_id=self.order.pk).captured - charged  # refunded at once
        assert undone >= 0

    @invariant()
    def every_cancelled_unit_is_released_at_its_value(self):
        if getattr(self, "order", None) is None:
            return
        assert_cancelled_units_released(self.order, self.backorder())

    # --- the end -------------------------------------------------------------------------------

    def settle_everything(self):
        """Everything that can finish finishes; then nothing may be held for nothing."""
        self.gateway._failures.clear()
        for _round in range(3):
            self.clock.shift(dt.timedelta(hours=13))
            for capture in PaymentCapture.objects.filter(
                order=self.order, status__in=["pending", "failed"]
            ):
                if capture.sequence:
                    self.attempt(settle_capture, capture.pk)
        for capture in PaymentCapture.objects.filter(order=self.order, status="failed"):
            self.attempt(abandon_capture, capture.pk, reason="end")
        open_units = self.backorder().quantity_open
        if open_units:
            self.attempt(services.cancel_units, self.line.backorder.pk, open_units, reason="end")
        run(retry_failed_releases)
        run(refresh_expiring_authorisations)
        self.the_ledger_and_the_provider_agree()
        self.what_is_charged_is_what_shipped()
        waiting = self.backorder().quantity_open
        if (
            not waiting
            and not PaymentCapture.objects.filter(
                order=self.order, status__in=["pending", "failed"]
            ).exists()
        ):
            # Nothing is held for units that are not waiting, once the in-stock units shipped
            # or the order's hold went (what is owed for them stays held, rightly).
            owed = owed_by(self.order)
            held = ledger.totals(order_id=self.order.pk).held
            assert held <= owed, f"{held} held but only {owed} owed"
        sums = ledger.totals(order_id=self.order.pk)
        assert sums.authorised == sums.captured + sums.released + sums.expired + sums.held


def test_every_cent_is_accounted_for_after_any_sequence_of_operations(gateway, strategy):
    WORLD.update(gateway=gateway, strategy=strategy)
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        ),
    )
