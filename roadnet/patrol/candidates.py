"""The road side of the map matcher: candidates, corridor graphs, transitions, routes.

:mod:`roadnet.patrol.matching` holds the hidden Markov model; this module gives it what it
needs from the road graph: the points kept (:func:`thin_points`), the candidate positions of
each point on the edges near it (:func:`find_candidates`), the transition log-probability
of every pair of candidates of consecutive points, computed per window of points on a small
corridor graph (:func:`find_transitions`), and, once the Viterbi path is chosen, the edge
pieces driven along it (:func:`path_pieces`). Everything is in the graph's metric CRS
(metres).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from roadnet.network import RoadGraph

if TYPE_CHECKING:
    from roadnet.patrol.params import MatchingParams

_DIRECT = 4  # combination code of a move along one edge (0-3: exit end * 2 + entry end)
_WINDOW_M = 8_000.0  # a window's GPS path is at most this long (metres)

# --------------------------------------------------------------------------- candidates


def thin_points(xy: np.ndarray, spacing: float) -> np.ndarray:
    """Indices of points at least ``spacing`` from the previous kept one (last always kept).

    When points are dense (median step of the smoothed track under half of ``spacing``),
    distances are measured on the track smoothed by a running mean of 5 points: measured on
    the raw points, the first point far enough would preferably be one thrown forward or
    sideways by noise. Sparse tracks are not smoothed (a smoothed loop would collapse).
    """
    n = len(xy)
    if n <= 2 or spacing <= 0:
        return np.arange(n)
    smooth = _running_mean(xy, 5)
    if np.median(np.hypot(*np.diff(smooth, axis=0).T)) >= spacing / 2.0:
        smooth = xy
    xs, ys = smooth[:, 0].tolist(), smooth[:, 1].tolist()
    limit = spacing * spacing
    keep = [0]
    lx, ly = xs[0], ys[0]
    for i in range(1, n):
        dx = xs[i] - lx
        dy = ys[i] - ly
        if dx * dx + dy * dy >= limit:
            keep.append(i)
            lx, ly = xs[i], ys[i]
    if keep[-1] != n - 1:
        keep.append(n - 1)
    return np.asarray(keep, dtype=np.int64)


def _running_mean(xy: np.ndarray, width: int) -> np.ndarray:
    """Centred running mean of ``(n, 2)`` points (shorter windows at the ends)."""
    kernel = np.ones(width)
    counts = np.convolve(np.ones(len(xy)), kernel, mode="same")
    return np.stack([np.convolve(xy[:, i], kernel, mode="same") / counts for i in range(2)], axis=1)


@dataclass(frozen=True)
class Candidates:
    """Candidates of each point, padded to K columns (edge -1, distance inf)."""

    edge: np.ndarray  # (T, K) int64
    offset: np.ndarray  # (T, K) metres from the edge's u node
    distance: np.ndarray  # (T, K) metres from the GPS point

    @property
    def count(self) -> np.ndarray:
        """Number of candidates of each point."""
        return (self.edge >= 0).sum(axis=1)

    def take(self, mask: np.ndarray) -> Candidates:
        """The candidates of the points selected by ``mask``."""
        return Candidates(self.edge[mask], self.offset[mask], self.distance[mask])

    def log_emission(self, sigma: float) -> np.ndarray:
        """Emission log-probability ``-d² / 2σ²`` of each candidate (-inf for padding)."""
        with np.errstate(invalid="ignore"):
            out = -0.5 * (self.distance / sigma) ** 2
        out[self.edge < 0] = -np.inf
        return out


def find_candidates(graph: RoadGraph, xy: np.ndarray, params: MatchingParams) -> Candidates:
    """The nearest point of each edge within the search radius, the ``max_candidates`` nearest.

    Parameters
    ----------
    graph
        The road graph (metric CRS).
    xy
        ``(T, 2)`` kept points (metres).
    params
        ``radius_m`` and ``max_candidates``.

    Returns
    -------
    Candidates
        ``(T, K)`` arrays; a point with no edge within the radius has none.
    """
    n = len(xy)
    points = shapely.points(xy)
    src, hit = graph.tree.query(points, predicate="dwithin", distance=params.radius_m)
    if len(src) == 0:
        return Candidates(np.full((n, 1), -1), np.zeros((n, 1)), np.full((n, 1), np.inf))
    dist = shapely.distance(points[src], graph.edge_geometry[hit])
    order = np.lexsort((hit, dist, src))
    src, hit, dist = src[order], hit[order], dist[order]
    first = np.concatenate([[0], np.flatnonzero(src[1:] != src[:-1]) + 1])
    sizes = np.diff(np.append(first, len(src)))
    rank = np.arange(len(src)) - np.repeat(first, sizes)
    k = int(min(params.max_candidates, sizes.max()))
    keep = rank < k
    src, hit, dist, rank = src[keep], hit[keep], dist[keep], rank[keep]
    edge = np.full((n, k), -1, dtype=np.int64)
    offset = np.zeros((n, k))
    distance = np.full((n, k), np.inf)
    edge[src, rank] = hit
    distance[src, rank] = dist
    offset[src, rank] = shapely.line_locate_point(graph.edge_geometry[hit], points[src])
    return Candidates(edge, offset, distance)


# --------------------------------------------------------------------------- transitions


@dataclass(frozen=True)
class _Corridor:
    """A small graph of the edges near a window of points, in local node numbers."""

    nodes: np.ndarray  # global node id of each local node (sorted)
    csr: sparse.csr_matrix  # symmetric, shortest parallel edge kept
    keys: np.ndarray  # row * n_local + column of each stored entry (sorted)
    entry_edge: np.ndarray  # global edge id of each stored entry

    def local(self, global_nodes: np.ndarray) -> np.ndarray:
        """Local node numbers of global node ids (all in the corridor)."""
        return np.searchsorted(self.nodes, global_nodes)


def _corridor_graph(graph: RoadGraph, edges: np.ndarray) -> _Corridor:
    u, v = graph.edge_u[edges], graph.edge_v[edges]
    ends = np.concatenate([u, v])
    nodes = np.unique(ends)
    local = np.searchsorted(nodes, ends)
    half = len(edges)
    rows = local
    cols = np.concatenate([local[half:], local[:half]])
    length = np.maximum(graph.edge_length[edges], 1e-6)
    weight = np.concatenate([length, length])
    entry_edge = np.concatenate([edges, edges])
    keep = rows != cols
    rows, cols, weight, entry_edge = rows[keep], cols[keep], weight[keep], entry_edge[keep]
    order = np.lexsort((weight, cols, rows))
    rows, cols, weight, entry_edge = rows[order], cols[order], weight[order], entry_edge[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, weight, entry_edge = rows[first], cols[first], weight[first], entry_edge[first]
    m = len(nodes)
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
    csr = sparse.csr_matrix((weight, cols, indptr), shape=(m, m))
    return _Corridor(nodes, csr, rows.astype(np.int64) * m + cols, entry_edge)


@dataclass(frozen=True)
class Steps:
    """Transitions between consecutive points (T-1 steps)."""

    log_trans: np.ndarray  # (T-1, K, K)
    combo: np.ndarray  # (T-1, K, K) int8: exit end * 2 + entry end, or _DIRECT
    window: np.ndarray  # (T-1,) window of each step
    corridors: list[_Corridor]


def _windows(gc: np.ndarray, size: int) -> list[tuple[int, int]]:
    out = []
    start = 0
    total = 0.0
    for i, step in enumerate(gc.tolist()):
        if i > start and (i - start >= size or total + step > _WINDOW_M):
            out.append((start, i))
            start, total = i, 0.0
        total += step
    out.append((start, len(gc)))
    return out


def find_transitions(
    graph: RoadGraph, xy: np.ndarray, cand: Candidates, params: MatchingParams
) -> Steps:
    """Transition log-probabilities ``-|route - straight| / β`` between consecutive points.

    Route distances come from one Dijkstra per window of steps on the corridor of edges
    near the window; routes longer than the detour limit are impossible (-inf).

    Parameters
    ----------
    graph
        The road graph (metric CRS).
    xy
        ``(T, 2)`` points with candidates (metres).
    cand
        Their candidates.
    params
        ``beta_m``, ``detour_m``, ``detour_factor``, ``window_steps``, ``radius_m``.

    Returns
    -------
    Steps
    """
    t_count, k = cand.edge.shape
    gc = np.hypot(*np.diff(xy, axis=0).T)
    limit = np.maximum(params.detour_factor * gc, gc + params.detour_m)
    log_trans = np.full((t_count - 1, k, k), -np.inf)
    combo = np.zeros((t_count - 1, k, k), dtype=np.int8)
    window_of = np.zeros(t_count - 1, dtype=np.int64)
    corridors: list[_Corridor] = []
    valid = cand.edge >= 0
    safe_edge = np.where(valid, cand.edge, 0)
    length = graph.edge_length[safe_edge]
    radius = params.radius_m
    for w, (s, e) in enumerate(_windows(gc, params.window_steps)):
        window_of[s:e] = w
        box_xy = xy[s : e + 1]
        margin = float(np.max((limit[s:e] - gc[s:e]) / 2.0)) + radius
        lo = box_xy.min(axis=0) - margin
        hi = box_xy.max(axis=0) + margin
        near = graph.tree.query(shapely.box(lo[0], lo[1], hi[0], hi[1]))
        own = cand.edge[s : e + 1][valid[s : e + 1]]
        corridor = _corridor_graph(graph, np.union1d(near, own))
        corridors.append(corridor)

        ea, eb = safe_edge[s:e], safe_edge[s + 1 : e + 1]
        oa, ob = cand.offset[s:e], cand.offset[s + 1 : e + 1]
        la, lb = length[s:e], length[s + 1 : e + 1]
        a_valid, b_valid = valid[s:e], valid[s + 1 : e + 1]
        a_nodes = corridor.local(np.stack([graph.edge_u[ea], graph.edge_v[ea]], axis=-1))
        b_nodes = corridor.local(np.stack([graph.edge_u[eb], graph.edge_v[eb]], axis=-1))
        a_nodes[~a_valid] = 0  # padding: any node, masked below
        b_nodes[~b_valid] = 0
        sources = np.unique(a_nodes[a_valid])
        row_of = np.zeros(len(corridor.nodes), dtype=np.int64)
        row_of[sources] = np.arange(len(sources))
        dist = csgraph.dijkstra(
            corridor.csr, directed=True, indices=sources, limit=float(limit[s:e].max())
        )
        a_rows = row_of[a_nodes]  # (W, K, 2)
        a_cost = np.stack([oa, la - oa], axis=-1)
        b_cost = np.stack([ob, lb - ob], axis=-1)
        between = dist[a_rows[:, :, None, :, None], b_nodes[:, None, :, None, :]]
        total = a_cost[:, :, None, :, None] + between + b_cost[:, None, :, None, :]
        total = total.reshape(e - s, k, k, 4)
        best = total.argmin(axis=-1)
        route = np.take_along_axis(total, best[..., None], axis=-1)[..., 0]
        same = ea[:, :, None] == eb[:, None, :]
        direct = np.abs(oa[:, :, None] - ob[:, None, :])
        use_direct = same & (direct <= route)
        route = np.where(use_direct, direct, route)
        best = np.where(use_direct, _DIRECT, best)
        ok = a_valid[:, :, None] & b_valid[:, None, :]
        ok &= route <= limit[s:e, None, None]
        straight = gc[s:e, None, None]
        log_trans[s:e] = np.where(ok, -np.abs(route - straight) / params.beta_m, -np.inf)
        combo[s:e] = best
    return Steps(log_trans, combo, window_of, corridors)


# --------------------------------------------------------------------------- path pieces


def path_pieces(
    graph: RoadGraph,
    cand: Candidates,
    steps: Steps,
    states: np.ndarray,
    segment: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Directed edge pieces (edge, from, to, step, segment) of the chosen transitions.

    ``from`` and ``to`` are positions along the edge (metres from ``u``); pieces are in
    driving order.
    """
    t = np.flatnonzero(segment[1:] == segment[:-1])  # steps inside a segment
    a, b = states[t], states[t + 1]
    ea, eb = cand.edge[t, a], cand.edge[t + 1, b]
    oa, ob = cand.offset[t, a], cand.offset[t + 1, b]
    la, lb = graph.edge_length[ea], graph.edge_length[eb]
    code = steps.combo[t, a, b].astype(np.int64)
    direct = code == _DIRECT
    exit_end, entry_end = code // 2, code % 2

    parts: list[tuple[np.ndarray, ...]] = []
    # a move along one edge
    d = direct
    parts.append((ea[d], oa[d], ob[d], t[d], np.zeros(d.sum())))
    # leaving the first edge through one end, entering the last one through one end
    r = ~direct
    out_to = np.where(exit_end[r] == 0, 0.0, la[r])
    in_from = np.where(entry_end[r] == 0, 0.0, lb[r])
    parts.append((ea[r], oa[r], out_to, t[r], np.zeros(r.sum())))
    parts.append((eb[r], in_from, ob[r], t[r], np.full(r.sum(), 1e9)))
    # whole edges in between, along the shortest path in the step's corridor
    src_node = np.where(exit_end == 0, graph.edge_u[ea], graph.edge_v[ea])
    dst_node = np.where(entry_end == 0, graph.edge_u[eb], graph.edge_v[eb])
    routed = np.flatnonzero(r & (src_node != dst_node))
    windows = steps.window[t[routed]]
    for w in np.unique(windows):
        idx = routed[windows == w]
        parts.append(
            _route_edges(graph, steps.corridors[int(w)], src_node[idx], dst_node[idx], t[idx])
        )

    edge, frm, to, step, rank = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.lexsort((rank, step))
    edge, frm, to, step = edge[order].astype(np.int64), frm[order], to[order], step[order]
    return edge, frm, to, step.astype(np.int64), segment[step.astype(np.int64)]


