"""Loading a county: aliases, CRS, coordinates, geometry and cross-layer checks."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import LineString, Point, Polygon

from roadnet.county import inspect_county, load_county
from roadnet.errors import ConfigError, MissingLayerError, ReadError, ValidationError
from roadnet.io.atomic import write_geopackage
from tests import countyfixture


def _errors(problems):
    return [p for p in problems if p.severity == "error"]


def test_tiny_county_loads_with_aliases(tmp_path):
    county = load_county(countyfixture.write_county(tmp_path))
    assert county.name == "测试县"
    assert county.crs.to_epsg() == 4546
    villages = county.layer("villages")
    assert list(villages["id"])[:2] == ["150125100201", "150125100202"]
    assert list(villages["kind"]) == ["administrative"] * 3 + ["natural", "administrative"]
    assert list(villages["population"].astype("float").fillna(-1)) == [1200, 800, 450, 120, -1]
    assert list(villages["seat"]) == [True, False, False, False, False]
    # townships named by name are resolved to ids
    assert set(villages["township"]) == {"150125100", "150125200"}
    roads = county.layer("roads")
    assert list(roads["class"]) == ["county", "township", "village"]
    assert list(roads["surface"]) == ["paved", "gravel", "earth"]
    lines = county.layer("bus_lines")
    assert lines.at[0, "stops"] == ["S1", "S2"]  # a unique stop name is turned into its id
    assert list(county.layer("fleet")["id"]) == ["蒙A·00001"]
    # metres in the Gauss-Krüger zone: R1 is 16 km long (built as 16/84° at 41°N ≈ 15.9 km)
    geod = pyproj.Geod(ellps="GRS80")
    expected = geod.geometry_length(countyfixture.layers()["roads"].geometry[0])
    assert roads.geometry[0].length == pytest.approx(expected, rel=1e-3)


def test_missing_layer_names_the_section(tmp_path):
    county = load_county(countyfixture.write_county(tmp_path))
    with pytest.raises(MissingLayerError, match=r"\[layers.parcels\]"):
        county.layer("parcels", purpose="siting")


def test_only_requested_layers_are_read(tmp_path):
    county = load_county(countyfixture.write_county(tmp_path), layers=["roads"])
    assert set(county.layers) == {"roads"}


def test_geopackage_with_standard_names_is_a_county(tmp_path):
    layers = countyfixture.layers()
    layers["townships"] = layers.pop("乡镇")
    write_geopackage(tmp_path / "c.gpkg", layers)
    county = load_county(tmp_path / "c.gpkg")
    assert {"townships", "villages", "roads", "bus_stops", "bus_lines", "fleet"} <= set(
        county.layers
    )


def _rewrite(tmp_path, layer, frame):
    layers = countyfixture.layers()
    layers[layer] = frame
    write_geopackage(tmp_path / "tiny.gpkg", layers)


def test_missing_required_field_lists_aliases(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    villages = countyfixture.layers()["villages"].drop(columns=["村名"])
    _rewrite(tmp_path, "villages", villages)
    with pytest.raises(ValidationError) as info:
        load_county(toml)
    text = str(info.value)
    assert "villages" in text and "'name'" in text and "村庄名称" in text


def test_township_taken_from_location_when_absent(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    villages = countyfixture.layers()["villages"].drop(columns=["所属乡镇"])
    _rewrite(tmp_path, "villages", villages)
    county, problems = inspect_county(toml)
    assert county is not None and not _errors(problems)
    expected = ["150125100", "150125100", "150125200", "150125200", "150125200"]
    assert list(county.layer("villages")["township"]) == expected
    assert any("by location" in p.message for p in problems)


def test_all_problems_reported_at_once(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    v = layers["villages"]
    v.loc[1, "村编码"] = v.loc[0, "村编码"]  # duplicate id
    v.loc[2, "所属乡镇"] = "不存在乡"  # unknown township
    v.loc[3, "类型"] = "城市"  # unknown kind
    layers["bus_lines"].loc[0, "stops"] = "S1,S9"  # unknown stop
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    _, problems = inspect_county(toml)
    messages = "\n".join(str(p) for p in _errors(problems))
    assert "used more than once" in messages
    assert "不存在乡" in messages
    assert "'城市'" in messages and "administrative" in messages
    assert "S9" in messages
    assert len(_errors(problems)) == 4


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_layer_without_crs(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    roads = countyfixture.layers()["roads"].set_crs(None, allow_override=True)
    _rewrite(tmp_path, "roads", roads)
    _, problems = inspect_county(toml)
    (error,) = _errors(problems)
    assert error.layer == "roads" and "no CRS" in error.message and "crs = 4490" in error.message
    # stating it in county.toml fixes it
    toml.write_text(toml.read_text().replace('layer = "roads"', 'layer = "roads"\ncrs = 4490'))
    assert load_county(toml).layer("roads").crs.to_epsg() == 4546


def test_swapped_coordinates(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    villages = countyfixture.layers()["villages"]
    villages = villages.set_geometry([Point(p.y, p.x) for p in villages.geometry], crs=4490)
    _rewrite(tmp_path, "villages", villages)
    _, problems = inspect_county(toml)
    assert any(
        "swapped" in p.message or "(latitude, longitude)" in p.message
        for p in _errors(problems)
        if p.layer == "villages"
    )


def test_projected_numbers_declared_geographic(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    villages = countyfixture.layers()["villages"].to_crs(4525)  # GK zone 37 with prefix
    villages = villages.set_crs(4490, allow_override=True)
    _rewrite(tmp_path, "villages", villages)
    _, problems = inspect_county(toml)
    (error,) = [p for p in _errors(problems) if p.layer == "villages"]
    assert "zone prefix 37" in error.message and "4525" in error.message


def test_gauss_kruger_zone_prefix_in_projected_layer(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    roads = countyfixture.layers()["roads"].to_crs(4525).set_crs(4546, allow_override=True)
    _rewrite(tmp_path, "roads", roads)
    _, problems = inspect_county(toml)
    (error,) = [p for p in _errors(problems) if p.layer == "roads"]
    assert "zone prefix 37" in error.message and "EPSG:4525" in error.message


def test_invalid_geometry_counted_and_repaired(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    townships = countyfixture.layers()["乡镇"]
    x0, y0, x1, y1 = townships.geometry[1].bounds
    bowtie = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    townships = townships.set_geometry([townships.geometry[0], bowtie], crs=4490)
    write_geopackage(tmp_path / "tiny.gpkg", {**countyfixture.layers(), "乡镇": townships})
    _, problems = inspect_county(toml)
    (error,) = [p for p in _errors(problems) if p.layer == "townships"]
    assert "1 invalid" in error.message and "150125200" in error.message
    county, problems = inspect_county(toml, repair=True)
    assert not [p for p in _errors(problems) if p.layer == "townships"]
    assert county is not None and county.layer("townships").geometry.is_valid.all()


def test_empty_layer_and_wrong_geometry_type(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    layers["roads"] = gpd.GeoDataFrame(
        {"id": ["R1"]}, geometry=[Point(countyfixture._at(0, 0))], crs=4490
    )
    layers["bus_stops"] = layers["bus_stops"].iloc[:0]
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    _, problems = inspect_county(toml)
    text = "\n".join(str(p) for p in _errors(problems))
    assert "Points but this layer holds lines" in text
    assert "layer 'bus_stops'" in text and "empty" in text


def test_csv_villages_in_gcj02(tmp_path):
    """Villages picked from a Chinese web map are moved back onto WGS-84."""
    from roadnet.chinacoords import wgs84_to_gcj02

    toml = countyfixture.write_county(tmp_path)
    true = countyfixture.layers()["villages"]
    glon, glat = wgs84_to_gcj02(true.geometry.x.to_numpy(), true.geometry.y.to_numpy())
    table = pd.DataFrame(
        {
            "村名": true["村名"],
            "村编码": true["村编码"],
            "乡镇": true["所属乡镇"],
            "经度": glon,
            "纬度": glat,
        }
    )
    table.to_csv(tmp_path / "村庄.csv", index=False, encoding="gb18030")
    text = toml.read_text(encoding="utf-8").replace(
        'path = "tiny.gpkg"\nlayer = "villages"', 'path = "村庄.csv"\ncoords = "GCJ-02"'
    )
    toml.write_text(text, encoding="utf-8")
    county, problems = inspect_county(toml)
    assert county is not None
    assert any("GB18030" in p.message for p in problems)
    assert county.quality.get("encoding_guessed_villages").rule == "GB18030"
    got = county.layer("villages").to_crs(4326)
    geod = pyproj.Geod(ellps="WGS84")
    _, _, dist = geod.inv(got.geometry.x, got.geometry.y, true.geometry.x, true.geometry.y)
    assert max(dist) < 1.0
    _, _, offset = geod.inv(glon, glat, true.geometry.x, true.geometry.y)
    assert min(offset) > 200  # the shift really was there


def test_gbk_shapefile_without_cpg(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    townships = countyfixture.layers()["乡镇"].rename(
        columns={"乡镇代码": "XZQDM", "乡镇名称": "XZQMC", "人口": "RK"}
    )
    townships.to_file(tmp_path / "乡镇.shp", encoding="GBK", engine="pyogrio")
    (tmp_path / "乡镇.cpg").unlink(missing_ok=True)
    text = toml.read_text(encoding="utf-8").replace(
        'path = "tiny.gpkg"\nlayer = "乡镇"',
        'path = "乡镇.shp"\nfields = { id = "XZQDM", name = "XZQMC" }',
    )
    toml.write_text(text, encoding="utf-8")
    county, problems = inspect_county(toml)
    assert county is not None
    assert list(county.layer("townships")["name"]) == ["城关镇", "东乡"]
    assert any("GB18030" in p.message and "no .cpg" in p.message for p in problems)
    assert "it has no .cpg" in county.quality.get("encoding_guessed_townships").text_en


def test_unknown_layer_and_key_in_toml(tmp_path):
    toml = tmp_path / "county.toml"
    toml.write_text('[layers.vilages]\npath = "x.gpkg"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'villages'"):
        load_county(toml)
    toml.write_text('[layers.villages]\npath = "x.gpkg"\nencodng = "GBK"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'encoding'"):
        load_county(toml)
    toml.write_text('name = "x\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_county(toml)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.gpkg", b"SQLite format 3\x00" + b"\x00" * 200),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [ {"type": '),
        ("broken.shp", b"\x00\x00\x27\x0a" + b"\x00" * 50),
        ("broken.csv", b"\xff\xfe\x00garbage\x00\x00"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_corrupted_files_raise_read_error(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "county.toml").write_text(f'[layers.villages]\npath = "{name}"\n', encoding="utf-8")
    with pytest.raises(ReadError, match=name.replace(".", r"\.")):
        load_county(tmp_path / "county.toml")


def test_missing_file_names_layer(tmp_path):
    (tmp_path / "county.toml").write_text('[layers.roads]\npath = "nope.shp"\n', encoding="utf-8")
    with pytest.raises(ReadError, match=r"nope\.shp.*roads"):
        load_county(tmp_path)


def test_inputs_not_mutated(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    before = (tmp_path / "tiny.gpkg").read_bytes()
    load_county(toml)
    assert (tmp_path / "tiny.gpkg").read_bytes() == before


def test_far_layer_is_an_error(tmp_path):
    # issue 12: a layer hundreds of km from the county is an error (it was a warning)
    toml = countyfixture.write_county(tmp_path)
    stops = countyfixture.layers()["bus_stops"]
    stops = stops.set_geometry(stops.geometry.translate(xoff=5.0), crs=4490)
    _rewrite(tmp_path, "bus_stops", stops)
    _, problems = inspect_county(toml)
    far = [p for p in problems if p.layer == "bus_stops" and "km from the other" in p.message]
    assert [p.severity for p in far] == ["error"]
    with pytest.raises(ValidationError, match="km from the other layers"):
        load_county(toml)


def test_lines_as_multilinestring_and_village_polygons(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    villages = countyfixture.layers()["villages"]
    villages = villages.set_geometry(shapely.buffer(villages.geometry.to_numpy(), 0.001), crs=4490)
    _rewrite(tmp_path, "villages", villages)
    county = load_county(toml)
    assert (county.layer("villages").geom_type == "Point").all()


def test_line_stops_accept_lists():
    from roadnet.schema import SCHEMAS, normalize_layer

    frame = pd.DataFrame(
        {"id": ["L1", "L2"], "name": ["a", "b"], "stops": ["S1，S2、S3", "S4;S5|S6"]}
    )
    out = normalize_layer(frame, SCHEMAS["bus_lines"])
    assert list(out.frame["stops"]) == [["S1", "S2", "S3"], ["S4", "S5", "S6"]]
    assert not out.problems


def test_road_class_from_route_code_and_osm():
    from roadnet.schema import derive_road_class

    frame = pd.DataFrame(
        {
            "class": [None, "county", None, None],
            "route_code": ["G208", "Y001", "x012150121", None],
            "highway": [None, None, None, "tertiary_link"],
        }
    )
    assert list(derive_road_class(frame)) == ["national", "county", "county", "township"]


def test_line_geometry_helper_unused():
    # LineString import used by fixtures; keep ruff quiet about unused names in this module
    assert LineString([(0, 0), (1, 1)]).length > 0


def test_excel_villages_and_projected_csv_stops(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    true = countyfixture.layers()["villages"]
    table = pd.DataFrame(
        {
            "村名": true["村名"],
            "村编码": true["村编码"],
            "类型": true["类型"],
            "lng": true.geometry.x,
            "latitude": true.geometry.y,
        }
    )
    table.to_excel(tmp_path / "村庄.xlsx", index=False, sheet_name="村庄")
    stops = countyfixture.layers()["bus_stops"].to_crs(4546)
    pd.DataFrame(
        {"id": stops["id"], "站名": stops["name"], "x": stops.geometry.x, "y": stops.geometry.y}
    ).to_csv(tmp_path / "stops.csv", index=False)
    text = toml.read_text(encoding="utf-8")
    text = text.replace(
        'path = "tiny.gpkg"\nlayer = "villages"', 'path = "村庄.xlsx"\nsheet = "村庄"'
    ).replace('path = "tiny.gpkg"\nlayer = "bus_stops"', 'path = "stops.csv"\ncrs = 4546')
    toml.write_text(text, encoding="utf-8")
    county = load_county(toml)
    villages = county.layer("villages")
    assert list(villages["name"]) == list(true["村名"])
    assert set(villages["township"]) == {"150125100", "150125200"}  # by location
    moved = county.layer("bus_stops").geometry.distance(stops.geometry.reset_index(drop=True))
    assert moved.max() < 0.01


def test_blank_alternatives_are_not_duplicate_ids(tmp_path):
    from shapely import LineString as Line

    toml = countyfixture.write_county(tmp_path)
    projects = gpd.GeoDataFrame(
        {
            "id": ["P1", "P2", "P3", "P3"],
            "name": ["a", "b", "c1", "c2"],
            "kind": ["repair"] * 4,
            "alternative": [None, None, "A", "B"],
        },
        geometry=[Line([countyfixture._at(0, 0), countyfixture._at(1, 0)])] * 4,
        crs=4490,
    )
    write_geopackage(tmp_path / "p.gpkg", {"projects": projects})
    with toml.open("a", encoding="utf-8") as handle:
        handle.write('\n[layers.projects]\npath = "p.gpkg"\n')
    assert len(load_county(toml).layer("projects")) == 4
    projects.loc[1, "id"] = "P1"
    write_geopackage(tmp_path / "p.gpkg", {"projects": projects})
    _, problems = inspect_county(toml)
    assert any("used more than once" in p.message for p in _errors(problems))
