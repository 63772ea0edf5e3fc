"""A large return movement as a scenario: its size from a cited event, its effect on origins and destinations.

The scenario is a ``returns`` block (:mod:`analysis.model.people_flows`):
the people of a cited event (:mod:`analysis.study.returns.events`) return
from a host country or group to one or more origins over a span of years,
with the block's default age profile and sex split unless given, and then
age, die and have children in the engine.  What it does:

* :func:`moved_shares`: who sends and who receives how many, and by which
  key the groups were shared;
* :func:`population_effect`: each place's population in an age band with and
  without the return (the engine's medium projection both times), the
  change and the change in percent;
* :func:`employment_rates` and :func:`jobs_needed`: the jobs the origins would
  need to employ the added people aged 15 or more at their current
  employment-to-population ratio;
* :func:`remittances_forgone`: the remittances the returnees no longer send,
  priced per corridor as the pathway model prices a migrant's remittances
  (:func:`analysis.study.migration.corridor_remittances`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.data import locations as locations_module
from analysis.data import employment
from analysis.data.stocks import load_migrant_stocks, load_wdi
from analysis.data.tables import read_table
from analysis.errors import InputNote
from analysis.model import pathway_flows, people_flows, scenarios
from analysis.model.inputs import wpp_inputs
from analysis.study import indicators, migration, pathways

EMPLOYMENT_SOURCE = ("ILO, ILOSTAT database (employment by sex and occupation, via the IOM Global Data Institute "
                     "snapshot package), over WPP 2024 population aged 15+")


def scenario_spec(event: pd.Series, origins: Sequence[str], host: str, years: str, ages: str | None = None,
                  female_share: float | None = None, name: str = "large-return") -> dict:
    """A scenario whose ``returns`` block moves the people of a cited event from ``host`` to ``origins`` over ``years``.

    Parameters
    ----------
    event : Series
        A row of :func:`analysis.study.returns.events.load_return_events`; its
        ``returnees`` set the block's ``persons``.
    ages, female_share : optional
        As in a ``returns`` block (defaults: 0-64 and the corridor's recorded
        stock, see :mod:`analysis.model.people_flows`).
    """
    block = {"from": host, "to": list(origins), "persons": float(event["returnees"]), "years": years}
    if ages is not None:
        block["ages"] = ages
    if female_share is not None:
        block["female_share"] = female_share
    description = (f"{event['returnees']:,.0f} people return from {host} to {', '.join(origins)} in {years}: as many "
                   f"as in the cited event {event['id']} ({event['name']}; {event['count_kind']}).")
    return {"name": name, "description": description, "returns": [block]}


def return_end(years: str) -> int:
    """The year a return's ``years`` end (``2030-2035`` → 2035): the first 1 July with all of it done."""
    return people_flows.parse_years(years, "return years")[1]


def moved_shares(spec, processed_dir: Path | None = None) -> pd.DataFrame:
    """Who sends and who receives, by how much, and the key that shared each side.

    Returns
    -------
    DataFrame
        ``block, role`` (``sends``/``receives``), ``country, key, share, persons,
        women, men`` (persons over the block's years within the projection).
    """
    spec = scenarios.load(spec)
    names = locations_module.index(processed_dir).locations["name"]
    rows = []
    for plan in scenarios.people_plans(spec, wpp_inputs("medium", processed_dir=processed_dir), None, processed_dir):
        moved = plan.profile().sum(axis=(0, 2))  # (2,) men, women
        for role, side in (("sends", plan.senders), ("receives", plan.receivers)):
            for code, share in zip(side.codes, side.shares):
                rows.append({"block": plan.name, "role": role, "country": str(names.get(int(code), code)),
                             "key": side.key, "share": round(float(share), 4), "persons": float(share * moved.sum()),
                             "women": float(share * moved[1]), "men": float(share * moved[0])})
    return pd.DataFrame(rows)


