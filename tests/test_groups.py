"""Groups (AES, AU, AfCFTA, Sahel), their descriptions, and alternative country names (aliases.csv)."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from analysis.data import locations
from analysis.data.locations import AliasTableError, UnknownLocationError
from analysis.data.tables import read_table
from analysis.study import indicators

WESTERN_SAHARA = 732


@pytest.fixture(scope="module")
def index(processed_dir):
    return locations.index(processed_dir)


def names(index, group: str) -> set[str]:
    return set(index.countries(index.resolve(group))["name"])


@pytest.mark.parametrize("query, key, count", [
    ("AES", "AES", 3), ("Alliance of Sahel States", "AES", 3), ("AU", "AU", 55), ("African Union", "AU", 55),
    ("AfCFTA", "AfCFTA", 48), ("Sahel", "Sahel", 10), ("UNISS", "Sahel", 10), ("ECOWAS", "ECOWAS", 12),
])
def test_membership_counts(index, query, key, count):
    group = index.resolve(query)
    assert (group.id, group.kind, len(group.members)) == (key, "group", count)


def test_aes_are_the_three_countries_that_left_ecowas(index):
    assert names(index, "AES") == {"Burkina Faso", "Mali", "Niger"}
    assert not names(index, "AES") & names(index, "ECOWAS")
    notes = locations.group_description("ECOWAS").notes
    assert "Burkina Faso, Mali and Niger" in notes and "29 Jan 2025" in notes


def test_au_is_africas_54_un_member_states_and_western_sahara_for_the_sadr(index, processed_dir):
    au = set(index.resolve("AU").members)
    un54 = set(locations.african_countries(processed_dir)["location_code"])
    assert au == un54 | {WESTERN_SAHARA}
    description = locations.group_description("AU")
    assert "Western Sahara" in description.members["name"].tolist()
    assert "Sahrawi Arab Democratic Republic" in description.notes and "M49 732" in description.notes
    assert "Suspended members stay members" in description.notes


def test_au_population_is_wpp_africa_without_its_three_other_territories(processed_dir):
    """A group is summed over its members; WPP's own Africa row less Mayotte, Reunion and Saint Helena checks it."""
    table = indicators.working_age_table(["AU", "Africa", "Mayotte", "Reunion", "Saint Helena"], "15-64",
                                         [1950, 2025, 2100], ["medium"], processed_dir=processed_dir)
    wide = table.pivot_table(index="year", columns="location", values="population", observed=True)
    expected = wide["Africa"] - wide["Mayotte"] - wide["Réunion"] - wide["Saint Helena"]
    # WPP's aggregates equal the sum of their countries to within rounding (at most 1,622 persons, Holy See aside)
    assert (wide["AU"] - expected).abs().max() <= 2_000
    assert 890e6 < wide.loc[2025, "AU"] < 892e6


def test_afcfta_state_parties(index):
    parties = names(index, "AfCFTA")
    assert parties <= names(index, "AU")
    assert names(index, "AU") - parties == {"Eritrea", "Benin", "Libya", "Madagascar", "Somalia", "South Sudan", "Sudan"}
    assert "Western Sahara" in parties  # the SADR deposited the 22nd instrument (29 April 2019)
    assert locations.group_description("AfCFTA").as_of == "2025-02-28"


def test_sahel_is_the_un_integrated_strategy_set(index):
    assert names(index, "Sahel") == {"Burkina Faso", "Cameroon", "Chad", "Gambia", "Guinea", "Mali", "Mauritania",
                                     "Niger", "Nigeria", "Senegal"}
    assert "G5 Sahel" in locations.group_description("Sahel").notes


@pytest.mark.parametrize("group", ["AES", "AU", "AfCFTA", "Sahel", "ECOWAS", "EU27", "GCC"])
def test_every_group_description_lists_members_as_of_source_and_the_rule_across_years(index, group):
    description = locations.group_description(group)
    assert len(description.members) == len(index.resolve(group).members)
    assert description.as_of and description.source and description.notes
    text = description.markdown()
    assert f"**{group}: {len(description.members)} member countries as of {description.as_of}**" in text
    assert "every year from 1950 to 2100" in text
    assert all(name in text for name in description.members["name"])


