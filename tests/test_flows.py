"""The published flow estimates (Abel and Cohen 2022) as a processed table, against the explorer's raw JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.data import flows as flow_data
from analysis.data.tables import ValidationError, read_table
from tests import tiny_world

RAW = paths.RAW


def _raw(name: str) -> dict:
    return json.loads((RAW / name).read_text(encoding="utf-8"))


def _cell(raw: dict, period: int, origin: str, destination: str) -> float:
    names = raw["names"]
    return float(raw["matrix"][str(period)][names.index(origin)][names.index(destination)])


@pytest.fixture(scope="module")
def flows() -> pd.DataFrame:
    return read_table("flows")


@pytest.fixture(scope="module")
def names() -> pd.DataFrame:
    return read_table("flow_names")


def _persons(flows: pd.DataFrame, period: int, origin: str, destination: str, sex: str = "both", kind: str = "all"):
    rows = flows[(flows["period_start"] == period) & (flows["origin_iso3"] == origin)
                 & (flows["destination_iso3"] == destination) & (flows["sex"] == sex) & (flows["type"] == kind)]
    return float(rows["persons"].sum())


def test_saudi_arabia_to_ethiopia_2015_matches_the_raw_json(flows):
    # the figures the mirror's README quotes: 22,237 in all, 22,159 of them returns
    assert _persons(flows, 2015, "SAU", "ETH") == 22_237
    assert _persons(flows, 2015, "SAU", "ETH", kind="return") == 22_159
    for kind, file in (("all", "flow_da_pb_closed"), ("return", "flow_return_da_pb_closed"),
                       ("outward", "flow_outward_da_pb_closed"), ("transit", "flow_transit_da_pb_closed")):
        assert _persons(flows, 2015, "SAU", "ETH", kind=kind) == _cell(_raw(f"abel-flows/{file}.json"), 2015,
                                                                      "Saudi Arabia", "Ethiopia")


def test_cells_of_every_file_match_the_json_by_name(flows):
    # the type files list the names in another order than the others: cells are read by name
    raw = {key: _raw(name) for key, name in flow_data.FLOW_FILES.items()}
    for (sex, kind), data in raw.items():
        for period, origin, destination, o, d in ((1990, "Mexico", "United States", "MEX", "USA"),
                                                  (2010, "Kenya", "Uganda", "KEN", "UGA"),
                                                  (2005, "Sudan*", "Chad", "SUD", "TCD")):
            assert _persons(flows, period, o, d, sex, kind) == _cell(data, period, origin, destination)


def test_world_totals_match_the_mirror_readme(flows):
    world = flows[(flows["sex"] == "both") & (flows["type"] == "all")].groupby("period_start")["persons"].sum()
    assert world[1990] == pytest.approx(72.7e6, abs=0.05e6)
    assert world[2015] == pytest.approx(101.2e6, abs=0.05e6)
    # every period equals the raw file's country cells (regions dropped)
    raw = _raw(flow_data.FLOW_FILES[("both", "all")])
    keep = [i for i in range(len(raw["names"])) if i not in set(raw["regions"])]
    for period, matrix in raw["matrix"].items():
        assert world[int(period)] == np.asarray(matrix, float)[np.ix_(keep, keep)].sum()


def test_types_sum_to_all_and_returns_are_a_quarter_to_a_third(flows):
    both = flows[flows["sex"] == "both"]
    wide = both.pivot_table(index=["period_start", "origin_iso3", "destination_iso3"], columns="type",
                            values="persons", aggfunc="sum", observed=True, fill_value=0.0)
    gap = (wide["outward"] + wide["return"] + wide["transit"] - wide["all"]).abs()
    assert gap.max() <= flow_data.TYPE_SUM_TOLERANCE
    shares = wide.groupby(level="period_start")[["return", "all"]].sum()
    assert ((shares["return"] / shares["all"]).between(0.25, 0.32)).all()


def test_keys_unique_nothing_negative_and_sexes_estimated_separately(flows):
    assert not flows.duplicated(["period_start", "origin_iso3", "destination_iso3", "sex", "type"]).any()
    assert (flows["persons"] > 0).all()
    totals = flows[flows["type"] == "all"].groupby(["period_start", "sex"], observed=True)["persons"].sum().unstack()
    excess = totals["female"] + totals["male"] - totals["both"]
    assert excess.between(0.25e6, 0.56e6).all()  # the README: women + men exceed the total by 0.25-0.55 M


def test_every_name_maps_and_the_overrides_are_listed(names):
    assert names["iso3"].notna().all()
    assert not names["iso3"].duplicated().any()
    overrides = names[names["matched"] == "override"].set_index("name")["iso3"].to_dict()
    assert overrides == flow_data.NAME_OVERRIDES
    former = names[names["iso3"].isin(flow_data.FORMER_UNITS)]
    assert set(former["name"]) == {"Sudan*", "Serbia & Montenegro"} and former["location_code"].isna().all()
    assert names.loc[names["iso3"] == "ETH", "location_code"].item() == 231


def test_an_unmapped_name_is_listed_with_its_persons():
    frames = tiny_world.flow_files()
    metadata = frames["abel-flows/country-metadata-flags.csv"]
    locations = pd.DataFrame({"location_code": [1001], "name": ["Alphaland"], "kind": ["country"], "iso3": ["AAA"],
                              "other_names": [None]})
    membership = pd.DataFrame({"group_id": ["1001"], "location_code": [1001], "group": ["Alphaland"],
                               "group_code": [1001]})
    table = flow_data.name_table({k: frames[v] for k, v in flow_data.FLOW_FILES.items()},
                                 {k: frames[v] for k, v in flow_data.STOCK_FILES.items()},
                                 metadata, locations, membership)
    betaland = table.set_index("name").loc["Betaland"]
    assert betaland["matched"] == "unmapped" and pd.isna(betaland["iso3"])
    assert betaland["inflows"] == sum(a for a, _ in tiny_world.FLOWS.values())


def test_a_type_that_does_not_add_up_fails_the_check_in_one_line():
    frames = tiny_world.flow_files()
    broken = json.loads(json.dumps(frames["abel-flows/flow_return_da_pb_closed.json"]))
    names = broken["names"]
    broken["matrix"]["1990"][names.index("Betaland")][names.index("Alphaland")] += 10
    del broken["total_outflow"], broken["total_inflow"]  # so that the explorer's own totals do not catch it first
    frames["abel-flows/flow_return_da_pb_closed.json"] = broken
    world = tiny_world.raw_frames()
    with pytest.raises(ValidationError) as caught:
        flow_data.build_flow_tables(lambda name: frames.get(name, world.get(name)), _tiny_locations(),
                                    _tiny_membership(), None)
    assert "outward + return + transit differ" in str(caught.value) and "\n" not in str(caught.value)


def test_a_world_total_off_the_readme_fails_the_check():
    frames = tiny_world.flow_files()
    with pytest.raises(ValidationError, match="not the 72.7 M measured"):
        flow_data.build_flow_tables(frames.get, _tiny_locations(), _tiny_membership(), {1990: 72.7e6})


def test_an_explorer_total_that_is_not_the_sum_of_its_cells_is_refused():
    frames = tiny_world.flow_files()
    broken = json.loads(json.dumps(frames["abel-flows/flow_male_da_pb_closed.json"]))
    broken["total_inflow"]["2000"]["Betaland"] += 5
    frames["abel-flows/flow_male_da_pb_closed.json"] = broken
    with pytest.raises(ValidationError, match="total_inflow of Betaland in 2000 is not the sum of its cells"):
        flow_data.build_flow_tables(frames.get, _tiny_locations(), _tiny_membership(), None)


def test_negative_flows_are_refused():
    frames = tiny_world.flow_files()
    broken = json.loads(json.dumps(frames["abel-flows/flow_da_pb_closed.json"]))
    broken["matrix"]["1995"][1][3] = -5
    frames["abel-flows/flow_da_pb_closed.json"] = broken
    with pytest.raises(ValidationError, match="negative flows"):
        flow_data.build_flow_tables(frames.get, _tiny_locations(), _tiny_membership(), None)


def _tiny_locations() -> pd.DataFrame:
    return pd.DataFrame({"location_code": [1001, 1002], "name": ["Alphaland", "Betaland"], "kind": ["country"] * 2,
                         "iso3": ["AAA", "BBB"], "other_names": [None, None]})


def _tiny_membership() -> pd.DataFrame:
    return pd.DataFrame({"group_id": ["1001", "1002"], "location_code": [1001, 1002],
                         "group": ["Alphaland", "Betaland"], "group_code": [1001, 1002]})


def test_demography_closes_the_world_and_sexes_add_up():
    demography = read_table("flow_demography")
    balance = flow_data.validate_flow_demography(demography)
    world = demography[(demography["sex"] == "both")].groupby("period_start")["population_end"].sum()
    assert max(abs(v) for v in balance.values()) < 1e-6 * world.min()
    assert sorted(demography["period_start"].unique()) == [1990, 1995, 2000, 2005, 2010, 2015, 2020]
    assert set(demography.loc[demography["period_start"] == 2020, "period_end"]) == {2024}
