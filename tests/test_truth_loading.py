"""Issue 12 on the loading path: real files read truthfully, or refused with the fix.

Each test writes the small file it needs (or cuts one from ../shared/realdata) and checks
the stated result, the exit code and the message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import LineString, Point, Polygon, box

from roadnet.cli import main
from roadnet.county import inspect_county, load_county
from roadnet.errors import ConfigError, ValidationError
from roadnet.io.atomic import write_geopackage
from tests import countyfixture

# A Gauss-Krüger zone 37 (CM 111°E) neighbourhood for hand-built metric layers.
GK = 4546
X0, Y0 = 500_000.0, 4_540_000.0


def _errors(problems):
    return [p for p in problems if p.severity == "error"]


def _toml(folder: Path, text: str, name: str = "county.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _validate_json(capsys, *args: str) -> tuple[int, dict, str]:
    out = Path(args[0]).parent / "validate.json" if args else Path("validate.json")
    code = main(["validate", *args, "--json", str(out)])
    printed = capsys.readouterr()
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return code, report, printed.out + printed.err


# --------------------------------------------------------------------------- item 7


def test_default_county_is_looked_for_in_the_current_folder_first(tmp_path, monkeypatch, capsys):
    here = tmp_path / "here"
    countyfixture.write_county(here)
    monkeypatch.chdir(here)
    assert main(["validate"]) == 0
    printed = capsys.readouterr()
    assert "roadnet: county: ./county.toml" in printed.err
    assert "测试县" in printed.out

    # both present: ./county.toml wins; layers/county.toml is the fallback
    countyfixture.write_county(here / "layers")
    (here / "layers" / "county.toml").write_text(
        (here / "layers" / "county.toml").read_text("utf-8").replace("测试县", "下层县"), "utf-8"
    )
    assert main(["validate"]) == 0
    assert "roadnet: county: ./county.toml" in capsys.readouterr().err
    (here / "county.toml").unlink()
    assert main(["validate"]) == 0
    printed = capsys.readouterr()
    assert "roadnet: county: layers/county.toml" in printed.err
    assert "下层县" in printed.out


def test_default_county_for_every_command(tmp_path, monkeypatch, capsys):
    countyfixture.write_county(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "cov.json"
    assert main(["coverage", "--json", str(out)]) == 0
    assert json.loads(out.read_text("utf-8"))["summary"]["villages_total"] >= 1
    assert "roadnet: county: ./county.toml" in capsys.readouterr().err


def test_an_explicit_county_is_used_as_given(tmp_path, monkeypatch, capsys):
    countyfixture.write_county(tmp_path / "layers")
    (tmp_path / "county.toml").write_text("this is not toml = = =", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "layers/county.toml"]) == 0
    assert "roadnet: county:" not in capsys.readouterr().err


def test_default_county_object_answers_for_both_places(tmp_path, monkeypatch, capsys):
    """`patrol import` asks DEFAULT_COUNTY.exists() before reading it: both places count."""
    from roadnet.cli.app import DEFAULT_COUNTY
    from roadnet.manifest import read_manifest

    monkeypatch.chdir(tmp_path)
    assert not DEFAULT_COUNTY.exists()
    countyfixture.write_county(tmp_path / "layers")
    assert DEFAULT_COUNTY.exists() and DEFAULT_COUNTY.is_file() and not DEFAULT_COUNTY.is_dir()
    assert read_manifest(DEFAULT_COUNTY).root == Path("layers")
    assert capsys.readouterr().err == "roadnet: county: layers/county.toml\n"


def test_no_county_anywhere_names_both_places(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "./county.toml" in err and "./layers/county.toml" in err
    assert "roadnet sample" in err and "Traceback" not in err


# --------------------------------------------------------------------------- items 5, 6


def test_one_column_may_hold_two_fields(tmp_path):
    stops = gpd.GeoDataFrame(
        {"code": ["S1", "S2"]}, geometry=[Point(111.0, 41.0), Point(111.01, 41.0)], crs=4490
    )
    stops.to_file(tmp_path / "stops.gpkg", engine="pyogrio")
    toml = _toml(
        tmp_path,
        '[layers.bus_stops]\npath = "stops.gpkg"\nfields = { id = "code", name = "code" }\n',
    )
    county, problems = inspect_county(toml)
    assert not _errors(problems), problems
    layer = county.layer("bus_stops")
    assert list(layer["id"]) == ["S1", "S2"] and list(layer["name"]) == ["S1", "S2"]


def test_messages_name_the_column_as_the_file_names_it(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    layers["villages"].loc[0, "人口"] = "很多"
    layers["villages"].loc[1, "村编码"] = layers["villages"].loc[0, "村编码"]
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    _, problems = inspect_county(toml)
    text = "\n".join(p.message for p in _errors(problems))
    assert "column '人口' (population)" in text
    assert "column '村编码' (id)" in text
    assert "'population'" not in text.replace("(population)", "")


# --------------------------------------------------------------------------- item 4

_GTFS = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
    "A,县客运,http://x.cn,Asia/Shanghai\nB,城际,http://y.cn,Asia/Shanghai\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
    "S1,县城,41.000,111.000\nS2,东村,41.000,111.050\nS3,西村,41.000,110.950\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "R1,A,1路,县城—东村,3\nR2,B,2路,县城—西村,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,D,T1\nR2,D,T2\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,07:00:00,07:00:00,S1,1\nT1,07:20:00,07:20:00,S2,2\n"
    "T2,08:00:00,08:00:00,S1,1\nT2,08:20:00,08:20:00,S3,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
    "start_date,end_date\nD,1,1,1,1,1,1,1,20240101,20241231\n",
}


def _gtfs(folder: Path) -> Path:
    feed = folder / "feed"
    feed.mkdir(parents=True)
    for name, text in _GTFS.items():
        (feed / name).write_text(text, encoding="utf-8")
    return feed


def test_gtfs_section_honours_where(tmp_path):
    _gtfs(tmp_path)
    toml = _toml(tmp_path, '[layers.bus_lines]\ngtfs = "feed"\nwhere = "agency == \'县客运\'"\n')
    county = load_county(toml)
    assert list(county.layer("bus_lines")["id"]) == ["R1"]
    assert len(county.layer("bus_stops")) == 3  # where is the bus_lines section's own
    plain = load_county(_toml(tmp_path, '[layers.bus_lines]\ngtfs = "feed"\n', "all.toml"))
    assert len(plain.layer("bus_lines")) == 2


@pytest.mark.parametrize("key", ['fields = { id = "route_id" }', 'encoding = "GBK"', "crs = 4326"])
def test_gtfs_section_refuses_keys_that_do_not_apply(tmp_path, key):
    _gtfs(tmp_path)
    toml = _toml(tmp_path, f'[layers.bus_lines]\ngtfs = "feed"\n{key}\n')
    name = key.split(" ")[0]
    with pytest.raises(ConfigError, match=rf"\[layers\.bus_lines\]: key '{name}' does not apply"):
        load_county(toml)


def test_gtfs_coords_apply_to_both_bus_layers(tmp_path):
    from roadnet.chinacoords import gcj02_to_wgs84

    _gtfs(tmp_path)
    toml = _toml(tmp_path, '[layers.bus_stops]\ngtfs = "feed"\ncoords = "GCJ-02"\n')
    county = load_county(toml)
    stops = county.layer("bus_stops").to_crs(4326)
    lon, lat = gcj02_to_wgs84(np.array([111.0]), np.array([41.0]))
    got = stops.set_index("id").geometry["S1"]
    assert (got.x, got.y) == pytest.approx((lon[0], lat[0]), abs=1e-7)
    start = shapely.get_point(county.layer("bus_lines").to_crs(4326).geometry.iloc[0], 0)
    assert start.x != pytest.approx(111.0, abs=1e-6)  # the lines moved with the stops


# --------------------------------------------------------------------------- item 2


def _square(x: float, y: float, size: float) -> Polygon:
    return box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


def _parcels_with_collection() -> gpd.GeoDataFrame:
    """Three 三调 parcels; the second is a polygon plus a stray 30 m line and a point."""
    stray = shapely.GeometryCollection(
        [
            _square(100, 0, 100),
            LineString([(X0 + 200, Y0 + 50), (X0 + 230, Y0 + 50)]),
            Point(X0 + 250, Y0 + 50),
        ]
    )
    return gpd.GeoDataFrame(
        {"DLBM": ["0101", "0301", "0404"], "BSM": ["1", "2", "3"]},
        geometry=[_square(0, 0, 100), stray, _square(200, 0, 100)],
        crs=GK,
    )


def _projects() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["P1"], "name": ["联网路"], "kind": ["联网路"], "width_m": [10.0]},
        geometry=[LineString([(X0 - 50, Y0 + 50), (X0 + 350, Y0 + 50)])],
        crs=GK,
    )


def _siting_county(folder: Path, *, repair: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_geopackage(
        folder / "land.gpkg", {"DLTB": _parcels_with_collection(), "projects": _projects()}
    )
    return _toml(
        folder,
        'name = "测试县"\n[layers.parcels]\npath = "land.gpkg"\nlayer = "DLTB"\n'
        + ("repair = true\n" if repair else "")
        + '[layers.projects]\npath = "land.gpkg"\nlayer = "projects"\n',
    )


def test_geometry_collection_refused_without_repair_with_the_fix(tmp_path):
    toml = _siting_county(tmp_path)
    with pytest.raises(ValidationError) as info:
        load_county(toml)
    text = str(info.value)
    assert "GeometryCollection" in text and "repair = true" in text and "[layers.parcels]" in text


def test_geometry_collection_keeps_polygons_and_counts_what_was_dropped(tmp_path):
    toml = _siting_county(tmp_path, repair=True)
    county = load_county(toml)
    parcels = county.layer("parcels")
    assert len(parcels) == 3
    assert set(parcels.geom_type) == {"Polygon"}
    assert parcels.geometry.iloc[1].area == pytest.approx(100 * 100)
    note = county.quality.get("geometry_parts_dropped_parcels")
    assert note is not None and note.count == 1 and note.ids == ("2",)
    assert note.km == pytest.approx(0.030, abs=1e-6)  # the 30 m stray line, in metres of 4546
    assert note.area_m2 == 0
    assert "1 point(s)" in note.text_en and "kept" in note.text_en
    assert any(p.severity == "info" and "polygons were kept" in p.message for p in county.problems)


def test_make_valid_collection_parts_are_dropped_and_counted(tmp_path):
    """A polygon with a spike: make_valid gives polygon + line; the line is dropped."""
    spike = Polygon(
        [(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0 + 50, Y0 + 100), (X0 + 50, Y0 + 140),
         (X0 + 50, Y0 + 100), (X0, Y0 + 100), (X0, Y0)]
    )  # fmt: skip
    assert shapely.make_valid(spike).geom_type == "GeometryCollection"
    parcels = gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[spike], crs=GK)
    write_geopackage(tmp_path / "p.gpkg", {"DLTB": parcels})
    toml = _toml(tmp_path, '[layers.parcels]\npath = "p.gpkg"\n')
    county = load_county(toml, repair=True)
    assert county.layer("parcels").geom_type.tolist() == ["Polygon"]
    assert county.quality.get("geometry_parts_dropped_parcels").km == pytest.approx(0.040)


def test_line_layer_keeps_lines_and_removes_features_with_none(tmp_path):
    roads = gpd.GeoDataFrame(
        {"id": ["R1", "R2", "R3"]},
        geometry=[
            LineString([(X0, Y0), (X0 + 1000, Y0)]),
            shapely.GeometryCollection(
                [LineString([(X0, Y0 + 500), (X0 + 2000, Y0 + 500)]), _square(0, 800, 10)]
            ),
            shapely.GeometryCollection([Point(X0, Y0 + 900)]),
        ],
        crs=GK,
    )
    write_geopackage(tmp_path / "r.gpkg", {"roads": roads})
    toml = _toml(tmp_path, '[layers.roads]\npath = "r.gpkg"\nrepair = true\n')
    county = load_county(toml)
    assert county.layer("roads")["id"].tolist() == ["R1", "R2"]
    assert county.layer("roads").length.sum() == pytest.approx(3000)
    note = county.quality.get("geometry_parts_dropped_roads")
    assert note.count == 2 and note.area_m2 == pytest.approx(100)
    assert "1 feature(s) had no lines left and were removed (first: R3)" in note.text_en


def test_siting_runs_on_parcels_with_a_geometry_collection(tmp_path, capsys):
    """The CLI repairs land layers: a 三调 layer with a GeometryCollection must not stop it."""
    toml = _siting_county(tmp_path)
    out = tmp_path / "s.json"
    code = main(["siting", str(toml), "--json", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    (project,) = json.loads(out.read_text("utf-8"))["projects"]
    # 10 m wide across three 100 m parcels: the collection's polygon part counts in full
    assert project["by_dlbm"]["0301"] == pytest.approx(1000, rel=1e-6)
    assert project["by_dlbm"]["0101"] == pytest.approx(1000, rel=1e-6)
    assert "Traceback" not in printed.err


def test_validate_repair_prints_and_writes_the_note(tmp_path, capsys):
    toml = _siting_county(tmp_path)
    code, report, printed = _validate_json(capsys, str(toml), "--repair", "--lang", "en")
    assert code == 0
    note = report["data_quality"]["geometry_parts_dropped_parcels"]
    assert note["count"] == 1 and note["km"] == pytest.approx(0.03)
    assert "Note: parcels: 1 feature(s) held shapes of another kind" in printed
    code, report, printed = _validate_json(capsys, str(toml))
    assert code == 1 and "GeometryCollection" in printed


# --------------------------------------------------------------------------- item 11

_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="roadnet tests">
  <node id="1" lat="41.000" lon="111.000"/>
  <node id="2" lat="41.000" lon="111.010"/>
  <node id="3" lat="41.000" lon="111.020"/>
  <node id="4" lat="41.008" lon="111.020"/>
  <node id="5" lat="40.992" lon="111.020"/>
  <node id="6" lat="40.992" lon="111.030"/>
  <node id="7" lat="41.006" lon="111.010"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="tertiary"/><tag k="name" v="东街"/></way>
  <way id="101"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/>
    <tag k="oneway" v="yes"/></way>
  <way id="102"><nd ref="3"/><nd ref="5"/><nd ref="6"/><tag k="highway" v="unclassified"/></way>
  <way id="103"><nd ref="2"/><nd ref="7"/><tag k="highway" v="track"/></way>
</osm>
"""


