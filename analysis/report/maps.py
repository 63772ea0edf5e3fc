"""Choropleth maps of the reports, on Natural Earth's 1:50 million country shapes.

The shapes are read once by :func:`analysis.data.country_shapes.load_country_shapes`
(M49 codes, cut at the antimeridian); values are joined to them by M49 code.
Every map has a classed legend with its units, and a source line that names the
data's source, the shapes', and how the shapes that are not a WPP country of
their own are drawn:

* shapes without an ISO code of their own (Somaliland, Northern Cyprus,
  Kosovo) take the code of the WPP location that includes them
  (``country_shapes.UNCODED_SHAPES``) and are drawn with it;
* WPP locations without a shape at this scale (Réunion and Mayotte are part of
  France's shape in Natural Earth) are named in the note, and their land is
  drawn without data;
* islands smaller than ``SMALL_AREA_KM2`` get a circle in their class's colour
  and their name, so that Cabo Verde, Comoros, Mauritius, São Tomé and
  Príncipe, Seychelles and Saint Helena can be read.

Maps are drawn in an equal-area projection (Lambert azimuthal equal-area
centred on the places shown; Equal Earth for a world map), so that areas
compare honestly.  Colours come from :mod:`analysis.report.palette`.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Iterable, Sequence

import geopandas
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib import colors as mcolors
from matplotlib.cm import ScalarMappable
from shapely.geometry import box

from analysis.data import country_shapes
from analysis.report import palette
from analysis.report.plotting import PARTNERSHIP_SOURCE_NOTE, source_note

SHAPES_NOTE = "Country shapes: Natural Earth 1:50 million (world-atlas 2.0.2)."
#: Islands and countries smaller than this (km², in the equal-area projection) are marked with a circle.
SMALL_AREA_KM2 = 5_000.0
#: Degrees of longitude and latitude added around the places shown: a share of their extent, within bounds.
PADDING_SHARE, PADDING_DEGREES, MIN_PADDING_DEGREES = 0.06, 6.0, 1.5
#: Maps of a location wider than this (height over width) are stacked rather than set side by side.
STACK_BELOW_ASPECT = 0.75
WORLD_EXTENT = (-180.0, -58.0, 180.0, 84.0)
EQUAL_EARTH = "EPSG:8857"
UNITS = {"persons": 1.0, "thousands": 1e3, "millions": 1e6, "billions": 1e9}


def class_breaks(values: Iterable[float], classes: int = 6) -> list[float]:
    """Boundaries of a classed legend: quantiles rounded to two significant digits.

    Parameters
    ----------
    values : iterable of float
        The mapped values (finite; NaN are left out).
    classes : int
        The number of classes wanted; fewer when values repeat.

    Returns
    -------
    list of float
        Increasing boundaries, the first at or below the smallest value and the
        last at or above the largest; 0 is a boundary when values have both
        signs, so that no class mixes falls and rises.  A single value gets one
        class around it.
    """
    data = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if data.size == 0:
        raise ValueError("no finite values to classify")
    low, high = float(data.min()), float(data.max())
    if low == high:  # one value (a map of one country): one class around it
        half = abs(low) / 2 or 1.0
        return [_nice(low - half, "down"), _nice(high + half, "up")]
    classes = min(classes, max(2, data.size // 3))  # about three places a class at least
    inner = np.quantile(data, np.linspace(0, 1, classes + 1)[1:-1])
    bounds = {_nice(low, "down"), _nice(high, "up"), *(_nice(q, "nearest") for q in inner)}
    if low < 0 < high:
        bounds.add(0.0)
    ordered = sorted(b for b in bounds if _nice(low, "down") <= b <= _nice(high, "up"))
    return ordered


def _nice(value: float, direction: str) -> float:
    """``value`` rounded to two significant digits: down, up or to the nearest."""
    if value == 0:
        return 0.0
    exponent = math.floor(math.log10(abs(value))) - 1
    rounding = {"down": math.floor, "up": math.ceil, "nearest": round}[direction]
    return float(round(rounding(value / 10.0 ** exponent) * 10.0 ** exponent, max(0, -exponent)))


def class_colours(breaks: Sequence[float]) -> list[str]:
    """One colour per class: the diverging map's red side for classes below 0, its blue side for the others.

    Every map uses the same two sides, so a fall is red and a rise or an amount
    blue in all of them; the darkest colour is the largest size.
    """
    negative = sum(1 for b in breaks[:-1] if b < 0)
    positive = len(breaks) - 1 - negative
    diverging = plt.get_cmap(palette.DIVERGING_MAP)
    return ([mcolors.to_hex(diverging(x)) for x in np.linspace(0.05, 0.35, negative)]
            + [mcolors.to_hex(diverging(x)) for x in np.linspace(0.65, 0.97, positive)])


def _projection(extent: tuple[float, float, float, float]) -> str:
    west, south, east, north = extent
    if east - west > 180:
        return EQUAL_EARTH
    return f"+proj=laea +lat_0={(south + north) / 2:.1f} +lon_0={(west + east) / 2:.1f} +datum=WGS84 +units=m"


def _extent(shapes: geopandas.GeoDataFrame) -> tuple[float, float, float, float]:
    """Longitudes and latitudes around each place's largest piece of land (remote islets do not stretch the map)."""
    pieces = shapes[["m49", "geometry"]].explode(index_parts=False)
    pieces = pieces.assign(size=shapely.area(np.asarray(pieces.geometry))).sort_values("size").groupby("m49").tail(1)
    west, south, east, north = pieces.total_bounds
    if east - west > 180:
        return WORLD_EXTENT
    pad = min(PADDING_DEGREES, max(MIN_PADDING_DEGREES, PADDING_SHARE * max(east - west, north - south)))
    return (max(west - pad, -180.0), max(south - pad, -89.0), min(east + pad, 180.0), min(north + pad, 89.0))


