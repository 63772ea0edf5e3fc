"""``verify``: the raw files and processed tables against their checksums."""

from __future__ import annotations

import argparse

from analysis.cli.common import one_line
from analysis.data import integrity
from analysis.errors import DataError

DESCRIPTION = ("Check every raw file against its pinned SHA-256 and every processed table against "
               "data/processed/manifest.json. Exit status 3 when something is missing or corrupt; with --remove, remove "
               "what is corrupt and the manifest that vouches for it (so that `make data` fetches and rebuilds it) and exit 0.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remove", action="store_true", help="remove corrupt files and their manifests (`make data` does)")


def run(args: argparse.Namespace) -> int:
    problems = integrity.verify(remove=args.remove)
    if problems and not args.remove:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise DataError(problems[0] + more)
    for problem in problems:
        print(f"removed: {one_line(problem)}")
    if problems:
        print(f"{len(problems)} problems: the files concerned and their manifests were removed; Make fetches and rebuilds them")
    else:
        print("raw files and processed tables match their checksums")
    return 0
