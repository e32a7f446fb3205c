"""A bus line's path as legs between its stops, re-routed along roads where stops change.

A scenario that adds, moves or removes a stop changes the road a bus drives: its length,
its cycle time and the vehicles it needs (coverage computes them from the line geometry).
:class:`LinePath` holds a line's geometry cut at its stops into legs; a change re-routes
only the legs it touches, along the shortest road path between the two stops, and keeps the
rest as drawn: a line drawn along a road that is not the shortest keeps that road where
nothing changed, so the length that changes is the length the change causes.

A drawn line that does not pass its stops in order (farther than :data:`LEG_TOLERANCE_M`
from one, or passing them out of order) cannot be cut: it is re-routed whole, and
:attr:`LinePath.whole` says so.

Where ``add_stop`` gives no position, :meth:`LinePath.cheapest_position` inserts the stop
where it adds the least route length (cheapest insertion). One shortest-path search from
the new stop (:meth:`Router.search`) gives both its distance to every stop of the line and
the two legs around it, so a change costs one search however long the line is: 10,000 stops
added one by one cost 10,000 searches, not 10,000 re-routings of a growing line.

Legs are :class:`roadnet.network.ShortestPathTree` paths: a leg leaves the stop's snapped
position along its edge towards either end, follows whole edges (the shortest of parallel
ones) and enters the next stop's edge from either end; connectors are not part of the leg.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.ops import substring

from roadnet.network import (
    RoadGraph,
    ShortestPathTree,
    Snap,
    line_coords,
    shortest_path_tree,
    snap_points,
)

#: A stop farther than this (m) from its drawn line, or passed out of order, means the
#: drawn line cannot be cut at its stops (the line is re-routed whole).
LEG_TOLERANCE_M = 150.0
_EMPTY = np.zeros((0, 2))


class NoRoadPath(Exception):
    """Two consecutive stops are on parts of the road network that do not connect."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"no road path between stops {first} and {second}")
        self.first = first
        self.second = second


class Router:
    """Shortest road paths on one road graph; snaps and the latest search cached.

    Parameters
    ----------
    graph
        The road graph (metric CRS); None routes straight from stop to stop (a county
        without roads).

    Attributes
    ----------
    searches
        Number of shortest-path searches run (each is one Dijkstra from a point's edge).
    """

    def __init__(self, graph: RoadGraph | None) -> None:
        self.graph = graph if graph is not None and graph.n_edges else None
        self._snaps: dict[tuple[float, float], tuple[int, float]] = {}
        self._last: tuple[shapely.Point, ShortestPathTree] | None = None
        self.searches = 0

    def snap(self, point: shapely.Point) -> tuple[int, float]:
        """(edge, offset) of the point snapped to the nearest road edge (cached)."""
        key = (float(point.x), float(point.y))
        found = self._snaps.get(key)
        if found is None:
            if self.graph is None:
                found = (-1, 0.0)
            else:
                snap = snap_points(self.graph, np.array([point], dtype=object))
                found = (int(snap.edge[0]), float(snap.offset[0]))
            self._snaps[key] = found
        return found

    def snaps(self, points: Sequence[shapely.Point]) -> tuple[np.ndarray, np.ndarray]:
        """(edge, offset) arrays of many points at once."""
        pairs = [self.snap(p) for p in points]
        edge = np.array([p[0] for p in pairs], dtype=np.int64)
        offset = np.array([p[1] for p in pairs], dtype=float)
        return edge, offset

    def search(self, point: shapely.Point) -> ShortestPathTree | None:
        """Shortest paths from ``point`` to everywhere (the latest search is reused).

        None when there is no graph (paths are then straight lines).
        """
        if self.graph is None:
            return None
        last = self._last
        if last is not None and last[0].equals_exact(point, 0.0):
            return last[1]
        edge, offset = self.snap(point)
        if edge >= 0:
            self.searches += 1
        source = Snap(np.array([edge]), np.array([offset]), np.zeros(1))
        tree = shortest_path_tree(self.graph, source)
        self._last = (point, tree)
        return tree

    def distances(
        self,
        point: shapely.Point,
        edge: np.ndarray,
        offset: np.ndarray,
        points: Sequence[shapely.Point],
    ) -> np.ndarray:
        """Road distance (m) from ``point`` to positions on edges (inf: not connected).

        ``points`` are the positions' points, used only without a graph (straight lines).
        """
        tree = self.search(point)
        if tree is None:
            return np.asarray(shapely.distance(point, np.array(points, dtype=object)))
        return tree.distances(edge, offset)

    def leg(self, first: shapely.Point, second: shapely.Point) -> np.ndarray | None:
        """Coordinates of the shortest road path from ``first`` to ``second``, or None."""
        edge, offset = self.snap(second)
        tree = self.search(first)
        if tree is None:
            return np.array([[first.x, first.y], [second.x, second.y]])
        route = tree.route_to(edge, offset)
        if route is None:
            return None
        if len(route.edges) == 1 and route.length_m == 0.0:
            return _EMPTY  # both on one point of one edge: no leg to draw
        return np.asarray(shapely.get_coordinates(route.geometry))


