"""Promises with a confidence: supplier lateness, the engine's quantiles and the revision rule."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from oscar_backorders.estimates import engine
from oscar_backorders.estimates.calendar import add_business_days
from oscar_backorders.estimates.engine import Calendar, Demand, Inbound, StockInput
from oscar_backorders.estimates.lateness import (
    ON_TIME,
    Lateness,
    blend,
    empirical,
    supplier_lateness,
)
from oscar_backorders.estimates.promises import revised_promise

TODAY = dt.date(2026, 11, 24)  # a Tuesday
CAL = Calendar(handling_days=0)
#: Late on a third of its deliveries, by 2 to 12 days; sometimes a day early.
UNRELIABLE = empirical([-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 5, 7, 9, 12])


def plan_one(stock: StockInput, *, today=TODAY, confidence=0.95) -> engine.StockPlan:
    return engine.plan([stock], today=today, calendar=CAL, confidence=confidence)[
        stock.stockrecord_id
    ]


# -- supplier lateness --------------------------------------------------------------------


def test_a_supplier_with_little_history_borrows_the_shops_pooled_history():
    pool = [0] * 10 + [10] * 10
    assert supplier_lateness([0, 0], pool, min_deliveries=3) == empirical(pool)
    blended = supplier_lateness([0] * 5, pool, prior_weight=5, min_deliveries=3)
    assert blended.cdf(0) == 0.75  # (5 · 1 + 5 · 0.5) / 10
    assert blended.quantile(0.95) == 10


def test_a_shop_with_no_history_expects_deliveries_on_time():
    assert supplier_lateness([], []) == ON_TIME


def test_lateness_is_clipped_to_the_longest_delay_counted():
    assert empirical([100, -100], max_days=30) == Lateness(-30, (0.5,) + (0.0,) * 59 + (0.5,))


def test_an_overdue_line_is_judged_by_its_remaining_lateness():
    # 4 of 20 deliveries were 5 days late or more (5, 7, 9, 12); one more "as late again as a
    # late delivery" (4 + 2…12 days) speaks for what the history has not seen.
    remaining = UNRELIABLE.at_least(5)
    assert (remaining.low, round(remaining.cdf(5), 3), remaining.quantile(0.95)) == (5, 0.2, 13)
    assert remaining.cdf(12) < 1


def test_the_unseen_counts_for_less_the_more_deliveries_were_that_late():
    few = empirical([0, 0, 0, 9])
    many = empirical([0, 0, 0, 9] * 10)
    assert few.at_least(8).quantile(0.9) > many.at_least(8).quantile(0.9) == 9


def test_a_line_later_than_anything_seen_is_as_late_again_as_late_deliveries_are():
    late = UNRELIABLE.late_part  # 2 to 12 days, 6 on average
    assert round(late.mean(), 9) == 6
    # Overdue 20 days, over three times a typical late delivery: stretched as much.
    for days in (13, 20):
        beyond = UNRELIABLE.at_least(days)
        stretch = days / 6
        assert (beyond.low, beyond.high) == (
            days - 1 + round(2 * stretch),
            days - 1 + round(12 * stretch),
        )
    assert ON_TIME.at_least(3) == Lateness(3, (1.0,))  # never late before: due today


def test_blend_weighs_each_distribution_by_its_deliveries():
    mixed = blend(Lateness(0, (1.0,)), 3, Lateness(2, (1.0,)), 1)
    assert mixed == Lateness(0, (0.75, 0.0, 0.25))


# -- the engine ---------------------------------------------------------------------------


def test_a_line_of_3_units_straddling_two_purchase_orders_is_promised_the_later_ones_date():
    stock = StockInput(
        1,
        free_units=0,
        lead_time_days=30,
        inbound=[Inbound(dt.date(2026, 12, 1), 2), Inbound(dt.date(2026, 12, 8), 5)],
        next_quantity=3,
    )
    assert plan_one(stock).next_unit.day == dt.date(2026, 12, 8)
    one = StockInput(1, 0, 30, stock.inbound)
    assert plan_one(one).next_unit.day == dt.date(2026, 12, 1)


def test_an_overdue_purchase_order_gets_a_future_promise_that_holds_at_the_confidence():
    first_expected = TODAY - dt.timedelta(days=5)
    stock = StockInput(
        1,
        free_units=0,
        lead_time_days=30,
        inbound=[Inbound(first_expected, 10, UNRELIABLE)],
        demand=[Demand(7, 4, anchor=first_expected)],
    )
    promise = plan_one(stock).lines[0].day
    assert promise > TODAY
    # A seeded world: the supplier's deliveries that are at least 5 days late.
    rng = random.Random(12)
    draws = [v for v in (_draw(UNRELIABLE, rng) for _ in range(40_000)) if v >= 5][:5000]
    kept = sum(first_expected + dt.timedelta(days=v) <= promise for v in draws) / len(draws)
    assert kept >= 0.95


def test_units_beyond_known_supply_are_dated_from_the_order_date_not_from_today():
    ordered = dt.date(2026, 11, 20)
    stock = StockInput(1, 0, 10, demand=[Demand(1, 1, anchor=ordered)])
    promise = add_business_days(ordered, 10)
    for night in range(5):
        day = TODAY + dt.timedelta(days=night)
        assert plan_one(stock, today=day).lines[0].day == promise


def test_a_promise_stands_night_after_night_when_nothing_changes():
    stock = StockInput(
        1,
        free_units=0,
        lead_time_days=10,
        inbound=[Inbound(dt.date(2026, 12, 10), 3, UNRELIABLE)],
        demand=[Demand(1, 2, anchor=TODAY)],
        lead_lateness=UNRELIABLE,
    )
    promise = plan_one(stock).lines[0].day
    for night in range(1, 8):  # a week before the purchase order is due
        day = TODAY + dt.timedelta(days=night)
        estimate = plan_one(_promised(stock, promise), today=day).lines[0]
        assert revised_promise(current=promise, estimate=estimate, today=day) is None


def test_the_merchants_likely_date_is_no_later_than_the_promise():
    stock = StockInput(1, 0, 10, [Inbound(dt.date(2026, 12, 1), 5, UNRELIABLE)], [Demand(1, 2)])
    line = plan_one(stock).lines[0]
    assert line.likely == dt.date(2026, 12, 1) < line.day
    assert line.day_chance >= 0.95


def test_a_missed_promise_is_revised_to_a_future_date_by_the_same_rule():
    stock = StockInput(1, 0, 10, [Inbound(dt.date(2026, 11, 20), 5, UNRELIABLE)], [Demand(1, 2)])
    estimate = plan_one(_promised(stock, dt.date(2026, 11, 23))).lines[0]
    assert estimate.chance == 0.0
    new = revised_promise(current=dt.date(2026, 11, 23), estimate=estimate, today=TODAY)
    assert new == estimate.day and new >= TODAY


def test_a_promise_whose_chance_falls_below_the_threshold_is_revised_later():
    # Promised 1 Dec for a delivery now slipped to 10 Dec.
    slipped = Inbound(dt.date(2026, 12, 10), 5, ON_TIME)
    stock = _promised(StockInput(1, 0, 10, [slipped], [Demand(1, 2)]), dt.date(2026, 12, 1))
    estimate = plan_one(stock).lines[0]
    assert estimate.chance == 0.0
    assert revised_promise(current=dt.date(2026, 12, 1), estimate=estimate, today=TODAY) == (
        dt.date(2026, 12, 10)
    )


def test_confidence_orders_the_promises():
    stock = StockInput(1, 0, 10, [Inbound(dt.date(2026, 12, 1), 5, UNRELIABLE)], [Demand(1, 2)])
    days = [plan_one(stock, confidence=c).lines[0].day for c in (0.5, 0.9, 0.95, 0.99)]
    assert days == sorted(days) and days[0] < days[-1]


# -- calibration: promises hold at the confidence, in a seeded world ------------------------

lateness_choices = st.sampled_from([ON_TIME, UNRELIABLE, empirical([0, 0, 1, 1, 2, 6])])


@st.composite
def worlds(draw):
    inbound = [
        Inbound(
            TODAY + dt.timedelta(days=draw(st.integers(-6, 20))),
            draw(st.integers(1, 6)),
            draw(lateness_choices),
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    demand = [Demand(i + 1, draw(st.integers(1, 4))) for i in range(draw(st.integers(1, 4)))]
    return StockInput(1, draw(st.integers(0, 2)), 10, inbound, demand, lead_lateness=UNRELIABLE)


@settings(max_examples=25, deadline=None)
@given(stock=worlds(), seed=st.integers(0, 2**16))
def test_every_line_ships_by_its_promise_at_least_as_often_as_the_confidence(stock, seed):
    plan = plan_one(stock)
    rng = random.Random(seed)
    runs = 1500
    kept = [0] * len(plan.lines)
    for _ in range(runs):
        for index, day in enumerate(_simulate(stock, rng)):
            kept[index] += day <= plan.lines[index].day
    for count in kept:
        assert count / runs >= 0.95 - 0.025  # the sampling error of 1500 runs


def _draw(lateness: Lateness, rng: random.Random) -> int:
    return lateness.low + rng.choices(range(len(lateness.probs)), lateness.probs)[0]


def _promised(stock: StockInput, promise: dt.date) -> StockInput:
    demand = [Demand(d.line_id, d.quantity, d.anchor, promise) for d in stock.demand]
    return StockInput(
        stock.stockrecord_id,
        stock.free_units,
        stock.lead_time_days,
        stock.inbound,
        demand,
        stock.not_before,
        stock.lead_lateness,
    )


def _simulate(stock: StockInput, rng: random.Random) -> list[dt.date]:
    """One world: each open line arrives (not before today), units go out in queue order."""
    arrivals = []
    for inbound in stock.inbound:
        given = inbound.lateness.at_least((TODAY - inbound.arrives).days)
        arrivals.append((inbound.arrives + dt.timedelta(days=_draw(given, rng)), inbound.quantity))
    arrivals.sort()
    lead_due = add_business_days(TODAY, stock.lead_time_days)
    lead_given = stock.lead_lateness.at_least((TODAY - lead_due).days)
    lead_arrival = lead_due + dt.timedelta(days=_draw(lead_given, rng))
    days, have, cursor, needed = [], stock.free_units, 0, 0
    covered_on = TODAY
    for demand in stock.demand:
        needed += demand.quantity
        while have < needed and cursor < len(arrivals):
            covered_on, quantity = arrivals[cursor]
            have += quantity
            cursor += 1
        day = max(covered_on, TODAY) if have >= needed else max(lead_arrival, covered_on)
        days.append(add_business_days(day, 0))
    return days
