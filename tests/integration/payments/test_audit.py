"""check_backorders also tells a merchant whether the payment records agree with the ledger."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments.audit import check_payments
from oscar_backorders.payments.lifecycle import refresh_expiring_authorisations
from oscar_backorders.payments.shipping import ship
from tests.payments_support import lines_of

pytestmark = pytest.mark.django_db

PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
Source = get_model("payment", "Source")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def busy_order(mixed_order, gateway, run_on_commit):
    """Shipped, partly cancelled and renewed: every kind of record exists."""
    main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {main.pk: 2, plain.pk: 1})
    run_on_commit(services.cancel_units, main.backorder.pk, 1, reason="customer asked")
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        run_on_commit(refresh_expiring_authorisations)
    return mixed_order


def test_payment_records_of_a_busy_order_agree_with_the_ledger(busy_order, capsys):
    assert check_payments() == []
    call_command("check_backorders")
    assert "0 disagreements" in capsys.readouterr().out


def test_an_authorisation_total_changed_behind_the_ledger_is_reported(busy_order, capsys):
    old = PaymentAuthorisation.objects.filter(order=busy_order).order_by("pk").first()
    PaymentAuthorisation.objects.filter(pk=old.pk).update(amount_captured=Decimal("1.00"))

    findings = check_payments()

    assert [f.code for f in findings] == ["ledger-authorisation"]
    assert "amount_captured is 1.00, the ledger says 24.50" in findings[0].message
    with pytest.raises(CommandError):
        call_command("check_backorders")
    assert "DISAGREES [ledger-authorisation]" in capsys.readouterr().out


def test_an_oscar_payment_source_changed_behind_the_ledger_is_reported(busy_order):
    Source.objects.filter(order=busy_order).update(amount_debited=Decimal("0.00"))

    findings = check_payments(order_ids=[busy_order.pk])

    assert [f.code for f in findings] == ["ledger-source"]
    assert "amount_debited is 0.00, the ledger says 24.50" in findings[0].message


def test_a_capture_the_provider_may_have_taken_is_a_note_not_a_disagreement(
    mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "timeout_after")
    run_on_commit(ship, mixed_order.pk, {plain.pk: 1})

    findings = check_payments()

    assert [(f.code, f.is_note) for f in findings] == [("capture-outcome-unknown", True)]
