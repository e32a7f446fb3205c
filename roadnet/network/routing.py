"""Routing on a road graph: snapping points to edges, distances, shortest-path trees, routes.

Points (villages, stops) snap to the nearest point of the nearest edge, never only to the
nearest node: the straight connector counts, and both edge ends are tried.

A :class:`ShortestPathTree` is one search from a snapped point to everywhere; the distances
to many positions and the path to any of them come from it without searching again
(:func:`shortest_route` is one tree and one path; :mod:`roadnet.reroute` routes a bus line's
legs on it).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from shapely.ops import substring

from roadnet.network.graph import EPSILON, RoadGraph

# --------------------------------------------------------------------------- snapping


@dataclass(frozen=True)
class Snap:
    """Points snapped onto a graph's edges.

    ``edge`` is -1 for a point with no edge (empty graph or beyond ``max_distance``);
    ``offset`` is the distance in metres along the edge from its ``u`` node; ``connector``
    the straight distance from the point to the edge (inf when not snapped).
    """

    edge: np.ndarray
    offset: np.ndarray
    connector: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)

    def take(self, index: np.ndarray) -> Snap:
        """The snaps of a subset of points."""
        return Snap(self.edge[index], self.offset[index], self.connector[index])

    def points(self, graph: RoadGraph) -> np.ndarray:
        """The snapped positions on the edges (None where not snapped)."""
        out = np.full(len(self.edge), None, dtype=object)
        ok = self.edge >= 0
        out[ok] = shapely.line_interpolate_point(
            graph.edge_geometry[self.edge[ok]], self.offset[ok]
        )
        return out


def snap_points(graph: RoadGraph, points: np.ndarray, *, max_distance: float | None = None) -> Snap:
    """Snap points to the nearest point of the nearest edge.

    Parameters
    ----------
    graph
        The road graph (metric CRS).
    points
        Shapely points in the graph's CRS.
    max_distance
        Points farther than this (metres) from every edge are left unsnapped.
    """
    points = np.asarray(points, dtype=object)
    n = len(points)
    edge = np.full(n, -1, dtype=np.int64)
    offset = np.zeros(n)
    connector = np.full(n, np.inf)
    if n == 0 or graph.n_edges == 0:
        return Snap(edge, offset, connector)
    (src, hit), dist = graph.tree.query_nearest(
        points, max_distance=max_distance, return_distance=True, all_matches=False
    )
    edge[src] = hit
    connector[src] = dist
    offset[src] = shapely.line_locate_point(graph.edge_geometry[hit], points[src])
    return Snap(edge, offset, connector)


# --------------------------------------------------------------------------- distances


@dataclass(frozen=True)
class Reach:
    """Network distances from a set of sources to each target.

    ``distance`` in metres (inf when unreachable within the limit), ``source`` the index of
    the nearest source (-1 when none).
    """

    distance: np.ndarray
    source: np.ndarray


def distances_from_sources(
    graph: RoadGraph,
    sources: Snap,
    targets: Snap,
    *,
    limit: float = np.inf,
) -> Reach:
    """Shortest undirected network distance from the nearest source to every target.

    Both connectors count: distance = source connector + path along roads + target
    connector, with the path entering and leaving the edges at the snapped points (both
    edge ends tried; a source and target on the same edge are joined directly).

    Parameters
    ----------
    graph
        The road graph.
    sources, targets
        Snapped points (:func:`snap_points`).
    limit
        Stop searching beyond this distance (metres); farther targets are inf.
    """
    n = graph.n_nodes
    ok = np.flatnonzero(sources.edge >= 0)
    distance = np.full(len(targets), np.inf)
    nearest = np.full(len(targets), -1, dtype=np.int64)
    if len(ok) == 0 or len(targets) == 0:
        return Reach(distance, nearest)
    e = sources.edge[ok]
    k = len(ok)
    virtual = n + np.arange(k)
    u, v = graph.edge_u[e], graph.edge_v[e]
    to_u = sources.connector[ok] + sources.offset[ok]
    to_v = sources.connector[ok] + graph.edge_length[e] - sources.offset[ok]
    base = graph.csr
    extra = sparse.csr_matrix(
        (np.maximum(np.r_[to_u, to_v], EPSILON), (np.r_[virtual, virtual], np.r_[u, v])),
        shape=(n + k, n + k),
    )
    augmented = sparse.block_diag([base, sparse.csr_matrix((k, k))], format="csr")
    augmented = augmented + extra + extra.T
    node_dist, _, node_source = csgraph.dijkstra(
        augmented,
        directed=True,
        indices=virtual,
        limit=limit,
        min_only=True,
        return_predecessors=True,
    )
    t_ok = np.flatnonzero(targets.edge >= 0)
    te = targets.edge[t_ok]
    via_u = node_dist[graph.edge_u[te]] + targets.offset[t_ok]
    via_v = node_dist[graph.edge_v[te]] + graph.edge_length[te] - targets.offset[t_ok]
    src_u = node_source[graph.edge_u[te]]
    src_v = node_source[graph.edge_v[te]]
    best = np.where(via_u <= via_v, via_u, via_v)
    best_src = np.where(via_u <= via_v, src_u, src_v)
    total = best + targets.connector[t_ok]
    distance[t_ok] = total
    nearest[t_ok] = np.where(np.isfinite(total), best_src - n, -1)
    # a source on the target's own edge: straight along the edge
    order = np.argsort(e, kind="stable")
    sorted_edges = e[order]
    lo = np.searchsorted(sorted_edges, te, side="left")
    hi = np.searchsorted(sorted_edges, te, side="right")
    for j in np.flatnonzero(hi > lo):
        cands = order[lo[j] : hi[j]]
        direct = (
            sources.connector[ok][cands]
            + np.abs(sources.offset[ok][cands] - targets.offset[t_ok[j]])
            + targets.connector[t_ok[j]]
        )
        m = int(np.argmin(direct))
        if direct[m] < distance[t_ok[j]]:
            distance[t_ok[j]] = direct[m]
            nearest[t_ok[j]] = cands[m]
    over = distance > limit
    distance[over] = np.inf
    nearest[over] = -1
    # indices into the original sources array
    mapped = nearest >= 0
    nearest[mapped] = ok[nearest[mapped]]
    return Reach(distance, nearest)


# --------------------------------------------------------------------------- routes


@dataclass(frozen=True)
class Route:
    """A shortest path between two snapped points: its length (m), geometry and edges."""

    length_m: float
    geometry: shapely.LineString
    edges: np.ndarray


@dataclass(frozen=True)
class ShortestPathTree:
    """Shortest road paths from one snapped point to everywhere (one search on the graph).

    Paths leave the point's snapped position along its edge towards either end, follow
    whole edges (the shortest of parallel ones) and enter the target's edge from either end;
    connectors are not part of a path.

    Attributes
    ----------
    graph
        The road graph searched.
    edge, offset
        Where the source snapped: the edge (-1 when not snapped) and the distance along it
        from its ``u`` end (m).
    node_distance
        Road distance (m) from the snapped position to every node (inf: unreachable).
    side
        Per node, whether its shortest path leaves the source edge by its ``u`` end (0) or
        its ``v`` end (1).
    predecessors
        The two predecessor arrays of the searches from the source edge's ``u`` and ``v``.
    """

    graph: RoadGraph
    edge: int
    offset: float
    node_distance: np.ndarray
    side: np.ndarray
    predecessors: np.ndarray

    def distances(self, edge: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """Road distance (m) to positions on edges (connectors excluded; inf: none).

        Parameters
        ----------
        edge, offset
            The positions: edge index (-1: not snapped) and distance along it from ``u``
            (a :class:`Snap`'s ``edge`` and ``offset``).

        Returns
        -------
        numpy.ndarray
            One distance per position.
        """
        g = self.graph
        edge = np.asarray(edge, dtype=np.int64)
        offset = np.asarray(offset, dtype=float)
        distance = np.full(len(edge), np.inf)
        if self.edge < 0:
            return distance
        ok = edge >= 0
        e, o = edge[ok], offset[ok]
        via_u = self.node_distance[g.edge_u[e]] + o
        via_v = self.node_distance[g.edge_v[e]] + g.edge_length[e] - o
        best = np.minimum(via_u, via_v)
        same = e == self.edge
        best[same] = np.minimum(best[same], np.abs(o[same] - self.offset))
        distance[ok] = best
        return distance

    def route_to(self, edge: int, offset: float) -> Route | None:
        """The shortest road path to a position on an edge, or None when not connected.

        Ties go to the path along the source edge itself, then to the target edge's ``u``
        end.

        Parameters
        ----------
        edge, offset
            The target position: edge index and distance along it from ``u`` (m).

        Returns
        -------
        Route or None
        """
        g = self.graph
        if edge < 0 or self.edge < 0:
            return None
        start = g.edge_geometry[self.edge]
        start_length = float(g.edge_length[self.edge])
        direct = abs(offset - self.offset) if edge == self.edge else np.inf
        u, v = int(g.edge_u[edge]), int(g.edge_v[edge])
        length = float(g.edge_length[edge])
        via_u = float(self.node_distance[u]) + offset
        via_v = float(self.node_distance[v]) + length - offset
        best = min(direct, via_u, via_v)
        if not np.isfinite(best):
            return None
        if best == direct:
            piece = substring(start, self.offset, offset)
            return Route(float(best), _join_pieces([piece]), np.array([edge], dtype=np.int64))
        node = u if via_u <= via_v else v
        side = int(self.side[node])
        source = int(g.edge_u[self.edge] if side == 0 else g.edge_v[self.edge])
        predecessors = self.predecessors[side]
        nodes = [node]
        while nodes[-1] != source:
            nodes.append(int(predecessors[nodes[-1]]))
        nodes.reverse()
        pieces = [substring(start, self.offset, 0.0 if side == 0 else start_length)]
        edges = [self.edge]
        for a, b in itertools.pairwise(nodes):
            e = _edge_between(g, a, b)
            geom = g.edge_geometry[e]
            pieces.append(geom if g.edge_u[e] == a else shapely.reverse(geom))
            edges.append(e)
        pieces.append(substring(g.edge_geometry[edge], 0.0 if node == u else length, offset))
        edges.append(edge)
        return Route(float(best), _join_pieces(pieces), np.array(edges, dtype=np.int64))


def shortest_path_tree(
    graph: RoadGraph, source: Snap, *, limit: float = np.inf
) -> ShortestPathTree:
    """Search the shortest road paths from one snapped point to every node.

    Parameters
    ----------
    graph
        The road graph.
    source
        One snapped point (:func:`snap_points`); unsnapped gives a tree reaching nothing.
    limit
        Stop searching beyond this road distance (metres) from either end of the source
        edge; nodes farther are unreachable (inf).

    Returns
    -------
    ShortestPathTree
    """
    if len(source) != 1:
        raise ValueError("shortest_path_tree takes one source point")
    edge, offset = int(source.edge[0]), float(source.offset[0])
    if edge < 0 or graph.n_edges == 0:
        nothing = np.full(graph.n_nodes, np.inf)
        none = np.full((2, graph.n_nodes), -9999, dtype=np.int32)
        return ShortestPathTree(graph, -1, offset, nothing, np.zeros(graph.n_nodes, np.int8), none)
    ends = [int(graph.edge_u[edge]), int(graph.edge_v[edge])]
    dist, predecessors = csgraph.dijkstra(
        graph.csr, directed=True, indices=ends, return_predecessors=True, limit=limit
    )
    lead = np.array([offset, float(graph.edge_length[edge]) - offset])[:, None]
    total = dist + lead
    side = np.argmin(total, axis=0)
    return ShortestPathTree(
        graph, edge, offset, total.min(axis=0), side.astype(np.int8), predecessors
    )


def shortest_route(graph: RoadGraph, start: Snap, end: Snap) -> Route | None:
    """Shortest road path between two snapped points (one each), or None when unconnected.

    The path leaves ``start`` along its edge towards either end, follows whole edges, and
    enters ``end``'s edge from either end; connectors are not part of the route.

    Parameters
    ----------
    graph
        The road graph.
    start, end
        One snapped point each (:func:`snap_points`).

    Returns
    -------
    Route or None
    """
    if len(start) != 1 or len(end) != 1:
        raise ValueError("shortest_route takes one start and one end point")
    if start.edge[0] < 0 or end.edge[0] < 0:
        return None
    return shortest_path_tree(graph, start).route_to(int(end.edge[0]), float(end.offset[0]))


def _edge_between(graph: RoadGraph, u: int, v: int) -> int:
    """The shortest edge joining nodes u and v (the one the adjacency matrix holds)."""
    keys, order = graph.edge_keys
    key = min(u, v) * graph.n_nodes + max(u, v)
    return int(order[np.searchsorted(keys, key)])


def _join_pieces(pieces: list[shapely.Geometry]) -> shapely.LineString:
    coords = [shapely.get_coordinates(p) for p in pieces if not shapely.is_empty(p)]
    return shapely.LineString(line_coords(np.vstack([c for c in coords if len(c)])))


def line_coords(coords: np.ndarray) -> np.ndarray:
    """``coords`` without consecutive repeats, a single point doubled (a line needs two).

    Route pieces joined end to end repeat each joint; this makes them one line's vertices.
    """
    keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]
    coords = coords[keep]
    return np.vstack([coords, coords]) if len(coords) == 1 else coords
