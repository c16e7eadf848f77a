from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oscar_backorders.payments.amounts import split, units_value


def test_units_value_splits_a_price_that_does_not_divide_evenly_to_the_cent():
    total = Decimal("10.00")
    parts = [units_value(total, 3, start=i, count=1) for i in range(3)]
    assert parts == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]
    assert sum(parts) == total


@pytest.mark.parametrize(("start", "count"), [(-1, 1), (0, -1), (2, 2), (0, 4)])
def test_units_value_refuses_units_outside_the_line_when_out_of_range(start, count):
    with pytest.raises(ValueError, match="not within a line of 3"):
        units_value(Decimal("9.00"), 3, start=start, count=count)


@given(
    cents=st.integers(min_value=0, max_value=10_000_000),
    cuts=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=12),
)
def test_any_cut_of_a_line_into_parts_adds_up_to_its_price_when_valued_in_order(cents, cuts):
    total = Decimal(cents) / 100
    quantity = sum(cuts)
    start = 0
    parts = []
    for count in cuts:
        parts.append(units_value(total, quantity, start=start, count=count))
        start += count
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)


def test_split_gives_each_part_its_share_of_the_amount_to_the_cent():
    parts = split(Decimal("84.00"), [Decimal("28"), Decimal("56")])
    assert parts == [Decimal("28.00"), Decimal("56.00")]


def test_split_shares_equally_when_every_weight_is_zero():
    assert split(Decimal("10.00"), [Decimal(0)] * 3) == [
        Decimal("3.33"),
        Decimal("3.34"),
        Decimal("3.33"),
    ]


def test_split_refuses_a_negative_weight():
    with pytest.raises(ValueError, match="must not be negative"):
        split(Decimal("1.00"), [Decimal("1"), Decimal("-1")])


@given(
    cents=st.integers(min_value=0, max_value=10_000_000),
    weights=st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=12),
)
def test_split_parts_add_up_to_the_amount_whatever_the_weights(cents, weights):
    amount = Decimal(cents) / 100
    parts = split(amount, [Decimal(w) / 100 for w in weights])
    assert sum(parts) == amount
    assert all(part >= 0 for part in parts)
