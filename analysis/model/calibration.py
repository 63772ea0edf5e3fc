"""Calibration of the trajectories' correlation parameters against WPP 2024's total-population intervals.

WPP publishes each component's quantiles (TFR, e0, annual migration) but not
how they are correlated over time or across countries; both shape the
population intervals, which WPP also publishes (``population_quantiles``).
The parameters are chosen so that simulated intervals reproduce WPP's
(``python -m analysis calibrate``; about 30 minutes on two busy cores).

Objective
---------
The error of a bound b ∈ {2.5, 10, 90, 97.5 %} of a location in a year is
``log(sim_b / wpp_b) / log(wpp_u80 / wpp_l80)``: a relative error, as the
validation targets are, in units of WPP's 80 % width that year (in logs),
which weighs early and late years alike and the lower bound of a skewed
interval (DR Congo's 2100 interval runs from 275 to 802 million) as much as
its upper bound.  A location's loss is the mean squared error over bounds
and fit years (its square root: the location's RMS error); the pooled
objective is the mean RMS error, each capped at ``RMS_CAP`` (a whole 80 %
width) so that the few locations WPP gives extreme intervals cannot
dominate.  Aggregates also count their median (the targets include it).
Fit years: 2030–2045 and 2055–2095; the validation years 2050 and 2100 are
left out.  Every candidate uses the same trajectories (common random
numbers: one seed), and the validation uses other seeds.

Stages (coordinate descent on grids; country marginals do not depend on
``rho``, so time parameters are fitted on countries and loadings on
aggregates):

1. **Time correlation, pooled**, on countries with at least 1 million
   people: TFR ``phi`` and process form, e0 ``phi`` (started at zero),
   migration's annual ``phi``; twice.
2. **Migration persistence by country.** WPP's migration model has
   country-specific autoregressive coefficients, and its intervals show it:
   Liberia's annual bounds (±300 thousand on 5.7 million people) fit its
   population bounds only if years are nearly independent, Armenia's or
   Angola's wide, skewed population bounds only if migration persists.  Each
   country gets the annual ``phi`` of the grid that minimises its own loss
   over all fit years, where that improves its RMS error by at least
   ``MIGRATION_MIN_GAIN`` (5 % of its 80 % width) over the pooled value; TFR
   and e0 are refitted.  A choice per country rests on that country's own
   quantiles, so this stage runs ``MIGRATION_TRAJECTORIES`` trajectories
   (with 300, the 2.5 % bound of a country rests on 7 of them, and the
   choices vary with the seed).
3. **Persistence of high fertility.**  The upper-tail process of
   :class:`analysis.model.trajectories.UpperTail` (a one-factor
   survival-Clayton copula mixed with the Gaussian process) for countries
   whose median TFR in 2025–2030 is at least ``min_tfr``: every
   ``theta`` × ``gaussian_share`` of the grid is run for all countries at
   once, and ``min_tfr`` is chosen afterwards from the countries' own losses
   (a country's marginals do not depend on the others').
4. **Cross-country loadings** ``rho`` of TFR and e0, on the World, the
   continents, the SDG regions and the sub-regions, each summed from its
   countries per trajectory; twice.  Migration has none: the world's net
   migration is zero in every trajectory.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.data.tables import atomic_write_text, read_table
from analysis.errors import InputError
from analysis.model import trajectories, trajectory_runs, validation
from analysis.model.trajectories import Correlation, Parameters, UpperTail

FIT_YEARS = (2030, 2035, 2040, 2045, 2055, 2060, 2065, 2070, 2075, 2080, 2085, 2090, 2095)
MIGRATION_FIT_YEARS = FIT_YEARS
#: Trajectories of stage 2 (a choice per country needs more than a pooled one).
MIGRATION_TRAJECTORIES = 1000
BOUND_KEYS = ("l95", "l80", "u80", "u95")
#: Aggregates are fitted on their medians too.
AGGREGATE_KEYS = ("l95", "l80", "median", "u80", "u95")
PROBS = {"l95": 0.025, "l80": 0.10, "median": 0.5, "u80": 0.90, "u95": 0.975}
TFR_PHI_GRID = (0.7, 0.8, 0.9, 0.95, 0.98, 1.0)
E0_PHI_GRID = (0.8, 0.95, 1.0)
MIGRATION_PHI_GRID = (-0.6, -0.3, 0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95)
RHO_GRID = (0.0, 0.05, 0.1, 0.2, 0.35)
#: The upper-tail process of high fertility: copula parameter, share of the Gaussian process, threshold of TFR.
TAIL_THETA_GRID = (1.0, 2.0, 4.0, 8.0)
TAIL_SHARE_GRID = (0.0, 0.3, 0.6)
TAIL_MIN_TFR_GRID = (2.5, 3.0, 3.5, 4.0)
#: Trajectories per task of a calibration run (any size gives the same numbers; larger is faster here).
CHUNK_SIZE = 25
#: A country gets its own migration persistence only if it lowers its RMS error by this much (in 80 % widths).
MIGRATION_MIN_GAIN = 0.05
#: Cap of a location's RMS error in the pooled objective.
RMS_CAP = 1.0
AGGREGATE_KINDS = ("world", "region", "subregion", "sdg_region")
DEFAULT_TRAJECTORIES = 300
DEFAULT_SEED = 20240711


class CalibrationError(InputError):
    """A calibration that cannot be run as asked (e.g. nowhere to write its result)."""


def pooled(loss: np.ndarray) -> float:
    """Mean over locations of the RMS error, each capped at :data:`RMS_CAP` (locations without a loss left out)."""
    return float(np.nanmean(np.minimum(np.sqrt(loss), RMS_CAP)))


@dataclass
class Reference:
    """WPP's bounds on the fit years: (L, Y) arrays for the countries and (A, Y) for the aggregates."""

    years: tuple
    country: dict
    aggregate: dict
    aggregate_members: list
    aggregate_names: list


