"""Benchmark of the projection engine: all countries, 2025 → 2100, one scenario.

    python benchmarks/bench_projection.py [--scenario medium] [--repeats 5]

Reports the median of ``--repeats`` runs for
  * building the engine inputs from the processed Parquet tables (first, cold, call and warm calls),
  * the vectorised engine alone (all countries at once),
  * a whole scenario run (inputs, scenario, engine, feasibility check),
the peak memory (Python allocations during a run, and the process's peak
resident size), and a comparison with a straightforward per-country pandas
loop (filter each table for one country, project it, next country), which
must give the same numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data.tables import read_table
from analysis.model import inputs as model_inputs
from analysis.model import projection, scenarios
from analysis.model.projection import ProjectionInputs


def timed(function, repeats: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def per_country_pandas_loop(variant: str, base_year: int, end_year: int) -> np.ndarray:
    """The straightforward way: for each country, filter every table with pandas and project it alone."""
    periods = list(range(base_year, end_year, 5))
    population = read_table("population")
    mortality = read_table("mortality")
    tfr = read_table("tfr")
    pattern = read_table("fertility_age_pattern")
    srb = read_table("sex_ratio_at_birth")
    migration = read_table("net_migration")
    codes = model_inputs._countries(None)
    out = []
    for code in codes:
        base = population[(population.location_code == code) & (population.year == base_year) & (population.variant == variant)]
        base = base.sort_values(["sex", "age"])["population"].to_numpy().reshape(1, 2, 21)
        mx = mortality[(mortality.location_code == code) & mortality.period_start.isin(periods) & (mortality.sex != "both")]
        mx = mx.sort_values(["period_start", "sex", "age"])["mx"].to_numpy().reshape(1, len(periods), 2, 22)
        f = tfr[(tfr.location_code == code) & tfr.period_start.isin(periods) & (tfr.variant == variant)]
        f = f.sort_values("period_start")["tfr"].to_numpy().reshape(1, len(periods))
        pat = pattern[(pattern.location_code == code) & pattern.period_start.isin(periods)]
        pat = pat.sort_values(["period_start", "age"])["share"].to_numpy().reshape(1, len(periods), 7)
        ratio = srb[(srb.location_code == code) & srb.period_start.isin(periods)]
        ratio = ratio.sort_values("period_start")["srb"].to_numpy().reshape(1, len(periods))
        mig = migration[(migration.location_code == code) & migration.period_start.isin(periods)]
        mig = mig.sort_values(["period_start", "sex", "age"])["net_migrants"].to_numpy().reshape(1, len(periods), 2, 21)
        inputs = ProjectionInputs(np.array([code]), base_year, base, mx, f, pat, ratio, mig, label=variant)
        out.append(projection.project(inputs).population[0])
    return np.stack(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="medium")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-loop", action="store_true", help="skip the slow per-country pandas loop")
    args = parser.parse_args()
    spec = scenarios.load(args.scenario)
    variant = spec.get("variant", "medium")

    start = time.perf_counter()
    inputs = model_inputs.wpp_inputs(variant)
    cold_inputs = time.perf_counter() - start
    warm_inputs, _ = timed(lambda: model_inputs.wpp_inputs(variant), args.repeats)
    scenario_inputs = scenarios.apply(spec, inputs)
    engine, result = timed(lambda: projection.project(scenario_inputs), args.repeats)
    whole, _ = timed(lambda: scenarios.run(spec), args.repeats)

    tracemalloc.start()
    scenarios.run(spec)
    _, peak_python = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    report = {
        "scenario": spec["name"],
        "countries": int(len(inputs.location_codes)),
        "years": f"{inputs.base_year}-{inputs.years[-1]}",
        "repeats": args.repeats,
        "inputs_from_parquet_cold_s": round(cold_inputs, 4),
        "inputs_from_parquet_warm_s": round(warm_inputs, 4),
        "engine_s": round(engine, 4),
        "scenario_run_s": round(whole, 4),
        "peak_python_allocations_mb": round(peak_python / 1e6, 1),
        "peak_process_rss_mb": round(peak_rss, 1),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }
    if not args.skip_loop and spec["name"] in ("medium", "low", "high"):
        start = time.perf_counter()
        looped = per_country_pandas_loop(variant, inputs.base_year, int(inputs.years[-1]))
        report["per_country_pandas_loop_s"] = round(time.perf_counter() - start, 2)
        report["loop_vs_vectorised_max_abs_difference_persons"] = float(np.abs(looped - result.population).max())
        report["speed_up_vs_loop"] = round(report["per_country_pandas_loop_s"] / report["scenario_run_s"], 1)

    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    target = paths.ROOT / "benchmarks" / "results" / f"projection-{spec['name']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
