"""The demand forecast: intermittent demand, seasons, promotions, and its backtest targets."""

import datetime as dt
import random

import pytest

from bench import forecast as bench
from oscar_backorders.supply.forecast import Promotion, backtest, forecast

LAST = dt.date(2026, 11, 29)  # a Sunday


def test_no_history_forecasts_nothing():
    f = forecast([], last_day=LAST, horizon=5)
    assert f.method == "none" and f.daily == (0.0,) * 5 and f.total(5) == 0


def test_steady_demand_forecasts_its_level():
    f = forecast([4] * 120, last_day=LAST, horizon=10)
    assert f.method == "ses" and f.total(10) == pytest.approx(40)
    assert f.total(2.5) == pytest.approx(10)


def test_intermittent_demand_uses_tsb_and_decays_when_the_product_stops_selling():
    rng = random.Random(3)
    selling = [rng.choice((0, 0, 0, 0, 0, 3)) for _ in range(300)]
    before = forecast(selling, last_day=LAST, horizon=1)
    after = forecast(selling + [0] * 120, last_day=LAST, horizon=1)
    assert before.method == after.method == "tsb"
    assert before.level == pytest.approx(0.5, rel=0.4)
    assert after.level < before.level / 2


def test_weekly_profile_puts_weekend_demand_on_weekends():
    # Monday..Sunday: weekdays 2, weekends 6; the history ends on a Sunday.
    week = [2, 2, 2, 2, 2, 6, 6]
    f = forecast(week * 20, last_day=LAST, horizon=7)
    assert f.daily[5] > 2 * f.daily[0]  # the next Saturday against the next Monday
    assert sum(f.daily) == pytest.approx(sum(week), rel=0.1)


def test_yearly_season_is_used_only_when_two_years_repeat_it():
    demand, _ = bench.history("seasonal", 1)
    f = forecast(demand, last_day=bench.LAST_DAY, horizon=30)
    assert f.yearly
    assert not forecast(demand[-400:], last_day=bench.LAST_DAY, horizon=30).yearly
    smooth, _ = bench.history("smooth", 1)
    assert not forecast(smooth, last_day=bench.LAST_DAY, horizon=30).yearly


def test_promotion_raises_the_forecast_before_it_starts_and_only_on_its_days():
    start = LAST + dt.timedelta(days=5)
    promo = Promotion(start, start + dt.timedelta(days=2), uplift=1.5)
    plain = forecast([4] * 120, last_day=LAST, horizon=14)
    promoted = forecast([4] * 120, last_day=LAST, horizon=14, promotions=[promo])
    assert promoted.daily[4:7] == pytest.approx([10, 10, 10])
    assert promoted.daily[:4] == plain.daily[:4] and promoted.daily[7:] == plain.daily[7:]
    assert promoted.total(14) == pytest.approx(plain.total(14) + 18)


def test_past_promotions_are_taken_out_of_the_level():
    history = [4] * 100 + [10] * 10 + [4] * 10
    promo = Promotion(LAST - dt.timedelta(days=19), LAST - dt.timedelta(days=10), uplift=1.5)
    assert forecast(history, last_day=LAST, horizon=1, promotions=[promo]).level == (
        pytest.approx(4, rel=0.02)
    )


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"history": [1, -1], "horizon": 1}, "must not be negative"),
        ({"history": [1], "horizon": -1}, "horizon must not be negative"),
        (
            {"history": [1], "horizon": 1, "promotions": [Promotion(LAST, LAST, -1.0)]},
            "more than -100 %",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, says):
    history = kwargs.pop("history")
    with pytest.raises(ValueError, match=says):
        forecast(history, last_day=LAST, **kwargs)


def test_backtest_needs_enough_history():
    assert backtest([1, 2, 3], last_day=LAST) is None


def test_backtest_meets_the_targets_on_seeded_synthetic_histories():
    """Issue 16: beat the window mean, by ≥ 20 % on seasonal and promoted histories (MASE of
    the 14-day total, what a reorder point needs; bench/forecast.py prints the full table).

    Both intermittent kinds beat it on the 14-day total here too, but the margin on these eight
    histories (17 % / 6 %) is their luck, the forecast before fixed TSB smoothing showed it as
    well: on the full bench it is 0.4 % with the change and 3 % without (docs/supply.md). The
    next test checks what the fixed smoothing did improve."""
    results = bench.run(*bench.QUICK)
    for kind in bench.KINDS:
        assert bench.gain(results[kind], total=True) > 0, kind
    assert bench.gain(results["seasonal"], total=True) >= 0.2
    assert bench.gain(results["promoted"], total=True) >= 0.2
    # Per day too, where demand is not intermittent.
    assert bench.gain(results["seasonal"]) >= 0.2 and bench.gain(results["promoted"]) >= 0.2


def test_intermittent_forecast_mean_is_closer_to_the_true_mean_than_the_90_day_mean():
    """What a reorder point reads, without the noise of the days that follow: on 20 histories of
    each intermittent kind, 8 origins, the forecast's mean demand is at least 12 % closer (mean
    absolute error) to the true mean than the 90-day mean (16 % with TSB's fixed smoothing; 10 %
    with the smoothing picked from a grid by in-sample error, as before)."""
    for kind in ("intermittent", "intermittent, stationary"):
        assert bench.references(kind, 20, 8)["level"] >= 0.12, kind


def test_per_day_mase_on_intermittent_demand_rewards_forecasting_nothing_not_the_truth():
    """Why the intermittent row is judged on the 14-day total: per day, forecasting zero beats
    the 90-day mean by a wide margin while a forecaster that knew the true mean only ties it."""
    for kind in ("intermittent", "intermittent, stationary"):
        ref = bench.references(kind, *bench.QUICK)
        assert abs(ref["oracle"]) < 0.05, kind
        assert ref["zero"] > 0.2, kind
        assert ref["zero_total"] < -0.5, (
            kind
        )  # ...and forecasting nothing is useless for a lead time
        assert ref["oracle_total"] > 0, kind
