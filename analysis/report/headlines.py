"""Headline numbers that say what they are: the sentences the reports and the index quote, and the rules they keep.

A headline is a ``(label, value)`` pair shown by :func:`analysis.report.provenance.headline`
and read back by the index.  The functions here write the headlines whose
honesty depends on the numbers, and :func:`problems` states the rules every
headline keeps (``tests/test_headlines.py`` applies them to the committed and
built reports and to these functions for several parameter sets):

1. a negative migration figure says in words why it is negative (``because``,
   or names the net emigration it means);
2. a share above 100 % says why (``because``: the rest shrinks);
3. every "medium" figure says whether it is WPP's published variant
   (``WPP … medium``) or the project's engine run on WPP's inputs (``engine``);
4. a replacement-migration need is quoted beside the migration WPP already assumes;
5. every quantity keeps at least two significant digits and no spurious ones
   (:mod:`analysis.data.wording`): not "+0.5 million" for +478,850, not "0
   thousand" (a zero is said in words), not "2,176.5 million"; whole counts
   printed in full ("35", "-33,937") keep every digit.
"""

from __future__ import annotations

import re
from typing import Iterable

import pandas as pd

from analysis.data import wording
from analysis.study.indicators import Increase

#: Words that make a figure a migration figure.
MIGRATION = re.compile(r"migra|immigra|emigra|institutions|pathway", re.IGNORECASE)
NEGATIVE = re.compile(r"^\s*[-−]\s*\d")
SHARE = re.compile(r"^\s*(\d[\d,]*(?:\.\d+)?)\s*%\s*$")
MEDIUM = re.compile(r"\bmedium\b", re.IGNORECASE)
WPP_BEFORE = re.compile(r"WPP(?:'s)?(?: 2024)?(?: published)?\s*$")
#: A number in a headline's value, and the unit after it (a scale word or percent) if any.
QUANTITY = re.compile(r"(?<![\w.])[-+−]?(\d[\d,]*(?:\.\d+)?)(\s*(?:million|billion|thousand|M|bn|k|%)(?![\w]))?")
#: The level of an interval ("80 %:"), which is not a quantity the headline states.
INTERVAL_LEVEL = re.compile(r"\b\d+(?:\.\d+)?\s*%:")


def significant_digits(number: str) -> int:
    """Significant digits of a number as printed (``"0.48"`` 2, ``"2,176.5"`` 5, ``"0"`` 0, ``"800"`` 3)."""
    digits = number.replace(",", "").replace(".", "").lstrip("+-−").lstrip("0")
    return len(digits)


def rounding_problems(value: str) -> list[str]:
    """How a headline's value breaks the rounding rule (rule 5 of the module): too few or spurious digits."""
    found = []
    for match in QUANTITY.finditer(INTERVAL_LEVEL.sub(" ", value)):
        number, unit = match.group(1), match.group(2)
        whole, _, fraction = number.partition(".")
        digits = significant_digits(number)
        if digits == 0:
            found.append(f"a zero written as a number ({match.group(0).strip()!r}): say it in words")
        elif not fraction and not unit:
            continue  # a whole count printed in full keeps every digit
        elif digits < 2:
            found.append(f"{match.group(0).strip()!r} keeps fewer than two significant digits")
        elif fraction and significant_digits(whole) >= 3:
            found.append(f"{match.group(0).strip()!r} has decimals after three significant digits")
    return found


def problems(label: str, value: str) -> list[str]:
    """What a headline breaks of the rules above (an empty list when it keeps them all)."""
    found = []
    text = f"{value} {label}"
    if NEGATIVE.match(value) and MIGRATION.search(label) and not re.search(r"because|net emigration", label):
        found.append("a negative migration figure without its explanation ('because …' or 'net emigration')")
    share = SHARE.match(value)
    if share and float(share.group(1).replace(",", "")) > 100 and "because" not in label:
        found.append("a share above 100 % without its reason ('because …')")
    if "engine" not in text:
        for match in MEDIUM.finditer(label):
            if not WPP_BEFORE.search(label[:match.start()]):
                found.append("a 'medium' figure that does not say whether it is WPP's or the engine's")
                break
    if re.search(r"to hold|replacement", label) and "assume" not in label:
        found.append("a replacement need without the migration WPP already assumes")
    found.extend(rounding_problems(value))
    return found


def _millions(value: float, sign: bool = False) -> str:
    return wording.scaled(value, 1e6, "million", sign)


def _fan(trajectories: int) -> str:
    return f"median of {trajectories:,} trajectories with its 80 % interval"


