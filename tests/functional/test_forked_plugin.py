"""A shop forks the plugin itself with Oscar's ``oscar_fork_app`` and everything still works.

The fork is generated for real (``manage.py oscar_fork_app oscar_backorders <folder>``); a pytest
subprocess then runs the placement, services, checkout display and cancellation tests with the
forked app installed in place of the original (``tests/forked_plugin/settings.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SHARED_TESTS = [
    "tests/integration/test_placement.py",
    "tests/integration/test_services.py",
    "tests/functional/test_customer_display.py",
    "tests/functional/test_customer_cancel.py",
]


@pytest.mark.slow
def test_shop_that_forks_the_plugin_with_oscar_fork_app_keeps_every_behaviour(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT), str(ROOT / "sandbox")])
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    (tmp_path / "myshop").mkdir()
    (tmp_path / "myshop" / "__init__.py").write_text("")
    fork = subprocess.run(
        [sys.executable, "-m", "django", "oscar_fork_app", "oscar_backorders", "myshop"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fork.returncode == 0, fork.stdout + fork.stderr
    forked = tmp_path / "myshop" / "oscar_backorders"
    assert (forked / "models.py").read_text().startswith("from oscar_backorders.models import")
    assert sorted(p.name for p in (forked / "migrations").glob("0*.py")) == sorted(
        p.name for p in (ROOT / "oscar_backorders" / "migrations").glob("0*.py")
    )

    env["BACKORDERS_FORKED_APP"] = "myshop.oscar_backorders"
    env["DJANGO_SETTINGS_MODULE"] = "tests.forked_plugin.settings"
    if env.get("BACKORDERS_TEST_DATABASE_URL"):
        env["BACKORDERS_TEST_DATABASE_URL"] += "_forkedplugin"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--ds=tests.forked_plugin.settings",
            "-o",
            "addopts=--nomigrations",
            *SHARED_TESTS,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_readme_names_every_template_library_a_shop_that_forks_the_plugin_must_register():
    """README's fork snippet (and the forked shop's settings that run it) list every library
    under ``oscar_backorders/templatetags``: a missing one is a 500 on the page that loads it."""
    import re
    from pathlib import Path

    import oscar_backorders

    root = Path(__file__).resolve().parents[2]
    shipped = {
        path.stem
        for path in (Path(oscar_backorders.__file__).parent / "templatetags").glob("*.py")
        if path.stem != "__init__"
    }
    readme = (root / "README.md").read_text()
    in_readme = set(re.findall(r'"(\w+)": "oscar_backorders\.templatetags\.\1"', readme))
    assert in_readme == shipped
    forked = (root / "tests" / "forked_plugin" / "settings.py").read_text()
    assert set(re.findall(r'"(\w+)": "oscar_backorders\.templatetags\.\1"', forked)) == shipped
