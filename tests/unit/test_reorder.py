import datetime as dt
from decimal import Decimal

import pytest

from oscar_backorders.supply.forecast import Promotion, forecast
from oscar_backorders.supply.reorder import advise, economic_order_quantity

TODAY = dt.date(2026, 11, 29)


def advice(**overrides):
    values = {
        "stockrecord_id": 1,
        "daily_quantities": [2] * 30,
        "lead_times": [10.0, 10.0],
        "fallback_lead_time": 14,
        "position": 0,
        "inbound": 0,
        "service_level": 0.95,
        "cover_days": 30,
    }
    values.update(overrides)
    return advise(**values)


def test_steady_demand_needs_no_safety_stock_and_reorders_at_lead_time_demand():
    a = advice()
    assert (a.safety_stock, a.reorder_point) == (0, 20)
    assert a.reached and a.suggested_quantity == 20 + 60


def test_intermittent_demand_gets_a_safety_stock_when_orders_come_in_bursts():
    bursty = ([0] * 9 + [20]) * 3  # same mean as 2 a day, but in bursts
    a = advice(daily_quantities=bursty)
    assert a.daily_demand == 2 and a.safety_stock > 0
    assert a.reorder_point == 20 + a.safety_stock


def test_higher_service_level_means_more_safety_stock():
    bursty = ([0] * 4 + [10]) * 6
    assert (
        advice(daily_quantities=bursty, service_level=0.99).safety_stock
        > advice(daily_quantities=bursty, service_level=0.9).safety_stock
    )


def test_variable_lead_time_adds_safety_stock():
    assert (
        advice(lead_times=[5.0, 15.0]).safety_stock > advice(lead_times=[10.0, 10.0]).safety_stock
    )


def test_no_demand_means_no_reorder_point_and_no_suggestion():
    a = advice(daily_quantities=[0] * 30)
    assert (a.reorder_point, a.suggested_quantity) == (0, 0)


def test_position_above_the_reorder_point_suggests_nothing():
    assert advice(position=25).suggested_quantity == 0
    assert not advice(position=25).reached


def test_fallback_lead_time_is_used_without_delivery_history():
    assert advice(lead_times=[]).lead_time_days == 14


@pytest.mark.parametrize("level", [0.3, 1.0, 1.5])
def test_service_level_outside_range_is_refused(level):
    with pytest.raises(ValueError, match="service level"):
        advice(service_level=level)


def test_economic_order_quantity_is_harris_square_root():
    # 1,000 units a year, 50 per order, 2.50 per unit-year: sqrt(2 * 1000 * 50 / 2.5) = 200.
    assert (
        economic_order_quantity(
            annual_demand=1000, order_cost=Decimal("50"), holding_cost=Decimal("2.50")
        )
        == 200
    )
    assert economic_order_quantity(annual_demand=10, order_cost=1, holding_cost=3) == 3  # 2.58


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"order_cost": 0, "holding_cost": 1}, "cost per order must be more than 0"),
        ({"order_cost": 5, "holding_cost": Decimal("-1")}, "holding cost must be more than 0"),
        ({"order_cost": 5, "holding_cost": 1, "annual_demand": -1}, "must not be negative"),
    ],
)
def test_economic_order_quantity_refuses_costs_that_are_not_positive(values, says):
    with pytest.raises(ValueError, match=says):
        economic_order_quantity(**{"annual_demand": 100, **values})


def test_order_and_holding_costs_make_the_suggested_order_the_economic_quantity():
    # 2 a day: 730 a year; sqrt(2 * 730 * 20 / 1) = 170.9 -> 171 on top of the reorder point.
    a = advice(order_cost=Decimal("20"), holding_cost=Decimal("1"))
    assert a.order_rule == "economic order quantity" and a.economic_order_quantity == 171
    assert a.suggested_quantity == 20 + 171


def test_without_both_costs_the_order_covers_the_cover_days():
    a = advice(order_cost=Decimal("20"))
    assert a.order_rule == "cover days" and a.economic_order_quantity is None
    assert a.suggested_quantity == 20 + 60


def test_bad_order_cost_is_refused_by_the_advice_too():
    with pytest.raises(ValueError, match="cost per order"):
        advice(order_cost=Decimal("0"), holding_cost=Decimal("1"))


def _forecast(promotions=()):
    return forecast([2] * 120, last_day=TODAY, horizon=365, promotions=promotions)


def test_forecast_replaces_the_window_mean_for_the_lead_time_demand():
    a = advice(demand_forecast=_forecast(), lead_times=[10.0])
    assert a.forecast_method == "ses" and a.lead_time_demand == pytest.approx(20)
    assert a.reorder_point == 20 and a.suggested_quantity == 20 + 60


def test_promotion_within_the_lead_time_raises_the_reorder_point_before_it_starts():
    starts = TODAY + dt.timedelta(days=6)
    promo = Promotion(starts, starts + dt.timedelta(days=2), uplift=2.0)  # 3 days at 3x
    plain = advice(demand_forecast=_forecast(), lead_times=[10.0])
    promoted = advice(demand_forecast=_forecast([promo]), lead_times=[10.0])
    assert promoted.reorder_point == plain.reorder_point + 12
    # A promotion beyond the lead time leaves the point alone but grows the order.
    later = TODAY + dt.timedelta(days=20)
    beyond = advice(
        demand_forecast=_forecast([Promotion(later, later, uplift=2.0)]), lead_times=[10.0]
    )
    assert beyond.reorder_point == plain.reorder_point
    assert beyond.suggested_quantity == plain.suggested_quantity + 4


def test_economic_order_quantity_reads_the_yearly_demand_from_the_forecast():
    a = advice(
        demand_forecast=_forecast(),
        order_cost=Decimal("20"),
        holding_cost=Decimal("1"),
        lead_times=[10.0],
    )
    assert a.economic_order_quantity == 171