def _edges_geopackage(graph, path: Path) -> gpd.GeoDataFrame:
    """An osmnx graph exported edge by edge (u, v, key, osmid, oneway …), as users do."""
    import osmnx as ox

    edges = ox.graph_to_gdfs(graph, nodes=False).reset_index()
    for column in edges.columns:
        if column != "geometry" and edges[column].map(lambda v: isinstance(v, list)).any():
            edges[column] = edges[column].map(lambda v: str(v) if isinstance(v, list) else v)
    edges.to_file(path, engine="pyogrio")
    return edges


def _undirected_km(graph, crs) -> tuple[int, float]:
    import osmnx as ox

    undirected = ox.graph_to_gdfs(ox.convert.to_undirected(graph), nodes=False)
    return len(undirected), float(undirected.to_crs(crs).length.sum()) / 1000


def test_osmnx_edge_export_is_made_undirected(tmp_path):
    import osmnx as ox

    (tmp_path / "roads.osm").write_text(_OSM, encoding="utf-8")
    graph = ox.graph_from_xml(tmp_path / "roads.osm", retain_all=True)
    edges = _edges_geopackage(graph, tmp_path / "edges.gpkg")
    toml = _toml(tmp_path, '[layers.roads]\npath = "edges.gpkg"\n')
    county, problems = inspect_county(toml)
    assert not _errors(problems), problems
    roads = county.layer("roads")
    count, km = _undirected_km(graph, county.crs)
    assert len(edges) > count  # the export really was directed
    assert len(roads) == count
    assert roads.length.sum() / 1000 == pytest.approx(km, rel=1e-9)
    note = county.quality.get("roads_reversed_duplicates_merged")
    two_way = (~edges["oneway"].astype(bool)).sum() // 2
    assert note.count == two_way
    directed_km = edges.to_crs(county.crs).length.sum() / 1000
    assert note.km == pytest.approx(directed_km - km, rel=1e-9)
    assert county.quality.get("roads_exact_duplicates_merged") is None
    # merged pairs are two-way roads; the one-way street stays one-way
    oneway = roads.groupby(roads["osmid"].astype(str))["oneway"].agg(lambda v: set(v.astype(bool)))
    assert oneway.to_dict() == {"100": {False}, "101": {True}, "102": {False}, "103": {False}}
    assert roads["id"].str.fullmatch(r"\d+-\d+-\d+").all()  # ids made of u-v-key


