"""``working-age``: WPP 2024's population in an age band, as CSV."""

from __future__ import annotations

import argparse

from analysis.cli import common, places
from analysis.study.requests.population import WorkingAgeRequest

DESCRIPTION = "Print the population in an age band (persons) as CSV: location, year, variant, ages, population."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--location", action="append",
                        help="name, ISO-3 or M49 code, or group (EU27, GCC, ECOWAS…); repeatable (default Africa)")
    parser.add_argument("--ages", default="15-64", help="age band on 5-year groups, e.g. 15-64, 20-39, 65+ (default 15-64)")
    parser.add_argument("--years", default="2025,2055", help="comma-separated years among 1950, 1955, …, 2100 (default 2025,2055)")
    parser.add_argument("--variant", default="medium", help="medium, low, high or estimates; comma-separated for several (default medium)")


def run(args: argparse.Namespace) -> int:
    request = WorkingAgeRequest.parse(args.location, args.ages, args.years, args.variant)
    common.write_csv(request.run())
    places.provenance(places=request.locations)
    return 0