def population_effect(spec, locations: Sequence, years: Sequence[int], ages: str = "15-64", end_year: int = 2050,
                      processed_dir: Path | None = None) -> pd.DataFrame:
    """Each location's population in an age band with and without the scenario (engine, WPP 2024 medium inputs).

    Returns
    -------
    DataFrame
        ``location, year, ages, without, with_return, change, change_percent``
        (persons; percent of the projection without the return, 3 decimals).
    """
    spec = scenarios.load(spec)
    with warnings.catch_warnings():  # the run's notes are said once, by scenario_notes
        warnings.simplefilter("ignore", InputNote)
        population = scenarios.projected_population(list(locations), ["medium", spec], end_year=end_year,
                                                    processed_dir=processed_dir)
    band = indicators.age_band_total(population[population["year"].isin(list(years))], ages)
    wide = band.pivot_table(index=["location", "year", "ages"], columns="scenario", values="population",
                            observed=True).reset_index()
    out = pd.DataFrame({"location": wide["location"], "year": wide["year"].astype(int), "ages": wide["ages"],
                        "without": wide["medium"], "with_return": wide[spec["name"]]})
    out["change"] = out["with_return"] - out["without"]
    out["change_percent"] = (100 * out["change"] / out["without"]).round(3)
    names = [place.name for place in locations_module.resolve_all(list(locations), processed_dir)]
    out["location"] = pd.Categorical(out["location"], categories=names)  # in the order asked
    return out.sort_values(["location", "year"], ignore_index=True).astype({"location": str})


def scenario_notes(spec, end_year: int = 2050, processed_dir: Path | None = None) -> list[str]:
    """The notes a run of the scenario gives (a return larger than the recorded stock, WPP's later emigration
    finding fewer people), as text; empty when it gives none."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNote)
        scenarios.run(spec, end_year=end_year, processed_dir=processed_dir)
    return [str(warning.message) for warning in caught if issubclass(warning.category, InputNote)]


def receivers(shares: pd.DataFrame) -> list[str]:
    """The countries that receive the returnees, in :func:`moved_shares`' order."""
    return list(dict.fromkeys(shares.loc[shares["role"] == "receives", "country"]))


def change_in(effect: pd.DataFrame, places: Sequence, year: int, processed_dir: Path | None = None) -> pd.DataFrame:
    """The rows of :func:`population_effect` for some places (as named in the request) in one year."""
    names = [place.name for place in locations_module.resolve_all(list(places), processed_dir)]
    return effect[effect["location"].isin(names) & (effect["year"] == year)].reset_index(drop=True)


def employment_rates(origins: Sequence, processed_dir: Path | None = None) -> pd.DataFrame:
    """Employment-to-population ratio of each origin: ILOSTAT employed persons over WPP population aged 15+.

    The employed are the processed ``employment_occupation`` table's cells of
    the country's reference year (:mod:`analysis.data.employment`: ILOSTAT keeps
    each cell's latest year, so only the year holding most of a country's
    cells is summed), all occupations and sexes.  The population aged 15+
    (WPP 2024, estimates to 2020 and the medium variant from 2025, both sexes)
    is interpolated linearly to that year.

    Returns
    -------
    DataFrame
        ``location, iso3, reference_year, employed, population_15plus,
        employment_rate`` (4 decimals); a country without ILOSTAT data gets no row.
    """
    employed = employment.load_occupation(processed_dir)
    totals_employed = employed.groupby(["iso3", "reference_year"])["employed"].sum()
    population = read_table("population", processed_dir)
    adults = population[(population["age_start"] >= 15) & population["variant"].isin(["estimates", "medium"])]
    totals = adults.groupby(["location_code", "year"], observed=True)["population"].sum()
    index = locations_module.index(processed_dir).locations
    rows = []
    for place in locations_module.resolve_all(list(origins), processed_dir):
        for code in place.members:
            iso3 = index.loc[code, "iso3"]
            if iso3 not in totals_employed.index.get_level_values("iso3"):
                continue
            year, people = int(totals_employed.loc[iso3].index[0]), float(totals_employed.loc[iso3].iloc[0])
            series = totals.loc[code]
            population_15 = float(np.interp(year, series.index.to_numpy(dtype=float), series.to_numpy()))
            rows.append({"location": index.loc[code, "name"], "iso3": iso3, "reference_year": year, "employed": people,
                         "population_15plus": population_15, "employment_rate": round(people / population_15, 4)})
    return pd.DataFrame(rows).drop_duplicates("iso3", ignore_index=True)


