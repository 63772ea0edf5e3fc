"""``partnerships``: the cited dataset of labour-mobility partnerships, as CSV."""

from __future__ import annotations

import argparse
import sys

from analysis.study.partnerships import records
from analysis.study.requests.partnerships import PartnershipsRequest

DESCRIPTION = ("Print the partnerships matching every filter as CSV: the columns of partnerships.csv (see "
               "analysis/study/partnerships/data/PARTNERSHIPS.md) and `sources`, the ids of the sources of the row's "
               "values (quotes in partnership_sources.csv). Repeat a filter, or separate sectors and models by commas, "
               "to match any of several values.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--origin", action="append",
                        help="country of origin: name, ISO-3 or M49 code, or group (Africa, ECOWAS…)")
    parser.add_argument("--destination", action="append",
                        help="country of destination: name, ISO-3 or M49 code, or group (EU27, GCC…)")
    parser.add_argument("--sector", action="append", help=f"one of: {', '.join(records.VOCABULARIES['sector'])}")
    parser.add_argument("--model", action="append", help=f"one of: {', '.join(records.VOCABULARIES['model'])}")


def run(args: argparse.Namespace) -> int:
    request = PartnershipsRequest.parse(args.origin, args.destination, args.sector, args.model)
    # empty cells are unknown values of the dataset, not missing numbers
    request.run().to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.15g")
    return 0
