"""Probabilistic projections: joint TFR, life-expectancy and net-migration trajectories through the engine.

WPP 2024 publishes, for every country, the median and the 80 % and 95 %
bounds of the TFR and of life expectancy at birth by sex per 5-year period,
and of net migration per calendar year (the processed ``*_quantiles``
tables).  This module samples trajectories whose marginals reproduce those
five quantiles, projects them with the cohort-component engine
(:func:`analysis.model.projection.project_reduced`, vectorised over
trajectory × country rows) and keeps, per trajectory, country and year, only
the age bands asked for, and per trajectory the replacement migration a
destination needs.  The method, its calibration and its validation are in
``docs/methods.md`` (section *Probabilistic projections*); the calibrated
correlation parameters are ``trajectories.yml`` beside this file, written by
:mod:`analysis.model.calibration`.

Sampling
--------
* **Quantile functions.** Per country and period (per calendar year for
  migration), the quantile function is linear in the normal score z through
  WPP's five points (z = ±1.960, ±1.282, 0) and continues beyond the outer
  points with the slope of the outer segment (a normal tail).  TFR is
  interpolated on the log scale (it stays positive), e0 and migration on the
  natural scale; points are made non-decreasing.  A score of −1.282 gives
  exactly WPP's 10 % point, and so on.
* **Normal scores.**  Per component, a common factor ``F`` and one process
  ``E`` per country, each a unit-variance AR(1) over time, are mixed as
  ``Z = √rho F + √(1 − rho) E``: every score stays standard normal, and two
  countries correlate by ``rho``.  TFR and e0 move per period, migration per
  calendar year, with a country's own AR coefficient where the calibration
  found one.  The three components are independent; both sexes share the e0
  score.
* **High fertility persists, low fertility does not.**  In WPP's TFR model
  (bayesTFR) a country in its fertility transition declines along a
  country-specific curve plus noise until it reaches the post-transition
  phase, where it fluctuates around a long-term level: trajectories with a
  slow decline stay high, while those that fell early converge.  A Gaussian
  process treats both tails alike, and either makes the lower tail of the
  2100 population too low (persistent) or its upper tail too low (not
  persistent).  For countries whose median TFR in 2025–2030 is at least
  ``min_tfr`` (:class:`UpperTail`), ``E`` is therefore
  ``√g G + √(1 − g) K``: ``G`` the Gaussian AR(1) process above and ``K`` a
  one-factor survival-Clayton copula, ``K_t = −Φ⁻¹(S_t)`` with
  ``S_t = ((W_t^(−θ/(1+θ)) − 1) V^(−θ) + 1)^(−1/θ)``, ``V = Φ(−factor)``
  drawn once per trajectory and ``W_t`` per period: a high factor keeps the
  TFR high in every period (upper-tail dependence), a low one lets the
  periods wander independently.  ``K_t`` is exactly standard normal (it is
  the conditional quantile of a copula), so WPP's quantiles are still
  reproduced in every period.
* **Mortality.** The sampled e0 (a deviation from WPP's median, added to the
  e0 of the engine's own life table for WPP's death rates) is reached by
  multiplying the period's death rates by one factor per country, period and
  sex, found by inverting a grid of e0 against the log factor (no per
  trajectory loop).  A target outside the grid is refused, never clipped.
* **Migration.** Annual net migration is sampled for every calendar year; a
  period's deviation from the median is the sum of the annual deviations
  weighted ½, 1, 1, 1, 1, ½ over the years *t … t+5* (the weights that make
  WPP's annual medians add up to its period totals).  The sum is simulated:
  annual quantiles are never added up, which would assume perfectly
  correlated years.  **The world's net migration is zero in every
  trajectory**, as in WPP's migration model (Azose and Raftery 2015; bayesPop
  rebalances each trajectory): independent draws from WPP's right-skewed
  marginals would add about a hundred million migrants to the world over
  2025–2100 on average (:func:`expected_world_migration`).  Every country's period deviations are drawn for all countries,
  and the world's sum ``S`` (per period) is taken back from each country in
  proportion to its own covariance, ``D_i − C_i (Σ_j C_j)⁻¹ S``: the
  conditional expectation given a zero sum under a Gaussian approximation,
  with ``C_i`` the covariance of country i's period deviations implied by
  its annual standard deviations and its AR coefficient.  A country with
  little uncertainty is barely touched; no common factor (``rho``) is
  allowed for migration.  The deviation is spread over ages and sexes with
  WPP's own pattern for the period, ``|N(a, s)| / Σ|N|`` (defined where
  WPP's pattern mixes signs).  With ``migration="rate"`` (the default) a
  period's migrants are multiplied by the trajectory's population over WPP's
  median population at the period's start; ``"count"`` takes them as drawn.
* **The base year is fixed.**  Every trajectory starts from WPP's 1 July
  2025 population by age and sex (WPP's own intervals start on 1 January
  2024 and so show a small spread in 2025; the project takes WPP's estimate
  as known), so a change from 2025 is a change from one fixed population.
* **Scenarios** apply to every trajectory: fertility blocks act on each
  trajectory's TFR and mortality blocks on its e0 as they do on WPP's, a
  migration block's ``scale`` multiplies the sampled migration (0: none),
  and pathway flows are added.  The variant must be medium.
* **Randomness.** Trajectory ``i`` draws from
  ``SeedSequence(seed, spawn_key=(i,))`` a fixed block of normals for every
  country, whatever the horizon, the countries projected, the chunking or
  the scheduler: the same seed gives the same numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import ndtr, ndtri

from analysis import paths
from analysis.data import config
from analysis.data import locations as locations_module
from analysis.data.conventions import LAST_YEAR, parse_age_band
from analysis.data.tables import MANIFEST_NAME, load_manifest, sha256_of
from analysis.errors import InputError
from analysis.model import inputs as model_inputs
from analysis.model import projection, scenarios
from analysis.model import replacement as solver
from analysis.model.projection import N_AGES, STEP, ProjectionInputs

#: Probabilities of WPP's published points and their standard normal scores.
WPP_PROBS: tuple[float, ...] = (0.025, 0.10, 0.50, 0.90, 0.975)
Z_KNOTS = ndtri(np.array(WPP_PROBS))
BASE_YEAR = model_inputs.PROBABILISTIC_BASE_YEAR
FIRST_MIGRATION_YEAR = model_inputs.FIRST_MIGRATION_YEAR
#: Normal draws per country and trajectory, fixed so that numbers do not depend on the horizon.
MAX_PERIODS = (LAST_YEAR - BASE_YEAR) // STEP
MAX_MIGRATION_YEARS = LAST_YEAR - FIRST_MIGRATION_YEAR + 1
#: Per country: TFR, e0 and migration innovations, then the upper-tail copula's period draws and its factor.
DRAWS_PER_COUNTRY = 3 * MAX_PERIODS + MAX_MIGRATION_YEARS + 1
COMPONENTS = ("tfr", "e0", "migration")
PROCESSES = ("stationary", "from_zero")
MIGRATION_MODES = ("rate", "count")
#: Log factors of the death rates in the e0 grid (factor e^-3.5 … e^3, step 0.025).
E0_GRID = np.linspace(-3.5, 3.0, 261)
#: Calibrated correlation parameters (see analysis.model.calibration).
CALIBRATION_FILE = Path(__file__).with_name("trajectories.yml")
#: Location-trajectories per chunk: moderate engine calls are faster per location than very large ones.
ROWS_PER_CHUNK = 2000
#: Country-trajectories sampled at once when every country's migration is drawn (a chunk of few countries holds many
#: trajectories: sampling them in batches bounds its memory).
SAMPLED_ROWS = 20_000
AGE_STARTS = np.arange(0, 101, STEP)
#: Files whose code determines a run's numbers (part of a run's fingerprint).
CODE_FILES = ("trajectories.py", "projection.py", "replacement.py", "inputs.py", "scenarios.py", "demography.py",
              "people_flows.py", "pathway_flows.py")
#: Factors by which one period's net migration may change a population, from WPP's migration model (bayesPop,
#: R/balance_migration.R: min.multiplicative.pop.change, max.multiplicative.pop.change[.no.gcc], one period).
MIGRATION_CHANGE = {"other": (0.707796098, 1.409065294), "gulf": (0.707796098, 2.087025815)}
#: Qatar, United Arab Emirates, Kuwait, Bahrain, Oman, Saudi Arabia (bayesPop's is.gcc).
GULF_STATES = (634, 784, 414, 48, 512, 682)
#: Normal scores of the equal-probability grid on which the standard deviation of annual migration is computed.
_SD_GRID = ndtri((np.arange(400) + 0.5) / 400)
#: Processed tables a run reads (their checksums are part of its fingerprint).
INPUT_TABLES = ("population", "mortality", "tfr", "fertility_age_pattern", "sex_ratio_at_birth", "net_migration",
                "tfr_quantiles", "life_expectancy_quantiles", "migration_quantiles", "locations", "location_groups")


class TrajectoryError(InputError):
    """Invalid parameters or requests for probabilistic projections."""


# ---------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Correlation:
    """Dependence of one component's normal scores.

    Attributes
    ----------
    phi : float
        AR(1) coefficient per step (5-year period for TFR and e0, calendar
        year for migration), −1 < phi ≤ 1; also the common factor's.
    rho : float
        Loading of the common factor: the correlation of two countries'
        scores in the same period, 0 ≤ rho < 1.
    process : {"stationary", "from_zero"}
        ``stationary``: corr(Z_t, Z_t+k) = phi**k.  ``from_zero``: an AR(1)
        started at zero and rescaled to unit variance (phi = 1: a random
        walk, corr = √(t / (t + k))).
    country_phi : tuple of (M49 code, phi)
        Countries whose own process has another coefficient.
    """

    phi: float
    rho: float = 0.0
    process: str = "stationary"
    country_phi: tuple = ()

    def __post_init__(self):
        values = [self.phi] + [value for _, value in self.country_phi]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and -1.0 < v <= 1.0 for v in values):
            raise TrajectoryError(f"phi must be above -1 and at most 1, got {values}")
        if isinstance(self.rho, bool) or not isinstance(self.rho, (int, float)) or not 0.0 <= self.rho < 1.0:
            raise TrajectoryError(f"rho must be at least 0 and below 1, got {self.rho!r}")
        if self.process not in PROCESSES:
            raise TrajectoryError(f"process {self.process!r} is not one of {', '.join(PROCESSES)}")
        if self.process == "stationary" and max(values) >= 1.0:
            raise TrajectoryError("a stationary process needs phi < 1 (a random walk is process 'from_zero', phi 1)")

    def row_phi(self, codes: np.ndarray) -> np.ndarray:
        """AR coefficients of the common factor, then of each of ``codes``: (1 + L,)."""
        own = dict(self.country_phi)
        return np.array([self.phi] + [own.get(int(code), self.phi) for code in codes], dtype="float64")

    def to_dict(self) -> dict:
        out = {"phi": float(self.phi), "rho": float(self.rho), "process": self.process}
        if self.country_phi:
            out["country_phi"] = {int(code): float(value) for code, value in self.country_phi}
        return out

    @classmethod
    def from_dict(cls, values: Mapping, where: str = "correlation") -> "Correlation":
        if not isinstance(values, Mapping):
            raise TrajectoryError(f"{where} must be a mapping of phi, rho, process and country_phi")
        unknown = sorted(set(values) - {"phi", "rho", "process", "country_phi"})
        if unknown:
            raise TrajectoryError(f"{where}: unknown field {unknown[0]!r}; valid: phi, rho, process, country_phi")
        own = values.get("country_phi") or {}
        if not isinstance(own, Mapping):
            raise TrajectoryError(f"{where}: country_phi must map M49 codes to coefficients")
        try:
            pairs = tuple(sorted((int(code), float(value)) for code, value in own.items()))
        except (TypeError, ValueError):
            raise TrajectoryError(f"{where}: country_phi must map M49 codes to coefficients") from None
        return cls(phi=values.get("phi", 0.0), rho=values.get("rho", 0.0), process=values.get("process", "stationary"),
                   country_phi=pairs)


@dataclass(frozen=True)
class UpperTail:
    """Persistence of high fertility: the TFR process of countries still in their fertility transition.

    Attributes
    ----------
    min_tfr : float
        Countries whose WPP median TFR in 2025–2030 is at least this use the process.
    theta : float
        Parameter of the one-factor survival-Clayton copula (> 0): the
        larger, the more every period follows the trajectory's factor.
    gaussian_share : float
        Share of the score's variance from the Gaussian AR(1) process of
        the other countries (0 ≤ g < 1); the rest is the copula's.
    """

    min_tfr: float
    theta: float
    gaussian_share: float = 0.0

    def __post_init__(self):
        for name, low, high in (("min_tfr", 0.0, 20.0), ("theta", 0.0, 100.0), ("gaussian_share", 0.0, 1.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < high \
                    or (name == "theta" and value == 0.0):
                raise TrajectoryError(f"upper tail: {name} must be a number in [{low:g}, {high:g}){' and not 0' if name == 'theta' else ''}, "
                                      f"got {value!r}")

    def to_dict(self) -> dict:
        return {"min_tfr": float(self.min_tfr), "theta": float(self.theta), "gaussian_share": float(self.gaussian_share)}

    @classmethod
    def from_dict(cls, values: Mapping) -> "UpperTail":
        if not isinstance(values, Mapping):
            raise TrajectoryError("tfr_upper_tail must be a mapping of min_tfr, theta and gaussian_share")
        unknown = sorted(set(values) - {"min_tfr", "theta", "gaussian_share"})
        if unknown or not {"min_tfr", "theta"} <= set(values):
            raise TrajectoryError("tfr_upper_tail needs min_tfr and theta (and optionally gaussian_share)"
                                  + (f"; unknown field {unknown[0]!r}" if unknown else ""))
        return cls(values["min_tfr"], values["theta"], values.get("gaussian_share", 0.0))


@dataclass(frozen=True)
class Parameters:
    """The correlation parameters of the three components (see :class:`Correlation`) and the TFR's upper tail.

    Migration has no common factor: the world's net migration is zero in every trajectory.
    """

    tfr: Correlation = Correlation(0.95, 0.0, "stationary")
    e0: Correlation = Correlation(1.0, 0.2, "from_zero")
    migration: Correlation = Correlation(0.6, 0.0, "stationary")
    tfr_upper_tail: UpperTail | None = None

    def __post_init__(self):
        if self.migration.rho != 0.0:
            raise TrajectoryError(f"migration's common factor rho must be 0 (the world's net migration sums to zero in "
                                  f"every trajectory), got {self.migration.rho!r}")

    def to_dict(self) -> dict:
        out = {name: getattr(self, name).to_dict() for name in COMPONENTS}
        if self.tfr_upper_tail is not None:
            out["tfr_upper_tail"] = self.tfr_upper_tail.to_dict()
        return out

    @classmethod
    def from_dict(cls, values: Mapping) -> "Parameters":
        unknown = sorted(set(values) - set(COMPONENTS) - {"tfr_upper_tail"})
        if unknown:
            raise TrajectoryError(f"parameters: unknown component {unknown[0]!r}; valid: {', '.join(COMPONENTS)}, "
                                  "tfr_upper_tail")
        tail = values.get("tfr_upper_tail")
        return cls(**{name: Correlation.from_dict(values[name], name) for name in COMPONENTS if name in values},
                   tfr_upper_tail=None if tail is None else UpperTail.from_dict(tail))

    def replace(self, **changes) -> "Parameters":
        """A copy with some components (or ``tfr_upper_tail``) replaced."""
        return dataclasses.replace(self, **changes)


def load_parameters(path: Path | str | None = None) -> Parameters:
    """The calibrated parameters (``trajectories.yml``), or those of another calibration file.

    Raises
    ------
    TrajectoryError
        For a file that cannot be read or holds invalid parameters (one line).
    """
    path = Path(path) if path is not None else CALIBRATION_FILE
    document = config.read_mapping(path, "calibration file", TrajectoryError)
    if "parameters" not in document:
        raise TrajectoryError(f"calibration file {config.shown(path)} has no 'parameters'")
    return Parameters.from_dict(document["parameters"])


# ---------------------------------------------------------------- quantile functions
def quantile_slopes(points: np.ndarray) -> np.ndarray:
    """The median and the slopes (per unit of normal score) of the four segments through WPP's five points.

    Parameters
    ----------
    points : (..., 5) array
        Values at 2.5, 10, 50, 90 and 97.5 % (made non-decreasing first).

    Returns
    -------
    (..., 5) array
        The median, then the slopes of the segments, lowest first.
    """
    points = np.maximum.accumulate(np.asarray(points, dtype="float64"), axis=-1)
    slopes = np.diff(points, axis=-1) / np.diff(Z_KNOTS)
    return np.concatenate([points[..., 2:3], slopes], axis=-1)


def evaluate_quantiles(coefficients: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The quantile function at normal scores ``z``: linear through the five points, normal tails beyond.

    Parameters
    ----------
    coefficients : (..., 5) array
        From :func:`quantile_slopes`.
    z : array
        Broadcastable to ``coefficients.shape[:-1]`` (leading axes may be added).
    """
    c = coefficients
    k1, k3 = Z_KNOTS[1], Z_KNOTS[3]
    return (c[..., 0] + c[..., 1] * np.minimum(z - k1, 0.0) + c[..., 2] * np.clip(z, k1, 0.0)
            + c[..., 3] * np.clip(z, 0.0, k3) + c[..., 4] * np.maximum(z - k3, 0.0))


