"""Map-matching benchmark (`make bench`; not part of `make test`).

Target (DESIGN.md): >= 5,000 GPS points/s on one core, matched length within 2 % of truth on
synthetic tracks with sigma = 10 m noise. The same tracks are run through naive baselines in
the same process: nearest-edge snapping (straight lines between the snapped positions) and
networkx shortest paths between the nearest nodes of consecutive points; and through
leuvenmapmatching when it is installed (it is not a dependency).

Rates are points per second of CPU time of this process (one core; the machine may be shared).
Figures are recorded in tests/bench/RESULTS.md ("Map matching").
"""

from __future__ import annotations

import itertools
import time

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from roadnet.network import RoadGraph, build_graph, snap_points
from roadnet.patrol.matching import match_track
from roadnet.patrol.params import MatchingParams
from roadnet.patrol.simulate import SimulatedTrack, random_route, simulate_track

CRS = 4546
POINTS = 50_000


def _county_roads(n: int = 40, spacing: float = 1000.0, seed: int = 0) -> gpd.GeoDataFrame:
    """A 40 x 40 km grid-ish network of curved roads (1 km blocks), 3,120 roads."""
    rng = np.random.default_rng(seed)
    xy = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2)
    xy = xy * spacing + rng.normal(0, spacing * 0.08, xy.shape) + [400_000, 4_500_000]
    idx = np.arange(n * n).reshape(n, n)
    pairs = np.r_[
        np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()],
        np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()],
    ]
    a, b = xy[pairs[:, 0]], xy[pairs[:, 1]]
    t = np.linspace(0, 1, 10)[None, :, None]
    normal = np.c_[-(b - a)[:, 1], (b - a)[:, 0]] / spacing
    bend = rng.normal(0, 0.1, len(a))[:, None, None] * spacing
    coords = a[:, None] + (b - a)[:, None] * t + normal[:, None] * np.sin(np.pi * t) * bend
    lines = shapely.linestrings(coords.reshape(-1, 2), indices=np.repeat(np.arange(len(a)), 10))
    return gpd.GeoDataFrame({"id": [f"R{i}" for i in range(len(a))]}, geometry=lines, crs=CRS)


def _tracks(
    graph: RoadGraph, *, interval_s: float, sigma_m: float, total_points: int, seed: int
) -> list[SimulatedTrack]:
    rng = np.random.default_rng(seed)
    out: list[SimulatedTrack] = []
    count = 0
    while count < total_points:
        edges, forward = random_route(graph, length_m=30_000, rng=rng)
        track = simulate_track(
            graph, edges, forward, interval_s=interval_s, speed_kmh=45, sigma_m=sigma_m, rng=rng
        )
        out.append(track)
        count += len(track.xy)
    return out


def _snap_length(graph: RoadGraph, xy: np.ndarray) -> float:
    snapped = snap_points(graph, shapely.points(xy)).points(graph)
    coords = shapely.get_coordinates(snapped)
    return float(np.hypot(*np.diff(coords, axis=0).T).sum())


def _networkx_length(graph: RoadGraph, nx_graph: nx.Graph, xy: np.ndarray) -> float:
    tree = shapely.STRtree(shapely.points(graph.node_xy))
    nodes = tree.query_nearest(shapely.points(xy), all_matches=False)[1]
    total = 0.0
    for a, b in zip(nodes[:-1].tolist(), nodes[1:].tolist(), strict=True):
        if a != b:
            total += nx.shortest_path_length(nx_graph, a, b, weight="length")
    return total


def _report(name: str, lengths: list[float], truths: list[float], points: int, seconds: float):
    errors = np.array(lengths) / np.array(truths) - 1.0
    total = sum(lengths) / sum(truths) - 1.0
    print(
        f"  {name:<28} {points / seconds:>10,.0f} pts/s   total {total * 100:+6.2f} %   "
        f"per track median |err| {np.median(np.abs(errors)) * 100:5.2f} %, "
        f"p95 {np.percentile(np.abs(errors), 95) * 100:5.2f} %"
    )
    return points / seconds, total, errors


