"""Country shapes for maps: Natural Earth at 1:50 million (world-atlas 2.0.2, TopoJSON).

The registered raw file ``world-atlas/countries-50m.json`` holds 241 shapes
in longitude/latitude, each with ``id`` (the ISO 3166 numeric code as a
zero-padded string, which is the M49 code for countries) and ``name``.  Five
shapes have no ``id``; three are given the M49 code of the WPP location they
belong to (``UNCODED_SHAPES``) and two (Indian Ocean territories, Siachen
Glacier) stay without a code, so they are drawn as land without data.
"""

from __future__ import annotations

from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import shapely
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon, box

from analysis.data.sources import raw_path
from analysis.errors import DataError

SHAPES_FILE = "world-atlas/countries-50m.json"
#: Shapes without an ``id`` and the M49 code of the WPP location that includes them.
UNCODED_SHAPES = {
    "Somaliland": 706,  # within Somalia in WPP 2024
    "N. Cyprus": 196,   # within Cyprus in WPP 2024
    "Kosovo": 412,      # WPP 2024's "Kosovo (under UNSC res. 1244)"
}


class ShapesError(DataError):
    """The country shapes cannot be read or are not what the registry says."""


def _split_polygon(polygon: Polygon) -> Polygon | MultiPolygon:
    exterior = np.asarray(polygon.exterior.coords)
    longitudes = np.unwrap(exterior[:, 0], period=360.0)
    if abs(longitudes[-1] - longitudes[0]) > 1e-6 or (longitudes.min() >= -180.0 and longitudes.max() <= 180.0):
        return polygon  # inside -180..180 already, or a ring around a pole (Antarctica): left as it is
    centre = longitudes.mean()
    holes = []
    for ring in polygon.interiors:
        coords = np.asarray(ring.coords)
        hole = np.unwrap(coords[:, 0], period=360.0)
        holes.append(np.c_[hole - 360.0 * np.round((hole.mean() - centre) / 360.0), coords[:, 1]])
    unwrapped = shapely.make_valid(Polygon(np.c_[longitudes, exterior[:, 1]], holes))
    pieces = [translate(unwrapped.intersection(box(west, -90.0, west + 360.0, 90.0)), xoff=-west - 180.0)
              for west in (-540.0, -180.0, 180.0)]
    return shapely.unary_union([piece for piece in pieces if not piece.is_empty])


def split_at_antimeridian(geometry):
    """The geometry with every polygon that crosses the antimeridian cut into pieces within -180..180 degrees."""
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [_split_polygon(part) for part in getattr(geometry, "geoms", [geometry])]
    polygons = [poly for part in parts for poly in getattr(part, "geoms", [part]) if poly.geom_type == "Polygon"]
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def load_country_shapes(raw_dir: Path | None = None) -> geopandas.GeoDataFrame:
    """Country shapes with their M49 codes.

    Parameters
    ----------
    raw_dir : Path, optional
        Folder of the raw files (default ``data/raw``).

    Returns
    -------
    GeoDataFrame
        ``m49`` (``Int64``; missing for the two uncoded shapes), ``name``,
        ``geometry`` in EPSG:4326.

    Raises
    ------
    ShapesError
        If the file cannot be read, lacks the layer ``countries`` or its
        columns, or a code is not a number.
    """
    path = raw_path(SHAPES_FILE, raw_dir)
    try:
        shapes = geopandas.read_file(path, layer="countries")
    except Exception as error:  # pyogrio raises several types for a corrupt file
        raise ShapesError(f"country shapes {path} cannot be read ({type(error).__name__}): run `make data` to "
                          "fetch and verify them again") from None
    if not {"id", "name", "geometry"} <= set(shapes.columns) or shapes.empty:
        raise ShapesError(f"country shapes {path} lack the columns id, name and geometry: run `make data`")
    codes = pd.to_numeric(shapes["id"], errors="coerce")
    if (codes.isna() & shapes["id"].notna()).any():
        raise ShapesError(f"country shapes {path} have ids that are not numeric codes: run `make data`")
    codes = codes.fillna(shapes["name"].map(UNCODED_SHAPES)).astype("Int64")
    geometry = shapes.geometry.map(split_at_antimeridian)
    return geopandas.GeoDataFrame({"m49": codes, "name": shapes["name"]}, geometry=geometry, crs="EPSG:4326")
