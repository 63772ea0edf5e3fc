"""The emigration model's income scenarios: named growth rates of GDP per capita, and their check.

Apart from :mod:`analysis.study.emigration` so that checking a report's parameters does not import
statsmodels (0.6 s) for a number.
"""

from __future__ import annotations

from analysis.errors import InputError


class ModelInputError(InputError):
    """Bad input to the emigration model (scenario, years, specification)."""


#: Annual growth of GDP per capita (PPP) assumed by each named scenario.
#: These are assumptions for illustration, not forecasts: Africa's income per
#: person grew by roughly 1–2 % a year over 2000–2023 in the WDI data.
INCOME_SCENARIOS: dict[str, float] = {"low": 0.01, "medium": 0.02, "high": 0.03}


def income_growth(scenario: str | float) -> float:
    """Annual growth of GDP per capita for a named scenario or a number (0.02 = 2 % a year).

    Raises
    ------
    ModelInputError
        For unknown names and growth outside -5 % to +10 % a year.
    """
    if isinstance(scenario, str) and scenario.strip().lower() in INCOME_SCENARIOS:
        return INCOME_SCENARIOS[scenario.strip().lower()]
    valid = ", ".join(f"{name} ({rate:.0%})" for name, rate in INCOME_SCENARIOS.items())
    try:
        rate = float(scenario)
    except (TypeError, ValueError):
        raise ModelInputError(f"unknown income scenario {scenario!r}; valid: {valid}, or a growth rate like 0.025") from None
    if not -0.05 <= rate <= 0.10:
        raise ModelInputError(f"income growth {rate} is outside -0.05 to 0.10 a year (give 0.02 for 2 %); named: {valid}")
    return rate
