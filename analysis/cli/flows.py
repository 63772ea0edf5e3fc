"""``flows``: bilateral migration flows between two locations, as CSV."""

from __future__ import annotations

import argparse

from analysis.cli import common
from analysis.study.requests.flows import FlowsRequest

DESCRIPTION = ("Print bilateral migration flows (people who lived in the origin at the start of a period and in the "
               "destination at its end) as CSV, by period: the published estimates of Abel and Cohen (2022, UN DESA "
               "2020 stocks, 1990-1995 to 2015-2020) or the project's own with the same method on UN DESA 2024 "
               "stocks (to 2020-2024, a 4-year period). A group sums its member countries.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--origin", help="country, region or group people left (name, ISO-3 or M49 code, e.g. "
                        "Saudi Arabia, SAU, GCC); all countries by default")
    parser.add_argument("--destination", help="country, region or group people moved to; all countries by default")
    parser.add_argument("--period", help="start year of one period (1990, 1995, …, 2015; 2020 with --source "
                        "estimated); every period by default")
    parser.add_argument("--sex", default="both", help="both, female or male (default both)")
    parser.add_argument("--type", default="all", dest="kind",
                        help="all, outward (leaving the country of birth), return (to the country of birth) or "
                             "transit (neither) (default all)")
    parser.add_argument("--source", default="published",
                        help="published (Abel and Cohen 2022) or estimated (the project's own) (default published)")


def run(args: argparse.Namespace) -> int:
    request = FlowsRequest.parse(args.origin, args.destination, args.period, args.sex, args.kind, args.source)
    common.write_csv(request.run())
    common.provenance()
    return 0
