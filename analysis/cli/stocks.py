"""``stocks``: international migrant stocks (UN DESA 2024), as CSV."""

from __future__ import annotations

import argparse

from analysis.cli import common
from analysis.study.requests.stocks import StocksRequest

DESCRIPTION = ("Print international migrant stocks (UN DESA International Migrant Stock 2024, persons on 1 July) "
               "as CSV: between regions, sub-regions or SDG regions of origin and destination, or country-to-country "
               "corridors, largest first.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", default="2024", help="1990, 1995, …, 2020 or 2024 (default 2024)")
    parser.add_argument("--by", default="region", help="region, subregion, sdg_region or corridor (default region)")
    parser.add_argument("--origin", help="only migrants from this country, region or group "
                        "(name, ISO-3 or M49 code, e.g. Africa, NGA, ECOWAS)")
    parser.add_argument("--destination", help="only migrants living in this country, region or group")


def run(args: argparse.Namespace) -> int:
    request = StocksRequest.parse(args.year, args.by, args.origin, args.destination)
    common.write_csv(request.run())
    common.provenance()
    return 0
