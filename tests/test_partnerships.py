"""The cited partnership dataset: its schema is enforced, its coverage counted, its rows queried from the CLI."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.data import locations
from analysis.study.partnerships import records as partnerships

DATA = partnerships.DATA_DIR


def _rows(name: str, folder: Path = DATA) -> list[dict]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------- the real dataset
def test_the_dataset_passes_every_check(processed_dir):
    assert partnerships.problems(processed_dir=processed_dir) == []
    table = partnerships.load_partnerships(processed_dir=processed_dir)
    assert list(table.columns) == partnerships.COLUMNS
    assert table["id"].is_unique
    assert str(table["trainees_achieved"].dtype) == "Int64" and table["cost_total"].dtype == float


def test_coverage_recomputed_from_the_csv(processed_dir):
    """The issue's thresholds (40 rows, 25 African-origin rows, 5 destinations, 4 sectors), counted with csv alone."""
    rows = _rows("partnerships.csv")
    african = set(locations.african_countries(processed_dir)["iso3"])
    expected = {
        "rows": len(rows),
        "rows_with_african_origin": sum(any(c in african for c in r["origin_iso3"].split(";")) for r in rows),
        "distinct_destinations": len({c for r in rows for c in r["destination_iso3"].split(";")}),
        "distinct_sectors": len({r["sector"] for r in rows if r["sector"]}),
        "distinct_origins": len({c for r in rows for c in r["origin_iso3"].split(";")}),
    }
    counts = partnerships.coverage_counts(partnerships.load_partnerships(processed_dir=processed_dir), processed_dir)
    assert counts.to_dict() == expected
    assert expected["rows"] >= 40 and expected["rows_with_african_origin"] >= 25
    assert expected["distinct_destinations"] >= 5 and expected["distinct_sectors"] >= 4


def test_the_partnerships_the_field_cites_are_there():
    ids = {row["id"] for row in _rows("partnerships.csv")}
    assert {"APTC-ALL", "TRIPLEWIN", "PALIM", "THAMM", "MENTOR2", "ESP-SEN-2019", "UK-KEN-HEALTH", "KEN-SAU-DW"} <= ids
    thamm = next(row for row in _rows("partnerships.csv") if row["id"] == "THAMM")
    assert thamm["start_year"] and thamm["cost_total"]  # THAMM had no values before


def test_every_value_has_a_source_whose_quote_prints_it():
    """Spot check with csv alone: every non-empty sourced cell has a link, every link a source with a quote."""
    rows, links, sources = _rows("partnerships.csv"), _rows("partnership_values.csv"), _rows("partnership_sources.csv")
    quote = {s["id"]: s["quote"] for s in sources}
    linked = {(link["partnership_id"], link["field"]) for link in links}
    for row in rows:
        for field, value in row.items():
            if value and field not in partnerships.UNSOURCED:
                assert (row["id"], field) in linked, (row["id"], field)
    assert all(quote.get(link["source_id"]) for link in links)
    palim = [quote[link["source_id"]] for link in links if (link["partnership_id"], link["field"]) == ("PALIM", "women_share")]
    assert any("18" in text for text in palim)


def test_the_pathway_defaults_cite_sources_that_exist():
    ids = {row["id"] for row in _rows("partnership_sources.csv")}
    cited = partnerships.cited_source_ids()
    assert cited and set(cited) <= ids
    assert {f"S{n:02d}" for n in range(1, 55)} <= ids  # the earlier sources keep their ids


def test_sources_by_partnership_lists_each_source_once_in_order():
    values = pd.read_csv(DATA / "partnership_values.csv", dtype=str)
    palim = partnerships.sources_by_partnership(values)["PALIM"].split(";")
    assert palim == sorted(set(palim), key=lambda s: int(s[1:]))
    assert set(palim) == set(values.loc[values["partnership_id"] == "PALIM", "source_id"])


