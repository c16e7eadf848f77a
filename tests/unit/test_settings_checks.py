"""``manage.py check`` reports mistyped and invalid ``BACKORDERS_*`` settings, and wiring that
silently loses the plugin's behaviour (app order, strategy mixin order)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import oscar
import pytest
from django.core import checks
from oscar.apps.partner import strategy as oscar_strategy

from oscar_backorders.app_settings import DEFAULTS, RULES
from oscar_backorders.checks import check_app_order, check_settings, check_strategy_order
from oscar_backorders.strategy import Backorders

ROOT = Path(__file__).resolve().parents[2]


# --- strategies for the mixin-order checks (named by BACKORDERS_SELECTOR below) -----------------


class StockRequiredFirst(
    oscar_strategy.UseFirstStockRecord,
    oscar_strategy.StockRequired,
    Backorders,
    oscar_strategy.NoTax,
    oscar_strategy.Structured,
):
    pass


class StockRequiredFirstSelector:
    def strategy(self, request=None, user=None, **kwargs):
        return StockRequiredFirst(request)


class BackordersFirst(
    oscar_strategy.UseFirstStockRecord,
    Backorders,
    oscar_strategy.StockRequired,
    oscar_strategy.NoTax,
    oscar_strategy.Structured,
):
    pass


class BackordersFirstSelector:
    def strategy(self, request=None, user=None, **kwargs):
        return BackordersFirst(request)


class RequestOnlySelector:
    def strategy(self, request=None, user=None, **kwargs):
        return oscar_strategy.Default(request.user)  # fails without a request


HERE = __name__


def only_error(messages):
    [message] = messages
    assert message.level == checks.ERROR
    return message


# --- settings -----------------------------------------------------------------------------------


def test_default_settings_pass_every_check():
    assert check_settings() == []
    assert check_app_order() == []
    assert check_strategy_order() == []


def test_every_setting_has_a_rule_and_its_default_keeps_it():
    assert RULES.keys() == DEFAULTS.keys()
    for name, rule in RULES.items():
        assert rule is None or rule.problem(DEFAULTS[name]) is None, name


def test_mistyped_setting_is_an_error_suggesting_the_closest_name(settings):
    settings.BACKORDERS_DEFAULT_MOD = "backorder"
    message = only_error(check_settings())
    assert message.id == "oscar_backorders.E001"
    assert "BACKORDERS_DEFAULT_MOD " in message.msg
    assert "Did you mean BACKORDERS_DEFAULT_MODE?" in message.hint


def test_unknown_setting_with_no_close_name_is_an_error_pointing_at_the_docs(settings):
    settings.BACKORDERS_COLOUR_SCHEME = "blue"
    message = only_error(check_settings())
    assert message.id == "oscar_backorders.E001"
    assert "BACKORDERS_COLOUR_SCHEME" in message.msg
    assert "docs/settings.md" in message.hint


@pytest.mark.parametrize(
    ("name", "value", "check_id", "says"),
    [
        # core
        ("DEFAULT_MODE", "backorders", "E002", "one of 'off', 'backorder', 'preorder'"),
        ("DEFAULT_MODE", "inherit", "E002", "one of"),
        ("ESTIMATOR", "x.Y", "E003", "cannot be imported"),
        ("ESTIMATOR", "oscar_backorders.priorities.Fifo", "E003", "has no estimate_next"),
        ("SELECTOR", "oscar_backorders.strategy.Backorders", "E003", "has no strategy"),
        ("SELECTOR", "Selector", "E003", "dotted path"),
        ("DELEGATE_CLASS_LOADER", "oscar.core.loading.no_loader", "E003", "cannot be imported"),
        ("DEFAULT_LEAD_TIME_DAYS", -1, "E004", "whole number of 0 or more"),
        ("SHIPS_LATER_PAGE_SIZE", 0, "E004", "whole number of 1 or more"),
        ("ALTERNATIVES_LIMIT", "4", "E004", "whole number"),
        ("HANDLING_DAYS", 1.5, "E004", "whole number"),
        ("WEEKEND_DAYS", (6, 8), "E005", "Monday=1 to Sunday=7"),
        ("WEEKEND_DAYS", (1, 2, 3, 4, 5, 6, 7), "E005", "at least one business day"),
        ("HOLIDAYS", ("2026-13-01",), "E005", "'2026-13-01' is not a date"),
        ("HOLIDAYS", "2026-12-25", "E005", "tuple of dates"),
        # console
        ("CONSOLE_TASK_THRESHOLD", 0, "E004", "whole number from 1 to 500"),
        ("CONSOLE_TASK_THRESHOLD", 501, "E004", "whole number from 1 to 500"),
        ("CONSOLE_TASK_THRESHOLD", "200", "E004", "whole number from 1 to 500"),
        # payments
        ("PAYMENT_SHIPPING_CHARGE_WITH", "middle", "E110", "one of 'first', 'last'"),
        ("PAYMENT_AUTHORISATION_VALIDITY_DAYS", 0, "E111", "whole number of 1 or more"),
        ("PAYMENT_REAUTHORISE_WITHIN_HOURS", True, "E111", "whole number"),
        ("PAYMENT_RETRY_DELAYS_MINUTES", (), "E111", "non-empty tuple"),
        ("PAYMENT_RETRY_DELAYS_MINUTES", (5, -1), "E111", "positive numbers"),
        ("PAYMENT_IDEMPOTENCY_PREFIX", "", "E112", "non-empty string"),
        ("STRIPE_SECRET_KEY", None, "E112", "a string"),
        ("STRIPE_WEBHOOK_SECRET", None, "E112", "a string"),
        ("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 0, "E111", "whole number of 1 or more"),
        ("STRIPE_WEBHOOK_TOLERANCE_SECONDS", "300", "E111", "whole number"),
        ("STRIPE_PUBLISHABLE_KEY", "sk_live_oops", "E112", "start with 'pk_'"),
        ("STRIPE_JS_URL", "", "E112", "non-empty string"),
        ("STRIPE_JS_URL", "//js.stripe.com/v3/", "E112", "start with 'https://' or 'http://'"),
        ("STRIPE_ELEMENT", "payment_element", "E110", "one of 'payment', 'card'"),
        ("STRIPE_ELEMENT", None, "E110", "one of 'payment', 'card'"),
        # supply
        ("SERVICE_LEVEL", 1.2, "E201", "from 0.5 up to (not including) 1"),
        ("SERVICE_LEVEL", "high", "E201", "number"),
        ("PROMISE_CONFIDENCE", 1.5, "E201", "from 0.5 up to (not including) 1"),
        ("PROMISE_CONFIDENCE", 0, "E201", "from 0.5 up to (not including) 1"),
        ("PRIORITY_ORDER", "nowhere.Order", "E202", "cannot be imported"),
        (
            "PRIORITY_ORDER",
            "oscar_backorders.estimates.lead_time.LeadTimeEstimator",
            "E202",
            "sort_key",
        ),
        ("INBOUND_ALLOWANCE", -1, "E203", "whole number of 0 or more"),
        ("DEMAND_WINDOW_DAYS", 0, "E203", "whole number of 1 or more"),
        ("RELIABILITY_WINDOW", 0, "E203", "whole number of 1 or more"),
        ("PRIORITY_CUSTOMER_GROUPS", "VIP", "E204", "list or tuple of strings"),
        ("CAP_TO_INBOUND", "yes", "E204", "True or False"),
        # notifications
        ("OVERRUN_RULE", "usa", "E301", "one of 'ftc', 'eu', 'strict', 'notify'"),
        ("FOLLOW_UP_DAYS", 0, "E302", "whole number of 1 or more, or None"),
        ("NOTICE_CHUNK_SIZE", 0, "E302", "whole number of 1 or more"),
        ("BEAT_LEASE_SECONDS", 5, "E302", "whole number of 10 or more"),
        ("LINK_SCHEME", "ftp", "E303", "one of 'https', 'http'"),
        ("LINK_HOST", "https://shop.example.com/", "E303", "host name"),
        ("MERCHANT_EMAILS", "shop@example.com", "E303", "list or tuple of email addresses"),
        ("MERCHANT_EMAILS", ["merchant"], "E303", "'merchant' is not an email address"),
        ("COMPENSATION_VOUCHER", {"benefit_type": "Free"}, "E303", '"Percentage" or "Absolute"'),
        ("COMPENSATION_VOUCHER", {"value": "-5"}, "E303", "dict like"),
        ("DIGEST_SEND_EMPTY", 1, "E303", "True or False"),
    ],
)
def test_invalid_value_is_an_error_naming_the_setting(settings, name, value, check_id, says):
    setattr(settings, f"BACKORDERS_{name}", value)
    message = only_error(check_settings())
    assert message.id == f"oscar_backorders.{check_id}"
    assert message.msg.startswith(f"BACKORDERS_{name} is ")
    assert says in message.msg
    assert f"BACKORDERS_{name}" in message.hint


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_MODE", "backorder"),
        ("ESTIMATOR", "oscar_backorders.estimates.lead_time.LeadTimeEstimator"),
        ("SELECTOR", "oscar_backorders.strategy.Selector"),
        ("HOLIDAYS", (dt.date(2026, 12, 25), "2026-12-26")),
        ("WEEKEND_DAYS", [5, 6, 7]),
        ("FOLLOW_UP_DAYS", None),
        ("COMPENSATION_AFTER_DAYS", 60),
        ("SERVICE_LEVEL", 0.99),
        ("PRIORITY_ORDER", "oscar_backorders.priorities.ManualThenUrgencyThenGroup"),
        ("LINK_HOST", "127.0.0.1:8000"),
        ("MERCHANT_EMAILS", ["merchant@example.com"]),
        ("COMPENSATION_VOUCHER", {"benefit_type": "Absolute", "value": 5, "valid_days": 30}),
        ("STRIPE_API_BASE", "http://127.0.0.1:8420"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_abc"),
        ("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 600),
        ("STRIPE_PUBLISHABLE_KEY", "pk_test_123"),
        ("STRIPE_JS_URL", "http://127.0.0.1:8420/js.stripe.com/v3/"),
        ("STRIPE_ELEMENT", "card"),
        ("PAYMENT_RETRY_DELAYS_MINUTES", [1, 2.5]),
        ("CONSOLE_TASK_THRESHOLD", 500),
    ],
)
def test_valid_value_other_than_the_default_passes(settings, name, value):
    setattr(settings, f"BACKORDERS_{name}", value)
    assert check_settings() == []


def test_dotted_path_to_a_module_that_fails_on_import_is_reported_not_raised(
    settings, tmp_path, monkeypatch
):
    (tmp_path / "broken_estimator.py").write_text("raise RuntimeError('no database yet')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.BACKORDERS_ESTIMATOR = "broken_estimator.Estimator"
    message = only_error(check_settings())
    assert message.id == "oscar_backorders.E003"
    assert "RuntimeError: no database yet" in message.msg


# --- app order ----------------------------------------------------------------------------------


def test_plugin_listed_after_oscar_is_an_error_naming_the_lost_templates(tmp_path):
    (tmp_path / "plugin_after_oscar.py").write_text(
        textwrap.dedent(
            """
            from tests.settings import *  # noqa: F403
            from tests.settings import INSTALLED_APPS

            INSTALLED_APPS = [a for a in INSTALLED_APPS if a != "oscar_backorders.apps.BackordersConfig"]
            INSTALLED_APPS.insert(
                INSTALLED_APPS.index("oscar.config.Shop") + 1, "oscar_backorders.apps.BackordersConfig"
            )
            """
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plugin_after_oscar",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox"), str(tmp_path)]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--tag", "templates"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "(oscar_backorders.E010)" in result.stderr
    assert "oscar/catalogue/detail.html" in result.stderr
    assert 'before "oscar.config.Shop"' in result.stderr


def test_oscar_templates_found_first_is_an_error(settings):
    """The same fault without reordering apps: Oscar's folder named before the plugin's."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [Path(oscar.__file__).parent / "templates"]}
    ]
    message = only_error(check_app_order())
    assert message.id == "oscar_backorders.E010"
    assert "INSTALLED_APPS" in message.hint


