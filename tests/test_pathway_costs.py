"""Origin- and destination-specific costs, currency, sex split and the benefit side of the pathway cost model."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from io import StringIO

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.data import stocks
from analysis.study import migration, pathways
from analysis.study.pathways import CostTableError, PathwayParameters


def _wdi(iso3, indicator, year=2023):
    wdi = stocks.load_wdi()
    return float(wdi[(wdi["iso3"] == iso3) & (wdi["indicator"] == indicator) & (wdi["year"] == year)]["value"].item())


def test_every_cost_value_is_quoted_by_its_source_and_derived_as_stated():
    table = pathways.load_cost_table()
    sources = pd.read_csv(pathways.SOURCES_FILE, dtype=str).set_index("id")
    assert {"training_cost", "placement_cost", "earnings", "usd_rate"} == set(table["item"])
    training = table[table["item"] == "training_cost"].set_index(["iso3", "programme"])
    morocco = training.loc[("MAR", "ict_short_course")]
    assert morocco["value"] == pytest.approx(1_496_448.50 / 120, abs=0.01)  # PALIM budget / trainees
    assert (morocco["per"], morocco["months"], morocco["price_year"]) == ("programme", 5, 2019)  # the dataset's year
    assert "EUR 1,496,448.50" in sources.loc["S18", "quote"] and "five-month course" in sources.loc["S19", "quote"]
    # nursing figures for origins and destinations, each with its price year and unit
    assert training.loc[("DEU", "nursing_degree"), "value"] == 7959 + 7875 and training.loc[("DEU", "nursing_degree"), "per"] == "year"
    assert training.loc[("GBR", "nursing_degree"), "value"] == 9250 and training.loc[("GBR", "nursing_degree"), "currency"] == "GBP"
    assert training.loc[("KEN", "nursing_degree"), "value"] == 25352 and training.loc[("KEN", "nursing_degree"), "months"] == 48
    earnings = table[table["item"] == "earnings"].set_index("iso3")["value"]
    assert earnings["DEU"] == 3611 * 12 and earnings["GBR"] == pytest.approx(9.50 * 37.5 * 52)
    # the Reserve Bank of Australia's 2023 averages as published by the ATO (a currency per AUD / US$ per AUD)
    assert pathways.usd_rates(table) == {"EUR": 0.924744, "GBP": 0.804485, "PHP": 55.6267, "USD": 1.0}
    assert pathways.usd_rates(table)["EUR"] == pytest.approx(0.6144 / 0.6644, abs=5e-7)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"value": "12000.00"}, "does not equal its derivation"),
        ({"value": "12480.40"}, "does not equal its derivation"),   # a 0.08 % edit: refused at the printed precision
        ({"value": "12470.41"}, "does not equal its derivation"),   # one cent off
        ({"quoted": "1,496,448.51|120"}, "does not occur in the quotes of S18"),
        ({"source_ids": "S999"}, "unknown source ids"),
        ({"source_ids": ""}, "a value without a source"),
        ({"value": "nan"}, "must be a positive number"),
        ({"currency": "JPY"}, "currency 'JPY' has no usd_rate row"),
        ({"derivation": "__import__('os')"}, "not plain arithmetic"),
        ({"programme": "surgery"}, "programme 'surgery' is not one of"),
        ({"months": ""}, "needs the programme's length in months"),
    ],
)
def test_a_broken_cost_table_is_refused(tmp_path, change, message):
    table = pd.read_csv(pathways.COSTS_FILE, dtype=str, keep_default_na=False)
    for column, value in change.items():
        table.loc[0, column] = value
    broken = tmp_path / "costs.csv"
    table.to_csv(broken, index=False)
    with pytest.raises(CostTableError, match=message) as error:
        pathways.load_cost_table(broken)
    assert "\n" not in str(error.value)


def test_the_printed_precision_is_the_tolerance():
    assert pathways.equals_printed("12470.40", 1_496_448.50 / 120)      # 12470.4042 rounds to 12470.40
    assert not pathways.equals_printed("12480.40", 1_496_448.50 / 120)
    assert pathways.equals_printed("0.924744", 0.6144 / 0.6644) and not pathways.equals_printed("0.924745", 0.6144 / 0.6644)
    assert pathways.equals_printed("9500", 9500.4) and not pathways.equals_printed("9500", 9500.6)


def test_a_repeated_row_is_refused(tmp_path):
    table = pd.read_csv(pathways.COSTS_FILE, dtype=str, keep_default_na=False)
    broken = tmp_path / "costs.csv"
    placement = table[table["item"] == "placement_cost"].iloc[[0]]
    pd.concat([table, placement]).to_csv(broken, index=False)
    with pytest.raises(CostTableError, match="placement_cost for DEU is given twice"):
        pathways.load_cost_table(broken)


def test_inputs_are_the_countrys_own_figure_or_scaled_from_the_closest_in_income(processed_dir):
    germany = pathways.resolve_inputs(PathwayParameters(origin="Ghana")).set_index("parameter")
    # Germany's own nursing figure, per trainee-year times the three programme years
    assert germany.loc["cost_per_worker_destination", "value"] == pytest.approx(3 * 15_834)
    assert germany.loc["placement_cost", "value"] == 9500 and germany.loc["earnings_destination", "value"] == 43_332
    # Ghana has no figure: Kenya's (closest in GDP per capita among the cited countries), scaled by income
    ratio = _wdi("GHA", "income", 2023) / _wdi("KEN", "income", 2023)
    per_year = 25_352 * 12 / 48 * ratio / 1.0 * 0.924744
    assert germany.loc["cost_per_trainee_origin", "per_trainee_year"] == pytest.approx(per_year)
    assert germany.loc["cost_per_trainee_origin", "value"] == pytest.approx(3 * per_year)
    assert "scaled from Kenya" in germany.loc["cost_per_trainee_origin", "method"]
    uk = pathways.resolve_inputs(PathwayParameters(origin="Nigeria", destination="United Kingdom",
                                                   currency="GBP")).set_index("parameter")
    assert uk.loc["placement_cost", "value"] == 10_000 and uk.loc["cost_per_worker_destination", "value"] == 3 * 9250
    given = pathways.resolve_inputs(PathwayParameters(placement_cost=123.0)).set_index("parameter")
    assert given.loc["placement_cost", "method"] == "given" and given.loc["placement_cost", "value"] == 123.0


def test_programme_years_change_the_training_cost(processed_dir):
    one, three = (pathways.resolve(PathwayParameters(origin="Ghana", programme_years=years)) for years in (1, 3))
    assert three.cost_per_trainee_origin == pytest.approx(3 * one.cost_per_trainee_origin)
    assert three.cost_per_worker_destination == pytest.approx(3 * one.cost_per_worker_destination)
    runs = [pathways.simulate(PathwayParameters(origin="Ghana", programme_years=years)) for years in (1, 3)]
    assert runs[1]["cost_training"].sum() > runs[0]["cost_training"].sum()


def test_the_ghana_germany_nursing_costs_cite_nursing_programme_sources(processed_dir):
    inputs = pathways.resolve_inputs(PathwayParameters(origin="Ghana", destination="Germany",
                                                       programme="nursing_degree")).set_index("parameter")
    assert inputs.loc["cost_per_trainee_origin", "source_ids"] == "S154;S155;S156"   # Kenya's nursing school costs
    assert inputs.loc["cost_per_worker_destination", "source_ids"] == "S158"          # Germany's nursing training fund
    sources = pd.read_csv(pathways.SOURCES_FILE, dtype=str).set_index("id")
    assert "nursing" in sources.loc["S155", "quote"] and "Pflege" in sources.loc["S158", "title"]


def test_a_short_course_applied_to_a_longer_programme_warns_in_one_line(processed_dir):
    short = pathways.resolve_inputs(PathwayParameters(programme="ict_short_course", programme_years=2))
    warnings = short.attrs["warnings"]
    assert warnings and all(line.startswith("warning: ") and "\n" not in line for line in warnings)
    assert "5-month ict short course (Morocco)" in warnings[0] and "2-year programme" in warnings[0]
    assert pathways.resolve_inputs(PathwayParameters()).attrs["warnings"] == []
    none = pathways.resolve_inputs(PathwayParameters(programme="language_placement", programme_years=0))
    assert (none.set_index("parameter").loc[["cost_per_trainee_origin", "cost_per_worker_destination"], "value"] == 0).all()


@pytest.mark.parametrize("origin, destination", [("Nigeria", "Nigeria"), ("Morocco", "MAR"), ("504", "Morocco")])
def test_the_same_country_twice_is_refused(processed_dir, origin, destination):
    with pytest.raises(pathways.PathwayInputError, match="origin and destination are both") as error:
        PathwayParameters(origin=origin, destination=destination).validate()
    assert "\n" not in str(error.value)


def test_a_run_past_2100_is_refused(processed_dir):
    with pytest.raises(pathways.PathwayInputError, match="past 2100"):
        PathwayParameters(start_year=2090, years=25).validate()
    with pytest.raises(pathways.PathwayInputError, match="to 2100"):
        pathways.simulate(PathwayParameters(), last_year=2101)


def test_remittances_are_shared_over_destinations_and_split_by_sex(processed_dir):
    wdi, stocks_table = stocks.load_wdi(), stocks.load_migrant_stocks()
    # allocation rule 1: every emigrant sends the origin's average
    even = migration.corridor_remittances(wdi, stocks_table, "NGA", "GBR", 2023, allocation="stock")
    assert even["per_migrant"] == pytest.approx(_wdi("NGA", "remin", 2023) / pathways.emigrant_stock("NGA"))
    # allocation rule 2: richer destinations get more per migrant; the shares add up to the origin's remittances
    rich = migration.corridor_remittances(wdi, stocks_table, "NGA", "GBR", 2023)
    assert rich["per_migrant"] > even["per_migrant"]
    # a woman sends the ratio times what a man sends; together they send the corridor's average
    split = migration.corridor_remittances(wdi, stocks_table, "NGA", "GBR", 2023, women_to_men=1.2)
    assert split["per_woman"] == pytest.approx(1.2 * split["per_man"])
    assert split["women_share"] * split["per_woman"] + (1 - split["women_share"]) * split["per_man"] == pytest.approx(
        rich["per_migrant"])
    assert migration.remittances_per_migrant("Nigeria", "United Kingdom", sex="women", women_to_men=1.2) == pytest.approx(
        split["per_woman"])
    with pytest.raises(stocks.StocksInputError, match="both Nigeria"):
        migration.remittances_per_migrant("Nigeria", "NGA")
    # a corridor UN DESA does not record still gets the destination's rate (Germany reports few origins)
    assert migration.corridor_remittances(wdi, stocks_table, "GHA", "DEU", 2023)["sex_mix"] != "corridor"


def test_pathway_remittances_by_sex_add_up(processed_dir):
    run = pathways.simulate(PathwayParameters(origin="Nigeria", destination="United Kingdom", women_remittance_ratio=1.2))
    by_sex = pathways.flows_by_sex(run)
    totals = by_sex.groupby("year")[["remittances", "cumulative_remittances"]].sum()
    assert np.allclose(totals["remittances"], run.set_index("year")["remittances"])
    per = run.attrs["parameters"].notes["remittances_by_sex"]
    assert per["women"] == pytest.approx(1.2 * per["men"])


def test_origin_and_destination_change_costs_not_people(processed_dir):
    morocco = pathways.simulate(PathwayParameters())
    nigeria = pathways.simulate(PathwayParameters(origin="Nigeria", destination="United Kingdom", currency="GBP"))
    assert np.allclose(morocco["arrivals"], nigeria["arrivals"])  # the people depend on the people parameters only
    assert nigeria.attrs["parameters"].currency == "GBP"
    assert not np.isclose(morocco["cumulative_cost"].iloc[-1], nigeria["cumulative_cost"].iloc[-1])


def test_currency_converts_every_cited_amount(processed_dir):
    euros = pathways.simulate(PathwayParameters())
    pounds = pathways.simulate(PathwayParameters(currency="GBP"))
    for column in ("cost_training", "cost_placement", "earnings", "remittances", "cost_per_migrant"):
        assert np.allclose(pounds[column].fillna(0), euros[column].fillna(0) * 0.804485 / 0.924744), column


def test_cost_per_skilled_worker_counts_both_tracks_and_benefits_follow_the_migrants(processed_dir):
    table = pathways.simulate(PathwayParameters())
    last = table.iloc[-1]
    assert last["cost_per_skilled_worker"] == pytest.approx(last["cumulative_cost"] / last["cumulative_graduates"])
    assert last["cost_per_skilled_worker"] < last["cost_per_migrant"]
    assert last["cumulative_graduates"] == pytest.approx(last["cumulative_graduates_home"] + last["cumulative_graduates_away"])
    inputs = table.attrs["parameters"]
    assert np.allclose(table["earnings"], table["in_destination"] * inputs.earnings_destination)
    assert np.allclose(table["remittances"], table["in_destination"] * inputs.remittances_per_migrant)
    assert last["skilled_in_origin"] == pytest.approx(last["cumulative_graduates_home"] + last["cumulative_not_placed"]
                                                      + last["cumulative_returned"])


def test_every_flow_is_split_by_sex(processed_dir):
    table = pathways.simulate(PathwayParameters(female_share=0.7))
    by_sex = pathways.flows_by_sex(table)
    totals = by_sex.groupby("year").sum(numeric_only=True)
    for column in ("intake", "arrivals", "in_destination", "returned", "cumulative_graduates_home"):
        assert np.allclose(totals[column], table.set_index("year")[column]), column
    women = by_sex[by_sex["sex"] == "women"].set_index("year")
    assert np.allclose(women["arrivals"], 0.7 * table.set_index("year")["arrivals"])
    side = pathways.sex_table(table, ["in_destination"])
    assert np.allclose(side["in_destination_women"] + side["in_destination_men"],
                       pathways.milestones(table)["in_destination"])


def test_a_later_last_year_shows_the_last_graduations_and_returns(processed_dir):
    short = pathways.simulate(PathwayParameters())
    long = pathways.simulate(PathwayParameters(), last_year=2060)
    assert long["intake"].sum() == short["intake"].sum() == 5000
    assert long["in_training"].iloc[-1] == 0  # everyone admitted has finished
    assert long["cumulative_graduates"].iloc[-1] + long["cumulative_dropouts"].iloc[-1] == pytest.approx(5000)
    assert np.allclose(long.iloc[: len(short)][["arrivals", "returned"]], short[["arrivals", "returned"]])


def test_projecting_the_partnership_moves_working_age_people_from_origin_to_destination(processed_dir):
    parameters = PathwayParameters(origin="Senegal", destination="Spain")
    projected = pathways.project(parameters, institutions=20)
    effect = pathways.projection_effect(projected).set_index(["location", "year"])
    assert effect.loc[("Senegal", 2025), "working_age_change"] == 0
    senegal, spain = effect.loc["Senegal"], effect.loc["Spain"]
    assert (senegal.loc[2030:2050, "working_age_change"] < 0).all() and (spain.loc[2030:2050, "working_age_change"] > 0).all()
    flows = pathways.simulate(dataclasses.replace(parameters, annual_intake=20 * 200.0), last_year=2049)
    moved = flows["arrivals"].sum() - flows["returned"].sum()
    # by 2050 the destination holds roughly those who moved (minus a few deaths, plus a few children reaching 15)
    assert spain.loc[2050, "working_age_change"] == pytest.approx(moved, rel=0.1)
    assert (spain.loc[2030:2050, "support_ratio_change"] > 0).all()


def test_pathway_command_prints_the_files_it_read(tmp_path, processed_dir):
    config = tmp_path / "p.yml"
    config.write_text("origin: Nigeria\ndestination: United Kingdom\ncurrency: GBP\nreturn_after: 6.5\n"
                      "women_remittance_ratio: 1.2\n")
    command = [sys.executable, "-m", "analysis", "pathway", "--config", str(config), "--by-sex"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=paths.ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(StringIO(result.stdout))
    assert list(table["sex"].unique()) == ["women", "men"] and len(table) == 2 * 25
    # remittances by sex: a woman in the destination sends 1.2 times what a man sends
    last = table[table["year"] == 2050].set_index("sex")
    per_head = last["remittances"] / last["in_destination"]
    assert per_head["women"] / per_head["men"] == pytest.approx(1.2, rel=1e-3)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("# provenance: analysis ") and "working tree " in lines[0]
    assert f"# pathway config: {config} sha256 {pathways.sha256_of(config)}" in lines
    assert any(line.startswith("# cost table: analysis/study/partnerships/data/pathway_costs.csv sha256 ") for line in lines)
    bad = subprocess.run([*command[:-1], "--to", "2020"], capture_output=True, text=True, cwd=paths.ROOT, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--to 2020" in bad.stderr