@dataclass
class LinePath:
    """A line's geometry as legs between consecutive stops (metric coordinates).

    Attributes
    ----------
    stops
        Stop ids in order.
    legs
        ``len(stops) - 1`` coordinate arrays, leg i from stop i to stop i + 1.
    head, tail
        The drawn line before the first stop and after the last (kept while those stops do).
    drawn_m
        Length of the line as it was before any change (m).
    whole
        The drawn line could not be cut at its stops and was re-routed whole.
    rerouted
        Number of legs routed along roads by changes.
    lengths
        Length (m) of each leg (an array, in step with ``legs``).
    """

    stops: list[str]
    legs: list[np.ndarray]
    head: np.ndarray = field(default_factory=lambda: _EMPTY)
    tail: np.ndarray = field(default_factory=lambda: _EMPTY)
    drawn_m: float = 0.0
    whole: bool = False
    rerouted: int = 0
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _snapped: tuple[Router, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if len(self.lengths) != len(self.legs):
            self.lengths = np.array([_length(leg) for leg in self.legs], dtype=float)

    @classmethod
    def from_drawn(
        cls,
        geometry: Any,
        stops: Sequence[str],
        point_of: Callable[[str], shapely.Point],
        router: Router,
    ) -> LinePath:
        """Cut a drawn line at its stops; re-route it whole where it cannot be cut.

        Raises
        ------
        NoRoadPath
            The line must be re-routed and two consecutive stops do not connect.
        """
        stops = list(stops)
        missing = geometry is None or shapely.is_empty(geometry)
        drawn = 0.0 if missing else float(shapely.length(geometry))
        cut = _cut(geometry, [point_of(s) for s in stops]) if stops and not missing else None
        if cut is not None:
            head, legs, tail = cut
            return cls(stops, legs, head, tail, drawn_m=drawn)
        path = cls(stops, [], drawn_m=drawn, whole=True)
        path.legs = [_route(a, b, point_of, router) for a, b in itertools.pairwise(stops)]
        path.lengths = np.array([_length(leg) for leg in path.legs], dtype=float)
        path.rerouted = len(path.legs)
        return path

    # ------------------------------------------------------------------ queries

    @property
    def length_m(self) -> float:
        """Length of the path now (m): head, legs and tail."""
        return _length(self.head) + float(sum(self.lengths)) + _length(self.tail)

    def geometry(self, point_of: Callable[[str], shapely.Point]) -> shapely.LineString:
        """The path as one LineString (consecutive duplicate vertices removed).

        A line calling at one stop only is a zero-length line at that stop.
        """
        pieces = [p for p in (self.head, *self.legs, self.tail) if len(p)]
        if not pieces and self.stops:
            point = point_of(self.stops[0])
            pieces = [np.array([[point.x, point.y]])]
        if not pieces:
            return shapely.LineString()
        return shapely.LineString(line_coords(np.vstack(pieces)))

    def cheapest_position(
        self, point: shapely.Point, point_of: Callable[[str], shapely.Point], router: Router
    ) -> int:
        """Where inserting a stop at ``point`` adds the least route length (0 … len(stops)).

        Before the first stop costs the road distance to it, after the last the distance
        from it, between stops i-1 and i the detour d(i-1, new) + d(new, i) - leg(i-1, i);
        ties go to the earliest position.

        Raises
        ------
        NoRoadPath
            The point reaches no stop of the line along roads.
        """
        if not self.stops:
            return 0
        edge, offset = self._stop_snaps(point_of, router)
        points = [point_of(s) for s in self.stops] if router.graph is None else []
        distance = router.distances(point, edge, offset, points)
        if not np.isfinite(distance).any():
            raise NoRoadPath("(new)", self.stops[0])
        cost = np.full(len(self.stops) + 1, np.inf)
        cost[0] = distance[0]
        cost[-1] = distance[-1]
        if len(self.stops) > 1:
            cost[1:-1] = distance[:-1] + distance[1:] - self.lengths
        return int(np.argmin(cost))

    # ------------------------------------------------------------------ changes

    def insert(
        self,
        position: int,
        stop: str,
        point_of: Callable[[str], shapely.Point],
        router: Router,
    ) -> None:
        """Insert ``stop`` before ``stops[position]`` and route the legs around it.

        Both legs come from one search from the new stop (the graph is undirected).
        """
        k = len(self.stops)
        self._snaps_insert(position, stop, point_of, router)
        self.stops.insert(position, stop)
        if k == 0:
            return
        if position == 0:
            self.head = _EMPTY
            self._put(0, 0, [_route(stop, self.stops[1], point_of, router)])
        elif position == k:
            self.tail = _EMPTY
            leg = _route(stop, self.stops[k - 1], point_of, router)[::-1]
            self._put(k - 1, k - 1, [leg])
        else:
            before, after = self.stops[position - 1], self.stops[position + 1]
            legs = [
                _route(stop, before, point_of, router)[::-1],
                _route(stop, after, point_of, router),
            ]
            self._put(position - 1, position, legs)

    def remove(
        self, position: int, point_of: Callable[[str], shapely.Point], router: Router
    ) -> None:
        """Remove the stop at ``position``; its neighbours are joined along roads."""
        k = len(self.stops)
        del self.stops[position]
        if self._snapped is not None:
            owner, edge, offset = self._snapped
            self._snapped = (owner, np.delete(edge, position), np.delete(offset, position))
        if k == 1:
            return
        if position == 0:
            self.head = _EMPTY
            self._put(0, 1, [])
        elif position == k - 1:
            self.tail = _EMPTY
            self._put(k - 2, k - 1, [])
        else:
            leg = _route(self.stops[position - 1], self.stops[position], point_of, router)
            self._put(position - 1, position + 1, [leg])

    def moved(self, stop: str, point_of: Callable[[str], shapely.Point], router: Router) -> bool:
        """Re-route the legs on both sides of every call at ``stop`` (it has moved)."""
        positions = [i for i, s in enumerate(self.stops) if s == stop]
        self._snapped = None
        for i in positions:
            if i == 0:
                self.head = _EMPTY
            if i == len(self.stops) - 1:
                self.tail = _EMPTY
            if i > 0:
                leg = _route(stop, self.stops[i - 1], point_of, router)[::-1]
                self._put(i - 1, i, [leg])
            if i < len(self.stops) - 1:
                self._put(i, i + 1, [_route(stop, self.stops[i + 1], point_of, router)])
        return bool(positions)

    # ------------------------------------------------------------------ helpers

    def _put(self, start: int, stop: int, legs: list[np.ndarray]) -> None:
        self.legs[start:stop] = legs
        new = np.array([_length(leg) for leg in legs], dtype=float)
        self.lengths = np.concatenate([self.lengths[:start], new, self.lengths[stop:]])
        self.rerouted += len(legs)

    def _stop_snaps(
        self, point_of: Callable[[str], shapely.Point], router: Router
    ) -> tuple[np.ndarray, np.ndarray]:
        """(edge, offset) of every stop, kept in step with the stops (rebuilt per router)."""
        if self._snapped is None or self._snapped[0] is not router:
            edge, offset = router.snaps([point_of(s) for s in self.stops])
            self._snapped = (router, edge, offset)
        return self._snapped[1], self._snapped[2]

    def _snaps_insert(
        self,
        position: int,
        stop: str,
        point_of: Callable[[str], shapely.Point],
        router: Router,
    ) -> None:
        if self._snapped is None or self._snapped[0] is not router:
            return
        edge, offset = router.snap(point_of(stop))
        _, edges, offsets = self._snapped
        self._snapped = (
            router,
            np.insert(edges, position, edge),
            np.insert(offsets, position, offset),
        )


def _route(
    first: str, second: str, point_of: Callable[[str], shapely.Point], router: Router
) -> np.ndarray:
    """The leg from stop ``first`` to stop ``second`` (one point when they are one stop)."""
    a = point_of(first)
    if first == second:
        return np.array([[a.x, a.y]])
    coords = router.leg(a, point_of(second))
    if coords is None:
        raise NoRoadPath(first, second)
    return coords


def _cut(
    geometry: Any, points: list[shapely.Point]
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray] | None:
    """Head, legs and tail of a drawn line cut at its stops; None when it does not pass them."""
    line = geometry
    if shapely.get_type_id(line) != 1:
        line = shapely.line_merge(line)
        if shapely.get_type_id(line) != 1:
            return None
    total = float(line.length)
    positions: list[float] = []
    previous = 0.0
    for point in points:
        at = float(shapely.line_locate_point(line, point))
        if at < previous:  # a loop: look further along only
            rest = substring(line, previous, total)
            at = previous + float(shapely.line_locate_point(rest, point))
        if shapely.distance(point, shapely.line_interpolate_point(line, at)) > LEG_TOLERANCE_M:
            return None
        positions.append(at)
        previous = at
    legs = [_coords(substring(line, a, b)) for a, b in itertools.pairwise(positions)]
    head = _coords(substring(line, 0.0, positions[0]))
    return head, legs, _coords(substring(line, positions[-1], total))


def _coords(geometry: Any) -> np.ndarray:
    coords = np.asarray(shapely.get_coordinates(geometry))
    return coords if len(coords) > 1 else _EMPTY


def _length(coords: np.ndarray) -> float:
    if len(coords) < 2:
        return 0.0
    return float(np.hypot(*np.diff(coords, axis=0).T).sum())
