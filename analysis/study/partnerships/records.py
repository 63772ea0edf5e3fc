"""The dataset of real skills and labour-mobility partnerships: its schema, the loader that enforces it, and queries.

The dataset lives beside this module in ``partnerships/data/`` (its schema and
conventions are in ``PARTNERSHIPS.md`` there):

* ``partnerships.csv``: one row per partnership or distinct phase (``COLUMNS``);
* ``partnership_values.csv``: ``partnership_id, field, source_id``, one line
  for each source of each non-empty value;
* ``partnership_sources.csv``: ``id, title, publisher, year, url, accessed,
  quote``, one verbatim quote per source.

:func:`load_partnerships` refuses the dataset, in one line, unless every
non-empty value has a source whose quote contains it (numbers in any printed
form, years in the quote or as the source's year, names and currencies named
in the quote), every value is in its vocabulary or type, every country code
is a known ISO-3 code, and the three files agree.  :func:`problems` lists
every problem found.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from analysis.data.locations import african_countries, load_locations, resolve_all
from analysis.errors import DataError, InputError
from analysis.study.cited_csv import DATE, PLAIN_NUMBER, read_text_csv
from analysis.study import quotes
from analysis.study.pathways import DEFAULT_SOURCES

DATA_DIR = Path(__file__).with_name("data")
PARTNERSHIPS_NAME = "partnerships.csv"
VALUES_NAME = "partnership_values.csv"
SOURCES_NAME = "partnership_sources.csv"

# ---------------------------------------------------------------- schema
STAGES = ("trainees", "graduates", "migrants_placed", "returns", "participants")
COUNT_FIELDS = tuple(f"{stage}_{kind}" for stage in STAGES for kind in ("planned", "achieved"))
SHARE_FIELDS = ("women_share", "return_share")
DATE_FIELDS = tuple(f"{field}_date" for field in COUNT_FIELDS + SHARE_FIELDS)
YEAR_FIELDS = ("start_year", "end_year", "cost_year")
MONEY_FIELDS = ("cost_total", "cost_per_participant")
NUMBER_FIELDS = COUNT_FIELDS + SHARE_FIELDS + MONEY_FIELDS
LIST_FIELDS = ("origin_iso3", "destination_iso3")
QUALIFIER_FIELDS = ("lower_bound_fields", "upper_bound_fields", "per_year_fields")
#: Columns that describe values rather than being values: they carry no source.
UNSOURCED = frozenset({"id", "notes", *QUALIFIER_FIELDS})
#: Fields whose value the quote (for ``name``: the quote or the source's title) must name.
MENTION_FIELDS = ("name", "operator", "funders")
VOCABULARIES = {
    "sector": ("health", "ict", "agriculture", "construction", "hospitality", "domestic_work", "trades_manufacturing",
               "green_energy", "entrepreneurship", "multi_sector"),
    "skill_level": ("low", "medium", "high", "mixed"),
    "model": ("home_away", "training_for_migration", "direct_placement", "circular_seasonal", "study_to_work"),
    "status": ("planned", "active", "ended", "unknown"),
    "cost_currency": ("AUD", "EUR", "USD", "GBP", "CHF", "NZD"),
    "cost_basis": ("budget", "expenditure", "unknown"),
}
#: How a quote names each currency.
CURRENCY_WORDS = {
    "AUD": ("$", "aud"), "USD": ("$", "usd"), "EUR": ("€", "eur", "euro"), "GBP": ("£", "gbp", "pound"),
    "CHF": ("chf", "franc"), "NZD": ("$", "nzd"),
}
COLUMNS = (
    ["id", "name", "operator", "origin_iso3", "destination_iso3", "sector", "occupation", "isco_major_group",
     "skill_level", "model", "start_year", "end_year", "status"]
    + [column for stage in STAGES[:4] for kind in ("planned", "achieved")
       for column in (f"{stage}_{kind}", f"{stage}_{kind}_date")]
    + ["return_share", "return_share_date"]
    + [column for kind in ("planned", "achieved") for column in (f"participants_{kind}", f"participants_{kind}_date")]
    + ["women_share", "women_share_date", "funders", "cost_total", "cost_per_participant", "cost_currency",
       "cost_year", "cost_basis", "evaluation"]
    + list(QUALIFIER_FIELDS) + ["notes"]
)
VALUE_COLUMNS = ["partnership_id", "field", "source_id"]
SOURCE_COLUMNS = ["id", "title", "publisher", "year", "url", "accessed", "quote"]


class PartnershipDataError(DataError):
    """The partnership dataset breaks its schema (a value without a source, a number not in its quote, …)."""


class PartnershipQueryError(InputError):
    """A query of the partnership dataset names an unknown sector, model or partnership."""


# ---------------------------------------------------------------- reading
def _read(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    return read_text_csv(path, columns, PartnershipDataError, "partnership dataset file", "PARTNERSHIPS.md")


def read_raw(data_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three files as text, unchecked: ``(partnerships, values, sources)``; empty cells are ``""``."""
    folder = Path(data_dir or DATA_DIR)
    return (_read(folder / PARTNERSHIPS_NAME, COLUMNS), _read(folder / VALUES_NAME, VALUE_COLUMNS),
            _read(folder / SOURCES_NAME, SOURCE_COLUMNS))


