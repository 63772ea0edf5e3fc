"""Skills-partnership pathways: people are conserved, hand calculations and bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.study import pathways
from analysis.study.pathways import PathwayInputError, PathwayParameters


def test_default_flows_conserve_people():
    table = pathways.simulate(PathwayParameters())
    intake = table["cumulative_intake"]
    assert np.allclose(intake - table["in_training"], table["cumulative_graduates"] + table["cumulative_dropouts"])
    away = table["cumulative_graduates_away"]
    assert np.allclose(away, table["in_destination"] + table["cumulative_returned"]
                       + table["cumulative_attrition_abroad"] + table["cumulative_not_placed"])


@settings(max_examples=80, deadline=None)
@given(
    intake=st.floats(0, 5000), length=st.integers(1, 6), completion=st.floats(0, 1), away=st.floats(0, 1),
    placement=st.floats(0, 1), attrition=st.floats(0, 1), back=st.floats(0, 1), after=st.integers(1, 20),
    years=st.integers(1, 40),
)
def test_any_valid_pathway_conserves_people(intake, length, completion, away, placement, attrition, back, after, years):
    parameters = PathwayParameters(annual_intake=intake, programme_years=length, completion_rate=completion,
                                   away_share=away, placement_rate=placement, annual_attrition=attrition,
                                   return_share=back, return_after=after, years=years)
    table = pathways.simulate(parameters)  # simulate() itself raises if people are not conserved
    numeric = table.drop(columns=["cost_per_migrant", "cost_per_skilled_worker"])
    assert (numeric >= -1e-9).all().all()


def test_hand_calculation_without_losses():
    parameters = PathwayParameters(annual_intake=100, programme_years=1, completion_rate=1.0, away_share=1.0,
                                   placement_rate=1.0, annual_attrition=0.0, return_share=0.0, years=5,
                                   cost_per_trainee_origin=1000, placement_cost=50)
    table = pathways.simulate(parameters)
    assert table["graduates"].tolist() == [0, 100, 100, 100, 100]
    assert table["in_destination"].tolist() == [0, 100, 200, 300, 400]
    assert table["cost_training"].tolist() == [100_000] * 5
    assert table["cost_total"].tolist() == [100_000] + [105_000] * 4
    assert table["cost_per_migrant"].iloc[-1] == pytest.approx(520_000 / 400)


def test_attrition_and_return_by_hand():
    parameters = PathwayParameters(annual_intake=100, programme_years=1, completion_rate=0.5, away_share=0.4,
                                   placement_rate=1.0, annual_attrition=0.1, return_share=0.5, return_after=2, years=4)
    table = pathways.simulate(parameters).set_index("year")
    # 20 migrants arrive in 2027 (100 x 0.5 x 0.4); 10 % leave in each later year; half of the rest return in 2029
    assert table.loc[2027, "arrivals"] == pytest.approx(20)
    assert table.loc[2028, "attrition_abroad"] == pytest.approx(2.0)  # cohort 2027 only
    assert table.loc[2029, "returned"] == pytest.approx(0.5 * 20 * 0.9 * 0.9)
    assert table.loc[2029, "in_destination"] == pytest.approx(0.5 * 20 * 0.81 + 20 * 0.9 + 20)


def test_who_pays():
    parameters = PathwayParameters(destination_share_of_training=0.75, employer_share_of_placement=0.5)
    table = pathways.simulate(parameters)
    assert np.allclose(table["cost_origin"], 0.25 * table["cost_training"])
    assert np.allclose(table["cost_employers"], 0.5 * table["cost_placement"])
    assert np.allclose(table["cost_destination_government"] + table["cost_origin"] + table["cost_employers"], table["cost_total"])


def test_away_share_curve_falls_with_the_away_share():
    curve = pathways.away_share_curve(PathwayParameters())
    assert (np.diff(curve["cost_per_migrant"]) < 0).all()
    assert (np.diff(curve["cumulative_arrivals"]) > 0).all()


def test_partnerships_needed():
    table = pathways.simulate(PathwayParameters())
    result = pathways.partnerships_needed(table, workers_needed=100_000, coverage=0.1, year=2050)
    per = table.set_index("year").loc[2050, "in_destination"]
    assert result["institutions"] == int(np.ceil(10_000 / per))
    assert result["cumulative_cost"] == pytest.approx(result["institutions"] * table["cost_total"].sum())
    with pytest.raises(PathwayInputError, match="outside the pathway run"):
        pathways.partnerships_needed(table, 1000, 0.1, 2080)
    with pytest.raises(PathwayInputError, match="coverage"):
        pathways.partnerships_needed(table, 1000, 1.5, 2050)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"away_share": 1.5}, "away_share must be a share between 0 and 1"),
        ({"completion_rate": -0.1}, "completion_rate must be a share"),
        ({"annual_intake": -10}, "annual_intake must be 0 or more"),
        ({"programme_years": -1}, "programme_years must be a whole number"),
        ({"programme_years": 11}, "programme_years must be a whole number of years from 0 to 10"),
        ({"annual_intake": float("nan")}, "annual_intake must be a finite number"),
        ({"return_after": float("inf")}, "return_after must be a finite number"),
        ({"female_share": True}, "female_share must be a finite number \\(a share between 0 and 1\\)"),
        ({"currency": "JPY"}, "currency 'JPY' is not one of EUR, GBP, USD"),
        ({"placement_cost": -1}, "placement_cost must be 0 or more"),
        ({"years": 2.5}, "years must be a whole number"),
        ({"intake": 5}, "unknown pathway parameter 'intake' .*did you mean 'annual_intake'"),
        ({"return_share": "half"}, "return_share must be a finite number \\(a share between 0 and 1\\)"),
    ],
)
def test_bad_parameters(values, message):
    with pytest.raises(PathwayInputError, match=message):
        PathwayParameters.from_mapping(values)


def test_config_files(tmp_path):
    path = tmp_path / "pathway.yml"
    path.write_text("origin: Senegal\ndestination: Spain\nannual_intake: 50\n")
    parameters = PathwayParameters.from_yaml(path)
    assert (parameters.origin, parameters.annual_intake, parameters.away_share) == ("Senegal", 50, 0.5)
    with pytest.raises(PathwayInputError, match="does not exist"):
        PathwayParameters.from_yaml(tmp_path / "missing.yml")
    path.write_text("[unclosed")
    with pytest.raises(PathwayInputError, match="not valid YAML"):
        PathwayParameters.from_yaml(path)


def test_every_default_is_documented():
    fields = {f.name for f in dataclasses.fields(PathwayParameters)} - {"origin", "destination", "sector", "start_year",
                                                                      "years", "notes"}
    assert fields == set(pathways.DEFAULT_SOURCES)
    import re

    for text in pathways.DEFAULT_SOURCES.values():
        # an assumption, a cited source or the WDI data
        assert text.startswith(("assumption", "WDI")) or re.search(r"\bS\d+\b", text), text


# ---------------------------------------------------------------- report tables (skills_partnership)
def test_parameter_table_shows_value_default_and_source():
    table = pathways.parameter_table(PathwayParameters(annual_intake=120))
    assert list(table.columns) == ["parameter", "value", "default", "source of the default"]
    assert list(table["parameter"]) == list(pathways.DEFAULT_SOURCES)
    intake = table.set_index("parameter").loc["annual_intake"]
    assert (intake["value"], intake["default"]) == (120, 200.0)
    assert "PALIM" in intake["source of the default"]


def test_milestones_and_totals_of_the_default_run():
    flows = pathways.simulate(PathwayParameters())  # 2026-2050
    assert list(pathways.milestones(flows)["year"]) == [2030, 2035, 2040, 2045, 2050]
    assert list(pathways.milestones(flows, every=10)["year"]) == [2035, 2045]
    with pytest.raises(PathwayInputError, match="every"):
        pathways.milestones(flows, every=0)
    last = pathways.totals(flows)
    assert last["year"] == 2050 and last["cumulative_intake"] == 5000
    # three-year programme: 1,320 away-track graduates = 541 in Germany + 158 returned + 621 lost abroad
    assert last["cumulative_graduates_away"] == pytest.approx(1320)
    assert (last["in_destination"], last["cumulative_returned"], last["cumulative_lost_abroad"]) == (
        pytest.approx(541, abs=0.5), pytest.approx(158, abs=0.5), pytest.approx(621, abs=0.5))
    assert last["cumulative_graduates_away"] == pytest.approx(
        last["in_destination"] + last["cumulative_returned"] + last["cumulative_lost_abroad"])
    assert "cumulative_lost_abroad" not in flows.columns  # the run itself is left as it is


def test_partnerships_needed_counts_trainees_a_year():
    table = pathways.simulate(PathwayParameters(annual_intake=150))
    result = pathways.partnerships_needed(table, workers_needed=100_000, coverage=0.1, year=2050)
    assert result["trainees_per_year"] == result["institutions"] * 150
