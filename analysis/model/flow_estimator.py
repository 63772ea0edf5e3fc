"""Bilateral migration flows from migrant stocks: the demographic-accounting, closed, pseudo-Bayesian estimator.

A port, in the project's own vectorised numpy, of the method Abel and Cohen
call ``da_pb_closed``:

* Abel, G. J. & Cohen, J. E. (2019). Bilateral international migration flow
  estimates for 200 countries. *Scientific Data* 6:82.
  https://doi.org/10.1038/s41597-019-0089-3
* Abel, G. J. & Cohen, J. E. (2022). Bilateral international migration flow
  estimates updated and refined by sex. *Scientific Data* 9:173.
  https://doi.org/10.1038/s41597-022-01271-z
* the R package ``migest`` by Guy J. Abel (GitHub ``guyabel/migest``):
  ``ffs_demo`` (the demographic account), ``nb_scale_global``,
  ``birth_mat``, ``death_mat``, ``match_birthplace_tot`` and the
  quasi-independent and independent fits of ``ffs_demo`` (formerly
  ``ipf3_qi``/``ipf3``), read for the order of the steps and their defaults;
  no code is copied;
* the pseudo-Bayes step is after Azose, J. J. & Raftery, A. E. (2019),
  Estimation of emigration, return migration, and transit migration between
  all pairs of countries, *PNAS* 116(1):116–122 (the form of the blend; its
  weight: option 6 below).

The account.  Two bilateral stock tables ``S1`` (start) and ``S2`` (end),
birthplace × residence, whose diagonal is the native-born population, and
births ``b`` and deaths ``d`` by country of residence over the period.  The
flows ``y[i, j, k]`` of people born in ``k`` who lived in ``i`` at the start
and in ``j`` at the end satisfy, for every birthplace, ``sum_j y[i, j, k] =
S1'[k, i]`` and ``sum_i y[i, j, k] = S2'[k, j]``, where ``S1'`` is ``S1``
less those who die and ``S2'`` is ``S2`` less those born in the period.
Migrant flows are the off-diagonal cells summed over birthplaces: ``y[i, j,
k]`` with ``i != j``; of them, *outward* moves are those with ``i == k``,
*return* moves those with ``j == k`` and *transit* moves the rest.

Options, each as in migest's defaults for the published estimates unless
said otherwise, and why:

1. **Closed world** (``match_global = "before-demo-adjust"``): before the
   births and deaths are taken out, the native-born cells of both tables
   are rescaled (half the gap each, proportionally to the cells) so that the
   world's stock change equals world births minus deaths; the world then has
   no outside, which is what makes the estimates "closed".
2. **Births** (``birth_method = "native"``): every birth is a native-born
   person of the country of residence; where a country's native-born
   population at the end is smaller than its births, that country's births
   are shared over its end-of-period stocks in proportion (``non_negative``),
   so that no cell goes below zero.
3. **Deaths** (``death_method = "proportion"``): a country's deaths are
   shared over everybody living there at the start (native- and
   foreign-born alike) in proportion to their numbers: one death rate per
   country of residence.
4. **Birthplace totals** (``match_birthplace_tot_method = "rescale"``): the
   people born in ``k`` must be as many in ``S1'`` as in ``S2'``; both tables
   are fitted by iterative proportional fitting (IPF) to the mean of the two
   birthplace totals, keeping each table's residence totals, to a tolerance
   of :data:`IPF_TOLERANCE` persons on every margin.
5. **Flows** per birthplace: the *minimum-migration* table (quasi-independence
   with the most stayers, ``stayer_assumption = TRUE``: ``y[i, i, k] =
   min(S1'[k, i], S2'[k, i])``, the rest independent) and the *independence*
   table (``stayer_assumption = FALSE``, as used in Azose and Raftery's
   method: ``S1'[k, i] S2'[k, j] / n_k``) are blended, ``y = w x + (1 - w)
   m``.  Both have the same margins, so the blend keeps every birthplace's
   account.  Both fits have closed forms here (once the stayers are set, the
   leavers and arrivers of a birthplace are disjoint sets of countries, so
   the quasi-independent IPF converges in one step to ``r_i c_j / R``): no
   IPF loop is needed for them, and all countries of a period take a few
   matrix products.
6. **The blend's weight** ``w``: the sources read give the pseudo-Bayes
   estimator's form, a convex blend of the two tables that keeps the margins
   (Bishop, Fienberg & Holland 1975, ch. 12: estimates ``n/(n+K) x +
   K/(n+K) m`` with ``K = (n^2 - sum x^2) / sum (x - m)^2``; the formula as
   given by the Stata help of ``psbayesm``,
   http://fmwww.bc.edu/RePEc/bocode/p/psbayesm.html: "shrinkage is tuned by
   the constant"), but not how the published set weighed it: that constant
   computed on counts of persons gives weights of 0.99999 (no smoothing;
   world flows about half the published ones, :func:`bfh_weights`).  The
   project therefore sets one weight, rounded to three decimals, so that its
   1990–2020 world flows sum to the published sum (:func:`calibrate_weight`);
   the per-period totals, the regions, the corridors, the types and the
   sexes remain tests.
7. **Seed**: no distance or other covariate (migest's default ``seed = 1``).

What the stock data need first (the inputs, :func:`period_inputs`): the
native-born population of a country is WPP's population less its foreign-born
stock (set to zero where the stocks exceed the population, counted in the
diagnostics); migrants of unknown origin (UN DESA code ``OOO``) are shared
over the known birthplaces of their destination in proportion to its
known-origin stocks (a destination with no known-origin stock keeps them out:
they are counted in the diagnostics); stock codes without a WPP population
(the Holy See) are left out and counted; the Channel Islands (``XCX``) are one
node whose population, births and deaths are Guernsey's and Jersey's; a
country with no immigrant in either stock year (its birthplace total could not
change) is merged into its former country where it has one (South Sudan into
the former Sudan before 2005–2010, as in the published set) and otherwise
left out with its population (Kosovo, Saint Martin, Saint-Barthélemy and the
Caribbean Netherlands, which UN DESA does not list).

Periods are 1 July to 1 July between stock years: 1990–1995, …, 2015–2020
(5 years) and 2020–2024 (4 years), the last labelled as the project's own
estimate everywhere.  Results are rounded to whole persons.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data import flows as flow_data
from analysis.data.stocks import COMPOSITES, STOCK_YEARS, UNKNOWN_ORIGIN
from analysis.data.tables import (
    DataNotBuiltError,
    TABLE_KEYS,
    load_manifest,
    read_table,
    write_parquet,
)
from analysis.errors import DataError, InputError

#: Largest gap (persons) on any margin the birthplace-total IPF may leave: the results are rounded to whole persons.
IPF_TOLERANCE = 0.5
#: Iterations the IPF may take before the estimator gives up with one line.
IPF_MAX_ITERATIONS = 20_000
#: Every so many iterations the IPF checks that it still gets closer (by 0.1 % at least).
STALL_CHECK = 500
#: Estimation methods: the published one, and its minimum-migration half.
METHODS = ("da_pb_closed", "da_min_closed")
#: Where the estimates are cached, keyed by the inputs' checksums and this module's source.
CACHE_DIR = paths.DATA / "cache" / "flows"
#: The tables the estimates are made from.
INPUT_TABLES = ("migrant_stocks", "flow_demography", "locations", "flows", "flow_stocks")
#: Stock periods (start, end).
PERIODS: tuple[tuple[int, int], ...] = tuple(zip(STOCK_YEARS[:-1], STOCK_YEARS[1:]))
#: Label carried by every estimate of this module.
SOURCE_LABEL = "estimated (project's own, da_pb_closed on UN DESA 2024 stocks and WPP 2024)"


#: The code the estimates come from, hashed when it is imported (what runs, even if the files change meanwhile).
_CODE_HASH = hashlib.sha256(Path(__file__).read_bytes() + Path(flow_data.__file__).read_bytes()).hexdigest()


class FlowEstimationError(DataError):
    """The inputs of a period cannot be balanced (for example, an IPF that does not converge)."""


class FlowEstimatorInputError(InputError):
    """Bad arguments to the estimator (method, period, sex)."""


# ---------------------------------------------------------------- one period, arrays in and out
@dataclass
class PeriodFlows:
    """Flows of one period among ``codes``: arrays origin × destination (persons, unrounded).

    ``flows`` is every move; ``outward``, ``returns`` and ``transit`` split it
    by type.  ``stayers`` holds the diagonal (people in the same country at
    both ends).  ``diagnostics`` records the size of each adjustment.
    """

    codes: list[str]
    flows: np.ndarray
    outward: np.ndarray
    returns: np.ndarray
    transit: np.ndarray
    stayers: np.ndarray
    start_margin: np.ndarray  # S1' after every adjustment, birthplace × residence
    end_margin: np.ndarray  # S2' after every adjustment
    diagnostics: dict = field(default_factory=dict)


def close_world(s1: np.ndarray, s2: np.ndarray, births: np.ndarray, deaths: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Rescale the native-born cells so that the world's stock change equals births minus deaths.

    Returns the adjusted tables and the gap that was closed (persons: natural
    increase minus stock change, before the adjustment).
    """
    gap = float((births - deaths).sum() - (s2.sum() - s1.sum()))
    s1, s2 = s1.copy(), s2.copy()
    for table, change in ((s1, -gap / 2.0), (s2, gap / 2.0)):
        native = np.diag(table).copy()
        total = native.sum()
        if total <= 0:
            raise FlowEstimationError("no native-born population to close the world on")
        np.fill_diagonal(table, native * (total + change) / total)
    return s1, s2, gap