def jobs_needed(added_adults: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Jobs needed to employ the people aged 15+ a return adds, at the origin's employment rate.

    Parameters
    ----------
    added_adults : DataFrame
        :func:`population_effect` for ages ``15+`` (its ``change``).
    rates : DataFrame
        :func:`employment_rates`.

    Returns
    -------
    DataFrame
        ``location, year, added_15plus, employment_rate, reference_year,
        jobs_needed`` (persons; missing where ILOSTAT has no rate).
    """
    merged = added_adults.merge(rates[["location", "employment_rate", "reference_year"]], on="location", how="left")
    return pd.DataFrame({"location": merged["location"], "year": merged["year"], "added_15plus": merged["change"],
                         "employment_rate": merged["employment_rate"], "reference_year": merged["reference_year"],
                         "jobs_needed": merged["change"] * merged["employment_rate"]})


def remittances_forgone(spec, processed_dir: Path | None = None) -> pd.DataFrame:
    """Remittances the returnees no longer send home, a year, as the pathway model prices a migrant's remittances.

    Each pair of origin *i* and host country *j* returns ``persons × share_i ×
    share_j`` people (the block's shares), of whom the block's female share are
    women.  A migrant of *i* in *j* sends what
    :func:`analysis.study.migration.corridor_remittances` gives the pathway
    model: *i*'s personal remittances received (WDI, up to
    :data:`analysis.study.pathways.PRICE_YEAR`) shared over its emigrants (UN
    DESA 2024) by emigrants times the host's GDP per person, a woman sending
    the pathway default's ratio to what a man sends.

    The corridor price shares the origin's recorded remittances over the
    emigrants UN DESA records; returnees from a corridor it does not record
    (Kenyans and Ugandans in the Gulf) are priced at the host's income weight
    although the origin's total never counted them, so the amount can exceed
    everything the origin receives.  ``origin_remittances_usd`` and
    ``at_most_origin_total`` say so: the amount capped at that total.

    Returns
    -------
    DataFrame
        ``location, returnees, per_migrant_usd, forgone_usd_per_year,
        origin_remittances_usd, remittance_year, at_most_origin_total, method``
        per origin (US$ a year; the returnees over the whole block).
    """
    spec = scenarios.load(spec)
    wdi, stocks = load_wdi(processed_dir), load_migrant_stocks(processed_dir)
    ratio = float(pathway_flows.PATHWAY_FIELDS["women_remittance_ratio"].default)
    index = locations_module.index(processed_dir).locations
    rows = []
    for plan in scenarios.people_plans(spec, wpp_inputs("medium", processed_dir=processed_dir), None, processed_dir):
        total = float(plan.per_year.sum())
        for home, home_share in zip(plan.receivers.codes, plan.receivers.shares):
            returnees = forgone = 0.0
            for host, host_share in zip(plan.senders.codes, plan.senders.shares):
                people = total * home_share * host_share
                pair = migration.corridor_remittances(wdi, stocks, index.loc[home, "iso3"], index.loc[host, "iso3"],
                                                      pathways.PRICE_YEAR, ratio)
                returnees += people
                forgone += people * (plan.female_share * pair["per_woman"] + (1 - plan.female_share) * pair["per_man"])
            received = float(pair["origin_remittances"])
            rows.append({"location": index.loc[home, "name"], "returnees": returnees,
                         "per_migrant_usd": forgone / returnees if returnees else np.nan, "forgone_usd_per_year": forgone,
                         "origin_remittances_usd": received, "remittance_year": int(pair["remittance_year"]),
                         "at_most_origin_total": min(forgone, received),
                         "method": (f"WDI: {index.loc[home, 'name']}'s remittances received, shared over its emigrants "
                                    "(UN DESA 2024) by emigrants times the host's GDP per person, as the pathway model "
                                    f"does; women {plan.female_share:.1%} of the returnees, "
                                    + ("a woman sending as much as a man" if ratio == 1 else
                                       f"a woman sending {ratio:g} times what a man sends"))})
    return pd.DataFrame(rows)