def country_codes(processed_dir: Path | None = None) -> frozenset[str]:
    """ISO-3 codes of every country and area in WPP 2024 (Kosovo as ``XKX``)."""
    locations = load_locations(processed_dir)
    return frozenset(locations.loc[locations["kind"] == "country", "iso3"].dropna())


# ---------------------------------------------------------------- checks
def _source_problems(sources: pd.DataFrame) -> list[str]:
    found = []
    for source in sources.itertuples(index=False):
        for column in ("title", "url", "accessed", "quote"):
            if not getattr(source, column).strip():
                found.append(f"source {source.id}: empty {column}")
        if not source.url.startswith(("http://", "https://")):
            found.append(f"source {source.id}: url {source.url!r} is not a web address")
        if source.year and not re.fullmatch(r"(19|20)\d\d", source.year):
            found.append(f"source {source.id}: year {source.year!r} is not a 4-digit year")
        if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", source.accessed):
            found.append(f"source {source.id}: access date {source.accessed!r} is not YYYY-MM-DD")
    return found


def _value_problem(pid: str, field: str, value: str, cited: list[str], src: dict[str, dict],
                   codes: frozenset[str]) -> str | None:
    """What is wrong with one non-empty value and its sources (``src``: id to source row), or None."""
    texts = [src[source]["quote"] for source in cited]
    source_years = {int(src[source]["year"]) for source in cited if src[source]["year"]}
    where = f"{pid}.{field}"
    if field in LIST_FIELDS:
        items = value.split(";")
        unknown = [code for code in items if code not in codes]
        if unknown:
            return f"{where}: {unknown[0]!r} is not an ISO-3 code of a country (write codes like KEN;NGA)"
        if len(set(items)) != len(items):
            return f"{where}: {value!r} repeats a country"
    elif field in VOCABULARIES:
        if value not in VOCABULARIES[field]:
            close = difflib.get_close_matches(value, VOCABULARIES[field], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"{where}: {value!r} is not one of {', '.join(VOCABULARIES[field])}{hint}"
    elif field == "isco_major_group":
        if not re.fullmatch(r"\d(;\d)*", value):
            return f"{where}: {value!r} is not ISCO major groups 0-9 separated by ';'"
    elif field in YEAR_FIELDS or field in DATE_FIELDS:
        match = DATE.match(value) if field in DATE_FIELDS else re.fullmatch(r"(19|20)\d\d", value)
        if not match:
            return f"{where}: {value!r} is not a {'date (YYYY, YYYY-MM or YYYY-MM-DD)' if field in DATE_FIELDS else 'year'}"
        year = int(value[:4])
        if year not in set().union(*map(quotes.years_in, texts)) | source_years:
            return f"{where}: year {year} is neither in the quotes of {cited} nor the year of one of them"
    elif field in NUMBER_FIELDS:
        if not PLAIN_NUMBER.match(value):
            return f"{where}: {value!r} is not a plain number 0 or more (digits, one '.', no separators, no NaN/inf)"
        number = float(value)
        if field in SHARE_FIELDS and not 0.0 <= number <= 1.0:
            return f"{where}: share {value} is outside 0-1"
        if field in COUNT_FIELDS and number != int(number):
            return f"{where}: count {value} is not a whole number"
        if not quotes.prints_number(number, texts, share=field in SHARE_FIELDS):
            return f"{where}: {value} is not printed in the quote of {cited}"
    if field in MENTION_FIELDS:
        titles = [src[source]["title"] for source in cited] if field == "name" else []
        if not quotes.mentions(value, texts + titles):
            return f"{where}: {value!r} is not named in the quote of {cited}"
    if field == "cost_currency" and value in CURRENCY_WORDS:
        if not any(word in quotes.clean(text).lower() for text in texts for word in CURRENCY_WORDS[value]):
            return f"{where}: {value} is not named in the quote of {cited}"
    return None


def _row_problems(row: dict, src: dict[str, dict]) -> list[str]:
    pid, found = row["id"], []
    for qualifier in QUALIFIER_FIELDS:
        for field in filter(None, row[qualifier].split(";")):
            if field not in NUMBER_FIELDS:
                found.append(f"{pid}.{qualifier}: {field!r} is not a number field")
            elif not row[field]:
                found.append(f"{pid}.{qualifier}: names {field}, which is empty")
    for field in COUNT_FIELDS + SHARE_FIELDS:
        if row[f"{field}_date"] and not row[field]:
            found.append(f"{pid}.{field}_date: a date without a value")
    if (row["cost_total"] or row["cost_per_participant"]) and not (row["cost_currency"] and row["cost_basis"]):
        found.append(f"{pid}: a cost needs cost_currency and cost_basis")
    if re.fullmatch(r"\d{4}", row["start_year"]) and re.fullmatch(r"\d{4}", row["end_year"]):
        if int(row["end_year"]) < int(row["start_year"]):
            found.append(f"{pid}: end_year {row['end_year']} is before start_year {row['start_year']}")
    for source_id in sorted(set(re.findall(r"\bS\d+\b", row["notes"]))):
        if source_id not in src:
            found.append(f"{pid}.notes: mentions unknown source {source_id}")
    return found


def check(table: pd.DataFrame, values: pd.DataFrame, sources: pd.DataFrame, codes: Iterable[str]) -> list[str]:
    """Every problem of the three text tables of :func:`read_raw` against the schema (an empty list if none).

    Parameters
    ----------
    table, values, sources : DataFrame
        The files as text (``read_raw``).
    codes : iterable of str
        Valid ISO-3 country codes (``country_codes``).

    Returns
    -------
    list of str
        One line per problem, each naming the row and field.
    """
    codes = frozenset(codes)
    found: list[str] = []
    for name, frame in (("partnerships.csv", table), ("partnership_sources.csv", sources)):
        repeated = sorted(set(frame.loc[frame["id"].duplicated(), "id"]))
        if repeated:
            found.append(f"{name}: repeated ids {repeated}")
        if (frame["id"].str.strip() == "").any():
            found.append(f"{name}: a row without an id")
    repeated_links = values[values.duplicated()]
    if not repeated_links.empty:
        first = repeated_links.iloc[0]
        found.append(f"partnership_values.csv: repeated line {first['partnership_id']},{first['field']},{first['source_id']}")
    spaced = [(column, cell) for frame in (table, values) for column in frame.columns
              for cell in frame[column] if cell != cell.strip()]
    if spaced:
        found.append(f"{spaced[0][0]}: value {spaced[0][1]!r} has leading or trailing spaces")
    found += _source_problems(sources)
    src = sources.drop_duplicates("id").set_index("id").to_dict("index")

    ids = set(table["id"])
    sourced_fields = [column for column in COLUMNS if column not in UNSOURCED]
    bad_links = values[~values["source_id"].isin(list(src)) | ~values["partnership_id"].isin(ids)
                       | ~values["field"].isin(sourced_fields)]
    for link in bad_links.itertuples(index=False):
        if link.partnership_id not in ids:
            found.append(f"partnership_values.csv: link to unknown partnership {link.partnership_id!r}")
        elif link.field not in sourced_fields:
            found.append(f"{link.partnership_id}: link to {link.field!r}, which is not a field that takes a source")
        else:
            found.append(f"{link.partnership_id}.{link.field}: unknown source {link.source_id!r}")
    good = values.drop(bad_links.index)
    cited = good.groupby(["partnership_id", "field"], sort=False)["source_id"].agg(list).to_dict()

    long = table.melt(id_vars="id", value_vars=sourced_fields, var_name="field", value_name="value")
    empty_linked = long[(long["value"] == "") & pd.MultiIndex.from_frame(long[["id", "field"]]).isin(list(cited))]
    for link in empty_linked.itertuples(index=False):
        found.append(f"{link.id}.{link.field}: a source link for an empty value")
    for item in long[long["value"] != ""].itertuples(index=False):
        sources_of = cited.get((item.id, item.field))
        if not sources_of:
            found.append(f"{item.id}.{item.field}: value {item.value!r} has no source in partnership_values.csv")
            continue
        problem = _value_problem(item.id, item.field, item.value, sources_of, src, codes)
        if problem:
            found.append(problem)
    for row in table.to_dict("records"):
        found += _row_problems(row, src)
    return found


def problems(data_dir: Path | None = None, processed_dir: Path | None = None) -> list[str]:
    """Every problem of the dataset in ``data_dir`` (default: the package's), one line each."""
    table, values, sources = read_raw(data_dir)
    return check(table, values, sources, country_codes(processed_dir))


# ---------------------------------------------------------------- loading
def _refuse(found: list[str], folder: Path) -> None:
    more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
    raise PartnershipDataError(
        f"partnership dataset in {folder} refused: {' '.join(found[0].split())}{more}; correct the row, its line in "
        f"{VALUES_NAME} or the quote in {SOURCES_NAME} (see PARTNERSHIPS.md)"
    )


def typed(table: pd.DataFrame) -> pd.DataFrame:
    """The text table of :func:`read_raw` with counts and years as ``Int64``, shares and money as ``float``."""
    out = table.mask(table.eq(""))
    for column in COUNT_FIELDS + YEAR_FIELDS:
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    for column in SHARE_FIELDS + MONEY_FIELDS:
        out[column] = pd.to_numeric(out[column]).astype(float)
    return out


def load_dataset(data_dir: Path | None = None, processed_dir: Path | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The partnerships (as :func:`load_partnerships`), their value-source links and their sources, checked once."""
    folder = Path(data_dir or DATA_DIR)
    table, values, sources = read_raw(folder)
    found = check(table, values, sources, country_codes(processed_dir))
    if found:
        _refuse(found, folder)
    return typed(table), values, sources


def load_partnerships(data_dir: Path | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """The dataset of real partnerships, after every check of :func:`check`.

    Parameters
    ----------
    data_dir : Path, optional
        Folder with the three CSV files (default: ``partnerships/data/``).
    processed_dir : Path, optional
        Processed tables (for the ISO-3 codes of countries).

    Returns
    -------
    DataFrame
        One row per partnership, columns ``COLUMNS``; empty cells are
        missing values; counts and years ``Int64``, shares and money
        ``float``; lists (countries, qualifier fields) stay ``;``-separated text.

    Raises
    ------
    PartnershipDataError
        In one line, naming the first problem and how many more there are.
    """
    return load_dataset(data_dir, processed_dir)[0]


def load_partnership_values(data_dir: Path | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """``partnership_id, field, source_id`` of a dataset that passes :func:`load_partnerships`."""
    return load_dataset(data_dir, processed_dir)[1]


def access_year(sources: pd.DataFrame) -> int:
    """The year the sources were last read (the latest access date), for undated counts."""
    return int(sources["accessed"].str[:4].astype(int).max())


def load_partnership_sources(data_dir: Path | None = None) -> pd.DataFrame:
    """The sources (``id, title, publisher, year, url, accessed, quote``), each with a verbatim quote."""
    sources = read_raw(data_dir)[2]
    found = _source_problems(sources)
    if sources["id"].duplicated().any():
        found.append(f"partnership_sources.csv: repeated ids {sorted(set(sources.loc[sources['id'].duplicated(), 'id']))}")
    if found:
        _refuse(found, Path(data_dir or DATA_DIR))
    return sources


def cited_source_ids(values: pd.DataFrame | None = None, extra: Iterable[str] = ()) -> list[str]:
    """Source ids cited by the pathway defaults (``pathways.DEFAULT_SOURCES``), by ``values`` and ``extra``, in order."""
    ids = set(re.findall(r"\bS\d+\b", " ".join(DEFAULT_SOURCES.values()))) | set(extra)
    if values is not None:
        ids |= set(values["source_id"])
    return sorted(ids, key=lambda s: int(s[1:]))


def sources_by_partnership(values: pd.DataFrame) -> pd.Series:
    """Each partnership's sources as ``S01;S02`` (in numeric order), indexed by partnership id."""
    ordered = values.assign(number=values["source_id"].str[1:].astype(int)).sort_values("number")
    return ordered.drop_duplicates(["partnership_id", "source_id"]).groupby("partnership_id", sort=False)[
        "source_id"].agg(";".join)


# ---------------------------------------------------------------- queries
def codes_of(table: pd.DataFrame, column: str) -> pd.Series:
    """The ``;``-separated codes of ``column`` (e.g. ``origin_iso3``) as one row per partnership and code."""
    return table.set_index("id")[column].dropna().str.split(";").explode()


def african_origin(table: pd.DataFrame, processed_dir: Path | None = None) -> pd.Series:
    """True for partnerships with at least one origin among Africa's 54 countries (indexed by id)."""
    african = set(african_countries(processed_dir)["iso3"])
    origins = codes_of(table, "origin_iso3")
    return origins.isin(african).groupby(level=0).any().reindex(table["id"], fill_value=False)


def coverage_counts(table: pd.DataFrame, processed_dir: Path | None = None) -> pd.Series:
    """Rows, rows with an African origin, distinct destinations, distinct sectors and distinct origins."""
    return pd.Series({
        "rows": len(table),
        "rows_with_african_origin": int(african_origin(table, processed_dir).sum()),
        "distinct_destinations": codes_of(table, "destination_iso3").nunique(),
        "distinct_sectors": table["sector"].nunique(),
        "distinct_origins": codes_of(table, "origin_iso3").nunique(),
    })


def _iso3_of(places: Sequence, processed_dir: Path | None) -> set[str]:
    locations = load_locations(processed_dir).set_index("location_code")
    members = {code for place in resolve_all(places, processed_dir) for code in place.members}
    return set(locations.loc[sorted(members), "iso3"].dropna())


def check_vocabulary(field: str, wanted: Sequence[str]) -> None:
    for value in wanted:
        if value not in VOCABULARIES[field]:
            close = difflib.get_close_matches(value, VOCABULARIES[field], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PartnershipQueryError(f"unknown {field} {value!r}{hint}; valid: {', '.join(VOCABULARIES[field])}")


def select(
    table: pd.DataFrame,
    origins: Sequence | None = None,
    destinations: Sequence | None = None,
    sectors: Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """The partnerships matching every filter given (within a filter, any of its values).

    Parameters
    ----------
    origins, destinations : list, optional
        Names, ISO-3 or M49 codes or groups (``Africa``, ``ECOWAS``, ``EU27``),
        resolved by :mod:`analysis.data.locations`; a partnership matches if
        one of its countries is a member.
    sectors, models : list of str, optional
        Values of the ``sector`` and ``model`` vocabularies.

    Raises
    ------
    PartnershipQueryError, UnknownLocationError
        For an unknown sector, model or place (with close matches).
    """
    keep = pd.Series(True, index=table.index)
    for column, places in (("origin_iso3", origins), ("destination_iso3", destinations)):
        if places:
            wanted = _iso3_of(places, processed_dir)
            matched = codes_of(table, column).isin(wanted).groupby(level=0).any()
            keep &= table["id"].map(matched).eq(True).to_numpy()
    for column, wanted in (("sector", sectors), ("model", models)):
        if wanted:
            check_vocabulary(column, wanted)
            keep &= table[column].isin(wanted)
    return table[keep].reset_index(drop=True)


def with_sources(table: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a last column ``sources``: the ids of every source of the row's values (``S01;S02``)."""
    return table.assign(sources=table["id"].map(sources_by_partnership(values)).fillna(""))
