import datetime as dt

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.policy import PolicyValues, resolve_policy

DEFAULTS = {"default_mode": PolicyMode.OFF, "default_lead_time_days": 10}


def test_no_policy_anywhere_means_plain_oscar():
    assert resolve_policy(None, None, **DEFAULTS).mode == PolicyMode.OFF


def test_record_policy_wins_over_partner_default():
    record = PolicyValues(mode=PolicyMode.OFF)
    partner = PolicyValues(mode=PolicyMode.BACKORDER, cap=3)
    resolved = resolve_policy(record, partner, **DEFAULTS)
    assert resolved.mode == PolicyMode.OFF
    assert resolved.cap == 3


def test_inherit_falls_through_to_partner_then_shop_default():
    record = PolicyValues(mode=PolicyMode.INHERIT, lead_time_days=4)
    assert resolve_policy(record, None, **DEFAULTS).mode == PolicyMode.OFF
    partner = PolicyValues(mode=PolicyMode.BACKORDER)
    resolved = resolve_policy(record, partner, **DEFAULTS)
    assert (resolved.mode, resolved.lead_time_days) == (PolicyMode.BACKORDER, 4)


def test_shop_default_lead_time_applies_when_no_level_sets_one():
    resolved = resolve_policy(PolicyValues(mode=PolicyMode.BACKORDER), None, **DEFAULTS)
    assert resolved.lead_time_days == 10


def test_preorder_without_release_date_is_sold_as_backorder():
    resolved = resolve_policy(PolicyValues(mode=PolicyMode.PREORDER), None, **DEFAULTS)
    assert resolved.mode == PolicyMode.BACKORDER


def test_preorder_becomes_backorder_once_released():
    release = dt.date(2026, 12, 12)
    resolved = resolve_policy(
        PolicyValues(mode=PolicyMode.PREORDER, release_date=release), None, **DEFAULTS
    )
    assert resolved.effective_mode(dt.date(2026, 12, 11)) == PolicyMode.PREORDER
    assert resolved.effective_mode(release) == PolicyMode.BACKORDER
