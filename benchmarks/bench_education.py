"""Benchmark of the education data: cleaning and harmonising WIC, the indicators, and the path for trajectories.

    python benchmarks/bench_education.py [--repeats 3] [--trajectories 1000]

Prints the median of ``--repeats`` runs of each step:

* the education part of the build from the raw WIC rows already in memory
  (clean, check, shares, harmonise with WPP 2024 medium, check);
* harmonising the low and high variants on demand (all countries, 1950–2100);
* the skilled-entrants proxy for Africa under the three variants (2025–2100);
* the array path for probabilistic trajectories: Africa's population by year,
  sex and level for ``--trajectories`` trajectories, summed over its 57
  covered countries and ages 15–64 (:func:`analysis.data.education.harmonised_sum`).
  The workload is that many copies of the WPP medium population, which has
  the shape of real trajectories; only the time is measured.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from analysis.data import education, locations, sources, wpp
from analysis.data.conventions import parse_age_band
from analysis.study import skills

from timing import median_seconds, print_calibration, print_results, save_results


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trajectories", type=int, default=1000)
    args = parser.parse_args()

    start = time.perf_counter()
    raw = sources.read_raw(education.RAW_FILE)
    read = time.perf_counter() - start
    population = wpp.load_population(["medium"])
    table = locations.load_locations()
    aggregates = table.loc[table["kind"] == "aggregate", "location_code"]

    def build_step():
        levels, detail = education.clean_education(raw, aggregates)
        education.check_education(levels)
        education.check_post_secondary_detail(detail, levels)
        shares = education.education_shares(levels)
        education.check_shares(shares)
        harmonised = education.harmonise(shares, population)
        education.check_harmonised(harmonised, population)

    africa = skills.members_of(["Africa"])
    years = list(range(2025, 2101, 5))
    variants = education.load_harmonised(["medium", "low", "high"], years, africa["Africa"])

    shares = education.load_shares()
    covered = [code for code in africa["Africa"] if code in set(shares["location_code"])]
    array, _ = education.shares_array(shares, covered, years)
    medium = wpp.load_population(["medium"], years, covered)
    one = medium.sort_values(["location_code", "year", "sex", "age"])["population"].to_numpy()
    one = one.reshape(len(covered), len(years), 2, 21)
    many = np.broadcast_to(one, (args.trajectories, *one.shape))
    band = parse_age_band("15-64").groups()
    everyone = np.ones(len(covered), dtype=bool)

    report = {
        "read_raw_wic_s": round(read, 2),
        "build_education_s": round(median_seconds(build_step, args.repeats), 2),
        "harmonise_low_and_high_s": round(median_seconds(lambda: education.load_harmonised(["low", "high"]), args.repeats), 2),
        "entrants_africa_three_variants_s": round(
            median_seconds(lambda: skills.skilled_entrants(variants, africa), args.repeats), 2),
        "trajectories": args.trajectories,
        "trajectories_summed_s": round(
            median_seconds(lambda: education.harmonised_sum(array, many, everyone, band), args.repeats), 2),
        "repeats": args.repeats,
    }
    print_results(report)
    save_results("education", report)


if __name__ == "__main__":
    main()
