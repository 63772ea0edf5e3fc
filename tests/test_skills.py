"""Skills indicators, the education command and the report numbers.

Hand-made harmonised tables check each indicator against figures worked out by hand; the real-data
tests recompute levels, shares, changes and entrants for countries and groups straight from the raw
WIC and WPP files with pandas and compare them with the package's answers.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from analysis import paths
from analysis.data import education as ed
from analysis.data import locations, wpp
from analysis.data.conventions import AGE_DTYPE, SEX_DTYPE
from analysis.errors import InputError
from analysis.report import profiles
from analysis.report.site_index import headlines
from analysis.study import demand, skills

from .notebook_text import output_text

WIC_LEVELS = {"none": "No Education", "incomplete-primary": "Incomplete Primary", "primary": "Primary",
              "lower-secondary": "Lower Secondary", "upper-secondary": "Upper Secondary",
              "post-secondary": "Post Secondary"}

# persons of one sex by (year, age) and level; "primary" stands for everything below upper secondary
HAND = {
    (2020, "10-14"): {"under-15": 100},
    (2020, "15-19"): {"primary": 80, "upper-secondary": 20},
    (2020, "20-24"): {"primary": 50, "upper-secondary": 40, "post-secondary": 10},
    (2025, "10-14"): {"under-15": 110},
    (2025, "15-19"): {"primary": 90, "upper-secondary": 30},
    (2025, "20-24"): {"primary": 30, "upper-secondary": 50, "post-secondary": 20},
    (2025, "25-29"): {"primary": 20, "upper-secondary": 40, "post-secondary": 30},
}


def hand_table(codes=(1,), women=1.0, variant="medium") -> pd.DataFrame:
    rows = [(code, year, variant, sex, age, int(age.split("-")[0]), level, factor * cells.get(level, 0.0))
            for code in codes for (year, age), cells in HAND.items()
            for sex, factor in (("male", 1.0), ("female", women)) for level in ed.EDUCATION_LEVELS]
    table = pd.DataFrame(rows, columns=["location_code", "year", "variant", "sex", "age", "age_start", "education",
                                        "population"])
    return table.astype({"location_code": "int32", "year": "int16", "age_start": "int16", "sex": SEX_DTYPE,
                         "age": AGE_DTYPE, "education": ed.EDUCATION_DTYPE})


@pytest.fixture
def hand() -> pd.DataFrame:
    return hand_table(codes=(1, 2))


# ---------------------------------------------------------------- hand-made tables
def test_population_by_education_sums_members_by_sex(hand):
    table = skills.by_education(hand, {"G": (1, 2, 3)}, "20-24", [2025])
    assert list(table.columns) == ["location", "year", "variant", "sex", "ages", "education", "population"]
    assert table.set_index("education").loc["post-secondary", "population"] == 2 * 2 * 20  # 2 countries, 2 sexes
    each = skills.by_education(hand_table(women=2.0), {"A": (1,)}, "20-24", [2025], sex="each")
    assert each.set_index(["sex", "education"]).loc[("female", "upper-secondary"), "population"] == 100
    men = skills.by_education(hand, {"A": (1,)}, "20-29", [2025], sex="male")
    assert men.set_index("education").loc["post-secondary", "population"] == 20 + 30
    with pytest.raises(skills.SkillsInputError, match="no education data"):
        skills.by_education(hand, {"X": (9,)}, "20-24", [2025])
    with pytest.raises(InputError, match="ends before it starts"):
        skills.by_education(hand, {"A": (1,)}, "24-20")


def test_shares_and_attainment_leave_children_out(hand):
    attainment = skills.attainment(skills.by_education(hand, {"A": (1,)}, "10-24", [2020])).iloc[0]
    assert attainment["people"] == 2 * (100 + 100)
    assert attainment["at_least_upper_secondary"] == 2 * (20 + 40 + 10)
    assert attainment["share_at_least_upper_secondary"] == pytest.approx(70 / 200)
    assert attainment["share_post_secondary"] == pytest.approx(10 / 200)
    shares = skills.level_shares(skills.by_education(hand, {"A": (1,)}, "15-24", [2020]))
    assert "under-15" not in set(shares["education"].astype(str)) and shares["share"].sum() == pytest.approx(1.0)


def test_change_between_years_counts_and_percentage_points(hand):
    attainment = skills.attainment(skills.by_education(hand, {"A": (1,)}, "20-24", [2020, 2025]))
    row = skills.change_between(attainment, 2020, 2025).iloc[0]
    assert row["post_secondary_change"] == 2 * (20 - 10) and row["post_secondary_percent_change"] == pytest.approx(100)
    assert row["share_post_secondary_change_pp"] == pytest.approx(100 * (0.2 - 0.1))
    with pytest.raises(skills.SkillsInputError, match="not in the table"):
        skills.change_between(attainment, 2020, 2030)


def test_skilled_entrants_follow_cohorts_by_hand(hand):
    entrants = skills.skilled_entrants(hand, {"A": (1,)}, completion_ages="15-24").set_index("threshold")
    # post-secondary: cohort 15-19 -> 20-24 gains 20/100 - 0; cohort 10-14 -> 15-19 gains nothing; per sex
    post = (20 / 100 - 0 / 100) * 100
    assert entrants.loc["post-secondary", "entrants"] == pytest.approx(2 * post)
    # at least upper secondary: 15-19 -> 20-24: 70/100 - 20/100; 10-14 -> 15-19: 30/120 - 0
    upper = (70 / 100 - 20 / 100) * 100 + (30 / 120) * 120
    assert entrants.loc["at-least-upper-secondary", "entrants"] == pytest.approx(2 * upper)
    assert entrants.loc["post-secondary", "entrants_per_year"] == pytest.approx(2 * post / 5)
    assert set(entrants["period_start"]) == {2020} and set(entrants["completion_ages"]) == {"15-24"}
    wider = skills.skilled_entrants(hand, {"A": (1,)}).set_index("threshold")  # 15-29 adds 20-24 -> 25-29
    assert wider.loc["post-secondary", "entrants"] == pytest.approx(2 * (post + (30 / 90 - 10 / 100) * 90))
    with pytest.raises(skills.SkillsInputError, match="closed band"):
        skills.skilled_entrants(hand, {"A": (1,)}, completion_ages="15+")
    with pytest.raises(skills.SkillsInputError, match="children included"):
        skills.skilled_entrants(hand[hand["age_start"] >= 15], {"A": (1,)})
    with pytest.raises(skills.SkillsInputError, match="need their start year"):
        skills.skilled_entrants(hand, {"A": (1,)}, periods=[2025])


def test_skill_mix_and_supply_against_shortfall(hand):
    destination = hand_table(codes=(5,)).assign(population=lambda t: np.where(t["year"] == 2025, 0.5, 1.0) * t["population"])
    both = pd.concat([hand, destination], ignore_index=True)
    mix = skills.skill_mix_change(both, {"D": (5,)}, 2020, 2025, "20-24").set_index("skill")
    assert mix.loc["upper-secondary", "change"] == 2 * (0.5 * 50 - 40)
    assert mix.loc["below-upper-secondary", "share_of_base"] == pytest.approx(50 / 100)
    origin = skills.skill_mix_change(both, {"O": (1, 2)}, 2020, 2025, "20-24")
    table = skills.shortfall_against_supply(skills.skill_mix_change(both, {"D": (5,)}, 2020, 2025, "20-24"), origin)
    row = table.set_index("skill").loc["upper-secondary"]
    assert row["origin_change"] == 2 * 2 * (50 - 40) and row["origin_per_destination_loss"] == pytest.approx(40 / 30)
    assert np.isnan(table.set_index("skill").loc["post-secondary", "origin_per_destination_loss"])  # D gains: no loss
    d, o = skills.skill_mix_wide(table)
    assert list(d.columns) == ["destination", *skills.SKILL_GROUPS] and o["upper-secondary"].item() == 40


def test_women_share_and_contributions(hand):
    table = skills.by_education(hand_table(codes=(1,), women=3.0), {"A": (1,)}, "20-24", [2025], sex="each")
    women = skills.women_share(table).iloc[0]
    assert women["post-secondary"] == pytest.approx(0.75) and women["all"] == pytest.approx(0.75)
    with pytest.raises(skills.SkillsInputError, match="sex='each'"):
        skills.women_share(skills.by_education(hand, {"A": (1,)}, "20-24", [2025]))
    grown = pd.concat([hand_table(codes=(1,)), hand_table(codes=(2,), women=3.0)], ignore_index=True)
    contributions = skills.country_contributions(grown, {"one": 1, "two": 2}, 2020, 2025, "20-24")
    post = contributions[contributions["education"] == "post-secondary"]
    assert post["location"].tolist() == ["two", "one"] and post["share_of_change"].sum() == pytest.approx(1.0)
    assert post["change"].tolist() == [4 * 10, 2 * 10]


def test_care_need_against_eligible_entrants():
    entrants = pd.DataFrame({"location": "O", "period_start": [2025, 2030] * 2, "period_end": [2030, 2035] * 2,
                             "threshold": ["post-secondary"] * 2 + ["at-least-upper-secondary"] * 2,
                             "entrants": [100.0, 150.0, 400.0, 600.0]})
    eligible = skills.eligible_entrants(entrants)
    care = pd.DataFrame({"location": "D", "year": [2025, 2035, 2040], "variant": "medium",
                         "additional_workers": [0.0, 50.0, 80.0]})
    table = skills.care_need_against_entrants(care, eligible, 2025, 2035).set_index("track")
    assert table.loc["nurse", "eligible_entrants"] == 250 and table.loc["nurse", "need_share_of_entrants"] == 0.2
    assert table.loc["personal care worker", "minimum_level"] == "at-least-upper-secondary"
    assert table.loc["personal care worker", "eligible_per_year"] == 100
    with pytest.raises(skills.SkillsInputError, match="lacks some periods"):
        skills.care_need_against_entrants(care, eligible, 2025, 2040)
    with pytest.raises(skills.SkillsInputError, match="must be one of"):
        skills.eligible_entrants(entrants, {"nurse": "bachelor"})


@pytest.mark.parametrize("text, expected", [
    ("post-secondary", ["post-secondary"]), ("Upper Secondary,none", ["upper-secondary", "none"]),
    (["bachelor", "post_secondary"], ["bachelor", "post-secondary"]), (None, list(ed.EDUCATION_LEVELS)),
])
def test_levels_are_parsed(text, expected):
    assert skills.parse_levels(text) == expected


def test_bad_levels_and_sexes_are_refused():
    with pytest.raises(skills.SkillsInputError, match="unknown education level 'phd'; valid: under-15"):
        skills.parse_levels("phd")
    with pytest.raises(skills.SkillsInputError, match="valid: both, male, female, each"):
        skills.check_sex("x")


# ---------------------------------------------------------------- against the raw files
@pytest.fixture(scope="session")
def raw_wic(raw_education) -> pd.DataFrame:
    raw = raw_education
    return raw[raw["education"].isin(list(WIC_LEVELS.values()))].assign(
        country_code=lambda t: t["country_code"].astype(int), year=lambda t: t["year"].astype(int),
        sex=lambda t: t["sex"].str.lower(), age=lambda t: t["age"].str.replace("--", "-"))


#: The years the real-data checks use (African countries only, to keep the recomputation quick).
CHECKED_YEARS = (2025, 2030, 2035, 2040, 2045, 2050, 2060)


@pytest.fixture(scope="session")
def raw_cells(raw_wic, raw_population, processed_dir) -> pd.DataFrame:
    """WIC shares times raw WPP medium persons, one column per level, by country, year, sex and age (adults)."""
    africa = locations.resolve("Africa", processed_dir).members
    raw_wic = raw_wic[raw_wic["country_code"].isin(africa) & raw_wic["year"].isin(CHECKED_YEARS)]
    wide = raw_wic.pivot_table(index=["country_code", "year", "sex", "age"], columns="education", values="epop",
                               aggfunc="sum").rename(columns={v: k for k, v in WIC_LEVELS.items()})
    shares = wide.div(wide.sum(axis=1), axis=0)
    estimates, projections = raw_population
    frames = []
    for frame in (estimates, projections.assign(year=projections["year"].astype(int))):
        for sex, column in (("male", "popM"), ("female", "popF")):
            frames.append(pd.DataFrame({"country_code": frame["country_code"].astype(int), "year": frame["year"].astype(int),
                                        "sex": sex, "age": frame["age"], "persons": (frame[column] * 1000).round()}))
    persons = pd.concat(frames).set_index(["country_code", "year", "sex", "age"])["persons"]
    shares = shares[shares.sum(axis=1) > 0]  # cells where WIC has people (the checks use working ages)
    return shares.mul(persons.reindex(shares.index), axis=0).assign(persons=persons.reindex(shares.index))


def members(group: str, processed_dir) -> tuple[int, ...]:
    return locations.resolve(group, processed_dir).members


def expected_levels(raw_cells, codes, years, ages, sex=None) -> pd.DataFrame:
    index = raw_cells.index
    keep = index.get_level_values("country_code").isin(codes) & index.get_level_values("year").isin(years) \
        & index.get_level_values("age").isin(ages)
    if sex:
        keep &= index.get_level_values("sex") == sex
    return raw_cells[keep].groupby(level="year").sum()


@pytest.mark.parametrize("group, year, ages, sex", [
    ("COMESA", 2045, ["20-24", "25-29"], None),
    ("IGAD", 2030, ["30-34"], "female"),
    ("Western Africa", 2060, ["15-19", "20-24", "25-29", "30-34", "35-39"], "male"),
    ("Ghana", 2040, ["25-29", "30-34"], None),
])
def test_levels_and_shares_of_countries_and_groups_from_the_raw_files(raw_cells, processed_dir, group, year, ages, sex):
    codes = members(group, processed_dir)
    band = f"{ages[0].split('-')[0]}-{ages[-1].split('-')[1]}"
    expected = expected_levels(raw_cells, codes, [year], ages, sex).loc[year]
    harmonised = ed.load_harmonised(["medium"], [year], codes, processed_dir)
    table = skills.by_education(harmonised, {group: codes}, band, [year], sex or "both").set_index("education")
    for level in WIC_LEVELS:
        assert table.loc[level, "population"] == pytest.approx(expected[level], rel=1e-9)
    attainment = skills.attainment(table.reset_index()).iloc[0]
    total = expected[list(WIC_LEVELS)].sum()
    assert attainment["share_post_secondary"] == pytest.approx(expected["post-secondary"] / total, rel=1e-9)
    assert attainment["share_at_least_upper_secondary"] == pytest.approx(
        (expected["upper-secondary"] + expected["post-secondary"]) / total, rel=1e-9)


def test_change_between_years_of_a_group_from_the_raw_files(raw_cells, processed_dir):
    codes = members("SADC", processed_dir)
    expected = expected_levels(raw_cells, codes, [2025, 2045], ["25-29", "30-34"])
    harmonised = ed.load_harmonised(["medium"], [2025, 2045], codes, processed_dir)
    attainment = skills.attainment(skills.by_education(harmonised, {"SADC": codes}, "25-34", [2025, 2045]))
    row = skills.change_between(attainment, 2025, 2045).iloc[0]
    change = expected.loc[2045, "post-secondary"] - expected.loc[2025, "post-secondary"]
    assert row["post_secondary_change"] == pytest.approx(change, rel=1e-9)
    shares = expected["post-secondary"] / expected[list(WIC_LEVELS)].sum(axis=1)
    assert row["share_post_secondary_change_pp"] == pytest.approx(100 * (shares[2045] - shares[2025]), rel=1e-9)


def test_skilled_entrants_of_a_country_from_the_raw_files(raw_cells, processed_dir):
    """Ghana 2030-2035: cohorts aged 15-19, 20-24, 25-29 in 2035, their share gains times their 2035 size, a fifth."""
    cells = raw_cells.xs(288, level="country_code")
    total = 0.0
    for sex in ("male", "female"):
        for start in (15, 20, 25):
            end = cells.loc[(2035, sex, f"{start}-{start + 4}")]
            before = cells.loc[(2030, sex, f"{start - 5}-{start - 1}")] if start > 15 else None
            share_end = end["post-secondary"] / end["persons"]
            share_before = 0.0 if before is None else before["post-secondary"] / before["persons"]
            total += (share_end - share_before) * end["persons"]
    harmonised = ed.load_harmonised(["medium"], [2030, 2035], [288], processed_dir)
    entrants = skills.skilled_entrants(harmonised, {"Ghana": (288,)}).set_index("threshold")
    assert entrants.loc["post-secondary", "entrants_per_year"] == pytest.approx(total / 5, rel=1e-9)


def test_detail_where_wic_splits_post_secondary(raw_education, processed_dir):
    raw = raw_education
    rows = raw[(raw["country_code"] == 818) & (raw["year"] == 2030) & (raw["age"] == "25--29") & (raw["sex"] == "Male")]
    by = rows.set_index("education")["epop"]
    table, _ = skills.education_table(["Egypt"], "25-29", [2030], "male", "bachelor,post-secondary",
                                      processed_dir=processed_dir)
    got = table.set_index("education")["population"]
    assert got["bachelor"] == pytest.approx(
        got["post-secondary"] * by["Bachelor"] / by[["Short Post Secondary", "Bachelor", "Master and higher"]].sum(), rel=1e-9)
    with pytest.raises(skills.SkillsInputError, match="not for Nigeria"):
        skills.education_table(["Nigeria"], "25-29", [2030], levels="bachelor", processed_dir=processed_dir)


def test_trajectories_are_harmonised_by_table_and_by_array(processed_dir):
    """Sampled trajectories (here WPP's three variants as stand-ins) go through both paths alike."""
    codes, years = [404, 566], [2030, 2050]
    population = wpp.load_population(["medium", "low", "high"], years, codes, processed_dir)
    trajectories = population.assign(trajectory=population["variant"].cat.codes.astype("int16")).drop(columns="variant")
    shares = ed.load_shares(processed_dir)
    table = ed.harmonise(shares[shares["location_code"].isin(codes)], trajectories)
    entrants = skills.skilled_entrants(
        ed.harmonise(shares[shares["location_code"].isin(codes)],
                     wpp.load_population(["medium", "low"], [2045, 2050], codes, processed_dir)),
        {"Kenya": (404,)})
    assert set(entrants["variant"].astype(str)) == {"medium", "low"}
    array, covered = ed.shares_array(shares, codes, years)
    ordered = trajectories.sort_values(["trajectory", "location_code", "year", "sex", "age"])
    values = ordered["population"].to_numpy().reshape(3, 2, 2, 2, 21)
    result = ed.harmonise_array(array, values)
    expected = table.sort_values(["trajectory", "location_code", "year", "sex", "age", "education"])["population"]
    assert covered.all() and np.allclose(result.reshape(-1), expected.to_numpy())


# ---------------------------------------------------------------- the command line
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "education", *args], capture_output=True, text=True,
                          timeout=120)


