"""Replacement migration solved directly from the engine's linearity, for many destinations at once.

A destination is projected without migration; each period, the migrants it
needs to hold a target follow from one step of the engine, which is linear in
the population at the period's start and its migrants together: the outcome
with ``M`` migrants of a given age–sex profile is the outcome without them
plus ``M`` times the outcome of one such migrant (who may also have children
in the period).  So ``M = (target − outcome without migrants) / (outcome of
one migrant)``, without iteration.

Destinations are *groups* of projected rows (a group's migrants are shared
among its rows by ``unit``, e.g. in proportion to the countries' base-year
population).  The same solver serves the deterministic solve of
:mod:`analysis.study.demand` (one group per destination) and the
probabilistic one of :mod:`analysis.model.trajectories` (one group per
trajectory and destination), so both give the same numbers on the same
inputs.

Targets: ``total`` and ``working-age`` (15–64) held at their base-year
level; ``support-ratio``: the potential support ratio (15–64 per 65+) kept at
or above a floor (default: its base-year level), never asking for emigration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.errors import InputError
from analysis.model import projection
from analysis.model.projection import ProjectionInputs

TARGETS = ("total", "working-age", "support-ratio")
WORKING_AGES = slice(3, 13)  # 15-19 … 60-64
OLD_AGES = slice(13, None)  # 65+


class ReplacementError(InputError):
    """A replacement target the migrants cannot reach (wrong ages, or emigration beyond the people there)."""


@dataclass
class Solution:
    """Migrants solved per group and period, and each group's population at the period ends.

    Attributes
    ----------
    needed : (G, P) array
        Net migrants over each period (persons; negative: net emigration).
    migrants : (R, P, 2, 21) array or None
        The migrants of each row, by period, sex and age (kept on request).
    total, working_age, older : (G, P) arrays
        Total population, 15–64 and 65+ at the end of each period.
    """

    needed: np.ndarray
    migrants: np.ndarray | None
    total: np.ndarray
    working_age: np.ndarray
    older: np.ndarray


def metric(population: np.ndarray, target: str) -> tuple[np.ndarray, np.ndarray]:
    """(15–64, 65+) or (total, zeros) summed over the last two axes of (rows, 2, 21)."""
    if target == "total":
        return population.sum(axis=(-2, -1)), np.zeros(population.shape[0])
    return population[..., WORKING_AGES].sum(axis=(-2, -1)), population[..., OLD_AGES].sum(axis=(-2, -1))


def solve(
    inputs: ProjectionInputs,
    row_group: np.ndarray,
    unit: np.ndarray,
    target: str,
    names: Sequence[str],
    ages: str,
    support_ratio_floor: float | None = None,
    allow_emigration: bool = True,
    rates: Sequence[projection.PeriodRates] | None = None,
    keep_migrants: bool = True,
) -> Solution:
    """Solve replacement migration for every group, one period at a time.

    Parameters
    ----------
    inputs : ProjectionInputs
        The rows to project (their ``net_migrants`` are ignored: the rows are
        projected without migration plus the solved migrants).
    row_group : (R,) int array
        The group of each row, 0 … G − 1.
    unit : (R, 2, 21) array
        One migrant to a group, split over its rows, sexes and ages (the
        rows of a group sum to 1).
    target : {"total", "working-age", "support-ratio"}
    names : sequence of str
        Each group's name, for messages.
    ages : str
        The migrants' age band, for messages.
    support_ratio_floor : float, optional
        Floor of the support-ratio target; each group's base-year ratio by default.
    allow_emigration : bool
        For the total and working-age targets, allow negative migration when
        the population would otherwise exceed its target.
    rates : list of PeriodRates, optional
        :func:`analysis.model.projection.period_rates` of ``inputs``, if known.
    keep_migrants : bool
        Keep the migrants by row (memory R × P × 42).

    Raises
    ------
    ReplacementError
        When migrants of these ages add nobody to the target population, cannot
        raise the support ratio to the floor, or when the target asks more
        people to leave than live in some age group.
    """
    if target not in TARGETS:
        raise ReplacementError(f"unknown target {target!r}; valid: {', '.join(TARGETS)}")
    rates = projection.period_rates(inputs) if rates is None else rates
    row_group = np.asarray(row_group)
    n_groups = len(names)

    def per_group(values: np.ndarray) -> np.ndarray:
        return np.bincount(row_group, weights=values, minlength=n_groups)

    measured = "working-age" if target == "support-ratio" else target
    state = np.array(inputs.population, dtype="float64")
    base_level = per_group(metric(state, target)[0])
    if target == "support-ratio":
        working, older = (per_group(v) for v in metric(state, "working-age"))
        floor = np.full(n_groups, support_ratio_floor) if support_ratio_floor else working / older
    zeros = np.zeros_like(state)
    P = inputs.n_periods
    needed_all = np.empty((n_groups, P))
    totals = {name: np.empty((n_groups, P)) for name in ("total", "working_age", "older")}
    solved = np.zeros((len(row_group), P, 2, projection.N_AGES)) if keep_migrants else None
    for p in range(P):
        free = projection.step(state, zeros, rates[p]).end
        response = projection.step(zeros, unit, rates[p]).end
        free_level, free_old = (per_group(v) for v in metric(free, measured))
        unit_level, unit_old = (per_group(v) for v in metric(response, measured))
        if target != "support-ratio" and not (unit_level > 0).all():
            bad = names[int(np.argmax(~(unit_level > 0)))]
            raise ReplacementError(
                f"migrants aged {ages} add nobody to the {'total population' if target == 'total' else 'population aged 15-64'} "
                f"of {bad} within a 5-year period; choose migrants of working age (e.g. 20-39)"
            )
        if target == "support-ratio":
            gain = unit_level - floor * unit_old
            if not (gain > 0).all():
                bad = names[int(np.argmax(~(gain > 0)))]
                raise ReplacementError(
                    f"migrants of ages {ages} cannot raise the support ratio of {bad} to {floor.max():.2f}: "
                    "choose younger migrants"
                )
            needed = np.maximum((floor * free_old - free_level) / gain, 0.0)
        else:
            needed = (base_level - free_level) / unit_level
            if not allow_emigration:
                needed = np.maximum(needed, 0.0)
        migrants = needed[row_group][:, None, None] * unit
        if solved is not None:
            solved[:, p] = migrants
        outcome = projection.step(state, migrants, rates[p])
        if outcome.unrealised.sum() > 1.0:
            start = inputs.base_year + projection.STEP * p
            raise ReplacementError(
                f"the {target} target asks more people to leave than live in some age groups in "
                f"{start}–{start + projection.STEP}; ask for no net emigration instead (--no-emigration on the command line, "
                "allow_emigration=False in Python): a period above the target then needs no migrants"
            )
        state = outcome.end
        needed_all[:, p] = needed
        totals["total"][:, p] = per_group(state.sum(axis=(1, 2)))
        totals["working_age"][:, p] = per_group(state[..., WORKING_AGES].sum(axis=(1, 2)))
        totals["older"][:, p] = per_group(state[..., OLD_AGES].sum(axis=(1, 2)))
    return Solution(needed_all, solved, totals["total"], totals["working_age"], totals["older"])
