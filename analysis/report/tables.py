"""Printed tables of the reports: unit conversions and a stable text form that nbval compares."""

from __future__ import annotations

import base64
from typing import Iterable, Mapping

import pandas as pd
from IPython.display import HTML

#: Units a table column can be shown in: the conversion and the default decimals.
UNITS = {
    "thousands": (lambda values: values / 1e3, 0),
    "millions": (lambda values: values / 1e6, 1),
    "billions": (lambda values: values / 1e9, 1),
    "percent": (lambda values: 100.0 * values, 1),
}


def to_millions(table: pd.DataFrame, columns: Iterable[str], decimals: int = 1) -> pd.DataFrame:
    """Copy of ``table`` with ``columns`` (persons) in millions, rounded."""
    out = table.copy()
    for column in columns:
        out[column] = (out[column] / 1e6).round(decimals)
    return out


def to_percent(table: pd.DataFrame, columns: Iterable[str], decimals: int = 1) -> pd.DataFrame:
    """Copy of ``table`` with share ``columns`` (0–1) in percent, rounded."""
    out = table.copy()
    for column in columns:
        out[column] = (100.0 * out[column]).round(decimals)
    return out


def to_billions(table: pd.DataFrame, columns: Iterable[str], decimals: int = 1) -> pd.DataFrame:
    """Copy of ``table`` with ``columns`` (e.g. US$) in billions, rounded."""
    out = table.copy()
    for column in columns:
        out[column] = (out[column] / 1e9).round(decimals)
    return out


def text_table(table: pd.DataFrame, **kwargs) -> str:
    """A table as fixed-width text (what notebooks print, so nbval can compare it)."""
    return table.to_string(index=False, **kwargs)


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
    for unit, columns in (("thousands", thousands), ("millions", millions), ("billions", billions),
                          ("percent", percent)):
        convert, default = UNITS[unit]
        decimals = dict(columns) if isinstance(columns, Mapping) else {column: default for column in columns}
        for column, places in decimals.items():
            out[column] = convert(out[column]).round(places)
    if round is not None:
        out = out.round(round)
    return out


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
    **text_options,
) -> None:
    """Print a report table in its stable, rounded text form (what nbval compares).

    Parameters
    ----------
    table : DataFrame
        The table, in the units of the analysis (persons, shares 0–1, US$).
    title : str, optional
        A line printed above the table.
    thousands, millions, billions, percent, round
        Display units and rounding (see :func:`in_units`).
    columns : list of str, optional
        The columns to show, in order (all by default).
    hide : list of str, optional
        Columns to leave out (e.g. a key kept for the figure data).
    rename : {column: header}, optional
        Headers to print instead of column names, applied after the unit
        conversion (e.g. ``{"migrants_per_year": "thousands_per_year"}``).
    missing : str, optional
        Text shown for missing values (e.g. ``""``); the columns are then
        printed as text, each value in its own form.
    **text_options
        Passed to :meth:`pandas.DataFrame.to_string` (``max_colwidth``, ``justify``).
    """
    if title:
        print(title)
    shown = (table if columns is None else table[list(columns)]).drop(columns=list(hide))
    shown = in_units(shown, thousands, millions, billions, percent, round).rename(columns=dict(rename or {}))
    if missing is not None:  # as objects, so that nullable integer columns can hold the text too
        shown = shown.astype(object).where(shown.notna(), missing)
    print(text_table(shown, **text_options))


def figure_data(table: pd.DataFrame, name: str):
    """A download link to the data behind a figure, as CSV embedded in the report itself."""
    text = table.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return HTML(
        f'<p class="figure-data"><a download="{name}.csv" href="data:text/csv;base64,{payload}">'
        f"Download the data behind this figure ({name}.csv, {len(table):,} rows)</a></p>"
    )

