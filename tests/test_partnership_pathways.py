"""Real partnerships as pathway parameters: derived by hand from the CSV, refused when values are missing."""

from __future__ import annotations

import csv
import dataclasses
import math

import pytest

from analysis.study import pathways
from analysis.study.partnerships import as_pathways as link, records as partnerships, unit_costs as partnership_costs
from analysis.study.pathways import PathwayParameters

AS_OF = 2026


@pytest.fixture(scope="module")
def table(processed_dir):
    return partnerships.load_partnerships(processed_dir=processed_dir)


@pytest.fixture(scope="module")
def rows() -> dict[str, dict]:
    with open(partnerships.DATA_DIR / "partnerships.csv", encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_keys_are_pathway_parameters(table):
    fields = {field.name for field in dataclasses.fields(PathwayParameters)}
    for partnership_id in link.with_parameters(table, AS_OF, required=()):
        assert set(link.observed_parameters(table, partnership_id, AS_OF, required=())) <= fields


def test_triple_win_direct_placement(table, rows):
    row = rows["TRIPLEWIN"]
    observed = link.observed_parameters(table, "TRIPLEWIN", AS_OF)
    years = AS_OF - int(row["start_year"]) + 1  # the count is undated
    assert observed["annual_intake"] == pytest.approx(float(row["participants_achieved"]) / years)
    assert observed["placement_rate"] == pytest.approx(float(row["migrants_placed_achieved"])
                                                       / float(row["participants_achieved"]))
    assert (observed["completion_rate"], observed["away_share"], observed["cost_per_trainee_origin"]) == (1.0, 1.0, 0.0)
    assert "lower bound" in observed["notes"]["annual_intake"]
    PathwayParameters.from_mapping({k: v for k, v in observed.items() if k != "notes"})  # valid as parameters


def test_aptc_graduates_and_cost_per_graduate(table, rows):
    row = rows["APTC-ALL"]
    observed = link.observed_parameters(table, "APTC-ALL", AS_OF)
    years = int(row["graduates_achieved_date"][:4]) - int(row["start_year"]) + 1
    assert observed["annual_intake"] == pytest.approx(float(row["graduates_achieved"]) / years)
    assert observed["completion_rate"] == 1.0  # intake counted at graduation
    rates = partnership_costs.load_conversion_rates()
    euros = partnership_costs.normalise(*(table.loc[table["id"] == "APTC-ALL", c] for c in
                                          ("cost_total", "cost_currency", "cost_year")), rates)["eur"].item()
    assert observed["cost_per_trainee_origin"] == pytest.approx(euros / float(row["graduates_achieved"]))
    assert observed["placement_cost"] == 0.0 and observed["currency"] == "EUR"
    assert "away_share" not in observed  # APTC-ALL reports no migrants: the default stays


def test_palim_trainees_and_cost_per_trainee(table, rows):
    observed = link.observed_parameters(table, "PALIM", AS_OF)
    assert observed["annual_intake"] == float(rows["PALIM"]["trainees_achieved"])  # one cohort, trained in 2019
    assert observed["cost_per_trainee_origin"] > float(rows["PALIM"]["cost_total"]) / 120  # 2019 euros raised to 2023


def test_returns(table, rows):
    assert link.observed_parameters(table, "MENTOR2", AS_OF, required=())["return_share"] == float(
        rows["MENTOR2"]["return_share"])
    observed = link.observed_parameters(table, "ESP-SEN-2019", AS_OF, required=("return_share",))
    assert observed["return_share"] == pytest.approx(18 / 47)


def test_costs_that_cannot_be_converted_are_left_out(table):
    observed = link.observed_parameters(table, "APTC-2", AS_OF)  # cost year 2011: no cited AUD rate for it
    assert "cost_per_trainee_origin" not in observed and "no cited AUD-EUR rate for 2011" in observed["notes"]["costs"]


@pytest.mark.parametrize(
    "partnership_id, required, message",
    [
        ("THAMM-PLUS", ("annual_intake",), "THAMM-PLUS lacks the values for annual_intake"),
        ("TRIPLEWIN", ("return_share",), "TRIPLEWIN lacks the values for return_share"),
        ("NOPE", ("annual_intake",), "no partnership 'NOPE'"),
        ("PALIM", ("intake",), "'intake' is not a pathway parameter"),
    ],
)
def test_missing_values_are_refused_in_one_line(table, partnership_id, required, message):
    with pytest.raises(link.PartnershipParameterError) as error:
        link.observed_parameters(table, partnership_id, AS_OF, required=required)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_runs_beside_the_defaults(table):
    observed = {"Triple Win": link.observed_parameters(table, "TRIPLEWIN", AS_OF),
                "APTC": link.observed_parameters(table, "APTC-ALL", AS_OF)}
    out = link.runs(observed).set_index("run")
    assert list(out.index) == ["defaults", "Triple Win", "APTC"]
    defaults = pathways.totals(pathways.simulate(PathwayParameters()))
    assert out.loc["defaults", "cumulative_arrivals"] == pytest.approx(defaults["cumulative_arrivals"])
    params = dataclasses.replace(PathwayParameters(), **{k: v for k, v in observed["Triple Win"].items() if k != "notes"})
    triple = pathways.totals(pathways.simulate(params))
    assert out.loc["Triple Win", "cost_per_migrant"] == pytest.approx(triple["cost_per_migrant"])
    assert out.loc["Triple Win", "cumulative_graduates_home"] == 0  # everyone recruited is recruited to move
    comparison = link.parameter_comparison(observed).set_index("parameter")
    assert comparison.loc["placement_rate", "default"] == PathwayParameters().placement_rate
    assert math.isnan(comparison.loc["placement_rate", "APTC"])  # kept at the default


def test_a_total_cost_is_not_divided_by_a_per_year_count(table):
    yearly = table.assign(per_year_fields=table["per_year_fields"].where(table["id"] != "PALIM", "trainees_achieved"))
    observed = link.observed_parameters(yearly, "PALIM", AS_OF)
    assert observed["annual_intake"] == 120.0  # a per-year count is the intake as it stands
    assert "cost_per_trainee_origin" not in observed and "do not share a scope" in observed["notes"]["costs"]
