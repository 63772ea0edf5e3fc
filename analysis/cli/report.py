"""``report``: reports of reports.yml, or an ad hoc report of any notebook (ipynb and HTML)."""

from __future__ import annotations

import argparse
import sys
import time

from analysis.cli import common
from analysis.errors import note
from analysis.report import batch, custom_runs, runner

DESCRIPTION = ("Build reports of reports.yml into reports/ (several at once on --jobs worker processes, each "
               "with a warm kernel), or, with --notebook, an ad hoc report into reports/custom/. A failed report keeps "
               "the previous one and prints one line naming the notebook, the parameters and the failing cell (exit "
               "status 1).")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="report names from reports.yml, e.g. country_profile-nga")
    parser.add_argument("--notebook", help="an ad hoc report of this notebook (e.g. africa_working_age), outside reports.yml")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="a parameter of the ad hoc report, repeatable; VALUE is text or a number, a list as "
                        "'[medium, low]', None for none (checked against the notebook's parameters)")
    parser.add_argument("--name", dest="report_name",
                        help="the ad hoc report's name: lower-case letters, digits, '-' and '_' (default: the "
                        "notebook and the values, e.g. africa_working_age-sadc-20-39)")
    parser.add_argument("-j", "--jobs", type=common.count, default=None,
                        help="worker processes for several reports (default: one per core)")
    parser.add_argument("--restart-every", type=common.count, default=None,
                        help=f"reports per kernel before a worker starts a new one, to cap memory (default {runner.RESTART_EVERY})")


def run(args: argparse.Namespace) -> int:
    if args.notebook is not None:
        if args.names:
            raise common.UsageError("give report names from reports.yml or --notebook for an ad hoc run, not both")
        runs = [custom_runs.custom_run(args.notebook, args.parameter or [], args.report_name)]
    else:
        if args.parameter or args.report_name is not None:
            raise common.UsageError("-p and --name are for an ad hoc run: add --notebook NOTEBOOK (the reports of "
                                    "reports.yml take their parameters from there)")
        if not args.names:
            raise common.UsageError("name a report of reports.yml (e.g. country_profile-nga), or give --notebook "
                                    "NOTEBOOK for an ad hoc run")
        names = list(dict.fromkeys(args.names))
        if len(names) < len(args.names):
            note("a report named twice is built once")
        runs = runner.find_runs(names)

    def show(outcome: runner.Outcome) -> None:
        if outcome.error is None:
            print(f"wrote {runner.shown(outcome.path)} ({outcome.seconds:.1f} s)", flush=True)
        else:
            print(f"error: {outcome.error}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    outcomes = batch.build_reports(runs, args.jobs, args.restart_every, done=show)
    failed = [outcome.name for outcome in outcomes if outcome.error is not None]
    if len(runs) > 1:
        jobs = min(args.jobs or batch.default_jobs(), len(runs))
        print(f"built {len(runs) - len(failed)} of {len(runs)} reports in {time.perf_counter() - started:.1f} s "
              f"on {jobs} worker{'s' if jobs > 1 else ''}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0
