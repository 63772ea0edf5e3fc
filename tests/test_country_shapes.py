"""Country shapes for maps, read from the registered Natural Earth TopoJSON."""

from __future__ import annotations

import shutil

import pytest
from shapely.geometry import Polygon

from analysis.data import country_shapes, sources
from analysis.data.locations import load_locations


@pytest.fixture(scope="module")
def shapes(raw_dir):
    return country_shapes.load_country_shapes(raw_dir)


def test_shapes_carry_m49_codes_of_wpp_countries(shapes, processed_dir):
    assert len(shapes) == 241 and str(shapes.crs) == "EPSG:4326"
    assert list(shapes.columns) == ["m49", "name", "geometry"]
    codes = set(load_locations(processed_dir).query("kind == 'country'")["location_code"])
    coded = shapes["m49"].dropna()
    assert coded.isin(codes).mean() > 0.95  # a few shapes are areas WPP does not list (e.g. Antarctica)
    by_name = shapes.set_index("name")["m49"]
    assert by_name["Morocco"] == 504 and by_name["Cabo Verde"] == 132 and by_name["Kosovo"] == 412
    assert by_name["Somaliland"] == 706  # drawn as part of Somalia, as WPP counts it
    assert shapes["m49"].isna().sum() == 2  # Indian Ocean territories and Siachen Glacier stay uncoded


def test_no_shape_wraps_round_the_antimeridian(shapes):
    """Rings crossing 180° are cut, so no shape but Antarctica spans almost all longitudes."""
    widths = shapes.geometry.apply(lambda g: max(p.bounds[2] - p.bounds[0] for p in getattr(g, "geoms", [g])))
    wide = shapes.loc[widths > 300, "name"].tolist()
    assert wide == ["Antarctica"]
    russia = shapes.set_index("name").geometry["Russia"]
    assert russia.is_valid and russia.bounds[0] == pytest.approx(-180) and russia.bounds[2] == pytest.approx(180)
    assert shapes.set_index("name").geometry["Fiji"].is_valid
    assert shapes.total_bounds[0] >= -180 and shapes.total_bounds[2] <= 180


def test_split_keeps_the_area_of_a_crossing_polygon():
    crossing = Polygon([(170, 0), (-170, 0), (-170, 10), (170, 10)])  # 20° wide across the antimeridian
    split = country_shapes.split_at_antimeridian(crossing)
    assert split.geom_type == "MultiPolygon" and split.area == pytest.approx(20 * 10)
    assert split.bounds == pytest.approx((-180, 0, 180, 10))
    inside = Polygon([(0, 0), (10, 0), (10, 10)])
    assert country_shapes.split_at_antimeridian(inside).equals(inside)


def test_a_corrupt_shapes_file_is_refused_in_one_line(tmp_path):
    target = tmp_path / country_shapes.SHAPES_FILE
    target.parent.mkdir(parents=True)
    target.write_text('{"type": "Topology", "objects": ', encoding="utf-8")
    with pytest.raises(country_shapes.ShapesError, match="cannot be read .* run `make data`") as error:
        country_shapes.load_country_shapes(tmp_path)
    assert "\n" not in str(error.value)
    shutil.rmtree(tmp_path / "world-atlas")
    with pytest.raises(sources.DataFetchError, match="is missing: run `make data`"):
        country_shapes.load_country_shapes(tmp_path)
