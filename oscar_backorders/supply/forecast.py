"""Daily demand forecast per stock record (pure: plain numbers and dates in, plain data out).

A small model made for shop demand, so the plugin needs no numerical stack (docs/supply.md,
"Forecast", has the measurements that ruled statsforecast out):

1. **Promotions** the merchant entered are divided out of the history: a day of a promotion with
   an expected uplift of 80 % counts as its demand / 1.8.
2. **Weekly profile**: with at least two weeks of history, each weekday's share of the mean over
   the last year, shrunk towards 1 when few days with demand back it.
3. **Yearly profile**: with at least two years of history, the demand of the same month a year
   (or two) before relative to that year's mean, read from a ±15-day window so one odd day does
   not make a season.
4. **Level** of what is left: demand on fewer than one day in 1.32 (average inter-demand
   interval above Syntetos & Boylan's cut-off) is *intermittent* and gets TSB (Teunissen,
   Syntetos & Babai 2011: the size of a demand and the probability of a day having one are
   smoothed apart, so a product that stops selling decays instead of keeping its old mean);
   other demand gets simple exponential smoothing. TSB's constants are fixed (the probability
   with a memory like a 90-day window's, sizes with a longer one); picking them from a grid by
   in-sample error fitted noise and did worse (docs/supply.md, "Backtest"). SES's constant is
   picked from a small grid by how well the level matched the mean demand of the next 14 days
   across the history (a reorder point needs the demand over a lead time, not tomorrow's).
5. The forecast for a day is ``level × weekly × yearly × (1 + uplift of its promotions)``, so a
   promotion raises the demand expected in the lead time *before* it starts.

:func:`backtest` measures it by rolling origin against the window mean and a seasonal naive
forecast (``bench/forecast.py`` runs it on synthetic histories).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: Average inter-demand interval above which demand is intermittent (Syntetos & Boylan 2005).
INTERMITTENT_ADI = 1.32
WEEK = 7
YEAR = 365
#: Days ahead whose mean demand a level is judged against when smoothing constants are picked.
LEAD = 14
#: How alike (Pearson correlation of 12 blocks) two years must be to count as a season.
YEARLY_CORRELATION = 0.75
#: Half-width (days) of the window the yearly profile is read from.
YEAR_WINDOW = 15
SES_ALPHAS = (0.03, 0.1, 0.2, 0.4)
#: TSB's smoothing (fixed, docs/supply.md "Backtest": picking them from a grid by in-sample
#: error fitted noise and did worse on the lead-time total): of the probability of a day with
#: demand, and of the size of a demand.
TSB_PROBABILITY = 0.0175
TSB_SIZE = 0.02


@dataclass(frozen=True, slots=True)
class Promotion:
    """Days ``start``..``end`` (inclusive) expect ``uplift`` more demand (0.8: +80 %)."""

    start: date
    end: date
    uplift: float


@dataclass(frozen=True, slots=True)
class Forecast:
    method: str  # "tsb", "ses" or "none" (no history)
    level: float  # baseline units per day, without weekly, yearly or promotion effects
    weekly: tuple[float, ...]  # Monday first; all 1.0 without enough history
    yearly: bool
    daily: tuple[float, ...]  # expected units on each day after the last day of history
    residual_stdev: float  # spread of one-step-ahead errors over the recent history

    def total(self, days: float) -> float:
        """Units expected over the next ``days`` days (a fraction of a day counts pro rata)."""
        whole = min(int(days), len(self.daily))
        total = sum(self.daily[:whole])
        if whole < len(self.daily) and days > whole:
            total += self.daily[whole] * (days - whole)
        return total


@dataclass(frozen=True, slots=True)
class BacktestError:
    """Mean absolute scaled error (MASE) of each forecaster over the rolling origins: of each
    day's demand, and (``*_total``) of the demand over the whole horizon, which is what a reorder
    point needs. On intermittent demand the daily MASE rewards forecasting less than the mean
    (on most days nothing sells), so the total is the fairer yardstick there."""

    forecast: float
    window_mean: float
    seasonal_naive: float
    forecast_total: float
    window_mean_total: float
    seasonal_naive_total: float
    origins: int


def promotion_factors(first: date, days: int, promotions: Sequence[Promotion]) -> list[float]:
    """``1 + uplift`` of every day from ``first`` on (overlapping promotions add up)."""
    factors = [1.0] * days
    for promo in promotions:
        if promo.uplift <= -1:
            raise ValueError(f"an uplift must be more than -100 %, got {promo.uplift:.0%}")
        lo = max((promo.start - first).days, 0)
        hi = min((promo.end - first).days, days - 1)
        for i in range(lo, hi + 1):
            factors[i] += promo.uplift
    return factors


def forecast(
    history: Sequence[float],
    *,
    last_day: date,
    horizon: int,
    promotions: Sequence[Promotion] = (),
    stdev_days: int = 90,
) -> Forecast:
    """Forecast ``horizon`` days after ``last_day`` from daily ``history`` ending on it.

    ``history[-1]`` is the demand of ``last_day``; days without orders are zeros (leading ones
    are dropped: the product was not on sale yet). Raises
    ``ValueError`` for a negative horizon or a negative demand.
    """
    if horizon < 0:
        raise ValueError(f"horizon must not be negative, got {horizon}")
    if any(y < 0 for y in history):
        raise ValueError("daily demand must not be negative")
    # Days before the first order are not days without demand: the product was not selling yet
    # (a new product would look intermittent otherwise).
    history = history[next((i for i, y in enumerate(history) if y > 0), len(history)) :]
    n = len(history)
    first = last_day - timedelta(days=n - 1)
    factors = promotion_factors(first, n + horizon, promotions)
    if n == 0:
        return Forecast("none", 0.0, (1.0,) * WEEK, False, (0.0,) * horizon, 0.0)
    base = [y / f for y, f in zip(history, factors, strict=False)]
    weekly = _weekly(base, first) if n >= 2 * WEEK else [1.0] * WEEK
    dow = [(first + timedelta(days=i)).weekday() for i in range(n + horizon)]
    deweek = [b / weekly[dow[i]] for i, b in enumerate(base)]
    yearly = n >= 2 * YEAR and _repeats_yearly(deweek)
    season = _yearly(deweek, n + horizon) if yearly else [1.0] * (n + horizon)
    adjusted = [d / season[i] for i, d in enumerate(deweek)]
    shape = [weekly[dow[i]] * season[i] * factors[i] for i in range(n + horizon)]

    nonzero = sum(1 for y in history if y > 0)
    intermittent = n / nonzero > INTERMITTENT_ADI
    method = "tsb" if intermittent else "ses"
    level, fitted = _tsb(adjusted) if intermittent else _ses(adjusted)
    recent = range(max(n - stdev_days, 1), n)
    errors = [history[i] - fitted[i] * shape[i] for i in recent]
    stdev = statistics.pstdev(errors) if len(errors) > 1 else 0.0
    daily = tuple(level * shape[n + h] for h in range(horizon))
    return Forecast(method, level, tuple(weekly), yearly, daily, stdev)


def _weekly(base: Sequence[float], first: date) -> list[float]:
    """Each weekday's share of the mean (up to three years), shrunk when few days back it."""
    start = max(len(base) - 3 * YEAR, 0)
    sums = [0.0] * WEEK
    counts = [0] * WEEK
    busy = [0] * WEEK
    for i in range(start, len(base)):
        d = (first + timedelta(days=i)).weekday()
        sums[d] += base[i]
        counts[d] += 1
        busy[d] += base[i] > 0
    mean = sum(sums) / sum(counts)
    if mean <= 0:
        return [1.0] * WEEK
    raw = [(sums[d] / counts[d]) / mean if counts[d] else 1.0 for d in range(WEEK)]
    shrunk = [1 + (r - 1) * busy[d] / (busy[d] + 3) for d, r in enumerate(raw)]
    norm = sum(shrunk) / WEEK
    return [s / norm for s in shrunk]


