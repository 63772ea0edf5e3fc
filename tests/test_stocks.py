"""Migrant stocks and WDI: cleaning on small fixtures, and indicators checked against the raw files."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from analysis import paths
from analysis.data import sources
from analysis.data import stocks
from analysis.data import tables
from analysis.study import migration
from analysis.data.locations import UnknownLocationError
from analysis.data.stocks import StocksInputError
from analysis.data.tables import read_table
from analysis.errors import InputNote

from .conftest import FIXTURES
from .notebook_text import output_text

KERNEL = "labour-mobility"


# ---------------------------------------------------------------- small fixtures
@pytest.fixture
def small_locations() -> pd.DataFrame:
    rows = [
        (900, "World", None, "aggregate", None, None, None, None),
        (276, "Germany", "DEU", "country", "Europe", "Western Europe", "Europe and Northern America", "High-income countries"),
        (566, "Nigeria", "NGA", "country", "Africa", "Western Africa", "Sub-Saharan Africa", "Lower-middle-income countries"),
        (288, "Ghana", "GHA", "country", "Africa", "Western Africa", "Sub-Saharan Africa", "Lower-middle-income countries"),
        (831, "Guernsey", "GGY", "country", "Europe", "Northern Europe", "Europe and Northern America", "High-income countries"),
        (832, "Jersey", "JEY", "country", "Europe", "Northern Europe", "Europe and Northern America", "High-income countries"),
    ]
    columns = ["location_code", "name", "iso3", "kind", "region", "subregion", "sdg_region", "income_group"]
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture
def small_membership() -> pd.DataFrame:
    rows = [("901", "More developed regions", 901, "development_group", code) for code in (276, 831, 832)]
    rows += [("902", "Less developed regions", 902, "development_group", code) for code in (566, 288)]
    return pd.DataFrame(rows, columns=["group_id", "group", "group_code", "group_kind", "location_code"])


@pytest.fixture
def small_stocks(small_locations) -> pd.DataFrame:
    return stocks.clean_migrant_stocks(pd.read_csv(FIXTURES / "stocks_small.csv"), small_locations)


@pytest.fixture
def small_geography(small_locations, small_membership) -> pd.DataFrame:
    return stocks.geography(small_locations, small_membership)


def test_cleaned_stocks_are_tidy_typed_and_coded(small_stocks):
    df = small_stocks
    assert list(df.columns) == ["year", "destination_iso3", "destination_code", "origin_iso3", "origin_code", "sex",
                                "migrants", "by_birthplace", "by_citizenship", "includes_refugees", "imputed"]
    assert df["year"].dtype == "int16" and df["migrants"].dtype == "float64"
    assert str(df["destination_code"].dtype) == "Int32" and df["by_birthplace"].dtype == bool
    codes = df.drop_duplicates("origin_iso3").set_index("origin_iso3")["origin_code"]
    assert codes["NGA"] == 566 and codes["XCX"] == 830  # Channel Islands: M49 830, not a WPP location
    assert pd.isna(codes["OOO"])  # unknown origin has no code
    assert df.loc[(df.destination_iso3 == "XCX"), "imputed"].all()
    tables.check_unique(df, tables.TABLE_KEYS["migrant_stocks"], "migrant_stocks")
    assert df["migrants"].sum() == pd.read_csv(FIXTURES / "stocks_small.csv")["n"].sum()


def test_validation_catches_unknown_codes_negatives_and_missing_sexes(small_stocks, small_locations):
    years = pd.concat([small_stocks.assign(year=np.int16(y)) for y in stocks.STOCK_YEARS], ignore_index=True)
    years = years.drop_duplicates(tables.TABLE_KEYS["migrant_stocks"], ignore_index=True)
    stocks.validate_migrant_stocks(years, small_locations)  # passes
    unknown = years.assign(origin_iso3=years["origin_iso3"].replace("GHA", "ZZZ"))
    with pytest.raises(tables.ValidationError, match="ZZZ.*match no WPP location"):
        stocks.validate_migrant_stocks(unknown, small_locations)
    negative = years.copy()
    negative.loc[negative.index[0], "migrants"] = -1.0
    with pytest.raises(tables.ValidationError, match="negative"):
        stocks.validate_migrant_stocks(negative, small_locations)
    with pytest.raises(tables.ValidationError, match="lack a sex"):
        stocks.validate_migrant_stocks(years[~((years.sex == "male") & (years.origin_iso3 == "GHA"))], small_locations)
    with pytest.raises(tables.ValidationError, match="years"):
        stocks.validate_migrant_stocks(small_stocks, small_locations)


def test_composite_takes_the_attributes_its_members_share(small_geography):
    geo = small_geography.set_index("iso3")
    assert geo.loc["XCX", "region"] == "Europe" and geo.loc["XCX", "subregion"] == "Northern Europe"
    assert geo.loc["XCX", "development_group"] == "More developed regions"
    assert geo.loc["XCX", "matched"] == "members" and geo.loc["OOO", "matched"] == "unknown"
    assert pd.isna(geo.loc["OOO", "region"])
    south = migration.south_north(small_geography, "un_development")
    assert south["NGA"] == "South" and south["DEU"] == "North" and south["XCX"] == "North" and pd.isna(south["OOO"])
    income = migration.south_north(small_geography, "world_bank_income")
    assert income["GHA"] == "South" and income["XCX"] == "North"


def test_indicators_on_the_fixture(small_stocks, small_geography):
    # 2024: 250 NGA->DEU, 30 OOO->DEU, 50 GHA->DEU, 100 GHA->NGA, 1 XCX->NGA, 9 DEU->XCX, 10 DEU->GHA
    totals = migration.world_totals(small_stocks, pd.DataFrame({"year": [2020, 2024], "population": [1e4, 1e4]}))
    row = totals.set_index("year").loc[2024]
    assert row["migrants"] == 450 and row["female"] == 100 + 10 + 30 + 40 + 0 + 5 + 3
    assert row["share_of_population"] == pytest.approx(450 / 1e4)
    directions = migration.south_north_shares(small_stocks, small_geography, 2024, "un_development").set_index("direction")
    assert directions.loc["South-North", "migrants"] == 250 + 50
    assert directions.loc["South-South", "migrants"] == 100
    assert directions.loc["North-South", "migrants"] == 1 + 10
    assert directions.loc["North-North", "migrants"] == 9
    assert directions.loc["Unknown origin", "migrants"] == 30
    assert directions.loc["South-North", "share_of_known_origin"] == pytest.approx(300 / 420)
    assert directions["share_of_total"].sum() == pytest.approx(1.0)
    own = migration.own_region_share(small_stocks, small_geography, 2024).set_index("origin")
    assert own.loc["Africa", "share"] == pytest.approx(100 / 400)  # Ghana -> Nigeria only
    assert own.loc["Europe", "in_own_region"] == 9  # Germany -> Channel Islands; Channel Islands -> Nigeria is not
    assert own.loc["Europe", "migrants"] == 9 + 1 + 10
    summary = migration.emigrant_summary(small_stocks, 2024, ["NGA", "GHA"], "West").iloc[0]
    assert summary["migrants"] == 400 and summary["within_share"] == pytest.approx(100 / 400)
    corridors = migration.top_corridors(small_stocks, small_geography, 2024, n=2)
    assert corridors[["origin_iso3", "destination_iso3"]].values.tolist() == [["NGA", "DEU"], ["GHA", "NGA"]]
    assert corridors["share_of_origin"].iloc[1] == pytest.approx(100 / 150)
    assert corridors["share_of_destination"].iloc[0] == pytest.approx(250 / 330)


def test_unmatched_codes_are_reported(small_stocks, small_locations):
    wdi = stocks.clean_wdi(pd.read_csv(FIXTURES / "wdi_small.csv"), small_locations)
    names = pd.DataFrame({"iso3": ["XCX", "OOO"], "name": ["Channel Islands", "Unknown"], "m49": [830.0, 2003.0]})
    table = stocks.unmatched_codes(small_stocks, wdi, small_locations, names).set_index(["dataset", "role", "iso3"])
    assert set(table.index) == {("migrant_stocks", "origin", "OOO"), ("migrant_stocks", "origin", "XCX"),
                                ("migrant_stocks", "destination", "XCX"), ("migrant_stocks", "absent", "GGY"),
                                ("migrant_stocks", "absent", "JEY"), ("wdi", "country", "CHI")}
    assert table.loc[("migrant_stocks", "origin", "OOO"), "migrants_2024"] == 30
    assert pd.isna(table.loc[("migrant_stocks", "origin", "OOO"), "m49"])  # 2003 is gdidata's, not an M49 code
    assert table.loc[("migrant_stocks", "destination", "XCX"), "m49"] == 830
    assert "XCX" in table.loc[("migrant_stocks", "absent", "GGY"), "handling"]
    assert "unknown origin" in table.loc[("migrant_stocks", "origin", "OOO"), "handling"]


def test_wdi_cleaning_and_remittances(small_locations, small_membership):
    wdi = stocks.clean_wdi(pd.read_csv(FIXTURES / "wdi_small.csv"), small_locations)
    assert list(wdi.columns) == ["iso3", "location_code", "indicator", "year", "value", "unit"]
    assert pd.isna(wdi.loc[wdi.iso3 == "CHI", "location_code"]).all()
    assert set(wdi.loc[wdi.indicator == "remin", "unit"]) == {"current US$"}
    geo = stocks.geography(small_locations, small_membership)
    table = migration.remittances(wdi, geo, ["NGA", "GHA"], 2023).set_index("iso3")
    assert table.loc["NGA", "share_of_gdp"] == pytest.approx(19549550000 / 363846300000)
    assert pd.isna(table.loc["GHA", "share_of_gdp"])  # no GDP for Ghana in the fixture
    summary = migration.remittance_summary(table.reset_index(), 2, "West").iloc[0]
    assert summary["remittances"] == pytest.approx(19549550000 + 2431468000)
    assert summary["share_of_gdp"] == pytest.approx(19549550000 / 363846300000)  # reporting GDP only
    assert migration.latest_year(wdi, "income", upto=2022) == 2022
    with pytest.raises(tables.ValidationError, match="unexpected indicators"):
        stocks.clean_wdi(pd.DataFrame({"geo": ["NGA"], "var": ["gdpx"], "t": [2020], "v": [1.0]}), small_locations)


def test_midyear_population_from_end_of_year_totals():
    totals = pd.DataFrame({"country_code": [1, 1], "year": [2024, 2025], "popM": [50.0, 51.0], "popF": [50.0, 51.0]})
    changes = pd.DataFrame({"country_code": [1, 1], "year": [2024, 2025], "PopChange": [2.0, 2.0]})
    out = stocks.clean_midyear_population(totals, changes, years=[2024])
    assert out["population"].tolist() == [99000.0]  # (100 - 2 / 2) thousand
    population = pd.DataFrame({"location_code": [1], "year": [2025], "variant": ["medium"], "population": [101000.0]})
    midyear_2025 = stocks.clean_midyear_population(totals, changes, years=[2025])
    assert stocks.validate_midyear_population(midyear_2025, population) == 0.0
    with pytest.raises(tables.ValidationError, match="off the 5-year table"):
        stocks.validate_midyear_population(midyear_2025, population.assign(population=100000.0))


# ---------------------------------------------------------------- input checks
@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"year": 2023}, StocksInputError, "1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024 only"),
        ({"year": 1985}, StocksInputError, "not in UN DESA International Migrant Stock 2024"),
        ({"year": "last"}, StocksInputError, "not a whole number"),
        ({"by": "country"}, StocksInputError, "valid: region, subregion, sdg_region, corridor"),
        ({"origin": "Nigerai"}, UnknownLocationError, "did you mean: Nigeria"),
        ({"destination": "Narnia"}, UnknownLocationError, "unknown location 'Narnia'"),
        ({"origin": "Guernsey"}, StocksInputError, "Guernsey has no rows .* only as part of Channel Islands \\(XCX\\)"),
        ({"destination": "Kosovo"}, StocksInputError, "UN DESA gives no stocks for it"),
    ],
)
def test_stocks_table_bad_input(processed_dir, kwargs, error, message):
    with pytest.raises(error, match=message):
        migration.stocks_table(**kwargs)


@pytest.mark.parametrize("origin, destination", [("Cabo Verde", "Japan"), ("Kenya", "GCC")])
def test_an_empty_corridor_is_an_empty_table_with_a_note_on_the_data_gap(processed_dir, origin, destination):
    with pytest.warns(InputNote, match=f"no migrants from {origin} to {destination} in the UN DESA stocks of 2024") as notes:
        table = migration.stocks_table(2024, by="corridor", origin=origin, destination=destination)
    assert table.empty and "migrants" in table.columns
    if destination == "GCC":  # the Gulf's stocks carry about 0.95 M migrants of unknown origin (computed, not typed)
        stocks = read_table("migrant_stocks")
        gulf = stocks[(stocks["year"] == 2024) & stocks["destination_iso3"].isin(["ARE", "BHR", "KWT", "OMN", "QAT",
                                                                                   "SAU"])]
        unknown = gulf.loc[gulf["origin_iso3"] == "OOO", "migrants"].sum()
        assert unknown == pytest.approx(0.95e6, rel=0.01)
        assert f"{unknown:,.0f} migrants of unknown origin" in str(notes[0].message)


def test_other_bad_inputs():
    with pytest.raises(StocksInputError, match="valid: un_development, world_bank_income"):
        migration.check_south_definition("global south")
    with pytest.raises(StocksInputError, match="valid: region, subregion, sdg_region"):
        migration.check_level("continent")
    assert issubclass(StocksInputError, ValueError)


# ---------------------------------------------------------------- real data, checked against the raw files
@pytest.fixture(scope="module")
def raw_stocks(raw_dir) -> pd.DataFrame:
    return sources.read_rda(raw_dir / "gdidata" / "undesa_stocks.rda")


@pytest.fixture(scope="module")
def raw_regions(raw_dir) -> pd.DataFrame:
    """ISO-3 -> WPP region and development group, straight from UNlocations.txt and countrynames."""
    unlocations = pd.read_csv(raw_dir / "wpp2024" / "UNlocations.txt", sep="\t")
    countries = unlocations[unlocations.location_type == 4]
    names = sources.read_rda(raw_dir / "gdidata" / "countrynames.rda").dropna(subset=["m49"])
    iso3 = dict(zip(names["m49"].astype(int), names["iso3"]))
    out = pd.DataFrame({"iso3": countries["country_code"].map(iso3), "region": countries["area_name"],
                        "south": np.where(countries["agcode_902000"] == 902, "South", "North")})
    channel = pd.DataFrame({"iso3": ["XCX"], "region": ["Europe"], "south": ["North"]})  # Guernsey and Jersey
    return pd.concat([out, channel], ignore_index=True).set_index("iso3")


@pytest.fixture(scope="module")
def real():
    return stocks.load_migrant_stocks(), stocks.load_geography()


def test_processed_stocks_keep_every_raw_row(processed_dir, raw_stocks, real):
    migrant_stocks, _ = real
    assert len(migrant_stocks) == len(raw_stocks)
    assert migrant_stocks.groupby("year")["migrants"].sum().tolist() == raw_stocks.groupby("t")["n"].sum().astype(float).tolist()


def test_world_total_women_and_share_of_population_2024(processed_dir, raw_dir, raw_stocks, real):
    migrant_stocks, _ = real
    world = migration.world_totals(migrant_stocks, stocks.load_world_population()).set_index("year").loc[2024]
    raw = raw_stocks[raw_stocks.t == 2024]
    assert world["migrants"] == float(raw["n"].astype("int64").sum())  # exact: 304,021,813
    assert world["women_share"] == pytest.approx(raw.loc[raw.sex == "female", "n"].sum() / raw["n"].sum(), abs=1e-12)
    assert 303e6 < world["migrants"] < 305e6 and 0.475 < world["women_share"] < 0.485
    # 1 July 2024 world population: WPP publishes 8,161,972,572; linear between the raw 1 July 2020 and 2025 figures
    # is within 0.01 % of it.
    estimates = sources.read_rda(raw_dir / "wpp2024" / "popAge5dt.rda")
    projections = sources.read_rda(raw_dir / "wpp2024" / "popprojAge5dt.rda")
    p2020 = estimates[(estimates.country_code == 900) & (estimates.year == 2020)]["pop"].sum() * 1000
    p2025 = projections[(projections.country_code == 900) & (projections.year == "2025")]["pop"].sum() * 1000
    assert world["world_population"] == pytest.approx(8_161_972_572, abs=1000)
    assert world["world_population"] == pytest.approx(p2020 + 0.8 * (p2025 - p2020), rel=1e-4)
    assert world["share_of_population"] == pytest.approx(raw["n"].sum() / 8_161_972_572, rel=1e-6)


def test_regional_shares_match_the_raw_file(processed_dir, raw_stocks, raw_regions, real):
    migrant_stocks, geo = real
    raw = raw_stocks[raw_stocks.t == 2024].assign(
        destination=lambda t: t["geo"].map(raw_regions["region"]),
        origin=lambda t: t["from"].map(raw_regions["region"]),
    )
    by_destination = migration.stocks_by(migrant_stocks, geo, 2024, "destination").set_index("destination")
    expected = raw.groupby("destination")["n"].sum() / raw["n"].sum()
    assert by_destination["share_of_total"].to_dict() == pytest.approx(expected.to_dict(), abs=1e-12)
    assert by_destination.loc["Europe", "share_of_total"] == pytest.approx(0.309, abs=0.001)
    asia = raw[raw.destination == "Asia"]
    assert by_destination.loc["Asia", "women_share"] == pytest.approx(
        asia.loc[asia.sex == "female", "n"].sum() / asia["n"].sum(), abs=1e-12)
    # intra-African share: African emigrants living in Africa
    african = raw[raw.origin == "Africa"]
    intra = african.loc[african.destination == "Africa", "n"].sum() / african["n"].sum()
    own = migration.own_region_share(migrant_stocks, geo, 2024).set_index("origin")
    assert own.loc["Africa", "share"] == pytest.approx(intra, abs=1e-12)
    name, codes = migration.resolve_group("Africa", geo)
    summary = migration.emigrant_summary(migrant_stocks, 2024, codes, name).iloc[0]
    assert summary["within_share"] == pytest.approx(intra, abs=1e-12)
    assert summary["migrants"] == african["n"].sum()
    assert 0.50 < intra < 0.60


def test_south_north_shares_match_the_raw_file(processed_dir, raw_stocks, raw_regions, real):
    migrant_stocks, geo = real
    raw = raw_stocks[(raw_stocks.t == 2024) & (raw_stocks["from"] != "OOO")]
    direction = raw["from"].map(raw_regions["south"]) + "-" + raw["geo"].map(raw_regions["south"])
    expected = raw.groupby(direction)["n"].sum() / raw["n"].sum()
    ours = migration.south_north_shares(migrant_stocks, geo, 2024, "un_development").set_index("direction")
    for key in ("South-South", "South-North", "North-North", "North-South"):
        assert ours.loc[key, "share_of_known_origin"] == pytest.approx(expected[key], abs=1e-12)
    income = migration.south_north_shares(migrant_stocks, geo, 2024, "world_bank_income")
    assert income["share_of_known_origin"].sum() == pytest.approx(1.0)
    assert income.set_index("direction").loc["South-North", "migrants"] != ours.loc["South-North", "migrants"]


def test_top_corridors_match_the_raw_file(processed_dir, raw_stocks, real):
    migrant_stocks, geo = real
    raw = raw_stocks[raw_stocks.t == 2024].groupby(["from", "geo"])["n"].sum().sort_values(ascending=False)
    world = migration.top_corridors(migrant_stocks, geo, 2024, n=3)
    assert list(zip(world.origin_iso3, world.destination_iso3)) == list(raw.index[:3])
    assert (world.origin_iso3.iloc[0], world.destination_iso3.iloc[0]) == ("MEX", "USA")
    assert world["migrants"].iloc[0] == raw.iloc[0]
    nigeria = raw.loc["NGA"]
    ours = migration.top_corridors(migrant_stocks, geo, 2024, origin_codes=["NGA"], n=3)
    assert ours["destination_iso3"].tolist() == list(nigeria.index[:3])
    assert ours["share_of_origin"].tolist() == pytest.approx((nigeria.iloc[:3] / nigeria.sum()).tolist())
    assert ours["destination_iso3"].iloc[0] == "USA"


def test_stocks_table_for_the_command_line(processed_dir, raw_stocks):
    table = migration.stocks_table(2024)
    assert list(table.columns) == ["year", "origin", "destination", "migrants", "female", "male", "share_of_origin",
                                   "share_of_destination"]
    assert table["migrants"].sum() == raw_stocks.loc[raw_stocks.t == 2024, "n"].sum()
    assert table["migrants"].dtype == "int64" and (table["female"] + table["male"] == table["migrants"]).all()
    africa = migration.stocks_table(2024, origin="Africa")
    assert set(africa["origin"]) == {"Africa"} and africa["share_of_origin"].sum() == pytest.approx(1.0, abs=1e-3)
    corridors = migration.stocks_table("2020", by="corridor", origin="NGA")
    assert list(corridors.columns[:5]) == ["year", "origin", "origin_iso3", "destination", "destination_iso3"]
    assert set(corridors["origin"]) == {"Nigeria"} and (corridors["migrants"] > 0).all()
    assert corridors["migrants"].is_monotonic_decreasing
    into = migration.stocks_table(2024, by="subregion", destination="Western Europe", origin="ECOWAS")
    assert len(into) == 1 and into["origin"].item() == "ECOWAS" and into["destination"].item() == "Western Europe"


def test_remittances_match_the_raw_file(processed_dir, raw_dir, raw_regions):
    raw = sources.read_rda(raw_dir / "gdidata" / "wdi.rda")
    geo = stocks.load_geography()
    name, codes = migration.resolve_group("Africa", geo)
    table = migration.remittances(stocks.load_wdi(), geo, codes, 2023)
    african = raw_regions.index[raw_regions["region"] == "Africa"]
    expected = raw[(raw["var"] == "remin") & (raw.t == 2023) & raw.geo.isin(african)]
    assert table["remittances"].sum() == pytest.approx(expected["v"].sum(), rel=1e-12)
    nigeria = table.set_index("iso3").loc["NGA"]
    gdp = raw[(raw["var"] == "gdp") & (raw.t == 2023) & (raw.geo == "NGA")]["v"].item()
    assert nigeria["share_of_gdp"] == pytest.approx(expected.set_index("geo").loc["NGA", "v"] / gdp)


def test_unmatched_table_on_the_real_data(processed_dir):
    table = stocks.load_unmatched()
    stock_codes = set(table.loc[table.dataset == "migrant_stocks", "iso3"])
    assert {"OOO", "XCX"} <= stock_codes
    assert set(table.loc[table.dataset == "wdi", "iso3"]) == {"ANT", "CHI"}
    unknown = table[(table.iso3 == "OOO")]["migrants_2024"].item()
    assert 20e6 < unknown < 25e6  # about 7 % of the world's migrants have no known origin


# ---------------------------------------------------------------- the report with other parameters
def test_migration_report_with_other_parameters(processed_dir, tmp_path):
    parameters = {"year": 2020, "origin_region": "Western Africa", "south_definition": "world_bank_income",
                  "income_scenario": "low", "country": "SEN", "top_n": 5}
    output = tmp_path / "western_africa.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS / "migration_context.ipynb"), str(output), parameters=parameters,
                        kernel_name=KERNEL, progress_bar=False, cwd=str(tmp_path))
    text = output_text(nbformat.read(output, as_version=4))
    geo = stocks.load_geography()
    name, codes = migration.resolve_group("Western Africa", geo)
    summary = migration.emigrant_summary(stocks.load_migrant_stocks(), 2020, codes, name).iloc[0]
    assert "Stocks on 1 July 2020; origins followed: Western Africa" in text
    assert "North = high-income countries" in text and "grows 1.0% a year" in text
    assert f"{name}" in text and f"{summary['within_share'] * 100:.1f}" in text
    assert "From Senegal" in text and "Largest amounts, 2020" in text


def test_migration_report_rejects_a_year_without_data(processed_dir, tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="2020, 2024 only"):
        pm.execute_notebook(str(paths.NOTEBOOKS / "migration_context.ipynb"), str(tmp_path / "bad.ipynb"),
                            parameters={"year": 2023}, kernel_name=KERNEL, progress_bar=False)


# ---------------------------------------------------------------- report summaries (migration_context)
def test_world_year_is_the_row_of_that_year(processed_dir, real):
    migrant_stocks, _ = real
    world = migration.world_totals(migrant_stocks, stocks.load_world_population())
    row = migration.world_year(world, "2024")
    assert len(row) == 1 and row["year"].item() == 2024
    assert row["migrants"].item() == 304_021_813  # exact, the raw file's total
    assert row["share_of_population"].item() == pytest.approx(0.0372, abs=5e-5)  # 3.72 %
    assert row["women_share"].item() == pytest.approx(0.4803, abs=5e-5)  # 48.03 %
    assert row["world_population"].item() == pytest.approx(8.162e9, abs=0.5e6)
    with pytest.raises(StocksInputError, match="2020, 2024 only"):
        migration.world_year(world, 2023)
    with pytest.raises(StocksInputError, match="no world totals for 2024"):
        migration.world_year(world[world["year"] < 2024], 2024)


def test_unmatched_handling_lists_each_code_once_per_handling(processed_dir):
    small = pd.DataFrame({"iso3": ["AAA", "BBB", "AAA", "CCC", "BBB"],
                          "handling": ["dropped", "dropped", "dropped", "merged", "merged"]})
    table = migration.unmatched_handling(small)
    assert table.to_dict("list") == {"codes": ["AAA, BBB", "CCC, BBB"], "handling": ["dropped", "merged"]}
    real = migration.unmatched_handling(stocks.load_unmatched()).set_index("handling")["codes"]
    assert real["WPP country with no rows in the migrant stocks"] == "BLM, MAF, XKX"
    assert real["counted in the stocks together with its neighbours as XCX"] == "GGY, JEY"
    assert len(real) == 5 and real.iloc[-1] == "ANT, CHI"


def test_other_definition_shares(processed_dir, real):
    migrant_stocks, geo = real
    row = migration.other_definition_shares(migrant_stocks, geo, 2024, "un_development").iloc[0]
    income = migration.south_north_shares(migrant_stocks, geo, 2024, "world_bank_income").set_index("direction")
    assert row["definition"] == "world_bank_income"
    assert row["south_south"] == pytest.approx(0.324, abs=5e-4) and row["south_north"] == pytest.approx(0.495, abs=5e-4)
    assert row["south_north"] == income.loc["South-North", "share_of_known_origin"]
    assert row[["south_south", "south_north", "north_north", "north_south"]].sum() == pytest.approx(1.0)
    back = migration.other_definition_shares(migrant_stocks, geo, 2024, "world_bank_income").iloc[0]
    assert back["definition"] == "un_development"
    assert back["south_south"] == pytest.approx(0.422, abs=5e-4) and back["south_north"] == pytest.approx(0.338, abs=5e-4)
    with pytest.raises(StocksInputError, match="unknown South definition"):
        migration.other_definition_shares(migrant_stocks, geo, 2024, "oecd")


def test_emigrants_by_destination_keeps_the_largest(processed_dir, real):
    migrant_stocks, geo = real
    _, codes = migration.resolve_group("Africa", geo)
    every = migration.emigrants_by_destination(migrant_stocks, geo, 2024, codes, level="subregion")
    top = migration.emigrants_by_destination(migrant_stocks, geo, 2024, codes, level="subregion", n=10)
    pd.testing.assert_frame_equal(top, every.head(10))
    assert every["share"].sum() == pytest.approx(1.0) and top["share"].sum() < 1.0  # shares of all emigrants
    first = top.iloc[0]
    assert first["destination"] == "Western Africa"
    assert first["migrants"] == pytest.approx(7.6e6, abs=0.05e6) and first["share"] == pytest.approx(0.166, abs=5e-4)
    assert top["destination"].iloc[2] == "Western Asia"


def test_top_remittances_by_amount_and_by_share_of_gdp(processed_dir, real):
    _, geo = real
    _, codes = migration.resolve_group("Africa", geo)
    received = migration.remittances(stocks.load_wdi(), geo, codes, 2023)
    amounts = migration.top_remittances(received, 10)
    pd.testing.assert_frame_equal(amounts, received.head(10))
    assert amounts["iso3"].tolist()[:3] == ["NGA", "EGY", "MAR"]
    assert amounts["remittances"].iloc[0] == pytest.approx(19.55e9, abs=0.005e9)
    shares = migration.top_remittances(received, 10, by="share_of_gdp")
    assert shares["iso3"].tolist()[:3] == ["LSO", "COM", "GMB"]
    assert shares["share_of_gdp"].iloc[0] == pytest.approx(0.229, abs=5e-4)
    assert shares["share_of_gdp"].is_monotonic_decreasing and shares["share_of_gdp"].notna().all()
    everyone = migration.top_remittances(received, None, by="share_of_gdp")
    assert len(everyone) == received["share_of_gdp"].notna().sum()
    with pytest.raises(StocksInputError, match="unknown ranking"):
        migration.top_remittances(received, 10, by="gdp")


def test_emigration_rates_by_country(processed_dir):
    geography = stocks.load_geography(processed_dir)
    migrant_stocks = stocks.load_migrant_stocks(processed_dir)
    name, codes = migration.resolve_group("Africa", geography)
    population = stocks.load_country_population(2024, processed_dir)
    rates = migration.emigration_rates(migrant_stocks, population, geography, 2024, codes)
    assert len(rates) == 58 and rates["share_of_population"].is_monotonic_decreasing
    nigeria = rates.set_index("iso3").loc["NGA"]
    emigrants = migrant_stocks[(migrant_stocks.year == 2024) & (migrant_stocks.origin_iso3 == "NGA")]["migrants"].sum()
    assert nigeria["emigrants"] == emigrants and nigeria["location_code"] == 566
    midyear = tables.read_table("population_midyear", processed_dir)
    home = midyear[(midyear.location_code == 566) & (midyear.year == 2024)]["population"].item()
    assert nigeria["share_of_population"] == pytest.approx(emigrants / home, rel=1e-12)
    assert 0.005 < nigeria["share_of_population"] < 0.015  # about 2.1 million emigrants for 230 million people
    in_2020 = stocks.load_country_population(2020, processed_dir).set_index("location_code")["population"]
    estimates = tables.read_table("population", processed_dir)
    assert in_2020[566] == estimates[(estimates.location_code == 566) & (estimates.year == 2020)
                                     & (estimates.variant == "estimates")]["population"].sum()
    with pytest.raises(StocksInputError, match="2020, 2024 only"):
        stocks.load_country_population(2023, processed_dir)
