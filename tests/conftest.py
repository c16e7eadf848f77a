from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from oscar.core.loading import get_class

#: Tests run on a fixed Tuesday so business-day arithmetic is predictable.
TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def today():
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@pytest.fixture
def strategy():
    Selector = get_class("partner.strategy", "Selector")
    return Selector().strategy()


@pytest.fixture
def mailoutbox_clear(mailoutbox):
    mailoutbox.clear()
    return mailoutbox


@pytest.fixture(autouse=True)
def _fresh_payment_gateway():
    """Each test starts with a gateway that remembers no earlier test's authorisations."""
    from oscar_backorders.payments.gateways import reset_gateway_cache

    reset_gateway_cache()
    yield
    reset_gateway_cache()