def _repeats_yearly(series: Sequence[float]) -> bool:
    """Whether the last years share a yearly shape: the demand of their twelve ~30-day blocks,
    less each year's straight-line trend (a product catching on is no season), correlates
    (≥ ``YEARLY_CORRELATION``, every pair of years) year on year. Without it the yearly profile would only copy last
    year's noise (on intermittent or drifting demand it makes forecasts worse)."""
    n, block = len(series), YEAR // 12
    years = []
    for end in range(n, YEAR - 1, -YEAR):
        start = end - YEAR
        sums = [sum(series[start + b * block : start + (b + 1) * block]) for b in range(12)]
        slope, intercept = statistics.linear_regression(range(12), sums)
        years.append([s - (intercept + slope * b) for b, s in enumerate(sums)])
    scores = []
    for a, b in itertools.pairwise(years):
        if statistics.pstdev(a) == 0 or statistics.pstdev(b) == 0:
            return False
        scores.append(statistics.correlation(a, b))
    return bool(scores) and min(scores) >= YEARLY_CORRELATION


def _yearly(series: Sequence[float], days: int) -> list[float]:
    """Yearly index of each day 0..days-1, from the same season in the years before it."""
    n = len(series)
    prefix = [0.0]
    for y in series:
        prefix.append(prefix[-1] + y)

    def mean(lo: int, hi: int) -> float | None:  # mean of series[lo:hi], clipped to history
        lo, hi = max(lo, 0), min(hi, n)
        return (prefix[hi] - prefix[lo]) / (hi - lo) if hi - lo > 0 else None

    index = []
    for t in range(days):
        ratios = []
        for back in (YEAR, 2 * YEAR):
            past = t - back
            if past - YEAR_WINDOW < 0:
                break
            near = mean(past - YEAR_WINDOW, past + YEAR_WINDOW + 1)
            around = mean(past - YEAR // 2, past + YEAR // 2 + 1)
            if near is not None and around:
                ratios.append(near / around)
        index.append(statistics.fmean(ratios) if ratios else 1.0)
    # Never divide by zero: a season with no demand at all still leaves a little.
    return [max(i, 0.05) for i in index]


def _ahead(series: Sequence[float]) -> list[float | None]:
    """The mean demand of the ``LEAD`` days after each day (``None`` near the end): what a
    level is judged against when smoothing constants are picked, since a reorder point needs
    the demand over a lead time, not tomorrow's."""
    prefix = [0.0]
    for y in series:
        prefix.append(prefix[-1] + y)
    n = len(series)
    return [
        (prefix[t + 1 + LEAD] - prefix[t + 1]) / LEAD if t + LEAD < n else None for t in range(n)
    ]


def _ses(series: Sequence[float]) -> tuple[float, list[float]]:
    """Simple exponential smoothing; returns the final level and the one-step-ahead fits."""
    best: tuple[float, float, list[float]] | None = None
    start = statistics.fmean(series[: 4 * WEEK])
    ahead = _ahead(series)
    for alpha in SES_ALPHAS:
        level, fitted, sse = start, [], 0.0
        for y, target in zip(series, ahead, strict=True):
            fitted.append(level)
            level += alpha * (y - level)
            if target is not None:
                sse += (target - level) ** 2
        if best is None or sse < best[0]:
            best = (sse, level, fitted)
    assert best is not None
    return best[1], best[2]


def _tsb(series: Sequence[float]) -> tuple[float, list[float]]:
    """TSB with fixed smoothing: the probability of a day with demand is smoothed every day
    with ``TSB_PROBABILITY`` (a memory like the 90-day window's, weighted towards recent days),
    the size of a demand on days with demand with ``TSB_SIZE`` (sizes change less, so a longer
    memory cuts their noise). Both are weighted means of what was seen (no starting guess to
    wear off). Returns the final level and the one-step-ahead fits."""
    prob_weight = prob_sum = size_weight = size_sum = 0.0
    fitted = []
    for y in series:
        fitted.append(prob_sum / prob_weight * size_sum / size_weight if size_weight else 0.0)
        prob_weight = prob_weight * (1 - TSB_PROBABILITY) + 1
        prob_sum = prob_sum * (1 - TSB_PROBABILITY) + (y > 0)
        if y > 0:
            size_weight = size_weight * (1 - TSB_SIZE) + 1
            size_sum = size_sum * (1 - TSB_SIZE) + y
    return prob_sum / prob_weight * size_sum / size_weight, fitted


def backtest(
    history: Sequence[float],
    *,
    last_day: date,
    promotions: Sequence[Promotion] = (),
    horizon: int = 14,
    origins: int = 8,
    step: int = 7,
    window_days: int = 90,
) -> BacktestError | None:
    """Rolling-origin backtest of :func:`forecast`, the ``window_days`` mean and the weekly
    seasonal naive forecast, each as MASE (errors scaled by the in-sample one-day naive error),
    averaged over the origins. ``None`` when the history is too short for one origin."""
    n = len(history)
    first = last_day - timedelta(days=n - 1)
    errors: dict[str, list[float]] = {
        f"{name}{part}": [] for name in ("forecast", "window", "naive") for part in ("", "_total")
    }
    for k in range(origins, 0, -1):
        cut = n - horizon - (k - 1) * step
        if cut < 2 * WEEK:
            continue
        train, actual = history[:cut], history[cut : cut + horizon]
        scale = statistics.fmean(abs(train[i] - train[i - 1]) for i in range(1, cut))
        sums = [sum(train[i : i + horizon]) for i in range(0, cut - horizon + 1, horizon)]
        scale_total = statistics.fmean(abs(b - a) for a, b in itertools.pairwise(sums or [0]))
        if scale == 0 or scale_total == 0:
            continue
        ours = forecast(
            train,
            last_day=first + timedelta(days=cut - 1),
            horizon=horizon,
            promotions=promotions,
        ).daily
        window = statistics.fmean(train[-window_days:])
        naive = [train[cut - WEEK + (h % WEEK)] for h in range(horizon)]
        for name, predicted in (
            ("forecast", ours),
            ("window", [window] * horizon),
            ("naive", naive),
        ):
            errors[name].append(_mae(actual, predicted) / scale)
            errors[f"{name}_total"].append(abs(sum(actual) - sum(predicted)) / scale_total)
    if not errors["forecast"]:
        return None
    mean = {name: statistics.fmean(values) for name, values in errors.items()}
    return BacktestError(
        forecast=mean["forecast"],
        window_mean=mean["window"],
        seasonal_naive=mean["naive"],
        forecast_total=mean["forecast_total"],
        window_mean_total=mean["window_total"],
        seasonal_naive_total=mean["naive_total"],
        origins=len(errors["forecast"]),
    )


def _mae(actual: Sequence[float], predicted: Sequence[float]) -> float:
    return math.fsum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual)