def test_education_csv_from_the_raw_files(raw_cells, processed_dir):
    result = run("--location", "Senegal", "--ages", "25-34", "--years", "2025,2040", "--level", "post-secondary",
                 "--sex", "female")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["location", "year", "sex", "ages", "education", "population"]
    expected = expected_levels(raw_cells, (686,), [2025, 2040], ["25-29", "30-34"], "female")["post-secondary"]
    assert table["population"].tolist() == expected.round().astype(int).tolist()
    assert set(table["sex"]) == {"female"} and set(table["education"]) == {"post-secondary"}


def test_all_levels_and_a_note_for_members_wic_lacks(processed_dir):
    result = run("--location", "Africa", "--ages", "20-24", "--years", "2030")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table["education"].tolist() == list(ed.ATTAINMENT_LEVELS)  # nobody aged 20-24 is under 15
    assert re.fullmatch(r"note: Africa 2030: no education split for Saint Helena \([\d,]+ people, left out of the "
                        r"figures\)", result.stderr.strip()), result.stderr


@pytest.mark.parametrize("args, message", [
    (["--location", "Kosovo"], "not among the 201 countries"),
    (["--location", "Eritrea", "--years", "2010"], "WIC covers it only from 2015"),
    (["--location", "Nigeria", "--level", "bachelor"], "not for Nigeria"),
    (["--level", "phd"], "unknown education level 'phd'"),
    (["--sex", "x"], "unknown sex 'x'"),
    (["--ages", "70-20"], "ends before it starts"),
    (["--years", "2027"], "every 5 years"),
    (["--variant", "median"], "unknown variant 'median'"),
    (["--location", "Nigerai"], "did you mean: Nigeria"),
])
def test_bad_input_exits_2_with_one_line(processed_dir, args, message):
    result = run(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and result.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


# ---------------------------------------------------------------- report numbers
def test_partnership_pipeline_against_its_parts(processed_dir):
    pipeline = skills.partnership_pipeline("Morocco", "Germany", 7000, 2025, 2050, processed_dir=processed_dir)
    entrants = skills.origin_entrants(["Morocco"], 2025, 2050, processed_dir=processed_dir)
    per_year = entrants.groupby("threshold", observed=True)["entrants"].sum() / 25
    need = demand.additional_care_workers("Germany", 2025, 2050, variants=["medium"], processed_dir=processed_dir)
    nurse = pipeline.set_index("track").loc["nurse"]
    assert nurse["eligible_per_year"] == pytest.approx(per_year["post-secondary"], rel=1e-12)
    assert nurse["trainees_share_of_eligible"] == pytest.approx(7000 / per_year["post-secondary"], rel=1e-12)
    assert nurse["additional_workers"] == pytest.approx(need["medium"], rel=1e-12)
    assert nurse["need_share_of_entrants"] == pytest.approx(need["medium"] / (25 * per_year["post-secondary"]), rel=1e-12)
    with pytest.raises(skills.SkillsInputError, match="non-negative"):
        skills.partnership_pipeline("Morocco", "Germany", -1, processed_dir=processed_dir)


def test_profile_education_numbers(raw_cells, raw_population, processed_dir):
    place = locations.resolve("SEN", processed_dir)
    profile = profiles.country_profile(place, 2025, 2050, processed_dir=processed_dir)
    numbers = profile["numbers"]
    expected = expected_levels(raw_cells, (686,), [2050], ["25-29", "30-34"]).loc[2050]
    assert numbers["post_secondary_compare"] == pytest.approx(expected["post-secondary"], rel=1e-9)
    pyramid = profile["education_pyramid"]
    _, projections = raw_population
    raw = projections[(projections["country_code"] == 686) & (projections["year"].astype(int) == 2050)]
    wpp_2050 = (raw["popM"] * 1000).round().sum() + (raw["popF"] * 1000).round().sum()
    at_2050 = pyramid[pyramid["year"] == 2050]
    assert at_2050[list(ed.EDUCATION_LEVELS)].to_numpy().sum() == pytest.approx(wpp_2050, abs=1.0)
    assert "post-secondary education" in profiles.education_sentence(numbers)
    helena = profiles.country_profile(locations.resolve("SHN", processed_dir), processed_dir=processed_dir)
    assert not helena["numbers"]["education_covered"] and "gives no education figures for Saint Helena" in \
        profiles.summary_text(helena)


def test_coverage_names_every_member_without_a_split():
    coverage = pd.DataFrame({"location_code": np.int32([1, 2, 1, 2]), "year": np.int16([2010, 2010, 2015, 2015]),
                             "covered": [True, False, True, True], "population": [10.0, 5.0, 11.0, 6.0]})
    table = skills.coverage_of(coverage, {"G": (1, 2, 3)}, [2010, 2015], {1: "One", 2: "Two", 3: "Three"})
    assert table["members"].tolist() == [3, 3] and table["members_covered"].tolist() == [1, 2]
    assert table["not_covered"].tolist() == ["Two; Three", "Three"]  # Three has no population rows at all
    assert table["population_not_covered"].tolist() == [5.0, 0.0]
    assert skills.coverage_note(table)[0] == "G 2010: no education split for Two; Three (5 people, left out of the figures)"


def test_report_years_need_two_in_order():
    assert skills.first_and_last([2025, 2040, 2050]) == ([2025, 2040, 2050], 2025, 2050)
    for years in ([2025], [2050, 2025]):
        with pytest.raises(skills.SkillsInputError, match="two or more years in increasing order"):
            skills.first_and_last(years)


def test_skills_report_with_other_parameters(processed_dir, tmp_path):
    """The report run for another group, ages and years records headlines equal to the package's own figures."""
    output = tmp_path / "igad.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS / "skills_supply.ipynb"), str(output), kernel_name="labour-mobility",
                        parameters={"location": "IGAD", "ages": "20-39", "years": [2030, 2045],
                                    "levels": ["post-secondary"], "young_ages": "30-34", "top_n": 3,
                                    "destinations": ["Germany", "GCC"]},
                        progress_bar=False, cwd=str(tmp_path))
    codes = locations.resolve("IGAD", processed_dir).members
    harmonised = ed.load_harmonised(["medium"], [2030, 2045], codes, processed_dir)
    attainment = skills.attainment(skills.by_education(harmonised, {"IGAD": codes}, "30-34", [2030, 2045]))
    post = attainment.set_index("year").loc[2045, "post_secondary"]
    recorded = {item["label"]: item["value"] for item in headlines(output)}
    label = next(label for label in recorded if label.startswith("aged 30-34 with post-secondary education in IGAD, 2045"))
    assert recorded[label] == f"{post / 1e6:,.1f} million"
    text = output_text(nbformat.read(output, as_version=4))
    assert "IGAD: ages 20-39 (30-34 for attainment), 2030-2045" in text and "Germany" in text
