"""The routing graph: road lines noded into edges, CSR arrays for scipy, snapping, distances.

Nodes are where lines end or share a vertex (a crossing without a shared vertex is a bridge,
not a junction). Edge lengths are in metres of the county's metric CRS. Shortest paths run
on ``scipy.sparse.csgraph`` (about 20x networkx); :meth:`RoadGraph.to_networkx` gives the
same graph to networkx/osmnx for everything else.

Points (villages, stops) snap to the nearest point of the nearest edge, never only to the
nearest node: the straight connector counts, and both edge ends are tried.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from roadnet.errors import LayerError

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import pyproj

_EPSILON = 1e-6  # scipy drops explicit zero weights: a zero-length edge weighs a micrometre


@dataclass(frozen=True)
class RoadGraph:
    """An undirected road graph in a metric CRS.

    Attributes
    ----------
    node_xy
        ``(n, 2)`` node coordinates in metres.
    edge_u, edge_v
        End nodes of each edge (``u`` is where the edge geometry starts).
    edge_length
        Edge lengths in metres, measured along the geometry.
    edge_road
        Row position of each edge's road in ``roads``.
    edge_geometry
        Edge LineStrings (metric CRS), from ``u`` to ``v``.
    roads
        The roads layer the graph was built from (attributes: id, class, surface ...).
    crs
        The metric CRS.
    """

    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_road: np.ndarray
    edge_geometry: np.ndarray
    roads: gpd.GeoDataFrame
    crs: pyproj.CRS | None = None
    joined: tuple[tuple[str, str, float], ...] = field(default=())

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edge_u)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index of the edge geometries."""
        return shapely.STRtree(self.edge_geometry)

    @cached_property
    def csr(self) -> sparse.csr_matrix:
        """Symmetric adjacency matrix (shortest parallel edge kept), weights in metres."""
        return _csr(self.n_nodes, self.edge_u, self.edge_v, self.edge_length)

    @cached_property
    def edge_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted node-pair keys of the edges (shortest first) and their edge indices."""
        lo = np.minimum(self.edge_u, self.edge_v)
        hi = np.maximum(self.edge_u, self.edge_v)
        keys = lo * self.n_nodes + hi
        order = np.lexsort((self.edge_length, keys))
        return keys[order], order

    def edge_attribute(self, name: str) -> np.ndarray:
        """A roads column per edge (e.g. ``surface``, ``class``, ``id``)."""
        if name not in self.roads.columns:
            raise LayerError(f"roads have no '{name}' field", layer="roads", field=name)
        return self.roads[name].to_numpy()[self.edge_road]

    def subgraph(self, edge_mask: np.ndarray) -> RoadGraph:
        """The same nodes with only the edges where ``edge_mask`` is true (paved roads ...)."""
        mask = np.asarray(edge_mask, dtype=bool)
        return RoadGraph(
            node_xy=self.node_xy,
            edge_u=self.edge_u[mask],
            edge_v=self.edge_v[mask],
            edge_length=self.edge_length[mask],
            edge_road=self.edge_road[mask],
            edge_geometry=self.edge_geometry[mask],
            roads=self.roads,
            crs=self.crs,
        )

    def components(self) -> np.ndarray:
        """Connected-component label of every node."""
        _, labels = csgraph.connected_components(self.csr, directed=False)
        return labels

    def degree(self) -> np.ndarray:
        """Number of edge ends at each node (a self-loop counts twice)."""
        return np.bincount(np.r_[self.edge_u, self.edge_v], minlength=self.n_nodes)

    def edges_frame(self) -> gpd.GeoDataFrame:
        """Edges as a GeoDataFrame with u, v, length_m and the road's attributes."""
        import geopandas as gpd

        attrs = self.roads.drop(columns=self.roads.geometry.name).iloc[self.edge_road]
        frame = pd.DataFrame(
            {"u": self.edge_u, "v": self.edge_v, "length_m": self.edge_length}
        ).join(attrs.reset_index(drop=True).add_prefix("road_"))
        return gpd.GeoDataFrame(frame, geometry=self.edge_geometry, crs=self.crs)

    def to_networkx(self) -> nx.MultiGraph:
        """The graph as a networkx MultiGraph (``length`` in metres, node ``x``/``y``)."""
        import networkx as nx

        graph = nx.MultiGraph(crs=self.crs)
        graph.add_nodes_from(
            (i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(self.node_xy)
        )
        ids = self.edge_attribute("id") if "id" in self.roads.columns else self.edge_road
        graph.add_edges_from(
            (int(u), int(v), {"length": float(w), "road_id": rid, "geometry": g})
            for u, v, w, rid, g in zip(
                self.edge_u, self.edge_v, self.edge_length, ids, self.edge_geometry, strict=True
            )
        )
        return graph


def _csr(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> sparse.csr_matrix:
    rows = np.r_[u, v]
    cols = np.r_[v, u]
    data = np.maximum(np.r_[w, w], _EPSILON)
    keep = rows != cols
    rows, cols, data = rows[keep], cols[keep], data[keep]
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    return sparse.csr_matrix((data[first], (rows[first], cols[first])), shape=(n, n))


# --------------------------------------------------------------------------- building


def build_graph(
    roads: gpd.GeoDataFrame,
    *,
    tolerance: float = 0.01,
    join_tolerance: float | None = None,
) -> RoadGraph:
    """Node a roads layer into a routing graph.

    Parameters
    ----------
    roads
        Line layer in a metric CRS (a County's ``roads``).
    tolerance
        Vertices closer than this (metres) are the same node.
    join_tolerance
        When given, a dangling line end within this distance (metres) of another road is
        joined to it: a vertex is inserted into that road and the end extended to it.

    Returns
    -------
    RoadGraph
    """
    if roads.crs is not None and not roads.crs.is_projected:
        raise LayerError(
            "roads must be in a metric CRS to build a graph (load them with load_county)",
            layer="roads",
        )
    geoms = roads.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    if (types == 1).all():  # plain LineStrings: no need to explode
        parts, part_road = geoms, np.arange(len(geoms))
    else:
        parts, part_road = shapely.get_parts(geoms, return_index=True)
        is_line = shapely.get_type_id(parts) == 1
        parts, part_road = parts[is_line], part_road[is_line]
    joined: tuple[tuple[str, str, float], ...] = ()
    if join_tolerance:
        parts, joined = _join_near_misses(parts, part_road, roads, join_tolerance, tolerance)
    coords, vpart = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        raise LayerError("roads layer has no line geometry to build a graph from", layer="roads")

    key = _grid_keys(coords, tolerance)
    # drop consecutive repeated vertices within a part (zero-length segments)
    repeat = np.r_[False, (key[1:] == key[:-1]) & (vpart[1:] == vpart[:-1])]
    coords, vpart, key = coords[~repeat], vpart[~repeat], key[~repeat]
    start = np.r_[True, vpart[1:] != vpart[:-1]]
    end = np.r_[vpart[1:] != vpart[:-1], True]
    single = start & end  # a part reduced to one vertex has no edge
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    is_node = start | end | (counts[inverse] >= 2)

    node_keys = np.unique(inverse[is_node])
    key_to_node = np.full(int(inverse.max()) + 1, -1, dtype=np.int64)
    key_to_node[node_keys] = np.arange(len(node_keys))
    node_xy = np.zeros((len(node_keys), 2))
    node_xy[key_to_node[inverse[is_node]]] = coords[is_node]

    positions = np.flatnonzero(is_node & ~single)
    a, b = positions[:-1], positions[1:]
    same = vpart[a] == vpart[b]
    a, b = a[same], b[same]
    seg = np.r_[np.hypot(*np.diff(coords, axis=0).T), 0.0]
    seg[end] = 0.0
    cum = np.r_[0.0, np.cumsum(seg)[:-1]]
    length = cum[b] - cum[a]

    # An edge spanning its whole part keeps the part's geometry; split parts get new lines.
    whole = start[a] & end[b]
    edge_geometry = np.empty(len(a), dtype=object)
    kept = parts[vpart[a[whole]]]
    edge_geometry[whole] = shapely.force_2d(kept) if shapely.has_z(kept).any() else kept
    cut = np.flatnonzero(~whole)
    if len(cut):
        counts_per_edge = b[cut] - a[cut] + 1
        edge_of_vertex = np.repeat(np.arange(len(cut)), counts_per_edge)
        offsets = np.r_[0, np.cumsum(counts_per_edge)[:-1]]
        vertex = a[cut][edge_of_vertex] + (
            np.arange(counts_per_edge.sum()) - offsets[edge_of_vertex]
        )
        edge_geometry[cut] = shapely.linestrings(coords[vertex], indices=edge_of_vertex)

    return RoadGraph(
        node_xy=node_xy,
        edge_u=key_to_node[inverse[a]].astype(np.int64),
        edge_v=key_to_node[inverse[b]].astype(np.int64),
        edge_length=length,
        edge_road=part_road[vpart[a]].astype(np.int64),
        edge_geometry=edge_geometry,
        roads=roads,
        crs=roads.crs,
        joined=joined,
    )


def _grid_keys(coords: np.ndarray, tolerance: float) -> np.ndarray:
    grid = np.round(coords / tolerance).astype(np.int64)
    grid -= grid.min(axis=0)
    return grid[:, 0] * (int(grid[:, 1].max()) + 1) + grid[:, 1]


def _join_near_misses(
    parts: np.ndarray,
    part_road: np.ndarray,
    roads: gpd.GeoDataFrame,
    join_tolerance: float,
    tolerance: float,
) -> tuple[np.ndarray, tuple[tuple[str, str, float], ...]]:
    """Extend dangling ends onto a road passing within ``join_tolerance`` metres."""
    ends = np.r_[shapely.get_point(parts, 0), shapely.get_point(parts, -1)]
    end_part = np.r_[np.arange(len(parts)), np.arange(len(parts))]
    end_is_last = np.r_[np.zeros(len(parts), bool), np.ones(len(parts), bool)]
    all_coords = shapely.get_coordinates(parts)
    keys, counts = np.unique(_grid_keys(all_coords, tolerance), return_counts=True)
    end_keys = _grid_keys(np.r_[all_coords, shapely.get_coordinates(ends)], tolerance)[
        len(all_coords) :
    ]
    shared = counts[np.searchsorted(keys, end_keys)] >= 2
    dangling = np.flatnonzero(~shared)
    if len(dangling) == 0:
        return parts, ()
    tree = shapely.STRtree(parts)
    pairs = tree.query(ends[dangling], predicate="dwithin", distance=join_tolerance)
    parts = parts.copy()
    ids = roads["id"].astype(str).to_numpy() if "id" in roads.columns else part_road.astype(str)
    joined = []
    done: set[int] = set()
    for i_end, j_part in zip(dangling[pairs[0]], pairs[1], strict=True):
        own = int(end_part[i_end])
        if j_part == own or i_end in done:
            continue
        point = ends[i_end]
        other = parts[j_part]
        gap = float(shapely.distance(point, other))
        if gap <= tolerance:
            continue
        done.add(int(i_end))
        target = shapely.line_interpolate_point(other, shapely.line_locate_point(other, point))
        parts[j_part] = _insert_vertex(other, target)
        line = shapely.get_coordinates(parts[own])
        tx, ty = shapely.get_coordinates(target)[0]
        new = np.vstack([line, [tx, ty]]) if end_is_last[i_end] else np.vstack([[tx, ty], line])
        parts[own] = shapely.LineString(new)
        joined.append((str(ids[part_road[own]]), str(ids[part_road[j_part]]), gap))
    return parts, tuple(joined)


def _insert_vertex(line: shapely.LineString, point: shapely.Point) -> shapely.LineString:
    coords = shapely.get_coordinates(line)
    distance = shapely.line_locate_point(line, point)
    cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
    index = int(np.searchsorted(cum, distance, side="right"))
    index = min(max(index, 1), len(coords) - 1)
    return shapely.LineString(np.insert(coords, index, shapely.get_coordinates(point)[0], axis=0))


# --------------------------------------------------------------------------- diagnostics


@dataclass(frozen=True)
class GraphReport:
    """Topology diagnostics of a road graph."""

    nodes: int
    edges: int
    length_km: float
    components: int
    largest_component_share: float
    dangling_ends: int
    near_misses: pd.DataFrame  # node, x, y, distance_m, road_id (of the road nearly met)
    joined: tuple[tuple[str, str, float], ...]

    def to_json(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "length_km": round(self.length_km, 3),
            "components": self.components,
            "largest_component_share": round(self.largest_component_share, 4),
            "dangling_ends": self.dangling_ends,
            "near_misses": self.near_misses.to_dict(orient="records"),
            "joined": [{"from": a, "to": b, "gap_m": round(g, 2)} for a, b, g in self.joined],
        }


def describe_graph(graph: RoadGraph, *, near_miss: float = 10.0) -> GraphReport:
    """Count components and dangling ends; list ends that nearly meet another road.

    A near miss is a dangling end (degree-1 node) within ``near_miss`` metres of an edge it
    does not touch: usually a digitising gap that cuts a village off the network.
    """
    labels = graph.components()
    sizes = np.bincount(labels)
    degree = graph.degree()
    dangling = np.flatnonzero(degree == 1)
    points = shapely.points(graph.node_xy[dangling])
    rows = []
    if len(dangling):
        pairs = graph.tree.query(points, predicate="dwithin", distance=near_miss)
        touching = (graph.edge_u[pairs[1]] == dangling[pairs[0]]) | (
            graph.edge_v[pairs[1]] == dangling[pairs[0]]
        )
        ids = graph.edge_attribute("id") if "id" in graph.roads.columns else graph.edge_road
        best: dict[int, tuple[float, Any]] = {}
        for i, e in zip(pairs[0][~touching], pairs[1][~touching], strict=True):
            d = float(shapely.distance(points[i], graph.edge_geometry[e]))
            if d > 0 and (i not in best or d < best[i][0]):
                best[int(i)] = (d, ids[e])
        for i, (d, rid) in sorted(best.items()):
            node = int(dangling[i])
            rows.append(
                {
                    "node": node,
                    "x": float(graph.node_xy[node, 0]),
                    "y": float(graph.node_xy[node, 1]),
                    "distance_m": round(d, 2),
                    "road_id": rid,
                }
            )
    return GraphReport(
        nodes=graph.n_nodes,
        edges=graph.n_edges,
        length_km=float(graph.edge_length.sum() / 1000.0),
        components=len(sizes),
        largest_component_share=float(sizes.max() / max(graph.n_nodes, 1)),
        dangling_ends=len(dangling),
        near_misses=pd.DataFrame(rows, columns=["node", "x", "y", "distance_m", "road_id"]),
        joined=graph.joined,
    )


def piece_gaps(
    graph: RoadGraph, *, labels: np.ndarray | None = None, max_gap: float = 50.0
) -> pd.DataFrame:
    """The gaps between road pieces that a dangling end leaves, up to ``max_gap`` metres.

    A piece is a connected component of the graph. For every dangling end (degree-1 node)
    within ``max_gap`` of an edge of another piece, the shortest such distance per pair of
    pieces is kept: joining dangling ends within that many metres
    (``build_graph(join_tolerance=...)``, ``roadnet coverage --join N``) connects the two.

    Parameters
    ----------
    graph
        The road graph.
    labels
        Component label per node (:meth:`RoadGraph.components`), to reuse.
    max_gap
        Largest gap to look for (metres).

    Returns
    -------
    pandas.DataFrame
        ``piece``, ``other`` (component labels, ``piece < other``) and ``gap_m``; one row
        per pair of pieces, shortest gap first.
    """
    columns = ["piece", "other", "gap_m"]
    if labels is None:
        labels = graph.components()
    ends = np.flatnonzero(graph.degree() == 1)
    if len(ends) == 0 or graph.n_edges == 0:
        return pd.DataFrame(columns=columns)
    points = shapely.points(graph.node_xy[ends])
    i, e = graph.tree.query(points, predicate="dwithin", distance=max_gap)
    a = labels[ends[i]]
    b = labels[graph.edge_u[e]]
    other = a != b
    if not other.any():
        return pd.DataFrame(columns=columns)
    i, e, a, b = i[other], e[other], a[other], b[other]
    gap = shapely.distance(points[i], graph.edge_geometry[e])
    frame = pd.DataFrame({"piece": np.minimum(a, b), "other": np.maximum(a, b), "gap_m": gap})
    frame = frame.groupby(["piece", "other"], as_index=False)["gap_m"].min()
    return frame.sort_values("gap_m", kind="stable").reset_index(drop=True)


def snapped_pieces(graph: RoadGraph, snap: Snap, *, labels: np.ndarray | None = None) -> np.ndarray:
    """The road piece (component label) each snapped point lies on; -1 when not snapped."""
    if labels is None:
        labels = graph.components()
    out = np.full(len(snap), -1, dtype=np.int64)
    ok = snap.edge >= 0
    out[ok] = labels[graph.edge_u[snap.edge[ok]]]
    return out


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
        (np.maximum(np.r_[to_u, to_v], _EPSILON), (np.r_[virtual, virtual], np.r_[u, v])),
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


def shortest_route(graph: RoadGraph, start: Snap, end: Snap) -> Route | None:
    """Shortest road path between two snapped points (one each), or None when unconnected.

    The path leaves ``start`` along its edge towards either end, follows whole edges, and
    enters ``end``'s edge from either end; connectors are not part of the route.
    """
    from shapely.ops import substring

    if len(start) != 1 or len(end) != 1:
        raise ValueError("shortest_route takes one start and one end point")
    ea, eb = int(start.edge[0]), int(end.edge[0])
    if ea < 0 or eb < 0:
        return None
    oa, ob = float(start.offset[0]), float(end.offset[0])
    la = float(graph.edge_length[ea])
    lb = float(graph.edge_length[eb])
    ga, gb = graph.edge_geometry[ea], graph.edge_geometry[eb]
    best: tuple[float, shapely.LineString, list[int]] | None = None
    if ea == eb:
        best = (abs(ob - oa), substring(ga, oa, ob), [ea])
    n = graph.n_nodes
    source = n
    extra = sparse.csr_matrix(
        (
            np.maximum([oa, la - oa], _EPSILON),
            ([source, source], [graph.edge_u[ea], graph.edge_v[ea]]),
        ),
        shape=(n + 1, n + 1),
    )
    augmented = sparse.block_diag([graph.csr, sparse.csr_matrix((1, 1))], format="csr")
    augmented = augmented + extra + extra.T
    dist, pred = csgraph.dijkstra(
        augmented, directed=True, indices=source, return_predecessors=True
    )
    for node, tail, piece in (
        (int(graph.edge_u[eb]), ob, lambda: substring(gb, 0.0, ob)),
        (int(graph.edge_v[eb]), lb - ob, lambda: substring(gb, lb, ob)),
    ):
        total = dist[node] + tail
        if not np.isfinite(total) or (best is not None and total >= best[0]):
            continue
        nodes = [node]
        while pred[nodes[-1]] >= 0 and pred[nodes[-1]] != source:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        first = nodes[0]
        head = substring(ga, oa, 0.0) if first == graph.edge_u[ea] else substring(ga, oa, la)
        pieces = [head]
        edges = [ea]
        for u, v in itertools.pairwise(nodes):
            e = _edge_between(graph, u, v)
            geom = graph.edge_geometry[e]
            pieces.append(geom if graph.edge_u[e] == u else shapely.reverse(geom))
            edges.append(e)
        pieces.append(piece())
        edges.append(eb)
        best = (float(total), _join_pieces(pieces), edges)
    if best is None:
        return None
    return Route(best[0], best[1], np.array(best[2], dtype=np.int64))


def _edge_between(graph: RoadGraph, u: int, v: int) -> int:
    """The shortest edge joining nodes u and v (binary search in a sorted key array)."""
    keys, order = graph.edge_keys
    key = min(u, v) * graph.n_nodes + max(u, v)
    return int(order[np.searchsorted(keys, key)])


def _join_pieces(pieces: list[shapely.Geometry]) -> shapely.LineString:
    coords = [shapely.get_coordinates(p) for p in pieces if not shapely.is_empty(p)]
    stacked = np.vstack([c for c in coords if len(c)])
    keep = np.r_[True, np.any(np.diff(stacked, axis=0) != 0, axis=1)]
    stacked = stacked[keep]
    if len(stacked) == 1:
        stacked = np.vstack([stacked, stacked])
    return shapely.LineString(stacked)


def connect_line(
    roads: gpd.GeoDataFrame, line: shapely.LineString, *, tolerance: float
) -> tuple[gpd.GeoDataFrame, shapely.LineString]:
    """Join a new road's ends to the network.

    Each end within ``tolerance`` metres of a road moves onto that road, where a vertex is
    inserted so that the two share a node.

    Returns the updated roads (a copy) and the adjusted line.
    """
    roads = roads.copy()
    geoms = roads.geometry.to_numpy().copy()
    coords = shapely.get_coordinates(line)
    tree = shapely.STRtree(geoms)
    for end in (0, len(coords) - 1):
        point = shapely.Point(coords[end])
        hit, dist = tree.query_nearest(point, return_distance=True, all_matches=False)
        if len(hit) == 0 or dist[0] > tolerance:
            continue
        j = int(hit[0])
        target = shapely.line_interpolate_point(
            geoms[j], shapely.line_locate_point(geoms[j], point)
        )
        coords[end] = shapely.get_coordinates(target)[0]
        if shapely.get_type_id(geoms[j]) == 1:
            geoms[j] = _insert_vertex(geoms[j], target)
    roads = roads.set_geometry(geoms, crs=roads.crs)
    return roads, shapely.LineString(coords)
