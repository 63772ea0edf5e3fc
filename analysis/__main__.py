"""Command line: a thin layer over the package.

    python -m analysis fetch            # raw files into data/raw (mirror or pinned URLs)
    python -m analysis build            # processed Parquet tables into data/processed
    python -m analysis working-age --location Africa --ages 15-64 --years 2025,2055 --variant medium
    python -m analysis project --location Nigeria --scenario constant-fertility --to 2100 --ages 15-64
    python -m analysis project --list-scenarios
    python -m analysis replacement --destination EU27 --target working-age --to 2050
    python -m analysis pathway --config my-pathway.yml --to 2060
    python -m analysis stocks --year 2024 --by corridor --origin Nigeria
    python -m analysis methods          # reports/methods.html, figures computed from the data
    python -m analysis report country_profile-nga country_profile-ken --jobs 2
    python -m analysis report --notebook africa_working_age -p location SADC -p ages 20-39 --name my-sadc
    python -m analysis partnerships --origin Africa --destination Germany --sector health
    python -m analysis education --location Nigeria --ages 25-34 --years 2025,2040 --level post-secondary --sex female
    python -m analysis uncertainty --location Africa --ages 15-64 --years 2025,2055 --trajectories 2000 --seed 1
    python -m analysis uncertainty --destination EU27 --replacement 15-64 --to 2050
    python -m analysis calibrate        # the trajectories' correlation parameters (analysis/model/trajectories.yml)

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

import argparse
import dataclasses
import math
import os
import sys
import time
import traceback
import warnings
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data import build as build_module
from analysis.data import integrity, sources
from analysis.data.conventions import check_variants, check_years, parse_age_band
from analysis.data.locations import resolve, resolve_all
from analysis.errors import DataError, InputError, InputNote, note
from analysis.model import calibration, scenarios, trajectories, trajectory_runs, validation
from analysis.report import batch, custom_runs, file_provenance, matrix, methods, runner, site_index
from analysis.study import demand, indicators, migration, pathways, skills, uncertainty
from analysis.study.partnerships import records as partnerships


#: Environment variable that, set to 1, makes every error print its traceback (as ``--debug`` does).
DEBUG_ENV = "LMS_DEBUG"


class UsageError(InputError):
    """Bad command-line input; reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit status 2
        command = " ".join(self.prog.split()[1:])
        raise UsageError(f"{message} (see `python -m analysis {command + ' ' if command else ''}--help`)")


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _parse_years(text: str) -> list[int]:
    years = []
    for part in _split_list(text):
        try:
            years.append(int(part))
        except ValueError:
            raise UsageError(f"year {part!r} is not a whole number; give years like 2025,2055 (1950, 1955, …, 2100)") from None
    if not years:
        raise UsageError("no years given; give years like 2025,2055 (1950, 1955, …, 2100)")
    return years