def _route_edges(
    graph: RoadGraph,
    corridor: _Corridor,
    src_node: np.ndarray,
    dst_node: np.ndarray,
    step: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whole edges of the shortest paths from ``src_node`` to ``dst_node`` (global ids)."""
    src = corridor.local(src_node)
    dst = corridor.local(dst_node)
    sources, row = np.unique(src, return_inverse=True)
    _, pred = csgraph.dijkstra(
        corridor.csr, directed=True, indices=sources, return_predecessors=True
    )
    hop_from: list[int] = []
    hop_to: list[int] = []
    hop_step: list[int] = []
    hop_rank: list[int] = []
    for j, (rw, target) in enumerate(zip(row.tolist(), dst.tolist(), strict=True)):
        line = pred[rw]
        origin = int(sources[rw])
        chain = [target]
        node = target
        while node != origin:
            node = int(line[node])
            if node < 0:
                raise RuntimeError("map matching: a chosen route has no path (internal error)")
            chain.append(node)
        chain.reverse()
        hop_from.extend(chain[:-1])
        hop_to.extend(chain[1:])
        hop_step.extend([int(step[j])] * (len(chain) - 1))
        hop_rank.extend(range(1, len(chain)))
    m = len(corridor.nodes)
    starts = np.asarray(hop_from, dtype=np.int64)
    keys = starts * m + np.asarray(hop_to, dtype=np.int64)
    edge = corridor.entry_edge[np.searchsorted(corridor.keys, keys)]
    forward = graph.edge_u[edge] == corridor.nodes[starts]
    full = graph.edge_length[edge]
    return (
        edge,
        np.where(forward, 0.0, full),
        np.where(forward, full, 0.0),
        np.asarray(hop_step, dtype=np.int64),
        np.asarray(hop_rank, dtype=float),
    )
