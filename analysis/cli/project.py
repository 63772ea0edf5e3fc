"""``project``: the engine's cohort-component projection under scenarios, as CSV."""

from __future__ import annotations

import argparse

from analysis.cli import common, places
from analysis.model import scenarios
from analysis.study.requests.population import ProjectionRequest

DESCRIPTION = ("Project all countries from --from to --to under a scenario and print the population in an age "
               "band (persons) as CSV: location, scenario, year, ages, population.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--location", action="append", help="name, ISO-3 or M49 code, or group; repeatable (default Africa)")
    parser.add_argument("--scenario", action="append",
                        help="built-in name, path to a YAML file, or a+b to compose built-in names; repeatable "
                             "(default medium)")
    parser.add_argument("--from", dest="base_year", type=int, help="base year (default 2025)")
    parser.add_argument("--to", type=int, help="last year, up to 2100 (default 2100)")
    parser.add_argument("--ages", help="age band on 5-year groups (default 15-64)")
    parser.add_argument("--list-scenarios", action="store_true", help="list the built-in scenarios and exit")


def run(args: argparse.Namespace) -> int:
    if args.list_scenarios:
        given = [option for option, value in (("--location", args.location), ("--scenario", args.scenario),
                 ("--from", args.base_year), ("--to", args.to), ("--ages", args.ages)) if value is not None]
        if given:
            raise common.UsageError(f"--list-scenarios lists the built-in scenarios and takes no other option; "
                                    f"drop {given[0]}")
        for row in scenarios.list_scenarios().itertuples():
            print(f"{row.scenario:34s} {row.description}")
        return 0
    request = ProjectionRequest.parse(args.location, args.scenario, args.ages, args.base_year, args.to)
    common.write_csv(request.run())
    places.provenance(request.files(), request.locations)
    common.comments(request.moved_lines())
    return 0
