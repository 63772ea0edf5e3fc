"""Large return movements, cited: the dataset's schema, the loader that enforces it, and simple queries.

The dataset lives beside this module in ``returns/data/`` (schema and
conventions in ``RETURNS.md`` there):

* ``return_events.csv``: one row per return movement or part of one
  (:data:`EVENT_COLUMNS`);
* ``return_values.csv``: ``event_id, field, source_id``, one line for each
  source of each non-empty value;
* ``return_sources.csv``: ``id, title, publisher, year, url, accessed,
  quote``, one verbatim quote per source;
* ``reported_stocks.csv``: migrant numbers that origin governments or
  agencies report for a corridor, each with its source (:data:`STOCK_COLUMNS`),
  to set beside UN DESA's recorded stocks where those miss an origin.

:func:`load_return_events` refuses the dataset in one line unless every
non-empty value has a source whose quote prints it (numbers in any printed
form, see :mod:`analysis.study.quotes`; years in the quote or as the
source's year; a bound "lower" or "approximate" worded so in the quote),
every value is in its vocabulary or type, every country code is an ISO-3
code of a WPP 2024 country or area, parts point to an event of the same
origin, and the files agree.  :func:`problems` lists every problem found.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import pandas as pd

from analysis.data.locations import load_locations, resolve
from analysis.errors import DataError, InputError
from analysis.study.cited_csv import DATE, PLAIN_NUMBER, read_text_csv
from analysis.study import quotes

DATA_DIR = Path(__file__).with_name("data")
EVENTS_NAME = "return_events.csv"
VALUES_NAME = "return_values.csv"
SOURCES_NAME = "return_sources.csv"
STOCKS_NAME = "reported_stocks.csv"

EVENT_COLUMNS = ["id", "name", "home_iso3", "host_iso3", "places_note", "period_start", "period_end", "returnees",
                 "count_kind", "bound", "men", "women", "children", "men_share", "women_share", "part_of", "driver",
                 "caveats"]
VALUE_COLUMNS = ["event_id", "field", "source_id"]
SOURCE_COLUMNS = ["id", "title", "publisher", "year", "url", "accessed", "quote"]
STOCK_COLUMNS = ["id", "origin_iso3", "destination_iso3", "date", "persons", "persons_high", "bound", "what",
                 "source_id", "caveats"]
#: Columns that describe values rather than being values: they carry no source.
UNSOURCED = frozenset({"id", "name", "part_of", "caveats"})
COUNT_FIELDS = ("returnees", "men", "women", "children")
SHARE_FIELDS = ("men_share", "women_share")
VOCABULARIES = {
    "count_kind": ("registered", "assisted", "estimated", "gross"),
    "bound": ("exact", "lower", "approximate"),
    "driver": ("expulsion", "amnesty_deportation", "pandemic", "conflict", "voluntary_programme"),
}
STOCK_BOUNDS = ("exact", "lower", "approximate", "range")
#: How a quote words a bound (any of them, anywhere in the quote of a source of the value).
BOUND_WORDS = {
    "lower": ("more than", "over ", "at least", "surpassed", "exceeded", "above"),
    "approximate": ("about", "approximately", "around", "nearly", "close to", "estimate", "some "),
}


class ReturnEventsError(DataError):
    """The return-events dataset breaks its schema (a value without a source, a number not in its quote, …)."""


class ReturnEventQueryError(InputError):
    """A query of the return-events dataset names an unknown event."""


# ---------------------------------------------------------------- reading
def _read(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    return read_text_csv(path, columns, ReturnEventsError, "return-events file", "RETURNS.md")


def read_raw(data_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The four files as text, unchecked: ``(events, values, sources, reported stocks)``; empty cells are ``""``."""
    folder = Path(data_dir or DATA_DIR)
    return (_read(folder / EVENTS_NAME, EVENT_COLUMNS), _read(folder / VALUES_NAME, VALUE_COLUMNS),
            _read(folder / SOURCES_NAME, SOURCE_COLUMNS), _read(folder / STOCKS_NAME, STOCK_COLUMNS))


