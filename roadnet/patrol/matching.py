"""Map matching of GPS tracks onto the road graph: a hidden Markov model (Newson & Krumm 2009).

Each GPS point has candidate positions: the nearest point of every road edge within the
search radius (the ``max_candidates`` nearest are kept). The emission log-probability of a
candidate is ``-d² / 2σ²`` (``d`` the point-to-edge distance); the transition
log-probability between candidates of consecutive points is ``-|route - straight| / β``,
where ``route`` is the shortest distance along the undirected graph between the two
candidate positions (both edge ends tried; a move along one edge is direct) and
``straight`` the distance between the two GPS points. Routes longer than
``max(detour_factor × straight, straight + detour_m)`` are impossible. The Viterbi
algorithm (log space, numpy) picks the most likely candidate sequence; where no transition
is possible the track is broken there instead of inventing a path, and matching restarts.

Speed. Route distances are computed per window of consecutive points (``window_steps``
steps, a few km): the edges in the window's bounding box, widened by the largest detour
allowed, form a small corridor graph on which one ``scipy.sparse.csgraph.dijkstra`` call
from every candidate edge end gives all the window's routes. Paths are reconstructed only
for the chosen transitions. Points closer than ``min_spacing_m`` (4σ by default) to the
previous kept point are skipped, as GraphHopper does: along-road noise between points that
close would otherwise be matched as back-and-forth moves and inflate the length.

Everything is in the graph's metric CRS (metres).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from roadnet.errors import ConfigError
from roadnet.network import RoadGraph

ProgressCallback = Callable[[int, int], None]

_DIRECT = 4  # combination code of a move along one edge (0-3: exit end * 2 + entry end)
_WINDOW_M = 8_000.0  # a window's GPS path is at most this long (metres)


@dataclass(frozen=True)
class MatchingParams:
    """Parameters of the hidden-Markov map matcher.

    Attributes
    ----------
    sigma_m
        Standard deviation of GPS noise (metres): 4–10 m for a good receiver, up to 50 m
        for vehicle terminals.
    beta_m
        Scale of the transition probability (metres): how much a route may differ from the
        straight distance between consecutive points.
    search_radius_m
        Edges within this distance of a point are candidates (metres); at least 2.5σ is
        used.
    max_candidates
        The nearest this many candidate edges per point are kept.
    min_spacing_m
        A point closer than this to the previous kept point is skipped (metres); None
        means 4σ.
    detour_m, detour_factor
        A route between consecutive candidates longer than
        ``max(detour_factor × straight, straight + detour_m)`` is impossible.
    window_steps
        Consecutive steps whose routes are computed on one corridor graph.
    max_fold_m
        A matched move along a road and straight back, driven twice for at most this many
        metres, is noise (a point matched just into a side road at a junction, or a point
        behind its predecessor) and is folded away; None means the search radius.
    estimate_sigma
        Estimate σ per track from the data instead of using ``sigma_m``: 1.4826 × the
        median distance of the points to their nearest road (Newson & Krumm's estimator),
        kept between 5 and 50 m.
    """

    sigma_m: float = 20.0
    beta_m: float = 50.0
    search_radius_m: float = 50.0
    max_candidates: int = 8
    min_spacing_m: float | None = None
    detour_m: float = 2000.0
    detour_factor: float = 2.0
    window_steps: int = 64
    max_fold_m: float | None = None
    estimate_sigma: bool = False

    def __post_init__(self) -> None:
        positive = {
            "sigma_m": self.sigma_m,
            "beta_m": self.beta_m,
            "search_radius_m": self.search_radius_m,
            "max_candidates": self.max_candidates,
            "detour_factor": self.detour_factor,
            "window_steps": self.window_steps,
        }
        for name, value in positive.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ConfigError(f"matching parameter {name} must be a positive number: {value!r}")
        if self.detour_m < 0 or (self.min_spacing_m is not None and self.min_spacing_m < 0):
            raise ConfigError("matching parameters detour_m and min_spacing_m must be >= 0")

    @property
    def radius_m(self) -> float:
        """The search radius used (metres): ``search_radius_m``, at least 2.5σ."""
        return max(self.search_radius_m, 2.5 * self.sigma_m)

    @property
    def fold_m(self) -> float:
        """Back-and-forth moves up to this deep are folded away (metres)."""
        return self.radius_m if self.max_fold_m is None else self.max_fold_m

    @property
    def spacing_m(self) -> float:
        """The minimum spacing of kept points (metres)."""
        return 4.0 * self.sigma_m if self.min_spacing_m is None else self.min_spacing_m


@dataclass(frozen=True)
class MatchedPath:
    """The matched road path of one track, as pieces of edges in driving order.

    Attributes
    ----------
    edge
        Edge index (into the RoadGraph's edge arrays) of each piece.
    start_m, end_m
        The piece's extent along its edge, metres from the edge's ``u`` node
        (``start_m <= end_m``).
    point
        Index (into the matched points) of the GPS point where the piece's step starts.
    segment
        Number of the matched segment the piece belongs to (a break starts a new one).
    forward
        Whether the piece is driven from ``u`` towards ``v`` (the way the road is drawn).
    points
        Number of input points.
    points_used
        Points kept after spacing and with at least one candidate (the HMM's states).
    points_unmatched
        Kept points with no road within the search radius (skipped).
    breaks
        Places where no route was plausible and the track was broken.
    """

    edge: np.ndarray
    start_m: np.ndarray
    end_m: np.ndarray
    point: np.ndarray
    segment: np.ndarray
    forward: np.ndarray
    points: int
    points_used: int
    points_unmatched: int
    breaks: int

    @property
    def length_m(self) -> float:
        """Length of the matched path (metres)."""
        return float(np.sum(self.end_m - self.start_m))

    @classmethod
    def empty(cls, *, points: int = 0, used: int = 0, unmatched: int = 0) -> MatchedPath:
        """A path with no piece."""
        return cls(
            edge=np.zeros(0, np.int64),
            start_m=np.zeros(0),
            end_m=np.zeros(0),
            point=np.zeros(0, np.int64),
            segment=np.zeros(0, np.int64),
            forward=np.zeros(0, bool),
            points=points,
            points_used=used,
            points_unmatched=unmatched,
            breaks=0,
        )


def match_track(
    graph: RoadGraph, xy: np.ndarray, *, params: MatchingParams | None = None
) -> MatchedPath:
    """Match one track (points in driving order) to the road graph.

    Parameters
    ----------
    graph
        The road graph, in a metric CRS.
    xy
        ``(n, 2)`` point coordinates in the graph's CRS (metres), in time order. Rows with
        NaN are ignored.
    params
        Matching parameters (defaults: σ = 20 m, β = 50 m, radius 50 m).

    Returns
    -------
    MatchedPath
    """
    params = params or MatchingParams()
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    valid = np.flatnonzero(np.isfinite(xy).all(axis=1))
    if len(valid) == 0 or graph.n_edges == 0:
        return MatchedPath.empty(points=n)
    if params.estimate_sigma:
        params = replace(params, sigma_m=estimate_sigma(graph, xy[valid]), estimate_sigma=False)
    kept = valid[_thin(xy[valid], params.spacing_m)]
    candidates = _candidates(graph, xy[kept], params)
    has = candidates.count > 0
    used = kept[has]
    candidates = candidates.take(has)
    unmatched = int((~has).sum())
    if len(used) < 2:
        return MatchedPath.empty(points=n, used=len(used), unmatched=unmatched)
    steps = _transitions(graph, xy[used], candidates, params)
    states, segments, breaks = _viterbi(candidates.log_emission(params.sigma_m), steps.log_trans)
    edge, frm, to, step, segment = _fold(
        *_pieces(graph, candidates, steps, states, segments), max_fold=params.fold_m
    )
    return MatchedPath(
        edge=edge,
        start_m=np.minimum(frm, to),
        end_m=np.maximum(frm, to),
        point=used[step],
        segment=segment,
        forward=to > frm,
        points=n,
        points_used=len(used),
        points_unmatched=unmatched,
        breaks=breaks,
    )


def estimate_sigma(graph: RoadGraph, xy: np.ndarray, *, sample: int = 2000) -> float:
    """GPS noise σ of a track (metres): 1.4826 × median distance to the nearest road.

    The perpendicular distance of a fix to its road is ``|N(0, σ)|``, whose median is
    0.6745σ (Newson & Krumm 2009). Points more than 200 m from every road are ignored; the
    result is kept between 5 and 50 m (20 m when no point is near a road).
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) > sample:
        xy = xy[np.linspace(0, len(xy) - 1, sample).astype(np.int64)]
    _, distance = graph.tree.query_nearest(
        shapely.points(xy), max_distance=200.0, return_distance=True, all_matches=False
    )
    if len(distance) == 0:
        return 20.0
    return float(np.clip(1.4826 * np.median(distance), 5.0, 50.0))


def match_tracks(
    graph: RoadGraph,
    xy: np.ndarray,
    track: np.ndarray,
    *,
    params: MatchingParams | None = None,
    progress: ProgressCallback | None = None,
) -> list[MatchedPath]:
    """Match many tracks; ``track`` labels each point (points of a track contiguous, in order).

    Parameters
    ----------
    graph
        The road graph (metric CRS).
    xy
        ``(n, 2)`` coordinates in metres.
    track
        Track label of each point; a track's points are consecutive rows.
    params
        Matching parameters.
    progress
        Called as ``progress(points_done, points_total)`` after each track.

    Returns
    -------
    list of MatchedPath
        One per track in order of appearance; ``point`` indices are into ``xy``.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    labels = np.asarray(track)
    n = len(labels)
    if n == 0:
        return []
    starts = np.r_[0, np.flatnonzero(labels[1:] != labels[:-1]) + 1]
    ends = np.r_[starts[1:], n]
    out: list[MatchedPath] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        path = match_track(graph, xy[start:end], params=params)
        out.append(replace(path, point=path.point + start))
        if progress is not None:
            progress(end, n)
    return out


# --------------------------------------------------------------------------- candidates


def _thin(xy: np.ndarray, spacing: float) -> np.ndarray:
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
class _Candidates:
    """Candidates of each point, padded to K columns (edge -1, distance inf)."""

    edge: np.ndarray  # (T, K) int64
    offset: np.ndarray  # (T, K) metres from the edge's u node
    distance: np.ndarray  # (T, K) metres from the GPS point

    @property
    def count(self) -> np.ndarray:
        return (self.edge >= 0).sum(axis=1)

    def take(self, mask: np.ndarray) -> _Candidates:
        return _Candidates(self.edge[mask], self.offset[mask], self.distance[mask])

    def log_emission(self, sigma: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = -0.5 * (self.distance / sigma) ** 2
        out[self.edge < 0] = -np.inf
        return out


def _candidates(graph: RoadGraph, xy: np.ndarray, params: MatchingParams) -> _Candidates:
    n = len(xy)
    points = shapely.points(xy)
    src, hit = graph.tree.query(points, predicate="dwithin", distance=params.radius_m)
    if len(src) == 0:
        return _Candidates(np.full((n, 1), -1), np.zeros((n, 1)), np.full((n, 1), np.inf))
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
    return _Candidates(edge, offset, distance)


# --------------------------------------------------------------------------- transitions


@dataclass(frozen=True)
class _Corridor:
    """A small graph of the edges near a window of points, in local node numbers."""

    nodes: np.ndarray  # global node id of each local node (sorted)
    csr: sparse.csr_matrix  # symmetric, shortest parallel edge kept
    keys: np.ndarray  # row * n_local + column of each stored entry (sorted)
    entry_edge: np.ndarray  # global edge id of each stored entry

    def local(self, global_nodes: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.nodes, global_nodes)


def _corridor(graph: RoadGraph, edges: np.ndarray) -> _Corridor:
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
class _Steps:
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


def _transitions(
    graph: RoadGraph, xy: np.ndarray, cand: _Candidates, params: MatchingParams
) -> _Steps:
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
        corridor = _corridor(graph, np.union1d(near, own))
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
    return _Steps(log_trans, combo, window_of, corridors)


# --------------------------------------------------------------------------- Viterbi


def _viterbi(log_emission: np.ndarray, log_trans: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Most likely state per point; segment number per point; number of breaks."""
    t_count, k = log_emission.shape
    back = np.zeros((t_count, k), dtype=np.int64)
    segment = np.zeros(t_count, dtype=np.int64)
    ends: list[tuple[int, np.ndarray]] = []
    score = log_emission[0]
    columns = np.arange(k)
    current = 0
    for t in range(t_count - 1):
        total = score[:, None] + log_trans[t]
        best = total.argmax(axis=0)
        new = total[best, columns]
        if new.max() == -np.inf:
            ends.append((t, score))
            current += 1
            score = log_emission[t + 1]
        else:
            back[t + 1] = best
            score = new + log_emission[t + 1]
        segment[t + 1] = current
    ends.append((t_count - 1, score))
    states = np.zeros(t_count, dtype=np.int64)
    start = 0
    for end, final in ends:
        state = int(np.argmax(final))
        states[end] = state
        for t in range(end, start, -1):
            state = int(back[t, state])
            states[t - 1] = state
        start = end + 1
    return states, segment, len(ends) - 1


# --------------------------------------------------------------------------- path pieces


def _pieces(
    graph: RoadGraph,
    cand: _Candidates,
    steps: _Steps,
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


def _fold(
    edge: np.ndarray,
    frm: np.ndarray,
    to: np.ndarray,
    step: np.ndarray,
    segment: np.ndarray,
    *,
    max_fold: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Remove short back-and-forth moves and merge contiguous pieces of one edge.

    A walk that goes along an edge to ``p`` and straight back is folded when the part driven
    twice is at most ``max_fold`` metres: GPS noise near a junction or along the road, not a
    real turn-around (a real one is usually deeper, and keeps its length).
    """
    out_e: list[int] = []
    out_f: list[float] = []
    out_t: list[float] = []
    out_s: list[int] = []
    out_g: list[int] = []
    rows = zip(
        edge.tolist(), frm.tolist(), to.tolist(), step.tolist(), segment.tolist(), strict=True
    )
    for e, f, t, s, g in rows:
        while out_e and out_e[-1] == e and out_g[-1] == g and abs(out_t[-1] - f) < 1e-6:
            pf, pt = out_f[-1], out_t[-1]
            same_direction = (pt - pf) * (t - f) >= 0
            if not same_direction and min(abs(pt - pf), abs(t - f)) > max_fold:
                break
            f, s = pf, out_s[-1]
            out_e.pop()
            out_f.pop()
            out_t.pop()
            out_s.pop()
            out_g.pop()
        if abs(t - f) > 1e-9:
            out_e.append(e)
            out_f.append(f)
            out_t.append(t)
            out_s.append(s)
            out_g.append(g)
    return (
        np.asarray(out_e, dtype=np.int64),
        np.asarray(out_f, dtype=float),
        np.asarray(out_t, dtype=float),
        np.asarray(out_s, dtype=np.int64),
        np.asarray(out_g, dtype=np.int64),
    )
