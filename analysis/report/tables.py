"""Report tables: real HTML tables (great-tables) with units, separators and right-aligned numbers, and a text form.

Every table of every report goes through :func:`show`.  It converts the
columns to their display units (thousands, millions, billions, percent), names
the unit in each heading, formats numbers with thousands separators and a
fixed number of decimals, and displays one object carrying

* ``text/html``: a great-tables table, right-aligned numbers in tabular
  figures, long tables scrolling inside their box with the headings kept in
  view, text never cut, and a link to download the table as CSV;
* ``text/plain``: the same values as fixed-width text (what nbval compares,
  and what a console shows).

Both forms are deterministic: the table's HTML id is derived from its content,
and nothing in it depends on the time or the machine.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from great_tables import GT, html
from IPython.display import HTML, display

from analysis.data.precision import FIGURE_DATA_DIGITS
from analysis.report import palette

#: Units a table column can be shown in: the conversion, the default decimals and the heading's unit.
UNITS = {
    "thousands": (lambda values: values / 1e3, 0, "thousands"),
    "millions": (lambda values: values / 1e6, 1, "millions"),
    "billions": (lambda values: values / 1e9, 1, "billions"),
    "percent": (lambda values: 100.0 * values, 1, "%"),
}
#: Columns holding codes, and columns holding years (when every value is a whole number from 1900 to 2200): printed
#: without thousands separators.
CODE_COLUMN = re.compile(r"(^|_)(code|m49|id)$")
YEAR_COLUMN = re.compile(r"^(year|period_start|period_end|period ending)$|(^|[_ ])(year|from|before|until|since|date)$")
PER_YEAR = re.compile(r"(per|a)[_ ]year$")
#: Tables longer than this scroll inside their box (about this many rows are visible).
VISIBLE_ROWS = 18
#: Text columns with values longer than this get a fixed width, so they wrap instead of widening the table.
LONG_TEXT = 60
MISSING = "–"
MAX_DECIMALS = 6


def in_units(
    table: pd.DataFrame,
    thousands: Iterable[str] | Mapping[str, int] = (),
    millions: Iterable[str] | Mapping[str, int] = (),
    billions: Iterable[str] | Mapping[str, int] = (),
    percent: Iterable[str] | Mapping[str, int] = (),
    round: int | Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Copy of ``table`` with columns converted to display units and rounded.

    Parameters
    ----------
    thousands, millions, billions : list of columns, or {column: decimals}
        Counts (persons, currency) shown in thousands (0 decimals by default),
        millions or billions (1 decimal by default).
    percent : list of columns, or {column: decimals}
        Shares (0–1) shown in percent (1 decimal by default).
    round : int or {column: decimals}, optional
        Rounding applied to the other columns afterwards.
    """
    out = table.copy()
    for unit, places in _unit_decimals(thousands, millions, billions, percent).items():
        column, name = unit
        out[column] = UNITS[name][0](out[column]).round(places)
    if round is not None:
        out = out.round(round)
    return out


def _unit_decimals(thousands, millions, billions, percent) -> dict[tuple[str, str], int]:
    """``{(column, unit): decimals}`` of the converted columns."""
    found = {}
    for name, columns in (("thousands", thousands), ("millions", millions), ("billions", billions),
                          ("percent", percent)):
        default = UNITS[name][1]
        decimals = dict(columns) if isinstance(columns, Mapping) else {column: default for column in columns}
        found.update({(column, name): places for column, places in decimals.items()})
    return found


def _plain(column: str, label: str, values: pd.Series) -> bool:
    """Whether a numeric column holds codes or years: whole numbers printed without separators."""
    if _decimals_needed(values) != 0:
        return False
    if CODE_COLUMN.search(column):
        return True
    named = any(YEAR_COLUMN.search(name) and not PER_YEAR.search(name) for name in (column, label))
    finite = values.dropna().astype(float)
    return bool(named) and bool(((finite >= 1900) & (finite <= 2200)).all())


