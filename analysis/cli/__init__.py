"""The command line, one module per command.

    python -m analysis fetch            # raw files into data/raw (mirror or pinned URLs)
    python -m analysis build            # processed Parquet tables into data/processed
    python -m analysis working-age --location Africa --ages 15-64 --years 2025,2055 --variant medium
    python -m analysis project --location Nigeria --scenario constant-fertility --to 2100 --ages 15-64
    python -m analysis project --list-scenarios
    python -m analysis replacement --destination EU27 --target working-age --to 2050
    python -m analysis pathway --config my-pathway.yml --to 2060
    python -m analysis stocks --year 2024 --by corridor --origin Nigeria
    python -m analysis flows --origin "Saudi Arabia" --destination Ethiopia --period 2015 --type return
    python -m analysis methods          # reports/methods.html, figures computed from the data
    python -m analysis report country_profile-nga country_profile-ken --jobs 2
    python -m analysis report --notebook africa_working_age -p location SADC -p ages 20-39 --name my-sadc
    python -m analysis partnerships --origin Africa --destination Germany --sector health
    python -m analysis education --location Nigeria --ages 25-34 --years 2025,2040 --level post-secondary --sex female
    python -m analysis demand --destination Germany --by skill --years 2025,2050 --sex each
    python -m analysis uncertainty --location Africa --ages 15-64 --years 2025,2055 --trajectories 2000 --seed 1
    python -m analysis uncertainty --destination EU27 --replacement 15-64 --to 2050
    python -m analysis calibrate        # the trajectories' correlation parameters (analysis/model/trajectories.yml)

**How a command is written.**  A module ``analysis/cli/<command>.py`` holds
``DESCRIPTION``, ``configure(parser)`` (its options) and ``run(args)``, and is
listed in :data:`COMMANDS` with its one-line help.  ``run`` turns the
arguments into ONE request object of :mod:`analysis.study.requests` (which
checks every field when it is made: bad input stops there, in one line, before
any work), runs it (one descent through study → model → data), and writes the
result: CSV on stdout through :func:`analysis.cli.common.write_csv` (which
refuses non-finite numbers), ``note:`` and ``#`` provenance lines on stderr.
Only the chosen command's module is imported, so a data command never loads
what another command needs (statsmodels, scipy.stats, Matplotlib, Dask).

Exit status: 0 on success; 2 for bad input (unknown location, malformed age
band, year outside the data, unknown variant, invalid config file, …) and 3
for unusable data (a raw file or processed table missing or not matching its
checksum), each with one line on stderr saying what is wrong and what to do;
1 with one line for anything unexpected (``--debug`` or ``LMS_DEBUG=1`` adds
the traceback).  Input accepted with a note (a location given twice counts
once) prints one ``note:`` line on stderr.
Commands that print data end with ``#`` lines on stderr: the git commit and
whether the working tree had uncommitted changes, and the SHA-256 of each
scenario or config file they read.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
import warnings
from typing import Callable, Sequence

from analysis.cli.common import CommandParser, one_line
from analysis.errors import DataError, InputError, InputNote

#: Environment variable that, set to 1, makes every error print its traceback (as ``--debug`` does).
DEBUG_ENV = "LMS_DEBUG"

#: Every command: its module in this package and its one-line help (shown by ``python -m analysis --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "fetch": ("fetch", "fetch and verify the raw data files"),
    "build": ("build", "build the processed tables from the raw files"),
    "working-age": ("working_age", "working-age population as CSV"),
    "project": ("project", "cohort-component projection under scenarios, as CSV"),
    "replacement": ("replacement", "replacement migration needed by destinations, as CSV"),
    "pathway": ("pathway", "skills-partnership pathway flows and costs, as CSV"),
    "stocks": ("stocks", "international migrant stocks (UN DESA 2024) as CSV"),
    "flows": ("flows", "bilateral migration flows (Abel and Cohen 2022, or the project's own estimates) as CSV"),
    "partnerships": ("partnerships", "the cited dataset of labour-mobility partnerships, as CSV"),
    "education": ("education", "population by educational attainment (WIC 2018 shares on WPP 2024), as CSV"),
    "demand": ("demand", "a destination's workers by skill level or occupation: ILOSTAT, then a demographic proxy, "
                         "as CSV"),
    "uncertainty": ("uncertainty", "probabilistic projections: quantiles of a population, its change, or replacement "
                                   "migration, as CSV"),
    "calibrate": ("calibrate", "calibrate the trajectories' correlation parameters against WPP's population intervals"),
    "validate-intervals": ("validate_intervals", "simulated population intervals against WPP's: the targets, as CSV"),
    "verify": ("verify", "check the raw files and processed tables against their checksums"),
    "matrix": ("matrix", "check reports.yml and write the per-report parameter files for Make"),
    "report": ("report", "build reports of reports.yml, or an ad hoc report (ipynb and HTML)"),
    "site": ("site", "write reports/index.html"),
    "methods": ("methods", "write reports/methods.html from docs/methods.md, with its figures computed from the data"),
}


def build_parser(command: str | None = None) -> CommandParser:
    """The parser, with the options of ``command`` only (the others are listed with their help).

    Importing a command's module is what costs time, so only the chosen one is
    imported (by name, from :data:`COMMANDS`).
    """
    parser = CommandParser(prog="analysis", description="Labour-mobility scenarios from WPP 2024 and related data.")
    parser.add_argument("--debug", action="store_true",
                        help=f"show the traceback of an error (also {DEBUG_ENV}=1); may be given anywhere")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    for name, (module_name, help_line) in COMMANDS.items():
        if name != command:
            commands.add_parser(name, help=help_line)
            continue
        module = importlib.import_module(f"{__name__}.{module_name}")
        sub = commands.add_parser(name, help=help_line, description=module.DESCRIPTION)
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def _show_warning(previous: Callable) -> Callable:
    """A ``warnings.showwarning`` printing input notes as one ``note:`` line (other warnings as before)."""

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, InputNote):
            print(f"note: {one_line(message)}", file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module notes)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")
    arguments = [argument for argument in arguments if argument != "--debug"]
    command = arguments[0] if arguments and arguments[0] in COMMANDS else None
    with warnings.catch_warnings():
        warnings.simplefilter("always", InputNote)
        warnings.showwarning = _show_warning(warnings.showwarning)
        try:
            args = build_parser(command).parse_args(arguments)
            return args.run(args)
        except (InputError, DataError) as error:
            if debug:
                traceback.print_exc()
            print(f"error: {one_line(error)}", file=sys.stderr)
            return error.exit_status
        except BrokenPipeError:  # e.g. piped into `head`
            return 0
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130
        except Exception as error:  # anything unexpected: one line, the traceback on request
            if debug:
                traceback.print_exc()
            print(f"error: unexpected {type(error).__name__}: {one_line(error) or 'no message'} "
                  f"(run with --debug or {DEBUG_ENV}=1 for the traceback)", file=sys.stderr)
            return 1


def run() -> None:
    """Entry point of ``python -m analysis`` and ``labour-mobility``: :func:`main`, then exit at once.

    The process ends with ``os._exit`` after flushing stdout and stderr, so
    that the exit status is always :func:`main`'s: at normal interpreter
    teardown, pyarrow's thread pools can abort the process ("terminate called
    without an active exception", exit status 134) after the work is done
    (apache/arrow#34314).
    """
    try:
        status = main()
    except SystemExit as done:  # --help, --version
        status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    os._exit(status)
