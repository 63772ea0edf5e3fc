"""Groups of one's own: named inline (``Nigeria+Ghana+Senegal``, a list) or in a file of groups; members validated."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analysis.cli import main
from analysis.data import locations
from analysis.data.locations import GroupFileError, UnknownLocationError
from analysis.errors import InputError, InputNote
from analysis.report import matrix
from analysis.report import parameters as report_parameters

NIGERIA, GHANA, SENEGAL, CAMEROON = 566, 288, 686, 120
#: The notes on members counted once are asserted where they matter; elsewhere they are expected.
pytestmark = pytest.mark.filterwarnings("ignore::analysis.errors.InputNote")


def resolved_with_notes(query):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        place = locations.resolve(query)
    return place, [str(w.message) for w in caught if issubclass(w.category, InputNote)]


@pytest.fixture
def groups_file(tmp_path, monkeypatch):
    """A file of groups named by LMS_GROUPS_FILE; the test writes its text."""
    path = tmp_path / "groups.local.yml"
    monkeypatch.setenv(locations.USER_GROUPS_ENV, str(path))
    return path


def test_an_inline_group_sums_its_members(processed_dir):
    place, notes = resolved_with_notes("Nigeria+GHA+686")
    assert (place.name, place.kind, place.source, place.members) == (
        "Nigeria+Ghana+Senegal", "group", "inline", (GHANA, NIGERIA, SENEGAL))
    assert notes == []
    assert locations.member_line(place) == "group Nigeria+Ghana+Senegal (named inline): 3 countries: Ghana, Nigeria, Senegal"
    assert locations.resolve(["Nigeria", "Ghana", "Senegal"]) == place  # a list is the same group
    assert locations.resolve(["Nigeria"]) == locations.resolve("Nigeria")  # a group of one is the country
    table = pd.read_parquet(processed_dir / "population.parquet", filters=[("variant", "==", "medium"), ("year", "==", 2050)])
    from analysis.study import indicators

    summed = indicators.working_age_table([place], "15-64", [2050], ["medium"])["population"].iloc[0]
    expected = table[table["location_code"].isin([NIGERIA, GHANA, SENEGAL]) & table["age_start"].between(15, 60)]
    assert summed == pytest.approx(expected["population"].sum(), rel=1e-12)


def test_a_member_named_twice_or_inside_another_counts_once_with_a_note():
    place, notes = resolved_with_notes("NGA+Ghana+nigeria")
    assert place.members == (GHANA, NIGERIA) and place.name == "Nigeria+Ghana"
    assert notes == ["group Nigeria+Ghana: Nigeria is named more than once (as 'NGA' and 'nigeria'); it is counted once"]
    place, notes = resolved_with_notes("ECOWAS+Nigeria")
    assert len(place.members) == 12 and notes == ["group ECOWAS+Nigeria: Nigeria lies within ECOWAS; it is counted once"]
    place, notes = resolved_with_notes("Western Africa+ECOWAS+Cameroon")  # overlapping groups, expanded to countries
    assert len(place.members) == 18 and CAMEROON in place.members
    assert any("ECOWAS lies within Western Africa" in note for note in notes)


@pytest.mark.parametrize("query, message", [
    ("Nigeria+Ghnaa", "group 'Nigeria+Ghnaa': unknown location 'Ghnaa'; did you mean: Ghana"),
    ("Nigeria+", "group 'Nigeria+' has an empty member"),
    ("+566", "not an M49 code"),  # a malformed code, not a group
    ("Holy See+Italy", "group 'Holy See+Italy': Holy See has no population rows"),
    ([], "an empty list of locations"),
])
def test_a_bad_inline_group_is_refused_in_one_line(query, message):
    with pytest.raises(UnknownLocationError, match=message.replace("+", r"\+")) as error:
        locations.resolve(query)
    assert "\n" not in str(error.value)


GROUPS = """
groups:
  West-3:
    name: Nigeria, Ghana and Senegal
    members: [Nigeria, GHA, 686, NGA]
    source: a study's own choice
    as_of: 2026-01-01
  Corridor:
    members: [West-3, Cameroon, ECOWAS]
    aliases: [my corridor]
