"""``OrderMoney``: what is still to charge, from what was charged and released."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oscar_backorders.payments.money import OrderMoney

D = Decimal


def money(**amounts: str) -> OrderMoney:
    values = {"charged": "0", "refunded": "0", "released": "0", "held": "0", **amounts}
    return OrderMoney(currency="GBP", total=D("166.00"), **{k: D(v) for k, v in values.items()})


@pytest.mark.parametrize(
    ("amounts", "to_charge"),
    [
        ({"held": "166.00"}, "166.00"),
        ({"released": "34.00", "held": "132.00"}, "132.00"),
        ({"charged": "84.00", "held": "82.00"}, "82.00"),
        ({"charged": "84.00", "released": "34.00", "held": "48.00"}, "48.00"),
        ({"charged": "132.00", "released": "34.00"}, "0.00"),
    ],
)
def test_to_charge_is_the_total_less_what_was_charged_or_released(amounts, to_charge):
    assert money(**amounts).to_charge == D(to_charge)


def test_to_charge_ignores_refunds_when_shipped_units_were_paid_back():
    assert money(charged="166.00", refunded="28.00").to_charge == 0


def test_to_charge_never_below_zero_when_more_was_charged_and_released_than_the_total():
    assert money(charged="166.00", released="34.00").to_charge == 0


def test_to_charge_does_not_depend_on_what_is_held_when_the_hold_ended():
    assert money(charged="84.00").to_charge == D("82.00")


def test_order_money_is_immutable():
    with pytest.raises(AttributeError):
        money().charged = D("1")  # type: ignore[misc]