def _baselines(graph: RoadGraph, tracks: list[SimulatedTrack]) -> None:
    points = sum(len(t.xy) for t in tracks)
    truths = [t.true_length_m for t in tracks]
    t0 = time.process_time()
    snapped = [_snap_length(graph, t.xy) for t in tracks]
    _report("nearest-edge snapping", snapped, truths, points, time.process_time() - t0)
    nx_graph = nx.Graph()
    nx_graph.add_weighted_edges_from(
        zip(graph.edge_u.tolist(), graph.edge_v.tolist(), graph.edge_length.tolist(), strict=True),
        weight="length",
    )
    subset = tracks[:20]
    t0 = time.process_time()
    nearest = [_networkx_length(graph, nx_graph, t.xy) for t in subset]
    _report(
        "networkx nearest nodes",
        nearest,
        [t.true_length_m for t in subset],
        sum(len(t.xy) for t in subset),
        time.process_time() - t0,
    )


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    return build_graph(_county_roads())


def test_matching_50k_points_sigma_10(graph):
    tracks = _tracks(graph, interval_s=10, sigma_m=10, total_points=POINTS, seed=1)
    points = sum(len(t.xy) for t in tracks)
    truths = [t.true_length_m for t in tracks]
    print(f"\n{len(tracks)} tracks, {points:,} points, 10 s sampling, sigma 10 m, "
          f"graph {graph.n_edges:,} edges")  # fmt: skip
    match_track(graph, tracks[0].xy)  # warm-up (STRtree build)
    t0 = time.process_time()
    lengths = [match_track(graph, t.xy).length_m for t in tracks]
    rate, total, errors = _report("roadnet HMM", lengths, truths, points, time.process_time() - t0)

    _baselines(graph, tracks)
    assert rate >= 5_000
    assert abs(total) < 0.02
    assert np.percentile(np.abs(errors), 95) < 0.02


@pytest.mark.parametrize(("interval", "sigma"), [(1, 10), (30, 10), (60, 10), (10, 30)])
def test_matching_other_sampling(graph, interval, sigma):
    tracks = _tracks(graph, interval_s=interval, sigma_m=sigma, total_points=10_000, seed=2)
    points = sum(len(t.xy) for t in tracks)
    params = MatchingParams(sigma_m=max(sigma, 20))
    t0 = time.process_time()
    lengths = [match_track(graph, t.xy, params=params).length_m for t in tracks]
    seconds = time.process_time() - t0
    print(f"\n{interval} s sampling, sigma {sigma} m, {points:,} points:")
    rate, total, _ = _report(
        "roadnet HMM", lengths, [t.true_length_m for t in tracks], points, seconds
    )
    _baselines(graph, tracks)
    assert rate >= 5_000
    assert abs(total) < (0.02 if sigma <= 10 else 0.05)


def test_leuvenmapmatching_on_the_same_tracks(graph):
    pytest.importorskip("leuvenmapmatching", reason="leuvenmapmatching is not installed")
    from leuvenmapmatching.map.inmem import InMemMap
    from leuvenmapmatching.matcher.distance import DistanceMatcher

    road_map = InMemMap("bench", use_latlon=False, use_rtree=False, index_edges=True)
    for i, (x, y) in enumerate(graph.node_xy.tolist()):
        road_map.add_node(i, (x, y))
    weight: dict[tuple[int, int], float] = {}
    for u, v, w in zip(
        graph.edge_u.tolist(), graph.edge_v.tolist(), graph.edge_length.tolist(), strict=True
    ):
        road_map.add_edge(u, v)
        road_map.add_edge(v, u)
        weight[u, v] = weight[v, u] = min(w, weight.get((u, v), np.inf))
    tracks = _tracks(graph, interval_s=10, sigma_m=10, total_points=1_000, seed=3)
    lengths = []
    t0 = time.process_time()
    for track in tracks:
        # settings that match whole tracks (max_dist=200 stops after a few dozen points)
        matcher = DistanceMatcher(
            road_map,
            max_dist=500,
            obs_noise=20,
            obs_noise_ne=50,
            dist_noise=50,
            max_lattice_width=10,
            non_emitting_states=True,
        )
        matcher.match([tuple(p) for p in track.xy.tolist()])
        nodes = matcher.path_pred_onlynodes  # whole edges between the matched nodes
        lengths.append(sum(weight[a, b] for a, b in itertools.pairwise(nodes)))
    seconds = time.process_time() - t0
    print(f"\nleuvenmapmatching, {sum(len(t.xy) for t in tracks):,} points:")
    _report(
        "leuvenmapmatching (nodes)",
        lengths,
        [t.true_length_m for t in tracks],
        sum(len(t.xy) for t in tracks),
        seconds,
    )
