"""``matrix``: reports.yml checked, and the per-report parameter files Make reads."""

from __future__ import annotations

import argparse

from analysis.report import matrix, runner

DESCRIPTION = ("Check reports.yml against its schema and every parameter against its notebook, then write one "
               "parameter file per report (rewritten only when it changes) and Make's include file.")


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    runner.remove_stale_scratch()
    runs = matrix.load_matrix()
    changed = matrix.write_make_inputs(runs)
    print(f"report matrix: {len(runs)} reports; {changed} parameter files changed")
    return 0
