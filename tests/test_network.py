"""Routing graph, snapping and multi-source distances against a networkx reference."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, Point

from roadnet.network import (
    build_graph,
    describe_graph,
    distances_from_sources,
    piece_gaps,
    snap_points,
    snapped_pieces,
)

CRS = 4546


def _roads(lines, **cols):
    return gpd.GeoDataFrame(
        {"id": [f"R{i}" for i in range(len(lines))], **cols}, geometry=lines, crs=CRS
    )


def test_nodes_at_ends_and_shared_vertices():
    roads = _roads(
        [
            LineString([(0, 0), (5, 0), (10, 0)]),
            LineString([(5, -5), (5, 0), (5, 5)]),  # crosses at a shared vertex: a junction
            LineString([(0, 3), (10, 3)]),  # crosses the second line without a shared vertex
            LineString([(10, 0), (10, 3)]),  # T onto the end of the third line
        ]
    )
    graph = build_graph(roads)
    assert graph.n_nodes == 7
    assert graph.n_edges == 6
    assert graph.edge_length.sum() == pytest.approx(10 + 10 + 10 + 3)
    assert sorted(np.bincount(graph.edge_road)) == [1, 1, 2, 2]
    # edge geometry runs from u to v
    for u, v, geom in zip(graph.edge_u, graph.edge_v, graph.edge_geometry, strict=True):
        assert Point(graph.node_xy[u]).distance(shapely.get_point(geom, 0)) < 1e-9
        assert Point(graph.node_xy[v]).distance(shapely.get_point(geom, -1)) < 1e-9


def test_multilinestring_and_duplicates_and_zero_length():
    roads = _roads(
        [
            shapely.MultiLineString([[(0, 0), (1, 0)], [(1, 0), (2, 0)]]),
            LineString([(2, 0), (2, 0), (3, 0)]),
            LineString([(0, 0), (1, 0)]),  # parallel duplicate of part of the first
        ]
    )
    graph = build_graph(roads)
    assert graph.n_nodes == 4
    assert graph.csr.nnz == 6  # the duplicate pair of edges collapses in the CSR
    assert set(graph.edge_road) == {0, 1, 2}


def test_snap_to_edge_interior_not_nearest_node():
    roads = _roads([LineString([(0, 0), (1000, 0)])])
    graph = build_graph(roads)
    snap = snap_points(graph, np.array([Point(400, 30)]))
    assert snap.edge[0] == 0
    assert snap.offset[0] == pytest.approx(400)
    assert snap.connector[0] == pytest.approx(30)
    stops = snap_points(graph, np.array([Point(600, -10)]))
    reach = distances_from_sources(graph, stops, snap)
    assert reach.distance[0] == pytest.approx(10 + 200 + 30)
    assert reach.source[0] == 0


def test_limit_and_unreachable():
    roads = _roads([LineString([(0, 0), (1000, 0)]), LineString([(0, 50), (1000, 50)])])
    graph = build_graph(roads)
    src = snap_points(graph, np.array([Point(0, -1)]))
    tgt = snap_points(graph, np.array([Point(900, -1), Point(500, 51), Point(50, -1)]))
    reach = distances_from_sources(graph, src, tgt, limit=500)
    assert np.isinf(reach.distance[0]) and reach.source[0] == -1
    assert np.isinf(reach.distance[1])  # other component
    assert reach.distance[2] == pytest.approx(52)


def test_near_miss_reported_and_joined():
    roads = _roads([LineString([(0, 0), (1000, 0)]), LineString([(500, 4), (500, 800)])])
    report = describe_graph(build_graph(roads), near_miss=10)
    assert report.components == 2
    assert len(report.near_misses) == 1
    assert report.near_misses.iloc[0]["distance_m"] == pytest.approx(4)
    assert report.near_misses.iloc[0]["road_id"] == "R0"
    joined = build_graph(roads, join_tolerance=10)
    assert describe_graph(joined).components == 1
    assert joined.joined == (("R1", "R0", pytest.approx(4)),)
    assert joined.edge_length.sum() == pytest.approx(1000 + 796 + 4)


def _reference(graph, sources, targets):
    """networkx: insert every snapped point as a node, multi-source Dijkstra."""
    g = nx.Graph()
    pieces: dict[int, list[tuple[float, object]]] = {}
    for i, (e, off, conn) in enumerate(
        zip(sources.edge, sources.offset, sources.connector, strict=True)
    ):
        if e >= 0:
            pieces.setdefault(int(e), []).append((off, ("s", i)))
            g.add_edge(("s", i), ("sp", i), weight=conn)
    for i, (e, off, conn) in enumerate(
        zip(targets.edge, targets.offset, targets.connector, strict=True)
    ):
        if e >= 0:
            pieces.setdefault(int(e), []).append((off, ("t", i)))
            g.add_edge(("t", i), ("tp", i), weight=conn)
    for e in range(graph.n_edges):
        u, v, length = int(graph.edge_u[e]), int(graph.edge_v[e]), float(graph.edge_length[e])
        chain = [(0.0, u)]
        for off, (kind, i) in sorted(pieces.get(e, []), key=lambda p: p[0]):
            chain.append((off, ("sp" if kind == "s" else "tp", i)))
        chain.append((length, v))
        for (o1, a), (o2, b) in itertools.pairwise(chain):
            w = max(o2 - o1, 0.0)
            if a == b:
                continue
            if not g.has_edge(a, b) or g[a][b]["weight"] > w:
                g.add_edge(a, b, weight=w)
    srcs = {("s", i) for i in range(len(sources)) if sources.edge[i] >= 0}
    dist = nx.multi_source_dijkstra_path_length(g, srcs) if srcs else {}
    return np.array([dist.get(("t", i), np.inf) for i in range(len(targets))])


@st.composite
def _networks(draw):
    n = draw(st.integers(2, 9))
    xs = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    ys = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    nodes = [(x * 100.0, y * 100.0) for x, y in zip(xs, ys, strict=True)]
    m = draw(st.integers(1, 14))
    lines = []
    for _ in range(m):
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(0, n - 1))
        if nodes[a] == nodes[b]:
            continue
        bend = draw(st.floats(-300, 300))
        mid = ((nodes[a][0] + nodes[b][0]) / 2 + bend, (nodes[a][1] + nodes[b][1]) / 2)
        lines.append(LineString([nodes[a], mid, nodes[b]]))
    pts = st.tuples(st.floats(-200, 2200), st.floats(-200, 2200))
    sources = draw(st.lists(pts, min_size=1, max_size=5))
    targets = draw(st.lists(pts, min_size=1, max_size=8))
    return lines, sources, targets


@settings(max_examples=60, deadline=None)
@given(_networks())
def test_distances_match_networkx(case):
    lines, sources, targets = case
    if not lines:
        return
    graph = build_graph(_roads(lines))
    s = snap_points(graph, shapely.points(np.array(sources)))
    t = snap_points(graph, shapely.points(np.array(targets)))
    reach = distances_from_sources(graph, s, t)
    expected = _reference(graph, s, t)
    np.testing.assert_allclose(reach.distance, expected, rtol=1e-9, atol=1e-6)
    # the nearest source reported really is at that distance
    for i in np.flatnonzero(np.isfinite(reach.distance)):
        one = distances_from_sources(
            graph, s.take(np.array([reach.source[i]])), t.take(np.array([i]))
        )
        assert one.distance[0] == pytest.approx(reach.distance[i], abs=1e-6)


def test_to_networkx_same_lengths():
    roads = _roads([LineString([(0, 0), (3, 4), (6, 0)]), LineString([(6, 0), (6, 10)])])
    graph = build_graph(roads)
    g = graph.to_networkx()
    assert g.number_of_nodes() == graph.n_nodes
    assert sum(d["length"] for *_, d in g.edges(data=True)) == pytest.approx(20)


def test_shortest_route_geometry_and_length():
    from roadnet.network import shortest_route

    roads = _roads(
        [
            LineString([(0, 0), (1000, 0)]),
            LineString([(1000, 0), (1000, 1000)]),
            LineString([(0, 0), (0, 2000), (1000, 1000)]),
        ]
    )
    graph = build_graph(roads)
    a = snap_points(graph, np.array([Point(300, -20)]))
    b = snap_points(graph, np.array([Point(1010, 600)]))
    route = shortest_route(graph, a, b)
    assert route is not None
    assert route.length_m == pytest.approx(700 + 600)
    assert route.geometry.length == pytest.approx(route.length_m)
    assert Point(300, 0).distance(shapely.get_point(route.geometry, 0)) < 1e-6
    assert Point(1000, 600).distance(shapely.get_point(route.geometry, -1)) < 1e-6
    same = shortest_route(graph, a, snap_points(graph, np.array([Point(800, 5)])))
    assert same is not None and same.length_m == pytest.approx(500)
    far = build_graph(_roads([LineString([(0, 0), (10, 0)]), LineString([(50, 50), (60, 50)])]))
    assert (
        shortest_route(
            far,
            snap_points(far, np.array([Point(1, 0)])),
            snap_points(far, np.array([Point(55, 50)])),
        )
        is None
    )


def test_connect_line_shares_a_node():
    from roadnet.network import connect_line

    roads = _roads([LineString([(0, 0), (1000, 0)])])
    new_roads, line = connect_line(roads, LineString([(500, 30), (500, 800)]), tolerance=50)
    combined = gpd.GeoDataFrame(
        {"id": ["R0", "N"]},
        geometry=[new_roads.geometry.iloc[0], line],
        crs=CRS,
    )
    graph = build_graph(combined)
    assert describe_graph(graph).components == 1
    assert graph.edge_length.sum() == pytest.approx(1000 + 800)


def test_pieces_and_their_gaps():
    """Three pieces: a main road, a spur ending 7 m short of it, an island 200 m away."""
    roads = _roads(
        [
            LineString([(0, 0), (1000, 0)]),
            LineString([(500, 7), (500, 300)]),  # dangling end 7 m from the main road
            LineString([(0, 500), (100, 500)]),  # an island
        ]
    )
    graph = build_graph(roads)
    labels = graph.components()
    gaps = piece_gaps(graph, labels=labels, max_gap=50)
    main, spur, island = (labels[graph.edge_u[e]] for e in range(3))
    assert len({main, spur, island}) == 3
    assert len(gaps) == 1
    row = gaps.iloc[0]
    assert {row["piece"], row["other"]} == {main, spur}
    assert row["gap_m"] == pytest.approx(7.0)
    assert len(piece_gaps(graph, max_gap=5)) == 0
    snap = snap_points(graph, np.array([Point(10, 3), Point(505, 200), Point(50, 490)]))
    assert snapped_pieces(graph, snap, labels=labels).tolist() == [main, spur, island]
    # joining within the gap makes one piece of the two
    assert len(set(build_graph(roads, join_tolerance=8).components())) == 2
