"""``validate-intervals``: the simulated population intervals against WPP's published ones."""

from __future__ import annotations

import argparse

from analysis.cli import common
from analysis.model import trajectories, trajectory_runs, validation
from analysis.study import uncertainty

DESCRIPTION = ("Project every country and compare the simulated 80 % bounds of total population in 2050 and "
               "2100 with WPP's published ones, for the countries of at least 1 million people and seven of WPP's "
               "aggregates summed from their countries; print each target with the measured |relative error| "
               "(a fraction rounded to 0.001), its limit, whether it is met and where the worst error is "
               "(exit status 1 if one is not met).")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trajectories", type=common.whole(100, uncertainty.MAX_TRAJECTORIES, "trajectories"),
                        default=1000, help="number of trajectories (default 1000)")
    parser.add_argument("--seed", type=common.whole(0, 2**63 - 1, "random seed"), default=1, help="random seed (default 1)")
    parser.add_argument("--scheduler", default="threads", help="as for `uncertainty` (default threads)")


def run(args: argparse.Namespace) -> int:
    scheduler = trajectory_runs.check_scheduler(args.scheduler)
    check = validation.validate_intervals(args.trajectories, args.seed, migration_switch=False, scheduler=scheduler)
    common.write_csv(check.targets)
    common.notes([f"measured: |simulated / WPP - 1|, rounded to {10.0 ** -validation.MEASURED_DECIMALS:g}; "
                  f"{int(check.targets['passed'].sum())} of {len(check.targets)} targets met"])
    common.provenance([trajectories.parameters_file_record()])
    return 0 if check.passed else 1
