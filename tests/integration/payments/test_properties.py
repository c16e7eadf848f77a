"""Property: whatever happens to an order (ships, cancels, failures, renewals), the money adds up."""

import datetime as dt
import os
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from oscar_backorders.payments.retries import retry_due_captures
from oscar_backorders.payments.shipping import ship
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import allocate

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
PaymentRelease = get_model("oscar_backorders", "PaymentRelease")

PRICE = Decimal("10.00")
ORDERED, IN_STOCK = 6, 2

actions = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), st.integers(1, 4)),
        st.tuples(st.just("ship"), st.integers(1, 6)),
        st.tuples(st.just("cancel"), st.integers(1, 4)),
        st.tuples(
            st.just("fail"), st.sampled_from(["decline", "timeout", "timeout_after", "expired"])
        ),
        st.tuples(st.just("renew"), st.just(0)),
        st.tuples(st.just("retry"), st.just(0)),
    ),
    max_size=12,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=int(os.environ.get("BACKORDERS_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions, at_checkout=st.sampled_from(["authorise", "capture_in_stock"]))
# A backordered unit ships and is paid while the shelf units' shipment is held by a decline.
@example(
    steps=[("allocate", 2), ("fail", "decline"), ("ship", 3), ("ship", 1)],
    at_checkout="capture_in_stock",
)
def test_money_adds_up_after_any_sequence_of_events(
    steps, at_checkout, strategy, gateway, django_capture_on_commit_callbacks
):
    gateway.reset()
    gateway.capabilities = type(gateway)().capabilities
    clock = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    try:
        with (
            override_settings(BACKORDERS_PAYMENT_AT_CHECKOUT=at_checkout),
            time_machine.travel(clock, tick=False) as traveller,
            transaction.atomic(),
        ):
            product = stocked_product(num_in_stock=IN_STOCK, price=PRICE)
            order = place(basket_with(strategy, (product, ORDERED)))
            run(authorise_order, order.pk, payment_token="ok")
            line = order.lines.get()
            for action, number in steps:
                backorder = line.backorder
                backorder.refresh_from_db()
                try:
                    if action == "allocate":
                        allocate(line, min(number, max(backorder.quantity_waiting, 1)))
                    elif action == "ship":
                        run(ship, order.pk, {line.pk: number})
                    elif action == "cancel":
                        run(services.cancel_units, backorder.pk, number, reason="test")
                    elif action == "fail":
                        gateway.fail_next("capture", number)
                    elif action == "renew":
                        traveller.shift(dt.timedelta(days=6))
                        run(refresh_expiring_authorisations)
                    else:
                        traveller.shift(dt.timedelta(hours=13))
                        run(retry_due_captures)
                except BackorderError:
                    pass  # refused: nothing changed (checked by the invariants below)
                check_invariants(order, line, gateway)
            # Finish the order: retry what is held, then cancel what still waits.
            gateway._failures.clear()
            traveller.shift(dt.timedelta(days=1))
            run(retry_due_captures)
            backorder = line.backorder
            backorder.refresh_from_db()
            if backorder.quantity_open:
                pending = sum(
                    int(c.backorder_quantities.get(str(line.pk), 0))
                    for c in PaymentCapture.objects.filter(order=order, status="failed")
                )
                cancellable = backorder.quantity_open - pending
                if cancellable > 0 and backorder.quantity_waiting >= cancellable:
                    run(services.cancel_units, backorder.pk, cancellable, reason="end")
            check_invariants(order, line, gateway, settled=True)
            raise Rollback
    except Rollback:
        pass


def check_invariants(order, line, gateway, *, settled=False):
    captures = list(PaymentCapture.objects.filter(order=order))
    captured = [c for c in captures if c.status == "captured"]
    authorisations = list(PaymentAuthorisation.objects.filter(order=order))
    # Σ captured never exceeds what was authorised for the order.
    total_captured = sum((a.amount_captured for a in authorisations), Decimal("0.00"))
    assert total_captured <= order.total_incl_tax
    # What the provider took is what the plugin recorded, and each shipment was taken once. A
    # capture that timed out after the provider took the money is held until its retry.
    held = sum((c.amount for c in captures if c.status == "failed"), Decimal("0.00"))
    assert total_captured <= gateway.total_captured <= total_captured + held
    if settled:
        assert gateway.total_captured == total_captured
    assert sum((c.amount for c in captured), Decimal("0.00")) == total_captured
    keys = [c.idempotency_key for c in gateway.money_moves("capture")]
    assert len(keys) == len(set(keys))
    # (A shipment worth nothing more, e.g. of units paid at checkout, asks the provider nothing.)
    assert {c.idempotency_key for c in captured if c.amount > 0} <= set(keys)
    # Σ captured equals the value of what shipped, plus the in-stock units paid at checkout
    # (BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"), which ship first and only once.
    line.refresh_from_db()
    shipped_units = sum(c.line_quantities.get(str(line.pk), 0) for c in captured)
    paid_units = shipped_units
    if any(c.sequence == 0 for c in captured):
        # The in-stock units were paid at checkout; a shipment captures only its backordered
        # units, and may leave before the shelf units' own shipment (held by a failed capture).
        paid_units = IN_STOCK + sum(
            int(c.backorder_quantities.get(str(line.pk), 0)) for c in captured if c.sequence
        )
    assert total_captured == paid_units * PRICE
    # Every authorised unit is captured, released, or still open.
    releases = PaymentRelease.objects.filter(order=order)
    released_units = sum(r.quantity for r in releases)
    backorder = line.backorder
    backorder.refresh_from_db()
    assert released_units == backorder.quantity_cancelled
    open_value = (ORDERED - paid_units - released_units) * PRICE
    released_value = sum((r.amount for r in releases), Decimal("0.00"))
    assert total_captured + released_value + open_value == order.total_incl_tax