"""


def test_groups_from_a_file_are_validated_expanded_and_described(groups_file):
    groups_file.write_text(GROUPS)
    west, notes = resolved_with_notes("west-3")
    assert (west.name, west.members, west.source) == ("West-3", (GHANA, NIGERIA, SENEGAL), str(groups_file))
    assert notes == ["group West-3: Nigeria is named more than once (as 'Nigeria' and 'NGA'); it is counted once"]
    corridor, notes = resolved_with_notes("my corridor")
    assert corridor.name == "Corridor" and len(corridor.members) == 13 and CAMEROON in corridor.members
    assert "group Corridor: West-3 lies within ECOWAS; it is counted once (its 3 countries)" in notes
    description = locations.group_description("West-3")
    text = description.markdown()
    assert text.startswith("**West-3: 3 member countries as of 2026-01-01** (Nigeria, Ghana and Senegal)")
    assert "a study's own choice; defined in groups.local.yml" in text and "Ghana, Nigeria, Senegal." in text
    both = locations.resolve("West-3+Cameroon")  # a file's group inside an inline group
    assert both.members == (CAMEROON, GHANA, NIGERIA, SENEGAL)
    assert [record["role"] for record in locations.files_read([both])] == ["groups of one's own"]
    assert locations.resolve("Nigeria").source is None  # built-in names come first


@pytest.mark.parametrize("text, message", [
    ("groups:\n  A: {members: [Nigeira, Ghana]}", "group 'A': member 'Nigeira' is unknown; did you mean: Nigeria"),
    ("groups:\n  A: {members: [B]}\n  B: {members: [A, Kenya]}", r"groups include each other \(A -> B -> A\)"),
    ("groups:\n  Nigeria: {members: [Ghana]}", "'Nigeria' is already the name of Nigeria"),
    ("groups:\n  A+B: {members: [Ghana]}", "without '\\+'"),
    ("groups:\n  A: {members: [Ghana], colour: red}", "unknown field 'colour'"),
    ("groups:\n  A: {members: [Ghana, Kenya], expected_members: 3}", "has 2 member countries, but expected_members says 3"),
    ("groups:\n  A: {members: [Ghana]}\n  A: {members: [Kenya]}", "key 'A' appears twice"),
])
def test_a_bad_file_of_groups_fails_in_one_line_only_when_needed(groups_file, text, message):
    groups_file.write_text(text)
    assert locations.resolve("Kenya").name == "Kenya"  # never in the way of a built-in name
    with pytest.raises(GroupFileError, match=message) as error:
        locations.resolve("A")
    assert "\n" not in str(error.value)


def test_the_command_line_lists_a_groups_members(capsys):
    assert main(["working-age", "--location", "Nigeria+Ghana", "--location", "Nigeria", "--location", "Ghana",
                 "--years", "2050"]) == 0
    out, err = capsys.readouterr()
    rows = pd.read_csv(pd.io.common.StringIO(out)).set_index("location")["population"]
    assert rows["Nigeria+Ghana"] == rows["Nigeria"] + rows["Ghana"]
    assert "# group Nigeria+Ghana (named inline): 2 countries: Ghana, Nigeria" in err.splitlines()


def test_report_parameters_resolve_locations_before_anything_runs(groups_file):
    groups_file.write_text(GROUPS)
    checked = report_parameters.check("africa_working_age", **{
        **matrix.notebook_parameters("africa_working_age"), "location": ["Nigeria", "Ghana", "Senegal"]})
    assert checked["location"] == ["Nigeria", "Ghana", "Senegal"]
    with pytest.raises(InputError, match="unknown location 'Ghnaa'; did you mean: Ghana"):
        matrix.check_parameters("ad hoc report", "africa_working_age", {"location": "Nigeria+Ghnaa"})
    with pytest.raises(InputError, match="West-3 is not a country"):
        matrix.check_parameters("ad hoc report", "country_profile", {"country": "West-3"})
    run = matrix.ReportRun("mine", "africa_working_age", "Custom runs", "mine", {"location": "Corridor+Kenya"})
    assert groups_file in matrix.file_prerequisites(run)  # Make rebuilds the report when the file changes
