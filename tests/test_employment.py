"""ILOSTAT employment tables: the real figures, and the checks on small fixtures."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data import employment
from analysis.data.tables import ValidationError


# ---------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def occupation(processed_dir):
    return employment.load_occupation(processed_dir)


@pytest.fixture(scope="module")
def birth(processed_dir):
    return employment.load_occupation_birth(processed_dir)


def test_germany_2023_employment_and_foreign_born(occupation, birth):
    germany = occupation[occupation["iso3"] == "DEU"]
    assert set(germany["year"]) == {2023} and len(germany) == 22  # 11 groups x 2 sexes
    assert germany["employed"].sum() == pytest.approx(43_064_625, abs=0.5)  # the data mirror's 43.06 M
    foreign = birth[(birth["iso3"] == "DEU") & (birth["birth"] == "foreign")]
    assert foreign["employed"].sum() == pytest.approx(8_877_377, abs=0.5)  # 8.88 M
    total = birth[(birth["iso3"] == "DEU") & (birth["birth"] == "total")]["employed"].sum()
    assert total == pytest.approx(germany["employed"].sum(), abs=0.5)


def test_sexes_sum_to_the_place_of_birth_totals(occupation, birth):
    """Women + men of each German group equal the Total rows of the other table; no 'other' sex in any reference year."""
    occ = occupation[occupation["iso3"] == "DEU"].groupby("occupation")["employed"].sum()
    tot = birth[(birth["iso3"] == "DEU") & (birth["birth"] == "total")].groupby("occupation")["employed"].sum()
    assert (occ - tot.reindex(occ.index)).abs().max() <= employment.OCCUPATION_TOTAL_TOLERANCE
    assert not (occupation["sex"] == "other").any()


def test_unknown_birthplace_from_another_year_is_left_out(processed_dir):
    every = employment.load_occupation_birth(processed_dir, reference_only=False)
    unknown = every[(every["iso3"] == "DEU") & (every["birth"] == "unknown")]
    assert len(unknown) and set(unknown["year"]) == {2017} and not unknown["in_reference_year"].any()


def test_countries_without_data_are_listed(processed_dir):
    cover = employment.load_coverage(processed_dir)
    missing = employment.without_data(cover)
    assert "Saudi Arabia" in missing and "Germany" not in missing
    japan = cover.set_index("iso3").loc["JPN"]
    assert japan["occupation_year"] == 2024 and japan["groups_missing"] == "3, 7"


def test_isco68_never_in_an_isco08_reference_year(occupation):
    assert (occupation.groupby("iso3")["classification"].nunique() == 1).all()
    assert set(occupation.loc[occupation["classification"] == employment.ISCO68, "iso3"]) == {"GNQ", "MAC", "MNP"}


# ---------------------------------------------------------------- fixtures
LOCATIONS = pd.DataFrame({"location_code": [1, 2], "iso3": ["AAA", "BBB"], "kind": "country", "name": ["A", "B"]})


def _occupation_raw(**changes) -> pd.DataFrame:
    rows = [{"geo": "AAA", "t": 2023.0, "occup": f"isco-08-{g}", "sex": sex, "n": 10.0}
            for g in "123" for sex in ("Female", "Male")]
    rows.append({"geo": "AAA", "t": 2020.0, "occup": "isco-08-X", "sex": "Male", "n": 99.0})
    frame = pd.DataFrame(rows)
    for column, value in changes.items():
        frame.loc[0, column] = value
    return frame


def test_reference_year_is_the_year_of_most_cells_and_other_years_stay_apart():
    table = employment.clean_occupation(_occupation_raw(), LOCATIONS)
    assert set(table["reference_year"]) == {2023}
    assert table.loc[~table["in_reference_year"], "occupation"].tolist() == ["isco-08-X"]
    tie = pd.DataFrame({"iso3": ["AAA", "AAA"], "year": [2019, 2021]})
    assert employment.reference_years(tie)["AAA"] == 2021  # the latest on a tie


def test_total_sex_and_unknown_codes_are_refused():
    with pytest.raises(ValidationError, match="female, male and other"):
        employment.clean_occupation(_occupation_raw(sex="Total"), LOCATIONS)
    with pytest.raises(ValidationError, match="unexpected sexes"):
        employment.clean_occupation(_occupation_raw(sex="Both"), LOCATIONS)


def test_duplicates_negatives_and_mixed_classifications_fail_in_one_line():
    isco = employment.clean_isco(pd.DataFrame(
        [(f"isco-08-{g}", "label", skill) for g, skill in (("1", "High-skill"), ("2", "High-skill"),
         ("3", "High-skill"), ("4", "Medium-skill"), ("5", "Medium-skill"), ("6", "Medium-skill"),
         ("7", "Medium-skill"), ("8", "Medium-skill"), ("9", "Low-skill"), ("0", "Unknown"), ("X", "Unknown"))]
        + [("isco-68-3", "Clerical", "Medium-skill")], columns=["code", "label", "skill"]))
    doubled = employment.clean_occupation(pd.concat([_occupation_raw(), _occupation_raw().head(1)]), LOCATIONS)
    with pytest.raises(ValidationError, match="duplicate rows"):
        employment.check_counts(doubled, "employment_occupation")
    negative = employment.clean_occupation(_occupation_raw(n=-1.0), LOCATIONS)
    with pytest.raises(ValidationError, match="negative"):
        employment.check_counts(negative, "employment_occupation")
    mixed = employment.clean_occupation(_occupation_raw(occup="isco-68-3"), LOCATIONS)
    with pytest.raises(ValidationError, match="never be summed together"):
        employment.check_classifications(mixed, isco, "employment_occupation")


def test_package_skill_group_against_ilo_levels():
    rows = [(f"isco-08-{g}", "label", {"1": "High-skill", "2": "High-skill", "3": "High-skill", "9": "Low-skill",
                                       "0": "Unknown", "X": "Unknown"}.get(g, "Medium-skill")) for g in "1234567890X"]
    assert employment.clean_isco(pd.DataFrame(rows, columns=["code", "label", "skill"]))["skill"].notna().all()
    rows[4] = ("isco-08-5", "Services and sales workers", "Low-skill")
    with pytest.raises(ValidationError, match="isco-08-5"):
        employment.clean_isco(pd.DataFrame(rows, columns=["code", "label", "skill"]))


def _birth_raw(foreign: float = 1.0, unknown_year: float = 2017.0) -> pd.DataFrame:
    rows = [{"geo": "AAA", "birth": place, "t": 2023.0, "occup": "isco-08-1", "sex": "Female", "n": n}
            for place, n in (("Total", 10.0), ("Foreign", foreign), ("Native", 9.0))]
    rows.append({"geo": "AAA", "birth": "Unknown", "t": unknown_year, "occup": "isco-08-1", "sex": "Female", "n": 5.0})
    rows += [{"geo": "AAA", "birth": "Total", "t": 2023.0, "occup": "isco-68-Y", "sex": "Male", "n": n} for n in (1, 2)]
    return pd.DataFrame(rows)


def test_birth_parts_never_exceed_the_total_and_ambiguous_rows_are_dropped():
    table, dropped = employment.clean_occupation_birth(_birth_raw(), LOCATIONS)
    assert dropped["rows"].sum() == 2 and "isco-68-Y" not in set(table["occupation"])
    found = employment.check_birth_parts(table)  # the 2017 unknown is out of the reference year: no double count
    assert found["cell_excess"] == 0.0
    with pytest.raises(ValidationError, match="exceed the Total"):
        employment.check_birth_parts(employment.clean_occupation_birth(_birth_raw(foreign=3.0), LOCATIONS)[0])
    with pytest.raises(ValidationError, match="exceed the Total"):  # the same unknown within the year counts twice
        employment.check_birth_parts(employment.clean_occupation_birth(_birth_raw(unknown_year=2023.0), LOCATIONS)[0])


def test_sex_totals_against_the_place_of_birth_table():
    occupation = employment.clean_occupation(_occupation_raw(), LOCATIONS)
    birth = employment.clean_occupation_birth(pd.DataFrame(
        [{"geo": "AAA", "birth": "Total", "t": 2023.0, "occup": f"isco-08-{g}", "sex": sex, "n": 10.0}
         for g in "123" for sex in ("Female", "Male")]), LOCATIONS)[0]
    assert employment.check_sex_totals(occupation, birth)["worst"] == 0.0
    birth.loc[0, "employed"] = 12.0
    with pytest.raises(ValidationError, match="place-of-birth table"):
        employment.check_sex_totals(occupation, birth)
    assert employment.check_sex_totals(occupation, birth, different_sources=["AAA"])["countries"] == 0
