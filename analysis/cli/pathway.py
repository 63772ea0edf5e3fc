"""``pathway``: a skills-partnership pathway's flows, costs and benefits year by year, as CSV."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from analysis.cli import common
from analysis.study import pathways
from analysis.study.requests.pathway import PathwayRequest


def description() -> str:
    fields = sorted(f.name for f in dataclasses.fields(pathways.PathwayParameters) if f.name != "notes")
    return ("Simulate a skills-partnership pathway (home and away tracks) year by year from a YAML file of "
            f"parameters (any of: {', '.join(fields)}); the documented defaults where a parameter is not given.")


DESCRIPTION = description()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML file of pathway parameters (default: the documented defaults)")
    parser.add_argument("--to", type=int, default=None,
                        help="last year of the run (default: the last intake year); later years show the last "
                             "graduations and the returns")
    parser.add_argument("--by-sex", action="store_true",
                        help="print every people flow and the remittances split into women and men (rows by year "
                             "and sex; a woman sends women_remittance_ratio times what a man sends, equal by default)")


def run(args: argparse.Namespace) -> int:
    request = PathwayRequest.parse(args.config, args.to, args.by_sex)
    table = request.run()
    for line in table.attrs["warnings"]:  # e.g. a short-course cost applied to a longer programme
        print(line, file=sys.stderr)
    # no cost per migrant before the first arrival, nor per skilled worker before the first graduate
    common.write_csv(table, allow_missing=["cost_per_migrant", "cost_per_skilled_worker"])
    common.provenance(request.files())
    return 0
