"""Matched trips cached in the ledger, in a compact binary form.

Matched trips are stored in the ledger (table ``roadnet_matches``), keyed by a hash of the
trip's points, of the routing graph and of the matching parameters: a report re-matches
only trips it has not seen with the same roads and parameters, and a changed roads layer
or parameter invalidates the whole cache.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd

from roadnet.errors import ReadError
from roadnet.network import RoadGraph
from roadnet.patrol.clean import CleanedTracks
from roadnet.patrol.matching import MatchedPath, match_track
from roadnet.patrol.params import MatchingParams, PatrolParams
from roadnet.patrol.store import read_matches, write_matches

log = logging.getLogger(__name__)

_CACHE_VERSION = b"patrol-match-2"

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(points_done, points_total)`` while matching."""


def match_trips(
    graph: RoadGraph,
    cleaned: CleanedTracks,
    *,
    ledger: str | Path,
    params: PatrolParams,
    progress: ProgressCallback | None,
) -> tuple[list[MatchedPath], int]:
    """Match every trip of ``cleaned``, reusing (and storing) the ledger's cached matches.

    Parameters
    ----------
    graph
        The routing graph of the county's roads.
    cleaned
        Cleaned tracks, one trip after another.
    ledger
        The ledger holding the cache (table ``roadnet_matches``).
    params
        The report's parameters (``matching``; ``cache`` False reads and stores nothing).
    progress
        Called as ``progress(points_done, points_total)``.

    Returns
    -------
    tuple of (list of MatchedPath, int)
        One path per trip, its ``point`` indexing the rows of ``cleaned.points``, and the
        number of trips read from the cache.
    """
    frame = cleaned.points
    n = len(frame)
    if n == 0:
        return [], 0
    trip = frame["trip"].to_numpy()
    starts = np.r_[0, np.flatnonzero(trip[1:] != trip[:-1]) + 1]
    ends = np.r_[starts[1:], n]
    xy = frame[["x", "y"]].to_numpy(dtype=float)
    config = _config_key(graph, params.matching)
    keys = [_trip_key(config, frame, s, e) for s, e in zip(starts, ends, strict=True)]
    stored: dict[str, bytes] = {}
    if params.cache:
        try:
            stored = read_matches(ledger, keys, config=config)
        except ReadError as exc:
            log.warning("matched trips cache not read: %s", exc)
    paths: list[MatchedPath] = []
    fresh: dict[str, bytes] = {}
    for key, s, e in zip(keys, starts.tolist(), ends.tolist(), strict=True):
        if key in stored:
            path = _decode(stored[key])
        else:
            path = match_track(graph, xy[s:e], params=params.matching)
            fresh[key] = _encode(path)
        paths.append(_shift(path, s))
        if progress is not None:
            progress(e, n)
    if params.cache and fresh:
        try:
            write_matches(ledger, fresh, config=config)
        except ReadError as exc:
            log.warning("matched trips not cached: %s", exc)
    return paths, len(stored)


def _config_key(graph: RoadGraph, params: MatchingParams) -> str:
    digest = hashlib.sha256(_CACHE_VERSION)
    for array in (graph.node_xy, graph.edge_u, graph.edge_v, graph.edge_length):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr(sorted(asdict(params).items())).encode())
    return digest.hexdigest()


def _trip_key(config: str, frame: pd.DataFrame, start: int, end: int) -> str:
    part = frame.iloc[start:end]
    digest = hashlib.sha256(config.encode())
    digest.update(str(part["vehicle"].iloc[0]).encode())
    digest.update(part["time"].astype("int64").to_numpy().tobytes())
    digest.update(part[["x", "y"]].to_numpy(dtype=float).tobytes())
    return digest.hexdigest()


def _shift(path: MatchedPath, offset: int) -> MatchedPath:
    return replace(path, point=path.point + offset)


def _encode(path: MatchedPath) -> bytes:
    head = np.array(
        [len(path.edge), path.points, path.points_used, path.points_unmatched, path.breaks],
        dtype="<i8",
    )
    return b"".join(
        [
            head.tobytes(),
            path.edge.astype("<i8").tobytes(),
            path.start_m.astype("<f8").tobytes(),
            path.end_m.astype("<f8").tobytes(),
            path.point.astype("<i8").tobytes(),
            path.segment.astype("<i8").tobytes(),
            path.forward.astype("<i8").tobytes(),
        ]
    )


def _decode(data: bytes) -> MatchedPath:
    head = np.frombuffer(data[:40], dtype="<i8")
    n = int(head[0])
    arrays = [
        np.frombuffer(data, dtype=dtype, count=n, offset=40 + 8 * n * i).copy()
        for i, dtype in enumerate(("<i8", "<f8", "<f8", "<i8", "<i8", "<i8"))
    ]
    return MatchedPath(
        edge=arrays[0].astype(np.int64),
        start_m=arrays[1].astype(float),
        end_m=arrays[2].astype(float),
        point=arrays[3].astype(np.int64),
        segment=arrays[4].astype(np.int64),
        forward=arrays[5].astype(bool),
        points=int(head[1]),
        points_used=int(head[2]),
        points_unmatched=int(head[3]),
        breaks=int(head[4]),
    )