def _decimals_needed(values: pd.Series) -> int:
    """The fewest decimals (up to ``MAX_DECIMALS``) that print every value of a float column exactly as rounded."""
    finite = values[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))].astype(float)
    for places in range(MAX_DECIMALS + 1):
        if np.allclose(finite, finite.round(places), rtol=0, atol=10.0 ** -(MAX_DECIMALS + 2)):
            return places
    return MAX_DECIMALS


class ReportTable:
    """A table as HTML and as fixed-width text; IPython displays both, nbval compares both.

    Attributes
    ----------
    frame : DataFrame
        The values shown, in display units, with the headings shown (units included).
    text : str
        The fixed-width text form (title, table, note).
    html : str
        The HTML form (great-tables), with a CSV download link.
    """

    def __init__(self, frame: pd.DataFrame, text: str, html_text: str):
        self.frame = frame
        self.text = text
        self.html = html_text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.text}

    def __repr__(self) -> str:
        return self.text


def report_table(
    table: pd.DataFrame,
    title: str | None = None,
    thousands: Iterable[str] | Mapping[str, int] = (),
    millions: Iterable[str] | Mapping[str, int] = (),
    billions: Iterable[str] | Mapping[str, int] = (),
    percent: Iterable[str] | Mapping[str, int] = (),
    round: int | Mapping[str, int] | None = None,
    columns: Iterable[str] | None = None,
    hide: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    missing: str | None = None,
    units: Mapping[str, str] | None = None,
    note: str | None = None,
    **text_options,
) -> ReportTable:
    """The table :func:`show` displays (see there for the parameters)."""
    shown = (table if columns is None else table[list(columns)]).drop(columns=list(hide))
    if shown.columns.duplicated().any():
        raise ValueError(f"columns shown twice: {sorted(set(shown.columns[shown.columns.duplicated()]))}")
    converted = _unit_decimals(thousands, millions, billions, percent)
    shown = in_units(shown, thousands, millions, billions, percent, round)
    unit_of = {column: UNITS[name][2] for column, name in converted}
    unit_of.update(dict(units or {}))
    decimals = {column: places for (column, _), places in converted.items()}
    rename = dict(rename or {})
    missing_text = MISSING if missing is None else missing

    headings, formats = {}, {}
    for column in shown.columns:
        label = str(rename.get(column, column)).replace("_", " ")
        unit = unit_of.get(column)
        headings[column] = (label, unit if unit and unit not in label else None)
        values = shown[column]
        if _booleans(values):
            formats[column] = ("yes/no", 0)
        elif _mixed_numbers(values):
            floats = pd.Series([v for v in values if isinstance(v, (float, np.floating)) and not _missing(v)],
                               dtype="float64")
            places = (round.get(column) if isinstance(round, Mapping) else round) if round is not None else None
            formats[column] = ("mixed", _decimals_needed(floats) if places is None else places)
        elif not pd.api.types.is_numeric_dtype(values):
            formats[column] = ("text", 0)
        elif _plain(str(column), label, values):
            formats[column] = ("plain", 0)
        elif column in decimals:
            formats[column] = ("number", decimals[column])
        elif isinstance(round, Mapping) and column in round:
            formats[column] = ("number", round[column])
        elif isinstance(round, int) and not pd.api.types.is_integer_dtype(values):
            formats[column] = ("number", round)
        elif pd.api.types.is_integer_dtype(values):
            formats[column] = ("number", 0)
        else:
            formats[column] = ("number", _decimals_needed(values))

    texts = {column: _formatted(shown[column], *formats[column], missing_text) for column in shown.columns}
    heading_text = {column: label + (f" ({unit})" if unit else "") for column, (label, unit) in headings.items()}
    if len(set(heading_text.values())) < len(heading_text):
        repeated = sorted({text for text in heading_text.values() if list(heading_text.values()).count(text) > 1})
        raise ValueError(f"two columns would be shown under the same heading: {repeated}")
    frame = pd.DataFrame({heading_text[column]: texts[column] for column in shown.columns})
    text = frame.to_string(index=False, **text_options)
    text = "\n".join(part for part in (title, text, note) if part)
    return ReportTable(frame, text, _html(shown, title, headings, formats, missing_text, note, frame))


