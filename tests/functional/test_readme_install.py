"""README's "Install in a shop", executed on two new Oscar shops that are not our sandbox.

Each shop's settings are built from django-oscar's own docs (``tests/integrator/oscar_shop_settings.py``)
and then apply README's install snippets, read out of README.md at run time; if README changes,
these shops change with it:

- ``fresh_shop``: forks nothing (the zero-fork route).
- ``forked_shop``: forked ``partner``, ``order`` and ``checkout``, with README's snippets for
  forked apps as its ``partner/strategy.py`` and ``order/utils.py``, and a ``checkout`` whose
  ``PaymentDetailsView.handle_payment`` takes payment the shop's own way.

Django settings are per process, so each shop runs in processes of its own: ``migrate`` (with
migrations, from an empty SQLite file), ``check``, then ``tests/integrator/walk.py``, where a
merchant stocks three products (no policy, backorderable, capped) and a signed-in customer buys
them through Oscar's real pages with Django's test client. The forked shop's apps use Oscar's
migrations, so it starts from the fresh shop's migrated file and runs its own ``migrate`` on it;
then the two shops run side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integrator.forked_shop import OWN_PAYMENT_EVENT, OWN_SOURCE_TYPE
from tests.integrator.walk import CAP

# The shops run on SQLite files of their own whatever database this suite uses: once, in the
# SQLite pass, is enough.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("BACKORDERS_TEST_DATABASE_URL")),
    reason="the README shops run on SQLite files of their own; tested in the SQLite pass",
)

ROOT = Path(__file__).resolve().parents[2]
SHOPS = {
    "fresh_shop": "tests.integrator.fresh_shop.settings",
    "forked_shop": "tests.integrator.forked_shop.settings",
}


@dataclass
class Shop:
    name: str
    migrate: subprocess.CompletedProcess
    check: subprocess.CompletedProcess
    walk: subprocess.CompletedProcess
    report: dict[str, Any]

    def page(self, name: str) -> dict[str, Any]:
        return next(page for page in self.report["pages"] if page["page"] == name)


def _django(settings: str, var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # The shop's own environment: none of this suite's settings, only this working copy.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKORDERS_", "DJANGO_"))}
    env.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE=settings, SHOP_VAR_DIR=str(var_dir))
    return subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", *args],
        cwd=var_dir, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _migrate(name: str, var_dir: Path) -> subprocess.CompletedProcess:
    migrate = _django(SHOPS[name], var_dir, "-m", "django", "migrate", "--no-input")
    assert migrate.returncode == 0, f"{name}: migrate failed\n{migrate.stdout}{migrate.stderr}"
    return migrate


def _check_and_walk(name: str, var_dir: Path, migrate: subprocess.CompletedProcess) -> Shop:
    settings = SHOPS[name]
    check = _django(settings, var_dir, "-m", "django", "check", "--fail-level", "ERROR")
    report_path = var_dir / "walk.json"
    walk = _django(settings, var_dir, "-m", "tests.integrator.walk", str(report_path))
    assert walk.returncode == 0, f"{name}: the customer's walk stopped\n{walk.stderr[-6000:]}"
    return Shop(name, migrate, check, walk, json.loads(report_path.read_text()))


def _forked_shop(var_dir: Path, migrated: Path) -> Shop:
    # The forks use Oscar's migrations (forked_shop/settings.py), so the forked shop's migration
    # graph is the fresh shop's: it starts from that migrated database, and its own ``migrate``
    # must find nothing to apply and no model of a fork that differs from its migrations.
    var_dir.mkdir()
    shutil.copyfile(migrated, var_dir / "db.sqlite3")
    return _check_and_walk("forked_shop", var_dir, _migrate("forked_shop", var_dir))


@pytest.fixture(scope="module")
def shops(tmp_path_factory) -> dict[str, Shop]:
    base = tmp_path_factory.mktemp("readme-install")
    fresh = base / "fresh_shop"
    fresh.mkdir()
    migrate = _migrate("fresh_shop", fresh)  # from an empty database, every migration
    snapshot = base / "migrated.sqlite3"
    shutil.copyfile(fresh / "db.sqlite3", snapshot)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {
            "fresh_shop": pool.submit(_check_and_walk, "fresh_shop", fresh, migrate),
            "forked_shop": pool.submit(_forked_shop, base / "forked_shop", snapshot),
        }
        return {name: run.result() for name, run in runs.items()}


@pytest.fixture(params=list(SHOPS))
def shop(request, shops) -> Shop:
    return shops[request.param]


def test_shop_installed_from_readme_has_the_plugin_before_oscar_and_its_class_loader(shop):
    apps = shop.report["installed_apps"]
    plugin = apps.index("oscar_backorders.apps.BackordersConfig")
    assert apps[plugin + 1] == "oscar.config.Shop"
    assert "django_celery_beat" in apps
    assert shop.report["class_loader"] == "oscar_backorders.loading.class_loader"


def test_migrate_from_an_empty_database_applies_oscars_and_the_plugins_migrations(shops):
    output = shops["fresh_shop"].migrate.stdout
    assert "Applying partner.0001_initial... OK" in output
    assert "Applying order.0001_initial... OK" in output
    assert "Applying oscar_backorders.0001_initial... OK" in output
    assert "django_celery_beat.0001_initial... OK" in output
    assert "have changes that are not yet reflected" not in output


def test_forked_apps_match_the_migrations_they_were_forked_with(shops):
    output = shops["forked_shop"].migrate.stdout
    assert "No migrations to apply." in output
    assert "have changes that are not yet reflected" not in output


def test_check_reports_no_error_in_a_shop_installed_from_readme(shop):
    output = shop.check.stdout + shop.check.stderr
    print(f"{shop.name}: manage.py check\n{output}")  # warnings, if any, are listed here
    assert shop.check.returncode == 0, output
    assert "ERRORS:" not in output


def test_customer_gets_every_page_from_home_to_order_history_in_a_shop_installed_from_readme(
    shop,
):
    failed = [page for page in shop.report["pages"] if page["status"] != 200]
    assert not failed, json.dumps(failed, indent=2)
    seen = {page["page"] for page in shop.report["pages"]}
    orders = shop.report["orders"]
    assert {
        "home", "catalogue", "category", "product PLAIN", "product BACKORDER", "product CAPPED",
        "basket", "checkout", "shipping address", "shipping method", "payment method",
        "payment details", "preview", "place order", "thank you", "order history",
        f"order {orders['plain']['number']}", f"order {orders['backordered']['number']}",
    } <= seen  # fmt: skip
    # Oscar's own redirects were followed to where a customer lands.
    assert shop.page("checkout")["path"] == "/checkout/shipping-address/"
    assert shop.page("place order")["path"] == "/checkout/thank-you/"


def test_order_without_a_policy_is_paid_by_oscars_handle_payment_untouched_when_nothing_is_forked(
    shops,
):
    shop = shops["fresh_shop"]
    # Oscar's own (empty) handle_payment: the plugin composed nothing into the checkout.
    assert shop.report["classes"]["handle_payment"] is None
    assert shop.report["classes"]["payment_view"][0] == (
        "oscar.apps.checkout.views.PaymentDetailsView"
    )
    plain = shop.report["orders"]["plain"]
    assert plain["lines"] == {"PLAIN": 1}
    assert plain["sources"] == [] and plain["payment_events"] == []
    assert plain["backordered"] == {} and plain["plugin_authorisations"] == 0
    # Nor did the backordered order move any money through the plugin.
    assert shop.report["plugin_authorisations"] == 0
    assert "Authorised" not in shop.report["payment_event_types"]


def test_every_order_is_paid_by_the_shops_own_handle_payment_when_checkout_is_forked(shops):
    shop = shops["forked_shop"]
    assert shop.report["classes"]["handle_payment"] == (
        "tests.integrator.forked_shop.checkout.views.PaymentDetailsView"
    )
    for order in shop.report["orders"].values():
        total = order["total"]
        assert order["sources"] == [
            {"type": OWN_SOURCE_TYPE, "allocated": total, "debited": total}
        ], order
        assert order["payment_events"] == [{"type": OWN_PAYMENT_EVENT, "amount": total}], order
        assert order["plugin_authorisations"] == 0
    assert shop.report["payment_event_types"] == [OWN_PAYMENT_EVENT]


def test_forked_shop_runs_its_own_strategy_and_order_creator_from_readmes_snippets(shops):
    classes = shops["forked_shop"].report["classes"]
    assert classes["strategy"][0] == "tests.integrator.forked_shop.partner.strategy.Default"
    assert "oscar_backorders.strategy.Backorders" in classes["strategy"]
    assert classes["order_creator"][:2] == [
        "tests.integrator.forked_shop.order.utils.OrderCreator",
        "oscar_backorders.placement.BackorderOrderCreatorMixin",
    ]


def test_backordered_units_are_recorded_for_the_backorderable_product(shop):
    orders = shop.report["orders"]
    assert orders["backordered"]["lines"] == {"BACKORDER": 2, "CAPPED": CAP}
    assert orders["backordered"]["backordered"] == {
        "BACKORDER": {"quantity": 2, "status": "waiting"},
        "CAPPED": {"quantity": CAP, "status": "waiting"},
    }
    assert orders["plain"]["backordered"] == {}


def test_capped_product_refuses_more_than_its_cap_and_the_basket_keeps_nothing_of_it(shop):
    capped = shop.report["capped"]
    assert capped["refused_beyond_cap"], "adding cap + 1 was not refused"
    assert capped["basket_after_refusal"] == {"BACKORDER": 2}
    assert capped["refused_after_cap_used"], "adding 1 more once the cap was used was not refused"
    assert capped["basket_after_cap_used"] == {}


def test_no_back_in_stock_email_for_a_product_that_is_only_backorderable(shop):
    # The forked shop did not fork ``customer``: README's loader composes its AlertsDispatcher.
    assert shop.report["back_in_stock_emails"] == []