def birth_table(births: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """Births by birthplace × residence: native-born, unless a country's native-born end stock is smaller.

    There (rare in real data) the country's births are shared over its
    end-of-period column in proportion, so that ``s2 - births`` stays
    non-negative.
    """
    table = np.diag(births.astype("float64"))
    short = np.diag(s2) < births
    if short.any():
        column = s2[:, short]
        table[:, short] = column * (births[short] / np.maximum(column.sum(axis=0), 1e-300))
    return table


def death_table(deaths: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """Deaths by birthplace × residence: each country's deaths shared over its start-of-period column in proportion."""
    totals = s1.sum(axis=0)
    return s1 * np.divide(deaths, totals, out=np.zeros_like(totals, dtype="float64"), where=totals > 0)


def fit_margins(seed: np.ndarray, rows: np.ndarray, columns: np.ndarray, tolerance: float = IPF_TOLERANCE,
                max_iterations: int = IPF_MAX_ITERATIONS) -> tuple[np.ndarray, int, float]:
    """Iterative proportional fitting of a non-negative table to row and column totals.

    Returns the fitted table, the iterations taken and the largest margin gap
    left (persons).

    Raises
    ------
    FlowEstimationError
        If the margins cannot be met (a positive total on an all-zero row or
        column) or the fit does not reach ``tolerance`` in ``max_iterations``.
    """
    table = seed.astype("float64").copy()
    if abs(rows.sum() - columns.sum()) > tolerance * max(1.0, len(rows)):
        raise FlowEstimationError(f"row totals ({rows.sum():,.1f}) and column totals ({columns.sum():,.1f}) differ")
    for label, totals, sums in (("row", rows, table.sum(axis=1)), ("column", columns, table.sum(axis=0))):
        impossible = (sums <= 0) & (totals > tolerance)
        if impossible.any():
            raise FlowEstimationError(f"{int(impossible.sum())} {label}(s) of zeros must sum to a positive total")
    gap = checkpoint = np.inf
    rows, columns = np.asarray(rows, dtype="float64"), np.asarray(columns, dtype="float64")
    row_sums = table.sum(axis=1)
    for iteration in range(1, max_iterations + 1):
        table *= np.divide(rows, row_sums, out=np.zeros_like(rows), where=row_sums > 0)[:, None]
        column_sums = table.sum(axis=0)
        table *= np.divide(columns, column_sums, out=np.zeros_like(columns), where=column_sums > 0)[None, :]
        row_sums = table.sum(axis=1)
        gap = float(np.abs(row_sums - rows).max())  # columns are exact after the column step
        if gap <= tolerance:
            return table, iteration, gap
        if iteration % STALL_CHECK == 0:  # a fit with no solution stops improving: say so now, not after the cap
            if gap > (1.0 - 1e-3) * checkpoint:
                raise FlowEstimationError(f"the birthplace totals cannot balance: the fit is stuck {gap:,.3f} persons "
                                          f"from them after {iteration} iterations")
            checkpoint = gap
    raise FlowEstimationError(f"the birthplace totals did not balance within {tolerance} persons after "
                              f"{max_iterations} iterations (largest gap {gap:,.3f})")


def match_birthplace_totals(s1: np.ndarray, s2: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Fit both tables to the mean of their birthplace totals, keeping their residence totals (IPF)."""
    target = (s1.sum(axis=1) + s2.sum(axis=1)) / 2.0
    fitted = []
    iterations = 0
    for table, other in ((s1, s2), (s2, s1)):
        seed = table.copy()
        empty = (seed.sum(axis=1) <= 0) & (target > 0)
        if empty.any():  # a birthplace absent from one table: seed it with the other table's pattern
            seed[empty] = other[empty]
        # a residence with native-born only in this table but migrants in the other could not lower its
        # native-born cell to meet its birthplace total: it borrows the other table's migrants as a faint seed
        foreign, foreign_other = seed.sum(axis=0) - np.diag(seed), other.sum(axis=0) - np.diag(other)
        for column in np.nonzero((foreign <= 0) & (foreign_other > 0))[0]:
            borrowed = other[:, column].copy()
            borrowed[column] = 0.0
            seed[:, column] += borrowed * 1e-6
        out, taken, _ = fit_margins(seed, target, table.sum(axis=0))
        fitted.append(out)
        iterations = max(iterations, taken)
    moved = float(np.abs(s1.sum(axis=1) - s2.sum(axis=1)).sum() / 2.0)
    return fitted[0], fitted[1], {"birthplace_gap": moved, "ipf_iterations": iterations}


def bfh_weights(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The pseudo-Bayes weight on the minimum-migration table of each birthplace with Bishop, Fienberg and Holland's constant.

    ``K = (n^2 - sum x^2) / sum (x - m)^2`` and weight ``n / (n + K)``, with
    ``x`` the minimum-migration table, ``m`` the independence table and
    ``n`` the people born there, counted in persons.  Kept to document why
    the published weighting is not this one: with counts of persons the
    weights are 0.99999 and more (no smoothing at all).
    """
    n = a.sum(axis=1)
    stay = np.minimum(a, b)
    leave, arrive = a - stay, b - stay
    movers = leave.sum(axis=1)
    safe_movers = np.where(movers > 0, movers, 1.0)
    safe_n = np.where(n > 0, n, 1.0)
    # sums over the n x n cells in closed form: leavers and arrivers are disjoint sets of countries
    x_squares = (stay ** 2).sum(axis=1) + (leave ** 2).sum(axis=1) * (arrive ** 2).sum(axis=1) / safe_movers ** 2
    x_dot_m = ((stay * a * b).sum(axis=1) + (leave * a).sum(axis=1) * (arrive * b).sum(axis=1) / safe_movers) / safe_n
    m_squares = (a ** 2).sum(axis=1) * (b ** 2).sum(axis=1) / safe_n ** 2
    distance = np.maximum(x_squares - 2.0 * x_dot_m + m_squares, 0.0)
    spread = np.maximum(n ** 2 - x_squares, 0.0)
    smoothing = np.divide(spread, distance, out=np.zeros_like(n), where=distance > 0)
    return np.where(n > 0, n / (n + smoothing), 1.0)


@dataclass
class BalancedMargins:
    """Steps 1–4 of one period: the birthplace × residence tables every flow table must add up to."""

    codes: list[str]
    start: np.ndarray  # S1' birthplace × residence: alive at the end, where they lived at the start
    end: np.ndarray  # S2' birthplace × residence: alive at the start, where they live at the end
    diagnostics: dict


def balance(s1: np.ndarray, s2: np.ndarray, births: np.ndarray, deaths: np.ndarray, codes: list[str]) -> BalancedMargins:
    """Close the world, take out births and deaths and match the birthplace totals (options 1–4).

    Parameters
    ----------
    s1, s2 : ndarray
        Birthplace × residence stocks at the start and end (persons), with
        the native-born on the diagonal, in the order of ``codes``.
    births, deaths : ndarray
        By country of residence over the period (persons).
    codes : list of str
        The countries (ISO-3).
    """
    n_codes = len(codes)
    for name, array, shape in (("s1", s1, (n_codes, n_codes)), ("s2", s2, (n_codes, n_codes)),
                               ("births", births, (n_codes,)), ("deaths", deaths, (n_codes,))):
        if np.shape(array) != shape:
            raise FlowEstimatorInputError(f"{name} has shape {np.shape(array)}, not {shape}")
        if not np.isfinite(array).all() or (np.asarray(array) < 0).any():
            raise FlowEstimatorInputError(f"{name} holds negative, missing or infinite values")
    births, deaths = np.asarray(births, float), np.asarray(deaths, float)
    s1, s2, closed = close_world(np.asarray(s1, float), np.asarray(s2, float), births, deaths)
    born, died = birth_table(births, s2), death_table(deaths, s1)
    start, end = s1 - died, s2 - born
    clipped = float(-np.minimum(start, 0).sum() - np.minimum(end, 0).sum())
    start, end = np.maximum(start, 0.0), np.maximum(end, 0.0)
    start, end, matched = match_birthplace_totals(start, end)
    return BalancedMargins(list(codes), start, end, {"closure_gap": closed, "clipped": clipped, **matched})


def blend(margins: BalancedMargins, weight) -> PeriodFlows:
    """Flows of one period: the minimum-migration and independence tables of every birthplace, blended (option 5).

    Parameters
    ----------
    margins : BalancedMargins
        From :func:`balance`.
    weight : float or ndarray
        Share of the minimum-migration table (1: ``da_min_closed``; the
        rest goes to the independence table), one number or one per
        birthplace.

    Returns
    -------
    PeriodFlows
        Flows origin × destination and by type (unrounded).
    """
    a, b = margins.start, margins.end
    n_codes = len(margins.codes)
    weight = np.broadcast_to(np.asarray(weight, dtype="float64"), (n_codes,))
    if not np.isfinite(weight).all() or (weight < 0).any() or (weight > 1).any():
        raise FlowEstimatorInputError("the pseudo-Bayes weight must be between 0 and 1")
    n = a.sum(axis=1)
    stay = np.minimum(a, b)
    leave, arrive = a - stay, b - stay
    movers = leave.sum(axis=1)
    # y[i, j, k] = w_k leave[k, i] arrive[k, j] / movers_k (i != j) + (1 - w_k) a[k, i] b[k, j] / n_k
    minimum_scale = np.divide(weight, movers, out=np.zeros(n_codes), where=movers > 0)
    independent_scale = np.divide(1.0 - weight, n, out=np.zeros(n_codes), where=n > 0)
    total = leave.T @ (arrive * minimum_scale[:, None]) + a.T @ (b * independent_scale[:, None])
    stayers = np.diag(total) + (stay * weight[:, None]).sum(axis=0)
    flows = total.copy()
    np.fill_diagonal(flows, 0.0)
    # outward: birthplace k = origin i; return: birthplace k = destination j
    outward = arrive * (minimum_scale * np.diag(leave))[:, None] + b * (independent_scale * np.diag(a))[:, None]
    returns = (leave * (minimum_scale * np.diag(arrive))[:, None]).T + (a * (independent_scale * np.diag(b))[:, None]).T
    np.fill_diagonal(outward, 0.0)
    np.fill_diagonal(returns, 0.0)
    transit = np.maximum(flows - outward - returns, 0.0)
    diagnostics = {**margins.diagnostics, "minimum_movers": float(movers.sum()),
                   "weight_minimum": float(np.average(weight, weights=n)) if n.sum() > 0 else 1.0}
    return PeriodFlows(list(margins.codes), flows, outward, returns, transit, stayers, a, b, diagnostics)


def estimate_period(s1: np.ndarray, s2: np.ndarray, births: np.ndarray, deaths: np.ndarray, codes: list[str],
                    method: str = "da_pb_closed", weight=None) -> PeriodFlows:
    """Flows of one period from two stock tables and the births and deaths in between.

    Parameters
    ----------
    s1, s2, births, deaths, codes
        As in :func:`balance`.
    method : str
        ``da_pb_closed`` (the published method: the pseudo-Bayes blend) or
        ``da_min_closed`` (the minimum-migration table alone).
    weight : float, ndarray or "bfh"
        For ``da_pb_closed``: the share of the minimum-migration table (see
        :func:`calibrate_weight`), or ``"bfh"`` for Bishop, Fienberg and
        Holland's constant per birthplace (:func:`bfh_weights`).

    Returns
    -------
    PeriodFlows
        Flows origin × destination and by type, unrounded.
    """
    if method not in METHODS:
        raise FlowEstimatorInputError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    margins = balance(s1, s2, births, deaths, codes)
    if method == "da_min_closed":
        weight = 1.0
    elif isinstance(weight, str) and weight == "bfh":
        weight = bfh_weights(margins.start, margins.end)
    elif weight is None:
        raise FlowEstimatorInputError("da_pb_closed needs a weight (calibrate_weight) or weight='bfh'")
    result = blend(margins, weight)
    result.diagnostics["method"] = method
    return result


def calibrate_weight(margins: Iterable[BalancedMargins], published_totals: Iterable[float]) -> float:
    """The one share of the minimum-migration table that gives the published world flows, summed over periods.

    World flows are linear in the weight (``w * minimum + (1 - w) *
    independence``), so the weight that makes the sum over the periods equal
    the published sum is ``(I - P) / (I - M)``; it is rounded to three
    decimals and kept within [0, 1].

    Parameters
    ----------
    margins : iterable of BalancedMargins
        One per period (both sexes).
    published_totals : iterable of float
        The published world flows of the same periods (persons).
    """
    minimum = independence = 0.0
    for item in margins:
        minimum += blend(item, 1.0).flows.sum()
        independence += blend(item, 0.0).flows.sum()
    published = float(sum(published_totals))
    if independence - minimum <= 0:
        raise FlowEstimationError("the independence and minimum-migration tables move as many people: no weight to set")
    return float(np.clip(round((independence - published) / (independence - minimum), 3), 0.0, 1.0))


def accounting_residual(result: PeriodFlows, s1: np.ndarray, s2: np.ndarray, births: np.ndarray,
                        deaths: np.ndarray) -> np.ndarray:
    """Per country: population change − (births − deaths + inflows − outflows), persons (the adjustments' size)."""
    change = s2.sum(axis=0) - s1.sum(axis=0)
    net = result.flows.sum(axis=0) - result.flows.sum(axis=1)
    return change - (births - deaths + net)


# ---------------------------------------------------------------- from the processed tables
@dataclass
class PeriodInputs:
    """Arrays of one period and sex, and what had to be left out to make them."""

    codes: list[str]
    start: np.ndarray
    end: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    notes: dict


def _nodes(demography: pd.DataFrame, locations: pd.DataFrame) -> tuple[list[str], dict[int, str]]:
    """The countries of the account (ISO-3) and the M49 code → node map (Guernsey and Jersey → XCX)."""
    countries = locations[(locations["kind"] == "country")].dropna(subset=["iso3"])
    with_data = countries[countries["location_code"].isin(demography["location_code"].unique())]
    node_of = dict(zip(with_data["location_code"].astype(int), with_data["iso3"]))
    iso_to_code = dict(zip(countries["iso3"], countries["location_code"].astype(int)))
    for composite, spec in COMPOSITES.items():
        for member in spec["members"]:
            if member in iso_to_code and iso_to_code[member] in node_of:
                node_of[iso_to_code[member]] = composite
    return sorted(set(node_of.values())), node_of


def _stock_matrix(rows: pd.DataFrame, codes: list[str], population: np.ndarray, notes: dict, label: str) -> np.ndarray:
    """Birthplace × residence stocks of one year and sex with the native-born on the diagonal."""
    position = {code: i for i, code in enumerate(codes)}
    known = rows[rows["origin_iso3"].isin(position) & rows["destination_iso3"].isin(position)]
    unknown = rows[(rows["origin_iso3"] == UNKNOWN_ORIGIN) & rows["destination_iso3"].isin(position)]
    left_out = rows[~rows.index.isin(known.index) & ~rows.index.isin(unknown.index)]
    matrix = np.zeros((len(codes), len(codes)))
    np.add.at(matrix, (known["origin_iso3"].map(position).to_numpy(), known["destination_iso3"].map(position).to_numpy()),
              known["migrants"].to_numpy())
    np.fill_diagonal(matrix, 0.0)  # a country's own-born are never in its foreign-born stock
    unknown_by = np.zeros(len(codes))
    np.add.at(unknown_by, unknown["destination_iso3"].map(position).to_numpy(), unknown["migrants"].to_numpy())
    known_by = matrix.sum(axis=0)
    shared = known_by > 0
    matrix[:, shared] += matrix[:, shared] * (unknown_by[shared] / known_by[shared])
    notes[f"unknown_origin_shared_{label}"] = float(unknown_by[shared].sum())
    notes[f"unknown_origin_left_out_{label}"] = float(unknown_by[~shared].sum())
    notes[f"stocks_left_out_{label}"] = float(left_out["migrants"].sum())
    foreign = matrix.sum(axis=0)
    native = population - foreign
    notes[f"native_born_clipped_{label}"] = float(-np.minimum(native, 0).sum())
    notes[f"native_born_clipped_countries_{label}"] = [codes[i] for i in np.nonzero(native < 0)[0]]
    np.fill_diagonal(matrix, np.maximum(native, 0.0))
    return matrix


def _receives(start_table: np.ndarray, end_table: np.ndarray, index: int) -> bool:
    """Whether a country has foreign-born residents in either stock table."""
    return any(table[:, index].sum() - table[index, index] > 0 for table in (start_table, end_table))


def period_inputs(stocks: pd.DataFrame, demography: pd.DataFrame, locations: pd.DataFrame, start: int,
                  sex: str = "both") -> PeriodInputs:
    """The arrays :func:`estimate_period` needs for one period and sex, from the processed tables.

    Parameters
    ----------
    stocks : DataFrame
        Processed ``migrant_stocks`` (UN DESA 2024, by sex).
    demography : DataFrame
        Processed ``flow_demography`` (WPP 2024 population, births, deaths).
    locations : DataFrame
        Processed ``locations``.
    start : int
        Start year of the period (a stock year before 2024).
    sex : str
        ``both``, ``female`` or ``male``.
    """
    periods = dict(PERIODS)
    if start not in periods:
        raise FlowEstimatorInputError(f"no stock period starts in {start}; valid: {', '.join(str(p) for p in periods)}")
    if sex not in flow_data.FLOW_SEXES:
        raise FlowEstimatorInputError(f"unknown sex {sex!r}; valid: {', '.join(flow_data.FLOW_SEXES)}")
    end = periods[start]
    codes, node_of = _nodes(demography, locations)
    position = {code: i for i, code in enumerate(codes)}
    rows = demography[(demography["period_start"] == start) & (demography["sex"] == sex)]
    index = rows["location_code"].astype(int).map(node_of).map(position).to_numpy()
    vectors = {}
    for column in ("population_start", "population_end", "births", "deaths"):
        values = np.zeros(len(codes))
        np.add.at(values, index, rows[column].to_numpy(dtype="float64"))
        vectors[column] = values
    notes: dict = {}
    tables = []
    for year, population, label in ((start, vectors["population_start"], "start"),
                                    (end, vectors["population_end"], "end")):
        selected = stocks[stocks["year"] == year]
        if sex != "both":
            selected = selected[selected["sex"] == sex]
        selected = selected.groupby(["origin_iso3", "destination_iso3"], as_index=False)["migrants"].sum()
        tables.append(_stock_matrix(selected, codes, population, notes, label))
    # a country with no immigrant in either table has a residence column holding its native-born cell alone,
    # which the birthplace-total fit cannot move (the fit may then have no solution).  Where it was part of a
    # former country (South Sudan of Sudan before 2011), the former country is one node of the period, as in the
    # published estimates; otherwise its stocks carry no information on flows into it and it is left out with
    # its population
    start_table, end_table = tables
    merged = []
    for former, spec in flow_data.FORMER_UNITS.items():
        members = [position[m] for m in spec["members"] if m in position]
        if len(members) != len(spec["members"]) or all(_receives(start_table, end_table, i) for i in members):
            continue
        keep_at, drop_at = members[0], members[1:]
        for table in (start_table, end_table):
            for other in drop_at:
                table[keep_at, :] += table[other, :]
                table[:, keep_at] += table[:, other]
        for values in vectors.values():
            values[keep_at] += values[drop_at].sum()
        codes = list(codes)
        codes[keep_at] = former
        remaining = [i for i in range(len(codes)) if i not in drop_at]
        start_table, end_table = start_table[np.ix_(remaining, remaining)], end_table[np.ix_(remaining, remaining)]
        vectors = {name: values[remaining] for name, values in vectors.items()}
        codes = [codes[i] for i in remaining]
        position = {code: i for i, code in enumerate(codes)}
        merged.append(former)
    notes["former_units"] = merged
    moving = np.array([_receives(start_table, end_table, i) for i in range(len(codes))])
    notes["left_out_no_stocks"] = [code for code, keep in zip(codes, moving) if not keep]
    notes["left_out_population"] = float(vectors["population_start"][~moving].sum())
    keep = np.nonzero(moving)[0]
    tables = [start_table, end_table]
    return PeriodInputs([codes[i] for i in keep], tables[0][np.ix_(keep, keep)], tables[1][np.ix_(keep, keep)],
                        vectors["births"][keep], vectors["deaths"][keep], notes)


def estimate(stocks: pd.DataFrame, demography: pd.DataFrame, locations: pd.DataFrame,
             published: pd.DataFrame | None = None, periods: Iterable[int] | None = None,
             sexes: Iterable[str] = flow_data.FLOW_SEXES, method: str = "da_pb_closed",
             weight: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The project's flow estimates for every period and sex, as a table laid out like the published ``flows``.

    Parameters
    ----------
    stocks, demography, locations : DataFrame
        Processed ``migrant_stocks``, ``flow_demography`` and ``locations``.
    published : DataFrame, optional
        The processed ``flows`` table: with ``weight`` None, the pseudo-Bayes
        weight is set from its world totals (:func:`calibrate_weight`, both
        sexes, the periods both have).
    periods : iterable of int, optional
        Start years; every stock period by default.
    sexes : iterable of str
        ``both``, ``female``, ``male``; each estimated from its own stocks,
        births and deaths (as the published sexes are).
    method : str
        ``da_pb_closed`` or ``da_min_closed``.
    weight : float, optional
        The share of the minimum-migration table, instead of calibrating it.

    Returns
    -------
    tuple of DataFrame
        ``(flows, diagnostics)``.  ``flows``: ``period_start, period_end,
        period, origin_iso3, origin_code, destination_iso3,
        destination_code, persons, sex, type`` (whole persons, non-zero
        cells; types ``all``, ``outward``, ``return``, ``transit`` for every
        sex).  ``diagnostics``: one row per period and sex with the weight
        and the size of every adjustment (persons).
    """
    if method not in METHODS:
        raise FlowEstimatorInputError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    starts = [p for p, _ in PERIODS] if periods is None else [int(p) for p in periods]
    sexes = list(sexes)
    prepared = {}
    for start in starts:
        for sex in sexes:
            inputs = period_inputs(stocks, demography, locations, start, sex)
            prepared[(start, sex)] = (inputs, balance(inputs.start, inputs.end, inputs.births, inputs.deaths,
                                                      inputs.codes))
    if method == "da_min_closed":
        weight = 1.0
    elif weight is None:
        if published is None:
            raise FlowEstimatorInputError("da_pb_closed needs a weight or the published flows to set it from")
        world = published[(published["sex"] == "both") & (published["type"] == "all")]
        world = world.groupby("period_start")["persons"].sum()
        common = [start for start in world.index if start in dict(PERIODS)]
        margins = []
        for start in common:
            if (start, "both") not in prepared:
                inputs = period_inputs(stocks, demography, locations, start, "both")
                prepared[(start, "both")] = (inputs, balance(inputs.start, inputs.end, inputs.births, inputs.deaths,
                                                             inputs.codes))
            margins.append(prepared[(start, "both")][1])
        weight = calibrate_weight(margins, [world[start] for start in common])
    codes_of = _iso_to_code(locations)
    frames, notes = [], []
    for start in starts:
        for sex in sexes:
            inputs, margins = prepared[(start, sex)]
            result = blend(margins, weight)
            residual = accounting_residual(result, inputs.start, inputs.end, inputs.births, inputs.deaths)
            frames.append(period_table(result, start, dict(PERIODS)[start], sex, codes_of))
            clipped = sorted(set(inputs.notes["native_born_clipped_countries_start"])
                             | set(inputs.notes["native_born_clipped_countries_end"]))
            smoothing = bfh_weights(margins.start, margins.end)  # the literal pseudo-Bayes constant, for the record
            born = margins.start.sum(axis=1)
            notes.append({"period_start": start, "sex": sex, "method": method, "weight": float(weight),
                          "bfh_weight_mean": float(np.average(smoothing, weights=born)),
                          "bfh_world_flows": float(blend(margins, smoothing).flows.sum()),
                          **{k: v for k, v in result.diagnostics.items() if k != "method"},
                          **{k: v for k, v in inputs.notes.items() if not isinstance(v, list)},
                          "native_born_clipped_countries": ", ".join(clipped),
                          "former_units": ", ".join(inputs.notes["former_units"]),
                          "left_out_no_stocks": ", ".join(inputs.notes["left_out_no_stocks"]),
                          "largest_accounting_residual": float(np.abs(residual).max()),
                          "world_flows": float(np.round(result.flows).sum())})
    out = pd.concat(frames, ignore_index=True).sort_values(TABLE_KEYS["flows"], ignore_index=True)
    out["period"] = out["period"].astype(str).astype("category")
    out = out.astype({"origin_iso3": "category", "destination_iso3": "category"})  # read twice as fast
    return out, pd.DataFrame(notes)


def _iso_to_code(locations: pd.DataFrame) -> dict[str, int | None]:
    countries = locations[locations["kind"] == "country"].dropna(subset=["iso3"])
    out = dict(zip(countries["iso3"], countries["location_code"].astype(int)))
    out.update({code: spec["location_code"] for code, spec in COMPOSITES.items()})
    return out


def period_table(result: PeriodFlows, start: int, end: int, sex: str, codes_of: dict) -> pd.DataFrame:
    """One period's flows in the long layout of the ``flows`` table (whole persons, non-zero cells)."""
    codes = np.array(result.codes, dtype=object)
    frames = []
    for kind, values in (("all", result.flows), ("outward", result.outward), ("return", result.returns),
                         ("transit", result.transit)):
        rounded = np.round(values)
        rows, cols = np.nonzero(rounded > 0)
        frames.append(pd.DataFrame({"origin_iso3": codes[rows], "destination_iso3": codes[cols],
                                    "persons": rounded[rows, cols], "type": kind}))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "period_start", np.int16(start))
    out.insert(1, "period_end", np.int16(end))
    out.insert(2, "period", flow_data.period_label(start, end))
    out.insert(4, "origin_code", out["origin_iso3"].map(codes_of).astype("Int32"))
    out.insert(6, "destination_code", out["destination_iso3"].map(codes_of).astype("Int32"))
    out["sex"] = sex
    out = out[["period_start", "period_end", "period", "origin_iso3", "origin_code", "destination_iso3",
               "destination_code", "persons", "sex", "type"]]
    out["sex"] = out["sex"].astype(flow_data.FLOW_SEX_DTYPE)
    out["type"] = out["type"].astype(flow_data.FLOW_TYPE_DTYPE)
    out["period"] = out["period"].astype("category")
    return out


# ---------------------------------------------------------------- the stocks the estimates are made from
#: Bilateral stocks the estimator can run on.
STOCK_SOURCES: dict[str, str] = {
    "undesa2024": "UN DESA International Migrant Stock 2024 (the project's estimates)",
    "published": "the stocks of the published estimates (UN DESA 2020 revision, from the explorer): the same "
                 "method on the published set's own inputs, to separate the method from the stock revision",
}


def published_stocks(flow_stocks: pd.DataFrame) -> pd.DataFrame:
    """The explorer's stocks (processed ``flow_stocks``) in the layout of ``migrant_stocks``, women and men.

    They have no unknown-origin row and use the former units SUD and SCG
    before 2010, which the estimator does not need: their rows are left out
    (the members' own rows carry the stocks from 2010).
    """
    rows = flow_stocks[(flow_stocks["sex"] != "both") & ~flow_stocks["origin_iso3"].isin(flow_data.FORMER_UNITS)
                       & ~flow_stocks["destination_iso3"].isin(flow_data.FORMER_UNITS)]
    return pd.DataFrame({"year": rows["year"].to_numpy(), "destination_iso3": rows["destination_iso3"].to_numpy(),
                         "origin_iso3": rows["origin_iso3"].to_numpy(), "sex": rows["sex"].astype(str).to_numpy(),
                         "migrants": rows["migrants"].to_numpy()})


def _stocks(processed_dir: Path | None, stock_source: str) -> tuple[pd.DataFrame, list[int]]:
    if stock_source not in STOCK_SOURCES:
        raise FlowEstimatorInputError(f"unknown stock source {stock_source!r}; valid: {', '.join(STOCK_SOURCES)}")
    if stock_source == "undesa2024":
        return read_table("migrant_stocks", processed_dir), [start for start, _ in PERIODS]
    stocks = published_stocks(read_table("flow_stocks", processed_dir))
    years = set(int(y) for y in stocks["year"].unique())
    return stocks, [start for start, end in PERIODS if start in years and end in years]


# ---------------------------------------------------------------- cache
def cache_key(processed_dir: Path | None = None, method: str = "da_pb_closed", stock_source: str = "undesa2024") -> str:
    """SHA-256 of what determines the estimates: the input tables' checksums, the method, the stocks and the code."""
    manifest = load_manifest(processed_dir)
    missing = [name for name in INPUT_TABLES if name not in manifest]
    if missing:
        raise DataNotBuiltError(f"processed tables {', '.join(missing)} are not built: run `make data` to build them")
    fingerprint = {
        "tables": {name: manifest[name]["sha256"] for name in INPUT_TABLES},
        "method": method, "stocks": stock_source,
        "code": _CODE_HASH,
    }
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()


def _cache_paths(processed_dir: Path | None, cache_dir: Path | None, method: str,
                 stock_source: str) -> dict[str, Path]:
    """The cache's two files of a run (``flows``, ``diagnostics``), named by the run's key."""
    folder = Path(cache_dir or CACHE_DIR)
    key = cache_key(processed_dir, method, stock_source)[:32]
    return {part: folder / f"{method}-{stock_source}-{key}-{part}.parquet" for part in ("flows", "diagnostics")}


def _cached(processed_dir: Path | None, cache_dir: Path | None, method: str,
            stock_source: str = "undesa2024") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The estimates and their diagnostics, read from the cache or computed and written there."""
    folder = Path(cache_dir or CACHE_DIR)
    prefix = f"{method}-{stock_source}"
    paths_of = _cache_paths(processed_dir, cache_dir, method, stock_source)
    try:
        return pd.read_parquet(paths_of["flows"]), pd.read_parquet(paths_of["diagnostics"])
    except Exception:  # noqa: BLE001 (missing or unreadable: computed again and replaced)
        pass
    stocks, periods = _stocks(processed_dir, stock_source)
    flows, diagnostics = estimate(stocks, read_table("flow_demography", processed_dir),
                                  read_table("locations", processed_dir), read_table("flows", processed_dir),
                                  periods=periods, method=method)
    write_parquet(diagnostics, paths_of["diagnostics"])  # the flows file last: both exist once it does
    write_parquet(flows, paths_of["flows"])
    for stale in folder.glob(f"{prefix}-*.parquet"):
        if stale not in paths_of.values():
            stale.unlink(missing_ok=True)
    return flows, diagnostics


def _is_cached(processed_dir: Path | None, cache_dir: Path | None, stock_source: str,
               method: str = "da_pb_closed") -> bool:
    """Whether both files of a run are in the cache (their contents are checked when read)."""
    return all(path.is_file() for path in _cache_paths(processed_dir, cache_dir, method, stock_source).values())


def estimated_flows(processed_dir: Path | None = None, cache_dir: Path | None = None,
                    method: str = "da_pb_closed", stock_source: str = "undesa2024") -> pd.DataFrame:
    """The project's flow estimates 1990–2024 (all periods and sexes), from the cache when it holds them.

    The first call computes them (about half a minute on the project's
    2-core machine; ``python -m analysis build`` does it after the tables)
    and writes ``data/cache/flows/<method>-<stocks>-<key>-*.parquet``
    (temporary file, then rename); the key changes whenever an input table
    or the code changes, so a stale file is never read.  A cached file that
    cannot be read is recomputed.  ``stock_source="published"`` runs the same
    method on the published set's own stocks (1990–2020).
    """
    return _cached(processed_dir, cache_dir, method, stock_source)[0]


def estimation_diagnostics(processed_dir: Path | None = None, cache_dir: Path | None = None,
                           method: str = "da_pb_closed", stock_source: str = "undesa2024") -> pd.DataFrame:
    """Per period and sex: the pseudo-Bayes weight and the size of every adjustment of :func:`estimated_flows`."""
    return _cached(processed_dir, cache_dir, method, stock_source)[1]


def _timed_diagnostics(processed_dir: Path | None, cache_dir: Path | None, stock_source: str) -> tuple[pd.DataFrame, float]:
    """One stock source's diagnostics (computed and cached if need be) and the seconds it took."""
    started = time.perf_counter()
    diagnostics = estimation_diagnostics(processed_dir, cache_dir, stock_source=stock_source)
    return diagnostics, time.perf_counter() - started


def warm_cache(processed_dir: Path | None = None, cache_dir: Path | None = None, progress=None) -> None:
    """Compute (or check) the cached estimates on both stock sources, so that commands and reports read them.

    The two sources are independent and each is mostly single-threaded Python and NumPy, so they run in two
    processes at once when neither is cached: 11 s instead of 18 s on the project's 2-core machine.
    """
    missing = [source for source in STOCK_SOURCES if not _is_cached(processed_dir, cache_dir, source)]
    results = {}
    if len(missing) > 1:
        # spawn, not fork: a forked child of a process running pyarrow's or OpenBLAS's threads can hang
        with ProcessPoolExecutor(len(missing), mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {source: pool.submit(_timed_diagnostics, processed_dir, cache_dir, source) for source in missing}
            results = {source: future.result() for source, future in futures.items()}
    for stock_source in STOCK_SOURCES:
        diagnostics, seconds = results.get(stock_source) or _timed_diagnostics(processed_dir, cache_dir, stock_source)
        if progress:
            progress(f"flow estimates ({stock_source} stocks): {diagnostics['period_start'].nunique()} periods, "
                     f"pseudo-Bayes weight {diagnostics['weight'].iloc[0]:.3f}, "
                     f"{seconds:.1f} s")
