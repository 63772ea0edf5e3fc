"""Engine inputs from the processed WPP tables: the adapter between the data and model layers.

Inputs are built once per variant, base year, horizon, set of locations and
folder of processed tables (and rebuilt when the tables are rebuilt): a
scenario run then costs the engine and the scenario, not the reading and
reshaping of the tables.  The cached arrays are read-only, so no caller can
change them for the next; :meth:`ProjectionInputs.copy` gives writable ones.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.data.conventions import FIRST_YEAR, LAST_ESTIMATE_YEAR, LAST_YEAR, PROJECTION_VARIANTS, STEP
from analysis import paths
from analysis.data.tables import MANIFEST_NAME, read_table
from analysis.errors import InputError
from analysis.model import projection
from analysis.model.projection import ProjectionInputs

DEFAULT_BASE_YEAR = 2025


class InputsError(InputError):
    """Engine inputs that cannot be built (unknown variant, years outside the data, locations without data)."""


def _countries(processed_dir: Path | None) -> np.ndarray:
    locations = read_table("locations", processed_dir)
    codes = locations.loc[locations["kind"] == "country", "location_code"]
    with_data = read_table("population", processed_dir)["location_code"].unique()
    return np.sort(codes[codes.isin(with_data)].to_numpy().astype("int32"))


def wpp_inputs(
    variant: str = "medium",
    base_year: int = DEFAULT_BASE_YEAR,
    end_year: int = LAST_YEAR,
    location_codes: Iterable[int] | None = None,
    processed_dir: Path | None = None,
) -> ProjectionInputs:
    """Engine inputs from the processed WPP tables, for all countries by default.

    Parameters
    ----------
    variant : str
        ``medium``, ``low`` or ``high``: the base population (from 2025) and
        TFR of that variant; mortality, sex ratio and migration are shared.
    base_year, end_year : int
        Multiples of 5 with 1950 ≤ base_year < end_year ≤ 2100. Net migration
        by age exists from 2020 on; earlier periods have missing migration
        that a scenario must set (e.g. ``zero-migration``).
    location_codes : iterable of int, optional
        M49 codes of countries; all countries with data by default.

    Returns
    -------
    ProjectionInputs
        Built once per arguments and state of the processed tables; its
        arrays are read-only (``copy()`` them to change them).
    """
    if variant not in PROJECTION_VARIANTS:
        raise InputsError(f"variant {variant!r} is not one of {', '.join(PROJECTION_VARIANTS)}")
    for label, year in (("base year", base_year), ("end year", end_year)):
        if year % STEP or not FIRST_YEAR <= year <= LAST_YEAR:
            raise InputsError(f"{label} {year} must be one of 1950, 1955, …, 2100")
    if end_year <= base_year:
        raise InputsError(f"end year {end_year} must come after the base year {base_year}")
    codes = None if location_codes is None else tuple(int(c) for c in np.sort(np.asarray(list(location_codes), dtype="int32")))
    folder = Path(processed_dir or paths.PROCESSED)
    try:  # the build rewrites the manifest last: its time stamps the tables' state
        stamp = (folder / MANIFEST_NAME).stat().st_mtime_ns
    except OSError:
        stamp = None  # reading the tables below says what is missing
    cached = _built_inputs(variant, int(base_year), int(end_year), codes, str(folder.resolve()), stamp)
    return dataclasses.replace(cached, notes=dict(cached.notes))


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


@lru_cache(maxsize=32)
def _built_inputs(variant: str, base_year: int, end_year: int, location_codes: tuple[int, ...] | None, folder: str,
                  stamp: int | None) -> ProjectionInputs:  # noqa: ARG001 (the stamp invalidates)
    processed_dir = Path(folder)
    codes = np.asarray(location_codes, dtype="int32") if location_codes is not None else _countries(processed_dir)
    n_locations, periods = len(codes), np.arange(base_year, end_year, STEP)
    n_periods = len(periods)

    def rows(table: pd.DataFrame, column: str = "location_code") -> pd.DataFrame:
        selected = table[table[column].isin(codes)]
        found = np.unique(selected[column])
        if len(found) != n_locations:
            missing = sorted(set(codes) - set(found))
            raise InputsError(f"no WPP data for locations {missing[:5]}")
        return selected

    population = read_table("population", processed_dir)
    base_variant = "estimates" if base_year <= LAST_ESTIMATE_YEAR else variant
    base = rows(population[(population["year"] == base_year) & (population["variant"] == base_variant)])
    base = base.sort_values(["location_code", "sex", "age"])
    base_population = base["population"].to_numpy().reshape(n_locations, 2, projection.N_AGES)

    in_periods = lambda table: table[table["period_start"].isin(periods)]  # noqa: E731
    mortality = rows(in_periods(read_table("mortality", processed_dir)))
    mortality = mortality[mortality["sex"] != "both"].sort_values(["location_code", "period_start", "sex", "age"])
    mx = mortality["mx"].to_numpy().reshape(n_locations, n_periods, 2, projection.N_MORTALITY_AGES)

    tfr_table = rows(in_periods(read_table("tfr", processed_dir)))
    wanted = np.where(tfr_table["period_start"] < 2020, "estimates", variant)
    tfr_table = tfr_table[tfr_table["variant"].astype(str).to_numpy() == wanted]
    tfr = tfr_table.sort_values(["location_code", "period_start"])["tfr"].to_numpy().reshape(n_locations, n_periods)

    pattern = rows(in_periods(read_table("fertility_age_pattern", processed_dir)))
    pattern = pattern.sort_values(["location_code", "period_start", "age"])["share"].to_numpy()
    pattern = pattern.reshape(n_locations, n_periods, 7)

    srb = rows(in_periods(read_table("sex_ratio_at_birth", processed_dir)))
    srb = srb.sort_values(["location_code", "period_start"])["srb"].to_numpy().reshape(n_locations, n_periods)

    migration = read_table("net_migration", processed_dir)
    migration = migration[migration["location_code"].isin(codes) & migration["period_start"].isin(periods)]
    net = np.full((n_locations, n_periods, 2, projection.N_AGES), np.nan)
    if len(migration):
        loc_index = np.searchsorted(codes, migration["location_code"].to_numpy())
        period_index = (migration["period_start"].to_numpy() - base_year) // STEP
        sex_index = migration["sex"].cat.codes.to_numpy()
        age_index = migration["age"].cat.codes.to_numpy()
        net[loc_index, period_index, sex_index, age_index] = migration["net_migrants"].to_numpy()

    return ProjectionInputs(
        location_codes=_readonly(codes),
        base_year=base_year,
        population=_readonly(base_population),
        mx=_readonly(mx),
        tfr=_readonly(tfr),
        fertility_pattern=_readonly(pattern),
        srb=_readonly(srb),
        net_migrants=_readonly(net),
        label=variant,
        notes={"variant": variant},
    )


# ---------------------------------------------------------------- WPP's published quantiles
#: First year of WPP's probabilistic projections (1 July), the base year of every trajectory.
PROBABILISTIC_BASE_YEAR = 2025
#: First calendar year of WPP's annual migration quantiles.
FIRST_MIGRATION_YEAR = 2024
N_QUANTILES = 5


@dataclasses.dataclass(frozen=True)
class QuantileInputs:
    """WPP's published quantiles (2.5, 10, 50, 90, 97.5 %) as arrays over the countries of the engine inputs.

    Attributes
    ----------
    location_codes : (L,) int
    tfr : (L, P, 5)
        TFR per period from 2025.
    e0 : (L, P, 2, 5)
        Life expectancy at birth by sex (male, female).
    migration : (L, Y, 5)
        Net migrants per calendar year, persons, for ``migration_years``.
    migration_years : (Y,) int
        2024 … the end year.
    """

    location_codes: np.ndarray
    tfr: np.ndarray
    e0: np.ndarray
    migration: np.ndarray
    migration_years: np.ndarray


def wpp_quantiles(end_year: int = LAST_YEAR, location_codes: Iterable[int] | None = None,
                  processed_dir: Path | None = None) -> QuantileInputs:
    """WPP's quantiles of TFR, e0 and annual migration from 2025 to ``end_year``, laid out like the engine inputs.

    Built once per arguments and build of the tables, read-only.

    Raises
    ------
    InputsError
        For an end year off the 5-year grid of 2030–2100, or countries without quantiles.
    """
    if end_year % STEP or not PROBABILISTIC_BASE_YEAR < end_year <= LAST_YEAR:
        raise InputsError(f"end year {end_year} must be one of 2030, 2035, …, 2100 (WPP's intervals start in 2025)")
    codes = None if location_codes is None else tuple(int(c) for c in np.sort(np.asarray(list(location_codes), dtype="int32")))
    folder = Path(processed_dir or paths.PROCESSED)
    try:
        stamp = (folder / MANIFEST_NAME).stat().st_mtime_ns
    except OSError:
        stamp = None
    return _built_quantiles(int(end_year), codes, str(folder.resolve()), stamp)


@lru_cache(maxsize=8)
def _built_quantiles(end_year: int, location_codes: tuple[int, ...] | None, folder: str,
                     stamp: int | None) -> QuantileInputs:  # noqa: ARG001 (the stamp invalidates)
    processed_dir = Path(folder)
    codes = np.asarray(location_codes, dtype="int32") if location_codes is not None else _countries(processed_dir)
    periods = np.arange(PROBABILISTIC_BASE_YEAR, end_year, STEP)
    years = np.arange(FIRST_MIGRATION_YEAR, end_year + 1)

    def laid_out(name: str, time: str, times: np.ndarray, value: str, extra: dict | None = None) -> np.ndarray:
        table = read_table(name, processed_dir)
        for column, wanted in (extra or {}).items():
            table = table[table[column] == wanted]
        table = table[table["location_code"].isin(codes) & table[time].isin(times)]
        expected = len(codes) * len(times) * N_QUANTILES
        if len(table) != expected:
            missing = sorted(set(codes) - set(table["location_code"]))
            raise InputsError(f"{name}: quantiles missing for {len(codes) * len(times) * N_QUANTILES - len(table)} "
                              f"cells (locations {missing[:5]})")
        table = table.sort_values(["location_code", time, "quantile"])
        return table[value].to_numpy(dtype="float64").reshape(len(codes), len(times), N_QUANTILES)

    tfr = laid_out("tfr_quantiles", "period_start", periods, "tfr")
    e0 = np.stack([laid_out("life_expectancy_quantiles", "period_start", periods, "e0", {"sex": sex})
                   for sex in ("male", "female")], axis=2)
    migration = laid_out("migration_quantiles", "year", years, "net_migrants")
    return QuantileInputs(_readonly(codes), _readonly(tfr), _readonly(e0), _readonly(migration), _readonly(years))