def _booleans(values: pd.Series) -> bool:
    """Whether a column holds true/false values (a bool column, or objects that are all bools or missing)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    present = [v for v in values.astype(object) if not _missing(v)]
    return values.dtype == object and bool(present) and all(isinstance(v, (bool, np.bool_)) for v in present)


def _mixed_numbers(values: pd.Series) -> bool:
    """Whether an object column holds numbers only, whole numbers (``int``) and measures (``float``) together."""
    present = [v for v in values.astype(object) if not _missing(v)]
    return (values.dtype == object and bool(present)
            and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                    for v in present))


def _formatted(values: pd.Series, kind: str, places: int, missing_text: str) -> list[str]:
    """Each value as the text form prints it (the HTML form formats the same way with great-tables).

    True and false are printed as ``yes`` and ``no``, never as Python's ``True``
    and ``False``; in a column mixing whole numbers and measures, each whole
    number is printed as one (``1,061``, not ``1,061.000``).
    """
    out = []
    for value in values.astype(object):
        if _missing(value):
            out.append(missing_text)
        elif kind == "yes/no":
            out.append("yes" if value else "no")
        elif kind == "mixed":
            out.append(f"{value:,}" if isinstance(value, (int, np.integer)) else f"{value:,.{places}f}")
        elif kind == "text":
            out.append(str(value))
        elif kind == "plain":
            out.append(f"{value:.0f}")
        else:
            out.append(f"{value:,.{places}f}")
    return out


def _missing(value) -> bool:
    """Whether one cell is missing (None, NA, NaN or NaT); lists and other objects are values."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def _html(shown: pd.DataFrame, title: str | None, headings: dict, formats: dict, missing_text: str,
          note: str | None, frame: pd.DataFrame) -> str:
    csv = frame.to_csv(index=False, lineterminator="\n")
    identity = hashlib.sha256(f"{title}\n{csv}\n{note}".encode("utf-8")).hexdigest()[:12]
    table_id = f"table-{identity}"
    data = shown.copy()
    for position, (column, (kind, _)) in enumerate(formats.items()):
        if kind in ("yes/no", "mixed"):  # the text form's strings, so both forms print the same
            texts = frame.iloc[:, position]
            data[column] = [None if _missing(value) else text for value, text in zip(shown[column].astype(object), texts)]
        elif kind == "text":
            data[column] = [None if _missing(value) else str(value) for value in shown[column].astype(object)]
        else:
            data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    data.columns = [f"c{index}" for index in range(len(data.columns))]
    keys = dict(zip(shown.columns, data.columns))
    gt = GT(data, id=table_id)
    labels = {}
    for column, (label, unit) in headings.items():
        heading = _escape(label) + (f'<br><span class="unit">{_escape(unit)}</span>' if unit else "")
        labels[keys[column]] = html(heading)
    gt = gt.cols_label(**labels)
    for column, (kind, places) in formats.items():
        if kind == "plain":
            gt = gt.fmt_integer(columns=keys[column], use_seps=False)
        elif kind == "number":
            gt = gt.fmt_number(columns=keys[column], decimals=places, use_seps=True)
        elif kind == "mixed":
            gt = gt.cols_align("right", columns=keys[column])
        else:
            gt = gt.cols_align("left", columns=keys[column])
    gt = gt.sub_missing(missing_text=missing_text)
    long_text = [keys[c] for c, (kind, _) in formats.items()
                 if kind == "text" and shown[c].astype(str).str.len().max() > LONG_TEXT]
    if long_text:
        gt = gt.cols_width({column: "28em" for column in long_text})
    if title:
        gt = gt.tab_header(title=title).opt_align_table_header("left")
    if note:
        gt = gt.tab_source_note(note)
    options = dict(table_font_size="14px", data_row_padding="4px", column_labels_font_weight="bold",
                   table_margin_left="0px", heading_title_font_size="105%", container_overflow_x="auto")
    if len(shown) > VISIBLE_ROWS:
        options.update(container_height=f"{2 * VISIBLE_ROWS + 6}em", container_overflow_y="auto")
    gt = gt.tab_options(**options).opt_row_striping()
    gt = gt.opt_css(
        f"#{table_id} .unit {{ font-weight: normal; color: {palette.NEUTRAL['muted_text']}; font-size: 90%; }}\n"
        f"#{table_id} thead .gt_col_headings th {{ position: sticky; top: 0; z-index: 1; }}\n"
        f"#{table_id} td {{ white-space: normal; }}"
    )
    name = re.sub(r"[^a-z0-9]+", "-", (title or "table").lower()).strip("-")[:60] or "table"
    payload = base64.b64encode(csv.encode("utf-8")).decode("ascii")
    link = (f'<p class="table-data" style="font-size: 85%; margin-top: 0.2em;"><a download="{name}.csv" href="data:text/csv;base64,{payload}">'
            f"Download this table ({name}.csv, {len(frame):,} rows)</a></p>")
    return gt.as_raw_html() + "\n" + link


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def show(
    table: pd.DataFrame,
    title: str | None = None,
    thousands: Iterable[str] | Mapping[str, int] = (),
    millions: Iterable[str] | Mapping[str, int] = (),
    billions: Iterable[str] | Mapping[str, int] = (),
    percent: Iterable[str] | Mapping[str, int] = (),
    round: int | Mapping[str, int] | None = None,
    columns: Iterable[str] | None = None,
    hide: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    missing: str | None = None,
    units: Mapping[str, str] | None = None,
    note: str | None = None,
    **text_options,
) -> None:
    """Display a report table: HTML with units and separators, and its text form for nbval.

    Parameters
    ----------
    table : DataFrame
        The table, in the units of the analysis (persons, shares 0–1, US$).
    title : str, optional
        The table's title.
    thousands, millions, billions, percent, round
        Display units and rounding (see :func:`in_units`); the unit is named
        under each converted column's heading ("millions", "%").
    columns : list of str, optional
        The columns to show, in order (all by default).
    hide : list of str, optional
        Columns to leave out (e.g. a key kept for the figure data).
    rename : {column: header}, optional
        Headings to show instead of column names (``_`` is shown as a space).
        A unit already named in the heading (``"cumulative_millions"``) is not repeated.
    missing : str, optional
        Text shown for missing values (``–`` by default; e.g. ``""``).
    units : {column: unit}, optional
        Units of columns shown as they are (e.g. ``{"cost_eur": "EUR"}``).
    note : str, optional
        A line under the table (e.g. why a share exceeds 100 %).
    **text_options
        Passed to :meth:`pandas.DataFrame.to_string` for the text form
        (``justify``); the HTML form never cuts text.

    Numbers are right-aligned with thousands separators and the decimals of
    their rounding; years and codes are printed without separators.  Long
    tables scroll inside their box.
    """
    display(report_table(table, title, thousands, millions, billions, percent, round, columns, hide, rename, missing,
                         units, note, **text_options))


def figure_data(table: pd.DataFrame, name: str):
    """A download link to the data behind a figure, as CSV embedded in the report itself.

    Floating-point numbers are written with
    :data:`analysis.data.precision.FIGURE_DATA_DIGITS` (10) significant digits:
    values from a fit or a solve are already rounded to six by the study layer,
    and arithmetic done in another order on another processor (a sum over
    countries, a matrix product) differs only far beyond the tenth digit, so the
    file is the same on every machine.
    """
    text = table.to_csv(index=False, lineterminator="\n", float_format=f"%.{FIGURE_DATA_DIGITS}g")
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return HTML(
        f'<p class="figure-data"><a download="{name}.csv" href="data:text/csv;base64,{payload}">'
        f"Download the data behind this figure ({name}.csv, {len(table):,} rows)</a></p>"
    )
