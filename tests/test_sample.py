"""The embedded sample county 示范县 (roadnet.sample): content, geometry and determinism.

The county is generated once per module (scale 1, seed 0, about 10-20 s) into a temporary
folder; determinism is checked on small counties (scale 0.3).
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import gpxpy
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from roadnet.errors import ConfigError
from roadnet.sample import COUNTY_TOML, LAYER_ORDER, build_sample, write_sample

METRIC = "EPSG:4546"
GEOD = pyproj.Geod(ellps="GRS80")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("sample")
    summary = write_sample(out, seed=0, scale=1.0)
    layers = {}
    for name in LAYER_ORDER:
        frame = pyogrio.read_dataframe(out / "county.gpkg", layer=name)
        layers[name] = frame
    return out, summary, layers


@pytest.fixture(scope="module")
def metric(sample):
    _, _, layers = sample
    return {
        name: frame.to_crs(METRIC)
        for name, frame in layers.items()
        if isinstance(frame, gpd.GeoDataFrame)
    }


def test_files_and_layers(sample):
    out, _, layers = sample
    assert sorted(pyogrio.list_layers(out / "county.gpkg")[:, 0]) == sorted(LAYER_ORDER)
    assert (out / "patrol" / "terminal-2023.csv").is_file()
    assert (out / "patrol" / "events-2023.csv").is_file()
    assert (out / "patrol" / "truth.csv").is_file()
    assert len(list((out / "patrol").glob("*.gpx"))) == 3
    for name in ("parcels", "basic_farmland", "eco_redline"):
        assert layers[name].crs.to_epsg() == 4546
    for name in (
        "boundary",
        "townships",
        "villages",
        "roads",
        "rivers",
        "bus_stops",
        "bus_lines",
        "projects",
        "patrol_events",
    ):
        assert layers[name].crs.to_epsg() == 4490, name
    assert (
        not isinstance(layers["fleet"], gpd.GeoDataFrame) or layers["fleet"].geometry.isna().all()
    )


def test_county_toml_is_the_committed_one(sample):
    out, _, _ = sample
    written = (out / "county.toml").read_text(encoding="utf-8")
    assert written == COUNTY_TOML
    committed = REPO / "layers" / "county.toml"
    assert committed.read_text(encoding="utf-8") == written


def test_same_seed_same_layers_other_seed_differs():
    first = build_sample(seed=3, scale=0.3)
    again = build_sample(seed=3, scale=0.3)
    other = build_sample(seed=4, scale=0.3)
    for name in LAYER_ORDER:
        a, b = first.layers[name], again.layers[name]
        if isinstance(a, gpd.GeoDataFrame):
            assert_geodataframe_equal(a, b, check_less_precise=False)
        else:
            pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(first.patrol.terminal, again.patrol.terminal)
    pd.testing.assert_frame_equal(first.patrol.truth, again.patrol.truth)
    assert not first.layers["villages"]["name"].equals(other.layers["villages"]["name"])
    assert (
        not first.layers["boundary"]
        .geometry.iloc[0]
        .equals(other.layers["boundary"].geometry.iloc[0])
    )
    assert len(first.layers["parcels"]) != len(other.layers["parcels"])


def test_bad_parameters_are_refused():
    with pytest.raises(ConfigError):
        build_sample(seed=0, scale=0.0)
    with pytest.raises(ConfigError):
        build_sample(seed=-1)


def test_counts(sample):
    _, summary, layers = sample
    villages = layers["villages"]
    admin = villages[villages["kind"] == "administrative"]
    natural = villages[villages["kind"] == "natural"]
    assert len(layers["townships"]) == 9
    assert 90 <= len(admin) <= 110
    assert 270 <= len(natural) <= 330
    assert len(layers["bus_lines"]) == 7
    assert len(layers["fleet"]) == 3
    assert layers["projects"]["kind"].value_counts().to_dict() == {
        "repair": 17,
        "village_paving": 6,
        "network_link": 3,
        "continuing": 1,
    }
    assert len(layers["parcels"]) >= 10_000
    assert summary.townships == 9 and summary.bus_lines == 7 and summary.buses == 3


def test_codes_and_names(sample):
    _, _, layers = sample
    boundary = layers["boundary"]
    county = boundary["id"].iloc[0]
    assert boundary["name"].iloc[0] == "示范县"
    assert len(county) == 6 and county.startswith("15")
    townships = layers["townships"]
    assert townships["id"].str.match(rf"^{county}[12]\d\d$").all()
    assert townships["name"].str.contains("镇|乡|苏木").all()
    villages = layers["villages"]
    admin = villages[villages["kind"] == "administrative"]
    assert admin["id"].str.len().eq(12).all()
    assert (admin["id"].str[:9] == admin["township"]).all()
    assert villages["id"].is_unique
    assert not villages.duplicated(["township", "name"]).any()
    assert villages["seat"].sum() == 9
    assert set(villages["township"]) <= set(townships["id"])
    ratio = villages["population"] / villages["households"]
    assert ratio.between(2.0, 3.2).all()
    assert (villages["name"].str.endswith("嘎查")).any()
    # each village lies in the township polygon it names
    joined = gpd.sjoin(villages, townships[["id", "geometry"]], predicate="within", how="left")
    assert (joined["id_right"] == joined["township"]).all()


def test_townships_tile_the_boundary(metric):
    boundary = metric["boundary"].geometry.iloc[0]
    townships = metric["townships"].geometry.to_numpy()
    union = shapely.union_all(townships)
    assert abs(union.area - boundary.area) / boundary.area < 1e-3
    assert abs(shapely.area(townships).sum() - boundary.area) / boundary.area < 1e-3
    assert shapely.symmetric_difference(union, boundary).area / boundary.area < 1e-3


def test_parcels_tile_the_county(metric, sample):
    _, _, layers = sample
    boundary = metric["boundary"].geometry.iloc[0]
    parcels = layers["parcels"].geometry.to_numpy()
    assert set(shapely.get_type_id(parcels)) == {3}
    assert shapely.is_valid(parcels).all()
    assert abs(shapely.area(parcels).sum() - boundary.area) / boundary.area < 5e-3
    tree = shapely.STRtree(parcels)
    a, b = tree.query(parcels, predicate="intersects")
    pairs = a < b
    overlap = shapely.area(shapely.intersection(parcels[a[pairs]], parcels[b[pairs]])).sum()
    assert overlap < 1e-6 * boundary.area


def test_parcel_fields(sample):
    _, _, layers = sample
    parcels = layers["parcels"]
    for field in (
        "BSM",
        "TBBH",
        "DLBM",
        "DLMC",
        "QSXZ",
        "QSDWDM",
        "QSDWMC",
        "ZLDWDM",
        "ZLDWMC",
        "TBMJ",
        "KCDLBM",
        "KCXS",
        "KCMJ",
        "TBDLMJ",
    ):
        assert field in parcels.columns
    assert parcels["BSM"].is_unique
    assert not parcels.duplicated(["ZLDWDM", "TBBH"]).any()
    cultivated = parcels["DLBM"].str.startswith("01")
    assert parcels.loc[~cultivated, "KCXS"].eq(0).all()
    assert parcels.loc[cultivated, "KCXS"].between(0, 0.15).all()
    assert (parcels.loc[parcels["KCXS"] > 0, "KCDLBM"] == "1203").all()
    assert np.allclose(parcels["KCMJ"], (parcels["TBMJ"] * parcels["KCXS"]).round(2), atol=0.011)
    share = parcels.groupby(parcels["DLBM"].str[:2])["TBMJ"].sum() / parcels["TBMJ"].sum()
    assert share["04"] == share.max()  # grassland dominates
    assert share["01"] > 0.15
    for code in ("0102", "0103", "0301", "0307", "0401", "0702", "1003", "1006", "1101", "1205"):
        assert (parcels["DLBM"] == code).any(), code


def test_tbmj_is_the_ellipsoidal_area(sample):
    _, _, layers = sample
    parcels = layers["parcels"]
    picked = parcels.sample(300, random_state=1)
    lonlat = picked.to_crs("EPSG:4490")
    for geometry, tbmj in zip(lonlat.geometry, picked["TBMJ"], strict=True):
        area, _ = GEOD.geometry_area_perimeter(geometry)
        assert abs(abs(area) - tbmj) <= 1e-3 * abs(area) + 0.01


def test_basic_farmland_is_cultivated_parcels(sample):
    _, _, layers = sample
    farmland = layers["basic_farmland"]
    parcels = layers["parcels"]
    assert len(farmland) > 0 and {"JBNTTBBH", "DLBM", "TBMJ"} <= set(farmland.columns)
    tree = shapely.STRtree(parcels.geometry.to_numpy())
    inside = shapely.point_on_surface(farmland.geometry.to_numpy())
    src, dst = tree.query(inside, predicate="within")
    assert sorted(set(src.tolist())) == list(range(len(farmland)))
    assert (
        parcels["DLBM"].to_numpy()[dst].astype(str).tolist()
        == farmland["DLBM"].to_numpy()[src].tolist()
    )
    assert shapely.equals(farmland.geometry.to_numpy()[src], parcels.geometry.to_numpy()[dst]).all()
    assert farmland["DLBM"].str.startswith("01").all()
    assert 1 <= len(layers["eco_redline"]) <= 2


def test_road_network_is_connected_and_split_at_junctions(sample):
    _, _, layers = sample
    roads = layers["roads"]
    graph = nx.Graph()
    for line in roads.geometry:
        coords = np.asarray(line.coords)
        a = tuple(np.round(coords[0], 7))
        b = tuple(np.round(coords[-1], 7))
        graph.add_edge(a, b)
    assert nx.number_connected_components(graph) == 1
    assert roads["id"].is_unique
    assert set(roads["class"]) == {"national", "county", "township", "village"}
    assert (roads.loc[roads["class"].isin(["national", "county"]), "surface"] == "paved").all()
    village_roads = roads[roads["class"] == "village"]
    assert set(village_roads["surface"]) == {"paved", "gravel", "earth"}
    assert (~roads["oneway"]).all()
    assert roads["route_code"].str.match(r"^[GSXYC]\d{3}").all()


def test_villages_are_near_roads(metric):
    roads = metric["roads"].geometry.to_numpy()
    villages = metric["villages"].geometry.to_numpy()
    tree = shapely.STRtree(roads)
    _, dist = tree.query_nearest(villages, return_distance=True, all_matches=False)
    assert dist.max() <= 1000.0


def test_lengths_and_areas(sample):
    _, summary, layers = sample
    boundary = layers["boundary"].geometry.iloc[0]
    area, _ = GEOD.geometry_area_perimeter(boundary)
    assert 3600e6 <= abs(area) <= 4400e6
    length = sum(GEOD.geometry_length(g) for g in layers["roads"].geometry)
    assert 2125e3 <= length <= 2875e3
    assert summary.road_km == pytest.approx(length / 1000.0, rel=1e-3)
    assert abs(summary.area_km2 - abs(area) / 1e6) < 1e-3 * summary.area_km2


def _served_straight(
    villages: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, radius: float
) -> np.ndarray:
    tree = shapely.STRtree(stops.geometry.to_numpy())
    _, dist = tree.query_nearest(
        villages.geometry.to_numpy(), return_distance=True, all_matches=False
    )
    return dist <= radius


def _served_network(
    roads: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, radius: float
) -> np.ndarray:
    """Reference implementation: snap to the nearest point of the nearest road, connector
    counted, then shortest path along roads (networkx)."""
    lines = roads.geometry.to_numpy()
    graph = nx.Graph()

    def key(xy):
        return (round(float(xy[0]), 2), round(float(xy[1]), 2))

    ends = []
    for line in lines:
        coords = np.asarray(line.coords)
        a, b = key(coords[0]), key(coords[-1])
        ends.append((a, b))
        if graph.has_edge(a, b):
            graph[a][b]["weight"] = min(graph[a][b]["weight"], line.length)
        else:
            graph.add_edge(a, b, weight=line.length)
    tree = shapely.STRtree(lines)

    def attach(kind, points):
        _, nearest = tree.query_nearest(points, all_matches=False)
        placed = []
        for k, (point, i) in enumerate(zip(points, nearest, strict=True)):
            line = lines[i]
            at = line.project(point)
            connector = point.distance(line)
            node = (kind, k)
            a, b = ends[i]
            graph.add_edge(node, a, weight=connector + at)
            graph.add_edge(node, b, weight=connector + line.length - at)
            placed.append((int(i), at, connector))
        return placed

    stop_at = attach("stop", stops.geometry.to_numpy())
    village_at = attach("village", villages.geometry.to_numpy())
    dist = nx.multi_source_dijkstra_path_length(
        graph, [("stop", k) for k in range(len(stop_at))], cutoff=radius
    )
    served = np.zeros(len(village_at), dtype=bool)
    for k, (line, at, connector) in enumerate(village_at):
        best = dist.get(("village", k), np.inf)
        for s_line, s_at, s_conn in stop_at:
            if s_line == line:
                best = min(best, connector + abs(at - s_at) + s_conn)
        served[k] = best <= radius
    return served


def test_bus_lines_serve_36_villages_in_6_townships(metric):
    villages = metric["villages"]
    admin = villages[villages["kind"] == "administrative"].reset_index(drop=True)
    stops = metric["bus_stops"]
    straight = _served_straight(admin, stops, 2000.0)
    network = _served_network(metric["roads"], admin, stops, 2000.0)
    for served in (straight, network):
        assert served.sum() == 36
        assert admin.loc[served, "township"].nunique() == 6
    assert (straight == network).all()
    # the margins that make any correct implementation agree
    tree = shapely.STRtree(stops.geometry.to_numpy())
    _, dist = tree.query_nearest(admin.geometry.to_numpy(), return_distance=True, all_matches=False)
    assert dist[~straight].min() > 2300.0
    assert dist[straight].max() <= 1000.0


def _passes(line, point, tolerance=1.0):
    """Positions along ``line`` where it passes within ``tolerance`` of ``point``."""
    coords = np.asarray(line.coords)
    a, b = coords[:-1], coords[1:]
    d = b - a
    length2 = np.maximum((d * d).sum(axis=1), 1e-12)
    xy = np.asarray(point.coords[0])
    t = np.clip(((xy - a) * d).sum(axis=1) / length2, 0.0, 1.0)
    gap = np.hypot(*(a + t[:, None] * d - xy).T)
    start = np.concatenate([[0.0], np.cumsum(np.sqrt(length2))[:-1]])
    hits = np.flatnonzero(gap <= tolerance)
    return sorted(start[hits] + t[hits] * np.sqrt(length2[hits]))


def test_bus_lines_follow_roads_through_their_stops(metric, sample):
    _, _, layers = sample
    lines = metric["bus_lines"]
    stops = metric["bus_stops"].set_index("id")
    assert (stops.loc["S001", "name"]) == "县城汽车站"
    roads = shapely.union_all(metric["roads"].geometry.to_numpy())
    for line, stop_ids, trips in zip(
        lines.geometry, lines["stops"], lines["trips_per_day"], strict=True
    ):
        ids = stop_ids.split(",")
        assert ids[0] == "S001" and len(ids) >= 2
        # stops come in driving order (a line may go into a side road and back)
        position = 0.0
        for i in ids:
            later = [a for a in _passes(line, stops.loc[i, "geometry"]) if a >= position - 2.0]
            assert later, f"{i} is not after the previous stop along the line"
            position = later[0]
        assert max(line.distance(stops.loc[i, "geometry"]) for i in ids) < 1.0
        assert line.buffer(1.0).difference(roads.buffer(1.0)).area < 1.0
        assert 1 <= trips <= 4
    assert lines["days"].str.startswith("market").any()
    assert lines["speed_kmh"].between(30, 45).all()
    fleet = layers["fleet"]
    assigned = {x for value in fleet["line"] for x in value.split(",")}
    assert assigned == set(lines["id"])


def test_projects(metric, sample):
    _, _, layers = sample
    projects = metric["projects"]
    assert projects["id"].is_unique and projects["id"].str.match(r"^P2023-\d\d$").all()
    assert (projects["year"] == 2023).all()
    defaults = {"network_link": 7.5, "village_paving": 4.5, "continuing": 6.5}
    for kind, width in defaults.items():
        assert (projects.loc[projects["kind"] == kind, "width_m"] == width).all()
    repairs = projects[projects["kind"] == "repair"]
    assert repairs["width_m"].between(6.0, 7.0).all()
    roads = metric["roads"].set_index("id")
    for road_id, line in zip(repairs["road_id"], repairs.geometry, strict=True):
        assert line.buffer(0.5).difference(roads.loc[road_id, "geometry"].buffer(1.0)).area < 1.0
        assert roads.loc[road_id, "surface"] == "paved"
    villages = layers["villages"].set_index("id")
    paving = projects[projects["kind"] == "village_paving"]
    assert (villages.loc[paving["village_id"], "kind"] == "natural").all()
    footprints = projects.geometry.buffer(projects["width_m"] / 2.0, cap_style="flat")
    farmland = shapely.union_all(layers["basic_farmland"].geometry.to_numpy())
    parcels = layers["parcels"]
    forest = shapely.union_all(parcels[parcels["DLBM"].str.startswith("03")].geometry.to_numpy())
    redline = shapely.union_all(layers["eco_redline"].geometry.to_numpy())
    assert footprints.intersects(farmland).sum() >= 3
    assert footprints.intersects(forest).sum() >= 2
    assert footprints.intersects(redline).sum() >= 1


def _read_terminal(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"车牌号": str, "定位时间": str})


def test_terminal_export_has_headers_and_dirt(sample):
    out, _, _ = sample
    with (out / "patrol" / "terminal-2023.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["车牌号", "定位时间", "经度", "纬度", "速度"]
    rows = _read_terminal(out / "patrol" / "terminal-2023.csv")
    assert rows.duplicated().sum() > 0
    assert ((rows["经度"] == 0) & (rows["纬度"] == 0)).sum() > 0
    order = rows.groupby("车牌号")["定位时间"].apply(
        lambda s: (s.to_numpy()[1:] < s.to_numpy()[:-1]).sum()
    )
    assert order.sum() > 0  # some rows arrive late
    assert rows["定位时间"].str.match(r"^2023-\d\d-\d\d \d\d:\d\d:\d\d$").all()
    assert 60_000 <= len(rows) <= 250_000


def test_tracks_follow_their_true_paths(sample, metric):
    out, _, _ = sample
    truth = pd.read_csv(out / "patrol" / "truth.csv")
    assert 50 <= len(truth) <= 70
    assert 19_800e3 <= truth["length_m"].sum() <= 24_200e3
    rows = _read_terminal(out / "patrol" / "terminal-2023.csv").drop_duplicates()
    roads = metric["roads"].set_index("id").geometry
    to_metric = pyproj.Transformer.from_crs(4490, 4546, always_xy=True)
    far_total = 0
    checked = 0
    for trip in truth[truth["source"] == "terminal"].itertuples():
        start = trip.start[:19].replace("T", " ")
        end = trip.end[:19].replace("T", " ")
        mine = rows[
            (rows["车牌号"] == trip.vehicle)
            & (rows["定位时间"] >= start)
            & (rows["定位时间"] <= end)
        ]
        path = shapely.union_all(roads.loc[sorted(set(trip.road_ids.split(",")))].to_numpy())
        x, y = to_metric.transform(mine["经度"].to_numpy(), mine["纬度"].to_numpy())
        dist = shapely.distance(shapely.points(x, y), path)
        zero = (mine["经度"] == 0).to_numpy()
        far = dist > 100.0
        assert far[zero].all()
        assert far.sum() <= trip.zero_fixes + trip.jumps
        far_total += int(far.sum())
        checked += len(mine)
    assert checked > 50_000
    assert far_total > 0


def test_gpx_files(sample, metric):
    out, _, _ = sample
    truth = pd.read_csv(out / "patrol" / "truth.csv")
    roads = metric["roads"].set_index("id").geometry
    to_metric = pyproj.Transformer.from_crs(4490, 4546, always_xy=True)
    for trip in truth[truth["source"] == "gpx"].itertuples():
        with (out / trip.file).open(encoding="utf-8") as handle:
            doc = gpxpy.parse(handle)
        points = [p for t in doc.tracks for s in t.segments for p in s.points]
        assert len(points) > 1000
        assert all(p.time is not None and p.time.utcoffset() is not None for p in points)
        x, y = to_metric.transform([p.longitude for p in points], [p.latitude for p in points])
        path = shapely.union_all(roads.loc[sorted(set(trip.road_ids.split(",")))].to_numpy())
        assert shapely.distance(shapely.points(x, y), path).max() < 100.0


def test_patrol_events(sample):
    out, _, layers = sample
    events = layers["patrol_events"]
    counts = events.groupby("kind")["count"].sum()
    assert counts["obstacle"] == 31
    assert counts["illegal_operation"] == 6
    assert set(events["kind"]) <= {
        "obstacle",
        "overload",
        "illegal_operation",
        "encroachment",
        "other",
    }
    assert events["time"].str.endswith("+08:00").all()
    table = pd.read_csv(out / "patrol" / "events-2023.csv")
    assert len(table) == len(events)


def test_summary_text(sample):
    _, summary, _ = sample
    text = summary.to_text()
    assert "示范县" in text and "townships" in text and "亩" in text
    assert summary.served_villages == 36 and summary.served_townships == 6
    admin_share = 1 - summary.paved_access_villages / summary.villages_administrative
    assert 0.15 <= admin_share <= 0.30
