"""Fixtures and helpers of the payments tests (conftests re-export the fixtures)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.gateways import get_gateway, reset_gateway_cache
from tests.factories import stocked_product
from tests.helpers import basket_with, place

BackorderLine = get_model("oscar_backorders", "BackorderLine")


@pytest.fixture
def gateway(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = "oscar_backorders.payments.gateways.dummy.DummyGateway"
    reset_gateway_cache()
    gateway = get_gateway()
    gateway.reset()
    yield gateway
    reset_gateway_cache()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks of a block (the test's transaction never commits)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def mixed_order(strategy, today, gateway):
    """An authorised order: 2 × £10.00 on the shelf + 3 backordered; 1 × £4.50 in stock."""
    product = stocked_product(num_in_stock=2, price=Decimal("10.00"))
    other = stocked_product(num_in_stock=5, price=Decimal("4.50"))
    order = place(basket_with(strategy, (product, 5), (other, 1)))
    authorise_order(order.pk, payment_token="ok")
    return order


def lines_of(order):
    main = order.lines.get(backorder__isnull=False)
    plain = order.lines.get(backorder__isnull=True)
    return main, plain


def post_shipped(client, order, line, quantity):
    """A merchant records a "Shipped" event for ``quantity`` units of ``line`` in Oscar's order
    dashboard (a fresh Oscar has no shipping event types: the merchant adds "Shipped")."""
    event_type, _ = get_model("order", "ShippingEventType").objects.get_or_create(name="Shipped")
    return client.post(
        reverse("dashboard:order-detail", kwargs={"number": order.number}),
        {
            "line_action": "create_shipping_event",
            "shipping_event_type": event_type.code,
            "selected_line": [line.pk],
            f"selected_line_qty_{line.pk}": quantity,
            "reference": "DHL 42",
        },
        follow=True,
    )


def allocate(line, quantity):
    """Stock arrives for ``quantity`` waiting units and is allocated to them."""
    record = line.stockrecord
    # An UPDATE, not save(): a save would also run the restock allocation after commit.
    type(record).objects.filter(pk=record.pk).update(num_in_stock=F("num_in_stock") + quantity)
    return services.allocate_units(line.backorder.pk, quantity, reason="stock arrived")


#: Runs localstripe's aiohttp app on 127.0.0.1 only (its own ``localstripe`` command listens on
#: every interface) and keeps its store in memory (it would otherwise pickle it into /tmp).
#: localstripe 1.15 refuses ``setup_future_usage`` and ``use_stripe_sdk`` on a PaymentIntent
#: (Stripe takes both; the plugin sends them at checkout): the launcher keeps the first on the
#: intent and lets the second through (localstripe's next action is Stripe.js' in any case).
LOCALSTRIPE = """
import sys
from aiohttp import web
from localstripe.resources import PaymentIntent, store
from localstripe.server import app
store.dump_to_disk = lambda: None
_init = PaymentIntent.__init__
def _init_keeping_future_usage(self, setup_future_usage=None, use_stripe_sdk=None, **kwargs):
    _init(self, **kwargs)
    self.setup_future_usage = setup_future_usage
PaymentIntent.__init__ = _init_keeping_future_usage
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """Start localstripe on a free loopback port for the session; skip when it cannot start."""
    import socket
    import subprocess
    import sys
    import time

    try:
        import localstripe  # noqa: F401
        import stripe  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"Stripe adapter tests need `pip install stripe localstripe` ({exc}).")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", LOCALSTRIPE, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace")[-500:]
            pytest.skip(f"localstripe could not start on 127.0.0.1:{port}: {error}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.skip(f"localstripe did not answer on 127.0.0.1:{port} within 15 seconds.")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def stripe_gateway(localstripe_url, settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = "oscar_backorders.payments.gateways.stripe.StripeGateway"
    settings.BACKORDERS_STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.BACKORDERS_STRIPE_API_BASE = localstripe_url
    reset_gateway_cache()
    yield get_gateway()
    reset_gateway_cache()


def stripe_card(gateway, number: str = "4242424242424242") -> str:
    """A PaymentMethod id, as Stripe.js would hand the checkout (localstripe takes raw numbers)."""
    method = gateway.client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return method.id
