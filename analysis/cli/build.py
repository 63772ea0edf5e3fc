"""``build``: every processed table from the raw files."""

from __future__ import annotations

import argparse

from analysis.data import build
from analysis.model import flow_estimator

DESCRIPTION = ("Build the processed tables (data/processed) from the raw files, each checked as it is written, then "
               "the project's flow estimates (cached in data/cache/flows).")


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    build.build(progress=print)
    flow_estimator.warm_cache(progress=print)  # commands and reports then read the estimates in a fraction of a second
    return 0
