"""Benchmark of the partnership dataset: loading with every check, the report's tables, and the CLI.

    python benchmarks/bench_partnerships.py [--repeats 5]

Prints the median of ``--repeats`` runs of each step (the first run, which
reads the processed tables and the shapes from disk, is reported apart) and
writes them to benchmarks/results/partnerships.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from analysis.data import country_shapes
from analysis.study.partnerships import records as partnerships, summaries as partnership_analysis, unit_costs as partnership_costs

from timing import median_seconds, print_calibration, print_results, save_results


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    table, values, sources = partnerships.load_dataset()
    shapes = country_shapes.load_country_shapes()
    cold = time.perf_counter() - start
    rates = partnership_costs.load_conversion_rates()
    as_of = partnerships.access_year(sources)

    def tables():
        partnership_analysis.planned_vs_achieved(table)
        partnership_analysis.sector_by_skill(table)
        partnership_analysis.corridors(table)
        partnership_analysis.map_table(table, shapes)
        partnership_analysis.field_coverage(table)
        partnership_costs.cost_per_person(table, rates)
        partnership_analysis.shortfall_coverage(table, as_of)

    def cli():
        subprocess.run([sys.executable, "-m", "analysis", "partnerships", "--origin", "Africa"], check=True,
                       capture_output=True)

    report = {
        "partnerships": len(table),
        "value_source_links": len(values),
        "repeats": args.repeats,
        "first_load_with_shapes_s": round(cold, 3),
        "load_and_check_s": round(median_seconds(partnerships.load_dataset, args.repeats), 3),
        "report_tables_s": round(median_seconds(tables, args.repeats), 3),
        "cli_origin_africa_s": round(median_seconds(cli, args.repeats), 3),
    }
    print_results(report)
    save_results("partnerships", report)


if __name__ == "__main__":
    main()
