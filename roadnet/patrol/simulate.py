"""Simulated patrol tracks with a known true path, for tests, benchmarks and sample data.

A route is a random drive along the road graph (no immediate U-turns); a track samples it at
a fixed interval and speed and adds Gaussian GPS noise. The true length is the distance
along the route between the first and the last sample, in metres of the graph's CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from roadnet.errors import ConfigError
from roadnet.network import RoadGraph


@dataclass(frozen=True)
class SimulatedTrack:
    """A simulated track and its truth.

    Attributes
    ----------
    xy
        ``(n, 2)`` noisy GPS positions (metres, graph CRS).
    true_xy
        ``(n, 2)`` positions on the road before noise.
    seconds
        Time of each point, seconds from the start.
    edges
        Edges of the route in driving order (the first and last partly driven).
    true_length_m
        Distance driven along the route from the first to the last point (metres).
    """

    xy: np.ndarray
    true_xy: np.ndarray
    seconds: np.ndarray
    edges: np.ndarray
    true_length_m: float


def random_route(
    graph: RoadGraph,
    *,
    length_m: float,
    rng: np.random.Generator,
    start_edge: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A random drive along the graph of at least ``length_m`` metres (or until a dead end).

    Returns
    -------
    edges, forward
        Edge indices in driving order and whether each is driven from ``u`` to ``v``.
    """
    if graph.n_edges == 0:
        raise ConfigError("cannot simulate a route on a graph without edges")
    incident: list[list[int]] = [[] for _ in range(graph.n_nodes)]
    for e, (u, v) in enumerate(zip(graph.edge_u.tolist(), graph.edge_v.tolist(), strict=True)):
        incident[u].append(e)
        if v != u:
            incident[v].append(e)
    edge = int(rng.integers(graph.n_edges)) if start_edge is None else int(start_edge)
    forward = bool(rng.integers(2))
    edges, directions = [edge], [forward]
    total = float(graph.edge_length[edge])
    while total < length_m:
        node = int(graph.edge_v[edge] if forward else graph.edge_u[edge])
        options = [e for e in incident[node] if e != edge] or incident[node]
        edge = int(options[int(rng.integers(len(options)))])
        forward = int(graph.edge_u[edge]) == node
        edges.append(edge)
        directions.append(forward)
        total += float(graph.edge_length[edge])
    return np.asarray(edges, dtype=np.int64), np.asarray(directions, dtype=bool)


def simulate_track(
    graph: RoadGraph,
    edges: np.ndarray,
    forward: np.ndarray,
    *,
    interval_s: float,
    speed_kmh: float,
    sigma_m: float,
    rng: np.random.Generator,
) -> SimulatedTrack:
    """Sample a route every ``interval_s`` seconds at ``speed_kmh`` and add GPS noise.

    Parameters
    ----------
    graph
        The road graph (metric CRS).
    edges, forward
        The route, as returned by :func:`random_route`.
    interval_s
        Sampling interval (seconds).
    speed_kmh
        Constant driving speed (km/h).
    sigma_m
        Standard deviation of the noise on each coordinate (metres).
    rng
        Random generator.
    """
    parts = []
    for e, fwd in zip(np.asarray(edges).tolist(), np.asarray(forward).tolist(), strict=True):
        coords = shapely.get_coordinates(graph.edge_geometry[e])
        parts.append(coords if fwd else coords[::-1])
    coords = np.vstack([parts[0], *[p[1:] for p in parts[1:]]])
    line = shapely.LineString(coords)
    step = speed_kmh / 3.6 * interval_s
    along = np.arange(0.0, line.length, step)
    true_xy = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    noisy = true_xy + rng.normal(0.0, sigma_m, true_xy.shape)
    return SimulatedTrack(
        xy=noisy,
        true_xy=true_xy,
        seconds=np.arange(len(along)) * float(interval_s),
        edges=np.asarray(edges, dtype=np.int64),
        true_length_m=float(along[-1]) if len(along) else 0.0,
    )