# ---------------------------------------------------------------- checks
def _source_problems(sources: pd.DataFrame) -> list[str]:
    found = []
    if sources["id"].duplicated().any():
        found.append(f"source {sources.loc[sources['id'].duplicated(), 'id'].iloc[0]} appears twice")
    for source in sources.itertuples(index=False):
        for column in ("title", "publisher", "url", "accessed", "quote"):
            if not getattr(source, column).strip():
                found.append(f"source {source.id}: empty {column}")
        if not source.url.startswith(("http://", "https://")):
            found.append(f"source {source.id}: url {source.url!r} is not a web address")
        if source.year and not re.fullmatch(r"(19|20)\d\d", source.year):
            found.append(f"source {source.id}: year {source.year!r} is not a 4-digit year")
        if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", source.accessed):
            found.append(f"source {source.id}: access date {source.accessed!r} is not YYYY-MM-DD")
    return found


def _number_problem(where: str, value: str, texts: list[str], share: bool, whole: bool) -> str | None:
    if not PLAIN_NUMBER.match(value):
        return f"{where}: {value!r} is not a plain number 0 or more (digits, one '.', no separators)"
    number = float(value)
    if share and not 0.0 <= number <= 1.0:
        return f"{where}: share {value} is outside 0-1"
    if whole and number != int(number):
        return f"{where}: count {value} is not a whole number"
    if not quotes.prints_number(number, texts, share=share):
        return f"{where}: {value} is not printed in the quote of its source"
    return None


def _date_problem(where: str, value: str, texts: list[str], source_years: set[int]) -> str | None:
    if not DATE.match(value):
        return f"{where}: {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
    year = int(value[:4])
    if year not in set().union(*map(quotes.years_in, texts)) | source_years:
        return f"{where}: year {year} is neither in the quote of its source nor the source's year"
    return None


def _codes_problem(where: str, value: str, codes: frozenset[str]) -> str | None:
    items = value.split(";")
    unknown = [code for code in items if code not in codes]
    if unknown:
        return f"{where}: {unknown[0]!r} is not an ISO-3 code of a country (write codes like KEN;NGA)"
    if len(set(items)) != len(items):
        return f"{where}: {value!r} repeats a country"
    return None


def _bound_problem(where: str, bound: str, texts: list[str]) -> str | None:
    if bound in BOUND_WORDS and not any(word in quotes.clean(text).lower() for text in texts
                                        for word in BOUND_WORDS[bound]):
        return f"{where}: bound {bound!r} but the quote words no bound ({', '.join(w.strip() for w in BOUND_WORDS[bound])})"
    return None


def _event_problems(row: dict, cited: dict[str, list[str]], src: dict[str, dict], codes: frozenset[str]) -> list[str]:
    found, eid = [], row["id"]
    for field, value in row.items():
        if field in UNSOURCED or not value:
            continue
        where = f"{eid}.{field}"
        if not cited.get(field):
            found.append(f"{where}: no source in {VALUES_NAME}")
            continue
        texts = [src[s]["quote"] for s in cited[field]]
        years = {int(src[s]["year"]) for s in cited[field] if src[s]["year"]}
        problem = None
        if field in ("home_iso3", "host_iso3"):
            problem = _codes_problem(where, value, codes)
        elif field in ("period_start", "period_end"):
            problem = _date_problem(where, value, texts, years)
        elif field in COUNT_FIELDS:
            problem = _number_problem(where, value, texts, share=False, whole=True)
        elif field in SHARE_FIELDS:
            problem = _number_problem(where, value, texts, share=True, whole=False)
        elif field in VOCABULARIES:
            problem = (None if value in VOCABULARIES[field]
                       else f"{where}: {value!r} is not one of {', '.join(VOCABULARIES[field])}")
            if problem is None and field == "bound":
                problem = _bound_problem(where, value, [src[s]["quote"] for s in cited.get("returnees", [])])
        if problem:
            found.append(problem)
    for required in ("returnees", "count_kind", "bound", "period_start", "period_end", "driver"):
        if not row[required]:
            found.append(f"{eid}: {required} is empty (every event needs it)")
    for side, note in (("home_iso3", "the origin the returnees went home to"), ("host_iso3", "where they came from")):
        if not row[side] and not row["places_note"]:
            found.append(f"{eid}: {side} and places_note are both empty; say {note}")
    if DATE.match(row["period_start"]) and DATE.match(row["period_end"]) and row["period_end"] < row["period_start"]:
        found.append(f"{eid}: period_end {row['period_end']} is before period_start {row['period_start']}")
    return found


