"""HMM map matching on a hand-built road network with known true paths."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from roadnet.errors import ConfigError
from roadnet.network import RoadGraph, build_graph
from roadnet.patrol.matching import (
    MatchedPath,
    estimate_sigma,
    match_track,
    match_tracks,
)
from roadnet.patrol.params import MatchingParams
from roadnet.patrol.simulate import random_route, simulate_track

CRS = 4546
ORIGIN = np.array([500_000.0, 4_540_000.0])


def _at(x: float, y: float) -> np.ndarray:
    return ORIGIN + np.array([x, y])


def _curved(a: np.ndarray, b: np.ndarray, bend: float, n: int = 12) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    normal = np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a))
    return a + (b - a) * t + normal * np.sin(np.pi * t) * bend


def _network(n: int = 5, spacing: float = 1500.0, seed: int = 7) -> gpd.GeoDataFrame:
    """An n x n grid of curved roads (a rural county's few-km blocks) plus two diagonals."""
    rng = np.random.default_rng(seed)
    nodes = {
        (i, j): _at(i * spacing, j * spacing) + rng.normal(0, spacing * 0.05, 2)
        for i in range(n)
        for j in range(n)
    }
    lines = []
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    bend = rng.uniform(-0.15, 0.15) * spacing
                    lines.append(_curved(nodes[i, j], nodes[i + di, j + dj], bend))
    lines.append(_curved(nodes[0, 0], nodes[1, 1], 80.0))
    lines.append(_curved(nodes[3, 1], nodes[4, 2], -60.0))
    return gpd.GeoDataFrame(
        {"id": [f"R{k}" for k in range(len(lines))]},
        geometry=[shapely.LineString(c) for c in lines],
        crs=CRS,
    )


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    return build_graph(_network())


def _relative_errors(
    graph: RoadGraph, *, interval: float, sigma: float, params: MatchingParams, seeds: range
) -> list[float]:
    errors = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        edges, forward = random_route(graph, length_m=12_000, rng=rng)
        track = simulate_track(
            graph, edges, forward, interval_s=interval, speed_kmh=45, sigma_m=sigma, rng=rng
        )
        path = match_track(graph, track.xy, params=params)
        assert path.breaks == 0
        errors.append(path.length_m / track.true_length_m - 1.0)
    return errors


@pytest.mark.parametrize("interval", [1, 10, 30, 60])
def test_sigma_10_within_2_percent(graph, interval):
    errors = _relative_errors(
        graph, interval=interval, sigma=10, params=MatchingParams(), seeds=range(3)
    )
    assert max(abs(e) for e in errors) < 0.02, errors


@pytest.mark.parametrize("interval", [1, 10, 30])
def test_sigma_30_within_5_percent(graph, interval):
    params = MatchingParams(sigma_m=30.0)
    errors = _relative_errors(graph, interval=interval, sigma=30, params=params, seeds=range(3))
    assert max(abs(e) for e in errors) < 0.05, errors


@pytest.mark.parametrize("sigma", [8.0, 30.0])
def test_sigma_is_estimated_from_the_track(graph, sigma):
    rng = np.random.default_rng(21)
    edges, forward = random_route(graph, length_m=12_000, rng=rng)
    track = simulate_track(
        graph, edges, forward, interval_s=10, speed_kmh=45, sigma_m=sigma, rng=rng
    )
    assert estimate_sigma(graph, track.xy) == pytest.approx(sigma, rel=0.25)
    path = match_track(graph, track.xy, params=MatchingParams(estimate_sigma=True))
    assert path.length_m == pytest.approx(track.true_length_m, rel=0.03)


def test_sigma_30_with_default_parameters(graph):
    errors = _relative_errors(
        graph, interval=10, sigma=30, params=MatchingParams(), seeds=range(10, 13)
    )
    assert max(abs(e) for e in errors) < 0.05, errors


def _assert_connected(graph: RoadGraph, path: MatchedPath) -> None:
    """Consecutive pieces meet: on one edge at one position, or at a shared node."""
    for k in range(len(path.edge) - 1):
        if path.segment[k] != path.segment[k + 1]:
            continue
        a, b = int(path.edge[k]), int(path.edge[k + 1])
        ends_a = {int(graph.edge_u[a]), int(graph.edge_v[a])}
        ends_b = {int(graph.edge_u[b]), int(graph.edge_v[b])}
        if a == b:
            continue
        assert ends_a & ends_b, f"pieces {k} and {k + 1} do not meet"


def test_matched_path_follows_the_true_edges(graph):
    rng = np.random.default_rng(3)
    edges, forward = random_route(graph, length_m=10_000, rng=rng)
    track = simulate_track(graph, edges, forward, interval_s=10, speed_kmh=50, sigma_m=10, rng=rng)
    path = match_track(graph, track.xy)
    _assert_connected(graph, path)
    on_truth = np.isin(path.edge, edges)
    lengths = path.end_m - path.start_m
    assert lengths[on_truth].sum() / lengths.sum() > 0.99
    assert set(path.edge.tolist()) >= set(edges[1:-1].tolist())
    assert np.all(path.end_m >= path.start_m)
    assert np.all(np.diff(path.point) >= 0)  # pieces in driving order


def test_no_plausible_route_breaks_instead_of_inventing_one():
    left = np.array([[0.0, 0.0], [3000.0, 0.0]]) + ORIGIN
    right = np.array([[6000.0, 0.0], [9000.0, 0.0]]) + ORIGIN  # not connected to `left`
    roads = gpd.GeoDataFrame(
        {"id": ["A", "B"]}, geometry=[shapely.LineString(left), shapely.LineString(right)], crs=CRS
    )
    graph = build_graph(roads)
    xs = np.r_[np.arange(100.0, 2900.0, 200.0), np.arange(6100.0, 8900.0, 200.0)]
    xy = np.c_[xs, np.full(len(xs), 5.0)] + ORIGIN
    path = match_track(graph, xy)
    assert path.breaks == 1
    assert set(np.unique(path.segment)) == {0, 1}
    assert path.length_m == pytest.approx(2 * 2600.0, abs=1.0)


def test_points_far_from_roads_are_skipped(graph):
    rng = np.random.default_rng(5)
    edges, forward = random_route(graph, length_m=8_000, rng=rng)
    track = simulate_track(graph, edges, forward, interval_s=10, speed_kmh=50, sigma_m=5, rng=rng)
    xy = track.xy.copy()
    xy[20] += [400.0, 400.0]  # a fix in the fields between roads
    path = match_track(graph, xy)
    assert path.points_unmatched >= 1
    assert path.length_m == pytest.approx(track.true_length_m, rel=0.02)


def test_turning_round_in_a_dead_end_keeps_both_ways():
    main = shapely.LineString([ORIGIN, _at(2000.0, 0.0), _at(4000.0, 0.0)])
    spur = shapely.LineString([_at(2000.0, 0.0), _at(2000.0, 600.0)])
    graph = build_graph(gpd.GeoDataFrame({"id": ["M", "S"]}, geometry=[main, spur], crs=CRS))
    drive = shapely.LineString(
        [ORIGIN, _at(2000.0, 0.0), _at(2000.0, 600.0), _at(2000.0, 0.0),
         _at(4000.0, 0.0)]
    )  # fmt: skip
    along = np.arange(0.0, drive.length + 1.0, 50.0)
    rng = np.random.default_rng(0)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(drive, along))
    xy += rng.normal(0.0, 5.0, xy.shape)
    path = match_track(graph, xy)
    assert path.length_m == pytest.approx(drive.length, rel=0.02)


