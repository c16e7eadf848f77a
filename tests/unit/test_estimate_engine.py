"""The available-to-promise engine and the allocation plan, on plain data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from oscar_backorders.allocation import free_units, plan_allocation
from oscar_backorders.estimates import engine
from oscar_backorders.estimates.engine import Calendar, Demand, Inbound, StockInput
from oscar_backorders.estimates.lateness import ON_TIME, Lateness
from oscar_backorders.priorities import (
    Chain,
    Fifo,
    ManualPriority,
    OrderValue,
    WaitingLine,
    in_priority_order,
)

TODAY = dt.date(2026, 11, 24)  # a Tuesday
CAL = Calendar(weekend=(6, 7), holidays=frozenset(), handling_days=0)


def plan_one(stock: StockInput, calendar: Calendar = CAL) -> engine.StockPlan:
    return engine.plan([stock], today=TODAY, calendar=calendar)[stock.stockrecord_id]


def test_line_is_dated_by_the_inbound_line_that_covers_it_when_stock_is_short():
    stock = StockInput(
        1,
        free_units=2,
        lead_time_days=10,
        inbound=[Inbound(dt.date(2026, 12, 10), 5), Inbound(dt.date(2026, 12, 1), 3)],
        demand=[Demand(11, 2), Demand(12, 3), Demand(13, 4), Demand(14, 1)],
    )
    result = plan_one(stock)
    assert [(e.line_id, e.day, e.source) for e in result.lines] == [
        (11, TODAY, "inbound"),  # free stock now
        (12, dt.date(2026, 12, 1), "inbound"),  # 2 + 3 covers 5
        (13, dt.date(2026, 12, 10), "inbound"),  # 9 needs the second PO
        (14, dt.date(2026, 12, 10), "inbound"),  # 10 = 2 + 3 + 5
    ]
    # The next unit is beyond all known supply: today + 10 business days, but never before the
    # line ahead of it.
    assert (result.next_unit.day, result.next_unit.source) == (dt.date(2026, 12, 10), "lead_time")


def test_demand_beyond_supply_gets_lead_time_when_nothing_is_inbound():
    result = plan_one(StockInput(1, free_units=0, lead_time_days=10, demand=[Demand(1, 1)]))
    assert (result.lines[0].day, result.lines[0].source) == (dt.date(2026, 12, 8), "lead_time")


def test_handling_days_and_weekends_move_dates_when_stock_arrives_on_friday():
    calendar = Calendar(handling_days=1)
    stock = StockInput(
        1,
        free_units=0,
        lead_time_days=5,
        inbound=[Inbound(dt.date(2026, 11, 27), 1)],  # Friday
        demand=[Demand(1, 1)],
    )
    assert plan_one(stock, calendar).lines[0].day == dt.date(2026, 11, 30)  # Monday


def test_supplier_lateness_widens_the_date_when_the_supplier_is_always_late():
    stock = StockInput(
        1,
        free_units=0,
        lead_time_days=30,
        inbound=[Inbound(dt.date(2026, 12, 1), 5, Lateness(3, (1.0,)))],
        demand=[Demand(1, 1)],
    )
    assert plan_one(stock).lines[0].day == dt.date(2026, 12, 4)


def test_overdue_purchase_order_from_a_supplier_never_late_is_expected_today():
    stock = StockInput(
        1,
        free_units=0,
        lead_time_days=10,
        inbound=[Inbound(dt.date(2026, 11, 1), 5)],
        demand=[Demand(1, 5)],
    )
    assert plan_one(stock).lines[0].day == TODAY


def test_preorder_never_ships_before_release_when_stock_is_there():
    release = dt.date(2026, 12, 15)
    stock = StockInput(
        1, free_units=10, lead_time_days=5, demand=[Demand(1, 2)], not_before=release
    )
    result = plan_one(stock)
    assert (result.lines[0].day, result.lines[0].source) == (release, "release_date")
    assert (result.next_unit.day, result.next_unit.source) == (release, "release_date")


def test_next_unit_cannot_use_free_stock_when_it_is_not_a_preorder():
    stock = StockInput(
        1, free_units=3, lead_time_days=10, inbound=[Inbound(dt.date(2026, 12, 1), 1)]
    )
    assert plan_one(stock).next_unit.day == dt.date(2026, 12, 1)


def test_free_units_count_only_unclaimed_stock():
    assert free_units(num_in_stock=10, num_allocated=12, waiting=5) == 3
    assert free_units(num_in_stock=0, num_allocated=4, waiting=4) == 0
    assert free_units(num_in_stock=None, num_allocated=None, waiting=0) == 0


# -- properties --------------------------------------------------------------------------

days = st.integers(min_value=-10, max_value=60).map(lambda n: TODAY + dt.timedelta(days=n))
inbounds = st.lists(
    st.builds(
        Inbound,
        arrives=days,
        quantity=st.integers(0, 20),
        lateness=st.sampled_from(
            [ON_TIME, Lateness(0, (0.5, 0.3, 0.2)), Lateness(-1, (0.1, 0.6, 0, 0, 0.2, 0.1))]
        ),
    ),
    max_size=6,
)
quantities = st.lists(st.integers(1, 8), max_size=12)


@st.composite
def stock_inputs(draw, stockrecord_id=1):
    qtys = draw(quantities)
    return StockInput(
        stockrecord_id,
        free_units=draw(st.integers(0, 15)),
        lead_time_days=draw(st.integers(1, 20)),
        inbound=draw(inbounds),
        demand=[Demand(stockrecord_id * 100 + i, q) for i, q in enumerate(qtys)],
        not_before=draw(st.none() | days.filter(lambda d: d > TODAY)),
    )


@settings(max_examples=300, deadline=None)
@given(stock_inputs(), st.integers(0, 3))
def test_estimates_are_never_before_today_and_monotone_in_priority_order(stock, handling):
    result = plan_one(stock, Calendar(handling_days=handling))
    dates = [e.day for e in result.lines]
    assert all(d >= TODAY for d in dates)
    assert dates == sorted(dates)
    assert result.next_unit.day >= (dates[-1] if dates else TODAY)


@settings(max_examples=200, deadline=None)
@given(stock_inputs())
def test_line_covered_by_supply_is_never_dated_by_lead_time(stock):
    result = plan_one(stock)
    supply = stock.free_units + sum(i.quantity for i in stock.inbound)
    cumulative = 0
    for demand, estimate in zip(stock.demand, result.lines, strict=True):
        cumulative += demand.quantity
        if cumulative <= supply:
            assert estimate.source in ("inbound", "release_date")


@settings(max_examples=100, deadline=None)
@given(st.lists(stock_inputs(), min_size=1, max_size=5), st.data())
def test_recomputing_a_subset_equals_the_full_recompute(stocks, data):
    stocks = [
        StockInput(i + 1, s.free_units, s.lead_time_days, s.inbound, s.demand, s.not_before)
        for i, s in enumerate(stocks)
    ]
    full = engine.plan(stocks, today=TODAY, calendar=CAL)
    subset = data.draw(st.lists(st.sampled_from(stocks), unique_by=lambda s: s.stockrecord_id))
    partial = engine.plan(subset, today=TODAY, calendar=CAL)
    for pk, stock_plan in partial.items():
        assert stock_plan == full[pk]


waiting_lines = st.lists(
    st.builds(
        WaitingLine,
        line_id=st.integers(1, 10_000),
        stockrecord_id=st.integers(1, 3),
        quantity_waiting=st.integers(1, 10),
        placed_at=st.datetimes(
            min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 11, 1)
        ),
        priority=st.integers(-5, 5),
        order_total=st.decimals(0, 1000, places=2).map(Decimal),
    ),
    unique_by=lambda w: w.line_id,
    max_size=25,
)
free_maps = st.dictionaries(st.integers(1, 3), st.integers(0, 40))
orders = st.sampled_from([Fifo(), ManualPriority(), OrderValue(), Chain(OrderValue(), Fifo())])


@settings(max_examples=300, deadline=None)
@given(waiting_lines, free_maps, orders)
def test_allocation_never_skips_a_waiting_higher_priority_line_nor_exceeds_free_units(
    lines, free, order
):
    plan = plan_allocation(free, lines, order)
    got = {a.backorder_line_id: a.quantity for a in plan}
    for sr_id in {line.stockrecord_id for line in lines}:
        ranked = [line for line in in_priority_order(lines, order) if line.stockrecord_id == sr_id]
        assert sum(got.get(line.line_id, 0) for line in ranked) <= free.get(sr_id, 0)
        for higher, lower in zip(ranked, ranked[1:], strict=False):
            if got.get(lower.line_id):
                # A lower line got units only once the higher line was filled completely.
                assert got.get(higher.line_id, 0) == higher.quantity_waiting
    assert all(a.quantity > 0 for a in plan)
    for line in lines:
        assert got.get(line.line_id, 0) <= line.quantity_waiting


def test_manual_priority_goes_first_then_oldest_order():
    early, late = dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1)
    lines = [
        WaitingLine(1, 1, 1, early),
        WaitingLine(2, 1, 1, late, priority=5),
        WaitingLine(3, 1, 1, late),
    ]
    assert [w.line_id for w in in_priority_order(lines, ManualPriority())] == [2, 1, 3]
    assert [w.line_id for w in in_priority_order(lines, Fifo())] == [1, 2, 3]
