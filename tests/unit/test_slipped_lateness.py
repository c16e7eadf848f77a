"""A slipped purchase-order line: dated by how the supplier keeps the dates it slipped to."""

from __future__ import annotations

from oscar_backorders.estimates.lateness import Lateness
from oscar_backorders.supply.reliability import profile_lateness, profiles


def test_a_slipped_line_is_dated_by_how_the_supplier_keeps_its_slipped_dates():
    # Always 9 days later than first expected, and always on the slipped date when it slipped.
    found = profiles({1: [9, 9, 9], 2: [0] * 5}, {}, [1, 2], {1: [0, 0, 0]})
    assert profile_lateness(found[1]).quantile(0.5) == 9
    assert profile_lateness(found[1], slipped=True) == Lateness(0, (1.0,))
    assert found[1]["slips"] == 3
    # A supplier that never slipped borrows the shop's slips.
    assert profile_lateness(found[2], slipped=True) == Lateness(0, (1.0,))


def test_a_slipped_line_uses_the_plain_lateness_when_the_shop_has_no_slips_yet():
    found = profiles({1: [9, 9, 9]}, {}, [1])
    assert "slipped" not in found[1]
    assert profile_lateness(found[1], slipped=True) == profile_lateness(found[1])


def test_a_confirmed_line_is_dated_by_its_confirmations_not_by_slips():
    found = profiles({1: [9, 9, 9]}, {1: [1, 1, 1]}, [1], {1: [0, 0, 0]})
    assert profile_lateness(found[1], confirmed=True) == Lateness(1, (1.0,))
