"""``methods``: reports/methods.html from docs/methods.md, its figures computed from the data."""

from __future__ import annotations

import argparse

from analysis.report import methods

DESCRIPTION = "write reports/methods.html from docs/methods.md, with its figures computed from the data"


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    target = methods.build_methods()
    print(f"wrote {target}")
    return 0
