"""The partnership dataset as a whole: every figure recomputed by hand from the CSV with the csv module."""

from __future__ import annotations

import csv
import statistics
from collections import Counter

import pandas as pd
import pytest

from analysis.data import country_shapes, locations
from analysis.study import indicators
from analysis.study.partnerships import records as partnerships, summaries as analysis

COUNTS = ("trainees", "graduates", "migrants_placed", "returns", "participants")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with open(partnerships.DATA_DIR / "partnerships.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def table(processed_dir) -> pd.DataFrame:
    return partnerships.load_partnerships(processed_dir=processed_dir)


def _flags(row: dict, column: str) -> list[str]:
    return row[column].split(";") if row[column] else []


# ---------------------------------------------------------------- scale
def test_planned_against_achieved(table, rows):
    expected = {}
    for row in rows:
        for stage in COUNTS:
            planned, achieved = row[f"{stage}_planned"], row[f"{stage}_achieved"]
            per_year = {f"{stage}_planned", f"{stage}_achieved"} & set(_flags(row, "per_year_fields"))
            if planned and achieved and float(planned) > 0 and len(per_year) in (0, 2):
                expected[(row["id"], stage)] = float(achieved) / float(planned)
    bounded = {(row["id"], stage) for row in rows for stage in COUNTS
               if {f"{stage}_planned", f"{stage}_achieved"}
               & set(_flags(row, "lower_bound_fields") + _flags(row, "upper_bound_fields"))}
    exact = {key: share for key, share in expected.items() if key not in bounded}
    both = analysis.compared(analysis.planned_vs_achieved(table))
    assert dict(zip(zip(both["id"], both["stage"]), both["achieved_share"])) == pytest.approx(expected)
    assert both["achieved_share"].is_monotonic_increasing
    summary = analysis.scale_summary(table)
    assert summary["with_both_at_one_stage"] == len({pid for pid, _ in expected})
    # caps and lower bounds cannot say whether a plan was missed: left out of the median and of "fell short"
    assert summary["left_out_bounded"] == len(expected) - len(exact) == 5
    assert summary["median_achieved_share"] == pytest.approx(statistics.median(exact.values()))
    assert summary["below_plan"] == sum(share < 1 for share in exact.values())
    assert summary["exact_comparisons"] + summary["left_out_bounded"] == summary["comparisons"] == len(expected)
    assert summary["with_an_achieved_number"] == sum(any(row[f"{s}_achieved"] for s in COUNTS) for row in rows)


def test_a_per_year_plan_is_not_set_against_a_total(table):
    scale = analysis.planned_vs_achieved(table).set_index(["id", "stage"])
    swiss = scale.loc[("CHE-TUN-YPA", "participants")]
    assert swiss["per_year"] == "planned" and pd.isna(swiss["achieved_share"])
    assert scale.loc[("NZL-RSE", "migrants_placed"), "per_year"] == "both"
    assert scale.loc[("ESP-WAF-2025", "migrants_placed"), "achieved_bound"] == ">="


def test_placements_a_year_compare_like_with_like(table):
    placed = analysis.placements_per_year(table, as_of=2026).set_index("id")
    assert "MENTOR1" not in placed.index  # participants, not migrants placed
    assert placed.loc["ESP-MAR-GECCO", "per_year_pace"] == 7007 and bool(placed.loc["ESP-MAR-GECCO", "per_year"])
    assert placed.loc["UK-KEN-HEALTH", "per_year_pace"] == pytest.approx(280 / 4)  # cumulative over 2021-2024
    assert placed["per_year_pace"].is_monotonic_decreasing


def test_largest_achieved_count(table, rows):
    reached = analysis.scale_reached(table).set_index("id")
    for row in rows:
        values = [float(row[f"{s}_achieved"]) for s in COUNTS if s != "returns" and row[f"{s}_achieved"]]
        if values:
            assert reached.loc[row["id"], "largest_count"] == max(values)
        else:
            assert pd.isna(reached.loc[row["id"], "largest_count"])
    assert bool(reached.loc["ESP-MAR-GECCO", "per_year"]) and not bool(reached.loc["PALM", "per_year"])


# ---------------------------------------------------------------- sectors, skills, models
def test_counts_by_sector_skill_and_model(table, rows):
    for column in ("sector", "skill_level", "model"):
        counted = analysis.counts_by(table, column).set_index(column)["partnerships"]
        expected = Counter(row[column] or analysis.NOT_STATED for row in rows)
        assert counted[counted > 0].to_dict() == dict(expected)
        assert counted.sum() == len(rows)
    cross = analysis.sector_by_skill(table).set_index("sector")
    for (sector, skill), n in Counter((r["sector"] or "not stated", r["skill_level"] or "not stated") for r in rows).items():
        assert cross.loc[sector, skill] == n
    assert cross["total"].sum() == len(rows) and cross["total"].is_monotonic_decreasing
    with pytest.raises(analysis.PartnershipAnalysisError, match="has no vocabulary"):
        analysis.counts_by(table, "name")


# ---------------------------------------------------------------- origins and destinations
def test_corridors_and_country_roles(table, rows, processed_dir):
    pairs = Counter((o, d) for row in rows for o in row["origin_iso3"].split(";") for d in row["destination_iso3"].split(";"))
    corridors = analysis.corridors(table, processed_dir=processed_dir)
    assert dict(zip(zip(corridors["origin_iso3"], corridors["destination_iso3"]), corridors["partnerships"])) == pairs
    assert corridors["partnerships"].is_monotonic_decreasing
    african = set(locations.african_countries(processed_dir)["iso3"])
    assert (corridors["african_origin"] == corridors["origin_iso3"].isin(african)).all()
    assert corridors.loc[(corridors["origin_iso3"] == "TUN") & (corridors["destination_iso3"] == "ITA"),
                         "origin"].item() == "Tunisia"
    roles = analysis.country_roles(table, processed_dir).set_index("iso3")
    origins = Counter(c for row in rows for c in row["origin_iso3"].split(";"))
    destinations = Counter(c for row in rows for c in row["destination_iso3"].split(";"))
    assert roles["as_origin"][roles["as_origin"] > 0].to_dict() == dict(origins)
    assert roles["as_destination"][roles["as_destination"] > 0].to_dict() == dict(destinations)
    assert roles.loc["XKX", "m49"] == 412


def test_map_table_joins_counts_to_shapes(table, raw_dir, processed_dir):
    shapes = country_shapes.load_country_shapes(raw_dir)
    mapped = analysis.map_table(table, shapes, processed_dir)
    roles = analysis.country_roles(table, processed_dir).set_index("m49")
    morocco = mapped[mapped["m49"] == 504]
    assert morocco["as_origin"].item() == roles.loc[504, "as_origin"] > 0
    germany = mapped[mapped["m49"] == 276]
    assert germany["as_destination"].item() == roles.loc[276, "as_destination"]
    assert mapped.loc[~mapped["m49"].isin(roles.index), ["as_origin", "as_destination"]].eq(0).all().all()
    assert mapped.attrs["without_shape"] == roles.loc[~roles.index.isin(shapes["m49"].dropna()), "name"].tolist()


# ---------------------------------------------------------------- women, coverage
def test_women_share_only_where_printed(table, rows):
    known = analysis.women_share(table)
    assert dict(zip(known["id"], known["women_share"])) == {r["id"]: float(r["women_share"]) for r in rows
                                                           if r["women_share"]}


def test_field_coverage(table, rows):
    coverage = analysis.field_coverage(table).set_index("field")
    for field in coverage.index:
        known = sum(bool(row[field]) for row in rows)
        assert coverage.loc[field, "rows_known"] == known
        assert coverage.loc[field, "share_known"] == pytest.approx(known / len(rows))
    assert not {"id", "notes", "per_year_fields"} & set(coverage.index)
    summary = analysis.coverage_summary(coverage.reset_index())
    assert summary["known_for_all_rows"] == sum(all(row[f] for row in rows) for f in coverage.index)


# ---------------------------------------------------------------- against destinations' shortfalls
def test_placement_pace(table):
    pace = analysis.placement_pace(table, as_of=2026).set_index("id")
    assert pace.loc["TRIPLEWIN", "per_year_pace"] == pytest.approx(6000 / (2026 - 2013 + 1))  # undated: to 2026
    assert bool(pace.loc["TRIPLEWIN", "lower_bound"])
    assert pace.loc["UK-KEN-HEALTH", "per_year_pace"] == pytest.approx(280 / (2024 - 2021 + 1))  # dated April 2024
    assert pace.loc["ESP-MAR-GECCO", "per_year_pace"] == 7007  # the 2020 season, printed per season
    assert pace.loc["DIGEXP", "per_year_pace"] == pytest.approx(30 / 3)  # ended: 2019 to 2021
    with pytest.raises(analysis.PartnershipAnalysisError, match="would date from before its start year"):
        analysis.placement_pace(table, as_of=2000)


def test_shortfall_coverage_recomputed_for_germany_and_spain(table, rows, processed_dir):
    out = analysis.shortfall_coverage(table, as_of=2026, base_year=2025, horizon=2050,
                                      processed_dir=processed_dir).set_index("destination_iso3")

    def pace(row):
        count = float(row["migrants_placed_achieved"])
        if "migrants_placed_achieved" in _flags(row, "per_year_fields"):
            return count
        until = row["migrants_placed_achieved_date"][:4] or (row["end_year"] if row["status"] == "ended" else "2026")
        return count / (int(until) - int(row["start_year"]) + 1)

    for iso3 in ("DEU", "ESP"):
        placed = [r for r in rows if r["destination_iso3"] == iso3 and r["migrants_placed_achieved"]]
        workers = sum(pace(r) * (1 if r["model"] == "circular_seasonal" else 25) for r in placed)
        health = sum(pace(r) * (1 if r["model"] == "circular_seasonal" else 25) for r in placed if r["sector"] == "health")
        name = locations.resolve(iso3, processed_dir).name
        working = indicators.working_age_table([name], "15-64", [2025, 2050], processed_dir=processed_dir)
        decline = working["population"].iloc[0] - working["population"].iloc[1]
        population = indicators.population_of([name], ["medium"], [2025, 2050], processed_dir)
        old = indicators.age_band_total(population, "65+").sort_values("year")["population"].to_numpy()
        care = 5.0 / 100 * (old[1] - old[0])
        assert out.loc[iso3, "workers_by_horizon"] == pytest.approx(workers)
        assert out.loc[iso3, "working_age_decline"] == pytest.approx(decline)
        assert out.loc[iso3, "share_of_working_age_decline"] == pytest.approx(workers / decline)
        assert out.loc[iso3, "additional_care_workers"] == pytest.approx(care)
        assert out.loc[iso3, "share_of_care_workers"] == pytest.approx(health / care)
    assert out.attrs["multi_destination"] == ["APTC-3"]
    growing = out[out["working_age_decline"].isna()]  # a growing 15-64 population has no decline, not a negative one
    assert (out["working_age_decline"].dropna() > 0).all()
    assert growing["share_of_working_age_decline"].isna().all() and len(growing) > 0
    with pytest.raises(analysis.PartnershipAnalysisError, match="must come after"):
        analysis.shortfall_coverage(table, 2026, base_year=2050, horizon=2025, processed_dir=processed_dir)


def test_top_corridors_keep_the_counts_of_all(table, processed_dir):
    every = analysis.corridors(table, processed_dir=processed_dir)
    top = analysis.corridors(table, top=5, processed_dir=processed_dir)
    assert top.equals(every.head(5)) and top.attrs == every.attrs
    assert every.attrs == {"corridors": len(every), "african_origin": int(every["african_origin"].sum())}
    with pytest.raises(analysis.PartnershipAnalysisError, match="top must be 1 or more"):
        analysis.corridors(table, top=0)
