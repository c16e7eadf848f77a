"""End to end: localstripe signs and delivers its webhooks to the shop's endpoint.

localstripe emits only ``payment_intent.succeeded`` and ``payment_intent.payment_failed`` for
PaymentIntents (none of the events the shop reconciles: no ``payment_intent.canceled``,
``amount_capturable_updated``, ``charge.captured`` or ``charge.refunded``), so this proves the
signature scheme and the recording against a real emitter; the reconciliation itself is tested
with signed payloads in ``test_webhooks.py``.

PostgreSQL only: the live server's thread writes the event while this test's thread polls for
it, and SQLite's shared in-memory database refuses a write while another connection reads
("database table is locked"), at random.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from oscar.core.loading import get_model

from tests.payments_support import stripe_card

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.localstripe,
]

ProviderEvent = get_model("oscar_backorders", "ProviderEvent")
SECRET = "whsec_localstripe"
PATH = "/backorders/payments/stripe/webhook/"


def register_webhook(localstripe_url: str, url: str, *, secret: str, hook: str) -> None:
    body = json.dumps({"url": url, "secret": secret, "events": ["payment_intent.succeeded"]})
    request = urllib.request.Request(
        f"{localstripe_url}/_config/webhooks/{hook}",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()


def wait_for(query, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = query()
        if found:
            return found
        time.sleep(0.2)
    return query()


def test_localstripes_signed_delivery_is_verified_and_recorded_once(
    live_server, localstripe_url, stripe_gateway, settings
):
    settings.BACKORDERS_STRIPE_WEBHOOK_SECRET = SECRET
    register_webhook(localstripe_url, live_server.url + PATH, secret=SECRET, hook="shop")
    # A second endpoint with another secret: the shop refuses what it cannot verify.
    register_webhook(localstripe_url, live_server.url + PATH, secret="whsec_wrong", hook="other")
    try:
        intent = stripe_gateway.client.v1.payment_intents.create(
            params={
                "amount": 1000,
                "currency": "gbp",
                "payment_method": stripe_card(stripe_gateway),
                "confirm": True,
            }
        )
        recorded = wait_for(
            lambda: list(ProviderEvent.objects.filter(reference=intent.id)), seconds=15
        )
    finally:
        for hook in ("shop", "other"):
            register_webhook(localstripe_url, "http://127.0.0.1:9/", secret="x", hook=hook)
    assert [(event.type, event.outcome) for event in recorded] == [
        ("payment_intent.succeeded", "ignored")
    ]
