"""Skill demand: real figures from ILOSTAT and WPP, the projection arithmetic on tiny fixtures, the cited sources."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.data import employment
from analysis.errors import InputError
from analysis import cli
from analysis.study import skill_demand, skill_match, skills, workforce_uncertainty
from analysis.study.requests.demand import DemandRequest


# ---------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def germany(processed_dir):
    table, notes = DemandRequest.parse("Germany", "skill", "2025,2050").run()
    assert any("demographic proxy" in note for note in notes)
    return table


def test_germany_observed_total_equals_the_table(germany):
    observed = germany[germany["kind"] == "observed"]
    assert set(observed["year"]) == {2023}
    assert observed["workers"].sum() == pytest.approx(43_064_625, abs=0.5)
    assert set(observed["group"]) == {"high", "medium", "low", "unknown"}


def test_germany_projection_is_employment_scaled_by_the_working_age_population_by_sex(processed_dir):
    """2050 workers = employed of each sex in 2023 x (its 15-64 population in 2050 / in 2023), 2023 interpolated."""
    table = skill_demand.projected_workforce(["Germany"], [2050], "skill", "each", observed=False,
                                             processed_dir=processed_dir)
    population = pd.read_parquet(processed_dir / "population.parquet")
    rows = population[(population["location_code"] == 276) & population["variant"].isin(["estimates", "medium"])]
    ages = rows["age"].astype(str).str.extract(r"^(\d+)")[0].astype(int)
    working = rows[(ages >= 15) & (ages <= 64)].groupby(["sex", "year"], observed=True)["population"].sum()
    occupation = employment.load_occupation(processed_dir)
    for sex in ("female", "male"):
        at_2023 = 0.4 * working[(sex, 2020)] + 0.6 * working[(sex, 2025)]
        employed = occupation[(occupation["iso3"] == "DEU") & (occupation["sex"] == sex)]["employed"].sum()
        got = table[table["sex"] == sex]["workers"].sum()
        assert got == pytest.approx(employed * working[(sex, 2050)] / at_2023, rel=1e-12)


def test_foreign_born_share_is_foreign_over_total(processed_dir):
    shares = skill_demand.foreign_born_shares(["Germany"], "skill", processed_dir=processed_dir).set_index("group")
    assert shares.loc["low", "foreign_share"] == pytest.approx(1_587_121 / 3_195_120)
    assert shares["foreign_born"].sum() == pytest.approx(8_877_377, abs=0.5)
    assert (shares["coverage"] == 1.0).all()


def test_a_destination_without_data_is_refused_and_a_group_names_the_members_left_out(processed_dir):
    with pytest.raises(InputError, match=r"^Saudi Arabia has no ILOSTAT employment by occupation") as error:
        skill_demand.members_with_data(["Saudi Arabia"], processed_dir)
    assert "\n" not in str(error.value)
    gcc = skill_demand.members_with_data(["GCC"], processed_dir)[0]
    assert gcc.without == ("Saudi Arabia",) and len(gcc.with_data) == 5
    with pytest.raises(InputError, match="place of birth"):
        skill_demand.members_with_data(["GCC"], processed_dir, table="birth")


@pytest.mark.parametrize("arguments, message", [
    ({"by": "sector"}, "--by must be one of skill, occupation"),
    ({"years": "2020,2050"}, "comes before 2025"),
    ({"years": "2027"}, "2027"),
    ({"years": "2025,,2050"}, "empty item"),
    ({"years": "nan"}, "not a whole number"),
    ({"sex": "female"}, "--sex must be both or each"),
    ({"variant": "middle"}, "unknown variant"),
])
def test_bad_requests_fail_in_one_line(processed_dir, arguments, message):
    with pytest.raises(InputError, match=message):
        DemandRequest.parse("Germany", **arguments)


def test_demand_command_prints_csv_and_refuses_bad_input_with_exit_status_2(processed_dir, capsys):
    assert cli.main(["demand", "--destination", "Germany", "--years", "2050", "--sex", "each"]) == 0
    out, err = capsys.readouterr()
    table = pd.read_csv(io.StringIO(out))
    assert table.loc[table["kind"] == "observed", "workers"].sum() == 43_064_625
    assert set(table["sex"]) == {"female", "male"} and "demographic proxy" in err
    assert cli.main(["demand", "--destination", "Saudi Arabia"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("error: Saudi Arabia has no ILOSTAT")


def test_supply_match_uses_the_skills_layer_growth(processed_dir):
    match = skill_match.supply_match(["Germany", "GCC"], "Africa").set_index(["destination", "skill"])
    growth = skills.supply_against_shortfall(["Germany"], ["Africa"]).set_index("skill")["origin_change"]
    assert match.loc[("Germany", "high"), "origin_growth"] == pytest.approx(growth["post-secondary"])
    assert match.loc[("Germany", "medium"), "origin_growth"] == pytest.approx(growth["upper-secondary"])
    assert match.loc[("Germany", "high"), "need_share_of_growth"] > 0
    assert match.loc[("GCC", "high"), "replacement_need"] < 0  # more enter than leave: nothing to match
    assert np.isnan(match.loc[("GCC", "high"), "need_share_of_growth"])


def test_health_and_care_and_the_cited_grouping():
    quotes = {source["id"]: source["quote"] for source in skill_demand.SKILL_SOURCES}
    assert "second ISCO skill level" in quotes["esco-c5"] and "53 Personal Care" in quotes["esco-c5"]
    assert "fourth ISCO skill level" in quotes["esco-c22"] and "222 Nursing and Midwifery" in quotes["esco-c22"]
    assert "third ISCO skill level" in quotes["esco-c32"] and "first ISCO skill level" in quotes["esco-c9"]
    assert "High (Levels 3 and 4)" in quotes["worldbank-table1.2"] and "ISCED-97 Level 1" in quotes["springer2021"]
    levels = employment.ISCO08_SKILL_LEVELS
    assert levels["5"] == (2,) and levels["9"] == (1,) and levels["3"] == (3,) and 4 in levels["2"]
    sits = {row["major_group"]: row["skill"] for row in skill_demand.HEALTH_AND_CARE}
    assert sits == {"2": "high", "3": "high", "5": "medium"}


# ---------------------------------------------------------------- arithmetic on tiny fixtures
def test_interpolation_of_the_reference_year():
    working = pd.DataFrame({"iso3": ["AAA"] * 4, "sex": ["female", "female", "male", "male"],
                            "year": [2020, 2025] * 2, "population": [100.0, 150.0, 200.0, 200.0]})
    out = skill_demand.interpolate_reference(working, {"AAA": 2023}).set_index("sex")["working_age"]
    assert out["female"] == pytest.approx(130.0) and out["male"] == pytest.approx(200.0)
    on_grid = skill_demand.interpolate_reference(working[working["year"] == 2020], {"AAA": 2020})
    assert on_grid["working_age"].tolist() == [100.0, 200.0]


def test_rates_times_people_summed_over_a_group():
    rates = pd.DataFrame({"location": "G", "iso3": ["AAA", "AAA", "BBB"], "sex": "female",
                          "group": ["high", "low", "high"], "employment_rate": [0.5, 0.25, 0.1]})
    people = pd.DataFrame({"iso3": ["AAA", "BBB"], "sex": "female", "year": 2050, "population": [100.0, 1000.0]})
    out = skill_demand.apply_rates(rates, people).set_index("group")["workers"]
    assert out["high"] == pytest.approx(0.5 * 100 + 0.1 * 1000) and out["low"] == pytest.approx(25.0)


def test_cumulative_need_sums_leaving_minus_entering():
    need = pd.DataFrame({"location": "G", "period_start": [2025, 2030, 2035], "period_end": [2030, 2035, 2040],
                         "group": "high", "sex": "both", "leaving": [10.0, 20.0, 30.0], "entering": [4.0, 5.0, 6.0]})
    need["need"] = need["leaving"] - need["entering"]
    out = skill_demand.cumulative_need(need, 2025, (2035, 2040)).set_index("end_year")["need"]
    assert out[2035] == 21.0 and out[2040] == 45.0
    with pytest.raises(InputError, match="2045"):
        skill_demand.cumulative_need(need, 2025, (2045,))


def test_probabilistic_workers_are_bands_times_rates_per_trajectory():
    people = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2) + 1.0  # (N=2, L=3 countries, T=2)
    result = SimpleNamespace(codes=np.array([1, 2, 3]), years=np.array([2025, 2030]), n_trajectories=2,
                             band=lambda ages: people, year_index=lambda year: [2025, 2030].index(year))
    rates = pd.DataFrame({"location": "G", "iso3": ["AAA", "AAA", "CCC"], "location_code": [1, 1, 3],
                          "group": ["high", "low", "high"], "employment_rate": [0.5, 0.2, 0.1]})
    run = workforce_uncertainty.WorkforceRun(result, rates, "skill")
    values, groups = workforce_uncertainty.workers(run, "G")
    assert groups == ["high", "low"]
    np.testing.assert_allclose(values[:, 0], 0.5 * people[:, 0] + 0.1 * people[:, 2])  # country 2 has no data
    np.testing.assert_allclose(values[:, 1], 0.2 * people[:, 0])
    change = workforce_uncertainty.change_quantiles(run, "G", 2025, (2030,), probs=[0.5])
    assert change.set_index("group").loc["high", "change"] == pytest.approx(np.median(values[:, 0, 1] - values[:, 0, 0]))