# ---------------------------------------------------------------- the sampler's inputs, built once
def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class SamplerInputs:
    """Everything the sampler needs from WPP, for all countries, 2025 to the end year (read-only arrays).

    Attributes
    ----------
    base : ProjectionInputs
        Medium-variant engine inputs.
    tfr : (L, P, 5)
        Quantile coefficients of log TFR.
    e0 : (L, P, 2, 5)
        Quantile coefficients of e0 by sex.
    e0_offset : (L, P, 2)
        e0 of the engine's life table for WPP's death rates minus WPP's median e0.
    migration : (L, Y, 5)
        Quantile coefficients of annual net migration (persons), years 2024 … end.
    migration_sd : (L, Y)
        Standard deviation of annual net migration under the quantile function (persons).
    period_weights : (P, Y)
        Weights of each calendar year in each period (½, 1, 1, 1, 1, ½).
    pattern : (L, P, 2, 21)
        Age–sex distribution of migration deviations per period.
    median_total : (L, P + 1)
        Total population of the engine on the medium inputs.
    e0_grid : (L, P, 2, G)
        e0 of WPP's death rates times ``exp(E0_GRID)`` (decreasing along G).
    codes : (L,)
        M49 codes, sorted: row i of every draw belongs to country i.
    stamp : str
        The processed tables' manifest checksum (part of a run's fingerprint).
    """

    base: ProjectionInputs
    tfr: np.ndarray
    e0: np.ndarray
    e0_offset: np.ndarray
    migration: np.ndarray
    migration_sd: np.ndarray
    period_weights: np.ndarray
    pattern: np.ndarray
    median_total: np.ndarray
    e0_grid: np.ndarray
    codes: np.ndarray
    stamp: str

    @property
    def n_periods(self) -> int:
        return self.base.n_periods

    @property
    def years(self) -> np.ndarray:
        return self.base.years


