"""Backtest of the demand forecast on seeded synthetic histories; prints a markdown table.

    python bench/forecast.py             # 40 histories of each kind, 26 weekly origins
    python bench/forecast.py --quick     # 8 of each kind, 8 origins (what the test runs)

Every history is three years of daily demand ending on ``LAST_DAY``. Rolling origin: the model
is fitted on the history up to an origin and forecasts the next 14 days (a lead time); origins
are a week apart and cover the last half year. Errors are MASE (mean absolute error divided by
the in-sample mean absolute day-to-day change), averaged over origins and histories, for the
forecast (``supply/forecast.py``), the mean of the last 90 days (what reorder points used
before) and the weekly seasonal naive forecast (the same weekday a week before).

The four kinds (``history()``):

- **smooth**: Poisson demand around 6 a day whose level drifts (a slow random walk) with a mild
  weekday profile (±15 %), as steady sellers do;
- **intermittent**: demand on about one day in six (sizes 1 + Poisson(2)); the chance of a day
  with demand drifts slowly, and once, 30-400 days before the end, the product catches on
  (×1.6-2.5) or fades (×0.3-0.6), the life cycle TSB is made for;
- **intermittent, stationary**: the same without the change, shown for honesty: on demand that
  never changes the 90-day mean is already about as good as it gets (no target);
- **seasonal**: Poisson around 5 a day, weekends twice a weekday and a yearly wave (×0.5 in
  summer to ×1.8 in December);
- **promoted**: smooth demand plus 6-10 promotions a year of 3-10 days (flash sales, launches)
  whose expected uplift (50-200 %) the merchant entered; the true uplift is within ±25 % of it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from oscar_backorders.supply.forecast import (  # noqa: E402
    BacktestError,
    Promotion,
    backtest,
    forecast,
)

LAST_DAY = dt.date(2026, 11, 29)
DAYS = 3 * 365
#: (histories per kind, origins) of ``--quick``, which tests/unit/test_forecast.py runs.
QUICK = (8, 8)
FULL = (40, 26)
KINDS = ("smooth", "intermittent", "seasonal", "promoted", "intermittent, stationary")


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means, a rounded normal above 30."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def history(
    kind: str, seed: int, *, truth: list[float] | None = None
) -> tuple[list[int], list[Promotion]]:
    """One seeded synthetic history of ``kind`` and the promotions the merchant entered.

    For intermittent kinds, ``truth`` (a list) receives each day's true mean demand: what no
    forecaster can know, used by :func:`references` as an oracle."""
    rng = random.Random(f"{kind}-{seed}")
    first = LAST_DAY - dt.timedelta(days=DAYS - 1)
    days = [first + dt.timedelta(days=i) for i in range(DAYS)]
    promotions: list[Promotion] = []
    if kind.startswith("intermittent"):
        prob, out = rng.uniform(0.08, 0.25), []
        change = DAYS - rng.randint(30, 400) if kind == "intermittent" else DAYS
        for index, _ in enumerate(days):
            if index == change:  # the product catches on or fades
                prob *= rng.choice((rng.uniform(0.3, 0.6), rng.uniform(1.6, 2.5)))
            prob = min(max(prob + rng.gauss(0, 0.004), 0.03), 0.5)
            if truth is not None:
                truth.append(prob * 3)  # sizes are 1 + Poisson(2): 3 on average
            out.append(1 + _poisson(rng, 2) if rng.random() < prob else 0)
        return out, promotions
    if kind == "seasonal":
        weekday = [1, 1, 1, 1, 1.3, 2, 2]
        out = []
        for day in days:
            wave = 1.15 - 0.65 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 10) / 365)
            out.append(_poisson(rng, 5 * weekday[day.weekday()] * wave / 1.15))
        return out, promotions
    profile = [1.0 + rng.uniform(-0.15, 0.15) for _ in range(7)]
    level, means = rng.uniform(4, 8), []
    for day in days:
        level = min(max(level * math.exp(rng.gauss(0, 0.02)), 1.0), 20.0)
        means.append(level * profile[day.weekday()])
    if kind == "promoted":
        day = first + dt.timedelta(days=rng.randint(10, 40))
        while day < LAST_DAY + dt.timedelta(days=30):
            length = rng.randint(3, 10)
            promo = Promotion(day, day + dt.timedelta(days=length - 1), rng.uniform(0.5, 2.0))
            promotions.append(promo)
            true = promo.uplift * rng.uniform(0.75, 1.25)
            for i in range(length):
                index = (day - first).days + i
                if index < DAYS:
                    means[index] *= 1 + true
            day += dt.timedelta(days=rng.randint(36, 60))
    return [_poisson(rng, m) for m in means], promotions


def run(per_kind: int, origins: int) -> dict[str, BacktestError]:
    """The mean MASE of each forecaster per kind of history."""
    results = {}
    for kind in KINDS:
        found = []
        for seed in range(per_kind):
            demand, promotions = history(kind, seed)
            error = backtest(demand, last_day=LAST_DAY, promotions=promotions, origins=origins)
            assert error is not None
            found.append(error)
        results[kind] = BacktestError(
            **{
                field: statistics.fmean(getattr(e, field) for e in found)
                for field in BacktestError.__slots__
                if field != "origins"
            },
            origins=sum(e.origins for e in found),
        )
    return results


def references(kind: str, per_kind: int, origins: int, horizon: int = 14) -> dict[str, float]:
    """On an intermittent ``kind``: how much two references beat the 90-day mean, per day and on
    the 14-day total, scaled as :func:`backtest` scales. The *oracle* forecasts each origin's
    true mean demand (unknowable); *zero* forecasts no demand at all. Per-day absolute error is
    smallest at the median, which is 0 for intermittent demand: zero "wins" per day and the
    oracle ties, so a per-day MASE target cannot be met there by any honest forecast.

    ``level``: how much closer the forecast's mean daily demand over the horizon is to the true
    mean at the origin than the 90-day mean is (mean absolute error): what a reorder point
    reads, without the noise of the 14 days that follow."""
    errors: dict[str, list[float]] = {
        name: []
        for name in (
            *("oracle", "zero", "window", "oracle_t", "zero_t", "window_t"),
            *("level", "level_window"),
        )
    }
    for seed in range(per_kind):
        truth: list[float] = []
        demand, _ = history(kind, seed, truth=truth)
        n = len(demand)
        for k in range(origins, 0, -1):
            cut = n - horizon - (k - 1) * 7
            train, actual = demand[:cut], demand[cut : cut + horizon]
            scale = statistics.fmean(abs(train[i] - train[i - 1]) for i in range(1, cut))
            sums = [sum(train[i : i + horizon]) for i in range(0, cut - horizon + 1, horizon)]
            scale_total = statistics.fmean(abs(b - a) for a, b in itertools.pairwise(sums))
            for name, daily in (
                ("oracle", truth[cut - 1]),
                ("zero", 0.0),
                ("window", statistics.fmean(train[-90:])),
            ):
                errors[name].append(statistics.fmean(abs(a - daily) for a in actual) / scale)
                errors[f"{name}_t"].append(abs(sum(actual) - daily * horizon) / scale_total)
            ours = forecast(
                train, last_day=LAST_DAY - dt.timedelta(days=n - cut), horizon=horizon
            ).total(horizon)
            errors["level"].append(abs(ours / horizon - truth[cut - 1]))
            errors["level_window"].append(abs(statistics.fmean(train[-90:]) - truth[cut - 1]))
    mean = {name: statistics.fmean(values) for name, values in errors.items()}
    return {
        "oracle": 1 - mean["oracle"] / mean["window"],
        "oracle_total": 1 - mean["oracle_t"] / mean["window_t"],
        "zero": 1 - mean["zero"] / mean["window"],
        "zero_total": 1 - mean["zero_t"] / mean["window_t"],
        "level": 1 - mean["level"] / mean["level_window"],
    }


def gain(error: BacktestError, *, total: bool = False) -> float:
    """How much lower the forecast's MASE is than the 90-day mean's (0.2: 20 % lower)."""
    if total:
        return 1 - error.forecast_total / error.window_mean_total
    return 1 - error.forecast / error.window_mean


def table(results: dict[str, BacktestError]) -> str:
    rows = [
        "| history | MASE per day: forecast | 90-day mean | seasonal naive | gain on the mean "
        "| MASE of the 14-day total: forecast | 90-day mean | seasonal naive | gain on the mean |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, e in results.items():
        rows.append(
            f"| {kind} | {e.forecast:.3f} | {e.window_mean:.3f} | {e.seasonal_naive:.3f} "
            f"| {gain(e):.0%} | {e.forecast_total:.3f} | {e.window_mean_total:.3f} "
            f"| {e.seasonal_naive_total:.3f} | {gain(e, total=True):.0%} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 histories per kind, 8 origins")
    args = parser.parse_args()
    per_kind, origins = QUICK if args.quick else FULL
    started = time.perf_counter()
    results = run(per_kind, origins)
    elapsed = time.perf_counter() - started
    print(
        f"### Forecast backtest: {per_kind} histories per kind, {origins} weekly origins, "
        "14-day horizon\n"
    )
    print(table(results))
    print(
        "\nReferences on intermittent histories (gain on the 90-day mean, per day / 14-day total):"
    )
    for kind in ("intermittent", "intermittent, stationary"):
        ref = references(kind, per_kind, origins)
        print(
            f"- {kind}: oracle (the true mean demand) {ref['oracle']:.0%} / "
            f"{ref['oracle_total']:.0%}; forecasting zero {ref['zero']:.0%} / "
            f"{ref['zero_total']:.0%}; the forecast's mean demand is {ref['level']:.0%} closer "
            "to the true mean than the 90-day mean"
        )
    forecasts = per_kind * len(KINDS) * origins
    print(f"\n{forecasts} forecasts in {elapsed:.1f} s ({elapsed / forecasts * 1000:.1f} ms each)")


if __name__ == "__main__":
    main()