def _stock_problems(stocks: pd.DataFrame, src: dict[str, dict], codes: frozenset[str]) -> list[str]:
    found = []
    if stocks["id"].duplicated().any():
        found.append(f"reported stock {stocks.loc[stocks['id'].duplicated(), 'id'].iloc[0]} appears twice")
    for row in stocks.to_dict("records"):
        where = f"reported stock {row['id']}"
        if row["source_id"] not in src:
            found.append(f"{where}: source {row['source_id']!r} is not in {SOURCES_NAME}")
            continue
        texts, years = [src[row["source_id"]]["quote"]], {int(src[row["source_id"]]["year"])} if src[row["source_id"]]["year"] else set()
        for side in ("origin_iso3", "destination_iso3"):
            problem = _codes_problem(f"{where}.{side}", row[side], codes) if row[side] else f"{where}: empty {side}"
            if problem:
                found.append(problem)
        for field in ("persons", "persons_high"):
            if row[field]:
                problem = _number_problem(f"{where}.{field}", row[field], texts, share=False, whole=True)
                if problem:
                    found.append(problem)
        if not row["persons"]:
            found.append(f"{where}: persons is empty")
        if row["date"]:
            problem = _date_problem(f"{where}.date", row["date"], texts, years)
            if problem:
                found.append(problem)
        if row["bound"] not in STOCK_BOUNDS:
            found.append(f"{where}: bound {row['bound']!r} is not one of {', '.join(STOCK_BOUNDS)}")
        elif (row["bound"] == "range") != bool(row["persons_high"]):
            found.append(f"{where}: a range needs persons_high, and only a range has one")
        elif row["bound"] in BOUND_WORDS:
            problem = _bound_problem(where, row["bound"], texts)
            if problem:
                found.append(problem)
    return found


def country_codes(processed_dir: Path | None = None) -> frozenset[str]:
    """ISO-3 codes of every country and area in WPP 2024."""
    table = load_locations(processed_dir)
    return frozenset(table.loc[table["kind"] == "country", "iso3"].dropna())


def problems(data_dir: Path | None = None, processed_dir: Path | None = None) -> list[str]:
    """Every problem of the dataset (empty when it follows RETURNS.md)."""
    events, values, sources, stocks = read_raw(data_dir)
    codes = country_codes(processed_dir)
    found = _source_problems(sources)
    src = {row["id"]: row for row in sources.to_dict("records")}
    if events["id"].duplicated().any():
        found.append(f"event {events.loc[events['id'].duplicated(), 'id'].iloc[0]} appears twice")
    known = dict(zip(events["id"], events.to_dict("records")))
    cited: dict[tuple[str, str], list[str]] = {}
    for row in values.to_dict("records"):
        where = f"{VALUES_NAME}: {row['event_id']}.{row['field']}"
        if row["event_id"] not in known:
            found.append(f"{where}: no such event")
        elif row["field"] not in EVENT_COLUMNS or row["field"] in UNSOURCED:
            found.append(f"{where}: not a sourced field")
        elif not known[row["event_id"]][row["field"]]:
            found.append(f"{where}: a source for an empty value")
        elif row["source_id"] not in src:
            found.append(f"{where}: source {row['source_id']!r} is not in {SOURCES_NAME}")
        else:
            cited.setdefault((row["event_id"], row["field"]), []).append(row["source_id"])
    for row in events.to_dict("records"):
        fields = {field: cited.get((row["id"], field), []) for field in EVENT_COLUMNS}
        found.extend(_event_problems(row, fields, src, codes))
        parent = row["part_of"]
        if parent:
            if parent not in known or parent == row["id"]:
                found.append(f"{row['id']}.part_of: {parent!r} is not another event")
            elif known[parent]["home_iso3"] != row["home_iso3"]:
                found.append(f"{row['id']}.part_of: {parent} has another origin ({known[parent]['home_iso3']})")
            elif known[parent]["part_of"]:
                found.append(f"{row['id']}.part_of: {parent} is itself a part; point to the whole")
    found.extend(_stock_problems(stocks, src, codes))
    used = set(values["source_id"]) | set(stocks["source_id"])
    found.extend(f"source {source} is cited by nothing" for source in sorted(set(src) - used))
    return found