def reference(codes: np.ndarray, years: Sequence[int] = FIT_YEARS, processed_dir: Path | None = None) -> Reference:
    """WPP's 1 July bounds for the countries and for WPP's regional aggregates with at least two of them."""
    table = validation.wpp_population_intervals(years, processed_dir).set_index(["location_code", "year"])

    def laid_out(code_list: list[int]) -> dict:
        frame = table.reindex(pd.MultiIndex.from_product([code_list, list(years)]))
        return {key: frame[key].to_numpy().reshape(len(code_list), len(years)) for key in AGGREGATE_KEYS}

    membership = read_table("location_groups", processed_dir)
    membership = membership[membership["group_kind"].isin(AGGREGATE_KINDS)]
    masks, names, aggregate_codes = [], [], []
    for (code, name), part in membership.groupby(["group_code", "group"], sort=True):
        mask = np.isin(codes, part["location_code"].to_numpy())
        if mask.sum() < 2 or pd.isna(code):
            continue
        masks.append(mask)
        names.append(name)
        aggregate_codes.append(int(code))
    return Reference(tuple(years), laid_out([int(c) for c in codes]), laid_out(aggregate_codes), masks, names)


def losses(totals: np.ndarray, years: np.ndarray, ref: Reference, which: str = "country") -> np.ndarray:
    """Loss per location: mean over bounds (and, for aggregates, the median) and fit years of squared log errors.

    The error of a bound is ``log(sim / WPP) / log(WPP's u80 / l80)`` (see the module notes); bounds WPP puts
    at zero are left out.

    Parameters
    ----------
    totals : (N, L, T) array
        Simulated total population per trajectory, country and year.
    which : {"country", "aggregate"}
    """
    columns = [list(years).index(year) for year in ref.years]
    if which == "country":
        values, wanted, keys = totals[:, :, columns], ref.country, BOUND_KEYS
    else:
        values = np.stack([totals[:, mask][:, :, columns].sum(axis=1) for mask in ref.aggregate_members], axis=1)
        wanted, keys = ref.aggregate, AGGREGATE_KEYS
    simulated = np.quantile(values, [PROBS[key] for key in keys], axis=0)  # (K, L, Y)
    target = np.stack([wanted[key] for key in keys])
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.log(wanted["u80"] / wanted["l80"])
        width = np.where(np.isfinite(width) & (width > 1e-6), width, np.nan)
        error = np.log(np.maximum(simulated, 1.0) / target) / width[None]
    error = np.where(np.isfinite(error), error, np.nan)
    return np.nanmean(error ** 2, axis=(0, 2))