def _clipped(shapes: geopandas.GeoDataFrame, extent: tuple[float, float, float, float]) -> geopandas.GeoDataFrame:
    """The shapes cut to a longitude–latitude box (so that projecting them leaves nothing at infinity)."""
    frame = box(*extent)
    inside = shapes[shapes.intersects(frame)].copy()
    inside["geometry"] = inside.geometry.intersection(frame)
    return inside[~inside.geometry.is_empty]


def _format(value: float, decimals: int, signed: bool = False) -> str:
    """A legend boundary with at most ``decimals`` decimals, trailing zeros dropped; with ``signed``, ``+90`` and ``−10``."""
    text = f"{value:{'+' if signed and value != 0 else ''},.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace("-", "−")


def shapes_note(codes: Iterable[int], names: dict[int, str], shapes: geopandas.GeoDataFrame) -> str:
    """How the shapes of the places shown are drawn: the shapes without a code of their own, and places without a shape.

    Parameters
    ----------
    codes : iterable of int
        M49 codes of the places mapped.
    names : {code: name}
        Their names, for the places without a shape.
    shapes : GeoDataFrame
        :func:`analysis.data.country_shapes.load_country_shapes`.
    """
    codes = set(int(code) for code in codes)
    parts = []
    for shape, code in country_shapes.UNCODED_SHAPES.items():
        if code in codes:
            parent = shapes.loc[(shapes["m49"] == code) & (shapes["name"] != shape), "name"]
            if len(parent):
                parts.append(f"{shape} is drawn as part of {parent.iloc[0]}, as WPP counts it")
            else:
                parts.append(f"{shape}, without an ISO code in Natural Earth, is drawn with WPP's figures for "
                             f"{names.get(code, code)}")
    drawn = set(shapes["m49"].dropna().astype(int))
    missing = sorted(names.get(code, str(code)) for code in codes - drawn)
    if missing:
        parts.append(f"{', '.join(missing)}: no shape of {'their' if len(missing) > 1 else 'its'} own in Natural "
                     "Earth at this scale, so not coloured")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:] if parts else ""


