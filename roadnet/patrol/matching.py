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

Everything is in the graph's metric CRS (metres). Candidates, corridors, transitions and the
pieces of the chosen path are in :mod:`roadnet.patrol.candidates`; the model (Viterbi and
the folding of noise) is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import shapely

from roadnet.network import RoadGraph
from roadnet.patrol.candidates import find_candidates, find_transitions, path_pieces, thin_points
from roadnet.patrol.params import MatchingParams

ProgressCallback = Callable[[int, int], None]


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
    kept = valid[thin_points(xy[valid], params.spacing_m)]
    candidates = find_candidates(graph, xy[kept], params)
    has = candidates.count > 0
    used = kept[has]
    candidates = candidates.take(has)
    unmatched = int((~has).sum())
    if len(used) < 2:
        return MatchedPath.empty(points=n, used=len(used), unmatched=unmatched)
    steps = find_transitions(graph, xy[used], candidates, params)
    states, segments, breaks = _viterbi(candidates.log_emission(params.sigma_m), steps.log_trans)
    edge, frm, to, step, segment = _fold(
        *path_pieces(graph, candidates, steps, states, segments), max_fold=params.fold_m
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
