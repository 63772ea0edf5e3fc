"""``calibrate``: the trajectories' correlation parameters, fitted to WPP's population intervals."""

from __future__ import annotations

import argparse

from analysis.cli import common
from analysis.model import calibration, trajectories

DESCRIPTION = ("Fit the correlation over time and across countries of the sampled TFR, e0 and migration to WPP "
               "2024's total-population intervals (about 5 minutes) and write analysis/model/trajectories.yml "
               "(or --output).")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trajectories", type=common.whole(50, 100_000, "trajectories"),
                        default=calibration.DEFAULT_TRAJECTORIES,
                        help=f"trajectories per evaluation (default {calibration.DEFAULT_TRAJECTORIES})")
    parser.add_argument("--seed", type=common.whole(0, 2**63 - 1, "random seed"), default=calibration.DEFAULT_SEED,
                        help=f"seed of the common random numbers (default {calibration.DEFAULT_SEED})")
    parser.add_argument("--migration", choices=list(trajectories.MIGRATION_MODES), default="rate",
                        help="migration sampled as rates (default) or counts")
    parser.add_argument("--output", default=None, help="file to write (default analysis/model/trajectories.yml)")


def run(args: argparse.Namespace) -> int:
    calibration.calibrate(args.trajectories, args.seed, args.migration, args.output)
    return 0