def _number(low: float | None = None, high: float | None = None, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number within bounds (``low`` exclusive when ``low_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if low is not None and (value <= low if low_open else value < low) or high is not None and value > high:
            lower = "" if low is None else f"{'above' if low_open else 'at least'} {low:g}"
            upper = "" if high is None else f"at most {high:g}"
            raise argparse.ArgumentTypeError(f"{text} must be {' and '.join(p for p in (lower, upper) if p)}")
        return value

    parse.__name__ = "number"
    return parse


def _check_finite(table: pd.DataFrame, allow_missing: Sequence[str] = ()) -> None:
    """Raise unless every number is finite (``allow_missing`` columns may be empty, never infinite)."""
    numeric = table.select_dtypes("number")
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    bad = np.isinf(values) | np.isnan(values) & ~numeric.columns.isin(list(allow_missing))[None, :]
    if bad.any():
        column = numeric.columns[int(np.argmax(bad.any(axis=0)))]
        raise RuntimeError(f"the result has non-finite values in column {column!r}; nothing was printed")


def _write_csv(table: pd.DataFrame, allow_missing: Sequence[str] = ()) -> None:
    """Print a table as CSV, refusing non-finite numbers (a wrong number must never reach exit status 0)."""
    _check_finite(table, allow_missing)
    table.to_csv(sys.stdout, index=False, lineterminator="\n")


def _check_span(start: int, end: int) -> tuple[int, int]:
    """--from and --to: multiples of 5 within 1950–2100, in order."""
    for label, year in (("--from", start), ("--to", end)):
        if year % 5 or not 1950 <= year <= 2100:
            raise UsageError(f"{label} {year} must be one of 1950, 1955, …, 2100")
    if end <= start:
        raise UsageError(f"--to {end} must come after --from {start}")
    return start, end


def _provenance(files) -> None:
    """The code's state and each scenario or config file read, with its SHA-256: ``#`` lines on stderr."""
    for line in file_provenance.command_lines(files):
        print(line, file=sys.stderr)


def _cmd_fetch(args: argparse.Namespace) -> int:
    sources.fetch(progress=print)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    build_module.build(progress=print)
    return 0


def _cmd_working_age(args: argparse.Namespace) -> int:
    band = parse_age_band(args.ages)
    years = check_years(_parse_years(args.years))
    variants = check_variants(_split_list(args.variant))
    locations = resolve_all(args.location or ["Africa"])
    table = indicators.working_age_table(locations, band.label, years, variants)
    _write_csv(table.assign(population=table["population"].round().astype("int64")))
    _provenance([])
    return 0


def _cmd_project(args: argparse.Namespace) -> int:
    if args.list_scenarios:
        given = [option for option, value in (("--location", args.location), ("--scenario", args.scenario),
                 ("--from", args.base_year), ("--to", args.to), ("--ages", args.ages)) if value is not None]
        if given:
            raise UsageError(f"--list-scenarios lists the built-in scenarios and takes no other option; drop {given[0]}")
        for row in scenarios.list_scenarios().itertuples():
            print(f"{row.scenario:34s} {row.description}")
        return 0
    band = parse_age_band(args.ages or "15-64")
    start, end = _check_span(2025 if args.base_year is None else args.base_year, 2100 if args.to is None else args.to)
    locations = resolve_all(args.location or ["Africa"])
    specs = [scenarios.load(reference) for reference in args.scenario or ["medium"]]
    population = scenarios.projected_population(locations, specs, start, end)
    table = indicators.age_band_total(population, band)[["location", "scenario", "year", "ages", "population"]]
    _write_csv(table.assign(population=table["population"].round().astype("int64")))
    _provenance(scenarios.files_used(specs))
    return 0


def _cmd_replacement(args: argparse.Namespace) -> int:
    _check_span(args.base_year, args.to)
    if args.floor is not None and args.target not in ("support-ratio", "all"):
        raise UsageError(f"--floor sets the support-ratio target's floor and does nothing with --target {args.target}; "
                         "drop it, or use --target support-ratio (or all)")
    if args.no_emigration and args.target == "support-ratio":
        raise UsageError("--no-emigration does nothing with --target support-ratio, which never asks for emigration; "
                         "drop it, or use --target total, working-age or all")
    profile = demand.MigrantProfile(args.ages, args.female_share)
    profile.weights()  # validates the band and the share
    targets = demand.TARGETS if args.target == "all" else [args.target]
    tables = [
        demand.replacement_migration(args.destination or list(demand.DEFAULT_DESTINATIONS), target, args.base_year,
                                     args.to, profile, args.floor if target == "support-ratio" else None,
                                     args.variant, not args.no_emigration)
        for target in targets
    ]
    table = pd.concat(tables, ignore_index=True)
    _check_finite(table)  # before rounding: a non-finite value must not reach the cast
    for column in ("migrants", "migrants_per_year", "cumulative_migrants", "total", "working_age"):
        table[column] = table[column].round().astype("int64")
    table["potential_support_ratio"] = table["potential_support_ratio"].round(4)
    _write_csv(table)
    # the runs it solves from: the variant's WPP inputs with and without migration
    _provenance(scenarios.files_used([scenarios.load(f"{args.variant}+zero-migration")]))
    return 0


def _cmd_pathway(args: argparse.Namespace) -> int:
    if args.config is not None:
        parameters = pathways.PathwayParameters.from_yaml(args.config)
    else:
        parameters = pathways.PathwayParameters()
    for place in (parameters.origin, parameters.destination):
        resolve(place)  # unknown origin or destination: exit 2 with close matches
    if args.to is not None and not parameters.start_year <= args.to <= 2100:
        raise UsageError(f"--to {args.to} must be from the pathway's start_year {parameters.start_year} to 2100")
    table = pathways.simulate(parameters, last_year=args.to)
    if args.by_sex:
        table = pathways.flows_by_sex(table)
    # no cost per migrant before the first arrival, nor per skilled worker before the first graduate
    _write_csv(table.round(2), allow_missing=["cost_per_migrant", "cost_per_skilled_worker"])
    _provenance(pathways.config_files(parameters))
    return 0


def _cmd_stocks(args: argparse.Namespace) -> int:
    table = migration.stocks_table(args.year, args.by, args.origin, args.destination)
    _write_csv(table)
    _provenance([])
    return 0


def _cmd_partnerships(args: argparse.Namespace) -> int:
    table, values, _ = partnerships.load_dataset()
    sectors = [item for text in args.sector or [] for item in _split_list(text)]
    models = [item for text in args.model or [] for item in _split_list(text)]
    chosen = partnerships.select(table, args.origin, args.destination, sectors, models)
    # empty cells are unknown values of the dataset, not missing numbers
    partnerships.with_sources(chosen, values).to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.15g")
    return 0


def _cmd_education(args: argparse.Namespace) -> int:
    band = parse_age_band(args.ages)
    years = check_years(_parse_years(args.years))
    table, coverage = skills.education_table(args.location or ["Africa"], band.label, years, args.sex, args.level,
                                             args.variant)
    _write_csv(table.assign(population=table["population"].round().astype("int64")))
    for line in skills.coverage_note(coverage):
        print(f"note: {line}", file=sys.stderr)
    return 0


def _whole(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number within bounds."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({what})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} must be from {low:,} to {high:,} ({what})")
        return value

    parse.__name__ = "whole number"
    return parse


def _parse_quantiles(text: str) -> list[float]:
    values = []
    for part in _split_list(text):
        try:
            values.append(float(part))
        except ValueError:
            raise UsageError(f"quantile {part!r} is not a number; give probabilities like 0.1,0.5,0.9") from None
    return uncertainty.check_quantiles(values)


#: --replacement values and the targets of the replacement solver.
REPLACEMENT_TARGETS = {"total": "total", "15-64": "working-age", "working-age": "working-age",
                       "support-ratio": "support-ratio"}


def _cmd_uncertainty(args: argparse.Namespace) -> int:
    probs = _parse_quantiles(args.quantiles)
    trajectory_runs.check_scheduler(args.scheduler)
    spec = scenarios.load(args.scenario) if args.scenario is not None else None
    common = {"n_trajectories": args.trajectories, "seed": args.seed, "scenario": spec,
              "migration_uncertainty": not args.no_migration_uncertainty, "scheduler": args.scheduler}
    if args.replacement is not None:
        given = [option for option, value in (("--location", args.location), ("--ages", args.ages),
                 ("--years", args.years)) if value is not None]
        if given:
            raise UsageError(f"{given[0]} asks for population quantiles and does nothing with --replacement; drop it "
                             "(the migrants' ages are --migrant-ages, the last year --to)")
        if args.floor is not None and args.replacement != "support-ratio":
            raise UsageError(f"--floor sets the support-ratio target's floor and does nothing with --replacement "
                             f"{args.replacement}; drop it, or use --replacement support-ratio")
        end_year = 2050 if args.to is None else args.to
        _check_span(2025, end_year)
        destinations = resolve_all(args.destination or ["EU27"])
        if args.no_emigration and args.replacement == "support-ratio":
            raise UsageError("--no-emigration does nothing with --replacement support-ratio, which never asks for "
                             "emigration; drop it")
        request = trajectories.ReplacementRequest(tuple(place.name for place in destinations),
                                                  REPLACEMENT_TARGETS[args.replacement], args.migrant_ages,
                                                  args.female_share, args.floor, not args.no_emigration)
        request.weights()  # the migrants' ages and share of women, before any work
        result = uncertainty.simulate(destinations, ("all",), end_year=end_year, replacement=request, **common)
        table = uncertainty.replacement_quantiles(result, probs, horizons=[end_year])
        _check_finite(table)
        table["migrants_per_year"] = table["migrants_per_year"].round().astype("int64")
        _write_csv(table)
    else:
        for option, value in (("--destination", args.destination), ("--to", args.to), ("--floor", args.floor),
                              ("--no-emigration", args.no_emigration or None)):
            if value is not None:
                raise UsageError(f"{option} goes with --replacement (the distribution of replacement migration); "
                                 "drop it, or add --replacement 15-64 (or total, support-ratio)")
        band = parse_age_band(args.ages or "15-64")
        years = uncertainty.check_trajectory_years(_parse_years(args.years or "2025,2055"))
        places = resolve_all(args.location or ["Africa"])
        end_year = max(max(years), 2030)
        result = uncertainty.simulate(places, (band.label,), end_year=end_year, **common)
        table = uncertainty.population_quantiles(result, places, band.label, years, probs)
        table = table.assign(population=table["population"].round().astype("int64"))[
            ["location", "year", "ages", "quantile", "population"]]
        if len(years) >= 2:
            first, last = min(years), max(years)
            change = uncertainty.change_quantiles(result, places, band.label, first, last, probs)
            change = pd.DataFrame({"location": change["location"], "year": f"{first}-{last}", "ages": change["ages"],
                                   "quantile": change["quantile"], "population": change["change"].round().astype("int64")})
            table = pd.concat([table, change], ignore_index=True)
        _write_csv(table)
    _provenance(([] if spec is None else scenarios.files_used([spec])) + [trajectories.parameters_file_record()])
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    calibration.calibrate(args.trajectories, args.seed, args.migration, args.output)
    return 0


def _cmd_validate_intervals(args: argparse.Namespace) -> int:
    trajectory_runs.check_scheduler(args.scheduler)
    check = validation.validate_intervals(args.trajectories, args.seed, migration_switch=False,
                                          scheduler=args.scheduler)
    _write_csv(check.targets.assign(measured=check.targets["measured"].round(5)))
    _provenance([trajectories.parameters_file_record()])
    return 0 if check.passed else 1


def _cmd_matrix(args: argparse.Namespace) -> int:
    runner.remove_stale_scratch()
    runs = matrix.load_matrix()
    changed = matrix.write_make_inputs(runs)
    print(f"report matrix: {len(runs)} reports; {changed} parameter files changed")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    problems = integrity.verify(remove=args.remove)
    if problems and not args.remove:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise DataError(problems[0] + more)
    for problem in problems:
        print(f"removed: {_one_line(problem)}")
    if problems:
        print(f"{len(problems)} problems: the files concerned and their manifests were removed; Make fetches and rebuilds them")
    else:
        print("raw files and processed tables match their checksums")
    return 0


def _count(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _cmd_report(args: argparse.Namespace) -> int:
    if args.notebook is not None:
        if args.names:
            raise UsageError("give report names from reports.yml or --notebook for an ad hoc run, not both")
        runs = [custom_runs.custom_run(args.notebook, args.parameter or [], args.report_name)]
    else:
        if args.parameter or args.report_name is not None:
            raise UsageError("-p and --name are for an ad hoc run: add --notebook NOTEBOOK (the reports of "
                             "reports.yml take their parameters from there)")
        if not args.names:
            raise UsageError("name a report of reports.yml (e.g. country_profile-nga), or give --notebook NOTEBOOK "
                             "for an ad hoc run")
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


def _cmd_methods(args: argparse.Namespace) -> int:
    target = methods.build_methods()
    print(f"wrote {target}")
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    runner.remove_stale_scratch()
    runs = matrix.load_matrix()
    path = site_index.build_index(runs)
    failed = site_index.failed_reports(runs)
    print(f"wrote {runner.shown(path)}" + (f" ({len(failed)} failed reports marked: {', '.join(failed)})" if failed else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    pathway_fields = sorted(f.name for f in dataclasses.fields(pathways.PathwayParameters) if f.name != "notes")
    parser = _Parser(prog="analysis", description="Labour-mobility scenarios from WPP 2024 and related data.")
    parser.add_argument("--debug", action="store_true",
                        help=f"show the traceback of an error (also {DEBUG_ENV}=1); may be given anywhere")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fetch = commands.add_parser("fetch", help="fetch and verify the raw data files",
                                description=f"Fetch raw files into data/raw; set {paths.MIRROR_ENV} to copy from a local mirror.")
    fetch.set_defaults(run=_cmd_fetch)

    build = commands.add_parser("build", help="build the processed tables from the raw files")
    build.set_defaults(run=_cmd_build)

    working = commands.add_parser(
        "working-age",
        help="working-age population as CSV",
        description="Print the population in an age band (persons) as CSV: location, year, variant, ages, population.",
    )
    working.add_argument("--location", action="append",
                         help="name, ISO-3 or M49 code, or group (EU27, GCC, ECOWAS…); repeatable (default Africa)")
    working.add_argument("--ages", default="15-64", help="age band on 5-year groups, e.g. 15-64, 20-39, 65+ (default 15-64)")
    working.add_argument("--years", default="2025,2055", help="comma-separated years among 1950, 1955, …, 2100 (default 2025,2055)")
    working.add_argument("--variant", default="medium", help="medium, low, high or estimates; comma-separated for several (default medium)")
    working.set_defaults(run=_cmd_working_age)

    project = commands.add_parser(
        "project",
        help="cohort-component projection under scenarios, as CSV",
        description="Project all countries from --from to --to under a scenario and print the population in an age "
        "band (persons) as CSV: location, scenario, year, ages, population.",
    )
    project.add_argument("--location", action="append",
                         help="name, ISO-3 or M49 code, or group; repeatable (default Africa)")
    project.add_argument("--scenario", action="append",
                         help="built-in name, path to a YAML file, or a+b to compose; repeatable (default medium)")
    project.add_argument("--from", dest="base_year", type=int, help="base year (default 2025)")
    project.add_argument("--to", type=int, help="last year, up to 2100 (default 2100)")
    project.add_argument("--ages", help="age band on 5-year groups (default 15-64)")
    project.add_argument("--list-scenarios", action="store_true", help="list the built-in scenarios and exit")
    project.set_defaults(run=_cmd_project)

    replacement = commands.add_parser(
        "replacement",
        help="replacement migration needed by destinations, as CSV",
        description="Net immigration per 5-year period needed to keep a destination's total population, 15-64 "
        "population, or potential support ratio at a target (UN Replacement Migration, 2000), with migrants who age, "
        "die and have children in the projection. Columns: location, target, period_start, period_end, migrants, "
        "migrants_per_year, cumulative_migrants, total, working_age, potential_support_ratio.",
    )
    replacement.add_argument("--destination", action="append",
                             help="destination name, ISO-3/M49 code or group (EU27, GCC…); repeatable "
                                  "(default: EU27, Europe, Northern America, GCC, Japan, Republic of Korea, Germany, Italy, United Kingdom)")
    replacement.add_argument("--target", default="working-age", choices=["total", "working-age", "support-ratio", "all"],
                             help="what to keep constant (default working-age)")
    replacement.add_argument("--from", dest="base_year", type=int, default=2025, help="base year (default 2025)")
    replacement.add_argument("--to", type=int, default=2050, help="last year (default 2050)")
    replacement.add_argument("--ages", default="20-39", help="ages of the migrants, 5-year groups (default 20-39)")
    replacement.add_argument("--female-share", type=_number(), default=0.5,
                             help="share of women among migrants, 0 to 1 (default 0.5)")
    replacement.add_argument("--floor", type=_number(0.0, 50.0, low_open=True), default=None,
                             help="potential support ratio to keep, above 0 and at most 50 (support-ratio target only; "
                                  "default: the base year's)")
    replacement.add_argument("--variant", default="medium", choices=["medium", "low", "high"],
                             help="WPP fertility variant of the projection (default medium)")
    replacement.add_argument("--no-emigration", action="store_true",
                             help="never ask for net emigration (periods above target need no migrants)")
    replacement.set_defaults(run=_cmd_replacement)

    pathway = commands.add_parser(
        "pathway",
        help="skills-partnership pathway flows and costs, as CSV",
        description="Simulate a skills-partnership pathway (home and away tracks) year by year from a YAML file of "
        f"parameters (any of: {', '.join(pathway_fields)}); the documented defaults where a parameter is not given.",
    )
    pathway.add_argument("--config", help="YAML file of pathway parameters (default: the documented defaults)")
    pathway.add_argument("--to", type=int, default=None,
                         help="last year of the run (default: the last intake year); later years show the last "
                              "graduations and the returns")
    pathway.add_argument("--by-sex", action="store_true",
                         help="print every people flow split into women and men (rows by year and sex)")
    pathway.set_defaults(run=_cmd_pathway)

    stocks_parser = commands.add_parser(
        "stocks",
        help="international migrant stocks (UN DESA 2024) as CSV",
        description="Print international migrant stocks (UN DESA International Migrant Stock 2024, persons on 1 July) "
        "as CSV: between regions, sub-regions or SDG regions of origin and destination, or country-to-country "
        "corridors, largest first.",
    )
    stocks_parser.add_argument("--year", default="2024", help="1990, 1995, …, 2020 or 2024 (default 2024)")
    stocks_parser.add_argument("--by", default="region", help="region, subregion, sdg_region or corridor (default region)")
    stocks_parser.add_argument("--origin", help="only migrants from this country, region or group "
                               "(name, ISO-3 or M49 code, e.g. Africa, NGA, ECOWAS)")
    stocks_parser.add_argument("--destination", help="only migrants living in this country, region or group")
    stocks_parser.set_defaults(run=_cmd_stocks)

    partnerships_parser = commands.add_parser(
        "partnerships",
        help="the cited dataset of labour-mobility partnerships, as CSV",
        description="Print the partnerships matching every filter as CSV: the columns of partnerships.csv (see "
        "analysis/study/partnerships/data/PARTNERSHIPS.md) and `sources`, the ids of the sources of the row's values "
        "(quotes in partnership_sources.csv). Repeat a filter, or separate sectors and models by commas, to match any "
        "of several values.",
    )
    partnerships_parser.add_argument("--origin", action="append",
                                     help="country of origin: name, ISO-3 or M49 code, or group (Africa, ECOWAS…)")
    partnerships_parser.add_argument("--destination", action="append",
                                     help="country of destination: name, ISO-3 or M49 code, or group (EU27, GCC…)")
    partnerships_parser.add_argument("--sector", action="append",
                                     help=f"one of: {', '.join(partnerships.VOCABULARIES['sector'])}")
    partnerships_parser.add_argument("--model", action="append",
                                     help=f"one of: {', '.join(partnerships.VOCABULARIES['model'])}")
    partnerships_parser.set_defaults(run=_cmd_partnerships)
    education_parser = commands.add_parser(
        "education",
        help="population by educational attainment (WIC 2018 shares on WPP 2024), as CSV",
        description="Print WPP 2024 population by education level (persons), with the Wittgenstein Centre's 2018 "
        "SSP2 shares applied country by country, as CSV: location, year, sex, ages, education, population. "
        "Levels: under-15, none, incomplete-primary, primary, lower-secondary, upper-secondary, post-secondary, and "
        "post-secondary's sub-levels short-post-secondary, bachelor, master-and-higher where WIC splits it. Members "
        "WIC does not cover are left out, and a note on stderr names them.",
    )
    education_parser.add_argument("--location", action="append",
                                  help="name, ISO-3 or M49 code, or group (ECOWAS, SADC, EAC…); repeatable (default Africa)")
    education_parser.add_argument("--ages", default="15-64", help="age band on 5-year groups, e.g. 25-34, 15-64, 15+ (default 15-64)")
    education_parser.add_argument("--years", default="2025", help="comma-separated years among 1950, 1955, …, 2100 (default 2025)")
    education_parser.add_argument("--level", default=None,
                                  help="education level(s), comma-separated, e.g. post-secondary (default: all levels)")
    education_parser.add_argument("--sex", default="both", help="both, male, female, or each (men and women as rows) (default both)")
    education_parser.add_argument("--variant", default="medium", help="WPP variant: medium, low or high (default medium)")
    education_parser.set_defaults(run=_cmd_education)
    quantiles_help = "comma-separated probabilities above 0 and below 1 (default 0.025,0.1,0.5,0.9,0.975)"
    uncertainty_parser = commands.add_parser(
        "uncertainty",
        help="probabilistic projections: quantiles of a population, its change, or replacement migration, as CSV",
        description="Project WPP 2024's uncertainty of fertility, mortality and migration (80 and 95 % intervals) "
        "through the engine, trajectory by trajectory, and print quantiles over the trajectories as CSV: location, "
        "year, ages, quantile, population (persons on 1 July). With two or more years, rows whose year is a span "
        "(2025-2055) give the quantiles of each trajectory's change from the first year to the last. With "
        "--replacement: the distribution of the yearly replacement migration a destination needs, solved per "
        "trajectory (destination, target, period_start, period_end, quantile, migrants_per_year), per period and "
        "averaged from 2025 to --to. The same seed gives the same numbers on any scheduler.",
    )
    uncertainty_parser.add_argument("--location", action="append",
                                    help="name, ISO-3 or M49 code, or group; repeatable (default Africa)")
    uncertainty_parser.add_argument("--ages", help="age band on 5-year groups (default 15-64)")
    uncertainty_parser.add_argument("--years", help="comma-separated years among 2025, 2030, …, 2100 (default 2025,2055)")
    uncertainty_parser.add_argument("--trajectories", type=_whole(1, uncertainty.MAX_TRAJECTORIES, "trajectories"),
                                    default=uncertainty.DEFAULT_TRAJECTORIES,
                                    help=f"number of trajectories (default {uncertainty.DEFAULT_TRAJECTORIES})")
    uncertainty_parser.add_argument("--seed", type=_whole(0, 2**63 - 1, "random seed"), default=1,
                                    help="random seed, 0 to 2**63-1 (default 1)")
    uncertainty_parser.add_argument("--scenario", help="built-in scenario, YAML file or a+b, applied to every "
                                    "trajectory (its variant must be medium; default: WPP's medium inputs)")
    uncertainty_parser.add_argument("--scheduler", default="threads",
                                    help="threads (default), synchronous, processes, or the address of a "
                                         "dask.distributed scheduler such as tcp://host:8786")
    uncertainty_parser.add_argument("--quantiles", default="0.025,0.1,0.5,0.9,0.975", help=quantiles_help)
    uncertainty_parser.add_argument("--no-migration-uncertainty", action="store_true",
                                    help="WPP's median migration in every trajectory (only fertility and mortality vary)")
    uncertainty_parser.add_argument("--destination", action="append",
                                    help="with --replacement: destination name, ISO-3/M49 code or group (default EU27)")
    uncertainty_parser.add_argument("--replacement", choices=["total", "15-64", "working-age", "support-ratio"],
                                    help="solve the replacement migration that keeps this at its base-year level "
                                         "(support-ratio: at or above --floor)")
    uncertainty_parser.add_argument("--to", type=int, default=None, help="with --replacement: last year (default 2050)")
    uncertainty_parser.add_argument("--floor", type=_number(0.0, 50.0, low_open=True), default=None,
                                    help="support ratio to keep (--replacement support-ratio; default: the base year's)")
    uncertainty_parser.add_argument("--migrant-ages", default="20-39", help="ages of the migrants (default 20-39)")
    uncertainty_parser.add_argument("--female-share", type=_number(0.0, 1.0), default=0.5,
                                    help="share of women among migrants, 0 to 1 (default 0.5)")
    uncertainty_parser.add_argument("--no-emigration", action="store_true",
                                    help="with --replacement total or 15-64: never ask for net emigration (a period "
                                         "above the target needs no migrants)")
    uncertainty_parser.set_defaults(run=_cmd_uncertainty)

    calibrate_parser = commands.add_parser(
        "calibrate", help="calibrate the trajectories' correlation parameters against WPP's population intervals",
        description="Fit the correlation over time and across countries of the sampled TFR, e0 and migration to WPP "
        "2024's total-population intervals (about 5 minutes) and write analysis/model/trajectories.yml (or --output).")
    calibrate_parser.add_argument("--trajectories", type=_whole(50, 100_000, "trajectories"),
                                  default=calibration.DEFAULT_TRAJECTORIES,
                                  help=f"trajectories per evaluation (default {calibration.DEFAULT_TRAJECTORIES})")
    calibrate_parser.add_argument("--seed", type=_whole(0, 2**63 - 1, "random seed"), default=calibration.DEFAULT_SEED,
                                  help=f"seed of the common random numbers (default {calibration.DEFAULT_SEED})")
    calibrate_parser.add_argument("--migration", choices=list(trajectories.MIGRATION_MODES), default="rate",
                                  help="migration sampled as rates (default) or counts")
    calibrate_parser.add_argument("--output", default=None, help="file to write (default analysis/model/trajectories.yml)")
    calibrate_parser.set_defaults(run=_cmd_calibrate)

    intervals_parser = commands.add_parser(
        "validate-intervals", help="simulated population intervals against WPP's: the targets, as CSV",
        description="Project every country and compare the simulated 80 % bounds of total population in 2050 and "
        "2100 with WPP's published ones; print each target with the measured value (exit status 1 if one fails).")
    intervals_parser.add_argument("--trajectories", type=_whole(100, uncertainty.MAX_TRAJECTORIES, "trajectories"),
                                  default=1000, help="number of trajectories (default 1000)")
    intervals_parser.add_argument("--seed", type=_whole(0, 2**63 - 1, "random seed"), default=1,
                                  help="random seed (default 1)")
    intervals_parser.add_argument("--scheduler", default="threads", help="as for `uncertainty` (default threads)")
    intervals_parser.set_defaults(run=_cmd_validate_intervals)

    verify = commands.add_parser(
        "verify", help="check the raw files and processed tables against their checksums",
        description="Check every raw file against its pinned SHA-256 and every processed table against "
        "data/processed/manifest.json. Exit status 3 when something is missing or corrupt; with --remove, remove "
        "what is corrupt and the manifest that vouches for it (so that `make data` fetches and rebuilds it) and exit 0.")
    verify.add_argument("--remove", action="store_true", help="remove corrupt files and their manifests (`make data` does)")
    verify.set_defaults(run=_cmd_verify)

    matrix = commands.add_parser("matrix", help="check reports.yml and write the per-report parameter files for Make")
    matrix.set_defaults(run=_cmd_matrix)
    report = commands.add_parser(
        "report", help="build reports of reports.yml, or an ad hoc report (ipynb and HTML)",
        description="Build reports of reports.yml into reports/ (several at once on --jobs worker processes, each "
        "with a warm kernel), or, with --notebook, an ad hoc report into reports/custom/. A failed report keeps the "
        "previous one and prints one line naming the notebook, the parameters and the failing cell (exit status 1).")
    report.add_argument("names", nargs="*", metavar="NAME", help="report names from reports.yml, e.g. country_profile-nga")
    report.add_argument("--notebook", help="an ad hoc report of this notebook (e.g. africa_working_age), outside reports.yml")
    report.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="a parameter of the ad hoc report, repeatable; VALUE is text or a number, a list as "
                        "'[medium, low]', None for none (checked against the notebook's parameters)")
    report.add_argument("--name", dest="report_name",
                        help="the ad hoc report's name: lower-case letters, digits, '-' and '_' (default: the "
                        "notebook and the values, e.g. africa_working_age-sadc-20-39)")
    report.add_argument("-j", "--jobs", type=_count, default=None,
                        help="worker processes for several reports (default: one per core)")
    report.add_argument("--restart-every", type=_count, default=None,
                        help=f"reports per kernel before a worker starts a new one, to cap memory (default {runner.RESTART_EVERY})")
    report.set_defaults(run=_cmd_report)
    index_page = commands.add_parser("site", help="write reports/index.html")
    index_page.set_defaults(run=_cmd_site)
    methods_help = "write reports/methods.html from docs/methods.md, with its figures computed from the data"
    methods_page = commands.add_parser("methods", help=methods_help, description=methods_help)
    methods_page.set_defaults(run=_cmd_methods)
    return parser


def _show_warning(previous: Callable) -> Callable:
    """A ``warnings.showwarning`` printing input notes as one ``note:`` line (other warnings as before)."""

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, InputNote):
            print(f"note: {_one_line(message)}", file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module notes)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")
    arguments = [argument for argument in arguments if argument != "--debug"]
    with warnings.catch_warnings():
        warnings.simplefilter("always", InputNote)
        warnings.showwarning = _show_warning(warnings.showwarning)
        try:
            args = build_parser().parse_args(arguments)
            return args.run(args)
        except (InputError, DataError) as error:
            if debug:
                traceback.print_exc()
            print(f"error: {_one_line(error)}", file=sys.stderr)
            return error.exit_status
        except BrokenPipeError:  # e.g. piped into `head`
            return 0
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130
        except Exception as error:  # anything unexpected: one line, the traceback on request
            if debug:
                traceback.print_exc()
            print(f"error: unexpected {type(error).__name__}: {_one_line(error) or 'no message'} "
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


if __name__ == "__main__":
    run()
