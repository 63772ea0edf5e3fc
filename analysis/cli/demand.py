"""``demand``: a destination's workers by skill level or occupation, observed and projected (demographic proxy), as CSV."""

from __future__ import annotations

import argparse

from analysis.cli import common
from analysis.study.requests.demand import DemandRequest

DESCRIPTION = ("Print a destination's workers by ILO skill level (high: ISCO-08 major groups 1-3, medium: 4-8, low: 9, "
               "unknown: armed forces and not classified) or by major group, as CSV: location, kind, year, year_text, "
               "group, sex, workers, source, measure. The first rows are observed (ILOSTAT employment in each "
               "member's reference year); the projected rows are a demographic proxy: that employment scaled by the "
               "growth of the 15-64 population of the same sex (WPP 2024), with no productivity or participation "
               "change. A group sums its members with data; a note on stderr names the others.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--destination", help="country (name, ISO-3 or M49 code) or group (EU27, GCC …)")
    parser.add_argument("--by", default="skill", help="skill (ILO skill levels) or occupation (ISCO-08 major groups) "
                                                      "(default skill)")
    parser.add_argument("--years", default="2025,2050",
                        help="comma-separated projection years among 2025, 2030, …, 2100 (default 2025,2050)")
    parser.add_argument("--sex", default="both", help="both (summed) or each (women and men as rows) (default both)")
    parser.add_argument("--variant", default="medium", help="WPP 2024 variant: medium, low or high (default medium)")


def run(args: argparse.Namespace) -> int:
    request = DemandRequest.parse(args.destination, args.by, args.years, args.sex, args.variant)
    table, notes = request.run()
    common.write_csv(table)
    common.notes(notes)
    common.provenance()
    return 0
