"""Two-sex cohort-component projection on 5-year age groups and 5-year steps.

Everything is an array over (location, sex, age) and the only Python loop is
over the 5-year periods, so all countries are projected at once.

Conventions
-----------
* Age groups ``0-4, 5-9, …, 95-99, 100+`` (21), sex order ``male, female``.
* Population at ``t`` is on 1 July of ``t``; period ``p`` takes it from ``t``
  to ``t + 5``.
* **Mortality.** Per period, central death rates m(x) for ages
  ``0, 1-4, 5-9, …, 95-99, 100+`` become an abridged life table with:

  - a(0) and a(1-4) from Coale and Demeny (West), as in Preston, Heuveline
    and Guillot (2001), table 3.3;
  - a(x) = 2.5 for the 5-year groups;
  - q(x) = n m / (1 + (n - a) m), capped at 1;
  - the open group 100+ with L = l / m.

  0 and 1-4 are merged into 5L0. Survival ratios are S(x) = 5L(x+5) / 5L(x),
  the open group gets T(100) / T(95), and births survive to 0-4 with
  5L0 / (5 l0).
* **Births.** ``5 × Σ f(x) × ½ (W(x, t) + W(x, t+5))`` over mothers' ages
  15-49, where f(x) = TFR × share(x) / 5 and W(x, t+5) is the female
  population after survival and migration. Births split by the sex ratio at
  birth.
* **Net migration** (persons over the period, by the age group in which they
  migrate): a share ``MIGRANT_AGE_SHIFT`` (0.4) of each group's migrants
  arrives at the start of the period, is exposed to the period's mortality and
  moves up one age group with its cohort; the rest arrives at the end in the
  same group.  0.5 would be arrivals spread evenly over the period.  A
  regression of WPP 2024's own cohort residuals on its net migrants gives
  0.36 (:func:`analysis.model.validation.migration_age_shift`); over 0.30–0.50, 0.4
  gives the smallest largest error against the medium variant, and every
  value from 0.35 to 0.42 passes the validation thresholds.
* **No negative population.** Where emigration exceeds the people in a cell,
  the cell is emptied and the excess is recorded as *unrealised emigration*:
  net migration in the components is what was realised.
* **Deaths** are counted explicitly as the decrements of each cohort, so the
  balance ``P(t+5) = P(t) + births − deaths + net migration`` is an identity
  that each step checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analysis.errors import InputError

N_AGES = 21
N_MORTALITY_AGES = 22
FERTILITY_AGES = slice(3, 10)  # 15-19 … 45-49 in the 21 population age groups
SEXES = ("male", "female")
AGE_LABELS = tuple(f"{a}-{a + 4}" for a in range(0, 100, 5)) + ("100+",)
STEP = 5
#: Relative tolerance of the per-step demographic balance check.
BALANCE_TOLERANCE = 1e-9
#: Share of a period's net migrants who arrive at its start and age with their cohort.
MIGRANT_AGE_SHIFT = 0.4


class ProjectionError(InputError):
    """Inputs the engine cannot project (shape, missing values, negative population)."""


@dataclass
class ProjectionInputs:
    """Arrays for a projection of ``L`` locations over ``P`` 5-year periods.

    Attributes
    ----------
    location_codes : (L,) int
    base_year : int
        Year of ``population`` (1 July); period ``p`` runs from
        ``base_year + 5p`` to ``base_year + 5(p + 1)``.
    population : (L, 2, 21) float
        Base population by sex and age group, persons.
    mx : (L, P, 2, 22) float
        Central death rates, ages 0, 1-4, 5-9, …, 100+.
    tfr : (L, P) float
    fertility_pattern : (L, P, 7) float
        Share of fertility by mother's age group 15-19 … 45-49 (sums to 1).
    srb : (L, P) float
        Sex ratio at birth, males per female.
    net_migrants : (L, P, 2, 21) float
        Net migrants over each period, persons, by age group at the period's end.
    label : str
        Scenario name carried into the results.
    """

    location_codes: np.ndarray
    base_year: int
    population: np.ndarray
    mx: np.ndarray
    tfr: np.ndarray
    fertility_pattern: np.ndarray
    srb: np.ndarray
    net_migrants: np.ndarray
    label: str = "projection"
    notes: dict = field(default_factory=dict)

    @property
    def n_periods(self) -> int:
        return self.tfr.shape[1]

    @property
    def years(self) -> np.ndarray:
        return self.base_year + STEP * np.arange(self.n_periods + 1)

    def copy(self, **changes) -> "ProjectionInputs":
        """A deep copy, with some fields replaced."""
        arrays = {
            name: getattr(self, name).copy()
            for name in ("location_codes", "population", "mx", "tfr", "fertility_pattern", "srb", "net_migrants")
        }
        arrays.update(changes)
        return replace(self, notes=dict(self.notes), **arrays)

    def validate(self) -> None:
        """Check shapes and values; raise :class:`ProjectionError` with what is wrong."""
        L, P = self.tfr.shape
        expected = {
            "location_codes": (L,),
            "population": (L, 2, N_AGES),
            "mx": (L, P, 2, N_MORTALITY_AGES),
            "fertility_pattern": (L, P, 7),
            "srb": (L, P),
            "net_migrants": (L, P, 2, N_AGES),
        }
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise ProjectionError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")
        for name in ("population", "mx", "tfr", "fertility_pattern", "srb", "net_migrants"):
            values = getattr(self, name)
            if np.isnan(values).any():
                where = np.argwhere(np.isnan(values))[0]
                raise ProjectionError(
                    f"{name} has missing values (first at location {self.location_codes[where[0]]}"
                    + (f", period {self.base_year + STEP * where[1]}–{self.base_year + STEP * (where[1] + 1)}" if values.ndim > 2 or name in ("tfr", "srb") else "")
                    + ")"
                )
        if (self.population < 0).any():
            raise ProjectionError("base population has negative values")
        if (self.mx < 0).any():
            raise ProjectionError("death rates must not be negative")
        if (self.tfr < 0).any():
            raise ProjectionError("TFR must not be negative")
        if (self.srb <= 0).any():
            raise ProjectionError("the sex ratio at birth must be positive")
        sums = self.fertility_pattern.sum(axis=-1)
        if np.abs(sums - 1).max() > 1e-3:
            raise ProjectionError(f"fertility age pattern must sum to 1 (worst {sums.flat[np.abs(sums - 1).argmax()]:.4f})")


@dataclass
class ProjectionResult:
    """Population by year and the components of change by period.

    Attributes
    ----------
    population : (L, P + 1, 2, 21) array, persons
    births : (L, P, 2) array (by sex of the child)
    deaths : (L, P, 2, 21) array, by age group at the end of the period
        (deaths of the newborn cohort are in age group 0-4)
    net_migrants : (L, P, 2, 21) array
        Realised net migration (inputs plus unrealised emigration).
    unrealised_emigration : (L, P, 2, 21) array
        Emigration that found nobody left to leave (persons, ≥ 0).
    balance_error : (L, P) array
        ``P(t+5) − (P(t) + births − deaths + net migration)``, persons.
    """

    inputs: ProjectionInputs
    population: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    net_migrants: np.ndarray
    unrealised_emigration: np.ndarray
    balance_error: np.ndarray

    @property
    def years(self) -> np.ndarray:
        return self.inputs.years

    def population_table(self) -> pd.DataFrame:
        """Tidy population: ``location_code, year, scenario, sex, age, age_start, population``.

        The layout of the processed WPP ``population`` table (with ``scenario``
        in place of ``variant``), so every indicator works on it.
        """
        L, T = self.population.shape[:2]
        index = pd.MultiIndex.from_product(
            [self.inputs.location_codes, self.years, SEXES, AGE_LABELS], names=["location_code", "year", "sex", "age"]
        )
        table = index.to_frame(index=False)
        table["location_code"] = table["location_code"].astype("int32")
        table["year"] = table["year"].astype("int16")
        table.insert(2, "scenario", self.inputs.label)
        table["sex"] = pd.Categorical(table["sex"], categories=list(SEXES))
        table["age"] = pd.Categorical(table["age"], categories=list(AGE_LABELS), ordered=True)
        table["age_start"] = np.tile(np.arange(0, 101, 5, dtype="int16"), L * T * 2)
        table["population"] = self.population.reshape(-1)
        return table

    def components_table(self) -> pd.DataFrame:
        """Components of change per location and period, both sexes, persons.

        Columns: ``location_code, scenario, period_start, period_end,
        population_start, births, deaths, net_migration,
        unrealised_emigration, population_end, balance_error``.
        """
        L, P = self.births.shape[:2]
        starts = self.years[:-1]
        table = pd.DataFrame(
            {
                "location_code": np.repeat(self.inputs.location_codes, P).astype("int32"),
                "scenario": self.inputs.label,
                "period_start": np.tile(starts, L).astype("int16"),
                "period_end": np.tile(starts + STEP, L).astype("int16"),
                "population_start": self.population[:, :-1].sum(axis=(2, 3)).reshape(-1),
                "births": self.births.sum(axis=2).reshape(-1),
                "deaths": self.deaths.sum(axis=(2, 3)).reshape(-1),
                "net_migration": self.net_migrants.sum(axis=(2, 3)).reshape(-1),
                "unrealised_emigration": self.unrealised_emigration.sum(axis=(2, 3)).reshape(-1),
                "population_end": self.population[:, 1:].sum(axis=(2, 3)).reshape(-1),
                "balance_error": self.balance_error.reshape(-1),
            }
        )
        return table


# ---------------------------------------------------------------- life table
def coale_demeny_a0(m0: np.ndarray, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a(0) and a(1-4) from m(0), Coale–Demeny West (Preston et al. 2001, table 3.3).

    Parameters
    ----------
    m0 : array
        Infant death rate.
    female : array of bool
        Broadcastable to ``m0``.
    """
    high = m0 >= 0.107
    a0 = np.where(female, np.where(high, 0.350, 0.053 + 2.800 * m0), np.where(high, 0.330, 0.045 + 2.684 * m0))
    a1 = np.where(female, np.where(high, 1.361, 1.522 - 1.518 * m0), np.where(high, 1.352, 1.651 - 2.816 * m0))
    return a0, a1


