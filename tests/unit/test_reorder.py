import pytest

from oscar_backorders.supply.reorder import advise


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