def test_hand_written_directed_layer_and_roads_sharing_a_line(tmp_path):
    a = LineString([(X0, Y0), (X0 + 500, Y0 + 10), (X0 + 1000, Y0)])
    b = LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 800)])
    roads = gpd.GeoDataFrame(
        {
            "u": [1, 2, 2, 3, 9],
            "v": [2, 1, 3, 2, 1],
            "key": [0, 0, 0, 0, 0],
            "osmid": ["7", "7", "8", "8", "9"],
            "name": ["东街", "东街", "北路", "北路", "小路"],
            "oneway": [False, False, False, False, True],
        },
        geometry=[
            a,
            shapely.reverse(a),
            b,
            # the other direction drawn with an extra vertex 0.4 m off: still the same road
            LineString([(X0 + 1000, Y0 + 800), (X0 + 1000.4, Y0 + 400), (X0 + 1000, Y0)]),
            LineString([(X0, Y0 + 300), (X0, Y0)]),
        ],
        crs=GK,
    )
    # a different road drawn on the same line as 东街 (another name): both kept, said
    other = roads.iloc[[0]].assign(u=5, v=6, osmid="10", name="西街")
    write_geopackage(tmp_path / "e.gpkg", {"edges": pd.concat([roads, other])})
    county, problems = inspect_county(_toml(tmp_path, '[layers.roads]\npath = "e.gpkg"\n'))
    kept = county.layer("roads")
    assert kept["name"].tolist() == ["东街", "北路", "小路", "西街"]
    assert kept["oneway"].tolist() == [False, False, True, False]
    note = county.quality.get("roads_reversed_duplicates_merged")
    assert note.count == 2 and note.km == pytest.approx((a.length + b.length) / 1000, rel=1e-4)
    assert any("lie on the same line but differ" in p.message for p in problems)


