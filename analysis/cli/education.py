"""``education``: population by educational attainment (WIC 2018 shares on WPP 2024), as CSV."""

from __future__ import annotations

import argparse

from analysis.cli import common, places
from analysis.study.requests.education import EducationRequest

DESCRIPTION = ("Print WPP 2024 population by education level (persons), with the Wittgenstein Centre's 2018 "
               "SSP2 shares applied country by country, as CSV: location, year, sex, ages, education, population. "
               "Levels: under-15, none, incomplete-primary, primary, lower-secondary, upper-secondary, post-secondary, "
               "and post-secondary's sub-levels short-post-secondary, bachelor, master-and-higher where WIC splits it. "
               "Members WIC does not cover are left out, and a note on stderr names them.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--location", action="append",
                        help="name, ISO-3 or M49 code, or group (ECOWAS, SADC, EAC…); repeatable (default Africa)")
    parser.add_argument("--ages", default="15-64", help="age band on 5-year groups, e.g. 25-34, 15-64, 15+ (default 15-64)")
    parser.add_argument("--years", default="2025", help="comma-separated years among 1950, 1955, …, 2100 (default 2025)")
    parser.add_argument("--level", default=None,
                        help="education level(s), comma-separated, e.g. post-secondary (default: all levels)")
    parser.add_argument("--sex", default="both", help="both, male, female, or each (men and women as rows) (default both)")
    parser.add_argument("--variant", default="medium", help="WPP variant: medium, low or high (default medium)")


def run(args: argparse.Namespace) -> int:
    request = EducationRequest.parse(args.location, args.ages, args.years, args.sex, args.level, args.variant)
    table, coverage_notes = request.run()
    common.write_csv(table)
    common.notes(coverage_notes)
    places.groups(request.locations)
    return 0
