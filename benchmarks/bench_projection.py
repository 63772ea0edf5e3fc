"""Benchmark of the projection engine: all countries, 2025 → 2100, one scenario.

    python benchmarks/bench_projection.py [--scenario medium] [--repeats 5] [--runs 100]

Reports the median of ``--repeats`` runs for
  * building the engine inputs from the processed Parquet tables (first, cold, call and warm, cached, calls),
  * the vectorised engine alone (all countries at once),
  * a whole scenario run (inputs, scenario, engine, feasibility check), and ``--runs`` of them in a row,
the peak memory (Python allocations during a run, and the process's peak
resident size), and a comparison with a plain per-country Leslie-matrix loop
on the same engine inputs (its own life table, survival matrix and births, one
country and one period at a time), which must give the same numbers.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from analysis.model import inputs as model_inputs
from analysis.model import projection, scenarios
from analysis.model.projection import ProjectionInputs

from timing import print_calibration, print_results, save_results

#: Share of a period's migrants arriving at its start (the engine's convention).
EARLY_SHARE = 0.4


def timed(function, repeats: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def survival_from_rates(mx: np.ndarray, female: bool) -> tuple[np.ndarray, float]:
    """One sex's 5-year survival ratios (21: from group a to a + 1, the last into 100+) and births' survival to 0-4.

    A plain abridged life table, written out age by age: Coale-Demeny a(0) and
    a(1-4) (West), a(x) = 2.5 for 5-year groups, L = l / m in the open group.
    """
    m0 = mx[0]
    if female:
        a0, a1 = (0.350, 1.361) if m0 >= 0.107 else (0.053 + 2.800 * m0, 1.522 - 1.518 * m0)
    else:
        a0, a1 = (0.330, 1.352) if m0 >= 0.107 else (0.045 + 2.684 * m0, 1.651 - 2.816 * m0)
    widths = [1.0, 4.0] + [5.0] * 19
    separations = [a0, a1] + [2.5] * 19
    l = [1.0]
    big_l = []
    for index in range(21):
        n, a, m = widths[index], separations[index], mx[index]
        q = min(n * m / (1.0 + (n - a) * m), 1.0)
        deaths = l[-1] * q
        l.append(l[-1] - deaths)
        big_l.append(n * l[-1] + a * deaths)
    big_l.append(l[-1] / mx[21] if mx[21] > 0 else np.inf)
    five = [big_l[0] + big_l[1]] + big_l[2:]  # 21 five-year groups, 0-4 merged
    survival = np.empty(21)
    for index in range(19):
        survival[index] = five[index + 1] / five[index] if five[index] > 0 else 0.0
    if np.isinf(five[20]):
        open_ratio = 1.0
    else:
        open_ratio = five[20] / (five[19] + five[20]) if five[19] + five[20] > 0 else 0.0
    survival[19] = survival[20] = open_ratio
    return survival, five[0] / 5.0


def leslie_matrix(survival: np.ndarray) -> np.ndarray:
    """A 21 × 21 survival (Leslie) matrix without its fertility row: a → a + 1, the last two groups into 100+."""
    matrix = np.zeros((21, 21))
    for index in range(19):
        matrix[index + 1, index] = survival[index]
    matrix[20, 19] = matrix[20, 20] = survival[20]
    return matrix


def leslie_projection(start: np.ndarray, mx: np.ndarray, tfr: np.ndarray, pattern: np.ndarray, srb: np.ndarray,
                      migrants: np.ndarray | Callable[[int, np.ndarray], np.ndarray]) -> np.ndarray:
    """One country, period by period: population (P + 1, 2, 21) from a survival matrix per sex and explicit births.

    Parameters
    ----------
    start : (2, 21) array
    mx : (P, 2, 22) array
    tfr, srb : (P,) arrays
    pattern : (P, 7) array
    migrants : (P, 2, 21) array, or a function of the period and its start population
    """
    periods = len(tfr)
    population = np.empty((periods + 1, 2, 21))
    population[0] = start
    for p in range(periods):
        now = population[p]
        moving = migrants(p, now) if callable(migrants) else migrants[p]
        early, late = EARLY_SHARE * moving, moving - EARLY_SHARE * moving
        end = np.empty((2, 21))
        birth_survival = []
        for sex in range(2):
            survival, to_first_group = survival_from_rates(mx[p, sex], female=sex == 1)
            exposed = np.maximum(now[sex] + early[sex], 0.0)
            end[sex] = leslie_matrix(survival) @ exposed + late[sex]
            birth_survival.append(to_first_group)
        women = 0.5 * (now[1, 3:10] + np.maximum(end[1, 3:10], 0.0))
        births = 5.0 * float(np.sum(tfr[p] * pattern[p] / 5.0 * women))
        male = srb[p] / (1.0 + srb[p])
        end[0, 0] += births * male * birth_survival[0]
        end[1, 0] += births * (1.0 - male) * birth_survival[1]
        population[p + 1] = np.maximum(end, 0.0)
    return population


def per_country_leslie_loop(inputs: ProjectionInputs) -> np.ndarray:
    """Every country projected on its own with :func:`leslie_projection`: (L, P + 1, 2, 21)."""
    return np.stack([leslie_projection(inputs.population[row], inputs.mx[row], inputs.tfr[row],
                                       inputs.fertility_pattern[row], inputs.srb[row], inputs.net_migrants[row])
                     for row in range(len(inputs.location_codes))])


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="medium")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=100, help="scenario runs in a row (inputs built once)")
    parser.add_argument("--skip-loop", action="store_true", help="skip the slow per-country Leslie-matrix loop")
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


    def in_a_row() -> None:  # each run's result is dropped, as a sweep that keeps only its numbers would
        for _ in range(args.runs):
            scenarios.run(spec)

    many, _ = timed(in_a_row, 3)

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
        "inputs_cached_warm_s": round(warm_inputs, 6),
        "engine_s": round(engine, 4),
        "scenario_run_s": round(whole, 4),
        f"{args.runs}_scenario_runs_s": round(many, 3),
        "peak_python_allocations_mb": round(peak_python / 1e6, 1),
        "peak_process_rss_mb": round(peak_rss, 1),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }
    if not args.skip_loop:
        start = time.perf_counter()
        looped = per_country_leslie_loop(scenario_inputs)
        report["per_country_leslie_loop_s"] = round(time.perf_counter() - start, 2)
        scale = np.maximum(result.population, 1.0)
        report["leslie_vs_engine_max_relative_difference"] = float((np.abs(looped - result.population) / scale).max())
        report["engine_speed_up_vs_leslie_loop"] = round(report["per_country_leslie_loop_s"] / report["engine_s"], 1)

    print_results(report)
    save_results(f"projection-{spec['name']}", report)


if __name__ == "__main__":
    main()
