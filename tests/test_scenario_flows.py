"""Scenarios that compose variants, and flows counted in people (``flows`` and ``returns`` blocks)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.data import locations
from analysis.errors import InputNote
from analysis.model import pathway_flows, people_flows, projection, scenarios, trajectories
from analysis.model.inputs import wpp_inputs
from analysis.model.scenarios import ScenarioError

GCC_RETURN = {"name": "gcc-return", "returns": [{"from": "GCC", "to": ["Ethiopia", "Kenya", "Uganda"],
                                                 "persons": 1_500_000, "years": "2030-2035"}]}


def _rows(result, place):
    return np.isin(result.inputs.location_codes, locations.resolve(place).members)


# ---------------------------------------------------------------- composing variants
@pytest.fixture(scope="module")
def high_no_migration(processed_dir):
    inputs = wpp_inputs("high")
    return projection.project(inputs.copy(net_migrants=np.zeros_like(inputs.net_migrants)))


@pytest.mark.parametrize("reference", ["high+zero-migration", "zero-migration+high"])
def test_high_with_zero_migration_is_wpps_high_variant_without_migration_in_either_order(reference, high_no_migration):
    result = scenarios.run(reference)
    assert np.array_equal(result.population, high_no_migration.population)
    nigeria = _rows(result, "Nigeria")
    assert result.population[nigeria, 5, :, 3:13].sum() == pytest.approx(236_754_659, abs=1)  # 2050, 15-64
    spec = scenarios.load(reference)
    assert spec["variant"] == "high"
    assert spec["description"].startswith("WPP 2024 high variant inputs (set by high). ")


def test_low_with_half_migration_and_extends_compose_the_same_way(processed_dir, tmp_path):
    inputs = wpp_inputs("low")
    expected = projection.project(inputs.copy(net_migrants=inputs.net_migrants * 0.5)).population
    assert np.array_equal(scenarios.run("low+migration-half").population, expected)
    assert np.array_equal(scenarios.run("migration-half+low").population, expected)
    path = tmp_path / "both.yml"
    path.write_text("name: both\nextends: [high, zero-migration]\n")
    assert scenarios.load(path)["variant"] == "high"
    assert scenarios.load("zero-migration").get("variant") is None  # block-only scenarios choose no variant


@pytest.mark.parametrize("reference, words", [
    ("medium+high", ("two WPP variants", "medium (set by medium)", "high (set by high)")),
    ("high+low+zero-migration", ("two WPP variants", "high", "low")),
])
def test_parts_setting_different_variants_are_refused(reference, words, processed_dir):
    with pytest.raises(ScenarioError) as failure:
        scenarios.load(reference)
    assert "\n" not in str(failure.value)
    for word in words:
        assert word in str(failure.value)


def test_a_file_that_sets_another_variant_than_what_it_extends_is_refused(tmp_path):
    path = tmp_path / "clash.yml"
    path.write_text("name: clash\nextends: [high]\nvariant: low\n")
    with pytest.raises(ScenarioError, match="two WPP variants, high .* and low"):
        scenarios.load(path)


def test_probabilistic_runs_refuse_a_composition_on_the_high_variant(processed_dir):
    with pytest.raises(trajectories.TrajectoryError, match="medium variant"):
        trajectories.make_model(locations=["Kenya"], scenario="high+zero-migration", end_year=2035)


# ---------------------------------------------------------------- flows counted in people
@pytest.fixture(scope="module")
def gcc_return(processed_dir):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNote)
        result = scenarios.run(GCC_RETURN)
    return result, [str(w.message) for w in caught], scenarios.run("medium")


def test_a_return_of_one_and_a_half_million_moves_exactly_that_many_on_both_sides(gcc_return):
    result, _, medium = gcc_return
    period = 1  # 2030-2035
    asked = result.inputs.net_migrants - medium.inputs.net_migrants
    realised = result.net_migrants - medium.net_migrants
    senders, receivers = _rows(result, "GCC"), _rows(result, "Ethiopia") | _rows(result, "Kenya") | _rows(result, "Uganda")
    for change in (asked, realised[:, period:period + 1]):
        assert change[senders].sum() == pytest.approx(-1_500_000, abs=1)
        assert change[receivers].sum() == pytest.approx(1_500_000, abs=1)
        assert np.abs(change[~(senders | receivers)]).max() == 0
    assert np.abs(asked[:, [0] + list(range(2, asked.shape[1]))]).max() == 0  # nobody moves outside 2030-2035
    by_sex = realised[senders, period].sum(axis=(0, 2))
    assert by_sex.sum() == pytest.approx(-1_500_000, abs=1)
    moved = scenarios.moved_people(GCC_RETURN)
    assert moved["persons"].sum() == pytest.approx(1_500_000, abs=1e-6)
    assert moved.groupby("sex")["persons"].sum()["female"] == pytest.approx(-by_sex[1], abs=1)


def test_the_returnees_age_die_and_have_children_at_home(gcc_return):
    result, _, medium = gcc_return
    ethiopia = _rows(result, "Ethiopia")
    assert (result.births[ethiopia, 1:].sum() - medium.births[ethiopia, 1:].sum()) > 1e5
    assert result.deaths[ethiopia, 2:].sum() > medium.deaths[ethiopia, 2:].sum()
    # in 2035 the returnees aged 20-24 at the period's end are 25-29 in 2040, fewer by the deaths
    gain_2035 = result.population[ethiopia, 2, :, 4].sum() - medium.population[ethiopia, 2, :, 4].sum()
    gain_2040 = result.population[ethiopia, 3, :, 5].sum() - medium.population[ethiopia, 3, :, 5].sum()
    assert 0 < gain_2040 < gain_2035


def test_the_provenance_lines_say_what_moved_the_shares_and_the_defaults(processed_dir):
    lines = scenarios.moved_people_lines([GCC_RETURN])
    assert all(line.startswith("# people moved, scenario gcc-return: ") for line in lines)
    text = "\n".join(lines)
    assert "returns[0] (return, 2030-2035): moved 1,500,000 people from Bahrain, Kuwait, Oman, Qatar, Saudi Arabia, " \
           "United Arab Emirates to Ethiopia, Kenya, Uganda" in text
    assert "returns[0] moved in 2030–2035: 1,500,000 (women 1,036,618, men 463,382)" in text
    assert "receivers shared by base-year population (Kenya, Uganda: no recorded stock with the other side)" in text
    assert "senders shared by base-year population (Oman: no recorded stock" in text
    assert "defaults applied: ages, female_share, age_profile" in text
    assert "female share 0.691, from the corridor's recorded stock (UN DESA 2024: 198,073 persons)" in text


def test_a_return_larger_than_the_recorded_stock_is_noted_with_the_figures(gcc_return):
    _, notes, _ = gcc_return
    stock = [line for line in notes if "more people than the recorded stock" in line]
    assert len(stock) == 1
    assert "Ethiopia from Saudi Arabia 469,694 against 180,746" in stock[0]
    assert "13 corridors have no recorded stock" in stock[0]


def test_groups_are_shared_by_their_stock_when_every_member_has_one(processed_dir):
    spec = {"name": "egypt-gulf", "flows": [{"from": "Egypt", "to": ["Saudi Arabia", "Kuwait"], "persons_per_year": 10_000,
                                             "years": 2030, "female_share": 0.3, "ages": "20-39"}]}
    inputs = wpp_inputs("medium", end_year=2040)
    plan, = scenarios.people_plans(scenarios.load(spec), inputs)
    assert plan.receivers.key == "stock"
    stocks = plan.receivers.stock  # Egyptians recorded in Saudi Arabia and in Kuwait (UN DESA 2024)
    assert stocks == pytest.approx([1_498_313, 449_863])
    assert plan.receivers.shares == pytest.approx(stocks / stocks.sum())
    assert plan.per_year.tolist() == [0, 10_000, 0]
    assert plan.female_share == 0.3 and plan.block["defaulted"] == ["age_profile"]


def test_a_returns_block_moves_people_like_a_flows_block_read_the_other_way(processed_dir):
    block = {"from": "Saudi Arabia", "to": "Ethiopia", "persons_per_year": 1000, "years": "2030-2032", "female_share": 0.6}
    inputs = wpp_inputs("medium", end_year=2040)
    back, = scenarios.people_plans(scenarios.load({"name": "r", "returns": [block]}), inputs)
    out, = scenarios.people_plans(scenarios.load({"name": "f", "flows": [block]}), inputs)
    codes = inputs.location_codes
    assert np.array_equal(people_flows.net_migrants(back, codes), people_flows.net_migrants(out, codes))
    assert back.corridor_stock == pytest.approx(180_746)  # Ethiopians in Saudi Arabia
    assert out.corridor_stock == 0  # Saudis in Ethiopia: none recorded


def test_years_after_the_projection_are_said_not_moved(processed_dir):
    spec = {"name": "late", "flows": [{"from": "Kenya", "to": "Germany", "persons_per_year": 1000, "years": "2045-2055"}]}
    lines = scenarios.moved_people_lines([spec], end_year=2050)
    assert any("5 of its years fall after the projection's end: it asks 10,000, the projection moves 5,000" in line
               for line in lines)


def test_a_pathway_block_says_which_people_defaults_it_took(processed_dir):
    spec = {"name": "p", "pathways": [{"origin": "Kenya", "destination": "Saudi Arabia", "annual_intake": 100_000,
                                       "years": 5, "start_year": 2030, "return_share": 1}]}
    lines = scenarios.moved_people_lines([spec], end_year=2050)
    defaults = pathway_flows.defaults()
    assert ("pathways[0] (Kenya → Saudi Arabia): 100,000 admitted a year for 5 years from 2030, of whom 24.0 % migrate; "
            f"defaults applied: ages 20-39, female_share 0.8, programme_years {defaults['programme_years']}, "
            "completion_rate 0.6, away_share 0.5, placement_rate 0.8, annual_attrition 0.05, return_after 5") in lines[0]
    assert "defaults: ages, female_share, programme_years" in scenarios.load(spec)["description"]
    # 24 % of each intake migrates when its programme ends: the 2030-2034 intakes leave from 2030 + programme_years
    leaving = [year + defaults["programme_years"] for year in range(2030, 2035)]
    first = 24_000 * sum(year < 2035 for year in leaving)
    assert any(f"moved in 2030–2035: departures {first:,} (women {0.8 * first:,.0f}, men {0.2 * first:,.0f})" in line
               for line in lines)


@pytest.mark.parametrize("block, words", [
    ({"from": "Bahrain", "to": "Ethiopia", "persons": 3_000_000, "years": 2030}, ("asks", "to leave Bahrain in 2030–2035",
                                                                                 "more than live there")),
    ({"from": "Kenya", "to": ["Ethiopia", "Kenya"], "persons": 10, "years": 2030}, ("Kenya is on both sides",)),
    ({"from": "Kenya", "to": "Ethiopia", "persons": 10, "years": 2020}, ("before the projection's base year 2025",)),
])
def test_infeasible_blocks_are_refused_in_one_line(block, words, processed_dir):
    with pytest.raises(ScenarioError) as failure:
        scenarios.run({"name": "bad", "flows": [block]}, end_year=2050)
    assert "\n" not in str(failure.value)
    for word in words:
        assert word in str(failure.value)


def test_the_probabilistic_engine_adds_the_same_people(processed_dir):
    model = trajectories.make_model(locations=["Kenya"], scenario={"name": "k", "returns": [
        {"from": "Saudi Arabia", "to": "Kenya", "persons": 50_000, "years": "2030-2035"}]}, end_year=2040)
    assert model.pathway_flows.sum() == pytest.approx(50_000)
    assert model.pathway_flows[:, 1].sum() == pytest.approx(50_000)


# ---------------------------------------------------------------- properties (synthetic countries, no data)
class _Place:
    def __init__(self, members):
        self.members, self.name = tuple(members), "/".join(map(str, members))


@settings(max_examples=40, deadline=None)
@given(
    senders=st.integers(1, 3), receivers=st.integers(1, 3),
    per_year=st.floats(0, 5e4), years=st.integers(1, 12), start=st.integers(2025, 2040),
    female=st.floats(0, 1), profile=st.sampled_from(people_flows.AGE_PROFILES),
    ages=st.sampled_from(["0-64", "15-64", "20-39", "0+", "65+"]),
    sizes=st.lists(st.floats(1e5, 1e7), min_size=6, max_size=6),
)
def test_people_are_conserved_and_population_never_negative(senders, receivers, per_year, years, start, female,
                                                           profile, ages, sizes):
    codes = np.arange(1, 7)
    block = people_flows.check_block({"from": [int(c) for c in codes[:senders]], "to": [int(c) for c in codes[3:3 + receivers]],
                                      "persons_per_year": per_year, "years": f"{start}-{start + years}",
                                      "female_share": female, "age_profile": profile, "ages": ages}, "test")
    population = np.array(sizes)
    plan = people_flows.place("flows", 0, block, codes, population, 2025, 6, lambda code: _Place([code]), None,
                              str, "test")
    moved = people_flows.net_migrants(plan, codes)
    inside = min(years, max(0, 2055 - start))
    assert moved.sum() == pytest.approx(0, abs=1e-6)
    assert -moved[:senders].sum() == pytest.approx(per_year * inside, rel=1e-9, abs=1e-6)
    assert moved[3:3 + receivers].sum() == pytest.approx(per_year * inside, rel=1e-9, abs=1e-6)
    assert (moved[:senders] <= 0).all() and (moved[3:] >= 0).all()
    assert plan.senders.shares == pytest.approx(population[:senders] / population[:senders].sum())
    base = np.broadcast_to(np.linspace(2, 1, 21) * 1e4, (6, 2, 21)).copy()
    inputs = projection.ProjectionInputs(
        location_codes=codes, base_year=2025, population=base, mx=np.full((6, 6, 2, 22), 0.01), tfr=np.full((6, 6), 2.0),
        fertility_pattern=np.full((6, 6, 7), 1 / 7), srb=np.full((6, 6), 1.05), net_migrants=moved)
    result = projection.project(inputs)
    assert (result.population >= 0).all()
    assert (result.unrealised_emigration >= 0).all()


def test_the_command_line_prints_the_people_moved_as_provenance(processed_dir, tmp_path, capsys):
    from analysis.cli import main

    path = tmp_path / "back.yml"
    path.write_text("name: back\nreturns:\n  - {from: Saudi Arabia, to: Kenya, persons_per_year: 10000, years: 2030-2032,"
                    " female_share: 0.7, ages: 20-39}\n")
    assert main(["project", "--location", "Kenya", "--scenario", str(path), "--to", "2040"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "location,scenario,year,ages,population" and len(out.splitlines()) == 5
    lines = [line for line in err.splitlines() if line.startswith("# people moved")]
    assert lines[0].endswith("returns[0] (return, 2030-2032): moved 20,000 people from Saudi Arabia to Kenya "
                             "(women 14,000, men 6,000); both sides change by exactly this number")
    assert "# people moved, scenario back: returns[0] moved in 2030–2035: 20,000 (women 14,000, men 6,000)" in lines
    assert "female share 0.700, as given" in lines[-1] and "defaults applied: age_profile" in lines[-1]
