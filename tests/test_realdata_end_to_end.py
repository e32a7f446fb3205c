"""Real data end to end through the command line, in Chinese and English (issue 12).

Böblingen (three OSM extracts, the VVS 764 feed, settlement points cut from the extracts):
coverage with its map and workbook, access, a scenario adding a line to the villages a
digitising gap cuts off, the report. Andorra (OSM roads and places, the handheld GPX
without times, OSM land use as parcels with a class map, two projects drawn here): access,
patrol import and report, siting, the report, with their maps. Sandu (a real county
boundary from a Chinese web map, GCJ-02) as boundary and townships. Every command ends
without a traceback, nothing printed or written holds a placeholder, and the figures are
checked against independent computations (networkx distances along the roads, pyproj.Geod
lengths and areas). The files are read from ../shared/realdata and cut at test time.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
from pathlib import Path

import geopandas as gpd
import gpxpy
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import LineString, Polygon

from roadnet.cli import main
from roadnet.county import load_county
from roadnet.io.osm import read_osm_roads
from tests.test_siting_realdata import ANDORRA_CLASSES
from tests.test_truth_bus_realdata import _reference_network
from tests.truthcounty import assert_no_placeholder, assert_outputs_clean

pytestmark = pytest.mark.realdata

GEOD = pyproj.Geod(ellps="WGS84")
OUTPUTS = {".json", ".md", ".docx", ".xlsx", ".html"}


def _run(*argv: str) -> str:
    """Run the command line; fail on any exit but 0; return what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    printed = out.getvalue() + err.getvalue()
    assert code == 0, printed[-2000:]
    assert_no_placeholder(printed, " ".join(argv[:2]))
    return printed


def _outputs(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix in OUTPUTS]


# --------------------------------------------------------------------------- Böblingen


@pytest.fixture
def boeblingen(tmp_path, realdata) -> Path:
    folder = realdata / "boeblingen"
    extracts = [
        folder / f"otp_{n}-minimal.osm.pbf" for n in ("deufringen", "ehningen", "boeblingen")
    ]
    streets = read_osm_roads(extracts)
    streets = streets[streets["highway"] == "residential"].to_crs(32632)
    points = gpd.GeoSeries(streets.geometry.interpolate(0.5, normalized=True), crs=32632)
    lonlat = points.to_crs(4326)
    pd.DataFrame(
        {
            "村编码": [f"V{i:03d}" for i in range(len(points))],
            "村名": streets["name"].fillna("unnamed").to_numpy(),
            "人口": 100,
            "经度": lonlat.x.round(7),
            "纬度": lonlat.y.round(7),
        }
    ).to_csv(tmp_path / "villages.csv", index=False)
    paths = ", ".join(f'"{p}"' for p in extracts)
    toml = tmp_path / "county.toml"
    toml.write_text(
        f'name = "Böblingen"\n[layers.roads]\npath = [{paths}]\n'
        '[layers.villages]\npath = "villages.csv"\n'
        f'[layers.bus_lines]\ngtfs = "{folder / "otp_vvs-bus-764-only.gtfs.zip"}"\n',
        encoding="utf-8",
    )
    return toml


def test_boeblingen_coverage_access_report_in_both_languages(boeblingen, tmp_path):
    out = tmp_path / "out"
    for lang in ("zh", "en"):
        o = out / lang
        c = str(boeblingen)
        _run("coverage", c, "--json", f"{o}/c.json", "--xlsx", f"{o}/c.xlsx", "--lang", lang)
        _run("coverage", c, "--map", f"{o}/c.html", "--lang", lang)
        _run("coverage", c, "--metric", "straight", "--json", f"{o}/straight.json", "--lang", lang)
        _run("access", c, "--json", f"{o}/a.json", "--map", f"{o}/a.html", "--lang", lang)
        _run("report", c, "--out", f"{o}/report", "--lang", lang)
    assert assert_outputs_clean(_outputs(out)) > 40

    # distances along the roads against networkx on the road vertices (not roadnet's graph)
    document = json.loads((out / "zh" / "c.json").read_text(encoding="utf-8"))
    assert all(
        v["nearest_stop"] is None or isinstance(v["nearest_stop"], str)
        for v in document["villages"]
    )
    county = load_county(boeblingen)
    used = {s for line in county.layer("bus_lines")["stops"] for s in line}
    stops = county.layer("bus_stops")
    sources = list(stops.geometry[stops["id"].isin(used)])
    villages = county.layer("villages")
    reference = _reference_network(county.layer("roads"), sources, list(villages.geometry))
    given = {v["id"]: v["distance_m"] for v in document["villages"]}
    compared = 0
    for vid, ref in zip(villages["id"], reference, strict=True):
        mine = given[vid]
        assert (mine is None) == (ref == float("inf")), vid
        if mine is not None:
            assert mine == pytest.approx(ref, abs=0.5), vid
            compared += 1
    served = sum(1 for r in reference if r <= 2000.0)
    assert compared > 50 and document["summary"]["villages_served"] == served
    # in a straight line every village is at most as far as along the roads
    straight = json.loads((out / "zh" / "straight.json").read_text(encoding="utf-8"))
    by_road = {v["id"] for v in document["villages"] if v["served"]}
    assert by_road <= {v["id"] for v in straight["villages"] if v["served"]}


