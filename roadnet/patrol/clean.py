"""Cleaning of patrol GPS points before matching, every dropped point counted by reason.

Vehicle terminals send (0, 0) fixes, fixes far outside the county, duplicate rows, rows out
of time order and single fixes kilometres away. In order:

1. ``invalid_fix`` (coordinates missing or outside ±180/±90) and ``zero_fix`` ((0, 0));
2. ``out_of_area``: outside the county area (boundary or townships buffered by 5 km, else
   the roads' extent buffered);
3. out-of-order rows are sorted by time (per vehicle) and counted, not dropped;
4. ``duplicate`` (same vehicle, time and position) and ``duplicate_time`` (same vehicle and
   time, another position: the first row is kept);
5. tracks are split into trips where the time gap exceeds ``max_gap_s`` (10 min);
6. ``speed_spike``: within a trip, the largest set of points consistent with
   ``max_speed_kmh`` (150 km/h) is kept, so a jump of kilometres removes the jumped point,
   not the points around it;
7. ``stationary``: a run of fixes whose reported speed is below ``stop_speed_kmh`` (a stop
   for an inspection or lunch) is reduced to its most central fix: the noise of twenty
   minutes of fixes at one place would otherwise be matched as kilometres of back and forth
   (used only for trips where the speeds look real: at least 20 % of fixes moving);
8. ``isolated``: a trip left with a single point.

Points without a recorded time — a GPX route, a track exported without time stamps, or
points whose ``time_source`` says their time was given on import (``date``, ``interval``:
:mod:`roadnet.patrol.timefill`) — are kept in file order as one trip per vehicle and source
trip; steps 3–7 are not applied to them: speeds and gaps computed from times that were not
recorded would be fiction (a real jump in such a track is not removed, and says so in the
report's ``data_quality``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet.errors import ConfigError

REASONS = (
    "invalid_fix",
    "zero_fix",
    "out_of_area",
    "duplicate",
    "duplicate_time",
    "speed_spike",
    "stationary",
    "isolated",
)
_LOOKBACK = 50  # runs considered when linking consistent runs of points


@dataclass(frozen=True)
class CleaningParams:
    """Thresholds of the cleaning rules.

    Attributes
    ----------
    max_speed_kmh
        A step faster than this (km/h, straight distance over time) is impossible.
    max_gap_s
        A time gap longer than this (seconds) ends a trip.
    area_buffer_m
        The county area is widened by this (metres) before dropping points outside it.
    stop_speed_kmh
        Fixes reporting a speed below this (km/h) are stopped; None ignores speeds.
    """

    max_speed_kmh: float = 150.0
    max_gap_s: float = 600.0
    area_buffer_m: float = 5000.0
    stop_speed_kmh: float | None = 2.0

    def __post_init__(self) -> None:
        for name in ("max_speed_kmh", "max_gap_s"):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigError(f"cleaning parameter {name} must be positive: {value!r}")
        if not self.area_buffer_m >= 0:
            raise ConfigError(
                f"cleaning parameter area_buffer_m must be >= 0: {self.area_buffer_m}"
            )


@dataclass(frozen=True)
class CleanedTracks:
    """Points ready for matching, and what cleaning removed.

    Attributes
    ----------
    points
        The kept points sorted by trip and time, with the input columns plus ``x``, ``y``
        (metres, in ``crs``), ``trip`` (0, 1, ... in order) and ``row`` (the input row
        position).
    trips
        One row per trip: ``trip``, ``vehicle``, ``start``, ``end`` (UTC), ``points``,
        ``gps_m`` (length of the raw point sequence, metres).
    dropped
        Reason → number of points dropped (all of :data:`REASONS`, zeros included).
    reordered
        Points that came out of time order (sorted, kept).
    gaps
        Trips started because of a time gap.
    crs
        The metric CRS of ``x`` and ``y``.
    """

    points: pd.DataFrame
    trips: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    reordered: int = 0
    gaps: int = 0
    crs: pyproj.CRS | None = None

    def to_json(self) -> dict[str, Any]:
        """Counts for JSON output."""
        return {
            "points_in": int(len(self.points) + sum(self.dropped.values())),
            "points_kept": int(len(self.points)),
            "dropped_by_reason": {k: int(v) for k, v in self.dropped.items()},
            "reordered": int(self.reordered),
            "gap_splits": int(self.gaps),
            "trips": int(len(self.trips)),
        }


def county_area(
    *,
    boundary: Any = None,
    townships: Any = None,
    roads: Any = None,
    buffer_m: float = 5000.0,
) -> shapely.Geometry | None:
    """The area where patrol points are plausible, in the layers' metric CRS.

    The county boundary buffered by ``buffer_m`` metres; else the townships' union; else
    the bounding box of the roads; None when no layer is given.
    """
    for layer in (boundary, townships):
        if layer is not None and len(layer):
            union = shapely.union_all(layer.geometry.to_numpy())
            return shapely.buffer(union, buffer_m)
    if roads is not None and len(roads):
        return shapely.buffer(shapely.box(*roads.total_bounds), buffer_m)
    return None


def clean_tracks(
    points: pd.DataFrame,
    *,
    crs: Any,
    area: shapely.Geometry | None = None,
    params: CleaningParams | None = None,
) -> CleanedTracks:
    """Clean patrol points and split them into trips.

    Parameters
    ----------
    points
        Rows in file (or ledger) order with ``vehicle``, ``time`` (UTC datetimes, NaT when
        unknown), ``lon`` and ``lat`` (WGS-84 degrees), optionally ``time_source`` (rows
        whose time was not ``recorded`` are treated as untimed); other columns are kept.
    crs
        Metric CRS to measure in (the county's).
    area
        Polygon (in ``crs``) outside which points are dropped; None keeps all.
    params
        Thresholds (defaults: 150 km/h, 10 min gaps, 5 km buffer).

    Returns
    -------
    CleanedTracks
    """
    params = params or CleaningParams()
    crs = pyproj.CRS.from_user_input(crs)
    frame = points.reset_index(drop=True).copy()
    frame["row"] = np.arange(len(frame))
    dropped = dict.fromkeys(REASONS, 0)

    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    invalid = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    zero = ~invalid & (np.abs(lon) < 1e-6) & (np.abs(lat) < 1e-6)
    dropped["invalid_fix"] = int(invalid.sum())
    dropped["zero_fix"] = int(zero.sum())
    keep = ~(invalid | zero)
    frame, lon, lat = frame[keep], lon[keep], lat[keep]

    transformer = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    x, y = transformer.transform(lon, lat)
    frame = frame.assign(x=np.asarray(x, dtype=float), y=np.asarray(y, dtype=float))
    if area is not None and len(frame):
        shapely.prepare(area)
        inside = shapely.contains_xy(area, frame["x"].to_numpy(), frame["y"].to_numpy())
        dropped["out_of_area"] = int((~inside).sum())
        frame = frame[inside]

    frame["vehicle"] = frame["vehicle"].astype(str)
    if "time" not in frame.columns:
        frame["time"] = pd.NaT
    frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.as_unit("ns")
    recorded = frame["time"].notna()
    if "time_source" in frame.columns:
        recorded &= frame["time_source"].fillna("recorded").astype(str).eq("recorded")
    timed = frame[recorded]
    untimed = frame[~recorded]

    reordered = _out_of_order(timed)
    timed = timed.sort_values(["vehicle", "time", "row"], kind="stable")
    exact = timed.duplicated(["vehicle", "time", "x", "y"])
    dropped["duplicate"] = int(exact.sum())
    timed = timed[~exact]
    same_time = timed.duplicated(["vehicle", "time"])
    dropped["duplicate_time"] = int(same_time.sum())
    timed = timed[~same_time]

    trip, _ = _split_at_gaps(timed, params.max_gap_s)
    keep_mask = _speed_filter(timed, trip, params.max_speed_kmh / 3.6)
    dropped["speed_spike"] = int((~keep_mask).sum())
    timed = timed[keep_mask]
    trip, gaps = _split_at_gaps(timed, params.max_gap_s)  # again: a removed spike may leave a gap
    timed = timed.assign(trip=trip)
    if params.stop_speed_kmh is not None and "speed_kmh" in timed.columns:
        moving = _collapse_stops(timed, params.stop_speed_kmh)
        dropped["stationary"] = int((~moving).sum())
        timed = timed[moving]

    if len(untimed):
        source = untimed["trip"].astype(str) if "trip" in untimed.columns else ""
        key = untimed["vehicle"] + "\x00" + source
        codes = pd.factorize(key)[0]
        offset = int(trip.max()) + 1 if len(trip) else 0
        untimed = untimed.assign(trip=codes + offset)
        untimed = untimed.sort_values(["trip", "row"], kind="stable")
    frame = pd.concat([timed, untimed]) if len(untimed) else timed

    sizes = frame.groupby("trip")["row"].transform("size")
    lonely = (sizes < 2).to_numpy()
    dropped["isolated"] = int(lonely.sum())
    frame = frame[~lonely]
    frame = frame.assign(trip=pd.factorize(frame["trip"])[0]).reset_index(drop=True)
    return CleanedTracks(
        points=frame,
        trips=_trip_table(frame),
        dropped=dropped,
        reordered=reordered,
        gaps=gaps,
        crs=crs,
    )


def _out_of_order(frame: pd.DataFrame) -> int:
    """Points whose time is earlier than an earlier row's of the same vehicle."""
    if frame.empty:
        return 0
    times = frame["time"].astype("int64")
    running = times.groupby(frame["vehicle"].to_numpy()).cummax()
    previous = running.groupby(frame["vehicle"].to_numpy()).shift(1)
    return int((times < previous).sum())


def _split_at_gaps(frame: pd.DataFrame, max_gap_s: float) -> tuple[np.ndarray, int]:
    """Trip number of each (sorted) row, and the number of splits caused by gaps."""
    if frame.empty:
        return np.zeros(0, dtype=np.int64), 0
    vehicle = frame["vehicle"].to_numpy()
    seconds = frame["time"].astype("int64").to_numpy() / 1e9
    new_vehicle = np.r_[True, vehicle[1:] != vehicle[:-1]]
    gap = np.r_[False, np.diff(seconds) > max_gap_s] & ~new_vehicle
    return np.cumsum(new_vehicle | gap) - 1, int(gap.sum())


def _speed_filter(frame: pd.DataFrame, trip: np.ndarray, max_speed: float) -> np.ndarray:
    """Mask of points kept: per trip, the largest chain of mutually consistent runs."""
    keep = np.ones(len(frame), dtype=bool)
    if len(frame) < 2:
        return keep
    x = frame["x"].to_numpy()
    y = frame["y"].to_numpy()
    seconds = frame["time"].astype("int64").to_numpy() / 1e9
    speed = np.hypot(np.diff(x), np.diff(y)) / np.maximum(np.diff(seconds), 1e-9)
    impossible = (speed > max_speed) & (trip[1:] == trip[:-1])
    if not impossible.any():
        return keep
    for t in np.unique(trip[1:][impossible]):
        rows = np.flatnonzero(trip == t)
        breaks = np.flatnonzero(impossible[rows[:-1]]) + 1
        bounds = np.r_[0, breaks, len(rows)]
        chosen = _best_chain(x[rows], y[rows], seconds[rows], bounds, max_speed)
        run_mask = np.zeros(len(rows), dtype=bool)
        for r in chosen:
            run_mask[bounds[r] : bounds[r + 1]] = True
        keep[rows] = run_mask
    return keep


def _collapse_stops(frame: pd.DataFrame, stop_speed_kmh: float) -> np.ndarray:
    """Mask keeping, of each run of stopped fixes, only the one nearest the run's median."""
    keep = np.ones(len(frame), dtype=bool)
    speed = pd.to_numeric(frame["speed_kmh"], errors="coerce").to_numpy(dtype=float)
    trip = frame["trip"].to_numpy()
    stopped = speed < stop_speed_kmh  # NaN compares False: unknown speed is not a stop
    if not stopped.any():
        return keep
    known = pd.Series(np.isfinite(speed)).groupby(trip).transform("sum").to_numpy()
    moving = pd.Series(speed >= stop_speed_kmh).groupby(trip).transform("sum").to_numpy()
    stopped &= moving >= 0.2 * np.maximum(known, 1)  # speeds of this trip look real
    start = stopped & np.r_[True, ~stopped[:-1] | (trip[1:] != trip[:-1])]
    run = np.cumsum(start) - 1
    x = frame["x"].to_numpy()
    y = frame["y"].to_numpy()
    rows = np.flatnonzero(stopped)
    runs = run[rows]
    table = pd.DataFrame({"run": runs, "x": x[rows], "y": y[rows]})
    centre = table.groupby("run")[["x", "y"]].transform("median").to_numpy()
    table["d"] = np.hypot(table["x"] - centre[:, 0], table["y"] - centre[:, 1])
    best = table.groupby("run")["d"].idxmin().to_numpy()
    keep[rows] = False
    keep[rows[best]] = True
    return keep


def _best_chain(
    x: np.ndarray, y: np.ndarray, seconds: np.ndarray, bounds: np.ndarray, max_speed: float
) -> list[int]:
    """Runs (between impossible steps) forming the chain with the most points."""
    n_runs = len(bounds) - 1
    size = np.diff(bounds)
    first, last = bounds[:-1], bounds[1:] - 1
    best = size.astype(float)
    previous = np.full(n_runs, -1)
    for r in range(1, n_runs):
        q = np.arange(max(0, r - _LOOKBACK), r)
        dt = np.maximum(seconds[first[r]] - seconds[last[q]], 1e-9)
        ok = np.hypot(x[first[r]] - x[last[q]], y[first[r]] - y[last[q]]) / dt <= max_speed
        if ok.any():
            j = q[ok][np.argmax(best[q[ok]])]
            best[r] = size[r] + best[j]
            previous[r] = j
    r = int(np.argmax(best))
    chain = []
    while r >= 0:
        chain.append(r)
        r = int(previous[r])
    return chain[::-1]


def _trip_table(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["trip", "vehicle", "start", "end", "points", "gps_m"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    x = frame["x"].to_numpy()
    y = frame["y"].to_numpy()
    trip = frame["trip"].to_numpy()
    step = np.r_[0.0, np.hypot(np.diff(x), np.diff(y))]
    step[np.r_[True, trip[1:] != trip[:-1]]] = 0.0
    grouped = frame.assign(step=step).groupby("trip", sort=True)
    table = grouped.agg(
        vehicle=("vehicle", "first"),
        start=("time", "min"),
        end=("time", "max"),
        points=("row", "size"),
        gps_m=("step", "sum"),
    ).reset_index()
    return table[columns]
