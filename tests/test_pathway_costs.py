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
from analysis.study import pathways
from analysis.study.pathways import CostTableError, PathwayParameters


def _wdi(iso3, indicator, year=2022):
    wdi = stocks.load_wdi()
    return float(wdi[(wdi["iso3"] == iso3) & (wdi["indicator"] == indicator) & (wdi["year"] == year)]["value"].item())


def test_every_cost_value_is_quoted_by_its_source_and_derived_as_stated():
    table = pathways.load_cost_table()
    sources = pd.read_csv(pathways.SOURCES_FILE, dtype=str).set_index("id")
    assert {"training_cost_per_trainee", "placement_cost", "worker_training_cost_destination", "earnings",
            "usd_rate"} == set(table["item"])
    morocco = table[(table["item"] == "training_cost_per_trainee") & (table["iso3"] == "MAR")].iloc[0]
    assert morocco["value"] == pytest.approx(1_496_448.50 / 120, abs=0.01)  # PALIM budget / trainees
    assert "EUR 1,496,448.50" in sources.loc["S18", "quote"] and "120 young Moroccans" in sources.loc["S18", "quote"]
    earnings = table[table["item"] == "earnings"].set_index("iso3")["value"]
    assert earnings["DEU"] == 3611 * 12 and earnings["GBR"] == pytest.approx(9.50 * 37.5 * 52)
    assert pathways.usd_rates(table) == {"EUR": 0.951, "GBP": 0.811, "USD": 1.0}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"value": 12000.0}, "does not equal its derivation"),
        ({"quoted": "1,496,448.51|120"}, "does not occur in the quotes of S18"),
        ({"source_ids": "S999"}, "unknown source ids"),
        ({"source_ids": ""}, "a value without a source"),
        ({"value": float("nan")}, "must be a positive number"),
        ({"currency": "JPY"}, "currency 'JPY' is not one of"),
        ({"derivation": "__import__('os')"}, "not plain arithmetic"),
    ],
)
def test_a_broken_cost_table_is_refused(tmp_path, change, message):
    table = pd.read_csv(pathways.COSTS_FILE, dtype=str)
    for column, value in change.items():
        table.loc[0, column] = value
    broken = tmp_path / "costs.csv"
    table.to_csv(broken, index=False)
    with pytest.raises(CostTableError, match=message):
        pathways.load_cost_table(broken)


def test_a_repeated_row_is_refused(tmp_path):
    table = pd.read_csv(pathways.COSTS_FILE, dtype=str)
    broken = tmp_path / "costs.csv"
    pd.concat([table, table.iloc[[1]]]).to_csv(broken, index=False)
    with pytest.raises(CostTableError, match="placement_cost for DEU is given twice"):
        pathways.load_cost_table(broken)


def test_inputs_are_the_countrys_own_figure_or_scaled_by_income(processed_dir):
    germany = pathways.resolve_inputs(PathwayParameters()).set_index("parameter")
    assert germany.loc["cost_per_trainee_origin", "value"] == pytest.approx(12_470.40)
    assert germany.loc["placement_cost", "value"] == 9500 and germany.loc["earnings_destination", "value"] == 43_332
    # no figure for Germany: England's GBP 26,000 scaled by GDP per capita (PPP) and converted
    ratio = _wdi("DEU", "income") / _wdi("GBR", "income")
    assert germany.loc["cost_per_worker_destination", "value"] == pytest.approx(26_000 * ratio / 0.811 * 0.951)
    assert "scaled from United Kingdom" in germany.loc["cost_per_worker_destination", "method"]

    uk = pathways.resolve_inputs(PathwayParameters(origin="Nigeria", destination="United Kingdom",
                                                   currency="GBP")).set_index("parameter")
    assert uk.loc["placement_cost", "value"] == 10_000 and uk.loc["cost_per_worker_destination", "value"] == 26_000
    nigeria_ratio = _wdi("NGA", "income") / _wdi("MAR", "income")
    assert uk.loc["cost_per_trainee_origin", "value"] == pytest.approx(12_470.40 * nigeria_ratio / 0.951 * 0.811)
    assert 0.55 < nigeria_ratio < 0.75  # Nigeria's income is about two thirds of Morocco's
    emigrants = pathways.emigrant_stock("NGA")
    assert uk.loc["remittances_per_migrant", "value"] == pytest.approx(_wdi("NGA", "remin") / emigrants * 0.811)
    assert emigrants == pytest.approx(2.09e6, rel=0.01)
    given = pathways.resolve_inputs(PathwayParameters(placement_cost=123.0)).set_index("parameter")
    assert given.loc["placement_cost", "method"] == "given" and given.loc["placement_cost", "value"] == 123.0


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
        assert np.allclose(pounds[column].fillna(0), euros[column].fillna(0) * 0.811 / 0.951), column


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
    config.write_text("origin: Nigeria\ndestination: United Kingdom\ncurrency: GBP\nreturn_after: 6.5\n")
    command = [sys.executable, "-m", "analysis", "pathway", "--config", str(config), "--by-sex"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=paths.ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(StringIO(result.stdout))
    assert list(table["sex"].unique()) == ["women", "men"] and len(table) == 2 * 25
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("# provenance: analysis ") and "working tree " in lines[0]
    assert f"# pathway config: {config} sha256 {pathways.sha256_of(config)}" in lines
    assert any(line.startswith("# cost table: analysis/study/partnerships/data/pathway_costs.csv sha256 ") for line in lines)
    bad = subprocess.run([*command[:-1], "--to", "2020"], capture_output=True, text=True, cwd=paths.ROOT, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--to 2020" in bad.stderr