def choropleth(
    table: pd.DataFrame,
    value: str,
    title: str,
    units: str,
    source: str,
    ax=None,
    code: str = "location_code",
    label: str = "location",
    scale: str | float = 1.0,
    decimals: int = 2,
    classes: int = 6,
    shapes: geopandas.GeoDataFrame | None = None,
    note: bool = True,
    raw_dir: Path | None = None,
    signed: bool = False,
):
    """A classed choropleth of one value per country, with its legend, units and source line.

    Parameters
    ----------
    table : DataFrame
        One row per country: ``<code>`` (M49), ``<label>`` (name) and ``<value>``.
    value : str
        The column mapped (in the table's units, e.g. persons).
    title : str
        The map's title.
    units : str
        The legend's label (e.g. ``"millions"``, ``"% of 2025"``).
    source : str
        The data's source, printed with the shapes' source and :func:`shapes_note`.
    scale : {"persons", "thousands", "millions", "billions"} or float
        Values are divided by it for the legend (e.g. ``"millions"``).
    decimals : int
        Most decimals of the legend's boundaries (trailing zeros are dropped).
    shapes : GeoDataFrame, optional
        Country shapes (read with :func:`country_shapes.load_country_shapes` from ``raw_dir`` by default).
    note : bool
        Print the source line under the figure (see :func:`map_note`); ``False``
        when a figure of several maps prints one for all.
    signed : bool
        The values are changes: the legend's boundaries carry their sign
        (``−10``, ``0``, ``+90``), so that 0 reads as no change.

    Returns
    -------
    Axes
    """
    shapes = country_shapes.load_country_shapes(raw_dir) if shapes is None else shapes
    divisor = UNITS[scale] if isinstance(scale, str) else float(scale)
    values = table[[code, label, value]].dropna(subset=[value])
    values = values.assign(**{code: values[code].astype(int), "shown": values[value].astype(float) / divisor})
    mapped = shapes.dropna(subset=["m49"]).merge(values, left_on="m49", right_on=code, how="inner")
    if mapped.empty:
        raise ValueError(f"none of the {len(values)} places of the map has a shape")
    extent = _extent(mapped)
    projection = _projection(extent)
    land = _clipped(shapes, extent).to_crs(projection)
    mapped = mapped.to_crs(projection)

    breaks = class_breaks(mapped["shown"])
    fills = class_colours(breaks)
    cmap = mcolors.ListedColormap(fills)
    norm = mcolors.BoundaryNorm(breaks, cmap.N)

    frame = geopandas.GeoSeries([box(*extent).segmentize(1.0)], crs="EPSG:4326").to_crs(projection)
    west, south, east, north = frame.total_bounds
    ax = ax or plt.subplots(figsize=(9, 1.5 + 8 * aspect(values, shapes, code)))[1]
    land.plot(ax=ax, color=palette.NEUTRAL["no_data"], edgecolor=palette.NEUTRAL["edge"], linewidth=0.3)
    mapped.plot(ax=ax, color=[cmap(norm(v)) for v in mapped["shown"]], edgecolor=palette.NEUTRAL["edge"],
                linewidth=0.4)
    area = mapped.dissolve(by="m49", aggfunc="first")
    small = area[area.area / 1e6 < SMALL_AREA_KM2]
    middle = (west + east) / 2
    for row in small.itertuples():
        point = row.geometry.representative_point()
        ax.scatter([point.x], [point.y], s=55, color=cmap(norm(row.shown)), edgecolor=palette.NEUTRAL["outline"],
                   linewidth=0.8, zorder=3)
        # islands lie off a coast: the name goes on the sea side, away from the middle of the map
        outward = -1 if point.x < middle else 1
        ax.annotate(getattr(row, label), (point.x, point.y), xytext=(6 * outward, 3), textcoords="offset points",
                    fontsize=7, color=palette.NEUTRAL["outline"], ha="right" if outward < 0 else "left", va="bottom",
                    zorder=4)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title)
    bar = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal", fraction=0.04,
                             pad=0.02, spacing="uniform", ticks=breaks, shrink=0.8)
    bar.ax.set_xticklabels([_format(b, decimals, signed) for b in breaks], fontsize=8)
    bar.set_label(units)
    if note:
        source_note(ax.figure, map_note(values, source, shapes, code, label), y=-0.04)
    return ax


def map_note(table: pd.DataFrame, source: str, shapes: geopandas.GeoDataFrame, code: str = "location_code",
             label: str = "location", width: int = 170) -> str:
    """The source line of a map: the data's source, the shapes', how shapes are drawn and the island circles."""
    names = dict(zip(table[code].astype(int), table[label]))
    text = " ".join(part for part in (
        source, SHAPES_NOTE, shapes_note(names, names, shapes),
        f"Circles mark places smaller than {SMALL_AREA_KM2:,.0f} km²; equal-area projection.") if part)
    return textwrap.fill(text, width)