def test_short_and_empty_tracks(graph):
    assert match_track(graph, np.zeros((0, 2))).length_m == 0.0
    one = match_track(graph, graph.node_xy[:1])
    assert one.length_m == 0.0 and len(one.edge) == 0
    far = match_track(graph, np.array([[0.0, 0.0], [10.0, 10.0]]))
    assert far.points_unmatched == 2 and far.length_m == 0.0


def test_match_tracks_labels_and_progress(graph):
    rng = np.random.default_rng(11)
    tracks = [
        simulate_track(
            graph,
            *random_route(graph, length_m=3000, rng=rng),
            interval_s=10,
            speed_kmh=40,
            sigma_m=8,
            rng=rng,
        )
        for _ in range(3)
    ]
    xy = np.vstack([t.xy for t in tracks])
    labels = np.repeat(np.arange(3), [len(t.xy) for t in tracks])
    calls: list[tuple[int, int]] = []
    paths = match_tracks(graph, xy, labels, progress=lambda d, n: calls.append((d, n)))
    assert len(paths) == 3
    assert calls[-1] == (len(xy), len(xy))
    bounds = np.r_[0, np.cumsum([len(t.xy) for t in tracks])]
    for k, (path, track) in enumerate(zip(paths, tracks, strict=True)):
        assert path.length_m == pytest.approx(track.true_length_m, rel=0.03)
        assert np.all((path.point >= bounds[k]) & (path.point < bounds[k + 1]))


@pytest.mark.parametrize(
    "kwargs",
    [{"sigma_m": 0}, {"beta_m": -1}, {"max_candidates": 0}, {"detour_m": -5}, {"sigma_m": np.nan}],
)
def test_bad_parameters_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        MatchingParams(**kwargs)
