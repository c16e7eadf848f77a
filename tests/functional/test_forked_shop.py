"""A shop that forked ``partner`` (and ``order``) and composes the plugin's mixins into its own
Selector and OrderCreator gets the same customer-facing behaviour as the zero-fork route.

Django settings are per process, so the forked shop's run is a pytest subprocess on
``tests.forked_shop.settings`` over the same checkout, display, cancel and placement tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # A database of its own, so the subprocess's test database never collides with this one's.
    if env.get("BACKORDERS_TEST_DATABASE_URL"):
        env["BACKORDERS_TEST_DATABASE_URL"] += "_forked"
    return env


SHARED_TESTS = [
    "tests/functional/test_customer_display.py",
    "tests/functional/test_basket_quantities.py",
    "tests/functional/test_customer_cancel.py",
    "tests/functional/test_ships_later.py",
    "tests/functional/test_catalogue_tiles.py",
    "tests/functional/test_stock_alerts.py",
    "tests/integration/test_placement.py",
    "tests/integration/test_availability.py",
]


@pytest.mark.slow
def test_forked_shop_composing_the_mixins_behaves_the_same():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:warnings",
            "--ds=tests.forked_shop.settings",
            "-k",
            "not forked_shop",
            *SHARED_TESTS,
        ],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_forked_shop_really_uses_its_own_classes():
    """Guard against the subprocess silently running the plugin's loader route."""
    code = (
        "import django; django.setup();"
        "from oscar.core.loading import get_class;"
        "s = get_class('partner.strategy', 'Selector');"
        "o = get_class('order.utils', 'OrderCreator');"
        "print(s.__module__, o.__module__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **_env(),
            "DJANGO_SETTINGS_MODULE": "tests.forked_shop.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'sandbox'}",
        },
        timeout=120,
    )
    assert result.stdout.split() == [
        "tests.forked_shop.partner.strategy",
        "tests.forked_shop.order.utils",
    ], result.stderr[-2000:]