class Calibrator:
    """Evaluates candidate parameters on the same trajectories, logging each evaluation."""

    def __init__(self, n_trajectories: int, seed: int, migration: str = "rate", processed_dir: Path | None = None,
                 say: Callable[[str], None] = print):
        self.n, self.seed, self.migration, self.processed_dir, self.say = n_trajectories, seed, migration, processed_dir, say
        model = trajectories.make_model(seed=seed, processed_dir=processed_dir)
        self.codes = model.codes
        self.ref = reference(self.codes, processed_dir=processed_dir)
        self.large = validation.large_countries(self.codes, processed_dir)
        self.evaluations = 0
        self.last: tuple[np.ndarray, np.ndarray] | None = None

    def totals(self, params: Parameters) -> tuple[np.ndarray, np.ndarray]:
        model = trajectories.make_model(seed=self.seed, params=params, migration=self.migration,
                                        processed_dir=self.processed_dir)
        result = trajectory_runs.run(model, self.n, chunk_size=CHUNK_SIZE, scheduler="threads", progress=False)
        return result.band("all"), result.years

    def evaluate(self, params: Parameters, which: str = "country") -> np.ndarray:
        start = time.perf_counter()
        totals, years = self.totals(params)
        loss = losses(totals, years, self.ref, which)
        self.evaluations += 1
        self.last = (totals, years)
        summary = self.summarise(loss, which)
        compact = {name: {k: v for k, v in values.items() if k != "country_phi"} for name, values in params.to_dict().items()}
        self.say(f"  {which} loss {summary:.6f}  {compact}  ({time.perf_counter() - start:.1f} s)")
        return loss

    def summarise(self, loss: np.ndarray, which: str) -> float:
        return pooled(loss[self.large]) if which == "country" else pooled(loss)

    def score(self, params: Parameters, which: str = "country") -> float:
        return self.summarise(self.evaluate(params, which), which)


def grid_search(calibrator: Calibrator, params: Parameters, component: str, name: str, grid: Sequence,
                which: str = "country", **fixed) -> tuple[Parameters, float]:
    """The best value of one field of one component on a grid, the others held."""
    best, best_score = params, np.inf
    for value in grid:
        current = getattr(params, component)
        values = {"phi": current.phi, "rho": current.rho, "process": current.process, "country_phi": current.country_phi}
        values.update({name: value, **fixed})
        if values["process"] == "stationary" and values["phi"] >= 1.0:
            continue
        candidate = params.replace(**{component: Correlation(**values)})
        score = calibrator.score(candidate, which)
        if score < best_score:
            best, best_score = candidate, score
    return best, best_score


def fit_time(calibrator: Calibrator, params: Parameters, rounds: int = 2, migration: bool = True) -> Parameters:
    """Stage 1: pooled time correlation of TFR (phi and process), e0 and migration."""
    for _ in range(rounds):
        best = None
        for process in trajectories.PROCESSES:
            grid = [value for value in TFR_PHI_GRID if process == "from_zero" or value < 1.0]
            candidate, score = grid_search(calibrator, params, "tfr", "phi", grid, process=process)
            if best is None or score < best[1]:
                best = (candidate, score)
        params = best[0]
        params, _ = grid_search(calibrator, params, "e0", "phi", E0_PHI_GRID, process="from_zero")
        if migration:
            params, _ = grid_search(calibrator, params, "migration", "phi", MIGRATION_PHI_GRID, process="stationary")
    return params


