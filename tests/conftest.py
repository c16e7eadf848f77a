from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from oscar.core.loading import get_class

from tests.browser import browser_page, chromium, sandbox  # noqa: F401 (fixtures)
from tests.markers import check_item
from tests.workers import broker, started  # noqa: F401 (fixtures of the worker tests)

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


def pytest_runtest_setup(item):
    # postgres/redis/browser tests: skipped with a reason where the service is missing,
    # failed when CI is set (tests/markers.py).
    check_item(item)


@pytest.fixture
def redis_url():
    """URL of the Redis server the suite may use (``BACKORDERS_TEST_REDIS_URL``)."""
    import os

    return os.environ["BACKORDERS_TEST_REDIS_URL"]


def pytest_terminal_summary(terminalreporter):
    from tests.browser import Journey

    for folder in Journey.written:
        terminalreporter.write_line(f"Browser screenshots: {folder}")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached pages and lists (ships later, alternatives) never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
