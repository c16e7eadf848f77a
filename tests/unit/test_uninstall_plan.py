"""The pure plan behind ``release_backorder_allocations``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oscar_backorders.uninstall import LineRelease, LineState, plan_release


def line(pk, *, waiting, cancelled=0, released=0, line_released=0, line_allocated=None):
    return LineState(
        backorder_line_id=pk,
        order_line_id=100 + pk,
        waiting=waiting,
        cancelled=cancelled,
        released=released,
        line_released=line_released,
        line_allocated=waiting + cancelled if line_allocated is None else line_allocated,
    )


def test_plan_releases_exactly_the_units_beyond_the_shelf_when_they_all_wait():
    plan = plan_release(
        num_in_stock=2, num_allocated=5, lines=[line(1, waiting=3, line_allocated=5)]
    )
    assert plan.lines == (LineRelease(1, 101, 3, 3),)
    assert (plan.kept, plan.unexplained) == (0, 0)


def test_plan_releases_from_the_line_served_last_when_stock_covers_some_waiting_units():
    lines = [line(1, waiting=3), line(2, waiting=2)]  # priority order: 1 first
    plan = plan_release(num_in_stock=2, num_allocated=5, lines=lines)
    assert plan.lines == (LineRelease(1, 101, 1, 1), LineRelease(2, 102, 2, 2))
    assert plan.kept == 2


def test_plan_never_releases_a_unit_twice_when_an_earlier_run_released_it():
    plan = plan_release(
        num_in_stock=0,
        num_allocated=1,
        lines=[line(1, waiting=3, released=3, line_released=3, line_allocated=0)],
    )
    assert plan.lines == ()
    assert plan.unexplained == 1


def test_plan_settles_cancelled_units_on_the_order_line_only_when_nothing_waits():
    plan = plan_release(
        num_in_stock=2, num_allocated=2, lines=[line(1, waiting=0, cancelled=3, line_allocated=5)]
    )
    assert plan.lines == (LineRelease(1, 101, 0, 3),)
    assert plan.units == 0


def test_plan_releases_nothing_from_a_line_oscar_already_cancelled():
    # Oscar's own cancellation gave the whole line back (its counter is 0): the stock record's
    # shortfall is someone else's, and this line has nothing left to give.
    plan = plan_release(
        num_in_stock=0, num_allocated=2, lines=[line(1, waiting=3, line_allocated=0)]
    )
    assert plan.lines == ()
    assert plan.unexplained == 2


states = st.lists(
    st.tuples(
        st.integers(0, 6),  # waiting
        st.integers(0, 4),  # cancelled
        st.integers(0, 6),  # released by earlier runs
        st.integers(0, 10),  # taken off the order line by earlier runs
        st.integers(0, 12),  # the order line's num_allocated
    ),
    max_size=6,
)


@given(st.integers(0, 20), st.integers(0, 40), states)
def test_plan_never_makes_a_unit_sellable_nor_releases_what_is_not_held(in_stock, allocated, raw):
    lines = [
        LineState(pk, 100 + pk, waiting, cancelled, min(released, waiting), line_released, held)
        for pk, (waiting, cancelled, released, line_released, held) in enumerate(raw)
    ]
    plan = plan_release(num_in_stock=in_stock, num_allocated=allocated, lines=lines)
    shortfall = max(allocated - in_stock, 0)
    assert 0 <= plan.units <= shortfall
    assert in_stock - (allocated - plan.units) <= max(in_stock - allocated, 0)  # net ≤ 0 if < 0
    assert plan.units + plan.unexplained == shortfall
    by_id = {state.backorder_line_id: state for state in lines}
    for release in plan.lines:
        state = by_id[release.backorder_line_id]
        assert 0 <= release.quantity <= state.waiting - state.released
        assert 0 <= release.line_quantity <= state.line_allocated
        assert release.quantity <= release.line_quantity
