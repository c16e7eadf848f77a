"""The Stripe adapter's decisions from Stripe's answers, on recorded API responses.

localstripe has no multicapture, extended authorisation or ``capture_before``; these tests feed
the adapter PaymentIntents and Charges shaped like Stripe's (built with the ``stripe`` package
from dicts) and check what it asks Stripe and what it tells the plugin.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

stripe = pytest.importorskip("stripe")

from oscar_backorders.payments.gateways.exceptions import (  # noqa: E402
    ActionRequired,
    AuthorisationMismatch,
    PaymentDeclined,
)
from oscar_backorders.payments.gateways.stripe import StripeGateway  # noqa: E402

CAPTURE_BEFORE = 1_767_225_600  # 2026-01-01 00:00 UTC: an extended authorisation's deadline


def charge(*, multicapture: str | None = None, extended: str | None = None, before=None):
    card = {"brand": "visa", "last4": "4242"}
    if multicapture:
        card["multicapture"] = {"status": multicapture}
    if extended:
        card["extended_authorization"] = {"status": extended}
    if before:
        card["capture_before"] = before
    return stripe.Charge.construct_from(
        {
            "id": "ch_1",
            "object": "charge",
            "captured": False,
            "payment_method_details": {"type": "card", "card": card},
        },
        "sk_test_recorded",
    )


def intent(status="requires_capture", *, latest_charge=None, **extra):
    data = {
        "id": "pi_1",
        "object": "payment_intent",
        "status": status,
        "amount": 5450,
        "amount_capturable": 5450 if status == "requires_capture" else 0,
        "currency": "gbp",
        "capture_method": "manual",
        "customer": "cus_1",
        "payment_method": "pm_1",
        "client_secret": "pi_1_secret_abc",
        "metadata": {"order_number": "100001"},
        "latest_charge": latest_charge.to_dict() if latest_charge is not None else None,
        **extra,
    }
    return stripe.PaymentIntent.construct_from(data, "sk_test_recorded")


class Recorder:
    """Stands in for ``StripeClient.v1``: answers with recorded objects, keeps the requests."""

    def __init__(self, answer, *, captured=None):
        self.requests: list[tuple[str, dict]] = []
        self.answer, self.captured = answer, captured or answer
        outer = self

        class Intents:
            def create(self, params=None, options=None):
                outer.requests.append(("create", params))
                return outer.answer

            def retrieve(self, reference, params=None, options=None):
                outer.requests.append(("retrieve", {"id": reference, **(params or {})}))
                return outer.answer

            def capture(self, reference, params=None, options=None):
                outer.requests.append(("capture", params))
                return outer.captured

        self.payment_intents = Intents()
        self.customers = SimpleNamespace(create=lambda **kw: SimpleNamespace(id="cus_1"))
        self.payment_methods = SimpleNamespace(attach=lambda *a, **kw: None)
        self.charges = SimpleNamespace(retrieve=lambda *a, **kw: charge())


def gateway_answering(answer, **kwargs) -> tuple[StripeGateway, Recorder]:
    gateway = StripeGateway(api_key="sk_test_recorded")
    recorder = Recorder(answer, **kwargs)
    gateway.client = SimpleNamespace(v1=recorder)
    return gateway, recorder


def authorise(gateway):
    return gateway.authorise(
        amount=Decimal("54.50"),
        currency="GBP",
        order_number="100001",
        payment_token="pm_1",
        idempotency_key="k:authorise",
    )


def test_authorisation_asks_for_multicapture_and_extended_authorisation_when_placed():
    gateway, recorder = gateway_answering(intent(latest_charge=charge()))
    authorise(gateway)
    (_kind, params), *_ = recorder.requests
    assert params["payment_method_options"] == {
        "card": {
            "request_multicapture": "if_available",
            "request_extended_authorization": "if_available",
        }
    }
    assert params["capture_method"] == "manual"
    assert params["payment_method_types"] == ["card"]


def test_checkout_intent_is_set_up_for_later_shipments_as_the_payment_element_is_when_placed():
    gateway, recorder = gateway_answering(intent(latest_charge=charge()))
    authorise(gateway)
    (_kind, params), *_ = recorder.requests
    # Stripe requires the intent to match what the page's Payment Element was created with.
    assert params["setup_future_usage"] == "off_session"
    assert params["capture_method"] == "manual"
    assert params["payment_method_types"] == ["card"]


def test_extended_authorisation_sets_the_deadline_from_capture_before_when_granted():
    answer = intent(latest_charge=charge(extended="enabled", before=CAPTURE_BEFORE))
    gateway, _recorder = gateway_answering(answer)
    authorisation = authorise(gateway)
    assert authorisation.expires_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert authorisation.raw["extended_authorization"] == "enabled"


def test_capture_keeps_the_rest_authorised_when_stripe_granted_multicapture():
    granted = intent(latest_charge=charge(multicapture="available"))
    gateway, recorder = gateway_answering(granted)
    answer = gateway.capture(
        "pi_1", amount=Decimal("20.00"), currency="GBP", idempotency_key="k:shipment:1"
    )
    assert ("capture", {"amount_to_capture": 2000, "final_capture": False}) in recorder.requests
    assert answer.remainder_released is False
    assert answer.raw["multicapture"] is True


@pytest.mark.parametrize("status", ["unavailable", None])
def test_capture_is_final_and_the_rest_released_when_stripe_did_not_grant_multicapture(status):
    gateway, recorder = gateway_answering(intent(latest_charge=charge(multicapture=status)))
    answer = gateway.capture(
        "pi_1", amount=Decimal("20.00"), currency="GBP", idempotency_key="k:shipment:1"
    )
    assert ("capture", {"amount_to_capture": 2000}) in recorder.requests
    assert answer.remainder_released is True


def test_capture_releases_the_rest_when_final_even_with_multicapture():
    gateway, recorder = gateway_answering(intent(latest_charge=charge(multicapture="available")))
    answer = gateway.capture(
        "pi_1", amount=Decimal("20.00"), currency="GBP", idempotency_key="k:last", final=True
    )
    assert recorder.requests == [("capture", {"amount_to_capture": 2000})]
    assert answer.remainder_released is True


def test_authorisation_hands_the_client_secret_to_the_page_when_3ds_is_required():
    gateway, _recorder = gateway_answering(
        intent("requires_action", next_action={"type": "use_stripe_sdk"})
    )
    with pytest.raises(ActionRequired) as raised:
        authorise(gateway)
    assert (raised.value.reference, raised.value.client_secret) == ("pi_1", "pi_1_secret_abc")


def confirmed(gateway, reference="pi_1", *, amount="54.50", order_number="100001"):
    return gateway.confirmed_authorisation(
        reference, amount=Decimal(amount), currency="GBP", order_number=order_number
    )


def test_posted_payment_is_accepted_when_stripe_reads_it_requires_capture():
    gateway, recorder = gateway_answering(intent(latest_charge=charge()))
    authorisation = confirmed(gateway)
    assert recorder.requests[0] == ("retrieve", {"id": "pi_1", "expand": ["latest_charge"]})
    assert (authorisation.reference, authorisation.amount) == ("pi_1", Decimal("54.50"))


@pytest.mark.parametrize(
    ("reference", "amount", "order_number"),
    [
        ("pi_1", "54.50", "100002"),  # another order's payment
        ("pi_1", "10.00", "100001"),  # another amount
        ("ch_1", "54.50", "100001"),  # not a PaymentIntent
    ],
)
def test_posted_payment_is_refused_when_it_is_another_orders_or_amounts(
    reference, amount, order_number
):
    gateway, _recorder = gateway_answering(intent(latest_charge=charge()))
    with pytest.raises(AuthorisationMismatch, match="not"):
        confirmed(gateway, reference, amount=amount, order_number=order_number)


def test_posted_payment_is_not_recorded_when_still_waiting_for_the_customer():
    gateway, _recorder = gateway_answering(intent("requires_action"))
    with pytest.raises(ActionRequired):
        confirmed(gateway)


def test_posted_payment_is_a_decline_when_authentication_failed():
    gateway, _recorder = gateway_answering(intent("requires_payment_method"))
    with pytest.raises(PaymentDeclined, match="did not confirm"):
        confirmed(gateway)


def test_checkout_intent_asks_for_a_next_action_stripe_js_can_run_when_placed():
    gateway, recorder = gateway_answering(intent(latest_charge=charge()))
    authorise(gateway)
    (_kind, params), *_ = recorder.requests
    # Confirmed on the server; a 3-D Secure step is then run in the page by handleNextAction.
    assert params["use_stripe_sdk"] is True
    assert params["confirm"] is True
