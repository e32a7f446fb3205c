"""Topology diagnostics of a road graph: pieces, dangling ends, near misses and gaps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from roadnet.network.graph import RoadGraph
from roadnet.network.routing import Snap


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