# ---------------------------------------------------------------- broken copies are refused in one line
def _broken_copy(tmp_path: Path, name: str, edit) -> Path:
    folder = tmp_path / "partnership_data"
    shutil.copytree(DATA, folder)
    table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    table = edit(table)
    table.to_csv(folder / name, index=False)
    return folder


def _set(pid: str, field: str, value: str):
    def edit(table):
        table.loc[table["id"] == pid, field] = value
        return table
    return edit


@pytest.mark.parametrize(
    "name, edit, message",
    [
        ("partnerships.csv", _set("PALIM", "trainees_achieved", "121"), "PALIM.trainees_achieved: 121 is not printed"),
        ("partnerships.csv", _set("PALIM", "women_share", "1.8"), "share 1.8 is outside 0-1"),
        ("partnerships.csv", _set("PALIM", "trainees_achieved", "nan"), "not a plain number"),
        ("partnerships.csv", _set("PALIM", "trainees_achieved", "inf"), "not a plain number"),
        ("partnerships.csv", _set("PALIM", "trainees_achieved", "-120"), "not a plain number"),
        ("partnerships.csv", _set("PALIM", "trainees_achieved", "1,200"), "not a plain number"),
        ("partnerships.csv", _set("PALIM", "sector", "tech"), "'tech' is not one of health"),
        ("partnerships.csv", _set("PALIM", "model", "home-away"), "did you mean 'home_away'"),
        ("partnerships.csv", _set("PALIM", "origin_iso3", "MOR"), "'MOR' is not an ISO-3 code"),
        ("partnerships.csv", _set("PALIM", "origin_iso3", "MAR;MAR"), "repeats a country"),
        ("partnerships.csv", _set("PALIM", "start_year", "2031"), "year 2031 is neither in the quotes"),
        ("partnerships.csv", _set("PALIM", "cost_currency", "USD"), "USD is not named in the quote"),
        ("partnerships.csv", _set("THAMM-PLUS", "trainees_achieved", "40"), "has no source in partnership_values.csv"),
        ("partnerships.csv", _set("PALIM", "lower_bound_fields", "graduates_achieved"), "names graduates_achieved, which is empty"),
        ("partnerships.csv", _set("PALIM", "women_share", ""), "a source link for an empty value"),
        ("partnerships.csv", _set("PALIM", "notes", "see S999"), "mentions unknown source S999"),
        ("partnerships.csv", _set("PALIM", "end_year", "2018"), "end_year 2018 is before start_year 2019"),
        ("partnerships.csv", lambda t: pd.concat([t, t.iloc[[0]]]), "repeated ids ['APTC-1']"),
        ("partnerships.csv", lambda t: t.drop(columns="women_share"), "wrong columns"),
        ("partnership_values.csv", lambda t: pd.concat([t, t.iloc[[0]]]), "repeated line APTC-1,name,"),
        ("partnership_values.csv", lambda t: t.assign(source_id=t["source_id"].where(t.index != 0, "S999")),
         "unknown source 'S999'"),
        ("partnership_values.csv", lambda t: t.assign(field=t["field"].where(t.index != 0, "notes")),
         "not a field that takes a source"),
        ("partnership_sources.csv", lambda t: t.assign(quote=t["quote"].where(t["id"] != "S70", "")), "source S70: empty quote"),
        ("partnership_sources.csv", lambda t: t.assign(accessed=t["accessed"].where(t["id"] != "S70", "28/11/2026")),
         "access date '28/11/2026'"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " not in value and "." not in value else None,
)
def test_a_broken_copy_is_refused_in_one_line(tmp_path, processed_dir, name, edit, message):
    folder = _broken_copy(tmp_path, name, edit)
    with pytest.raises(partnerships.PartnershipDataError) as error:
        partnerships.load_partnerships(folder, processed_dir)
    text = str(error.value)
    try:
        found = partnerships.problems(folder, processed_dir)
    except partnerships.PartnershipDataError as unreadable:  # the file cannot be checked row by row
        found = [str(unreadable)]
    assert "\n" not in text and str(folder) in text and found[0] in text, text
    assert any(message in problem for problem in found), found


def test_unreadable_and_missing_files_are_refused(tmp_path, processed_dir):
    folder = tmp_path / "partnership_data"
    shutil.copytree(DATA, folder)
    (folder / "partnership_values.csv").write_bytes(b"\xff\xfe\x00garbage\x00\xff")
    with pytest.raises(partnerships.PartnershipDataError, match="cannot be read as UTF-8 CSV"):
        partnerships.load_partnerships(folder, processed_dir)
    (folder / "partnership_values.csv").unlink()
    with pytest.raises(partnerships.PartnershipDataError, match="is missing: restore it from git"):
        partnerships.load_partnerships(folder, processed_dir)


def test_the_error_counts_the_other_problems(tmp_path, processed_dir):
    folder = _broken_copy(tmp_path, "partnerships.csv",
                          lambda t: _set("PALIM", "sector", "tech")(_set("PALIM", "skill_level", "expert")(t)))
    with pytest.raises(partnerships.PartnershipDataError, match=r"\(and 1 more problems\)"):
        partnerships.load_partnerships(folder, processed_dir)


# ---------------------------------------------------------------- queries
def test_select_by_group_sector_and_model(processed_dir):
    table = partnerships.load_partnerships(processed_dir=processed_dir)
    rows = _rows("partnerships.csv")
    african = set(locations.african_countries(processed_dir)["iso3"])
    health = partnerships.select(table, origins=["Africa"], sectors=["health"], processed_dir=processed_dir)
    expected = [r["id"] for r in rows if r["sector"] == "health" and set(r["origin_iso3"].split(";")) & african]
    assert health["id"].tolist() == expected and "UK-KEN-HEALTH" in expected
    eu = set(locations.resolve("EU27", processed_dir).members)
    iso_of = locations.load_locations(processed_dir).set_index("iso3")["location_code"]
    gsp = partnerships.select(table, destinations=["EU27"], models=["home_away", "study_to_work"],
                              processed_dir=processed_dir)
    assert gsp["id"].tolist() == [r["id"] for r in rows if r["model"] in ("home_away", "study_to_work")
                                  and any(iso_of[c] in eu for c in r["destination_iso3"].split(";"))]
    with pytest.raises(partnerships.PartnershipQueryError, match="did you mean 'health'"):
        partnerships.select(table, sectors=["helth"])


# ---------------------------------------------------------------- the command line
def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "partnerships", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_prints_matching_rows_with_their_sources(processed_dir):
    result = run("--origin", "KEN", "--origin", "Uganda", "--destination", "682")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(table.columns) == partnerships.COLUMNS + ["sources"]
    assert table["id"].tolist() == ["KEN-SAU-DW", "UGA-SAU-DW"]
    links = _rows("partnership_values.csv")
    for row in table.itertuples(index=False):
        assert set(row.sources.split(";")) == {l["source_id"] for l in links if l["partnership_id"] == row.id}


def test_cli_prints_values_as_in_the_dataset(processed_dir):
    result = run("--sector", "ict,health", "--model", "home_away")
    assert result.returncode == 0, result.stderr
    printed = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False).set_index("id")
    original = {row["id"]: row for row in _rows("partnerships.csv")}
    assert printed.index.tolist() == ["PALIM"]
    for column in partnerships.COLUMNS[1:]:
        assert printed.loc["PALIM", column] == original["PALIM"][column], column


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sector", "helth"], "did you mean 'health'"),
        (["--model", "gsp"], "unknown model 'gsp'"),
        (["--origin", "Nigerai"], "did you mean: Nigeria"),
        (["--destination", "Atlantis"], "unknown location 'Atlantis'"),
        (["--year", "2020"], "unrecognized arguments"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(processed_dir, args, message):
    result = run(*args)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
