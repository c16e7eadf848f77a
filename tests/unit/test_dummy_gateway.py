import datetime as dt
from decimal import Decimal

import pytest

from oscar_backorders.exceptions import BackorderConfigurationError
from oscar_backorders.payments.gateways import get_gateway, reset_gateway_cache
from oscar_backorders.payments.gateways.base import PaymentGateway
from oscar_backorders.payments.gateways.dummy import DummyGateway
from oscar_backorders.payments.gateways.exceptions import (
    AuthorisationExpired,
    GatewayError,
    GatewayTimeout,
    IdempotencyConflict,
    PaymentDeclined,
)


@pytest.fixture
def gateway(today):
    return DummyGateway()


def authorise(gateway, amount="20.00", token="ok", key="k-auth"):
    return gateway.authorise(
        amount=Decimal(amount),
        currency="GBP",
        order_number="1",
        payment_token=token,
        idempotency_key=key,
    )


def test_dummy_gateway_implements_the_protocol():
    assert isinstance(DummyGateway(), PaymentGateway)


def test_authorisation_carries_the_providers_deadline(gateway):
    answer = authorise(gateway)
    assert answer.expires_at == dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    assert answer.payment_method == "pm_dummy_1"


@pytest.mark.parametrize(
    ("token", "error"), [("decline", PaymentDeclined), ("timeout", GatewayTimeout)]
)
def test_checkout_tokens_fail_when_told(gateway, token, error):
    with pytest.raises(error) as info:
        authorise(gateway, token=token)
    assert gateway.authorisations == {}
    if token == "decline":
        assert info.value.provider_response == {"decline_code": "generic"}


def test_same_key_replays_the_first_answer_and_moves_no_money(gateway):
    held = authorise(gateway)
    first = gateway.capture(
        held.reference, amount=Decimal("5.00"), currency="GBP", idempotency_key="c1"
    )
    again = gateway.capture(
        held.reference, amount=Decimal("5.00"), currency="GBP", idempotency_key="c1"
    )
    assert again == first
    assert gateway.total_captured == Decimal("5.00")
    assert [c.replayed for c in gateway.calls if c.method == "capture"] == [False, True]


def test_same_key_with_other_parameters_is_refused(gateway):
    held = authorise(gateway)
    gateway.capture(held.reference, amount=Decimal("5.00"), currency="GBP", idempotency_key="c1")
    with pytest.raises(IdempotencyConflict):
        gateway.capture(
            held.reference, amount=Decimal("6.00"), currency="GBP", idempotency_key="c1"
        )
    assert gateway.total_captured == Decimal("5.00")


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "20.01"])
def test_capture_of_a_bad_amount_is_refused_and_moves_nothing(gateway, amount):
    held = authorise(gateway)
    with pytest.raises(GatewayError):
        gateway.capture(held.reference, amount=Decimal(amount), currency="GBP", idempotency_key="c")
    assert gateway.total_captured == 0


def test_expired_authorisation_cannot_be_captured(gateway):
    held = authorise(gateway)
    gateway.expire(held.reference)
    with pytest.raises(AuthorisationExpired):
        gateway.capture(held.reference, amount=Decimal("1.00"), currency="GBP", idempotency_key="c")


def test_unknown_failure_is_refused(gateway):
    with pytest.raises(ValueError, match="Unknown failure 'explode'"):
        gateway.fail_next("capture", "explode")


def test_bad_gateway_setting_names_the_setting(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = "no.such.Gateway"
    reset_gateway_cache()
    try:
        with pytest.raises(BackorderConfigurationError, match="BACKORDERS_PAYMENT_GATEWAY"):
            get_gateway()
        settings.BACKORDERS_PAYMENT_GATEWAY = "decimal.Decimal"
        with pytest.raises(BackorderConfigurationError, match="does not implement"):
            get_gateway()
    finally:
        reset_gateway_cache()


def test_another_process_can_capture_release_and_refund_what_this_one_authorised(gateway):
    """The sandbox's web server authorises, its Celery worker captures: state is not shared."""
    held = authorise(gateway, amount="20.00")
    worker = DummyGateway()
    capture = worker.capture(
        held.reference, amount=Decimal("15.00"), currency="GBP", idempotency_key="c1"
    )
    with pytest.raises(GatewayError, match="exceeds the 5.00 left"):
        worker.capture(held.reference, amount=Decimal("6.00"), currency="GBP", idempotency_key="c2")
    assert DummyGateway().refund(
        capture.reference, amount=Decimal("15.00"), currency="GBP", idempotency_key="r1"
    ).amount == Decimal("15.00")
    assert DummyGateway().release(
        held.reference, amount=Decimal("20.00"), currency="GBP", idempotency_key="v", remainder=True
    ).amount == Decimal("20.00")
    with pytest.raises(GatewayError, match="No authorisation"):
        worker.capture("auth_dummy_x", amount=Decimal("1.00"), currency="GBP", idempotency_key="c3")
