"""The cited dataset of large return movements, and what the returns report computes from it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.data import stocks
from analysis.errors import DataError
from analysis.study import flows as flow_study
from analysis.study import migration, pathways, quotes
from analysis.study.returns import events as returns
from analysis.study.returns import large_return, movements

DATA = returns.DATA_DIR


def _rows(name: str, folder: Path = DATA) -> list[dict]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------- the real dataset
def test_the_dataset_passes_every_check(processed_dir):
    assert returns.problems(processed_dir=processed_dir) == []
    table = returns.load_return_events(processed_dir=processed_dir)
    assert table["id"].is_unique and table["returnees"].dtype == float
    wholes = table[table["part_of"] == ""]
    assert len(wholes) >= 8  # distinct movements, parts aside
    assert {"ETH", "NGA", "EGY", "KEN", "IND", "NPL", "TCD", "BFA"} <= set(table["home_iso3"])
    assert set(table["count_kind"]) == {"registered", "assisted", "estimated", "gross"}


def test_the_quotes_print_the_values_read_with_csv_alone():
    """Independently of the loader: each number's quote prints it, as the issue's examples say."""
    sources = {row["id"]: row["quote"] for row in _rows("return_sources.csv")}
    events = {row["id"]: row for row in _rows("return_events.csv")}
    links = _rows("return_values.csv")
    for link in links:
        value = events[link["event_id"]][link["field"]]
        if link["field"] in returns.COUNT_FIELDS + returns.SHARE_FIELDS:
            assert quotes.prints_number(float(value), [sources[link["source_id"]]],
                                        share=link["field"] in returns.SHARE_FIELDS), link
    assert "345,741" in sources["S01"] and events["R03"]["returnees"] == "345741"
    assert "163,018" in sources["S02"] and events["R01"]["period_start"] == "2013-11-13"
    assert "14,63,176" in sources["S07"] and events["R11"]["returnees"] == "1463176"
    assert "30.90 lakh" in sources["S06"] and events["R10"]["returnees"] == "3090000"
    sourced = {(link["event_id"], link["field"]) for link in links}
    for row in events.values():
        for field, value in row.items():
            if value and field not in returns.UNSOURCED:
                assert (row["id"], field) in sourced, (row["id"], field)


def test_parts_never_exceed_their_whole(processed_dir):
    table = returns.load_return_events(processed_dir=processed_dir).set_index("id")
    parts = table[table["part_of"] != ""]
    for whole, group in parts.groupby("part_of"):
        assert group["returnees"].sum() <= table.loc[whole, "returnees"] + 1, whole


def test_events_touching_a_place_and_one_event(processed_dir):
    table = returns.load_return_events(processed_dir=processed_dir)
    ethiopia = returns.events_touching(table, "Ethiopia", processed_dir)
    assert set(ethiopia["id"]) == {"R01", "R02", "R03", "R04", "R05"}
    assert set(returns.events_touching(table, "GCC", processed_dir)["id"]) >= {"R01", "R12", "R14", "R18"}
    assert returns.event(table, "R11")["returnees"] == 1_463_176
    with pytest.raises(returns.ReturnEventQueryError, match="unknown return event 'R99'; valid: R01"):
        returns.event(table, "R99")


def test_reported_stocks_are_checked_too(processed_dir):
    stocks = returns.load_reported_stocks(processed_dir=processed_dir).set_index("id")
    assert stocks.loc["C01", ["origin", "destination", "persons"]].tolist() == ["Kenya", "Saudi Arabia", 200_000]
    assert stocks.loc["C04", "persons_high"] == 900_000


# ---------------------------------------------------------------- broken copies
def _edit(folder: Path, name: str, row_id: str, field: str, value: str) -> None:
    rows = _rows(name, folder)
    key = "event_id" if name == returns.VALUES_NAME else "id"
    for row in rows:
        if row[key] == row_id:
            row[field] = value
            break
    with open(folder / name, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("name, row_id, field, value, message", [
    (returns.EVENTS_NAME, "R03", "returnees", "345742", "R03.returnees: 345742 is not printed in the quote"),
    (returns.EVENTS_NAME, "R03", "returnees", "345,741", "not a plain number"),
    (returns.EVENTS_NAME, "R02", "women_share", "0.45", "R02.women_share: 0.45 is not printed"),
    (returns.EVENTS_NAME, "R02", "women_share", "40", "share 40 is outside 0-1"),
    (returns.EVENTS_NAME, "R03", "home_iso3", "ETX", "'ETX' is not an ISO-3 code"),
    (returns.EVENTS_NAME, "R03", "period_start", "2016-05", "year 2016 is neither in the quote"),
    (returns.EVENTS_NAME, "R03", "period_start", "May 2017", "is not a date"),
    (returns.EVENTS_NAME, "R03", "count_kind", "counted", "'counted' is not one of registered"),
    (returns.EVENTS_NAME, "R03", "bound", "lower", "bound 'lower' but the quote words no bound"),
    (returns.EVENTS_NAME, "R08", "part_of", "R03", "R08.part_of: R03 has another origin (ETH)"),
    (returns.EVENTS_NAME, "R04", "part_of", "R05", "R04.part_of: R05 is itself a part"),
    (returns.EVENTS_NAME, "R08", "part_of", "R99", "'R99' is not another event"),
    (returns.EVENTS_NAME, "R03", "period_end", "2017-04", "period_end 2017-04 is before period_start 2017-05"),
    (returns.VALUES_NAME, "R03", "source_id", "S99", "source 'S99' is not in"),
    (returns.SOURCES_NAME, "S01", "quote", "Since May 2017, IOM has registered returnees, in 2019 and 2020 too.",
     "R03.returnees: 345741 is not printed in the quote"),
    (returns.STOCKS_NAME, "C01", "persons", "250000", "reported stock C01.persons: 250000 is not printed"),
    (returns.STOCKS_NAME, "C04", "persons_high", "", "a range needs persons_high"),
])
def test_a_broken_copy_is_refused_in_one_line(tmp_path, processed_dir, name, row_id, field, value, message):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    _edit(folder, name, row_id, field, value)
    with pytest.raises(DataError) as failure:
        returns.load_return_events(folder, processed_dir)
    text = str(failure.value)
    assert "\n" not in text and message in text, text
    assert text.startswith("return-events dataset: ") and "RETURNS.md" in text


def test_missing_and_unreadable_files_are_refused(tmp_path, processed_dir):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    (folder / returns.SOURCES_NAME).unlink()
    with pytest.raises(returns.ReturnEventsError, match="is missing: restore it from git"):
        returns.load_return_events(folder, processed_dir)
    shutil.copy(DATA / returns.SOURCES_NAME, folder / returns.SOURCES_NAME)
    (folder / returns.EVENTS_NAME).write_bytes(b"\xff\xfe\x00 not csv")
    with pytest.raises(returns.ReturnEventsError, match="cannot be read as UTF-8 CSV"):
        returns.load_return_events(folder, processed_dir)


# ---------------------------------------------------------------- what the returns report computes
@pytest.fixture(scope="module")
def published(processed_dir):
    return flow_study.load_flow_source("published", processed_dir), flow_study.flow_geography(processed_dir)


def test_a_locations_flows_by_type_add_up(published, processed_dir):
    flows, _ = published
    table = movements.location_flows("Ethiopia", flows, processed_dir)
    last = table[(table["period_start"] == 2015) & (table["sex"] == "both")].set_index("type")
    assert last.loc["return (to the country of birth)", "inflow"] == 112_821
    parts = last.drop(index="all")[["inflow", "outflow"]].sum()
    assert parts["inflow"] == pytest.approx(last.loc["all", "inflow"], abs=10)  # the types sum to the total
    assert parts["outflow"] == pytest.approx(last.loc["all", "outflow"], abs=10)
    assert set(table["sex"]) == {"both", "female", "male"} and len(table) == 6 * 6  # 6 periods: 4 types of both sexes, women, men


def test_the_cited_events_beside_the_estimates(published, processed_dir):
    flows, _ = published
    beside = movements.events_beside_flows(returns.load_return_events(processed_dir=processed_dir), flows).set_index("id")
    saudi = beside.loc["R03"]  # the example: 22,237 in the estimates against about 345,000 registrations
    assert (saudi["flow_all"], saudi["flow_returns"], saudi["returnees"]) == (22_237, 22_159, 345_741)
    assert saudi["ratio"] == 15.6 and saudi["coverage"] == "partly after 2020" and saudi["flow_periods"] == "2015-2020"
    assert beside.loc["R11", "coverage"] == "after 2020: no estimate" and pd.isna(beside.loc["R11", "flow_returns"])
    assert beside.loc["R06", "coverage"] == "origins not split: no corridor"


def test_the_projects_own_estimates_cover_the_pandemic_returns(published, processed_dir):
    flows, _ = published
    own = flow_study.load_flow_source("estimated", processed_dir)
    table = movements.events_beside_sources(returns.load_return_events(processed_dir=processed_dir), flows, own)
    table = table.set_index("id")
    assert pd.isna(table.loc["R05", "published_returns"]) and table.loc["R05", "estimated_periods"] == "2020-2024"
    assert table.loc["R03", "published_returns"] == 22_159  # the same as events_beside_flows on the published set
    assert table.loc["R03", "estimated_periods"] == "2015-2020, 2020-2024"
    kerala = table.loc["R11"]
    assert kerala["estimated_ratio"] == round(1_463_176 / kerala["estimated_returns"], 1)


def test_what_the_gulf_data_do_not_say(processed_dir):
    from analysis.data import stocks
    gaps = movements.host_origin_detail("GCC", ["Ethiopia", "Kenya", "Uganda"], processed_dir=processed_dir)
    assert gaps["unknown_origin"].sum() == pytest.approx(949_849)  # "about 0.95 M of unknown origin in the GCC"
    assert gaps["recorded_KEN"].sum() == 0 and gaps["recorded_UGA"].sum() == 0
    assert gaps.set_index("destination").loc["Saudi Arabia", "recorded_ETH"] == 180_746
    table = movements.recorded_beside_reported(returns.load_reported_stocks(processed_dir=processed_dir),
                                               stocks.load_migrant_stocks(processed_dir)).set_index("id")
    assert table.loc["C01", ["reported", "recorded_2024"]].tolist() == [200_000, 0]


def test_the_return_rate_map_keeps_african_countries_with_emigrants(published):
    flows, geography = published
    rates = movements.return_rate_map(flows, geography)
    assert (rates["outward"] >= movements.MIN_EMIGRANTS).all() and rates["period"].eq("2015-2020").all()
    african = set(geography.loc[geography["region"] == "Africa", "location_code"])
    assert set(rates["location_code"]) <= african and len(rates) > 40
    assert (rates["returns_per_emigrant"] - rates["returns"] / rates["outward"]).abs().max() < 5e-5


@pytest.fixture(scope="module")
def gulf_return(processed_dir):
    event = returns.event(returns.load_return_events(processed_dir=processed_dir), "R11")
    spec = large_return.scenario_spec(event, ["Ethiopia", "Kenya", "Uganda"], "GCC", "2030-2035")
    return spec, large_return.moved_shares(spec, processed_dir)


def test_a_return_sized_by_a_cited_event_moves_its_people(gulf_return):
    spec, shares = gulf_return
    assert spec["returns"][0]["persons"] == 1_463_176
    for role in ("sends", "receives"):
        part = shares[shares["role"] == role]
        assert part["persons"].sum() == pytest.approx(1_463_176, abs=1e-6)
        assert (part["women"] + part["men"] - part["persons"]).abs().max() < 1e-6
        assert part["share"].sum() == pytest.approx(1, abs=1e-3) and set(part["key"]) == {"population"}
    assert shares.set_index("country").loc["Ethiopia", "share"] == 0.5543


def test_the_effect_on_origins_and_host_jobs_and_remittances(gulf_return, processed_dir):
    from analysis.study import pathways
    spec, shares = gulf_return
    effect = large_return.population_effect(spec, ["Ethiopia", "Kenya", "Uganda", "GCC"], [2030, 2035], end_year=2040,
                                            processed_dir=processed_dir)
    in_2035 = large_return.change_in(effect, ["Ethiopia", "Kenya", "Uganda", "GCC"], 2035).set_index("location")
    assert in_2035.loc["Ethiopia", "change"] == pytest.approx(641_495, abs=1)
    assert in_2035.loc["GCC", "change"] == pytest.approx(-1_162_349, abs=1)
    assert (large_return.change_in(effect, ["Ethiopia", "GCC"], 2030)["change"] == 0).all()  # before the return
    rates = large_return.employment_rates(large_return.receivers(shares), processed_dir).set_index("location")
    assert rates.loc["Ethiopia", ["reference_year", "employed"]].tolist() == [2021, 37_044_436]
    assert rates.loc["Ethiopia", "employment_rate"] == pytest.approx(0.5058)
    adults = large_return.population_effect(spec, ["Kenya"], [2035], ages="15+", end_year=2040, processed_dir=processed_dir)
    jobs = large_return.jobs_needed(adults, rates.reset_index())
    assert jobs["jobs_needed"].iloc[0] == pytest.approx(adults["change"].iloc[0] * rates.loc["Kenya", "employment_rate"])


def test_remittances_forgone_are_priced_per_corridor_as_the_pathway_model_does(processed_dir):
    single = {"name": "one", "returns": [{"from": "Saudi Arabia", "to": "Uganda", "persons": 10_000, "years": 2030,
                                          "female_share": 0.8}]}
    forgone = large_return.remittances_forgone(single, processed_dir).iloc[0]
    pair = migration.corridor_remittances(stocks.load_wdi(processed_dir), stocks.load_migrant_stocks(processed_dir),
                                          "UGA", "SAU", pathways.PRICE_YEAR, 1.0)
    assert forgone["returnees"] == pytest.approx(10_000)
    assert forgone["forgone_usd_per_year"] == pytest.approx(10_000 * (0.8 * pair["per_woman"] + 0.2 * pair["per_man"]))