def migration_pattern(net: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``|N| / Σ|N|`` over sex and age; the ``fallback`` structure where a row has no migration at all."""
    magnitude = np.abs(net)
    total = magnitude.sum(axis=(-2, -1), keepdims=True)
    fallback = fallback / fallback.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, magnitude / np.where(total > 0, total, 1.0), fallback)


def e0_grid(mx: np.ndarray, grid: np.ndarray = E0_GRID) -> np.ndarray:
    """e0 of ``mx × exp(k)`` for every ``k`` of ``grid``: (..., 2, G), decreasing in k."""
    return np.stack([projection.life_table(mx * np.exp(k))["e0"] for k in grid], axis=-1)


def year_weights(periods: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Weights of calendar years in each 1 July–1 July period (½, 1, 1, 1, 1, ½): (P, Y)."""
    weights = np.zeros((len(periods), len(years)))
    for p, start in enumerate(periods):
        first = int(start) - int(years[0])
        weights[p, first: first + STEP + 1] = [0.5, 1.0, 1.0, 1.0, 1.0, 0.5]
    return weights


def quantile_sd(coefficients: np.ndarray) -> np.ndarray:
    """Standard deviation of the quantile function under a standard normal score (400 equal-probability points)."""
    deviations = [evaluate_quantiles(coefficients, z) - coefficients[..., 0] for z in _SD_GRID]
    mean = sum(deviations) / len(_SD_GRID)
    return np.sqrt(np.maximum(sum(d * d for d in deviations) / len(_SD_GRID) - mean * mean, 0.0))


def sampler_inputs(end_year: int = LAST_YEAR, processed_dir: Path | None = None) -> SamplerInputs:
    """The sampler's inputs for all countries, 2025 to ``end_year``: built once per end year and build of the tables.

    Raises
    ------
    TrajectoryError
        For an end year that is not one of 2030, 2035, …, 2100.
    """
    if isinstance(end_year, bool) or end_year % STEP or not BASE_YEAR < end_year <= LAST_YEAR:
        raise TrajectoryError(f"end year {end_year} must be one of 2030, 2035, …, 2100 (WPP's intervals start in 2025)")
    folder = Path(processed_dir or paths.PROCESSED)
    try:
        stamp = (folder / MANIFEST_NAME).stat().st_mtime_ns
    except OSError:
        stamp = None
    built = _built_sampler(int(end_year), str(folder.resolve()), stamp)
    # the arrays are read-only; the engine inputs' label and notes are not, so each caller gets its own
    return dataclasses.replace(built, base=dataclasses.replace(built.base, notes=dict(built.base.notes)))


@lru_cache(maxsize=4)
def _built_sampler(end_year: int, folder: str, stamp: int | None) -> SamplerInputs:  # noqa: ARG001 (stamp invalidates)
    processed_dir = Path(folder)
    base = model_inputs.wpp_inputs("medium", BASE_YEAR, end_year, processed_dir=processed_dir)
    codes = np.asarray(base.location_codes)
    quantiles = model_inputs.wpp_quantiles(end_year, codes, processed_dir)
    P = base.n_periods
    if np.abs(quantiles.tfr[..., 2] - base.tfr).max() > 1e-9:
        raise TrajectoryError("the median of WPP's TFR quantiles differs from the medium variant")
    own_e0 = projection.life_table(base.mx)["e0"]  # (L, P, 2)
    periods = BASE_YEAR + STEP * np.arange(P)
    weights = year_weights(periods, quantiles.migration_years)
    structure = np.broadcast_to(base.population[:, None], base.net_migrants.shape)
    migration = quantile_slopes(quantiles.migration)
    median_total = projection.project(base).population.sum(axis=(2, 3))
    manifest = load_manifest(processed_dir)
    fingerprint = hashlib.sha256(json.dumps({name: manifest.get(name, {}).get("sha256") for name in INPUT_TABLES},
                                            sort_keys=True).encode()).hexdigest()
    return SamplerInputs(
        base=base,
        tfr=_readonly(quantile_slopes(np.log(np.maximum(quantiles.tfr, 1e-3)))),
        e0=_readonly(quantile_slopes(quantiles.e0)),
        e0_offset=_readonly(own_e0 - quantiles.e0[..., 2]),
        migration=_readonly(migration),
        migration_sd=_readonly(quantile_sd(migration)),
        period_weights=_readonly(weights),
        pattern=_readonly(migration_pattern(base.net_migrants, structure)),
        median_total=_readonly(median_total),
        e0_grid=_readonly(e0_grid(base.mx)),
        codes=_readonly(codes),
        stamp=fingerprint,
    )


# ---------------------------------------------------------------- normal scores
def trajectory_rng(seed: int, index: int) -> np.random.Generator:
    """Trajectory ``index``'s generator: ``SeedSequence(seed, spawn_key=(index,))`` (= ``SeedSequence(seed).spawn(n)[index]``)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(index),))))


def innovations(seed: int, indices: Sequence[int], n_countries: int,
                rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Standard normal innovations of trajectories ``indices``: a fixed block per trajectory.

    Each trajectory draws ``(n_countries + 1) × (15 + 15 + 77 + 15 + 1)``
    numbers in this order (row 0: the common factors; TFR periods, e0
    periods, migration years 2024–2100, the TFR upper-tail copula's periods
    and its factor), whatever the horizon or the countries projected.  With
    ``rows`` (countries among the ``n_countries``), the TFR, e0 and tail draws
    are kept for the common factor and those rows only (migration's for every
    country, which the world's balance needs): the same numbers, in memory
    that scales with the countries asked for.

    Returns
    -------
    dict
        ``tfr``, ``e0``, ``tail``: (n, 1 + L, 15); ``migration``: (n, 1 + L_all, 77);
        ``tail_factor``: (n, 1 + L); L is ``n_countries`` or ``len(rows)``.
    """
    P, M = MAX_PERIODS, 2 * MAX_PERIODS + MAX_MIGRATION_YEARS
    kept = np.arange(n_countries + 1) if rows is None else np.concatenate([[0], np.asarray(rows, dtype=int) + 1])
    own = np.empty((len(indices), len(kept), DRAWS_PER_COUNTRY - (M - 2 * P)))  # all but migration, rows kept
    migration = np.empty((len(indices), n_countries + 1, M - 2 * P))
    for row, index in enumerate(indices):
        block = trajectory_rng(seed, index).standard_normal((n_countries + 1, DRAWS_PER_COUNTRY))
        own[row] = np.concatenate([block[kept, :2 * P], block[kept, M:]], axis=-1)
        migration[row] = block[:, 2 * P:M]
    return {"tfr": own[..., :P], "e0": own[..., P:2 * P], "migration": migration,
            "tail": own[..., 2 * P:3 * P], "tail_factor": own[..., 3 * P]}


def upper_tail_scores(draws: np.ndarray, factor: np.ndarray, theta: float) -> np.ndarray:
    """Standard normal scores of a one-factor survival-Clayton copula (see the module notes).

    Parameters
    ----------
    draws : (..., T) array
        Standard normal draws, one per period.
    factor : (...) array
        The trajectory's standard normal factor.
    theta : float
        The copula's parameter (> 0).
    """
    survival = ndtr(-factor)[..., None]
    uniform = np.clip(ndtr(draws), 1e-300, 1.0 - 2.0 ** -53)
    with np.errstate(over="ignore"):
        tail = ((uniform ** (-theta / (1.0 + theta)) - 1.0) * survival ** (-theta) + 1.0) ** (-1.0 / theta)
    return -ndtri(np.clip(tail, 1e-300, 1.0 - 2.0 ** -53))


def ar1(innovation: np.ndarray, phi: float | np.ndarray, process: str = "stationary") -> np.ndarray:
    """Unit-variance AR(1) along the last axis from standard normal innovations.

    ``stationary``: X₀ = e₀, X_t = φ X_{t−1} + √(1 − φ²) e_t.
    ``from_zero``: Y_t = φ Y_{t−1} + e_t from Y₋₁ = 0, X_t = Y_t / sd(Y_t).
    ``phi`` is a scalar or one coefficient per row of ``innovation[..., 0]``.
    """
    phi = np.asarray(phi, dtype="float64")
    out = np.empty_like(innovation)
    out[..., 0] = innovation[..., 0]
    if process == "stationary":
        scale = np.sqrt(1.0 - phi * phi)
        for t in range(1, innovation.shape[-1]):
            out[..., t] = phi * out[..., t - 1] + scale * innovation[..., t]
        return out
    for t in range(1, innovation.shape[-1]):
        out[..., t] = phi * out[..., t - 1] + innovation[..., t]
    variance = np.cumsum(phi[..., None] ** (2.0 * np.arange(innovation.shape[-1])), axis=-1)
    return out / np.sqrt(variance)


def normal_scores(seed: int, indices: Sequence[int], codes: np.ndarray, params: Parameters,
                  rows: np.ndarray | None = None, upper_tail: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Correlated standard normal scores of the three components.

    Parameters
    ----------
    codes : (L_all,) array
        Every country's M49 code (the order of the draws).
    rows : array, optional
        The countries whose TFR and e0 scores are wanted (all by default).
    upper_tail : (L_all,) bool array, optional
        Countries whose TFR follows ``params.tfr_upper_tail`` (none by default).

    Returns
    -------
    dict
        ``tfr``, ``e0``: (n, L, 15) for the rows kept; ``migration``: (n, L_all, 77)
        for every country (the world's net migration is balanced across all of them).
    """
    codes = np.asarray(codes)
    rows = np.arange(len(codes)) if rows is None else np.asarray(rows)
    raw = innovations(seed, indices, len(codes), rows)  # the common factor, then the rows kept (migration: all)
    out = {}
    for name in COMPONENTS:
        correlation = getattr(params, name)
        chosen = rows if name != "migration" else np.arange(len(codes))
        kept = raw[name]
        process = ar1(kept, correlation.row_phi(codes[chosen]), correlation.process)
        own = process[:, 1:]
        if name == "tfr" and params.tfr_upper_tail is not None and upper_tail is not None and upper_tail[rows].any():
            tail, high = params.tfr_upper_tail, np.flatnonzero(upper_tail[rows])
            copula = upper_tail_scores(raw["tail"][:, high + 1], raw["tail_factor"][:, high + 1], tail.theta)
            own = own.copy()
            own[:, high] = np.sqrt(tail.gaussian_share) * own[:, high] + np.sqrt(1.0 - tail.gaussian_share) * copula
        out[name] = np.sqrt(correlation.rho) * process[:, :1] + np.sqrt(1.0 - correlation.rho) * own
    return out


def upper_tail_countries(data: "SamplerInputs", params: Parameters) -> np.ndarray:
    """(L_all,) mask of the countries whose TFR follows the upper-tail process (median TFR 2025–2030 ≥ min_tfr)."""
    if params.tfr_upper_tail is None:
        return np.zeros(len(data.codes), dtype=bool)
    return np.exp(data.tfr[:, 0, 0]) >= params.tfr_upper_tail.min_tfr


# ---------------------------------------------------------------- the world's net migration sums to zero
def period_covariances(data: "SamplerInputs", migration: Correlation) -> np.ndarray:
    """(L_all, P, P) covariance of each country's period deviations of migration (Gaussian approximation).

    ``C_i = B_i R_i B_iᵀ`` with ``B_i = W diag(sd_i)`` (period weights times
    annual standard deviations) and ``R_i`` the correlation of the country's
    annual scores (its AR(1) process, read off the process's impulse responses).
    """
    Y = data.migration.shape[1]
    phi = migration.row_phi(data.codes)[1:]
    responses = ar1(np.broadcast_to(np.eye(Y), (len(phi), Y, Y)).copy(), phi[:, None], migration.process)
    correlation = np.einsum("lky,lkz->lyz", responses, responses, optimize=True)  # Σ_k M[y, k] M[z, k]
    weighted = data.period_weights[None] * data.migration_sd[:, None, :]  # (L, P, Y)
    return np.einsum("lpy,lyz,lqz->lpq", weighted, correlation, weighted, optimize=True)


def balance_matrices(data: "SamplerInputs", migration: Correlation) -> np.ndarray:
    """(L_all, P, P) matrices ``A_i = C_i (Σ_j C_j)⁻¹``: country i's share of the world's sum of deviations."""
    covariances = period_covariances(data, migration)
    return np.einsum("lpq,qr->lpr", covariances, np.linalg.inv(covariances.sum(axis=0)))


def balanced(deviation: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """Period deviations (n, L_all, P) minus each country's share of their world sum, which becomes zero.

    Sums and products are written out (no matrix product), so that every
    trajectory's numbers are the same whatever the number in the batch.
    """
    world = np.ascontiguousarray(deviation.transpose(0, 2, 1)).sum(axis=-1)  # (n, P)
    out = deviation.copy()
    for q in range(world.shape[1]):
        out -= matrices[None, :, :, q] * world[:, None, q, None]
    return out


def expected_world_migration(data: "SamplerInputs") -> float:
    """Net migrants added to the world over the projection by independent draws from WPP's marginals (persons).

    The sum over countries and periods of each period deviation's mean
    (``E[Q(Z)] − median``, on the grid of :func:`quantile_sd`): what the
    balancing removes on average.
    """
    mean = sum(evaluate_quantiles(data.migration, z) - data.migration[..., 0] for z in _SD_GRID) / len(_SD_GRID)
    return float((mean.sum(axis=0) * data.period_weights.sum(axis=0)).sum())


# ---------------------------------------------------------------- sampled inputs
def mortality_factor(grid: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, int]:
    """Log factors k with e0(mx·e^k) = target, by binary search and interpolation in the grid.

    Parameters
    ----------
    grid : (..., G) array
        e0 at the log factors :data:`E0_GRID` (decreasing along G).
    target : (n, ...) array
        Wanted e0, with a leading trajectory axis.

    Returns
    -------
    k : array like ``target``
    outside : int
        Targets beyond the grid (set to its end; callers refuse them).
    """
    G = grid.shape[-1]
    flat = grid.reshape(-1, G)
    cells = flat.shape[0]
    wanted = target.reshape(-1, cells)
    offset = np.arange(cells)[None, :] * G
    highest, lowest = flat[:, 0][None], flat[:, -1][None]
    outside = int(((wanted > highest) | (wanted < lowest)).sum())
    wanted = np.clip(wanted, lowest, highest)
    low = np.zeros(wanted.shape, dtype=np.int64)  # grid[low] ≥ target
    high = np.full(wanted.shape, G - 1, dtype=np.int64)  # grid[high] ≤ target
    values = flat.ravel()
    while True:
        open_ = high - low > 1
        if not open_.any():
            break
        middle = (low + high) // 2
        above = values[offset + middle] >= wanted
        low = np.where(open_ & above, middle, low)
        high = np.where(open_ & ~above, middle, high)
    e_low, e_high = values[offset + low], values[offset + high]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(e_low > e_high, (e_low - wanted) / (e_low - e_high), 0.0)
    k = E0_GRID[0] + (E0_GRID[1] - E0_GRID[0]) * (low + weight)
    return k.reshape(target.shape), outside


def migration_deviations(coefficients: np.ndarray, z: np.ndarray, period_weights: np.ndarray) -> np.ndarray:
    """Sampled net migration minus its median, summed over each period.

    Parameters
    ----------
    coefficients : (L, Y, 5) array
    z : (n, L, Y) array
        Annual normal scores.

    Returns
    -------
    (n, L, P) array
        ``Σ_y w_{p,y} (M_y − median_y)``, persons (before the world's balance, :func:`balanced`).
    """
    annual = evaluate_quantiles(coefficients, z) - coefficients[..., 0]
    # explicit weighted sums (not a matrix product) keep every row's numbers independent of the batch
    return np.stack([(annual * weights).sum(axis=-1) for weights in period_weights], axis=-1)


def migration_bounds(codes: np.ndarray) -> np.ndarray:
    """(L, 2) smallest and largest net migration of a period as a share of the population at its start.

    WPP's migration model (bayesPop) truncates each period's net migration rate
    so that migration alone changes a population by a factor between
    :data:`MIGRATION_CHANGE` (more for the Gulf states' labour migration);
    sampled migration is capped in the same way, so that rates compounding
    over 75 years cannot multiply a small territory's population a thousandfold.
    """
    gulf = np.isin(np.asarray(codes), GULF_STATES)
    low = np.full(len(gulf), MIGRATION_CHANGE["other"][0] - 1.0)
    high = np.where(gulf, MIGRATION_CHANGE["gulf"][1], MIGRATION_CHANGE["other"][1]) - 1.0
    return np.stack([low, high], axis=1)


# ---------------------------------------------------------------- requests
@dataclass(frozen=True)
class ReplacementRequest:
    """Replacement migration solved per trajectory (see :func:`analysis.model.replacement.solve`).

    Each destination is projected without migration under the trajectory's
    fertility and mortality, from its base population, and the migrants
    needed each period to hold ``target`` are solved from the engine's
    linearity, as :func:`analysis.study.demand.solve_replacement` does for
    WPP's medium inputs.
    """

    destinations: tuple = ("EU27",)
    target: str = "working-age"
    ages: str = "20-39"
    female_share: float = 0.5
    support_ratio_floor: float | None = None
    allow_emigration: bool = True

    def weights(self) -> np.ndarray:
        """(2, 21) shares of one migrant by sex and age (spread evenly over the band's 5-year groups)."""
        if isinstance(self.female_share, bool) or not 0.0 <= self.female_share <= 1.0:
            raise TrajectoryError(f"female_share must be between 0 and 1, got {self.female_share}")
        groups = parse_age_band(self.ages).groups().astype(float)
        groups /= groups.sum()
        return np.stack([(1.0 - self.female_share) * groups, self.female_share * groups])


def band_mask(ages: str) -> np.ndarray:
    """(2, 21) mask of an age band, both sexes (``"all"``: every age)."""
    groups = np.ones(N_AGES, dtype=bool) if ages == "all" else parse_age_band(ages).groups()
    return np.stack([groups, groups]).astype("float64")


def band_label(ages: str) -> str:
    """The canonical label of an age band (``"15-64"``, ``"65+"``, ``"all"``)."""
    return "all" if ages == "all" else parse_age_band(ages).label


# ---------------------------------------------------------------- the model
@dataclass(frozen=True, eq=False)
class TrajectoryModel:
    """A probabilistic projection ready to run in chunks of trajectories (picklable, no random state).

    Build it with :func:`make_model`; run it with
    :func:`analysis.model.trajectory_runs.run`.  Chunk ``[start, stop)``
    gives the same numbers whenever and wherever it runs.
    """

    data: SamplerInputs
    params: Parameters
    seed: int
    rows: np.ndarray  # indices of the projected countries in data.codes
    bands: tuple  # labels of the age bands kept
    band_masks: np.ndarray  # (B, 2, 21)
    migration: str = "rate"
    migration_uncertainty: bool = True
    scenario_name: str = "medium"
    fertility_blocks: tuple = ()  # (block, mask over rows)
    mortality_blocks: tuple = ()
    migration_scale: np.ndarray | None = None  # (L,)
    pathway_flows: np.ndarray | None = None  # (L, P, 2, 21)
    replacement: ReplacementRequest | None = None
    replacement_rows: tuple = ()  # per destination: (rows among the projected, shares)
    replacement_names: tuple = ()
    blocks_fingerprint: str = ""
    upper_tail: np.ndarray | None = None  # (L_all,) countries whose TFR follows params.tfr_upper_tail
    migration_balance: np.ndarray | None = None  # (L_all, P, P) shares of the world's sum of deviations

    @property
    def codes(self) -> np.ndarray:
        return self.data.codes[self.rows]

    @property
    def years(self) -> np.ndarray:
        return self.data.years

    def fingerprint(self) -> dict:
        """Everything that determines a trajectory's numbers, for a cache key (inputs by their checksums)."""
        code = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes() for name in CODE_FILES)).hexdigest()
        return {
            "inputs": self.data.stamp, "code": code, "end_year": int(self.years[-1]), "seed": self.seed,
            "params": self.params.to_dict(), "countries": [int(c) for c in self.codes], "bands": list(self.bands),
            "migration": self.migration, "migration_uncertainty": self.migration_uncertainty,
            "scenario": self.blocks_fingerprint, "scopes": self._scopes_fingerprint(),
            "replacement": None if self.replacement is None else {
                **{k: v for k, v in self.replacement.__dict__.items() if k != "destinations"},
                "destinations": list(self.replacement_names)},
        }

    def _scopes_fingerprint(self) -> str:
        """Where the scenario's blocks apply, as resolved: a block scoped to a user's group changes with its members."""
        digest = hashlib.sha256()
        for _, mask in self.fertility_blocks + self.mortality_blocks:
            digest.update(np.packbits(np.asarray(mask, dtype=bool)).tobytes())
        for array in (self.migration_scale, self.pathway_flows):
            digest.update(b"-" if array is None else np.ascontiguousarray(array, dtype="float64").tobytes())
        return digest.hexdigest()


def _scenario_fingerprint(spec: Mapping, people: np.ndarray | None = None) -> str:
    """The blocks that change a run; with flows counted in people, also the net migrants they place (their shares
    come from the migrant stocks, which are not among :data:`INPUT_TABLES`)."""
    blocks = {key: spec.get(key) for key in ("variant", "fertility", "mortality", "migration", "pathways")}
    blocks.update({key: spec[key] for key in ("flows", "returns") if spec.get(key)})  # absent: keys as before
    if people is not None:
        blocks["people"] = hashlib.sha256(np.ascontiguousarray(people).tobytes()).hexdigest()
    return hashlib.sha256(json.dumps(blocks, sort_keys=True, default=str).encode()).hexdigest()


def make_model(
    seed: int = 1,
    locations: Sequence | None = None,
    bands: Sequence[str] = ("all",),
    scenario: str | Mapping | None = None,
    end_year: int = LAST_YEAR,
    params: Parameters | None = None,
    migration: str = "rate",
    migration_uncertainty: bool = True,
    replacement: ReplacementRequest | None = None,
    processed_dir: Path | None = None,
) -> TrajectoryModel:
    """Set up a probabilistic projection.

    Parameters
    ----------
    seed : int
        Random seed (0 … 2**63 − 1); trajectory i draws from ``SeedSequence(seed, spawn_key=(i,))``.
    locations : sequence, optional
        Countries or groups whose countries are projected (all countries by
        default).  Every country's numbers are the same whichever others are
        projected with it.
    bands : sequence of str
        Age bands kept per trajectory, country and year (``"all"``,
        ``"15-64"``, ``"65+"`` …).
    scenario : str or mapping, optional
        A scenario of :mod:`analysis.model.scenarios` applied to every
        trajectory; its variant must be medium.
    end_year : int
        2030, 2035, …, 2100.
    params : Parameters, optional
        The calibrated parameters (``trajectories.yml``) by default.
    migration : {"rate", "count"}
        Net migration scales with the trajectory's population (rate) or not.
    migration_uncertainty : bool
        False: WPP's median migration in every trajectory (only fertility and
        mortality vary), to show migration's share of an interval.
    replacement : ReplacementRequest, optional
        Replacement migration solved per trajectory for these destinations
        (their countries are projected too).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise TrajectoryError(f"the seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
    if migration not in MIGRATION_MODES:
        raise TrajectoryError(f"migration {migration!r} is not one of {', '.join(MIGRATION_MODES)}")
    data = sampler_inputs(end_year, processed_dir)
    params = params or load_parameters()

    def resolve(query) -> locations_module.Location:
        return query if isinstance(query, locations_module.Location) else locations_module.resolve(query, processed_dir)

    codes = data.codes
    wanted = None if locations is None else [resolve(place) for place in locations]
    destinations = [] if replacement is None else [resolve(place) for place in replacement.destinations]
    if wanted is None:
        rows = np.arange(len(codes))
    else:
        members = {c for place in wanted + destinations for c in place.members}
        rows = np.flatnonzero(np.isin(codes, sorted(members)))
        if not len(rows):
            raise TrajectoryError(f"no projected countries in {', '.join(place.name for place in wanted)}")
    projected = codes[rows]
    labels = []
    for ages in bands:
        label = band_label(ages)
        if label not in labels:
            labels.append(label)
    masks = np.stack([band_mask(label) for label in labels])

    spec = scenarios.load(scenario if scenario is not None else "medium")
    if spec.get("variant", "medium") != "medium":
        raise TrajectoryError(f"scenario {spec['name']!r}: probabilistic projections are built around the medium "
                              "variant (WPP's intervals surround it); drop its variant")
    # blocks are placed among all countries, then kept for those projected: a block scoped elsewhere changes nothing here
    fertility = tuple((block, scenarios.block_rows(block, codes, resolve)[rows]) for block in spec.get("fertility") or [])
    mortality = tuple((block, scenarios.block_rows(block, codes, resolve)[rows]) for block in spec.get("mortality") or [])
    scale = scenarios.migration_scales(spec, codes, resolve)[rows]
    flows = None
    if spec.get("pathways"):
        flows = np.zeros((len(rows), data.n_periods, 2, N_AGES))
        index = {int(code): i for i, code in enumerate(projected)}
        for block in spec["pathways"]:
            for origin, destination, outflow in scenarios.pathway_net_migrants(block, BASE_YEAR, data.n_periods, resolve):
                for code, sign in ((origin, 1.0), (destination, -1.0)):
                    if code in index:  # a country not projected needs no flows
                        flows[index[code]] += sign * outflow
    # flows and returns counted in people: placed among all countries (shares need both sides), kept for those projected
    plans = scenarios.people_plans(spec, data.base, resolve, processed_dir)
    if plans:
        people = scenarios.people_net_migrants(plans, codes, data.n_periods)[rows]
        flows = people if flows is None else flows + people

    replacement_rows = []
    if replacement is not None:
        if replacement.target not in solver.TARGETS:
            raise TrajectoryError(f"unknown replacement target {replacement.target!r}; valid: {', '.join(solver.TARGETS)}")
        replacement.weights()  # checks the band and the share
        for place in destinations:
            members = np.flatnonzero(np.isin(projected, place.members))
            if not len(members):
                raise TrajectoryError(f"no projected countries in {place.name}")
            sizes = data.base.population[rows[members]].sum(axis=(1, 2))
            replacement_rows.append((members, sizes / sizes.sum()))
    return TrajectoryModel(
        upper_tail=_readonly(upper_tail_countries(data, params)),
        migration_balance=_readonly(balance_matrices(data, params.migration)) if migration_uncertainty else None,
        data=data, params=params, seed=int(seed), rows=rows, bands=tuple(labels), band_masks=masks,
        migration=migration, migration_uncertainty=bool(migration_uncertainty), scenario_name=spec["name"],
        fertility_blocks=fertility, mortality_blocks=mortality, migration_scale=scale, pathway_flows=flows,
        replacement=replacement, replacement_rows=tuple(replacement_rows),
        replacement_names=tuple(place.name for place in destinations),
        blocks_fingerprint=_scenario_fingerprint(spec, people if plans else None),
    )


# ---------------------------------------------------------------- one chunk
def _tile(array: np.ndarray, n: int) -> np.ndarray:
    """(L, …) repeated for n trajectories: (n × L, …), trajectory-major."""
    return np.tile(array, (n,) + (1,) * (array.ndim - 1))


def sample_chunk(model: TrajectoryModel, indices: Sequence[int], scores: Mapping | None = None) -> dict:
    """Sampled inputs of trajectories ``indices`` for the model's countries.

    Parameters
    ----------
    scores : dict, optional
        Normal scores to use instead of the seed's (``tfr``, ``e0``: (n, L, P)
        for the model's countries; ``migration``: (n, L_all, Y) for every
        country), e.g. zeros for the median trajectory.

    Returns
    -------
    dict
        ``tfr`` (n, L, P) after fertility blocks, ``mx`` (n, L, P, 2, 22)
        after mortality blocks, ``e0`` (n, L, P, 2) the targets reached, and
        ``deviation`` (n, L, P) of migration from its median after the
        world's balance (persons).

    Raises
    ------
    TrajectoryError
        When a sampled life expectancy lies beyond what scaling the death rates can reach.
    """
    data, rows = model.data, model.rows
    P = data.n_periods
    Y = data.migration.shape[1]
    n, L = len(indices), len(rows)
    batch = max(1, SAMPLED_ROWS // len(data.codes))
    if scores is None and model.migration_uncertainty and n > batch:
        # every country's migration is sampled (the world's balance): in batches, so that memory follows the chunk
        # of the countries asked for, not chunk × all countries (each trajectory's numbers do not depend on the batch)
        parts = [sample_chunk(model, indices[first:first + batch]) for first in range(0, n, batch)]
        return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    if scores is None:
        scores = normal_scores(model.seed, indices, data.codes, model.params, rows, model.upper_tail)

    e0 = evaluate_quantiles(data.e0[rows], scores["e0"][:, :, :P, None]) + data.e0_offset[rows]  # (n, L, P, 2)
    grid = data.e0_grid[rows]
    k, outside = mortality_factor(grid, e0)
    mx = data.base.mx[rows] * np.exp(k)[..., None]
    sampled_mx = mx
    if model.mortality_blocks:
        target = e0.copy()
        for block, mask in model.mortality_blocks:
            chosen = np.broadcast_to(mask[None], (n, L))
            target[chosen] = scenarios.e0_target_for_block(block, e0[chosen], BASE_YEAR, model.scenario_name)
        k, more = mortality_factor(grid, target)
        outside += more
        mx, e0 = data.base.mx[rows] * np.exp(k)[..., None], target
    if outside:
        raise TrajectoryError(f"{outside} sampled life expectancies lie beyond what scaling the death rates by "
                              f"e^{E0_GRID[0]:g} to e^{E0_GRID[-1]:g} can reach; choose a smaller mortality change")

    tfr = np.exp(evaluate_quantiles(data.tfr[rows], scores["tfr"][:, :, :P]))
    if model.fertility_blocks:
        # every block acts on the trajectory's own TFR and (unchanged) mortality, as scenarios.apply does on WPP's
        flat = ProjectionInputs(
            location_codes=_tile(model.codes, n), base_year=BASE_YEAR, population=_tile(data.base.population[rows], n),
            mx=sampled_mx.reshape(n * L, P, 2, -1), tfr=tfr.reshape(n * L, P),
            fertility_pattern=_tile(data.base.fertility_pattern[rows], n), srb=_tile(data.base.srb[rows], n),
            net_migrants=_tile(data.base.net_migrants[rows], n))
        out = tfr.reshape(n * L, P).copy()
        for block, mask in model.fertility_blocks:
            chosen = np.tile(mask, n)
            out[chosen] = scenarios.fertility_for_block(block, flat, chosen, model.scenario_name)
        tfr = out.reshape(n, L, P)

    if model.migration_uncertainty:
        every = migration_deviations(data.migration, scores["migration"][:, :, :Y], data.period_weights)
        deviation = balanced(every, model.migration_balance)[:, rows]
    else:
        deviation = np.zeros((n, L, P))
    return {"tfr": tfr, "mx": mx, "e0": e0, "deviation": deviation}


def run_chunk(model: TrajectoryModel, start: int, stop: int, scores: Mapping | None = None,
              with_population: bool = False) -> dict:
    """Sample and project trajectories ``start … stop − 1``, keeping the model's bands and replacement migration.

    Parameters
    ----------
    with_population : bool
        Also keep the whole population by sex and age (for an ensemble store).

    Returns
    -------
    dict of arrays, trajectory axis first
        ``indices`` (n,), ``bands`` (n, L, B, T) persons in each kept band,
        ``unrealised`` (n, L) emigration that found nobody to leave,
        ``net_migration`` (n, L) realised net migrants 2025
        to the end year, ``replacement`` (n, D, P) migrants needed per
        period when requested, and with ``with_population`` ``population``
        (n, L, T, 2, 21) persons by sex and age group.
    """
    indices = np.arange(start, stop)
    sampled = sample_chunk(model, indices, scores)
    data, rows = model.data, model.rows
    n, L, P = sampled["tfr"].shape
    R = n * L

    start_population = _tile(data.base.population[rows], n)  # WPP's 1 July 2025 population in every trajectory
    inputs = ProjectionInputs(
        location_codes=_tile(model.codes, n), base_year=BASE_YEAR, population=start_population,
        mx=sampled["mx"].reshape(R, P, 2, -1), tfr=sampled["tfr"].reshape(R, P),
        fertility_pattern=_tile(data.base.fertility_pattern[rows], n), srb=_tile(data.base.srb[rows], n),
        net_migrants=_tile(data.base.net_migrants[rows], n), label=model.scenario_name)
    median = data.base.net_migrants[rows]  # (L, P, 2, 21)
    pattern = data.pattern[rows]
    median_total = data.median_total[rows]
    scale = model.migration_scale[None, :, None, None]
    flows = model.pathway_flows
    deviation = sampled["deviation"]

    bounds = migration_bounds(model.codes)  # (L, 2)

    def migrants(p: int, population: np.ndarray) -> np.ndarray:
        wanted = median[None, :, p] + deviation[..., p, None, None] * pattern[None, :, p]  # (n, L, 2, 21)
        if model.migration_uncertainty:
            size = population.reshape(n, L, 2, N_AGES).sum(axis=(-2, -1))
            if model.migration == "rate":
                wanted = wanted * (size / median_total[None, :, p])[..., None, None]
            total = wanted.sum(axis=(-2, -1))
            capped = np.clip(total, bounds[None, :, 0] * size, bounds[None, :, 1] * size)
            with np.errstate(invalid="ignore", divide="ignore"):
                wanted = wanted * np.where(capped != total, capped / total, 1.0)[..., None, None]
        wanted = scale * wanted
        if flows is not None:
            wanted = wanted + flows[None, :, p]
        return wanted.reshape(R, 2, N_AGES)

    masks = model.band_masks

    def keep(population: np.ndarray) -> dict:
        kept = {"bands": (population[:, None] * masks[None]).sum(axis=(-2, -1))}  # (R, B)
        if with_population:
            kept["population"] = population.copy()  # (R, 2, 21)
        return kept

    rates = projection.period_rates(inputs)
    run = projection.project_reduced(inputs, keep, migrants=migrants, rates=rates)
    bands = run.kept["bands"].reshape(n, L, P + 1, len(model.bands)).transpose(0, 1, 3, 2)
    out = {
        "indices": indices,
        "bands": np.ascontiguousarray(bands),
        "unrealised": run.unrealised_emigration.sum(axis=1).reshape(n, L),
        "net_migration": run.net_migration.sum(axis=1).reshape(n, L),
    }
    if with_population:
        out["population"] = run.kept["population"].reshape(n, L, P + 1, 2, N_AGES)
    if model.replacement is not None:
        out["replacement"] = _solve_replacement(model, inputs, rates, n)
    return out


def _solve_replacement(model: TrajectoryModel, inputs: ProjectionInputs, rates: list, n: int) -> np.ndarray:
    """Migrants needed per trajectory, destination and period (n, D, P), by :func:`analysis.model.replacement.solve`."""
    request = model.replacement
    L, D = len(model.rows), len(model.replacement_rows)
    members = np.concatenate([m for m, _ in model.replacement_rows])
    shares = np.concatenate([s for _, s in model.replacement_rows])
    destination = np.concatenate([np.full(len(m), d) for d, (m, _) in enumerate(model.replacement_rows)])
    index = (np.arange(n)[:, None] * L + members[None, :]).ravel()  # trajectory-major rows of the sub-problem
    group = (np.arange(n)[:, None] * D + destination[None, :]).ravel()
    P = inputs.n_periods
    sub = ProjectionInputs(
        location_codes=inputs.location_codes[index], base_year=BASE_YEAR, population=inputs.population[index],
        mx=inputs.mx[index], tfr=inputs.tfr[index], fertility_pattern=inputs.fertility_pattern[index],
        srb=inputs.srb[index], net_migrants=np.zeros((len(index), P, 2, N_AGES)), label="replacement")
    sub_rates = [projection.PeriodRates(r.survival[index], r.birth_survival[index], r.asfr[index], r.male_share[index])
                 for r in rates]
    unit = np.tile(shares, n)[:, None, None] * request.weights()[None]
    try:
        solution = solver.solve(sub, group, unit, request.target, list(model.replacement_names) * n, request.ages,
                                     request.support_ratio_floor, request.allow_emigration, rates=sub_rates,
                                     keep_migrants=False)
    except solver.ReplacementError as error:
        hint = " (in at least one trajectory)" if "asks more people to leave" in str(error) else ""
        raise TrajectoryError(f"{error}{hint}") from None
    return solution.needed.reshape(n, D, P)


# ---------------------------------------------------------------- results
@dataclass
class TrajectoryResult:
    """Per-trajectory outputs of a run, trajectory axis first.

    Attributes
    ----------
    codes : (L,) array
        M49 codes of the projected countries.
    years : (T,) array
        1 July of 2025, 2030, …
    bands : tuple of str
        Labels of the kept age bands.
    values : dict
        ``indices`` (N,), ``bands`` (N, L, B, T), ``unrealised`` and
        ``net_migration`` (N, L), and ``replacement`` (N, D, P) if requested.
    replacement : ReplacementRequest or None
    replacement_names : tuple of str
    description : dict
        The run's fingerprint (seed, scenario, parameters …).
    """

    codes: np.ndarray
    years: np.ndarray
    bands: tuple
    values: dict
    replacement: ReplacementRequest | None = None
    replacement_names: tuple = ()
    description: dict = field(default_factory=dict)

    @property
    def n_trajectories(self) -> int:
        return len(self.values["indices"])

    def band(self, ages: str) -> np.ndarray:
        """(N, L, T) persons in a kept age band, per trajectory, country and year."""
        label = band_label(ages)
        if label not in self.bands:
            raise TrajectoryError(f"ages {label} were not kept by this run; kept: {', '.join(self.bands)}")
        return self.values["bands"][:, :, self.bands.index(label)]

    def summed(self, members: Sequence[int], ages: str = "all") -> np.ndarray:
        """(N, T) persons in a band summed over the member countries (a group's trajectories)."""
        mask = np.isin(self.codes, list(members))
        if not mask.any():
            raise TrajectoryError("none of the location's countries were projected in this run")
        return self.band(ages)[:, mask].sum(axis=1)

    def year_index(self, year: int) -> int:
        where = np.flatnonzero(self.years == year)
        if not len(where):
            raise TrajectoryError(f"year {year} is not projected; years: {self.years[0]}, {self.years[1]}, …, "
                                  f"{self.years[-1]}")
        return int(where[0])


def combine(chunks: Sequence[Mapping], model: TrajectoryModel) -> TrajectoryResult:
    """Chunk outputs concatenated in trajectory order, as a :class:`TrajectoryResult`."""
    chunks = sorted(chunks, key=lambda chunk: int(chunk["indices"][0]))
    values = {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}
    if not np.array_equal(values["indices"], np.arange(len(values["indices"]))):
        raise TrajectoryError("chunks are missing or repeated: trajectories must run 0 … N − 1 once each")
    return TrajectoryResult(model.codes, model.years, model.bands, values, model.replacement, model.replacement_names,
                            model.fingerprint())


def chunk_bounds(n_trajectories: int, chunk_size: int) -> list[tuple[int, int]]:
    """``[(0, c), (c, 2c), …]`` covering ``n_trajectories``."""
    if n_trajectories < 1 or chunk_size < 1:
        raise TrajectoryError("need at least one trajectory and a chunk of at least one")
    return [(start, min(start + chunk_size, n_trajectories)) for start in range(0, n_trajectories, chunk_size)]


def default_chunk_size(model: TrajectoryModel, rows_per_chunk: int = ROWS_PER_CHUNK) -> int:
    """Trajectories per chunk giving about ``rows_per_chunk`` location-trajectories."""
    return max(1, rows_per_chunk // len(model.rows))


def parameters_file_record(path: Path | str | None = None) -> dict:
    """The calibration file read, with its SHA-256, for provenance lines."""
    path = Path(path) if path is not None else CALIBRATION_FILE
    return {"role": "calibrated parameters", "path": str(path), "sha256": sha256_of(path)}
