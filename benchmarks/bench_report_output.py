"""Benchmark of what the reports add to each table and map: HTML tables (great-tables) and choropleths.

    python benchmarks/bench_report_output.py [--repeats 5]

Prints the median of ``--repeats`` runs of each step (the first table and the
first read of the shapes are reported apart; the maps are drawn and rendered to
PNG, as in a report) and writes them to benchmarks/results/report_output.json.
"""

from __future__ import annotations

import argparse
import io
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from analysis.data import country_shapes  # noqa: E402
from analysis.report import maps, plotting, tables  # noqa: E402
from analysis.study import indicators  # noqa: E402

from timing import median_seconds, print_calibration, save_results  # noqa: E402


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    by_country = indicators.country_contributions("Africa", 2025, 2055)
    top = by_country.head(10)
    columns = dict(columns=["location", "base", "target", "change", "share_of_change"],
                   millions=["base", "target", "change"], percent=["share_of_change"])

    start = time.perf_counter()
    tables.report_table(top, title="first table", **columns)
    first_table = time.perf_counter() - start
    start = time.perf_counter()
    shapes = country_shapes.load_country_shapes()
    shapes_read = time.perf_counter() - start

    def africa_maps():  # drawn and rendered to PNG, as the notebooks' inline backend does
        figure = maps.change_maps(by_country, "Population aged 15-64", plotting.SOURCE_NOTE, 2025, 2055, shapes=shapes)
        figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        plt.close("all")

    report = {
        "first_table_seconds": first_table,
        "table_10_rows_seconds": median_seconds(lambda: tables.report_table(top, title="t", **columns), args.repeats),
        "table_58_rows_seconds": median_seconds(lambda: tables.report_table(by_country, title="t", **columns),
                                                 args.repeats),
        "shapes_read_seconds": shapes_read,
        "africa_change_maps_seconds": median_seconds(africa_maps, args.repeats),
        "repeats": args.repeats,
    }
    for name, value in report.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    save_results("report_output", report)


if __name__ == "__main__":
    main()
