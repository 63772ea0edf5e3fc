"""``site``: reports/index.html."""

from __future__ import annotations

import argparse

from analysis.report import matrix, runner, site_index

DESCRIPTION = "Write reports/index.html: every report of reports.yml by group, with its headline numbers."


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    runner.remove_stale_scratch()
    runs = matrix.load_matrix()
    path = site_index.build_index(runs)
    failed = site_index.failed_reports(runs)
    print(f"wrote {runner.shown(path)}" + (f" ({len(failed)} failed reports marked: {', '.join(failed)})" if failed else ""))
    return 0
