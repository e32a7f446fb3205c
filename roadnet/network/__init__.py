"""The road network: the routing graph, its diagnostics, and routing on it.

:mod:`~roadnet.network.graph` nodes road lines into a :class:`RoadGraph`;
:mod:`~roadnet.network.diagnostics` counts its pieces and gaps;
:mod:`~roadnet.network.routing` snaps points to it and finds distances and shortest paths.
"""

from roadnet.network.diagnostics import GraphReport, describe_graph, piece_gaps, snapped_pieces
from roadnet.network.graph import RoadGraph, build_graph, connect_line
from roadnet.network.routing import (
    Reach,
    Route,
    ShortestPathTree,
    Snap,
    distances_from_sources,
    line_coords,
    shortest_path_tree,
    shortest_route,
    snap_points,
)

__all__ = [
    "GraphReport",
    "Reach",
    "RoadGraph",
    "Route",
    "ShortestPathTree",
    "Snap",
    "build_graph",
    "connect_line",
    "describe_graph",
    "distances_from_sources",
    "line_coords",
    "piece_gaps",
    "shortest_path_tree",
    "shortest_route",
    "snap_points",
    "snapped_pieces",
]