def aspect(table: pd.DataFrame, shapes: geopandas.GeoDataFrame, code: str = "location_code") -> float:
    """Height over width of the map of a table's places (between 0.4 and 1.2), to size its figure."""
    mapped = shapes[shapes["m49"].isin(table[code].astype(int))]
    if mapped.empty:
        return 1.0
    extent = _extent(mapped)
    frame = geopandas.GeoSeries([box(*extent).segmentize(1.0)], crs="EPSG:4326").to_crs(_projection(extent))
    west, south, east, north = frame.total_bounds
    return min(1.2, max(0.4, (north - south) / (east - west)))


def change_maps(table: pd.DataFrame, title: str, source: str, base_year: int, target_year: int,
                scale: str = "millions", decimals: int = 2, code: str = "location_code", label: str = "location",
                shapes: geopandas.GeoDataFrame | None = None, raw_dir: Path | None = None):
    """Two maps of each country's change between two years: in persons (``scale``) and in percent of the base year.

    Both legends are changes with signed boundaries: ``+1.5`` million, ``+90`` %
    (0 = unchanged; Nigeria's +177 % is 2.77 times its base-year level).

    Parameters
    ----------
    table : DataFrame
        One row per country: ``<code>, <label>, change`` (persons) and
        ``percent_change`` (percent of the base year), e.g.
        :func:`analysis.study.indicators.country_contributions`.
    title : str
        What changes (e.g. ``"Population aged 15-64"``); the years are added.
    raw_dir : Path, optional
        Folder of the raw files, where the shapes are read (``data/raw`` by default).
    """
    shapes = country_shapes.load_country_shapes(raw_dir) if shapes is None else shapes
    height = aspect(table, shapes, code)
    if height < STACK_BELOW_ASPECT:  # a wide location (ECOWAS): one map above the other, each the full width
        fig, axes = plt.subplots(2, 1, figsize=(12, 2 * (1.6 + 11 * height)))
    else:
        fig, axes = plt.subplots(1, 2, figsize=(15, 1.5 + 7 * height))
    choropleth(table, "change", f"{title}: change {base_year}–{target_year}",
               f"change {base_year}–{target_year}, {scale} (0 = unchanged)", source, ax=axes[0], code=code,
               label=label, scale=scale, decimals=decimals, shapes=shapes, note=False, signed=True)
    choropleth(table, "percent_change", f"{title}: change {base_year}–{target_year} in %",
               f"change in % of the {base_year} level (0 = unchanged)", source, ax=axes[1], code=code, label=label,
               shapes=shapes, note=False, signed=True)
    fig.subplots_adjust(wspace=0.05, hspace=0.25)
    source_note(fig, map_note(table, source, shapes, code, label), y=-0.04)
    return fig


# ---------------------------------------------------------------- the partnership dataset
def partnership_map(shapes: geopandas.GeoDataFrame, columns: Sequence[str] = ("as_origin", "as_destination"),
                    titles: Sequence[str] = ("countries of origin", "countries of destination")):
    """World maps of partnerships per country, one panel per column; countries without any drawn as land without data.

    Parameters
    ----------
    shapes : GeoDataFrame
        Country shapes with one count column per panel (see
        :func:`analysis.study.partnerships.summaries.map_table`).
    """
    fig, axes = plt.subplots(len(columns), 1, figsize=(12, 5 * len(columns)), squeeze=False)
    projected = _clipped(shapes, WORLD_EXTENT).to_crs(EQUAL_EARTH)
    for ax, column, title in zip(axes[:, 0], columns, titles):
        projected.plot(ax=ax, color=palette.NEUTRAL["no_data"], edgecolor=palette.NEUTRAL["edge"], linewidth=0.3)
        some = projected[projected[column] > 0]
        some.plot(ax=ax, column=column, cmap=palette.SEQUENTIAL_MAP, edgecolor=palette.NEUTRAL["outline"],
                  linewidth=0.3, legend=True, vmin=0,
                  legend_kwds={"label": "partnerships", "shrink": 0.6})
        ax.set_title(f"Partnerships by {title}")
        ax.set_axis_off()
    fig.tight_layout()
    source_note(fig, f"{PARTNERSHIP_SOURCE_NOTE} {SHAPES_NOTE} Equal Earth projection.", y=0.0)
    return fig
