"""Demographic methods on engine inputs: replacement fertility and mortality scaled to a life expectancy."""

from __future__ import annotations

import numpy as np

from analysis.model import projection
from analysis.model.projection import STEP, ProjectionInputs


def replacement_tfr(inputs: ProjectionInputs) -> np.ndarray:
    """TFR giving a net reproduction rate of 1 under each period's mortality, age pattern and sex ratio.

    NRR = TFR × (1 / (1 + SRB)) × Σ share(x) × 5L_f(x) / 5 (radix 1), so
    TFR = 1 / [(1 / (1 + SRB)) × Σ share(x) × 5L_f(x) / 5].
    """
    L5_female = projection.life_table(inputs.mx)["L5"][..., 1, projection.FERTILITY_AGES]  # (L, P, 7)
    female_share = 1.0 / (1.0 + inputs.srb)
    return 1.0 / (female_share * np.sum(inputs.fertility_pattern * L5_female / STEP, axis=-1))


def scale_mortality_to_e0(mx: np.ndarray, target_e0: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Multiply death rates by a factor per (location, period, sex) so that e0 hits ``target_e0``.

    Vectorised bisection on the log of the factor (e0 falls as the factor rises).
    """
    low = np.full(target_e0.shape, np.log(1e-3))
    high = np.full(target_e0.shape, np.log(1e3))
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        e0 = projection.life_table(mx * np.exp(middle)[..., None])["e0"]
        too_high = e0 > target_e0  # rates too low: raise them
        low = np.where(too_high, middle, low)
        high = np.where(too_high, high, middle)
    return mx * np.exp(0.5 * (low + high))[..., None]
