"""The cited dataset of large return movements, and what the returns report computes from it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from analysis.errors import DataError
from analysis.study import quotes
from analysis.study.returns import events as returns

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