def test_boeblingen_scenario_line_to_the_cut_off_villages(boeblingen, tmp_path):
    base = tmp_path / "base.json"
    _run("coverage", str(boeblingen), "--json", str(base))
    villages = json.loads(base.read_text(encoding="utf-8"))["villages"]
    cut_off = [v["id"] for v in villages if v["unserved_reason"] == "disconnected"]
    assert len(cut_off) > 10
    county = load_county(boeblingen)
    points = county.layer("villages").set_index("id").geometry
    first = cut_off[0]
    second = min(cut_off[1:], key=lambda v: points[v].distance(points[first]))
    scenario = tmp_path / "new-line.toml"
    scenario.write_text(
        f'name = "Stadtbus B1"\nbaseline = "{boeblingen}"\n[[change]]\nop = "add_line"\n'
        f'id = "B1"\nstops = ["{first}", "{second}"]\ntrips_per_day = 12\n',
        encoding="utf-8",
    )
    for lang in ("zh", "en"):
        args = ["scenario", str(scenario), "--lang", lang]
        _run(*args, "--json", f"{tmp_path}/s-{lang}.json", "--map", f"{tmp_path}/s-{lang}.html")
    assert_outputs_clean(
        [tmp_path / f"s-{lang}.{x}" for lang in ("zh", "en") for x in ("json", "html")]
    )
    delta = json.loads((tmp_path / "s-zh.json").read_text(encoding="utf-8"))["delta"]

    # independently: the new stops stand on the road beside the two villages; the villages
    # gained are the unserved ones within 2,000 m of them along the roads (networkx)
    roads = county.layer("roads")
    lines = shapely.STRtree(roads.geometry.to_numpy())
    stops = []
    for vid in (first, second):
        road = roads.geometry.iloc[int(lines.nearest(points[vid]))]
        stops.append(road.interpolate(road.project(points[vid])))
    reference = _reference_network(roads, stops, list(points))
    unserved = {v["id"] for v in villages if not v["served"] and v["kind"] == "administrative"}
    expected = sorted(
        vid
        for vid, d in zip(points.index, reference, strict=True)
        if d <= 2000.0 and vid in unserved
    )
    assert expected and sorted(delta["villages_gained"]) == expected
    assert delta["villages_lost"] == []


# --------------------------------------------------------------------------- Andorra


@pytest.fixture
def andorra(tmp_path, realdata) -> tuple[Path, Path, gpd.GeoDataFrame]:
    folder = realdata / "andorra"
    landuse = gpd.read_file(folder / "derived_osm_andorra_landuse.geojson").to_crs(32631)
    forest = landuse[landuse["landuse"] == "forest"]
    centre = forest.geometry.iloc[int(forest.area.argmax())].representative_point()
    x, y = centre.x, centre.y
    projects = gpd.GeoDataFrame(
        {
            "id": ["AD1", "AD2"],
            "name": ["林区联网路", "停车场"],
            "kind": ["network_link", "other"],
            "width_m": [8.0, None],
            "year": [2013, 2013],
        },
        geometry=[
            LineString([(x - 400, y - 50), (x + 400, y + 50)]),
            Polygon([(x - 50, y + 200), (x + 50, y + 200), (x + 50, y + 260), (x - 50, y + 260)]),
        ],
        crs=32631,
    ).to_crs(4326)
    projects.to_file(tmp_path / "projects.geojson", driver="GeoJSON")
    classes = ", ".join(f'"{k}" = "{v}"' for k, v in ANDORRA_CLASSES.items())
    pbf = folder / "graphhopper_andorra.osm.pbf"
    toml = tmp_path / "county.toml"
    toml.write_text(
        f'name = "Andorra"\n[layers.roads]\npath = "{pbf}"\n[layers.villages]\npath = "{pbf}"\n'
        f'[layers.parcels]\npath = "{folder / "derived_osm_andorra_landuse.geojson"}"\n'
        f'classes = {{ field = ["landuse", "natural"], map = {{ {classes} }} }}\n'
        '[layers.projects]\npath = "projects.geojson"\n',
        encoding="utf-8",
    )
    return toml, folder / "graphhopper_andorra_for_map_matching.gpx", projects