def fit_migration_by_country(calibrator: Calibrator, params: Parameters,
                             n_trajectories: int = MIGRATION_TRAJECTORIES) -> tuple[Parameters, pd.DataFrame]:
    """Stage 2: each country's annual persistence of migration, where it helps (see the module notes)."""
    columns = [list(calibrator.ref.years).index(year) for year in MIGRATION_FIT_YEARS]
    fitted = Reference(MIGRATION_FIT_YEARS, {k: v[:, columns] for k, v in calibrator.ref.country.items()}, {}, [], [])
    larger = Calibrator(max(n_trajectories, calibrator.n), calibrator.seed, calibrator.migration,
                        calibrator.processed_dir, calibrator.say)
    table = []
    for phi in MIGRATION_PHI_GRID:
        larger.evaluate(params.replace(migration=Correlation(phi, params.migration.rho, "stationary")))
        totals, years = larger.last
        table.append(losses(totals, years, fitted))
    calibrator.evaluations += larger.evaluations
    table = np.array(table)  # (G, L)
    grid = np.array(MIGRATION_PHI_GRID)
    best = grid[table.argmin(axis=0)]
    pooled_loss = table[np.abs(grid - params.migration.phi).argmin()]
    gain = np.sqrt(pooled_loss) - np.sqrt(table.min(axis=0))
    specific = gain >= MIGRATION_MIN_GAIN
    chosen = np.where(specific, best, params.migration.phi)
    own = tuple((int(code), float(value)) for code, value, keep in zip(calibrator.codes, chosen, specific) if keep)
    params = params.replace(migration=Correlation(params.migration.phi, params.migration.rho, "stationary", own))
    names = read_table("locations", calibrator.processed_dir).set_index("location_code")["name"]
    report = pd.DataFrame({"location_code": calibrator.codes, "location": names.reindex(calibrator.codes).to_numpy(),
                           "phi": chosen, "specific": specific, "rms_best": np.sqrt(table.min(axis=0)),
                           "rms_pooled": np.sqrt(pooled_loss)})
    return params, report


def fit_upper_tail(calibrator: Calibrator, params: Parameters) -> tuple[Parameters, pd.DataFrame]:
    """Stage 3: the upper-tail process of high fertility (see the module notes).

    Returns
    -------
    Parameters, DataFrame
        The parameters with the chosen ``tfr_upper_tail`` (None if no
        candidate beats the Gaussian process), and each candidate's pooled
        score for the countries of at least 1 million people.
    """
    without = params.replace(tfr_upper_tail=None)
    baseline = calibrator.evaluate(without)
    data = trajectories.sampler_inputs(processed_dir=calibrator.processed_dir)
    tfr = np.exp(data.tfr[:, 0, 0])
    rows = [{"theta": np.nan, "gaussian_share": np.nan, "min_tfr": np.nan,
             "score": calibrator.summarise(baseline, "country")}]
    best, best_score = without, rows[0]["score"]
    for theta in TAIL_THETA_GRID:
        for share in TAIL_SHARE_GRID:
            everywhere = calibrator.evaluate(params.replace(tfr_upper_tail=UpperTail(0.0, theta, share)))
            for min_tfr in TAIL_MIN_TFR_GRID:
                combined = np.where(tfr >= min_tfr, everywhere, baseline)
                score = calibrator.summarise(combined, "country")
                rows.append({"theta": theta, "gaussian_share": share, "min_tfr": min_tfr, "score": score})
                if score < best_score:
                    best, best_score = params.replace(tfr_upper_tail=UpperTail(min_tfr, theta, share)), score
    calibrator.say(f"  upper tail: {best.tfr_upper_tail} (pooled {best_score:.6f}; Gaussian {rows[0]['score']:.6f})")
    return best, pd.DataFrame(rows)


def fit_cross(calibrator: Calibrator, params: Parameters, rounds: int = 2) -> Parameters:
    """Stage 4: common-factor loadings of TFR and e0, fitted on the aggregates (migration has none)."""
    for _ in range(rounds):
        for component in ("tfr", "e0"):
            params, _ = grid_search(calibrator, params, component, "rho", RHO_GRID, which="aggregate")
    return params


