"""Bus-line operating figures: cycle time, headway, vehicles, and paired directions.

A route's two directions are paired into one line (below); then each line's figures follow.

Cycle time C = 2 x length / speed + layover (there and back, minutes). The vehicles a line
needs come from its timetable, by the first rule that applies:

1. ``timetable`` — the line carries its trips' times (a GTFS feed: ``trip_times``, the
   busiest service day's trips as (start, end) minutes): the peak number of trips in progress
   at once, each counted from its start to its end plus the layover. This is what a bus
   company counts. A trip whose end time is not given runs for length / speed.
2. ``headway`` — ``headway_min`` is given: N = ceil(C / h) (TCRP Report 30: a 72-minute
   cycle at a 15-minute headway needs 5 buses).
3. ``span`` — ``trips_per_day`` is given and the service span S (``span_min``, else the
   default 720 minutes) is above 0: h = S / trips and N = ceil(C / h).
4. ``overlap`` — trips are given but the span is 0 (every trip leaves at the same time, e.g.
   a line that runs once a day): the trips all overlap, N = trips (1 for one trip).
5. ``no_trips`` — ``trips_per_day`` is 0 (a GTFS route whose service never runs): N = 0.
6. ``assumed`` — nothing is known about the timetable: one bus (N = 1), and the analysis
   says so.

Rural lines with a few trips a day share buses: when the fleet assigns one bus to several
lines, those lines need ceil(sum of trips x cycle / span) buses together (at least the
largest single line's need), not one each; lines that all carry trip times need the peak of
their trips in progress together.

Directions: a route drawn as two lines with the same name (上行/下行, up/down, GTFS routes
per direction) is one line for the bureau ("7 条线路" counts routes). :func:`pair_directions`
merges two lines of one name when a direction column says they are opposite directions or
when their stops overlap substantially (same stop id, same stop name, or within 150 m); two
lines that merely share a name are kept apart and reported. A paired line calls at both
directions' stops (the first direction's order, then the stops only the other calls at);
its length is the mean of both directions' lengths (the cycle, 2 x length / speed, is there
and back); its timetable is the pair's: the trips of both directions when they carry trip
times (GTFS counts one-way trips), else the larger of the two trip counts (a drawn line's
trips are round trips), the shorter headway and the longer span.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from roadnet.schema import split_list

#: Rules of :func:`line_operations` (the ``vehicles_rule`` column).
VEHICLE_RULES = ("timetable", "headway", "span", "overlap", "no_trips", "assumed")

#: Columns that may say which direction a drawn line runs (case-insensitive).
DIRECTION_COLUMNS = ("direction", "direction_id", "dir", "方向", "上下行", "行向", "线路方向")
_SIDE_A = {"上行", "上", "up", "0", "outbound", "去程", "去", "forward", "a"}
_SIDE_B = {"下行", "下", "down", "1", "inbound", "返程", "回程", "返", "回", "backward", "b"}


@dataclass(frozen=True)
class ServiceParams:
    """Defaults for lines that do not state them."""

    speed_kmh: float = 30.0
    layover_min: float = 10.0
    service_span_min: float = 720.0  # 06:00-18:00 when a line gives trips but no times


def line_operations(lines: pd.DataFrame, *, params: ServiceParams) -> pd.DataFrame:
    """Cycle time, headway, trips and vehicles required per line (rules: module docstring).

    Parameters
    ----------
    lines
        ``bus_lines`` with ``length_m`` added (metres along the line); optional
        ``trips_per_day``, ``headway_min`` (minutes), ``span_min`` (minutes),
        ``speed_kmh``, ``layover_min`` (minutes) and ``trip_times`` (list of
        (start, end) minutes after midnight per trip; end may be NaN).
    params
        Defaults for speed, layover and service span.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``lines``: ``speed_kmh``, ``layover_min``, ``cycle_min``,
        ``span_min``, ``trips_per_day``, ``headway_min`` (NaN when the timetable has
        none), ``vehicles_required`` (int), ``vehicles_rule`` (one of
        :data:`VEHICLE_RULES`) and ``trip_intervals`` (for the ``timetable`` rule: each
        trip's (start, end + layover) in minutes; None otherwise).
    """
    out = pd.DataFrame(index=lines.index)
    speed = _column(lines, "speed_kmh", params.speed_kmh)
    speed = speed.where(speed > 0, params.speed_kmh)
    layover = _column(lines, "layover_min", params.layover_min).clip(lower=0)
    span = _column(lines, "span_min", params.service_span_min)
    one_way = lines["length_m"].astype(float) / 1000.0 / speed * 60.0
    out["speed_kmh"] = speed
    out["layover_min"] = layover
    out["cycle_min"] = 2.0 * one_way + layover
    out["span_min"] = span
    trips = _column(lines, "trips_per_day", np.nan)
    given = _column(lines, "headway_min", np.nan)
    given = given.where(given > 0)
    from_span = (span / trips.where(trips > 0)).where(span > 0)
    headway = given.where(given.notna(), from_span)
    trips = trips.where(trips.notna(), span / given)
    out["trips_per_day"] = trips
    out["headway_min"] = headway

    times = lines["trip_times"] if "trip_times" in lines.columns else None
    vehicles = np.ones(len(lines), dtype=np.int64)
    rules = np.full(len(lines), "assumed", dtype=object)
    intervals: list[list[tuple[float, float]] | None] = [None] * len(lines)
    cycle = out["cycle_min"].to_numpy(dtype=float)
    for i in range(len(lines)):
        trip_times = _trip_times(times.iloc[i]) if times is not None else []
        n_trips = trips.iloc[i]
        if trip_times and (math.isnan(n_trips) or len(trip_times) == round(n_trips)):
            spans = _intervals(trip_times, one_way.iloc[i], layover.iloc[i])
            intervals[i] = spans
            vehicles[i], rules[i] = peak_in_progress(spans), "timetable"
        elif given.notna().iloc[i]:
            vehicles[i], rules[i] = _ceil(cycle[i] / given.iloc[i]), "headway"
        elif n_trips > 0 and span.iloc[i] > 0:
            vehicles[i], rules[i] = _ceil(cycle[i] / from_span.iloc[i]), "span"
        elif n_trips > 0:
            vehicles[i], rules[i] = math.ceil(n_trips), "overlap"
        elif n_trips == 0:
            vehicles[i], rules[i] = 0, "no_trips"
    out["vehicles_required"] = vehicles
    out["vehicles_rule"] = rules
    out["trip_intervals"] = pd.Series(intervals, index=lines.index, dtype=object)
    return out


def peak_in_progress(intervals: Sequence[tuple[float, float]]) -> int:
    """The largest number of half-open intervals [start, end) in progress at one moment.

    A bus whose trip (plus layover) ends at 09:20 can take a trip leaving at 09:20.
    """
    events = sorted(
        [(float(end), -1) for _, end in intervals] + [(float(start), 1) for start, _ in intervals]
    )
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def fleet_requirement(
    operations: pd.DataFrame,
    line_ids: pd.Series,
    fleet: pd.DataFrame | None,
    *,
    aliases: Mapping[str, str] | None = None,
) -> int:
    """Vehicles the whole network needs, counting buses shared across lines once.

    Lines linked by a bus assigned to several of them (fleet ``line`` = "L1,L2") form a
    group. A group whose lines all carry trip times needs the peak of their trips in
    progress together; any other group needs ceil(sum of trips x cycle / span) buses (at
    least its largest single line's need; the sum of the lines' needs when the span is 0).
    Every line outside a group needs its own ``vehicles_required``.

    Parameters
    ----------
    operations
        :func:`line_operations` of the lines, aligned to ``line_ids``.
    line_ids
        The lines' ids.
    fleet
        The ``fleet`` layer (``line`` lists the lines a bus runs), or None.
    aliases
        Line ids the fleet may use for a line that has another id now (the second
        direction of a paired line → the paired line's id).
    """
    ids = [str(i) for i in line_ids]
    parent = {i: i for i in ids}
    alias = dict(aliases or {})

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if fleet is not None and "line" in fleet.columns:
        for value in fleet["line"].dropna():
            named = [alias.get(m, m) for m in split_list(value)]
            members = [m for m in dict.fromkeys(named) if m in parent]
            for other in members[1:]:
                parent[find(other)] = find(members[0])
    groups: dict[str, list[int]] = {}
    for position, line_id in enumerate(ids):
        groups.setdefault(find(line_id), []).append(position)
    total = 0
    for positions in groups.values():
        rows = operations.iloc[positions]
        single = int(rows["vehicles_required"].max())
        if len(positions) == 1:
            total += single
            continue
        rule = rows["vehicles_rule"] if "vehicles_rule" in rows.columns else None
        if rule is not None and (rule == "timetable").all():
            spans = [span for value in rows["trip_intervals"] for span in value]
            total += max(single, peak_in_progress(spans))
            continue
        running = rule != "no_trips" if rule is not None else slice(None)
        minutes = (rows["trips_per_day"].fillna(1) * rows["cycle_min"])[running].sum()
        span = float(rows["span_min"].max())
        if span > 0:
            total += max(single, math.ceil(minutes / span))
        else:
            total += int(rows["vehicles_required"].sum())
    return total


# --------------------------------------------------------------------------- directions


@dataclass(frozen=True)
class LinePairing:
    """The outcome of :func:`pair_directions`.

    Attributes
    ----------
    lines
        The lines with each pair merged into one row (the first direction's row and id;
        ``paired_ids`` lists both original ids, ``length_m`` the mean of both lengths).
    pairs
        ``(name, first_id, second_id, rule)`` per merged pair; rule ``direction`` (a
        direction column says they are opposite) or ``stops`` (their stops overlap).
    unpaired
        ``(name, ids)`` per name shared by lines that were not merged (stops far apart,
        or the same direction twice): counted as separate lines.
    aliases
        Original id of each merged second direction → the paired line's id.
    """

    lines: pd.DataFrame
    pairs: tuple[tuple[str, str, str, str], ...] = ()
    unpaired: tuple[tuple[str, tuple[str, ...]], ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)


def pair_directions(
    lines: pd.DataFrame,
    stops: pd.DataFrame,
    *,
    min_overlap: float = 0.5,
    match_m: float = 150.0,
) -> LinePairing:
    """Merge the two directions of a route drawn as two lines with the same name.

    Parameters
    ----------
    lines
        ``bus_lines`` (metric CRS): ``id``, ``name``, ``stops`` (stop ids) and geometry;
        a direction column (:data:`DIRECTION_COLUMNS`: 上行/下行, up/down, 0/1 …) when
        the file has one.
    stops
        ``bus_stops`` (metric CRS) with ``id`` and, if known, ``name``.
    min_overlap
        Share (0–1) of the shorter line's stops the other line must also serve (same id,
        same name, or within ``match_m`` metres) for two lines of one name to be paired
        without a direction column.
    match_m
        Distance (metres) within which two stops count as the same place (the stops of
        the two directions often stand on opposite sides of the road).

    Returns
    -------
    LinePairing
    """
    if "name" not in lines.columns or len(lines) < 2:
        return LinePairing(lines)
    names = lines["name"].map(lambda v: "" if _blank(v) else str(v).strip())
    groups = {n: list(g) for n, g in pd.Series(range(len(lines))).groupby(names.to_numpy())}
    groups = {n: g for n, g in groups.items() if n and len(g) > 1}
    if not groups:
        return LinePairing(lines)
    sides = _direction_sides(lines)
    where = _stop_places(stops)
    seqs = [split_list(s) for s in lines["stops"]]
    ids = lines["id"].astype(str).to_numpy()
    pairs: list[tuple[str, str, str, str]] = []
    unpaired: list[tuple[str, tuple[str, ...]]] = []
    merged: dict[int, int] = {}  # second position -> first position
    for name, members in groups.items():
        candidates = []
        for a_pos, i in enumerate(members):
            for j in members[a_pos + 1 :]:
                si, sj = sides[i], sides[j]
                if si is not None and sj is not None:
                    if si != sj:
                        candidates.append((2.0, i, j, "direction"))
                    continue
                overlap = _overlap(seqs[i], seqs[j], where, match_m)
                if overlap >= min_overlap:
                    candidates.append((overlap, i, j, "stops"))
        used: set[int] = set()
        for _, i, j, rule in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
            if i in used or j in used:
                continue
            used |= {i, j}
            merged[j] = i
            pairs.append((name, str(ids[i]), str(ids[j]), rule))
        left = [i for i in members if i not in used]
        if left and len(left) + (len(used) // 2) > 1:
            unpaired.append((name, tuple(str(ids[i]) for i in members if i not in merged)))
    if not merged:
        return LinePairing(lines, unpaired=tuple(unpaired))
    rows = []
    for position in range(len(lines)):
        if position in merged:
            continue
        partner = next((j for j, i in merged.items() if i == position), None)
        row = lines.iloc[position].to_dict()
        if partner is not None:
            row = _merge_pair(row, lines.iloc[partner].to_dict(), seqs[position], seqs[partner])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*lines.columns, *_new_columns(lines)])
    if hasattr(lines, "geometry"):
        import geopandas as gpd

        frame = gpd.GeoDataFrame(frame, geometry=lines.geometry.name, crs=lines.crs)
    frame.attrs = dict(lines.attrs)
    aliases = {str(ids[j]): str(ids[i]) for j, i in merged.items()}
    return LinePairing(frame, tuple(pairs), tuple(unpaired), aliases)


def _new_columns(lines: pd.DataFrame) -> list[str]:
    return [c for c in ("paired_ids", "length_m") if c not in lines.columns]


def _merge_pair(
    first: dict[str, Any], second: dict[str, Any], seq_a: list[str], seq_b: list[str]
) -> dict[str, Any]:
    row = dict(first)
    row["stops"] = [*seq_a, *(s for s in dict.fromkeys(seq_b) if s not in set(seq_a))]
    row["paired_ids"] = [str(first["id"]), str(second["id"])]
    lengths = [_length(first), _length(second)]
    known = [x for x in lengths if x is not None]
    row["length_m"] = float(np.mean(known)) if known else None
    times_a, times_b = _trip_times(first.get("trip_times")), _trip_times(second.get("trip_times"))
    trips = [_number(first.get("trips_per_day")), _number(second.get("trips_per_day"))]
    if times_a and times_b:
        row["trip_times"] = [*times_a, *times_b]
        row["trips_per_day"] = float(np.nansum(trips)) if not all(map(math.isnan, trips)) else None
    elif not all(map(math.isnan, trips)):
        row["trips_per_day"] = float(np.nanmax(trips))
        row["trip_times"] = None
    headways = (_number(first.get("headway_min")), _number(second.get("headway_min")))
    positive = [h for h in headways if h > 0]
    if "headway_min" in row:
        row["headway_min"] = min(positive) if positive else None
    spans = [_number(first.get("span_min")), _number(second.get("span_min"))]
    if "span_min" in row and not all(map(math.isnan, spans)):
        row["span_min"] = float(np.nanmax(spans))
    values = [_number(first.get("first_departure_min")), _number(second.get("first_departure_min"))]
    if "first_departure_min" in row and not all(map(math.isnan, values)):
        row["first_departure_min"] = float(np.nanmin(values))
    values = [_number(first.get("last_departure_min")), _number(second.get("last_departure_min"))]
    if "last_departure_min" in row and not all(map(math.isnan, values)):
        row["last_departure_min"] = float(np.nanmax(values))
    layovers = [_number(first.get("layover_min")), _number(second.get("layover_min"))]
    if "layover_min" in row and not all(map(math.isnan, layovers)):
        row["layover_min"] = float(np.nanmax(layovers))
    speeds = [_number(first.get("speed_kmh")), _number(second.get("speed_kmh"))]
    if "speed_kmh" in row and not all(map(math.isnan, speeds)):
        row["speed_kmh"] = float(np.nanmean(speeds))
    for key, value in second.items():
        if key in row and _blank(row[key]) and not _blank(value):
            row[key] = value
    return row


def _length(row: Mapping[str, Any]) -> float | None:
    value = row.get("length_m")
    if value is not None and not _blank(value):
        return float(value)
    geometry = row.get("geometry")
    if geometry is None or shapely.is_empty(geometry):
        return None
    return float(shapely.length(geometry))


def _direction_sides(lines: pd.DataFrame) -> list[str | None]:
    lowered = {str(c).strip().lower(): c for c in lines.columns}
    column = next((lowered[c] for c in DIRECTION_COLUMNS if c in lowered), None)
    if column is None:
        return [None] * len(lines)
    out: list[str | None] = []
    for value in lines[column]:
        text = "" if _blank(value) else str(value).strip().lower()
        if text.endswith(".0"):
            text = text[:-2]
        out.append("a" if text in _SIDE_A else "b" if text in _SIDE_B else None)
    return out


def _stop_places(stops: pd.DataFrame) -> dict[str, tuple[str | None, Any]]:
    names = stops["name"] if "name" in stops.columns else pd.Series(None, index=stops.index)
    geoms = stops.geometry.to_numpy() if hasattr(stops, "geometry") else [None] * len(stops)
    return {
        str(i): (None if _blank(n) else str(n).strip(), g)
        for i, n, g in zip(stops["id"], names, geoms, strict=True)
    }


def _overlap(
    seq_a: list[str],
    seq_b: list[str],
    where: Mapping[str, tuple[str | None, Any]],
    match_m: float,
) -> float:
    """Share of the shorter stop list that the other list also serves (id, name or place)."""
    a, b = list(dict.fromkeys(seq_a)), list(dict.fromkeys(seq_b))
    if not a or not b:
        return 0.0
    short, other = (a, b) if len(a) <= len(b) else (b, a)
    other_ids = set(other)
    other_names = {where[s][0] for s in other if s in where and where[s][0]}
    other_points = [where[s][1] for s in other if s in where and where[s][1] is not None]
    tree = shapely.STRtree(other_points) if other_points else None
    matched = 0
    for stop in short:
        name, point = where.get(stop, (None, None))
        near = (
            tree is not None
            and point is not None
            and len(tree.query(point, predicate="dwithin", distance=match_m)) > 0
        )
        if stop in other_ids or (name and name in other_names) or near:
            matched += 1
    return matched / len(short)


# --------------------------------------------------------------------------- helpers


def _trip_times(value: Any) -> list[tuple[float, float]]:
    """(start, end) pairs of a ``trip_times`` cell; [] when blank."""
    if isinstance(value, str) or _blank(value):
        return []
    out = []
    for item in value:
        start, end = (float(x) for x in item)
        if not math.isnan(start):
            out.append((start, end))
    return out


def _intervals(
    trip_times: list[tuple[float, float]], one_way_min: float, layover_min: float
) -> list[tuple[float, float]]:
    """Each trip from its start to its end plus the layover.

    An end that is not given (or not after the start) is the start plus the one-way running
    time.
    """
    out = []
    for start, end in trip_times:
        if math.isnan(end) or end <= start:
            end = start + (one_way_min if math.isfinite(one_way_min) else 0.0)
        out.append((start, end + layover_min))
    return out


def _ceil(value: float) -> int:
    return max(1, math.ceil(value)) if math.isfinite(value) else 1


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, list | tuple | np.ndarray):
        return len(value) == 0
    try:
        return bool(pd.isna(value)) or str(value).strip() == ""
    except (TypeError, ValueError):
        return False


def _column(frame: pd.DataFrame, name: str, default: float) -> pd.Series:
    if name in frame.columns:
        values = pd.to_numeric(frame[name], errors="coerce").astype(float)
        return values.fillna(default)
    return pd.Series(default, index=frame.index, dtype=float)