def test_andorra_patrol_siting_access_report_in_both_languages(andorra, tmp_path):
    toml, gpx, projects = andorra
    c, ledger, out = str(toml), str(tmp_path / "ledger.gpkg"), tmp_path / "out"
    imported = _run("patrol", "import", c, str(gpx), "--date", "2013-07-04", "--ledger", ledger)
    assert "21" in imported  # the 21 points of the track, given the day of --date
    for lang in ("zh", "en"):
        o = f"{out}/{lang}"
        _run("validate", c, "--json", f"{o}/v.json", "--lang", lang)
        _run("access", c, "--json", f"{o}/a.json", "--map", f"{o}/a.html", "--lang", lang)
        report_args = ["--json", f"{o}/p.json", "--xlsx", f"{o}/p.xlsx", "--map", f"{o}/p.html"]
        _run("patrol", "report", c, "--ledger", ledger, *report_args, "--lang", lang)
        siting_args = ["--json", f"{o}/s.json", "--xlsx", f"{o}/s.xlsx", "--map", f"{o}/s.html"]
        _run("siting", c, *siting_args, "--lang", lang)
        _run("report", c, "--ledger", ledger, "--out", f"{o}/report", "--lang", lang)
    assert assert_outputs_clean(_outputs(out)) > 60

    # the GPS length against the ellipsoid; the matched length follows the same road
    track = gpxpy.parse(gpx.read_text(encoding="utf-8"))
    fixes = [(p.longitude, p.latitude) for t in track.tracks for s in t.segments for p in s.points]
    geod_km = sum(GEOD.inv(*a, *b)[2] for a, b in itertools.pairwise(fixes)) / 1000
    patrol = json.loads((out / "zh" / "p.json").read_text(encoding="utf-8"))["summary"]
    assert patrol["gps_km"] == pytest.approx(geod_km, rel=2e-3)
    assert 0.9 * geod_km < patrol["matched_km"] < 1.2 * geod_km

    # footprints against the ellipsoid: the line's length x its width, the polygon's area
    siting = json.loads((out / "zh" / "s.json").read_text(encoding="utf-8"))
    footprint = {p["id"]: p["footprint_m2"] for p in siting["projects"]}
    line_m = GEOD.geometry_length(projects.geometry.iloc[0])
    area_m2 = abs(GEOD.geometry_area_perimeter(projects.geometry.iloc[1])[0])
    assert footprint["AD1"] == pytest.approx(line_m * 8.0, rel=1e-3)
    assert footprint["AD2"] == pytest.approx(area_m2, rel=1e-3)
    assert siting["summary"]["forest_mu"] > 0  # the line crosses the largest forest

    report = next((out / "zh" / "report").glob("report-*.md")).read_text(encoding="utf-8")
    assert "报告年度：2013" in report or "2013年度" in report  # the ledger's year, said


# --------------------------------------------------------------------------- Sandu


def test_sandu_boundary_as_townships_in_chinese(tmp_path, realdata):
    source = realdata / "china" / "datav_522732_sandu_county.json"
    boundary = gpd.read_file(source)
    inside = boundary.to_crs(4545).geometry.iloc[0]
    seeds = [inside.representative_point()]
    seeds.append(shapely.Point(seeds[0].x + 3000, seeds[0].y))
    villages = gpd.GeoSeries([p for p in seeds if inside.contains(p)], crs=4545).to_crs(4326)
    pd.DataFrame(
        {
            "村编码": [f"52273210{i}" for i in range(len(villages))],
            "村名": [f"村{i}" for i in range(len(villages))],
            "所属乡镇": "三都水族自治县",
            "经度": villages.x,
            "纬度": villages.y,
        }
    ).to_csv(tmp_path / "村.csv", index=False)
    toml = tmp_path / "county.toml"
    toml.write_text(
        f'name = "三都水族自治县"\ncode = "522732"\n'
        f'[layers.boundary]\npath = "{source}"\ncoords = "GCJ-02"\n'
        f'[layers.townships]\npath = "{source}"\ncoords = "GCJ-02"\n'
        'fields = { id = "adcode", name = "name" }\n'
        '[layers.villages]\npath = "村.csv"\n',
        encoding="utf-8",
    )
    printed = _run("validate", str(toml), "--json", str(tmp_path / "v.json"))
    assert (
        "EPSG:4545" in printed
        or "4545" in json.loads((tmp_path / "v.json").read_text("utf-8"))["crs"]
    )
    _run("report", str(toml), "--out", str(tmp_path / "report"))
    files = _outputs(tmp_path / "report")
    assert_outputs_clean(files)
    text = next(p for p in files if p.suffix == ".md").read_text(encoding="utf-8")
    assert "三都水族自治县" in text and "县域数据缺少" in text  # no roads: sections say so