def test_shops_own_copy_of_a_template_is_not_an_app_order_error(settings, tmp_path):
    own = tmp_path / "oscar" / "catalogue" / "detail.html"
    own.parent.mkdir(parents=True)
    own.write_text("{% extends 'oscar/layout.html' %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    assert check_app_order() == []


# --- strategy mixin order -----------------------------------------------------------------------


def test_backorders_after_stock_required_is_an_error_with_the_order_to_use(settings):
    settings.BACKORDERS_SELECTOR = f"{HERE}.StockRequiredFirstSelector"
    message = only_error(check_strategy_order())
    assert message.id == "oscar_backorders.E011"
    assert "StockRequiredFirst composes oscar_backorders.strategy.Backorders after" in message.msg
    assert "oscar.apps.partner.availability" not in message.msg
    assert "StockRequired" in message.msg
    assert "Backorders in place of StockRequired" in message.hint


def test_backorders_before_stock_required_passes(settings):
    settings.BACKORDERS_SELECTOR = f"{HERE}.BackordersFirstSelector"
    assert check_strategy_order() == []


def test_selector_that_needs_a_request_is_left_to_run_time(settings):
    settings.BACKORDERS_SELECTOR = f"{HERE}.RequestOnlySelector"
    assert check_strategy_order() == []


def test_choices_of_the_rules_are_the_ones_the_code_knows():
    from oscar_backorders.abstract_models import PolicyMode
    from oscar_backorders.notifications.notices import OVERRUN_RULES

    assert set(RULES["DEFAULT_MODE"].choices) == set(PolicyMode.values) - {PolicyMode.INHERIT}
    assert RULES["OVERRUN_RULE"].choices == OVERRUN_RULES