def life_table(mx: np.ndarray) -> dict[str, np.ndarray]:
    """Abridged life table from central death rates, vectorised over leading axes.

    Parameters
    ----------
    mx : (..., 2, 22) array
        Death rates for ages 0, 1-4, 5-9, …, 100+; the axis before last is
        sex (male, female).

    Returns
    -------
    dict
        ``lx, Lx`` (radix 1, abridged ages), ``L5`` (person-years in the 21
        five-year groups, 0-4 merged), ``T100`` and ``e0``.
    """
    mx = np.asarray(mx, dtype="float64")
    widths = np.array([1.0, 4.0] + [5.0] * 19 + [np.inf])
    female = np.zeros(mx.shape[:-1] + (1,), dtype=bool)
    female[..., 1, :] = True
    a0, a1 = coale_demeny_a0(mx[..., :1], female)
    ax = np.concatenate([a0, a1, np.full(mx.shape[:-1] + (19,), 2.5)], axis=-1)
    n = widths[:-1]
    m = mx[..., :-1]
    qx = np.minimum(n * m / (1.0 + (n - ax) * m), 1.0)
    survive = np.cumprod(1.0 - qx, axis=-1)
    lx = np.concatenate([np.ones(mx.shape[:-1] + (1,)), survive], axis=-1)  # (..., 22)
    dx = lx[..., :-1] * qx
    Lx_closed = n * lx[..., 1:] + ax * dx
    m_open = mx[..., -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        # with no deaths in the open group its person-years are unbounded (survival 1 below)
        L_open = np.where(m_open > 0, lx[..., -1] / m_open, np.where(lx[..., -1] > 0, np.inf, 0.0))
    Lx = np.concatenate([Lx_closed, L_open[..., None]], axis=-1)
    L5 = np.concatenate([Lx[..., :1] + Lx[..., 1:2], Lx[..., 2:]], axis=-1)  # (..., 21)
    e0 = Lx.sum(axis=-1)
    return {"lx": lx, "Lx": Lx, "L5": L5, "T100": L_open, "e0": e0}


def survival_ratios(mx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cohort survival over 5 years from the period's death rates.

    Returns
    -------
    survival : (..., 2, 21) array
        Entry ``a`` (a < 20) moves group ``a`` to ``a + 1``; entry 20 takes
        groups 95-99 and 100+ together into 100+.
    birth_survival : (..., 2) array
        Share of births alive in 0-4 at the end of the period, 5L0 / (5 l0).
    """
    table = life_table(mx)
    L5 = table["L5"]
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = np.where(L5[..., :-2] > 0, L5[..., 1:-1] / L5[..., :-2], 0.0)  # 0-4→5-9 … 90-94→95-99
        open_group = np.where(
            np.isinf(L5[..., -1]), 1.0,
            np.where(L5[..., -2] + L5[..., -1] > 0, L5[..., -1] / (L5[..., -2] + L5[..., -1]), 0.0),
        )  # T(100) / T(95)
    survival = np.concatenate([closed, open_group[..., None]], axis=-1)  # (..., 20)
    # pad to 21 so that index a is "from group a"; the last entry (100+) equals the open ratio
    survival = np.concatenate([survival, open_group[..., None]], axis=-1)
    birth_survival = L5[..., 0] / STEP
    return survival, birth_survival


# ---------------------------------------------------------------- engine
@dataclass
class PeriodRates:
    """The rates of one period for L locations, ready for :func:`step`."""

    survival: np.ndarray  # (L, 2, 21)
    birth_survival: np.ndarray  # (L, 2)
    asfr: np.ndarray  # (L, 7) births per woman-year
    male_share: np.ndarray  # (L,)


def period_rates(inputs: ProjectionInputs) -> list[PeriodRates]:
    """Life-table survival, fertility and sex split of each period, for all locations."""
    survival, birth_survival = survival_ratios(inputs.mx)  # (L, P, 2, 21), (L, P, 2)
    asfr = inputs.tfr[..., None] * inputs.fertility_pattern / STEP  # (L, P, 7)
    male_share = inputs.srb / (1.0 + inputs.srb)  # (L, P)
    return [
        PeriodRates(survival[:, p], birth_survival[:, p], asfr[:, p], male_share[:, p]) for p in range(inputs.n_periods)
    ]


@dataclass
class Step:
    """One period's outcome for L locations (see :func:`step`)."""

    end: np.ndarray  # (L, 2, 21) population at the end of the period
    births: np.ndarray  # (L, 2)
    deaths: np.ndarray  # (L, 2, 21)
    unrealised: np.ndarray  # (L, 2, 21) emigration with nobody left to leave


def step(start: np.ndarray, migrants: np.ndarray, rates: PeriodRates) -> Step:
    """Project one 5-year period: survival, migration timing, births (see the module notes).

    Apart from emptying cells that emigration would drive negative, the step is
    linear in ``start`` and ``migrants`` together, which :mod:`analysis.study.demand`
    uses to solve for migration directly.
    """
    early = MIGRANT_AGE_SHIFT * migrants
    late = migrants - early
    exposed = start + early
    short_early = np.maximum(-exposed, 0.0)  # emigrants with nobody left to leave
    exposed = exposed + short_early
    S = rates.survival
    end = np.zeros_like(start)
    end[..., 1:-1] = S[..., :-2] * exposed[..., :-2]
    open_exposed = exposed[..., -2] + exposed[..., -1]
    end[..., -1] = S[..., -1] * open_exposed
    deaths = np.zeros_like(start)
    deaths[..., 1:-1] = (1.0 - S[..., :-2]) * exposed[..., :-2]
    deaths[..., -1] = (1.0 - S[..., -1]) * open_exposed
    end += late

    women_end = np.maximum(end[:, 1, FERTILITY_AGES], 0.0)
    total_births = STEP * np.sum(rates.asfr * 0.5 * (start[:, 1, FERTILITY_AGES] + women_end), axis=-1)
    births = total_births[:, None] * np.stack([rates.male_share, 1.0 - rates.male_share], axis=-1)
    survivors = births * rates.birth_survival
    end[..., 0] += survivors
    deaths[..., 0] = births - survivors
    short_late = np.maximum(-end, 0.0)
    end += short_late

    # early emigrants that found nobody are booked in the group they would have reached
    unrealised = short_late.copy()
    unrealised[..., 1:-1] += short_early[..., :-2]
    unrealised[..., -1] += short_early[..., -2] + short_early[..., -1]
    return Step(end, births, deaths, unrealised)


#: Net migrants of period ``p`` given the population at its start: ``(p, start (L, 2, 21)) -> (L, 2, 21)``.
MigrantsHook = Callable[[int, np.ndarray], np.ndarray]
#: What to keep of each year's population: ``population (L, 2, 21) -> {name: array with L first}``.
Reducer = Callable[[np.ndarray], Mapping[str, np.ndarray]]


def _steps(inputs: ProjectionInputs, rates: Sequence[PeriodRates], migrants: MigrantsHook | None,
           check_balance: bool) -> Iterator[tuple[int, np.ndarray, np.ndarray, Step, np.ndarray, np.ndarray]]:
    """The period loop shared by :func:`project` and :func:`project_reduced`.

    Yields ``(p, start, migrants, outcome, realised, balance)`` per period;
    the population at the start of period p + 1 is ``outcome.end``.
    """
    start = inputs.population
    for p in range(inputs.n_periods):
        wanted = inputs.net_migrants[:, p] if migrants is None else migrants(p, start)
        outcome = step(start, wanted, rates[p])
        realised = wanted + outcome.unrealised
        balance = check_step_balance(start, outcome, realised, inputs, p, check_balance)
        yield p, start, wanted, outcome, realised, balance
        start = outcome.end


def project(inputs: ProjectionInputs, check_balance: bool = True, migrants: MigrantsHook | None = None) -> ProjectionResult:
    """Run the cohort-component projection for all locations at once.

    Parameters
    ----------
    inputs : ProjectionInputs
    check_balance : bool
        Verify ``P(t+5) = P(t) + births − deaths + net migration`` each step.
    migrants : callable, optional
        ``migrants(p, start)``: the net migrants of period ``p`` (L, 2, 21)
        given the population at its start, for migration that depends on the
        projection itself (probabilistic trajectories scale it with their
        population); ``inputs.net_migrants`` by default.

    Returns
    -------
    ProjectionResult
    """
    inputs.validate()
    L, P = inputs.tfr.shape
    rates = period_rates(inputs)
    population = np.empty((L, P + 1, 2, N_AGES))
    births = np.empty((L, P, 2))
    deaths = np.empty((L, P, 2, N_AGES))
    realised = np.empty((L, P, 2, N_AGES))
    unrealised = np.empty((L, P, 2, N_AGES))
    balance = np.empty((L, P))
    population[:, 0] = inputs.population
    for p, _, _, outcome, moved, error in _steps(inputs, rates, migrants, check_balance):
        population[:, p + 1] = outcome.end
        births[:, p] = outcome.births
        deaths[:, p] = outcome.deaths
        unrealised[:, p] = outcome.unrealised
        realised[:, p] = moved
        balance[:, p] = error
    return ProjectionResult(inputs, population, births, deaths, realised, unrealised, balance)


@dataclass
class ReducedProjection:
    """A projection that kept only what was asked of each year's population (memory independent of ages and sexes).

    Attributes
    ----------
    inputs : ProjectionInputs
    kept : dict of arrays
        Per name given by the reducer, its values by year: (L, T, …) with
        T = P + 1 years from the base year.
    births, deaths, net_migration, unrealised_emigration, balance_error : (L, P) arrays
        The components of change summed over sexes and ages (persons);
        net migration as realised.
    """

    inputs: ProjectionInputs
    kept: dict
    births: np.ndarray
    deaths: np.ndarray
    net_migration: np.ndarray
    unrealised_emigration: np.ndarray
    balance_error: np.ndarray

    @property
    def years(self) -> np.ndarray:
        return self.inputs.years


def project_reduced(
    inputs: ProjectionInputs,
    keep: Reducer,
    migrants: MigrantsHook | None = None,
    rates: Sequence[PeriodRates] | None = None,
    check_balance: bool = True,
) -> ReducedProjection:
    """The projection of :func:`project`, keeping only ``keep(population)`` of each year.

    The same steps in the same order as :func:`project`, so the kept values
    equal the same reductions of :func:`project`'s population exactly; the
    full (L, P + 1, 2, 21) population is never held, only one period's.

    Parameters
    ----------
    keep : callable
        ``keep(population (L, 2, 21)) -> {name: array (L, …)}``, called for
        the base year and the end of every period.
    migrants : callable, optional
        As for :func:`project`.
    rates : list of PeriodRates, optional
        :func:`period_rates` of ``inputs``, when the caller already has them.

    Returns
    -------
    ReducedProjection
    """
    inputs.validate()
    L, P = inputs.tfr.shape
    rates = period_rates(inputs) if rates is None else rates
    kept: dict[str, list[np.ndarray]] = {name: [value] for name, value in keep(inputs.population).items()}
    components = {name: np.empty((L, P)) for name in ("births", "deaths", "net", "unrealised", "balance")}
    for p, _, _, outcome, moved, error in _steps(inputs, rates, migrants, check_balance):
        for name, value in keep(outcome.end).items():
            kept[name].append(value)
        components["births"][:, p] = outcome.births.sum(axis=1)
        components["deaths"][:, p] = outcome.deaths.sum(axis=(1, 2))
        components["net"][:, p] = moved.sum(axis=(1, 2))
        components["unrealised"][:, p] = outcome.unrealised.sum(axis=(1, 2))
        components["balance"][:, p] = error
    stacked = {name: np.stack(values, axis=1) for name, values in kept.items()}
    return ReducedProjection(inputs, stacked, components["births"], components["deaths"], components["net"],
                             components["unrealised"], components["balance"])


def check_step_balance(
    start: np.ndarray, outcome: Step, realised: np.ndarray, inputs: ProjectionInputs, p: int, enforce: bool = True
) -> np.ndarray:
    """``P(t+5) − (P(t) + births − deaths + net migration)`` per location; raise if it is not ~0."""
    flows = outcome.births.sum(axis=1) - outcome.deaths.sum(axis=(1, 2)) + realised.sum(axis=(1, 2))
    balance = outcome.end.sum(axis=(1, 2)) - (start.sum(axis=(1, 2)) + flows)
    if enforce:
        # relative to the flows, not the result, which may be near zero after large outflows
        scale = np.maximum(
            start.sum(axis=(1, 2)) + outcome.births.sum(axis=1) + outcome.deaths.sum(axis=(1, 2)) + np.abs(realised).sum(axis=(1, 2)),
            1.0,
        )
        if (np.abs(balance) > BALANCE_TOLERANCE * scale).any():
            worst = int(np.argmax(np.abs(balance) / scale))
            raise ProjectionError(
                f"demographic balance broken for location {inputs.location_codes[worst]} in period "
                f"{inputs.base_year + STEP * p}: {balance[worst]:.3g} persons"
            )
    return balance
