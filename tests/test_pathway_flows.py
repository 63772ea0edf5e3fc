"""One pathway model: yearly people, returns in years spread over periods, and the cost model and projection agreeing."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import paths
from analysis.model import pathway_flows, scenarios
from analysis.model.pathway_flows import PathwayFieldError
from analysis.model.scenarios import ScenarioError
from analysis.study import pathways

RECRUITS = {"programme_years": 0, "completion_rate": 1.0, "away_share": 1.0, "placement_rate": 1.0,
            "annual_attrition": 0.0}


def _values(**changes):
    return pathway_flows.check_values({**RECRUITS, **changes})


def test_return_after_a_fraction_of_a_year_is_split_between_two_years():
    values = _values(annual_intake=100, years=1, start_year=2030, return_share=0.4, return_after=2.5)
    flows = pathway_flows.yearly_flows(values, 2035).set_index("year")
    assert flows.loc[2030, "arrivals"] == 100
    assert flows["returned"].to_dict() == pytest.approx({2030: 0, 2031: 0, 2032: 20, 2033: 20, 2034: 0, 2035: 0})
    assert flows.loc[2032, "returned_after_2"] == 20 and flows.loc[2033, "returned_after_3"] == 20
    assert flows.loc[2035, "in_destination"] == pytest.approx(60)


def test_returns_after_8_years_are_spread_over_the_periods_they_fall_in():
    values = _values(annual_intake=1000, years=10, start_year=2025, return_share=0.5, return_after=8, ages="20-29",
                     female_share=0.5)
    by_period = pathway_flows.migrants_by_period(values, 2025, 4)
    # 1,000 a year leave in 2025-2034; half return 8 years later, in 2033-2042
    assert by_period["departures"].tolist() == [5000, 5000, 0, 0]
    assert by_period["returns"].tolist() == pytest.approx([0, 1000, 2500, 1500])
    net = pathway_flows.net_migrants(values, 2025, 4)
    assert net.sum(axis=(1, 2)) == pytest.approx([-5000, -4000, 2500, 1500])
    assert net.sum() == pytest.approx(-10_000 + 5_000, abs=1e-9)  # people conserved exactly
    # returners are 8 years older: of the 20-24s, 40 % are now 25-29 and 60 % 30-34 (1.6 groups on)
    women = net[2, 1]
    assert women[5:8] == pytest.approx(np.array([0.2, 0.5, 0.3]) * 2500 * 0.5)
    assert women.sum() == pytest.approx(1250) and (women[:5] == 0).all() and (women[8:] == 0).all()


@settings(max_examples=60, deadline=None)
@given(intake=st.floats(0, 1e5), years=st.integers(1, 30), programme=st.integers(0, 6),
       completion=st.floats(0, 1), away=st.floats(0, 1), placement=st.floats(0, 1), attrition=st.floats(0, 1),
       back=st.floats(0, 1), after=st.floats(1, 50), start=st.integers(2025, 2090), female=st.floats(0, 1),
       ages=st.sampled_from(["20-39", "15-24", "25-29", "60+", "95+"]))
def test_any_pathway_conserves_people_between_years_periods_sexes_and_ages(
        intake, years, programme, completion, away, placement, attrition, back, after, start, female, ages):
    values = pathway_flows.check_values({
        "annual_intake": intake, "years": years, "programme_years": programme, "completion_rate": completion,
        "away_share": away, "placement_rate": placement, "annual_attrition": attrition, "return_share": back,
        "return_after": after, "start_year": start, "female_share": female, "ages": ages})
    flows = pathway_flows.yearly_flows(values, 2099)
    scale = max(intake * years, 1.0)
    assert (flows.drop(columns="year") >= -1e-9 * scale).all().all()
    away_track = flows["graduates_away"].cumsum()
    placed = flows["in_destination"] + flows["returned"].cumsum() + flows["attrition_abroad"].cumsum()
    assert np.allclose(away_track, placed + flows["not_placed"].cumsum(), atol=1e-9 * scale)
    net = pathway_flows.net_migrants(values, 2025, 15)
    expected = -flows["arrivals"].sum() + flows["returned"].sum()
    assert net.sum() == pytest.approx(expected, abs=1e-7 * scale)
    periods = pathway_flows.migrants_by_period(values, 2025, 15)
    assert net.sum(axis=(1, 2)) == pytest.approx((periods["returns"] - periods["departures"]).to_numpy(), abs=1e-7 * scale)
    assert net[:, 1].sum() == pytest.approx(female * expected, abs=1e-7 * scale)


def test_age_shift_keeps_everyone_and_the_oldest_stay_in_100_plus():
    weights = pathway_flows.age_weights("90+")  # 90-94, 95-99, 100+
    shifted = pathway_flows.age_shift(weights, 7.0)
    assert shifted.sum() == pytest.approx(1.0) and shifted[-1] == pytest.approx(1.0 - 0.6 / 3)
    assert pathway_flows.age_shift(weights, 500.0)[-1] == pytest.approx(1.0)


def test_a_pathway_starting_before_the_base_year_is_refused():
    with pytest.raises(PathwayFieldError, match="starts in 2020, before the projection's base year 2025"):
        pathway_flows.net_migrants(_values(start_year=2020), 2025, 3)


CONFIG = """origin: Senegal
destination: Spain
sector: long-term care
start_year: 2027
years: 12
annual_intake: 900
programme_years: 3
completion_rate: 0.7
away_share: 0.6
placement_rate: 0.9
annual_attrition: 0.04
return_share: 0.35
return_after: 7.5
ages: 20-34
female_share: 0.75
currency: EUR
"""


def test_cost_model_and_scenario_pathway_from_the_same_file_give_the_same_migrants_by_year(tmp_path, processed_dir):
    config = tmp_path / "senegal-spain.yml"
    config.write_text(CONFIG)
    scenario = tmp_path / "with-pathway.yml"
    scenario.write_text("extends: [medium]\npathways:\n  - config: senegal-spain.yml\n")
    command = [sys.executable, "-m", "analysis", "pathway", "--config", str(config), "--to", "2099"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=paths.ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    cost_model = pd.read_csv(StringIO(result.stdout)).set_index("year")
    projection = scenarios.pathway_migrants(scenario).set_index("year")
    assert list(projection.index) == list(range(2027, 2100))
    assert cost_model.loc[2027:2099, "arrivals"].to_numpy() == pytest.approx(projection["departures"].to_numpy(), abs=0.005)
    assert cost_model.loc[2027:2099, "returned"].to_numpy() == pytest.approx(projection["returns"].to_numpy(), abs=0.005)
    assert cost_model["arrivals"].sum() == pytest.approx(12 * 900 * 0.7 * 0.6 * 0.9, abs=0.1)  # every cohort placed by 2099

    # and the projection adds exactly those people, period by period, to Senegal and Spain
    medium = scenarios.run("medium")
    with_pathway = scenarios.run(scenario)
    change = with_pathway.components_table().set_index(["location_code", "period_start"])["net_migration"] \
        - medium.components_table().set_index(["location_code", "period_start"])["net_migration"]
    expected = (projection["returns"] - projection["departures"]).groupby((projection.index - 2025) // 5 * 5 + 2025).sum()
    assert change.loc[686].to_numpy() == pytest.approx(expected.reindex(range(2025, 2100, 5), fill_value=0).to_numpy(), abs=1e-6)
    assert change.loc[724].to_numpy() == pytest.approx(-change.loc[686].to_numpy(), abs=1e-6)
    others = change.drop(index=[686, 724], level=0)
    assert (others == 0).all()


def test_scenario_pathways_take_pathway_parameters(processed_dir):
    block = pathways.scenario_block(pathways.PathwayParameters(origin="Senegal", destination="Spain", start_year=2030), 3)
    spec = scenarios.load({"name": "gsp", "pathways": [block]})
    migrants = scenarios.pathway_migrants(spec, 2025, 2060)
    flows = pathways.simulate(pathways.PathwayParameters(origin="Senegal", destination="Spain", start_year=2030,
                                                         annual_intake=600), last_year=2059)
    assert migrants["departures"].to_numpy() == pytest.approx(flows["arrivals"].to_numpy())
    with pytest.raises(ScenarioError, match="unknown pathway parameter 'return_year'"):
        scenarios.load({"name": "x", "pathways": [{"origin": "Senegal", "destination": "Spain", "return_year": 5}]})


def test_pathway_from_every_country_of_a_group(processed_dir):
    spec = {"name": "x", "pathways": [{"locations": ["ECOWAS"], "destination": "France", "annual_intake": 100,
                                       **RECRUITS, "start_year": 2025, "years": 5, "return_share": 0}]}
    migrants = scenarios.pathway_migrants(spec, 2025, 2035)
    ecowas = set(scenarios.locations_module.resolve("ECOWAS").members)
    assert set(migrants["origin"]) == ecowas and len(ecowas) > 1
    assert migrants.groupby("origin")["departures"].sum().eq(500).all()
    with pytest.raises(ScenarioError, match="give origin or locations, not both"):
        scenarios.load({"name": "x", "pathways": [{"origin": "Ghana", "locations": ["ECOWAS"], "destination": "France"}]})