def working_age_increase(increase: Increase, place: str, ages: str, base_year: int, target_year: int,
                         probabilistic: str | None = None, trajectories: int | None = None) -> list[tuple[str, str]]:
    """The increase of a location's age band and its share of the world's, with the reason when above 100 %.

    Parameters
    ----------
    increase : Increase
        :func:`analysis.study.indicators.increase_summary` (WPP 2024, medium, low and high variants).
    probabilistic : str, optional
        The median increase over the probabilistic trajectories with its 80 % interval
        (:func:`analysis.study.uncertainty.change_headline`); the headline then quotes it, with WPP's variants beside.
    trajectories : int, optional
        How many trajectories ``probabilistic`` summarises.
    """
    if probabilistic is None:
        found = [(f"more people aged {ages} in {place}, {base_year}-{target_year}, WPP 2024 medium variant "
                  f"(low {increase.low / 1e6:,.0f}, high {increase.high / 1e6:,.0f})", _millions(increase.change))]
    else:
        found = [(f"more people aged {ages} in {place}, {base_year}-{target_year}: {_fan(trajectories)} (WPP 2024 "
                  f"medium variant {increase.change / 1e6:+,.0f} M, low {increase.low / 1e6:+,.0f} M, high "
                  f"{increase.high / 1e6:+,.0f} M)", probabilistic)]
    found.append(world_share(increase, ages, place))
    return found


def world_share(increase: Increase, ages: str, place: str) -> tuple[str, str]:
    """The location's share of the world's increase, or, when a share would mislead, the rest of the world's change.

    A share is quoted only when both the location and the world grow; above
    100 % it says that the rest of the world shrinks.
    """
    rest = increase.rest_of_world
    if increase.change > 0 and increase.world_change > 0:
        if increase.share_of_world > 1:
            return (f"of the world's increase in people aged {ages}: more than all of it, because the rest of the "
                    f"world's population in these ages shrinks by {-rest / 1e6:,.0f} million (WPP 2024 medium)",
                    wording.percent(increase.share_of_world))
        return (f"of the world's increase in people aged {ages} (WPP 2024 medium)",
                wording.percent(increase.share_of_world))
    return (f"change in the rest of the world's population aged {ages} over the same years, beside {place}'s "
            f"{increase.change / 1e6:+,.0f} million (WPP 2024 medium)", _millions(rest, sign=True))


def working_age_change(row: pd.Series, place: str, base_year: int, horizon: int, probabilistic: str | None = None,
                       trajectories: int | None = None) -> tuple[str, str]:
    """A destination's change in its 15–64 population with the variant range (``medium, low, high`` in percent).

    With ``probabilistic`` (the median change in percent with its 80 % interval), the headline quotes it and puts
    WPP's variants beside it.
    """
    if probabilistic is None:
        return (f"change in {place}'s population aged 15-64, {base_year}-{horizon}, WPP 2024 medium variant "
                f"(low {row['low']:+.1f} %, high {row['high']:+.1f} %)", f"{wording.number(row['medium'], sign=True)} %")
    return (f"change in {place}'s population aged 15-64, {base_year}-{horizon}: {_fan(trajectories)} (WPP 2024 medium "
            f"variant {row['medium']:+.1f} %, low {row['low']:+.1f} %, high {row['high']:+.1f} %)", probabilistic)


