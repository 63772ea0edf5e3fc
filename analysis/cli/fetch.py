"""``fetch``: the raw files into data/raw, from the pinned URLs or the mirror, each checked against its SHA-256."""

from __future__ import annotations

import argparse

from analysis import paths
from analysis.data import sources

DESCRIPTION = f"Fetch raw files into data/raw; set {paths.MIRROR_ENV} to copy from a local mirror."


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    sources.fetch(progress=print)
    return 0
