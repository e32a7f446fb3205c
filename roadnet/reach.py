"""The roads within the service radius of a stop: what a coverage map shades as "reached".

A point of a road is reachable when its network distance from a stop (the stop's straight
connector to the road, then along roads, undirected) is at most the radius: the rule of
:mod:`roadnet.bus` without the village's own connector. Edges are cut where the
radius runs out. :meth:`roadnet.bus.CoverageResult.reachable_roads` calls this on the
graph the coverage was computed on, so a map never routes.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely import ops

from roadnet.network import RoadGraph, Snap, distances_from_sources, snap_points


def reachable_roads(
    graph: RoadGraph, stops: np.ndarray, *, radius_m: float, crs: Any = None
) -> gpd.GeoSeries:
    """The road network within the service radius of a stop, along roads.

    A point of a road is reachable when its network distance from a stop (the stop's
    straight connector to the road, then along roads, undirected) is at most
    ``result.params.radius_m``: the same rule as for villages, without the village's own
    connector. Edges are cut where the radius runs out.

    Parameters
    ----------
    graph
        The routing graph the coverage was computed on.
    stops
        The stops' points (shapely), in the graph's metric CRS.
    radius_m
        The service radius, metres.
    crs
        CRS of the result when the graph has none.

    Returns
    -------
    geopandas.GeoSeries
        Merged line geometries in the county's metric CRS (empty when there are no roads
        or no stops).
    """
    crs = graph.crs or crs
    radius = float(radius_m)
    if graph.n_edges == 0 or len(stops) == 0:
        return gpd.GeoSeries([], crs=crs)
    snapped = snap_points(graph, stops)
    n = graph.n_edges
    length = graph.edge_length
    ends = Snap(
        edge=np.r_[np.arange(n), np.arange(n)],
        offset=np.r_[np.zeros(n), length],
        connector=np.zeros(2 * n),
    )
    distance = distances_from_sources(graph, snapped, ends, limit=radius).distance
    from_u = np.clip(np.where(np.isfinite(distance[:n]), radius - distance[:n], 0.0), 0, length)
    from_v = np.clip(np.where(np.isfinite(distance[n:]), radius - distance[n:], 0.0), 0, length)
    intervals: dict[int, list[tuple[float, float]]] = {}
    for e in np.flatnonzero(from_u > 0).tolist():
        intervals.setdefault(e, []).append((0.0, float(from_u[e])))
    for e in np.flatnonzero(from_v > 0).tolist():
        intervals.setdefault(e, []).append((float(length[e] - from_v[e]), float(length[e])))
    ok = np.flatnonzero((snapped.edge >= 0) & (snapped.connector < radius))
    for s in ok.tolist():  # a stop in the middle of a long edge reaches along it both ways
        edge, left = int(snapped.edge[s]), radius - float(snapped.connector[s])
        start = max(0.0, float(snapped.offset[s]) - left)
        end = min(float(length[edge]), float(snapped.offset[s]) + left)
        intervals.setdefault(edge, []).append((start, end))
    pieces = []
    for e, spans in intervals.items():
        for start, end in _union(spans):
            if end - start <= 1e-6:
                continue
            if start <= 1e-6 and end >= length[e] - 1e-6:
                pieces.append(graph.edge_geometry[e])
            else:
                pieces.append(ops.substring(graph.edge_geometry[e], start, end))
    if not pieces:
        return gpd.GeoSeries([], crs=crs)
    merged = shapely.line_merge(shapely.multilinestrings(pieces))
    return gpd.GeoSeries(shapely.get_parts(merged), crs=crs)


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
