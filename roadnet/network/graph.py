"""The routing graph: road lines noded into edges, with CSR arrays for scipy.

Nodes are where lines end or share a vertex (a crossing without a shared vertex is a bridge,
not a junction). Edge lengths are in metres of the county's metric CRS. Shortest paths run
on ``scipy.sparse.csgraph`` (about 20x networkx; :mod:`roadnet.network.routing`);
:meth:`RoadGraph.to_networkx` gives the same graph to networkx/osmnx for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

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

EPSILON = 1e-6  # scipy drops explicit zero weights: a zero-length edge weighs a micrometre


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
    data = np.maximum(np.r_[w, w], EPSILON)
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
