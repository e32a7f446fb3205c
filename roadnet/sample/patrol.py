"""Law-enforcement patrol trips of 2023: vehicle-terminal export, GPX files, truth, events.

The report: "60-odd vehicle trips ... patrolled 22,000-odd km of county and township roads
... cleared 31 obstacles such as threshing floors on the road ... 6 illegally operating
vehicles". Each trip is a long day loop from the county seat over county and township roads
(a chain of shortest paths to dead ends and back). Positions are sampled every 10-30 s
with 10-30 m Gaussian noise (clipped at 3 sigma, at most 90 m) and exported as a vehicle
terminal does, with its dirt: about 0.5 % exact duplicate rows, blocks of rows uploaded
late (out of order), a few (0, 0) fixes and a few jumps of kilometres. Three trips come as
GPX files from a handheld recorder instead. The true path (road ids) and its length are
kept apart for tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pyproj

from roadnet.sample.names import draw_plate
from roadnet.sample.network import RoadNetwork, classes, nearest_node
from roadnet.sample.roads import RoadDraft
from roadnet.sample.terrain import GEOGRAPHIC_EPSG, METRIC_EPSG

TERMINAL_COLUMNS = ("车牌号", "定位时间", "经度", "纬度", "速度")
LOCAL = timezone(timedelta(hours=8))
_MONTH_WEIGHT = np.asarray([2, 2, 4, 5, 7, 8, 9, 9, 7, 5, 3, 2], dtype=float)
_SPEED_KMH = {
    "national": 62.0,
    "provincial": 58.0,
    "county": 52.0,
    "township": 40.0,
    "village": 30.0,
}
_TO_GEO = pyproj.Transformer.from_crs(METRIC_EPSG, GEOGRAPHIC_EPSG, always_xy=True)
_NOTES = {
    "obstacle": (
        "清理打麦晒场",
        "清理路面堆放秸秆",
        "清理占道堆放沙石",
        "劝阻占道晾晒粮食",
        "清理路肩堆放柴草",
        "清除路面散落物",
    ),
    "overload": ("查处货车超限运输", "劝返超载货车", "检查货车装载情况"),
    "illegal_operation": ("查处非法营运客车", "查处违规经营出租车辆"),
    "encroachment": ("拆除非公路标志", "制止占用公路用地", "制止擅自开设平交道口"),
    "other": ("发放宣传资料", "排查公路安全隐患", "检查危化品运输车辆"),
}
_EVENT_COUNTS = {
    "obstacle": 31,
    "illegal_operation": 6,
    "overload": 12,
    "encroachment": 8,
    "other": 6,
}
"""Sum of ``count`` per kind (obstacles and illegal operations as in the report)."""


@dataclass(frozen=True)
class PatrolData:
    """Everything the patrol generator writes.

    Attributes
    ----------
    terminal
        The vehicle-terminal export (Chinese headers), rows in file order.
    gpx
        ``(file name, plate, frame)``: frame has ``time`` (aware, UTC), ``lon``, ``lat``.
    truth
        One row per trip: ``trip``, ``vehicle``, ``start``, ``end``, ``length_m``,
        ``source``, ``file``, ``points``, ``duplicates``, ``out_of_order``, ``zero_fixes``,
        ``jumps``, ``road_ids``.
    events
        ``time`` (ISO 8601, +08:00), ``kind``, ``vehicle``, ``note``, ``count``, ``x``,
        ``y`` (m, EPSG:4546).
    """

    terminal: pd.DataFrame
    gpx: list[tuple[str, str, pd.DataFrame]]
    truth: pd.DataFrame
    events: pd.DataFrame


def plan_patrol(
    rng: np.random.Generator,
    network: RoadNetwork,
    drafts: list[RoadDraft],
    road_ids: np.ndarray,
    road_length_m: np.ndarray,
    seat: tuple[float, float],
    seats: np.ndarray,
    *,
    scale: float,
    plates: set[str],
    year: int = 2023,
) -> PatrolData:
    """Simulate the year's patrol trips and their recordings.

    Parameters
    ----------
    road_ids
        Id of every network piece (the roads layer's ``id``).
    road_length_m
        Ellipsoidal length of every piece (m).
    seat, seats
        The county seat, and all township seats (patrol bases at province scale).
    """
    n_trips = max(6, round(60 * math.sqrt(scale)))
    n_vehicles = 3
    vehicles = [draw_plate(rng, letter="J", used=plates) for _ in range(n_vehicles)]
    road_class = classes(network, drafts)
    mask = np.isin(road_class, ["national", "provincial", "county", "township"])
    weight = network.length * np.where(np.isin(road_class, ["national", "provincial"]), 3.0, 1.0)
    labels = network.components(mask)
    county_home = nearest_node(network, *seat)
    inside = labels == labels[county_home]
    homes = [county_home]
    if scale > 1.5:
        # province-sized: patrol teams start from township seats
        homes = [nearest_node(network, *xy) for xy in seats]
        homes = [h for h in homes if inside[h]] or [county_home]
    degree = np.bincount(
        np.concatenate([network.u[mask], network.v[mask]]), minlength=network.node_count
    )
    goals = np.flatnonzero(inside & (degree == 1))
    if len(goals) < 3:
        goals = np.flatnonzero(inside)
    table = network.lookup(mask, weight)

    days = _trip_days(rng, n_trips, n_vehicles, year)
    gpx_trips = set(
        rng.choice(
            np.flatnonzero((days[:, 1] >= 6) & (days[:, 1] <= 9)),
            size=min(3, n_trips),
            replace=False,
        ).tolist()
    )
    terminal_parts: list[pd.DataFrame] = []
    gpx_files: list[tuple[str, str, pd.DataFrame]] = []
    truth_rows: list[dict[str, object]] = []
    paths: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = []
    for trip in range(n_trips):
        _, month, day, vehicle_index = (int(v) for v in days[trip])
        vehicle = vehicles[vehicle_index]
        target = float(np.clip(rng.normal(367_000.0, 55_000.0), 220_000.0, 520_000.0))
        home = homes[int(rng.integers(len(homes)))]
        steps = _route(rng, network, mask, weight, table, home, goals, target)
        coords = network.polyline(steps)
        pieces = np.asarray([e for e, _ in steps], dtype=np.int64)
        speed = np.asarray([_SPEED_KMH[road_class[e]] for e in pieces]) * rng.uniform(
            0.85, 1.12, len(pieces)
        )
        start = datetime(year, month, day, 8, 0, tzinfo=LOCAL) + timedelta(
            seconds=int(rng.integers(0, 5400))
        )
        is_gpx = trip in gpx_trips
        interval = 5.0 if is_gpx else float(rng.choice([10.0, 15.0, 20.0, 30.0]))
        sigma = float(rng.uniform(5.0, 8.0)) if is_gpx else float(rng.uniform(10.0, 30.0))
        times, xy, kmh, timeline = _drive(
            rng, network, steps, coords, speed, interval=interval, sigma=sigma, gaps=not is_gpx
        )
        lon, lat = _TO_GEO.transform(xy[:, 0], xy[:, 1])
        end = start + timedelta(seconds=float(times[-1]))
        stamp = [start + timedelta(seconds=float(t)) for t in times]
        length = float(road_length_m[pieces].sum())
        ids = ",".join(str(road_ids[e]) for e in pieces)
        trip_id = f"T{trip + 1:03d}"
        paths.append((coords, timeline[0], timeline[1], vehicle))
        if is_gpx:
            name = f"{vehicle.replace('·', '')}-{start:%Y-%m-%d}.gpx"
            frame = pd.DataFrame(
                {
                    "time": [t.astimezone(UTC) for t in stamp],
                    "lon": np.round(lon, 7),
                    "lat": np.round(lat, 7),
                }
            )
            gpx_files.append((name, vehicle, frame))
            dirt = {"duplicates": 0, "out_of_order": 0, "zero_fixes": 0, "jumps": 0}
            n_points = len(frame)
            source, file = "gpx", f"patrol/{name}"
        else:
            frame = pd.DataFrame(
                {
                    "车牌号": vehicle,
                    "定位时间": [f"{t:%Y-%m-%d %H:%M:%S}" for t in stamp],
                    "经度": np.round(lon, 6),
                    "纬度": np.round(lat, 6),
                    "速度": np.round(kmh, 1),
                }
            )
            frame, dirt = _dirty(rng, frame, xy)
            n_points = len(frame)
            terminal_parts.append(frame)
            source, file = "terminal", f"patrol/terminal-{year}.csv"
        truth_rows.append(
            {
                "trip": trip_id,
                "vehicle": vehicle,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "length_m": round(length, 1),
                "source": source,
                "file": file,
                "points": n_points,
                **dirt,
                "road_ids": ids,
            }
        )
    events = _events(rng, paths, truth_rows)
    terminal = (
        pd.concat(terminal_parts, ignore_index=True)
        if terminal_parts
        else pd.DataFrame(columns=list(TERMINAL_COLUMNS))
    )
    return PatrolData(
        terminal=terminal, gpx=gpx_files, truth=pd.DataFrame(truth_rows), events=events
    )


def _trip_days(rng: np.random.Generator, n_trips: int, n_vehicles: int, year: int) -> np.ndarray:
    """Distinct (vehicle, day) pairs, more in summer, sorted by date.

    Rows are ``(day of year, month, day, vehicle)``.
    """
    first = datetime(year, 1, 1)
    doy = np.arange(365)
    month = np.asarray([(first + timedelta(days=int(d))).month for d in doy])
    weight = _MONTH_WEIGHT[month - 1]
    weekday = np.asarray([(first + timedelta(days=int(d))).weekday() for d in doy])
    weight = weight * np.where(weekday >= 5, 0.3, 1.0)
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < n_trips:
        d = int(rng.choice(doy, p=weight / weight.sum()))
        v = int(rng.integers(n_vehicles))
        chosen.add((d, v))
    rows = []
    for d, v in sorted(chosen):
        date = first + timedelta(days=d)
        rows.append((d, date.month, date.day, v))
    return np.asarray(rows, dtype=np.int64)


def _route(
    rng: np.random.Generator,
    network: RoadNetwork,
    mask: np.ndarray,
    weight: np.ndarray,
    table: dict[tuple[int, int], int],
    home: int,
    goals: np.ndarray,
    target: float,
    *,
    leg_limit: float = 60000.0,
) -> list[tuple[int, bool]]:
    """A day loop from ``home``: shortest paths to a chain of dead ends, then back.

    Each leg goes to a dead end within ``leg_limit`` along the roads; the way home is
    estimated as 1.4 x the straight distance until the last leg.
    """
    steps: list[tuple[int, bool]] = []
    current = home
    driven = 0.0
    home_xy = network.nodes[home]
    goal_home = 1.4 * np.hypot(*(network.nodes[goals] - home_xy).T)
    for _ in range(40):
        remaining = target - driven
        dist, pred = network.shortest(current, mask, weight, limit=min(leg_limit, remaining))
        total = dist[goals] + goal_home
        ok = np.flatnonzero(np.isfinite(total) & (total <= remaining) & (dist[goals] > 3000.0))
        if len(ok) == 0:
            break
        w = dist[goals[ok]] ** 0.7
        goal = int(goals[ok[int(rng.choice(len(ok), p=w / w.sum()))]])
        leg = network.path(pred, goal, table)
        steps += leg
        driven += float(sum(network.length[e] for e, _ in leg))
        current = goal
    if current != home:
        straight = float(np.hypot(*(network.nodes[current] - home_xy)))
        dist, pred = network.shortest(current, mask, weight, limit=3.0 * straight + 30000.0)
        if not np.isfinite(dist[home]):
            dist, pred = network.shortest(current, mask, weight)
        steps += network.path(pred, home, table)
    return steps


def _drive(
    rng: np.random.Generator,
    network: RoadNetwork,
    steps: list[tuple[int, bool]],
    coords: np.ndarray,
    speed_kmh: np.ndarray,
    *,
    interval: float,
    sigma: float,
    gaps: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Sample a drive along ``coords``.

    Returns
    -------
    times, xy, kmh, timeline
        Seconds from the start, noisy positions (m), reported speeds (km/h), and the true
        time line as ``(t, s)`` knots (seconds, metres along the path).
    """
    seg = np.hypot(*np.diff(coords, axis=0).T)
    vertex_s = np.concatenate([[0.0], np.cumsum(seg)])
    piece_len = np.asarray([network.length[e] for e, _ in steps])
    piece_s = np.concatenate([[0.0], np.cumsum(piece_len)])
    piece_t = np.concatenate([[0.0], np.cumsum(piece_len / (speed_kmh / 3.6))])
    # stops (inspections, lunch after about four hours) are flat parts of the time line
    n_stops = int(rng.integers(3, 7))
    stop_s = np.sort(
        np.append(
            rng.uniform(0.05, 0.95, n_stops) * piece_s[-1],
            np.interp(4.0 * 3600.0, piece_t, piece_s),
        )
    )
    pause = rng.uniform(300.0, 1500.0, len(stop_s))
    pause[len(stop_s) // 2] += 2400.0
    before = np.concatenate([[0.0], np.cumsum(pause)])

    def clock(s: np.ndarray) -> np.ndarray:
        return np.interp(s, piece_s, piece_t) + before[np.searchsorted(stop_s, s, side="left")]

    knots_s = np.concatenate([piece_s, stop_s, stop_s])
    knots_t = np.concatenate([clock(piece_s), clock(stop_s), clock(stop_s) + pause])
    order = np.lexsort((knots_s, knots_t))
    knots_t, knots_s = knots_t[order], knots_s[order]
    end_t = float(knots_t[-1])
    n = int(end_t // interval) + 1
    times = np.unique(
        np.round(np.arange(n) * interval + rng.uniform(-1.0, 1.0, n)).clip(0.0, end_t)
    )
    if gaps:
        for _ in range(int(rng.integers(0, 4))):
            a = rng.uniform(0.0, end_t)
            times = times[(times < a) | (times > a + rng.uniform(120.0, 480.0))]
    s = np.interp(times, knots_t, knots_s)
    x = np.interp(s, vertex_s, coords[:, 0])
    y = np.interp(s, vertex_s, coords[:, 1])
    noise = rng.normal(0.0, sigma, size=(len(times), 2))
    radius = np.hypot(noise[:, 0], noise[:, 1])
    noise *= np.minimum(1.0, min(3.0 * sigma, 90.0) / np.maximum(radius, 1e-9))[:, None]
    xy = np.column_stack([x, y]) + noise
    ds = np.gradient(s, times) if len(times) > 1 else np.zeros(len(times))
    kmh = np.clip(ds * 3.6 + rng.normal(0.0, 1.5, len(times)), 0.0, None)
    kmh[ds < 0.05] = 0.0
    return times, xy, kmh, (knots_t, knots_s)


def _dirty(
    rng: np.random.Generator, frame: pd.DataFrame, xy: np.ndarray
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add the faults of a real vehicle terminal to one trip's rows."""
    n = len(frame)
    rows = frame.copy()
    rows["_order"] = np.arange(n, dtype=float)
    jumps = 0
    if rng.random() < 0.4:
        for k in rng.choice(np.arange(5, n - 5), size=int(rng.integers(1, 3)), replace=False):
            angle = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(2000.0, 15000.0)
            jx, jy = xy[k, 0] + d * math.cos(angle), xy[k, 1] + d * math.sin(angle)
            lon, lat = _TO_GEO.transform(jx, jy)
            rows.loc[k, "经度"] = round(float(lon), 6)
            rows.loc[k, "纬度"] = round(float(lat), 6)
            jumps += 1
    zeros = 0
    if rng.random() < 0.35:
        for k in rng.choice(np.arange(1, n - 1), size=int(rng.integers(1, 3)), replace=False):
            rows.loc[k, ["经度", "纬度", "速度"]] = [0.0, 0.0, 0.0]
            zeros += 1
    late = 0
    if rng.random() < 0.3 and n > 200:
        a = int(rng.integers(10, n - 150))
        size = int(rng.integers(5, 30))
        delay = float(rng.integers(20, 100))
        rows.loc[a : a + size - 1, "_order"] += delay + size
        late = size
    dup = rng.random(n) < 0.005
    copies = rows[dup].copy()
    copies["_order"] += 0.5
    rows = pd.concat([rows, copies]).sort_values("_order", kind="stable").drop(columns="_order")
    return rows.reset_index(drop=True), {
        "duplicates": int(dup.sum()),
        "out_of_order": late,
        "zero_fixes": zeros,
        "jumps": jumps,
    }


def _events(
    rng: np.random.Generator,
    paths: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]],
    truth: list[dict[str, object]],
) -> pd.DataFrame:
    """Patrol events at points of the trips' paths, at the time the vehicle passed."""
    rows = []
    for kind, total in _EVENT_COUNTS.items():
        left = total
        while left > 0:
            count = 1 if left == 1 or rng.random() < 0.85 else 2
            left -= count
            trip = int(rng.integers(len(paths)))
            coords, timeline_t, timeline_s, vehicle = paths[trip]
            seg = np.hypot(*np.diff(coords, axis=0).T)
            vertex_s = np.concatenate([[0.0], np.cumsum(seg)])
            t = float(rng.uniform(0.1, 0.9) * timeline_t[-1])
            s = float(np.interp(t, timeline_t, timeline_s))
            start = datetime.fromisoformat(str(truth[trip]["start"]))
            when = (start + timedelta(seconds=round(t))).replace(microsecond=0)
            rows.append(
                {
                    "time": when.isoformat(),
                    "kind": kind,
                    "vehicle": vehicle,
                    "note": str(rng.choice(list(_NOTES[kind]))),
                    "count": count,
                    "x": float(np.interp(s, vertex_s, coords[:, 0])),
                    "y": float(np.interp(s, vertex_s, coords[:, 1])),
                }
            )
    frame = pd.DataFrame(rows)
    return frame.sort_values("time", kind="stable").reset_index(drop=True)
