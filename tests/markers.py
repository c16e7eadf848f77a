"""The ``postgres``, ``redis`` and ``browser`` markers: run, skip with a reason, or fail in CI.

A test marked with one of them needs the real thing. Where it is missing the test is skipped
with a message that says what to install, except when the environment variable ``CI`` is set:
there a missing service is a broken machine, and the test fails.

- ``postgres``: the suite runs on PostgreSQL (``BACKORDERS_TEST_DATABASE_URL``).
- ``redis``: ``BACKORDERS_TEST_REDIS_URL`` points at a Redis server that answers.
- ``browser``: the ``playwright`` package is installed and Chromium is at
  ``BACKORDERS_CHROMIUM`` (default ``/usr/bin/chromium``). Playwright's own browser download
  is never used.

``make test`` (``tests/run_suite.py``) starts throwaway PostgreSQL and Redis servers itself.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from functools import cache
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("BACKORDERS_CHROMIUM", "/usr/bin/chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@cache
def postgres_missing() -> str | None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return (
            "needs PostgreSQL: run `make test`, or set "
            "BACKORDERS_TEST_DATABASE_URL=postgres://user@host:port/name"
        )
    return None


@cache
def redis_missing() -> str | None:
    url = os.environ.get("BACKORDERS_TEST_REDIS_URL", "")
    if not url:
        return "needs Redis: run `make test`, or set BACKORDERS_TEST_REDIS_URL=redis://host:port/db"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return None
    except OSError as error:
        return f"needs Redis: {url} does not answer ({error})"


@cache
def browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "needs the `playwright` Python package (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"needs Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


CHECKS = {"postgres": postgres_missing, "redis": redis_missing, "browser": browser_missing}


def check_item(item: pytest.Item) -> None:
    """Skip (locally) or fail (in CI) ``item`` when a service its markers need is missing."""
    for name, check in CHECKS.items():
        if item.get_closest_marker(name) is None:
            continue
        reason = check()
        if reason is None:
            continue
        if in_ci():
            pytest.fail(f"[{name}] {reason} — CI is set, so a missing service fails the run")
        pytest.skip(f"[{name}] {reason}")