@pytest.mark.parametrize("location", ["Kenya", "Africa", "Western Africa", "World", "Congo, Dem. Rep."])
def test_no_description_for_countries_or_wpp_aggregates(location):
    assert locations.group_description(location) is None


@pytest.mark.parametrize("query, code", [
    ("Congo, Dem. Rep.", 180), ("Congo, Rep.", 178), ("Egypt, Arab Rep.", 818), ("Gambia, The", 270),
    ("Cote d'Ivoire", 384), ("Côte d'Ivoire", 384), ("Tanzania", 834), ("Iran, Islamic Rep.", 364),
    ("Korea, Rep.", 410), ("Russian Federation", 643), ("Viet Nam", 704), ("Vietnam", 704), ("Turkiye", 792),
    ("Türkiye", 792), ("Turkey", 792), ("Czechia", 203), ("Czech Republic", 203), ("Eswatini", 748),
    ("Swaziland", 748), ("Cabo Verde", 132), ("Cape Verde", 132), ("Yemen, Rep.", 887), ("Lao PDR", 418),
    ("Congo (the Democratic Republic of the)", 180), ("Tanzania, the United Republic of", 834),
    ("Korea (the Democratic People's Republic of)", 408), ("West Bank and Gaza", 275), ("Korea, Republic of", 410),
    ("Congo, The Democratic Republic of the", 180), ("Virgin Islands, U.S.", 850),
])
def test_alternative_names_resolve(index, query, code):
    location = index.resolve(query)
    assert (location.kind, location.code) == ("country", code)


def test_every_alias_names_a_wpp_location(processed_dir):
    table = locations.load_aliases()
    assert set(table["form"]) == {"World Bank", "ISO 3166-1", "former name", "common"}
    locations.check_aliases(locations.load_locations(processed_dir), table)  # raises otherwise
    assert (table["source"].str.len() > 10).all()


@pytest.mark.parametrize("query, suggestion", [("Congo, Dem Rp", "Democratic Republic of the Congo"),
                                               ("Egypt, Arab Repp", "Egypt"), ("Afcfta state partys", "AfCFTA")])
def test_misspelt_alternative_names_get_close_matches(index, query, suggestion):
    with pytest.raises(UnknownLocationError, match=f"did you mean: .*{suggestion}"):
        index.resolve(query)


def test_alias_table_faults_are_refused(tmp_path, processed_dir):
    header = "alias,wpp_name,form,source\n"
    cases = {
        "repeated.csv": (header + '"Gambia, The",Gambia,World Bank,x\n"Gambia, The",Gambia,World Bank,x\n', "more than once"),
        "clash.csv": (header + '"Gambia, The",Gambia,World Bank,x\nGambia (the),Ghana,ISO 3166-1,x\n', "read alike"),
        "empty.csv": (header + '"Gambia, The",,World Bank,x\n', "empty field in row 2"),
        "form.csv": (header + '"Gambia, The",Gambia,Wikipedia,x\n', "unknown form"),
        "columns.csv": ('alias,target\n"Gambia, The",Gambia\n', "columns must be"),
        "nothing.csv": ("", "columns must be"),
        "unquoted.csv": (header + "Gambia, The,Gambia,World Bank,x\n", "row 2 does not have 4 fields"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(AliasTableError, match=message):
            locations.load_aliases(tmp_path / name)
    table = read_table("locations", processed_dir)
    with pytest.raises(AliasTableError, match="not a WPP location; close: .*Gambia"):
        locations.check_aliases(table, pd.DataFrame({"alias": ["Gambia, The"], "wpp_name": ["Gambiaa"]}))
    with pytest.raises(AliasTableError, match="hides the WPP location 'Micronesia'"):
        locations.check_aliases(table, pd.DataFrame({"alias": ["Micronesia"], "wpp_name": ["Micronesia (Fed. States of)"]}))


def test_working_age_command_takes_a_new_group():
    result = subprocess.run([sys.executable, "-m", "analysis", "working-age", "--location", "AES", "--years", "2025,2055"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    members = indicators.working_age_table(["Burkina Faso", "Mali", "Niger"], "15-64", [2025, 2055], ["medium"])
    expected = members.groupby("year")["population"].sum().round().astype(int).tolist()
    assert table["location"].unique().tolist() == ["AES"]
    assert table["population"].tolist() == expected
    assert 40e6 < table["population"].iloc[0] < 42e6