def replacement(context: pd.Series, probabilistic: str | None = None, trajectories: int | None = None
                ) -> tuple[str, str]:
    """The working-age replacement need beside WPP's assumed migration, negative needs explained.

    Parameters
    ----------
    context : Series
        :func:`analysis.study.demand.replacement_context`.
    probabilistic : str, optional
        The median need per year over the probabilistic trajectories with its 80 % interval
        (:func:`analysis.study.uncertainty.replacement_headline`; a trajectory whose population would stay above
        the target needs none and is never asked for emigration, and "none" is written in words); the headline
        then quotes it, with the engine's run on WPP's medium inputs beside it.
    trajectories : int, optional
        How many trajectories ``probabilistic`` summarises.
    """
    place, period = context["location"], context["period"]
    need, assumed = context["need_per_year"], context["assumed_per_year"]
    value = wording.scaled(need, 1e3, "thousand")
    held = f"to hold {place}'s 15-64 population at its {period[:4]} level ({context['held'] / 1e6:,.1f} million), {period}"
    if probabilistic is not None:
        medium = (f"the engine on WPP 2024 medium inputs: {value} a year" if need >= 0 else
                  f"the engine on WPP 2024 medium inputs: net emigration of {-need / 1e3:,.0f} thousand a year, because "
                  f"without migration {place}'s 15-64 population would grow to "
                  f"{context['zero_migration_peak'] / 1e6:,.1f} million by {context['zero_migration_peak_year']}")
        assumes = f"WPP 2024 medium already assumes {assumed / 1e3:+,.0f} thousand a year"
        if probabilistic.startswith("none"):  # the median trajectory needs no immigrants at all
            everywhere = "80 %: none to none" in probabilistic
            return (f"net immigrants needed a year {held}: in at least {'90 %' if everywhere else 'half'} of "
                    f"{trajectories:,} trajectories {place}'s 15-64 population stays at or above that level without "
                    f"immigration ({medium}; {assumes})", "none" if everywhere else probabilistic)
        return (f"net immigrants a year {held}: {_fan(trajectories)}; a trajectory whose 15-64 population stays "
                f"above that level without immigration counts as needing none, never as emigration ({medium}; "
                f"{assumes})", probabilistic)
    if need >= 0:
        return (f"net immigrants a year {held} (engine, from zero migration), of which {assumed / 1e3:,.0f} thousand "
                "a year already assumed by WPP 2024 medium", value)
    return (f"net immigrants a year {held} (engine, from zero migration): net emigration, because without migration "
            f"{place}'s 15-64 population would grow to {context['zero_migration_peak'] / 1e6:,.1f} million by "
            f"{context['zero_migration_peak_year']}; WPP 2024 medium assumes {assumed / 1e3:+,.0f} thousand a year",
            value)


def scenario_levels(difference: pd.DataFrame, place: str, ages: str, horizon: int) -> list[tuple[str, str]]:
    """Each scenario's population in an age band at the horizon (``scenario, target``), all from the engine."""
    return [(f"aged {ages} in {place} in {horizon}, engine under scenario {row.scenario}"
             + (" (WPP 2024 medium inputs)" if row.scenario == "medium" else ""), _millions(row.target))
            for row in difference.itertuples()]


def scenario_differences(summary: pd.DataFrame, place: str, horizon: int, reference: str) -> list[tuple[str, str]]:
    """The first other scenario minus the reference at the horizon, per age band (engine; ``last_year_difference``)."""
    first = summary[summary["scenario"] == summary["scenario"].iloc[0]]
    return [(f"aged {row.band} in {place} in {horizon}, {row.scenario} minus {reference} (engine)",
             _millions(row.last_year_difference, sign=True)) for row in first.itertuples()]


def pathway_effect(at_target: pd.DataFrame, places: Iterable[str], year: int, institutions: int, destination: str
                   ) -> list[tuple[str, str]]:
    """The partnership's effect on each place's 15–64 population in a year (``location, working_age_change``).

    The origin loses the migrants who leave (and their children); the
    destination gains them.  Both runs are the engine's on WPP 2024 medium inputs.
    """
    rows = at_target.set_index("location")["working_age_change"]
    found = []
    count = f"{institutions:,} institution{'' if institutions == 1 else 's'}"
    for place in places:
        change = float(rows[place])
        why = (f"fewer because the migrants of {count} leave for {destination}" if change < 0
               else f"more because the migrants of {count} arrive")
        found.append((f"aged 15-64 in {place} in {year}: {why} (engine, with minus without the partnership, "
                      "WPP 2024 medium inputs)", f"{change:+,.0f}"))
    return found


def need_and_supply(sides: pd.Series, place: str, origin: str, base_year: int, horizon: int) -> str:
    """The destination's replacement need beside the origin's working-age growth, as a comparison of sizes only.

    Parameters
    ----------
    sides : Series
        :func:`analysis.study.demand.need_and_supply`.
    """
    need = sides["need"]
    supply = (f"Over the same years {origin}'s 15-64 population grows by {sides['working_age_growth'] / 1e6:,.0f} "
              f"million and {sides['entrants'] / 1e6:,.0f} million young people turn 15 (WPP 2024 medium variant).")
    if need <= 0:
        return (f"{base_year}-{horizon}: {place} needs no immigrants to hold its 15-64 population at its {base_year} "
                f"level: it would take net emigration of {-need / 1e6:,.1f} million, because without migration that "
                f"population would grow (engine, from zero migration). {supply}")
    return (f"{base_year}-{horizon}: {place} would need {need / 1e6:,.1f} million net immigrants (engine, from zero "
            f"migration) to hold its 15-64 population at its {base_year} level. {supply} For scale only, the need "
            f"equals {sides['share_of_growth']:.1%} of {origin}'s working-age growth: this compares sizes and does "
            f"not assume that the migrants would come from {origin}.")
