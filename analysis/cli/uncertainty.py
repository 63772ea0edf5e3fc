"""``uncertainty``: probabilistic projections, quantiles of a population, its change or replacement migration, as CSV."""

from __future__ import annotations

import argparse
import sys

from analysis import __version__
from analysis.cli import common, places
from analysis.report import file_provenance
from analysis.study import uncertainty
from analysis.study.requests import uncertainty as requests

DESCRIPTION = ("Project WPP 2024's uncertainty of fertility, mortality and migration (80 and 95 % intervals) "
               "through the engine, trajectory by trajectory, and print quantiles over the trajectories as CSV: "
               "location, year, ages, quantile, population (persons on 1 July). With two or more years, rows whose year "
               "is a span (2025-2055) give the quantiles of each trajectory's change from the first year to the last. "
               "With --replacement: the distribution of the yearly replacement migration a destination needs, solved "
               "per trajectory (destination, target, period_start, period_end, quantile, migrants_per_year), per period "
               "and averaged from 2025 to --to. The same seed gives the same numbers on any scheduler.")

def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--location", action="append", help="name, ISO-3 or M49 code, or group; repeatable (default Africa)")
    parser.add_argument("--ages", help="age band on 5-year groups (default 15-64)")
    parser.add_argument("--years", help="comma-separated years among 2025, 2030, …, 2100 (default 2025,2055)")
    parser.add_argument("--trajectories", type=common.whole(1, uncertainty.MAX_TRAJECTORIES, "trajectories"),
                        default=uncertainty.DEFAULT_TRAJECTORIES,
                        help=f"number of trajectories (default {uncertainty.DEFAULT_TRAJECTORIES})")
    parser.add_argument("--seed", type=common.whole(0, 2**63 - 1, "random seed"), default=1,
                        help="random seed, 0 to 2**63-1 (default 1)")
    parser.add_argument("--scenario", help="built-in scenario, YAML file or a+b of built-in names, applied to every "
                        "trajectory (its variant must be medium; default: WPP's medium inputs)")
    parser.add_argument("--scheduler", default="threads",
                        help="threads (default), synchronous, processes, or the address of a "
                             "dask.distributed scheduler such as tcp://host:8786")
    parser.add_argument("--quantiles", default="0.025,0.1,0.5,0.9,0.975",
                        help="comma-separated probabilities above 0 and below 1 (default 0.025,0.1,0.5,0.9,0.975)")
    parser.add_argument("--no-migration-uncertainty", action="store_true",
                        help="WPP's median migration in every trajectory (only fertility and mortality vary)")
    parser.add_argument("--destination", action="append",
                        help="with --replacement: destination name, ISO-3/M49 code or group (default EU27)")
    parser.add_argument("--replacement", choices=["total", "15-64", "working-age", "support-ratio"],
                        help="solve the replacement migration that keeps this at its base-year level "
                             "(support-ratio: at or above --floor)")
    parser.add_argument("--to", type=int, default=None, help="with --replacement: last year (default 2050)")
    parser.add_argument("--floor", type=common.number(0.0, 50.0, low_open=True), default=None,
                        help="with --replacement support-ratio: support ratio to keep (default: the base year's)")
    parser.add_argument("--migrant-ages", default=None, help="with --replacement: ages of the migrants (default 20-39)")
    parser.add_argument("--female-share", type=common.number(0.0, 1.0), default=None,
                        help="with --replacement: share of women among migrants, 0 to 1 (default 0.5)")
    parser.add_argument("--store", help="also write every trajectory (location × year × sex × age) to this new "
                        "ensemble store, a .zarr folder (read it with analysis.study.uncertainty.open_store)")
    parser.add_argument("--overwrite", action="store_true", help="with --store: replace an ensemble store already there")
    parser.add_argument("--no-emigration", action="store_true",
                        help="with --replacement total or 15-64: never ask for net emigration (a period "
                             "above the target needs no migrants)")


def run(args: argparse.Namespace) -> int:
    options = {f"--{name.replace('_', '-')}": value for name, value in vars(args).items() if name != "run"}
    request = requests.parse(options)
    if getattr(request, "store", None) is None:
        common.write_csv(request.run())
    else:  # the store records the code's state too
        state = file_provenance.git_state()
        common.write_csv(request.run(store_attrs={
            "provenance": f"analysis {__version__}, git commit {state['commit']}, working tree {state['changes']}"}))
    asked = request.locations if hasattr(request, "locations") else request.destinations
    places.provenance(request.simulation.files(), asked)  # with the file of groups, and each group's members
    common.comments(request.moved_lines())
    if getattr(request, "store", None) is not None:
        print(f"# ensemble store: {request.store} ({args.trajectories:,} trajectories)", file=sys.stderr)
    return 0
