"""Issue 12 on real feeds: the Oregon intercity coach feed (a full GTFS feed: calendar.txt,
shapes, both directions in one route, frequencies.txt without rows) against independent
references of the 2 km rule, and the Böblingen extracts with their disconnected pieces."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString

from roadnet.bus import CoverageParams, compute_coverage
from roadnet.cli import main
from roadnet.county import load_county
from roadnet.io.osm import read_osm_roads

pytestmark = pytest.mark.realdata

OREGON = "oregon/peartree_highdesertpointorus-2018-03-20.zip"
UTM10 = 32610


def _member(path: Path, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(path) as archive:
        return pd.read_csv(io.BytesIO(archive.read(name)), dtype=str)


@pytest.fixture
def oregon(tmp_path, realdata):
    """A county.toml: the feed's bus; roads = the feed's shapes (the roads the coach drives);
    villages = 400 points scattered within 4 km of the route (seeded) and the 14 stops."""
    feed = realdata / OREGON
    shapes = _member(feed, "shapes.txt")
    shapes[["lat", "lon", "seq"]] = shapes[
        ["shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"]
    ].astype(float)
    lines = [
        LineString(group.sort_values("seq")[["lon", "lat"]].to_numpy())
        for _, group in shapes.groupby("shape_id")
    ]
    roads = gpd.GeoDataFrame({"id": ["p_8906", "p_8907"]}, geometry=lines, crs=4326)
    roads.to_file(tmp_path / "roads.geojson", driver="GeoJSON")
    metric = roads.to_crs(UTM10).geometry.iloc[0]
    rng = np.random.default_rng(12)
    along = shapely.line_interpolate_point(metric, rng.uniform(0, metric.length, 400))
    offset = rng.uniform(-4000, 4000, (400, 2))
    xy = shapely.get_coordinates(along) + offset
    scattered = gpd.GeoSeries(shapely.points(xy), crs=UTM10).to_crs(4326)
    stops = _member(feed, "stops.txt")
    villages = pd.DataFrame(
        {
            "id": [f"V{i:03d}" for i in range(400)] + [f"stop_{s}" for s in stops["stop_id"]],
            "name": [f"point {i}" for i in range(400)] + list(stops["stop_name"]),
            "lon": [*scattered.x.round(7), *stops["stop_lon"].astype(float)],
            "lat": [*scattered.y.round(7), *stops["stop_lat"].astype(float)],
        }
    )
    villages.to_csv(tmp_path / "villages.csv", index=False)
    toml = tmp_path / "county.toml"
    toml.write_text(
        f'name = "High Desert"\ncrs = {UTM10}\n'
        '[layers.roads]\npath = "roads.geojson"\n'
        '[layers.villages]\npath = "villages.csv"\n'
        f'[layers.bus_lines]\ngtfs = "{feed}"\n',
        encoding="utf-8",
    )
    return toml


def _reference_network(roads: gpd.GeoDataFrame, sources, targets) -> np.ndarray:
    """Network distance by networkx, built here from the road vertices (not roadnet's graph):
    points join the nearest point of the nearest segment; connectors count."""
    graph = nx.Graph()
    segments = []
    for line in roads.geometry:
        coords = [tuple(np.round(c, 2)) for c in shapely.get_coordinates(line)]
        for a, b in itertools.pairwise(coords):
            if a == b:
                continue
            w = float(np.hypot(a[0] - b[0], a[1] - b[1]))
            if not graph.has_edge(a, b) or graph[a][b]["weight"] > w:
                graph.add_edge(a, b, weight=w)
            segments.append((a, b))
    lines = np.array([LineString(s) for s in segments], dtype=object)
    tree = shapely.STRtree(lines)

    def attach(point, name):
        k = int(tree.nearest(point))
        a, b = segments[k]
        seg = lines[k]
        t = seg.project(point)
        connector = point.distance(seg)
        graph.add_edge(name, a, weight=connector + t)
        graph.add_edge(name, b, weight=connector + seg.length - t)
        return k, t, connector

    source_at = [attach(p, ("source", i)) for i, p in enumerate(sources)]
    dist = nx.multi_source_dijkstra_path_length(
        graph, [("source", i) for i in range(len(sources))], weight="weight"
    )
    out = np.full(len(targets), np.inf)
    for j, point in enumerate(targets):
        k = int(tree.nearest(point))
        a, b = segments[k]
        seg = lines[k]
        t, connector = seg.project(point), point.distance(seg)
        best = min(dist.get(a, np.inf) + t, dist.get(b, np.inf) + seg.length - t) + connector
        for ks, ts, cs in source_at:  # a stop on the same segment: straight along it
            if ks == k:
                best = min(best, cs + abs(ts - t) + connector)
        out[j] = best
    return out


def test_oregon_against_independent_references(oregon, tmp_path):
    county = load_county(oregon)
    assert county.crs.to_epsg() == UTM10
    network = compute_coverage(county)
    straight = compute_coverage(county, params=CoverageParams(metric="straight"))
    s = network.summary
    assert (s["lines"], s["stops"]) == (1, 6)  # 14 stops listed, 6 called at
    line = network.lines.iloc[0]
    # calendar.txt runs every day; 2 trips a direction, none overlapping another even with
    # the 10-minute layover: one coach (the old rule said ceil(cycle / headway))
    assert line["trips_per_day"] == 4 and line["vehicles_rule"] == "timetable"
    assert line["vehicles_required"] == 1
    assert "gtfs_calendar_missing" not in network.quality
    note = network.quality.get("directions_paired")
    assert note is not None and note.count == 1 and note.ids == (str(line["id"]),)

    used = network.stops[network.stops["lines"].map(len) > 0]
    villages = network.villages
    # straight line: pyproj.Geod on the WGS-84 ellipsoid
    geod = pyproj.Geod(ellps="WGS84")
    v_ll = villages.to_crs(4326)
    s_ll = used.to_crs(4326)
    geodesic = np.array(
        [
            min(
                geod.inv(v.x, v.y, p.x, p.y)[2]
                for p in s_ll.geometry  # 6 stops
            )
            for v in v_ll.geometry
        ]
    )
    d_straight = straight.villages["distance_m"].to_numpy()
    assert np.abs(d_straight - geodesic).max() < 0.002 * geodesic.max()
    clear = np.abs(geodesic - 2000) > 10  # UTM scale differs from the ellipsoid by < 0.1 %
    assert (straight.villages["served"].to_numpy() == (geodesic <= 2000))[clear].all()
    # network: networkx over the shape vertices, built here
    roads = county.layer("roads")
    reference = _reference_network(roads, list(used.geometry), list(villages.geometry))
    d_network = villages["distance_m"].to_numpy()
    assert np.allclose(d_network, reference, atol=0.5)
    assert (villages["served"].to_numpy() == (reference <= 2000)).all()
    assert 0 < s["villages_served"] < s["villages_total"]
    assert s["villages_disconnected"] == 0  # one road piece: every unserved village is far
    assert set(villages.loc[~villages["served"], "unserved_reason"]) <= {"too_far", "off_network"}
    off = villages["connector_m"].to_numpy() > 1000
    assert (
        villages.loc[off & ~villages["served"].to_numpy(), "unserved_reason"] == "off_network"
    ).all()
    # the CLI: no traceback, no None, notes after the headline
    assert main(["coverage", str(oregon), "--json", str(tmp_path / "c.json")]) == 0
    doc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert doc["summary"]["villages_served"] == s["villages_served"]
    assert "directions_paired" in doc["data_quality"]


@pytest.fixture
def boeblingen(tmp_path, realdata):
    folder = realdata / "boeblingen"
    extracts = [
        folder / f"otp_{n}-minimal.osm.pbf" for n in ("deufringen", "ehningen", "boeblingen")
    ]
    roads = read_osm_roads(extracts)
    streets = roads[roads["highway"] == "residential"].to_crs(32632)
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
        f'[layers.villages]\npath = "villages.csv"\n'
        f'[layers.bus_lines]\ngtfs = "{folder / "otp_vvs-bus-751-only.gtfs.zip"}"\n',
        encoding="utf-8",
    )
    return toml


def test_boeblingen_disconnected_pieces_and_the_join_hint(boeblingen, capsys):
    """751's stops lie in one extract; the streets of the others are cut off (item 9), most
    of its stops lie beyond the extracts (item 10)."""
    county = load_county(boeblingen)
    result = compute_coverage(county)
    v = result.villages
    # independent: networkx components of the graph, the pieces the used stops snap onto
    from roadnet.network import build_graph, snap_points

    graph = build_graph(county.layer("roads"))
    g = graph.to_networkx()
    piece = {node: k for k, nodes in enumerate(nx.connected_components(g)) for node in nodes}
    used = result.stops[result.stops["lines"].map(len) > 0]
    snap_s = snap_points(graph, used.geometry.to_numpy())
    snap_v = snap_points(graph, v.geometry.to_numpy())
    with_stop = {piece[int(graph.edge_u[e])] for e in snap_s.edge}
    expected = np.array([piece[int(graph.edge_u[e])] not in with_stop for e in snap_v.edge])
    assert (v["disconnected"].to_numpy() == expected).all()
    assert expected.sum() == result.summary["villages_disconnected"] > 0
    assert (v.loc[v["disconnected"], "unserved_reason"] == "disconnected").all()
    note = result.quality.get("villages_disconnected")
    assert note is not None and note.count == int(expected.sum())
    off = result.quality.get("stops_off_network")
    assert off is not None and off.count == result.summary["stops_off_network"] == 30
    assert off.share == pytest.approx(30 / 47)
    # the hint proposes the gap it measured, and joining it serves more villages
    gaps = [p["gap_m"] for p in result.network["pieces"]["without_stop"] if p["gap_m"]]
    assert gaps, result.network["pieces"]
    join = int(np.ceil(max(gaps)))
    assert main(["coverage", str(boeblingen), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"run again with --join {join}" in out
    assert "Note: 30 bus stops (63.8%) are more than 1,000 m from every road" in out
    joined = compute_coverage(county, params=CoverageParams(join_tolerance_m=join))
    assert joined.summary["villages_served"] > result.summary["villages_served"]
    assert joined.summary["villages_disconnected"] < result.summary["villages_disconnected"]
