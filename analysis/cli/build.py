"""``build``: every processed table from the raw files."""

from __future__ import annotations

import argparse

from analysis.data import build

DESCRIPTION = "Build the processed tables (data/processed) from the raw files, each checked as it is written."


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    build.build(progress=print)
    return 0