def test_two_roads_apart_by_more_than_the_tolerance_are_kept(tmp_path):
    a = LineString([(X0, Y0), (X0 + 1000, Y0)])
    twin = LineString([(X0 + 1000, Y0), (X0 + 500, Y0 + 3), (X0, Y0)])  # 3 m off: a 2nd road
    roads = gpd.GeoDataFrame({"id": ["R1", "R2"]}, geometry=[a, twin], crs=GK)
    write_geopackage(tmp_path / "r.gpkg", {"roads": roads})
    county = load_county(_toml(tmp_path, '[layers.roads]\npath = "r.gpkg"\n'))
    assert len(county.layer("roads")) == 2 and not county.quality


@pytest.mark.realdata
@pytest.mark.slow
def test_andorra_osmnx_export_matches_the_undirected_graph(tmp_path, realdata):
    import bz2
    import shutil

    import osmnx as ox

    xml = tmp_path / "andorra.osm"
    with (
        bz2.open(realdata / "andorra" / "graphhopper_andorra.osm.bz2") as src,
        xml.open("wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    graph = ox.graph_from_xml(xml, retain_all=True)
    edges = _edges_geopackage(graph, tmp_path / "edges.gpkg")
    county = load_county(_toml(tmp_path, '[layers.roads]\npath = "edges.gpkg"\n'))
    count, km = _undirected_km(graph, county.crs)
    roads = county.layer("roads")
    directed_km = edges.to_crs(county.crs).length.sum() / 1000
    assert directed_km > 1.9 * km  # the export doubles two-way streets (5,145 km vs 2,596)
    # osmnx keeps one edge per OSM way and direction pair: so do we (within one edge)
    assert roads.length.sum() / 1000 == pytest.approx(km, rel=1e-4)
    assert abs(len(roads) - count) <= 2
    note = county.quality.get("roads_reversed_duplicates_merged")
    assert note.km == pytest.approx(directed_km - roads.length.sum() / 1000, rel=1e-3)


# --------------------------------------------------------------------------- item 12


def _village_csv(folder: Path, lon: list[float], lat: list[float], name: str = "村.csv") -> None:
    table = pd.DataFrame(
        {
            "村编码": [f"V{i}" for i in range(len(lon))],
            "村名": [f"村{i}" for i in range(len(lon))],
            "经度": lon,
            "纬度": lat,
        }
    )
    table.to_csv(folder / name, index=False, encoding="utf-8")


def _german_roads(folder: Path) -> None:
    roads = gpd.GeoDataFrame(
        {"id": ["R1", "R2"]},
        geometry=[
            LineString([(8.90, 48.68), (8.95, 48.70)]),
            LineString([(8.95, 48.70), (8.97, 48.74)]),
        ],
        crs=4326,
    )
    roads.to_file(folder / "roads.geojson", engine="pyogrio")


def test_swapped_columns_thousands_of_km_away_are_an_error(tmp_path, capsys):
    """Outside China too: villages with lon/lat exchanged land in Somalia, not Böblingen."""
    _german_roads(tmp_path)
    _village_csv(tmp_path, lon=[48.69, 48.72], lat=[8.91, 8.96])
    toml = _toml(
        tmp_path,
        '[layers.roads]\npath = "roads.geojson"\n[layers.villages]\npath = "村.csv"\n',
    )
    code, report, _printed = _validate_json(capsys, str(toml))
    assert code == 1
    (error,) = [p for p in report["problems"] if p["severity"] == "error"]
    assert error["layer"] == "villages"
    assert "km from the other layers (roads)" in error["message"]
    assert "longitude and latitude look swapped" in error["message"]
    assert main(["access", str(toml)]) == 2
    assert "swapped" in capsys.readouterr().err


def test_a_layer_in_the_wrong_gauss_kruger_zone_is_an_error(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    villages = countyfixture.layers()["villages"].to_crs(GK)
    # the same numbers declared in the next zone (CM 114°E): about 250 km east
    villages = villages.set_crs(GK + 1, allow_override=True)
    layers = {**countyfixture.layers(), "villages": villages}
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    _, problems = inspect_county(toml)
    (error,) = [p for p in _errors(problems) if p.layer == "villages"]
    assert "km from the other layers (the county's townships)" in error.message
    assert "Gauss-Krüger zone off by one" in error.message
    with pytest.raises(ValidationError):
        load_county(toml)


def test_boundary_far_from_everything_else_is_the_one_blamed(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    townships = layers["乡镇"].set_geometry(layers["乡镇"].geometry.translate(xoff=8.0), crs=4490)
    write_geopackage(tmp_path / "tiny.gpkg", {**layers, "乡镇": townships})
    _, problems = inspect_county(toml)
    assert {p.layer for p in _errors(problems)} == {"townships"}


def test_a_single_layer_outside_a_declared_chinese_county(tmp_path, capsys):
    """Villages alone: the county's code says China, the points lie in Kazakhstan."""
    _village_csv(tmp_path, lon=[60.1, 60.2], lat=[45.1, 45.2])
    toml = _toml(tmp_path, 'name = "示范县"\ncode = "150125"\n[layers.villages]\npath = "村.csv"\n')
    code, report, _printed = _validate_json(capsys, str(toml))
    assert code == 1
    (error,) = [p for p in report["problems"] if p["severity"] == "error"]
    assert error["layer"] == "villages" and "outside China" in error["message"]
    assert "administrative code 150125" in error["message"]
    # only a Chinese name: a warning, not an error (the county may be outside the outline)
    named = _toml(tmp_path, 'name = "示范县"\n[layers.villages]\npath = "村.csv"\n', "n.toml")
    code, report, _printed = _validate_json(capsys, str(named))
    assert code == 0
    assert any("outside China" in p["message"] for p in report["problems"])


def test_one_stray_point_does_not_move_a_layer_out_of_china(tmp_path):
    """A GPS fix at (0, 0) among Chinese villages: the layer is still where most of it is."""
    _village_csv(tmp_path, lon=[111.0, 111.01, 111.02, 0.0], lat=[41.0, 41.01, 41.0, 0.0])
    toml = _toml(tmp_path, 'code = "150125"\n[layers.villages]\npath = "村.csv"\n')
    county, problems = inspect_county(toml)
    assert not [p for p in problems if "outside China" in p.message]
    assert county.crs.to_epsg() == 4546  # the Gauss-Krüger zone of the villages, not UTM 40N


def test_a_neighbouring_layer_a_few_km_off_is_only_a_warning(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    stops = countyfixture.layers()["bus_stops"]
    stops = stops.set_geometry(stops.geometry.translate(xoff=0.25), crs=4490)  # ~12 km east
    write_geopackage(tmp_path / "tiny.gpkg", {**countyfixture.layers(), "bus_stops": stops})
    _, problems = inspect_county(toml)
    far = [p for p in problems if p.layer == "bus_stops" and "km from the other" in p.message]
    assert [p.severity for p in far] == ["warning"]


# --------------------------------------------------------------------------- item 13


def test_coords_on_a_layer_with_its_own_crs_warns_and_still_converts(tmp_path, capsys):
    villages = countyfixture.layers()["villages"].to_crs(4326)
    villages.to_file(tmp_path / "villages.geojson", engine="pyogrio")
    toml = _toml(
        tmp_path,
        'name = "测试县"\n[layers.villages]\npath = "villages.geojson"\ncoords = "GCJ-02"\n',
    )
    code, report, printed = _validate_json(capsys, str(toml), "--lang", "en")
    assert code == 0
    (warning,) = [p for p in report["problems"] if p["field"] == "coords"]
    assert warning["severity"] == "warning" and warning["layer"] == "villages"
    assert "carries its own geometry and CRS (WGS 84)" in warning["message"]
    assert "remove coords from [layers.villages]" in warning["message"]
    note = report["data_quality"]["coords_on_crs_layer_villages"]
    assert note["rule"] == "converted from GCJ-02"
    assert "Note: coords = 'GCJ-02' is meant for points picked" in printed
    # converted as asked: the points moved by the GCJ-02 offset (hundreds of metres)
    county = load_county(toml)
    moved = county.layer("villages").to_crs(county.crs).geometry.to_numpy()
    before = villages.to_crs(county.crs).geometry.to_numpy()
    shift = shapely.distance(moved, before)
    assert (shift > 200).all() and (shift < 800).all()
    said = re.search(r"moving them about ([\d,]+) m", warning["message"])
    assert said and float(said.group(1).replace(",", "")) == pytest.approx(shift.mean(), rel=0.1)


def test_coords_on_a_lon_lat_table_is_not_warned(tmp_path):
    _village_csv(tmp_path, lon=[111.0, 111.01], lat=[41.0, 41.01])
    toml = _toml(tmp_path, '[layers.villages]\npath = "村.csv"\ncoords = "GCJ-02"\n')
    county, problems = inspect_county(toml)
    assert not [p for p in problems if p.field == "coords"]
    assert not [n for n in county.quality if n.key.startswith("coords_on_crs_layer")]


def test_stops_far_from_every_line_calling_at_them_are_flagged(tmp_path, capsys):
    from roadnet.chinacoords import wgs84_to_gcj02

    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    stops = layers["bus_stops"]
    # the stops picked from a web map (GCJ-02), the line from a GPS survey (WGS-84)
    lon, lat = wgs84_to_gcj02(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy())
    stops = stops.set_geometry(gpd.points_from_xy(lon, lat), crs=4490)
    write_geopackage(tmp_path / "tiny.gpkg", {**layers, "bus_stops": stops})
    code, report, _printed = _validate_json(capsys, str(toml), "--lang", "en")
    assert code == 0
    (warning,) = [p for p in report["problems"] if "every line that calls at them" in p["message"]]
    assert warning["severity"] == "warning" and warning["layer"] == "bus_stops"
    assert "县城站 (S1)" in warning["message"] and "from 1路" in warning["message"]
    assert "wrong coordinate system" in warning["message"]
    assert report["data_quality"]["stops_off_their_lines"]["ids"] == ["S1", "S2"]
    # the same stops where they belong (100 m off the line): nothing said
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    _, problems = inspect_county(toml)
    assert not [p for p in problems if "every line that calls at them" in p.message]


# --------------------------------------------------------------------------- item 21


def _townships_shapefile(folder: Path, *, encoding: str, cpg: str | None) -> Path:
    townships = countyfixture.layers()["乡镇"].rename(
        columns={"乡镇代码": "XZQDM", "乡镇名称": "XZQMC", "人口": "RK"}
    )
    path = folder / "乡镇.shp"
    townships.to_file(path, encoding=encoding, engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def test_cpg_saying_utf8_over_gbk_text_is_detected(tmp_path):
    _townships_shapefile(tmp_path, encoding="GBK", cpg="UTF-8")
    toml = _toml(
        tmp_path,
        '[layers.townships]\npath = "乡镇.shp"\nfields = { id = "XZQDM", name = "XZQMC" }\n',
    )
    county, problems = inspect_county(toml)
    assert county is not None and not _errors(problems)
    assert county.layer("townships")["name"].tolist() == ["城关镇", "东乡"]
    note = county.quality.get("encoding_guessed_townships")
    assert note is not None and note.rule == "GB18030" and "its .cpg says UTF-8" in note.text_en
    assert any("text is not UTF-8 (as its .cpg says) but GB18030" in p.message for p in problems)
    assert not any("codec" in p.message for p in problems)


def test_shapefile_names_cut_mid_character_are_read(tmp_path, capsys):
    """GDAL cut '所属乡镇名称' (18 bytes of UTF-8) to the DBF's 10 bytes: 3 characters + 1 byte."""
    villages = countyfixture.layers()["villages"].rename(columns={"所属乡镇": "TOWNSHIP_X"})
    path = tmp_path / "村.shp"
    villages.to_file(path, encoding="UTF-8", engine="pyogrio")
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    at = dbf.index(b"TOWNSHIP_X")
    dbf[at : at + 11] = "所属乡镇名称".encode()[:10] + b"\x00"
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    toml = _toml(
        tmp_path,
        'name = "测试县"\n[layers.villages]\npath = "村.shp"\nfields = { township = "所属乡" }\n',
    )
    code, report, printed = _validate_json(capsys, str(toml), "--lang", "en")
    assert code == 0, printed
    assert "unexpected end of data" not in printed and "codec" not in printed
    note = report["data_quality"]["column_names_truncated_villages"]
    assert note["count"] == 1 and "'所属乡'" in note["message"]
    county = load_county(toml)
    assert county.layer("villages")["township"].tolist()[:2] == ["城关镇", "150125100"]
    assert county.layer("villages")["name"].tolist()[0] == "张家营子"


def test_headers_with_units_or_notes_in_brackets_match_their_aliases(tmp_path):
    table = pd.DataFrame(
        {
            "村代码[12位]": ["V1", "V2"],
            "村名": ["甲村", "乙村"],
            "人口（万人）": ["0.12", "0.3"],
            "户数[户]": ["40", "90"],
            "经度(°)": [111.0, 111.01],
            "纬度(°)": [41.0, 41.01],
        }
    )
    table.to_csv(tmp_path / "村.csv", index=False)
    toml = _toml(tmp_path, '[layers.villages]\npath = "村.csv"\n')
    county, problems = inspect_county(toml)
    assert not _errors(problems), problems
    villages = county.layer("villages")
    assert villages["id"].tolist() == ["V1", "V2"]
    assert villages["population"].tolist() == [1200, 3000]  # 万人 → 人
    assert villages["households"].tolist() == [40, 90]
    note = county.quality.get("units_converted_villages_population")
    assert note is not None and "'人口（万人）' (population) is in 万人" in note.text_en


def test_area_in_mu_is_converted_and_a_foreign_unit_is_not_taken(tmp_path):
    parcels = gpd.GeoDataFrame(
        {"地类编码": ["0101"], "图斑面积(亩)": [15.0]}, geometry=[_square(0, 0, 100)], crs=GK
    )
    write_geopackage(tmp_path / "p.gpkg", {"DLTB": parcels})
    county = load_county(_toml(tmp_path, '[layers.parcels]\npath = "p.gpkg"\n'))
    assert county.layer("parcels")["TBMJ"].tolist() == [pytest.approx(10_000)]
    projects = _projects().assign(**{"宽度(亩)": [3.0]}).drop(columns="width_m")
    write_geopackage(tmp_path / "j.gpkg", {"projects": projects})
    county, problems = inspect_county(
        _toml(tmp_path, '[layers.projects]\npath = "j.gpkg"\n', "j.toml")
    )
    assert "width_m" not in county.layer("projects").columns
    assert any("'宽度(亩)' looks like 'width_m'" in p.message for p in problems)


# --------------------------------------------------------------------------- item 25


def _village_workbook(path: Path, *, population: list[object], lon: object = 111.0) -> None:
    """A village list written by a program: formulas are saved without their values."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "村庄"
    sheet.append(["村编码", "村名", "经度", "人口", "纬度", "备注"])
    for i, people in enumerate(population):
        note = "=1+1" if i == 1 else "ok"
        sheet.append(
            [f"V{i + 1}", f"村{i + 1}", lon if i == 0 else 111.0 + i / 100, people, 41.0, note]
        )
    book.save(path)


def test_formula_cells_without_saved_values_are_an_error(tmp_path, capsys):
    _village_workbook(tmp_path / "村.xlsx", population=["=100*2", 300, 250, "=B3+1", 90, "=1"])
    toml = _toml(tmp_path, 'name = "测试县"\n[layers.villages]\npath = "村.xlsx"\n')
    with pytest.raises(ValidationError) as info:
        load_county(toml)
    text = str(info.value)
    assert (
        "sheet '村庄', column '人口' (population): 3 formula cell(s) have no saved value "
        "(D2, D5, D7): open the file in Excel/WPS and save it, or replace the formulas by values"
    ) in text
    code, report, _printed = _validate_json(capsys, str(toml))
    assert code == 1
    (error,) = [p for p in report["problems"] if p["severity"] == "error"]
    assert error["layer"] == "villages" and error["field"] == "population"
    # the unused 备注 column with a formula is only a warning
    assert any(
        "column '备注'" in p["message"] for p in report["problems"] if p["severity"] == "warning"
    )


def test_formula_coordinates_without_values_name_the_column(tmp_path):
    _village_workbook(tmp_path / "村.xlsx", population=[10, 20], lon="=110+1")
    toml = _toml(tmp_path, '[layers.villages]\npath = "村.xlsx"\n')
    with pytest.raises(
        Exception,
        match=r"sheet '村庄', column '经度': 1 formula cell\(s\) have no saved value \(C2\)",
    ):
        load_county(toml)


def test_formulas_with_saved_values_are_read(tmp_path):
    import zipfile

    path = tmp_path / "村.xlsx"
    _village_workbook(path, population=["=100*2", 300])
    # as Excel saves it: the formula and its cached value
    with zipfile.ZipFile(path) as src:
        members = {n: src.read(n) for n in src.namelist()}
    members["xl/worksheets/sheet1.xml"] = (
        members["xl/worksheets/sheet1.xml"]
        .replace(b"<f>100*2</f><v></v>", b"<f>100*2</f><v>200</v>")
        .replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
    )
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    county, problems = inspect_county(_toml(tmp_path, '[layers.villages]\npath = "村.xlsx"\n'))
    assert not [p for p in problems if "formula" in p.message]
    assert county.layer("villages")["population"].tolist() == [200, 300]


# --------------------------------------------------------------------------- broken files


def _shapefile(folder: Path) -> Path:
    path = folder / "roads.shp"
    roads = countyfixture.layers()["roads"][["id", "geometry"]]
    roads.to_file(path, engine="pyogrio", encoding="UTF-8")
    return path


def _broken_gpkg(folder: Path) -> str:
    write_geopackage(folder / "c.gpkg", {"roads": countyfixture.layers()["roads"]})
    data = (folder / "c.gpkg").read_bytes()
    (folder / "cut.gpkg").write_bytes(data[: len(data) // 3])
    return '[layers.roads]\npath = "cut.gpkg"\n'


def _shp_without(suffix: str):
    def make(folder: Path) -> str:
        _shapefile(folder).with_suffix(suffix).unlink()
        return '[layers.roads]\npath = "roads.shp"\n'

    return make


def _shp_damaged(folder: Path) -> str:
    path = _shapefile(folder)
    path.write_bytes(path.read_bytes()[:120])
    return '[layers.roads]\npath = "roads.shp"\n'


def _write(name: str, content: bytes, section: str = "villages"):
    def make(folder: Path) -> str:
        (folder / name).write_bytes(content)
        return f'[layers.{section}]\npath = "{name}"\n'

    return make


def _folder_as_layer(folder: Path) -> str:
    (folder / "data").mkdir()
    return '[layers.roads]\npath = "data"\n'


def _xlsx_missing_sheet(folder: Path) -> str:
    _village_workbook(folder / "村.xlsx", population=[1])
    return '[layers.villages]\npath = "村.xlsx"\nsheet = "没有这页"\n'


def _zip_not_xlsx(folder: Path) -> str:
    import zipfile

    with zipfile.ZipFile(folder / "v.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return '[layers.villages]\npath = "v.xlsx"\n'


def _bad_where(folder: Path) -> str:
    write_geopackage(folder / "r.gpkg", {"roads": countyfixture.layers()["roads"]})
    return '[layers.roads]\npath = "r.gpkg"\nwhere = "surface == ("\n'


BROKEN = {
    "gpkg truncated": _broken_gpkg,
    "gpkg junk": _write("v.gpkg", b"SQLite format 3\x00" + b"\x01" * 500),
    "shp without .shx": _shp_without(".shx"),
    "shp without .dbf": _shp_without(".dbf"),
    "geojson cut": _write("v.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Fe'),
    "geojson not geojson": _write("v.geojson", b'{"hello": [1, 2, 3]}'),
    "csv binary": _write("v.csv", bytes(range(256)) * 8),
    "csv empty": _write("v.csv", b""),
    "csv without coordinates": _write("v.csv", "村编码,村名\nV1,甲\n".encode()),
    "xlsx not a zip": _write("v.xlsx", b"PK\x03\x04 this is no workbook"),
    "xlsx a zip of something else": _zip_not_xlsx,
    "xlsx missing sheet": _xlsx_missing_sheet,
    "folder as a layer": _folder_as_layer,
    "gpx cut": _write("t.gpx", b"<?xml version='1.0'?><gpx><trk><trkseg><trkpt lat=", "tracks"),
    "osm cut": _write("r.osm", b"<?xml version='1.0'?><osm><node id='1' lat='4", "roads"),
    "where not a query": _bad_where,
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_input_files_end_with_exit_2_and_a_message(tmp_path, capsys, kind):
    toml = _toml(tmp_path, BROKEN[kind](tmp_path))
    assert main(["validate", str(toml)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("roadnet: error: ") and "Traceback" not in err
    assert len(err.splitlines()) <= 3 and len(err) < 1200
    assert "sqlite3_prepare" not in err and "codec can't" not in err


def test_damaged_shapefile_geometry_is_said(tmp_path, capsys):
    toml = _toml(tmp_path, _shp_damaged(tmp_path))
    assert main(["validate", str(toml)]) == 1  # readable, with errors: validate's 1
    assert "geometry may be damaged or missing" in capsys.readouterr().out
    with pytest.raises(ValidationError, match="damaged"):
        load_county(toml)


@pytest.mark.parametrize(
    "make",
    [
        lambda folder: folder,  # a folder without county.toml
        lambda folder: _write_bytes(folder / "c.gpkg", b"SQLite format 3\x00" + b"\x00" * 300),
        lambda folder: _gpkg_without_standard_layers(folder),
        lambda folder: _write_bytes(folder / "county.toml", "name = 示范县\n".encode()),
        lambda folder: _write_bytes(folder / "county.toml", b"\xff\xfe\x00bad"),
        lambda folder: _write_bytes(folder / "county.shp", b"x"),
    ],
    ids=["folder", "gpkg junk", "gpkg no layers", "toml syntax", "toml not utf-8", "not a county"],
)
def test_broken_county_argument_ends_with_exit_2(tmp_path, capsys, make):
    county = make(tmp_path)
    assert main(["validate", str(county)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("roadnet: error: ") and "Traceback" not in err


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _gpkg_without_standard_layers(folder: Path) -> Path:
    write_geopackage(folder / "x.gpkg", {"whatever": countyfixture.layers()["roads"]})
    return folder / "x.gpkg"


def test_patrol_report_without_any_county_names_both_places(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["patrol", "report"]) == 2
    err = capsys.readouterr().err
    assert "./county.toml" in err and "./layers/county.toml" in err
