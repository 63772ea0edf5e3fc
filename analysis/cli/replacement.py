"""``replacement``: the replacement migration destinations need, as CSV."""

from __future__ import annotations

import argparse

from analysis.cli import common, places
from analysis.model import scenarios
from analysis.study import demand
from analysis.study.requests.replacement import ReplacementRequest

DESCRIPTION = ("Net immigration per 5-year period needed to keep a destination's total population, 15-64 "
               "population, or potential support ratio at a target (UN Replacement Migration, 2000), with migrants who "
               "age, die and have children in the projection. Columns: location, target, period_start, period_end, "
               "migrants, migrants_per_year, cumulative_migrants, total, working_age, potential_support_ratio.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--destination", action="append",
                        help="destination name, ISO-3/M49 code or group (EU27, GCC…); repeatable "
                             f"(default: {', '.join(demand.DEFAULT_DESTINATIONS)})")
    parser.add_argument("--target", default="working-age", choices=["total", "working-age", "support-ratio", "all"],
                        help="what to keep constant (default working-age)")
    parser.add_argument("--from", dest="base_year", type=int, default=2025, help="base year (default 2025)")
    parser.add_argument("--to", type=int, default=2050, help="last year (default 2050)")
    parser.add_argument("--ages", default="20-39", help="ages of the migrants, 5-year groups (default 20-39)")
    parser.add_argument("--female-share", type=common.number(), default=0.5,
                        help="share of women among migrants, 0 to 1 (default 0.5)")
    parser.add_argument("--floor", type=common.number(0.0, 50.0, low_open=True), default=None,
                        help="potential support ratio to keep, above 0 and at most 50 (support-ratio target only; "
                             "default: the base year's)")
    parser.add_argument("--variant", default="medium", choices=["medium", "low", "high"],
                        help="WPP fertility variant of the projection (default medium)")
    parser.add_argument("--no-emigration", action="store_true",
                        help="never ask for net emigration (periods above target need no migrants)")


def run(args: argparse.Namespace) -> int:
    request = ReplacementRequest.parse(args.destination, args.target, args.base_year, args.to, args.ages,
                                       args.female_share, args.floor, args.variant, not args.no_emigration)
    common.write_csv(request.run())
    # the runs it solves from: the variant's WPP inputs with and without migration
    places.provenance(scenarios.files_used([scenarios.load(f"{args.variant}+zero-migration")]), request.destinations)
    return 0
