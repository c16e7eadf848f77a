"""The payment sentences read from plain figures (no database), in the active locale."""

from decimal import Decimal

import pytest
from django.utils import translation

from oscar_backorders.payments.money import OrderMoney
from oscar_backorders.payments.wording import CheckoutPlan, after_checkout, before_checkout

D = Decimal


def money(**figures):
    values = {"currency": "GBP", "total": D("30.00"), "charged": D("0.00"), "refunded": D("0.00")}
    values.update(released=D("0.00"), held=D("0.00"))
    values.update(figures)
    return OrderMoney(**values)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en-gb"):
        yield


def test_after_checkout_says_what_is_still_to_charge_when_nothing_is_held_or_charged():
    assert after_checkout(money()) == ["£30.00 still to charge as your items ship."]


def test_after_checkout_says_nothing_more_is_due_when_everything_was_charged():
    assert after_checkout(money(charged=D("30.00"))) == [
        "£30.00 charged to your card; nothing more is due."
    ]


def test_before_checkout_writes_money_in_the_active_locale_when_the_page_is_dutch():
    plan = CheckoutPlan(currency="GBP", charge_now=D("0.00"), held=D("1234.50"))
    with translation.override("nl"):
        first, second = before_checkout(plan)
    assert "£\xa01.234,50" in first
    assert second == "Er wordt nu niets afgeschreven."