def _block_text(dumper: yaml.SafeDumper, data: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(str, _block_text)


def calibrate(n_trajectories: int = DEFAULT_TRAJECTORIES, seed: int = DEFAULT_SEED, migration: str = "rate",
              output: Path | None = None, processed_dir: Path | None = None,
              say: Callable[[str], None] = print) -> Parameters:
    """Run the four stages and write the parameters with the method, settings and objective values.

    Parameters
    ----------
    output : Path, optional
        Where to write (the package's ``trajectories.yml`` by default).

    Returns
    -------
    Parameters
    """
    target = Path(output) if output is not None else trajectories.CALIBRATION_FILE
    if not target.parent.is_dir() or target.is_dir():
        raise CalibrationError(f"cannot write the calibration to {target}: "
                               + ("it is a directory" if target.is_dir() else f"no folder {target.parent}"))
    started = time.perf_counter()
    calibrator = Calibrator(n_trajectories, seed, migration, processed_dir, say)
    params = Parameters(tfr=Correlation(0.95, 0.0, "from_zero"), e0=Correlation(0.95, 0.0, "from_zero"),
                        migration=Correlation(0.6, 0.0, "stationary"))
    say("stage 1: pooled time correlation")
    params = fit_time(calibrator, params, rounds=2)
    stage1 = calibrator.score(params)
    say("stage 2: migration persistence by country")
    params, report = fit_migration_by_country(calibrator, params)
    say(report[report["specific"]].sort_values("phi").to_string(index=False))
    params = fit_time(calibrator, params, rounds=1, migration=False)
    stage2 = calibrator.score(params)
    say("stage 3: persistence of high fertility")
    params, tails = fit_upper_tail(calibrator, params)
    stage3 = calibrator.score(params)
    say("stage 4: cross-country loadings")
    params = fit_cross(calibrator, params)
    stage4 = calibrator.score(params, "aggregate")
    specific = report[report["specific"]]
    tail_countries = int(trajectories.upper_tail_countries(
        trajectories.sampler_inputs(processed_dir=processed_dir), params)[calibrator.large].sum())
    record = {
        "parameters": params.to_dict(),
        "method": __doc__.strip(),
        "settings": {"trajectories": n_trajectories, "seed": seed, "migration": migration,
                     "fit_years": list(FIT_YEARS), "migration_fit_years": list(MIGRATION_FIT_YEARS),
                     "migration_trajectories": MIGRATION_TRAJECTORIES,
                     "grids": {"tfr_phi": list(TFR_PHI_GRID), "e0_phi": list(E0_PHI_GRID),
                               "migration_phi": list(MIGRATION_PHI_GRID), "rho": list(RHO_GRID),
                               "tail_theta": list(TAIL_THETA_GRID), "tail_gaussian_share": list(TAIL_SHARE_GRID),
                               "tail_min_tfr": list(TAIL_MIN_TFR_GRID)},
                     "migration_min_gain": MIGRATION_MIN_GAIN, "rms_cap": RMS_CAP, "error": "log"},
        "objective": {"countries_after_stage_1": round(stage1, 6), "countries_after_stage_2": round(stage2, 6),
                      "countries_after_stage_3": round(stage3, 6), "aggregates_after_stage_4": round(stage4, 6),
                      "gaussian_tfr_before_stage_3": round(float(tails["score"].iloc[0]), 6),
                      "evaluations": calibrator.evaluations,
                      "minutes": round((time.perf_counter() - started) / 60, 1)},
        "countries_with_own_migration_phi": int(len(specific)),
        "countries_with_upper_tail_tfr": tail_countries,
        "date": datetime.date.today().isoformat(),
    }
    header = ("# Correlation parameters of the probabilistic projections (analysis.model.trajectories), calibrated\n"
              "# against WPP 2024's total-population intervals by `python -m analysis calibrate`; do not edit by hand.\n")
    atomic_write_text(target, header + yaml.dump(record, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110))
    say(f"wrote {target} after {calibrator.evaluations} evaluations in {(time.perf_counter() - started) / 60:.1f} min")
    return params
