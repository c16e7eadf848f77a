"""Ship-date promises over simulated shop-years: how often each rule keeps its word, at what cost.

    python bench/promises.py                      # 200 SKUs, one measured year (≈ 45 s, 2 cores)
    python bench/promises.py --quick              # 40 SKUs, half a year (≈ 10 s)
    python bench/promises.py --skus 100 --days 365 --seed 2 --jobs 1

The world (``bench/_promise_world.py``), seeded, each SKU with its own generators:

- Demand: Poisson orders per calendar day, 0.3–3 a day per SKU (log-uniform), of 1, 2 or 3
  units (weights 6:3:1). Units on the shelf ship at once and are not backordered; the rest of
  the order is one backordered line, served first-in-first-out as stock arrives.
- Replenishment (s, Q) on the inventory position (on hand + on order − backorders), reviewed
  after the day's orders: every day for half the SKUs, on Mondays only for the others (so some
  units wait beyond every purchase order placed). s is lean, 0.5–1× the mean demand over a
  lead time, so backorders happen; Q covers 2–6 weeks of demand. The nominal lead time is 5–20
  business days per SKU.
- Suppliers: five SKUs per supplier, so history accrues across SKUs. Mixed population: half
  reliable (80 % on time, 8 % 1–2 days early, 12 % 1–2 days late), half unreliable (late on
  10–50 % of purchase orders, lognormal with a mean of 2–10 days and a long tail up to 60; early
  by 1–3 days on 5–15 %). A delivery lands on the next business day on or after expected +
  lateness. Of deliveries late by 3 days or more, 40 % are slipped by the merchant before they
  arrive: 0–5 days before the expected date, the expected date on file moves to about the real
  one (±2 days). Always-on-time population: the same SKUs and demand, every delivery on the day
  expected, nothing slipped. Supplier confirmations are not simulated.
- Business days Monday–Friday, 1 handling day: a unit ships 1 business day after the day its
  stock arrives (the engine's convention).
- Time: a 120-day warm-up (orders, deliveries, supplier history from empty; not measured),
  then ``--days`` measured days (units ordered then are measured), then a 150-day tail with
  orders going on until every measured unit has shipped.

Rules (``bench/_promise_rules.py``), each promising at checkout and re-dating every night (the
run after midnight): static lead time (order date + lead time + handling, never revised); plain
ATP and the current rule (the frozen baseline, ``bench/_legacy_engine.py``: without and with the
old reliability delay; a move later is told, earlier is not); the new rule at three confidences,
fed as ``estimates.service`` feeds it (``engine.plan``, each supplier's ``supplier_lateness``
from its latest 50 deliveries and everyone's as the pool, ``promises.revised_promise``; every
revision is told).

Columns, per backordered unit: on time = shipped by the date promised at checkout; padding =
promised − shipped (calendar days, on-time units); lateness = shipped − promised (late units);
revisions = the customer-facing date changes of the unit's line; quiet = revisions told on
nights when nothing happened to the SKU (no arrival, order, purchase order or slip that day);
padding after a revision = the last date the line was given − shipped, for revised lines (for
the old rules, the last date it was given, told or not).
A second table splits the mixed population by the open purchase order expected, at checkout, to
bring the line's last unit: on schedule, overdue, slipped, or none (beyond all of them).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path[:0] = [str(ROOT), str(ROOT / "sandbox")]

from bench import _promise_rules as rules_module  # noqa: E402
from bench._promise_world import MIXED, ON_TIME, Config, World, simulate  # noqa: E402

CONFIDENCES = (0.90, 0.95, 0.98)
DEFAULT_CONFIDENCE = 0.95

_WORLDS: dict[str, World] = {}  # per population; set before the worker processes fork


@dataclass(frozen=True, slots=True)
class Row:
    rule: str
    population: str
    units: int
    on_time: float
    median_padding: float
    p90_padding: float
    mean_late: float
    revisions_per_unit: float
    revised_share: float
    quiet_revisions: int
    revised_padding: float  # median last date told − shipped, units whose line was revised


@dataclass(frozen=True, slots=True)
class Report:
    config: Config
    rows: tuple[Row, ...]
    calibration: tuple[tuple[str, float, float, int], ...]  # (suppliers, c, on time, units)
    situations: tuple[Row, ...]  # mixed population; Row.population holds the situation
    seconds: float

    def row(self, rule: str, population: str) -> Row:
        return next(r for r in self.rows if r.rule == rule and r.population == population)


def _replay_chunk(population: str, skus: Sequence[int]) -> list[tuple[int, dict]]:
    world = _WORLDS[population]
    factories = rules_module.rules(CONFIDENCES)
    return [(sku, rules_module.replay(world, sku, factories)) for sku in skus]


def run(config: Config, *, jobs: int = 1) -> Report:
    """Simulate both populations and replay every SKU through every rule."""
    started = time.perf_counter()
    for population in (MIXED, ON_TIME):
        _WORLDS[population] = simulate(config, population)
    chunks = [
        (population, list(range(start, min(start + 5, config.skus))))
        for population in (MIXED, ON_TIME)
        for start in range(0, config.skus, 5)
    ]
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.starmap(_replay_chunk, chunks, chunksize=1)
    else:
        results = [_replay_chunk(*chunk) for chunk in chunks]
    outcomes: dict[tuple[str, str], list] = {}
    by_kind: dict[tuple[str, str], list] = {}
    by_situation: dict[tuple[str, str], list] = {}
    for (population, _), chunk in zip(chunks, results, strict=True):
        world = _WORLDS[population]
        for sku, per_rule in chunk:
            kind = world.suppliers[world.years[sku].supplier_id].kind
            for label, found in per_rule.items():
                outcomes.setdefault((label, population), []).extend(found)
                if population == MIXED:
                    by_kind.setdefault((label, kind), []).extend(found)
                    for o in found:
                        by_situation.setdefault((label, o.situation), []).append(o)
    rows = tuple(_row(label, population, found) for (label, population), found in outcomes.items())
    calibration = []
    for c in CONFIDENCES:
        label = _new_label(c)
        for suppliers, key in (
            ("all (mixed)", (label, MIXED)),
            ("reliable", (label, "reliable")),
            ("unreliable", (label, "unreliable")),
        ):
            found = outcomes.get(key) or by_kind.get(key)
            if found:
                row = _row(label, suppliers, found)
                calibration.append((suppliers, c, row.on_time, row.units))
    situations = tuple(
        _row(label, situation, by_situation[(label, situation)])
        for label in ("current rule", _new_label(DEFAULT_CONFIDENCE))
        for situation in rules_module.SITUATIONS
        if (label, situation) in by_situation
    )
    return Report(
        config,
        rows,
        tuple(calibration),
        situations,
        seconds=time.perf_counter() - started,
    )


def _new_label(c: float) -> str:
    return f"new rule, c = {c:.2f}"


def _row(rule: str, population: str, outcomes: Sequence[rules_module.Outcome]) -> Row:
    padding, late = [], []
    after_revision: list[int] = []
    units = revised = revisions = quiet = 0
    for o in outcomes:
        n = len(o.ships)
        units += n
        revisions += o.revisions * n
        revised += n if o.revisions else 0
        quiet += o.quiet_revisions
        for ship in o.ships:
            if ship <= o.promised:
                padding.append(o.promised - ship)
            else:
                late.append(ship - o.promised)
            if o.revisions:
                after_revision.append(o.final - ship)
    padding.sort()
    after_revision.sort()
    return Row(
        rule,
        population,
        units,
        on_time=len(padding) / units if units else math.nan,
        median_padding=_quantile(padding, 0.5),
        p90_padding=_quantile(padding, 0.9),
        mean_late=sum(late) / len(late) if late else 0.0,
        revisions_per_unit=revisions / units if units else math.nan,
        revised_share=revised / units if units else math.nan,
        quiet_revisions=quiet,
        revised_padding=_quantile(after_revision, 0.5),
    )


def _days(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0f}"


def _quantile(ordered: Sequence[int], q: float) -> float:
    """The nearest-rank quantile of sorted values (NaN when there are none)."""
    if not ordered:
        return math.nan
    return float(ordered[max(math.ceil(q * len(ordered)) - 1, 0)])


def format_report(report: Report) -> str:
    c = report.config
    out = [
        f"### Ship-date promises: {c.skus} SKUs × {c.days} days (seed {c.seed}; "
        f"{c.warmup}-day warm-up not measured)\n",
        "| rule | population | backordered units | on time at checkout % | median padding (days) "
        "| p90 padding | mean lateness of late units (days) | revisions / unit "
        "| units revised ≥ 1 % | revisions on quiet days | median padding after a revision |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for population in (MIXED, ON_TIME):
        for r in (r for r in report.rows if r.population == population):
            out.append(
                f"| {r.rule} | {r.population} | {r.units:,} | {r.on_time:.1%} "
                f"| {r.median_padding:.0f} | {r.p90_padding:.0f} | {r.mean_late:.1f} "
                f"| {r.revisions_per_unit:.2f} | {r.revised_share:.1%} | {r.quiet_revisions:,} "
                f"| {_days(r.revised_padding)} |".replace("%", "")
            )
    out += [
        "\n### By the open purchase order expected at checkout to bring a line's last unit "
        "(mixed population)\n",
        "| rule | that purchase order | units | on time % | median padding | p90 padding "
        "| mean lateness of late units | revisions / unit |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report.situations:
        out.append(
            f"| {r.rule} | {r.population} | {r.units:,} | {r.on_time * 100:.1f} "
            f"| {r.median_padding:.0f} | {r.p90_padding:.0f} | {r.mean_late:.1f} "
            f"| {r.revisions_per_unit:.2f} |"
        )
    out += [
        "\n### Calibration of the new rule: on time at checkout against the confidence asked\n",
        "| suppliers | confidence | on time % | difference (points) | within ± 3 | units |",
        "|---|---:|---:|---:|:---:|---:|",
    ]
    for suppliers, confidence, on_time, units in report.calibration:
        diff = (on_time - confidence) * 100
        out.append(
            f"| {suppliers} | {confidence:.2f} | {on_time * 100:.1f} | {diff:+.1f} "
            f"| {'yes' if abs(diff) <= 3 else 'no'} | {units:,} |"
        )
    out += ["\n### Targets at c = 0.95\n", *(f"- {line}" for line in targets(report))]
    return "\n".join(out)


def targets(report: Report) -> list[str]:
    """Each target with the measured value and whether it is met."""
    label = _new_label(DEFAULT_CONFIDENCE)
    mixed, steady = report.row(label, MIXED), report.row(label, ON_TIME)
    checks = [
        ("on time, mixed ≥ 93 %", f"{mixed.on_time:.1%}", mixed.on_time >= 0.93),
        (
            "median padding, mixed ≤ 9 days",
            f"{mixed.median_padding:.0f}",
            mixed.median_padding <= 9,
        ),
        (
            "on time, always-on-time suppliers ≥ 99 %",
            f"{steady.on_time:.1%}",
            steady.on_time >= 0.99,
        ),
        (
            "median padding, always-on-time suppliers ≤ 1 day",
            f"{steady.median_padding:.0f}",
            steady.median_padding <= 1,
        ),
        (
            "revisions per backordered unit ≤ 1",
            f"{mixed.revisions_per_unit:.2f} / {steady.revisions_per_unit:.2f}",
            max(mixed.revisions_per_unit, steady.revisions_per_unit) <= 1,
        ),
        (
            "0 revisions on quiet days",
            f"{mixed.quiet_revisions} / {steady.quiet_revisions}",
            mixed.quiet_revisions == steady.quiet_revisions == 0,
        ),
    ]
    for c in CONFIDENCES:
        r = report.row(_new_label(c), MIXED)
        diff = (r.on_time - c) * 100
        checks.append(
            (f"calibration at {c:.2f}, mixed, within ± 3 points", f"{diff:+.1f}", abs(diff) <= 3)
        )
    return [f"{'met' if ok else 'MISSED'}: {name} (measured {value})" for name, value, ok in checks]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--days", type=int, default=365, help="measured days")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--quick", action="store_true", help="40 SKUs, 180 measured days")
    args = parser.parse_args(argv)
    config = Config(
        skus=40 if args.quick else args.skus, days=180 if args.quick else args.days, seed=args.seed
    )
    report = run(config, jobs=max(args.jobs, 1))
    print(format_report(report))
    print(f"\n({report.seconds:.0f} s, {args.jobs} process(es))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
