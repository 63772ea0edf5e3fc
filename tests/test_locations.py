"""The locations table, groups and resolving what users type."""

from __future__ import annotations

import pytest

from analysis.data import locations
from analysis.data.locations import UnknownLocationError


@pytest.fixture(scope="module")
def index(processed_dir):
    return locations.index(processed_dir)


@pytest.mark.parametrize(
    "query, name, code, kind, n_members",
    [
        ("Africa", "Africa", 903, "aggregate", 58),
        ("Sub-Saharan Africa", "Sub-Saharan Africa", 1834, "aggregate", 51),
        ("western africa", "Western Africa", 914, "aggregate", 17),
        ("Europe", "Europe", 908, "aggregate", 50),
        ("World", "World", 900, "aggregate", 237),
        ("Americas", "Americas", 5505, "aggregate", 55),
        ("Latin America and the Caribbean", "Latin America and the Caribbean", 904, "aggregate", 50),
        ("Kenya", "Kenya", 404, "country", 1),
        ("KEN", "Kenya", 404, "country", 1),
        ("404", "Kenya", 404, "country", 1),
        (404, "Kenya", 404, "country", 1),
        ("Côte d’Ivoire", "Côte d'Ivoire", 384, "country", 1),
        ("Tanzania", "United Republic of Tanzania", 834, "country", 1),
        ("United Kingdom", "United Kingdom", 826, "country", 1),
        ("Kosovo", "Kosovo (under UNSC res. 1244)", 412, "country", 1),
    ],
)
def test_resolve(index, query, name, code, kind, n_members):
    location = index.resolve(query)
    assert (location.name, location.code, location.kind, len(location.members)) == (name, code, kind, n_members)


@pytest.mark.parametrize(
    "query, n_members",
    [("EU27", 27), ("European Union", 27), ("GCC", 6), ("ECOWAS", 12), ("SADC", 16), ("EAC", 8), ("COMESA", 21),
     ("IGAD", 7), ("ECCAS", 10), ("AMU", 5), ("CEN-SAD", 25)],
)
def test_package_groups(index, query, n_members):
    location = index.resolve(query)
    assert location.kind == "group" and location.code is None
    assert len(location.members) == n_members


def test_group_members_are_the_expected_countries(index):
    eu = set(index.countries(index.resolve("EU27"))["iso3"])
    assert {"DEU", "FRA", "ITA", "POL", "HRV"} <= eu and "GBR" not in eu
    ecowas = set(index.countries(index.resolve("ECOWAS"))["name"])
    assert "Nigeria" in ecowas and "Mali" not in ecowas  # Mali left on 29 January 2025
    assert set(index.countries(index.resolve("GCC"))["iso3"]) == {"BHR", "KWT", "OMN", "QAT", "SAU", "ARE"}


def test_every_rec_member_is_african(index):
    africa = set(index.resolve("Africa").members)
    for rec in ("ECOWAS", "SADC", "EAC", "COMESA", "IGAD", "ECCAS", "AMU", "CEN-SAD"):
        assert set(index.resolve(rec).members) <= africa, rec


def test_country_attributes(processed_dir):
    table = locations.load_locations(processed_dir).set_index("name")
    nigeria = table.loc["Nigeria"]
    assert (nigeria.iso3, nigeria.region, nigeria.subregion, nigeria.sdg_region, nigeria.income_group) == (
        "NGA", "Africa", "Western Africa", "Sub-Saharan Africa", "Lower-middle-income countries"
    )
    usa = table.loc["United States of America"]
    assert (usa.region, usa.subregion) == ("Northern America", "Northern America")
    assert (table["kind"] == "country").sum() == 237


def test_every_aggregate_a_country_belongs_to(processed_dir):
    membership = locations.load_membership(processed_dir)
    kenya = set(membership.loc[membership.location_code == 404, "group"])
    assert {"World", "Africa", "Eastern Africa", "Sub-Saharan Africa", "EAC", "COMESA", "IGAD",
            "Lower-middle-income countries", "Less developed regions"} <= kenya


def test_unknown_location_offers_close_matches(index):
    with pytest.raises(UnknownLocationError, match=r"unknown location 'Nigerai'; did you mean: Nigeria"):
        index.resolve("Nigerai")
    with pytest.raises(UnknownLocationError, match=r"did you mean: .*Germany"):
        index.resolve("Germny")
    with pytest.raises(UnknownLocationError, match="ISO-3 code"):
        index.resolve("Atlantis")


def test_close_matches_include_groups_and_their_aliases(index):
    assert index.close_matches("Gulf")[0] == "GCC"  # from its alias "Gulf Cooperation Council", before French Guiana
    assert index.resolve("Gulf states").id == "GCC" and index.resolve("Arab Gulf states").id == "GCC"
    assert "Côte d'Ivoire" in index.close_matches("Cote")
    with pytest.raises(UnknownLocationError, match=r"did you mean: GCC"):
        index.resolve("Gulf")


def test_wpps_names_keep_their_diacritics(index):
    """The wpp2024 R package writes five names in ASCII for CRAN; the UN's own spelling is restored."""
    assert [index.resolve(code).name for code in (384, 531, 638, 652, 792)] == [
        "Côte d'Ivoire", "Curaçao", "Réunion", "Saint-Barthélemy", "Türkiye"]
    assert index.resolve("Cote d'Ivoire").name == index.resolve("CIV").name == "Côte d'Ivoire"
    assert "Côte d'Ivoire" in locations.group_description("ECOWAS").markdown()


def test_location_without_data_is_flagged(index):
    assert index.resolve("Holy See").has_data is False
    assert index.resolve("Italy").has_data is True
