"""The pure rules of the notifications: backoff, batching, follow-ups, the overrun mapping."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oscar_backorders.notifications.notices import (
    coalesce_changes,
    follow_up_number,
    is_overrun,
    is_quiet,
    overrun_decision,
    retry_delay,
)

D = dt.date(2026, 12, 1)


def test_retry_delay_doubles_until_the_cap():
    delays = [retry_delay(n, base_seconds=60, max_seconds=600).total_seconds() for n in range(1, 7)]
    assert delays == [60, 120, 240, 480, 600, 600]


def test_retry_delay_refused_when_attempts_is_zero():
    with pytest.raises(ValueError, match="at least 1"):
        retry_delay(0, base_seconds=60, max_seconds=600)


def test_batch_is_quiet_only_when_nothing_newer_than_the_window():
    now = dt.datetime(2026, 11, 24, 10, 0)
    assert is_quiet(now - dt.timedelta(seconds=300), now=now, seconds=300)
    assert not is_quiet(now - dt.timedelta(seconds=299), now=now, seconds=300)


def test_changes_coalesce_to_first_old_and_last_new_date_per_line():
    changes = [
        (2, D, D + dt.timedelta(3)),
        (1, D, D + dt.timedelta(1)),
        (2, D + dt.timedelta(3), D + dt.timedelta(5)),
    ]
    result = coalesce_changes(changes, tell_earlier=False)
    assert [(c.line_id, c.old_date, c.new_date) for c in result] == [
        (1, D, D + dt.timedelta(1)),
        (2, D, D + dt.timedelta(5)),
    ]


def test_change_left_out_when_dates_came_back_or_moved_earlier():
    back = [(1, D, D + dt.timedelta(3)), (1, D + dt.timedelta(3), D)]
    earlier = [(2, D, D - dt.timedelta(2))]
    assert coalesce_changes(back + earlier, tell_earlier=False) == []
    assert [c.line_id for c in coalesce_changes(back + earlier, tell_earlier=True)] == [2]


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=1, max_value=60))
def test_follow_up_number_grows_by_one_per_period(days, every):
    placed = dt.date(2026, 1, 1)
    number = follow_up_number(placed, placed + dt.timedelta(days), every_days=every)
    assert number == days // every
    assert (
        follow_up_number(placed, placed + dt.timedelta(days + every), every_days=every)
        == number + 1
    )


def test_line_overruns_when_estimate_passes_promise_or_promise_passes():
    assert not is_overrun(promised=D, estimated=D, today=D)
    assert is_overrun(promised=D, estimated=D + dt.timedelta(1), today=D - dt.timedelta(5))
    # A missed promise waits a day for the nightly recompute to revise it.
    assert not is_overrun(promised=D, estimated=D, today=D + dt.timedelta(1))
    assert is_overrun(promised=D, estimated=D, today=D + dt.timedelta(2))
    # A revision the customer was told of is judged by its own date, not the checkout's.
    later = D + dt.timedelta(9)
    assert is_overrun(promised=D, estimated=later, today=D + dt.timedelta(3))


def decide(rule, *, late, earlier=0, today=D - dt.timedelta(days=5)):
    return overrun_decision(
        rule=rule,
        promised=D,
        estimated=D + dt.timedelta(days=late),
        today=today,
        earlier_delays=earlier,
        response_days=7,
        silent_consent_days=30,
    )


def test_ftc_first_delay_within_30_days_accepted_by_silence():
    decision = decide("ftc", late=30)
    assert (decision.consent_required, decision.deadline) == (False, None)


def test_ftc_needs_consent_when_delay_beyond_30_days_or_second_delay():
    assert decide("ftc", late=31).consent_required
    assert decide("ftc", late=5, earlier=1).consent_required


def test_ftc_needs_consent_when_the_revised_date_itself_has_passed():
    decision = decide("ftc", late=1, today=D + dt.timedelta(days=10))
    assert decision.consent_required
    assert decision.deadline == D + dt.timedelta(days=17)


def test_consent_deadline_is_the_old_date_but_never_less_than_the_response_period():
    assert decide("strict", late=40, today=D - dt.timedelta(days=20)).deadline == D
    assert decide("strict", late=40, today=D - dt.timedelta(days=2)).deadline == D + dt.timedelta(5)


def test_eu_and_notify_never_need_consent():
    for rule in ("eu", "notify"):
        decision = decide(rule, late=90, earlier=3)
        assert (decision.consent_required, decision.deadline) == (False, None)


def test_unknown_overrun_rule_refused_with_the_choices():
    with pytest.raises(ValueError, match="ftc"):
        decide("uk", late=3)


def test_small_moves_left_out_when_below_the_minimum_days():
    changes = [(1, D, D + dt.timedelta(1)), (2, D, D + dt.timedelta(3))]
    assert [c.line_id for c in coalesce_changes(changes, tell_earlier=False, min_days=3)] == [2]
    assert [c.line_id for c in coalesce_changes(changes, tell_earlier=False, min_days=0)] == [1, 2]