# ---------------------------------------------------------------- loading
def _raise_first(found: list[str]) -> None:
    if found:
        more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
        raise ReturnEventsError(f"return-events dataset: {found[0]}{more}; fix analysis/study/returns/data "
                                "(RETURNS.md gives the rules)")


def _name(codes: str, names: dict[str, str], missing: str) -> str:
    return "; ".join(names.get(code, code) for code in codes.split(";")) if codes else missing


def load_return_events(data_dir: Path | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """The checked events, typed.

    Returns
    -------
    DataFrame
        The columns of ``return_events.csv`` (numbers as floats, NaN where
        empty), plus ``home`` and ``host`` (country names, or "not split by
        country": then ``places_note`` says what the source says),
        ``start_year``/``end_year`` and ``sources`` (the source ids of the
        event's values).

    Raises
    ------
    ReturnEventsError
        In one line, naming the first problem and how many more there are.
    """
    _raise_first(problems(data_dir, processed_dir))
    events, values, _, _ = read_raw(data_dir)
    table = load_locations(processed_dir)
    names = dict(zip(table["iso3"], table["name"]))
    out = events.copy()
    for column in COUNT_FIELDS + SHARE_FIELDS:
        out[column] = pd.to_numeric(out[column].replace("", None), errors="raise").astype(float)
    out["home"] = [_name(codes, names, "not split by country") for codes in out["home_iso3"]]
    out["host"] = [_name(codes, names, "not split by country") for codes in out["host_iso3"]]
    out["start_year"] = out["period_start"].str[:4].astype(int)
    out["end_year"] = out["period_end"].str[:4].astype(int)
    cited = values.groupby("event_id")["source_id"].agg(lambda ids: ";".join(sorted(set(ids), key=lambda s: int(s[1:]))))
    out["sources"] = out["id"].map(cited).fillna("")
    return out


def load_return_sources(data_dir: Path | None = None) -> pd.DataFrame:
    """The sources with their quotes (unchecked; :func:`load_return_events` checks them)."""
    return read_raw(data_dir)[2]


def load_reported_stocks(data_dir: Path | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """Migrant numbers reported for a corridor by governments or agencies, checked and typed (persons as floats)."""
    _raise_first(problems(data_dir, processed_dir))
    stocks = read_raw(data_dir)[3].copy()
    for column in ("persons", "persons_high"):
        stocks[column] = pd.to_numeric(stocks[column].replace("", None), errors="raise").astype(float)
    table = load_locations(processed_dir)
    names = dict(zip(table["iso3"], table["name"]))
    stocks["origin"] = stocks["origin_iso3"].map(names)
    stocks["destination"] = stocks["destination_iso3"].map(names)
    return stocks


# ---------------------------------------------------------------- queries
def event(events: pd.DataFrame, event_id: str) -> pd.Series:
    """One event by id.

    Raises
    ------
    ReturnEventQueryError
        For an unknown id (the message lists the valid ones).
    """
    match = events[events["id"] == event_id]
    if match.empty:
        raise ReturnEventQueryError(f"unknown return event {event_id!r}; valid: {', '.join(events['id'])}")
    return match.iloc[0]


def events_touching(events: pd.DataFrame, location, processed_dir: Path | None = None) -> pd.DataFrame:
    """Events whose origin (home) or host includes a country of ``location`` (a name, code or group)."""
    place = resolve(location, processed_dir) if not hasattr(location, "members") else location
    table = load_locations(processed_dir)
    iso3 = set(table.loc[table["location_code"].isin(place.members), "iso3"].dropna())
    hit = [bool(iso3 & set(filter(None, home.split(";") + host.split(";"))))
           for home, host in zip(events["home_iso3"], events["host_iso3"])]
    return events[hit].reset_index(drop=True)
