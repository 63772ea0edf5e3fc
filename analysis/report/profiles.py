"""Country profiles: the numbers of one country's report, and a summary written from them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.data import education as education_data
from analysis.data import stocks as stocks_data
from analysis.data import wpp
from analysis.data.conventions import LAST_YEAR
from analysis.data.locations import Location
from analysis.data.tables import read_table
from analysis.errors import InputError
from analysis.study import demand, indicators, migration, skills

VARIANTS = ("medium", "low", "high")
#: Ages whose education the profile summarises: young adults, who have finished their schooling.
EDUCATION_AGES = "25-34"


def country_profile(place: Location, base_year: int = 2025, compare_year: int = 2050, stock_year: int = 2024,
                    top: int = 5, processed_dir: Path | None = None) -> dict:
    """Tables and numbers of a country profile.

    Returns
    -------
    dict
        ``pyramids`` (sex × age, base and comparison years, medium variant),
        ``working_age`` (15-64 by year and variant, 1990–2100),
        ``entrants`` (people turning 15 per year, by period and variant),
        ``dependency`` (ratios by year, medium variant), ``emigrants`` (a dict:
        migrants, women's share, share of the population at home),
        ``destinations`` (the ``top`` corridors) and ``numbers`` (scalars used by
        :func:`summary_text`).
    """
    if not place.is_country:
        raise InputError(f"{place.name} is not a country: give a country name, ISO-3 or M49 code")
    years = list(range(1990, 2101, 5))
    population = indicators.population_of([place], VARIANTS, years, processed_dir)
    medium = population[population["variant"] == "medium"]
    working = indicators.working_age_population(population)
    entrants = demand.supply([place], base_year, 2100, VARIANTS, 15, processed_dir=processed_dir)
    dependency = indicators.dependency_ratios(medium).drop(columns=["location", "variant"])
    pyramids = medium[medium["year"].isin([base_year, compare_year])][["year", "sex", "age", "population"]]

    stock_table = stocks_data.load_migrant_stocks(processed_dir)
    summary = migration.emigrant_summary(stock_table, stock_year, [place.iso3], place.name).iloc[0]
    geography = stocks_data.load_geography(processed_dir)
    destinations = migration.top_corridors(stock_table, geography, stock_year, origin_codes=[place.iso3], n=top)
    home = _population_in(place, stock_year, processed_dir)
    emigrants = {
        "migrants": float(summary["migrants"]),
        "women_share": float(summary["women_share"]) if summary["migrants"] > 0 else float("nan"),
        "share_of_population": float(summary["migrants"]) / home,
    }

    by_variant = indicators.variant_range(working, value="population", index=["year"]).set_index("year")
    totals = medium.groupby("year")["population"].sum()
    flows = indicators.variant_range(entrants, value="entrants_per_year", index=["period_end"]).set_index("period_end")
    ratio = dependency.set_index("year")
    numbers = {
        "name": place.name,
        "base_year": base_year,
        "compare_year": compare_year,
        "stock_year": stock_year,
        "population_base": totals[base_year],
        "population_compare": totals[compare_year],
        "working_base": by_variant.loc[base_year, "medium"],
        "working_compare": by_variant.loc[compare_year, "medium"],
        "working_compare_low": by_variant.loc[compare_year, "low"],
        "working_compare_high": by_variant.loc[compare_year, "high"],
        "working_peak_year": int(by_variant["medium"].idxmax()),
        "entrants_first": flows["medium"].iloc[0],
        "entrants_first_period": f"{flows.index[0] - 5}–{flows.index[0]}",
        "entrants_compare": flows.loc[compare_year, "medium"] if compare_year in flows.index else float("nan"),
        "entrants_peak_period": f"{int(flows['medium'].idxmax()) - 5}–{int(flows['medium'].idxmax())}",
        "dependency_base": ratio.loc[base_year, "total_dependency_ratio"],
        "dependency_compare": ratio.loc[compare_year, "total_dependency_ratio"],
        "old_age_base": ratio.loc[base_year, "old_age_dependency_ratio"],
        "old_age_compare": ratio.loc[compare_year, "old_age_dependency_ratio"],
        **{f"emigrants_{k}": v for k, v in emigrants.items()},
    }
    education, education_numbers = _education(place, base_year, compare_year, processed_dir)
    numbers.update(education_numbers)
    return {"pyramids": pyramids.reset_index(drop=True), "working_age": working, "entrants": entrants,
            "dependency": dependency, "emigrants": emigrants, "destinations": destinations, "numbers": numbers,
            **education}


def _education(place: Location, base_year: int, compare_year: int, processed_dir: Path | None = None
               ) -> tuple[dict, dict]:
    """The profile's education tables (pyramid by level, attainment of young adults) and numbers.

    Empty tables and ``education_covered`` False when WIC does not cover the
    country in both years.
    """
    years = [base_year, compare_year]
    pyramid = skills.education_pyramid(place, years, processed_dir)
    if set(pyramid["year"]) != set(years):
        return {"education_pyramid": pyramid.iloc[:0], "attainment": pd.DataFrame()}, {"education_covered": False}
    members = skills.members_of([place], processed_dir)
    harmonised = education_data.load_harmonised(["medium"], years, members[place.name], processed_dir)
    attainment = skills.attainment(skills.by_education(harmonised, members, EDUCATION_AGES, years))
    entrants = skills.origin_entrants([place], base_year, compare_year, processed_dir=processed_dir)
    post = entrants[entrants["threshold"] == "post-secondary"].set_index("period_start")["entrants_per_year"]
    by_year = attainment.set_index("year")
    numbers = {
        "education_covered": True,
        "education_ages": EDUCATION_AGES,
        "post_secondary_base": by_year.loc[base_year, "post_secondary"],
        "post_secondary_compare": by_year.loc[compare_year, "post_secondary"],
        "post_share_base": by_year.loc[base_year, "share_post_secondary"],
        "post_share_compare": by_year.loc[compare_year, "share_post_secondary"],
        "upper_share_base": by_year.loc[base_year, "share_at_least_upper_secondary"],
        "upper_share_compare": by_year.loc[compare_year, "share_at_least_upper_secondary"],
        "post_entrants_first": post.loc[base_year],
        "post_entrants_last": post.loc[compare_year - 5],
    }
    tables = {"education_pyramid": skills.pyramid_wide(pyramid),
              "attainment": attainment.drop(columns=["location", "variant"])}
    return tables, numbers


def _population_in(place: Location, year: int, processed_dir: Path | None = None) -> float:
    """Total population of a country in a year: the 5-year table, or the yearly totals for other years."""
    if year % 5 == 0 and year <= LAST_YEAR:
        population = wpp.load_population(["medium"], [year], [place.code], processed_dir)
        return float(population["population"].sum())
    midyear = read_table("population_midyear", processed_dir)
    row = midyear[(midyear["location_code"] == place.code) & (midyear["year"] == year)]
    if row.empty:
        raise InputError(f"no population total for {place.name} in {year}")
    return float(row["population"].iloc[0])


def _millions(value: float) -> str:
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} billion"
    if abs(value) >= 1e7:
        return f"{value / 1e6:,.0f} million"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} million"
    return f"{value:,.0f}"


def summary_text(profile: dict) -> str:
    """A short summary in words, written from the profile's numbers (every figure comes from the data)."""
    n = profile["numbers"]
    change = n["working_compare"] - n["working_base"]
    verb = "grows" if change > 0 else "shrinks"
    parts = [
        f"**{n['name']}** has {_millions(n['population_base'])} people in {n['base_year']} "
        f"({_millions(n['working_base'])} aged 15–64). By {n['compare_year']} its working-age population {verb} to "
        f"{_millions(n['working_compare'])} (low variant {_millions(n['working_compare_low'])}, high "
        f"{_millions(n['working_compare_high'])}), {'+' if change > 0 else ''}{_millions(change)} "
        f"({100 * change / n['working_base']:+.0f} %)."
    ]
    if n["working_peak_year"] < 2100:
        parts.append(f"Under WPP 2024's medium variant it peaks around {n['working_peak_year']}.")
    else:
        parts.append("Under WPP 2024's medium variant it is still growing in 2100.")
    trend = "rising" if n["entrants_compare"] > n["entrants_first"] else "falling"
    parts.append(
        f"About {_millions(n['entrants_first'])} young people turn 15 each year in {n['entrants_first_period']}, "
        f"{trend} to {_millions(n['entrants_compare'])} a year by {n['compare_year']} "
        f"(the most in {n['entrants_peak_period']})."
    )
    if round(n["dependency_compare"]) == round(n["dependency_base"]):
        total = f"stays at about {n['dependency_base']:.0f}"
    else:
        direction = "falls" if n["dependency_compare"] < n["dependency_base"] else "rises"
        total = f"{direction} from {n['dependency_base']:.0f} to {n['dependency_compare']:.0f}"
    parts.append(
        f"The total dependency ratio {total} dependants per 100 people of working age; the old-age part goes from "
        f"{n['old_age_base']:.0f} to {n['old_age_compare']:.0f}."
    )
    parts.append(education_sentence(n))
    destinations = profile["destinations"]
    if n["emigrants_migrants"] > 0 and len(destinations):
        first = destinations.iloc[0]
        others = ", ".join(f"{row.destination} ({row.share_of_origin:.0%})" for row in destinations.iloc[1:3].itertuples())
        parts.append(
            f"In {n['stock_year']}, {_millions(n['emigrants_migrants'])} emigrants from {n['name']} lived abroad "
            f"({n['emigrants_share_of_population']:.1%} of the population at home), {n['emigrants_women_share']:.0%} "
            f"of them women; the main destination was {first['destination']} ({first['share_of_origin']:.0%})"
            + (f", followed by {others}." if others else ".")
        )
    return " ".join(parts)


def education_sentence(n: dict) -> str:
    """The profile's sentence on skilled growth (WIC 2018 shares on WPP 2024), from its numbers."""
    if not n.get("education_covered"):
        return f"The Wittgenstein Centre's 2018 assessment gives no education figures for {n['name']}."
    first, last = n["base_year"], n["compare_year"]
    return (
        f"Among people aged {n['education_ages'].replace('-', '–')}, {_millions(n['post_secondary_base'])} "
        f"({n['post_share_base']:.0%}) hold post-secondary education in {first} and {_millions(n['post_secondary_compare'])} "
        f"({n['post_share_compare']:.0%}) in {last}; the share with at least upper-secondary education goes from "
        f"{n['upper_share_base']:.0%} to {n['upper_share_compare']:.0%}. About {_millions(n['post_entrants_first'])} young "
        f"people a year reach post-secondary education in {first}–{first + 5}, and "
        f"{_millions(n['post_entrants_last'])} a year in {last - 5}–{last} (Wittgenstein Centre SSP2 shares on WPP 2024)."
    )


def headline_numbers(profile: dict) -> list[tuple[str, str]]:
    """The profile's headline numbers for the report index, as (label, formatted value)."""
    n = profile["numbers"]
    change = n["working_compare"] - n["working_base"]
    return [
        (f"aged 15–64 in {n['compare_year']} ({'+' if change > 0 else ''}{100 * change / n['working_base']:.0f} % on "
         f"{n['base_year']}), WPP 2024 medium variant", _millions(n["working_compare"])),
        (f"turning 15 each year, {n['entrants_first_period']}, WPP 2024 medium variant", _millions(n["entrants_first"])),
        (f"emigrants in {n['stock_year']}", _millions(n["emigrants_migrants"])),
    ] + ([(f"aged {n['education_ages']} with post-secondary education in {n['compare_year']} "
           f"({_millions(n['post_secondary_base'])} in {n['base_year']}; WIC shares on WPP 2024 medium)",
           _millions(n["post_secondary_compare"]))]
         if n.get("education_covered") else [])
