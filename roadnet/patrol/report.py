"""Patrol mileage: the ledger's tracks cleaned, matched to the roads and summed up.

The kilometres reported are those of the matched road path, not of the raw GPS zig-zag
(DESIGN.md, "Patrol mileage"): per month (local time), road class, township (a road piece
counts in the township it lies in, split at township boundaries) and road, with the number
of passes per road. Coverage of the target network (county and township roads by default)
is the distinct road length driven over the total length of target roads; a target road
of which less than ``patrolled_share`` (10 %) was driven is listed as unpatrolled. Lengths
are measured in the county's metric CRS (Gauss-Krüger or UTM), never in Web Mercator.

Matched trips are cached in the ledger (table ``roadnet_matches``), keyed by a hash of the
trip's points, of the routing graph and of the matching parameters: a report re-matches
only trips it has not seen with the same roads and parameters, and a changed roads layer
or parameter invalidates the whole cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet.county import County
from roadnet.errors import ConfigError, ReadError
from roadnet.formatting import format_km, format_percent
from roadnet.labels import EVENT_PHRASES, ROAD_CLASS_LABELS
from roadnet.network import RoadGraph, build_graph
from roadnet.patrol.clean import CleanedTracks, CleaningParams, clean_tracks, county_area
from roadnet.patrol.events import EVENT_KINDS, drop_repeated_events, events_from_layer
from roadnet.patrol.ledger import read_events, read_matches, read_points, write_matches
from roadnet.patrol.matching import MatchedPath, MatchingParams, match_track
from roadnet.patrol.notes import report_notes, target_note
from roadnet.plates import vehicle_key
from roadnet.quality import DataQuality
from roadnet.timeparse import CHINA_STANDARD_TIME

log = logging.getLogger(__name__)

ROAD_CLASSES = ("national", "provincial", "county", "township", "village", "other")
CONFIG_KEYS = {
    # import
    "tracks": "track files or glob patterns, relative to county.toml",
    "events": "event lists (CSV/Excel), relative to county.toml",
    "coords": "WGS-84 (default), GCJ-02 or BD-09: the system of the tracks' lon/lat",
    "vehicle": "plate for GPX files and tables without one",
    "fields": "canonical field → column name of the terminal export",
    "ledger": "the ledger GeoPackage (default patrol-ledger.gpkg beside county.toml)",
    # report
    "target": "road classes of the target network (default county and township)",
    "sigma_m": 'GPS noise standard deviation (m), or "auto" to estimate it per trip',
    "beta_m": "transition scale of the map matcher (m)",
    "search_radius_m": "candidate search radius (m)",
    "max_speed_kmh": "implied speed above which a fix is a spike (km/h)",
    "max_gap_min": "time gap that ends a trip (minutes)",
    "area_buffer_m": "buffer of the county area outside which fixes are dropped (m)",
    "stop_speed_kmh": "reported speed below which a fix is stopped (km/h)",
    "patrolled_share": "share of a road's length to drive for it to count as patrolled",
}
_CACHE_VERSION = b"patrol-match-2"

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class PatrolParams:
    """Parameters of the patrol mileage report.

    Attributes
    ----------
    matching
        Map-matching parameters (σ, β, search radius ...).
    cleaning
        Cleaning thresholds (speed, gap, area buffer).
    target_classes
        Road classes of the target network (county and township roads by default).
    patrolled_share
        A target road counts as patrolled when at least this share of its length was driven.
    min_pass_m
        A drive along a road counts as a pass when it covers at least this many metres (or
        half the road, for shorter roads).
    event_snap_m
        Events farther than this from every road (metres) get no road.
    cache
        Reuse and store matched trips in the ledger.
    """

    matching: MatchingParams = field(default_factory=MatchingParams)
    cleaning: CleaningParams = field(default_factory=CleaningParams)
    target_classes: tuple[str, ...] = ("county", "township")
    patrolled_share: float = 0.1
    min_pass_m: float = 50.0
    event_snap_m: float = 1000.0
    cache: bool = True

    def __post_init__(self) -> None:
        unknown = [c for c in self.target_classes if c not in ROAD_CLASSES]
        if unknown or not self.target_classes:
            raise ConfigError(
                f"target road classes must be among {', '.join(ROAD_CLASSES)}; got "
                f"{', '.join(self.target_classes) or 'none'}"
            )
        if not 0.0 <= self.patrolled_share <= 1.0:
            raise ConfigError(f"patrolled_share must be between 0 and 1: {self.patrolled_share}")


def params_from_config(
    table: Mapping[str, Any], *, target: str | None = None, cache: bool = True
) -> PatrolParams:
    """PatrolParams from county.toml's ``[patrol]`` table (and a ``--target`` list).

    Raises
    ------
    ConfigError
        An unknown key or a bad value.
    """
    unknown = sorted(set(table) - set(CONFIG_KEYS))
    if unknown:
        keys = "; ".join(f"{k}: {v}" for k, v in CONFIG_KEYS.items())
        raise ConfigError(f"county.toml [patrol]: unknown key '{unknown[0]}'. Keys: {keys}")
    matching: dict[str, Any] = {
        k: _number(table[k], k) for k in ("beta_m", "search_radius_m") if k in table
    }
    if str(table.get("sigma_m", "")).strip().lower() == "auto":
        matching["estimate_sigma"] = True
    elif "sigma_m" in table:
        matching["sigma_m"] = _number(table["sigma_m"], "sigma_m")
    cleaning: dict[str, Any] = {}
    if "max_speed_kmh" in table:
        cleaning["max_speed_kmh"] = _number(table["max_speed_kmh"], "max_speed_kmh")
    if "max_gap_min" in table:
        cleaning["max_gap_s"] = _number(table["max_gap_min"], "max_gap_min") * 60.0
    if "area_buffer_m" in table:
        cleaning["area_buffer_m"] = _number(table["area_buffer_m"], "area_buffer_m")
    if "stop_speed_kmh" in table:
        cleaning["stop_speed_kmh"] = _number(table["stop_speed_kmh"], "stop_speed_kmh")
    classes = target if target is not None else table.get("target")
    extra: dict[str, Any] = {}
    if classes is not None:
        items = classes.split(",") if isinstance(classes, str) else list(classes)
        extra["target_classes"] = tuple(_road_class(str(c)) for c in items if str(c).strip())
    if "patrolled_share" in table:
        extra["patrolled_share"] = _number(table["patrolled_share"], "patrolled_share")
    return PatrolParams(
        matching=MatchingParams(**matching),
        cleaning=CleaningParams(**cleaning),
        cache=cache,
        **extra,
    )


def _number(value: Any, key: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"county.toml [patrol] {key} = {value!r} is not a number") from None


def _road_class(text: str) -> str:
    from roadnet.schema import ROAD_CLASSES as ALIASES

    key = text.strip()
    hit = ALIASES.get(key) or ALIASES.get(key.lower())
    if hit is None:
        raise ConfigError(
            f"unknown road class {text!r} in the target; use {', '.join(ROAD_CLASSES)}"
        )
    return hit


@dataclass(frozen=True)
class PatrolReport:
    """The answer of :func:`compute_patrol`.

    Attributes
    ----------
    county
        County name.
    period
        First and last local date of the report (None when open).
    params
        The parameters used.
    summary
        Headline figures (DESIGN.md keys ``vehicles``, ``trips``, ``points``, ``gps_km``,
        ``matched_km``, ``target_network_km``, ``patrolled_network_km``, ``coverage``, and
        ``target_km``, ``vehicle_days``, ``staff_trips``, ``events`` ...).
    by_month, by_class, by_township
        Matched km per local month (``month``, ``km``, ``trips``), road class (``class``,
        ``km``) and township (``township``, ``name``, ``km``; ``township`` None outside
        every township).
    by_road
        Per road driven or in the target network: ``road_id``, ``name``, ``route_code``,
        ``class``, ``target``, ``length_km``, ``km`` (all passes), ``passes``,
        ``patrolled_km`` (distinct), ``share``.
    by_vehicle
        ``vehicle``, ``trips``, ``gps_km``, ``matched_km``.
    by_vehicle_road
        ``vehicle``, ``road_id``, ``km``: what each vehicle drove (for a layer per vehicle).
    trips
        ``trip``, ``vehicle``, ``start``, ``end`` (UTC), ``points``, ``gps_km``,
        ``matched_km``, ``breaks``.
    unpatrolled
        Ids of target roads driven for less than ``patrolled_share`` of their length.
    events
        Events of the period: ``time``, ``kind``, ``vehicle``, ``note``, ``count``,
        ``month``, ``road_id`` (nearest road), ``distance_m``, ``township``, ``name``.
    cleaning, matching
        What cleaning dropped (by reason) and matching figures.
    quality
        What the data could not tell: the county's notes and the patrol's (times given on
        import, points dropped by cleaning, points unmatched, vehicle names merged by
        plate; :mod:`roadnet.patrol.notes`).
    """

    county: str
    period: tuple[dt.date | None, dt.date | None]
    params: PatrolParams
    summary: dict[str, Any]
    by_month: pd.DataFrame
    by_class: pd.DataFrame
    by_township: pd.DataFrame
    by_road: pd.DataFrame
    by_vehicle: pd.DataFrame
    by_vehicle_road: pd.DataFrame
    trips: pd.DataFrame
    unpatrolled: list[str]
    events: pd.DataFrame
    cleaning: dict[str, Any]
    matching: dict[str, Any]
    quality: DataQuality = field(default_factory=DataQuality)

    def events_by(self, *keys: str) -> pd.DataFrame:
        """Event counts (``events`` rows, ``count`` summed) grouped by ``keys``."""
        if self.events.empty:
            return pd.DataFrame(columns=[*keys, "events", "count"])
        grouped = self.events.groupby(list(keys), dropna=False, sort=True)
        return grouped.agg(events=("kind", "size"), count=("count", "sum")).reset_index()

    def event_totals(self) -> dict[str, int]:
        """Kind → summed count, every kind present (zeros included)."""
        totals = dict.fromkeys(EVENT_KINDS, 0)
        if not self.events.empty:
            for kind, value in self.events.groupby("kind")["count"].sum().items():
                totals[str(kind)] = int(value)
        return totals

    def to_json(self) -> dict[str, Any]:
        """The report as the JSON document of DESIGN.md."""
        by_kind = self.events_by("kind")
        by_month = self.events_by("month", "kind")
        by_township = self.events_by("township", "name", "kind")
        return {
            "county": self.county,
            "period": {
                "from": None if self.period[0] is None else self.period[0].isoformat(),
                "to": None if self.period[1] is None else self.period[1].isoformat(),
            },
            "summary": self.summary,
            "by_month": [
                {"month": r.month, "km": _km(r.km), "trips": int(r.trips)}
                for r in self.by_month.itertuples(index=False)
            ],
            "by_class": [
                {"class": r[0], "km": _km(r[1])}
                for r in self.by_class[["class", "km"]].itertuples(index=False)
            ],
            "by_township": [
                {"township": _text(r.township), "name": _text(r.name), "km": _km(r.km)}
                for r in self.by_township.itertuples(index=False)
            ],
            "by_road": [
                {
                    "road_id": _text(r.road_id),
                    "name": _text(r.name),
                    "route_code": _text(r.route_code),
                    "class": _text(r[3]),
                    "target": bool(r.target),
                    "length_km": _km(r.length_km),
                    "km": _km(r.km),
                    "passes": int(r.passes),
                    "patrolled_km": _km(r.patrolled_km),
                    "share": round(float(r.share), 4),
                }
                for r in self.by_road.itertuples(index=False)
            ],
            "unpatrolled": list(self.unpatrolled),
            "events": {
                "total": int(self.events["count"].sum()) if len(self.events) else 0,
                "by_kind": [
                    {"kind": r.kind, "events": int(r.events), "count": int(r.count)}
                    for r in by_kind.itertuples(index=False)
                ],
                "by_month": [
                    {"month": r.month, "kind": r.kind, "count": int(r.count)}
                    for r in by_month.itertuples(index=False)
                ],
                "by_township": [
                    {
                        "township": _text(r.township),
                        "name": _text(r.name),
                        "kind": r.kind,
                        "count": int(r.count),
                    }
                    for r in by_township.itertuples(index=False)
                ],
                "items": [
                    {
                        "time": r.time.isoformat(),
                        "kind": r.kind,
                        "vehicle": _text(r.vehicle),
                        "count": int(r.count),
                        "road_id": _text(r.road_id),
                        "distance_m": None if pd.isna(r.distance_m) else round(r.distance_m, 1),
                        "township": _text(r.township),
                        "note": _text(r.note),
                    }
                    for r in self.events.itertuples(index=False)
                ],
            },
            "by_vehicle": [
                {
                    "vehicle": r.vehicle,
                    "trips": int(r.trips),
                    "gps_km": _km(r.gps_km),
                    "matched_km": _km(r.matched_km),
                }
                for r in self.by_vehicle.itertuples(index=False)
            ],
            "trips": [
                {
                    "trip": int(r.trip),
                    "vehicle": r.vehicle,
                    "start": None if pd.isna(r.start) else r.start.isoformat(),
                    "end": None if pd.isna(r.end) else r.end.isoformat(),
                    "points": int(r.points),
                    "gps_km": _km(r.gps_km),
                    "matched_km": _km(r.matched_km),
                    "breaks": int(r.breaks),
                }
                for r in self.trips.itertuples(index=False)
            ],
            "cleaning": self.cleaning,
            "matching": self.matching,
            "params": _params_json(self.params),
            "data_quality": self.quality.to_json(),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """The bureau's sentence: trips, km on the target roads, coverage, events."""
        s = self.summary
        totals = self.event_totals()
        zh = lang != "en"
        coverage = format_percent(s["coverage"])
        km = format_km(s["target_km"])
        phrases = [EVENT_PHRASES[k][0 if zh else 1].format(n=n) for k, n in totals.items() if n > 0]
        label = _target_label(self.params.target_classes, zh=zh)
        if not s["target_network_km"]:  # no road of the target classes: nothing to cover
            total = format_km(s["matched_km"])
            if zh:
                text = (
                    f"出动巡查车辆 {s['trips']} 台次，巡查道路总里程 {total} 公里；道路图层中没有"
                    f"{label}，{label}巡查里程和覆盖率无从统计"
                )
                return text + ("；" + "，".join(phrases) if phrases else "") + "。"
            text = (
                f"{s['trips']} patrol vehicle trips, {total} km of road patrolled; the roads "
                f"layer has no {label} roads, so their km and coverage are not known"
            )
            return text + ("; " + ", ".join(phrases) if phrases else "") + "."
        if zh:
            text = (
                f"出动巡查车辆 {s['trips']} 台次，巡查{label}总里程 {km} 公里，"
                f"覆盖{label}网 {coverage}"
            )
            return text + ("；" + "，".join(phrases) if phrases else "") + "。"
        text = (
            f"{s['trips']} patrol vehicle trips, {km} km patrolled on {label} "
            f"roads, covering {coverage} of that network"
        )
        return text + ("; " + ", ".join(phrases) if phrases else "") + "."


def _target_label(classes: tuple[str, ...], *, zh: bool) -> str:
    if set(classes) == {"county", "township"}:
        return "县乡公路" if zh else "county and township"
    names = [ROAD_CLASS_LABELS[c][0 if zh else 1] for c in ROAD_CLASSES if c in classes]
    return "、".join(names) if zh else " and ".join(names)


def _km(metres_or_km: float) -> float:
    return round(float(metres_or_km), 3)


def _text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def _params_json(params: PatrolParams) -> dict[str, Any]:
    out = asdict(params)
    out["target_classes"] = list(params.target_classes)
    out["matching"]["radius_used_m"] = params.matching.radius_m
    out["matching"]["spacing_used_m"] = params.matching.spacing_m
    return out


def period_bounds(
    start: dt.date | None, end: dt.date | None, *, tz: dt.tzinfo = CHINA_STANDARD_TIME
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """UTC bounds ``[start 00:00, end + 1 day 00:00)`` of local dates (inclusive range)."""
    if start is not None and end is not None and end < start:
        raise ConfigError(f"--to {end} is before --from {start}")

    def midnight(day: dt.date) -> pd.Timestamp:
        local = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        return pd.Timestamp(local).tz_convert("UTC")

    return (
        None if start is None else midnight(start),
        None if end is None else midnight(end + dt.timedelta(days=1)),
    )


# --------------------------------------------------------------------------- computation


def compute_patrol(
    county: County,
    *,
    ledger: str | Path,
    params: PatrolParams | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    tz: dt.tzinfo = CHINA_STANDARD_TIME,
    progress: ProgressCallback | None = None,
    graph: RoadGraph | None = None,
) -> PatrolReport:
    """Patrol mileage of a county from its ledger.

    Parameters
    ----------
    county
        Needs ``roads``; uses ``townships`` (per-township figures, county area),
        ``boundary`` (county area) and ``patrol_events`` when present.
    ledger
        The patrol ledger (:func:`roadnet.patrol.ledger.import_files`).
    params
        The rule's parameters.
    start, end
        First and last local date to report (inclusive); None for open ends.
    tz
        The county's time zone (months and dates are local).
    progress
        Called as ``progress(points_done, points_total)`` while matching.
    graph
        A routing graph of the county's roads, to reuse one.

    Returns
    -------
    PatrolReport
    """
    params = params or PatrolParams()
    roads = county.layer("roads", purpose="patrol mileage")
    townships = county.layers.get("townships")
    boundary = county.layers.get("boundary")
    graph = graph or build_graph(roads)
    lo, hi = period_bounds(start, end, tz=tz)

    points = read_points(ledger, start=lo, end=hi)
    points, merged = _vehicles_by_plate(points)
    area = county_area(
        boundary=boundary,
        townships=townships,
        roads=roads,
        buffer_m=params.cleaning.area_buffer_m,
    )
    cleaned = clean_tracks(points, crs=county.crs, area=area, params=params.cleaning)
    paths, cached = _match_all(graph, cleaned, ledger=ledger, params=params, progress=progress)
    pieces = _pieces_frame(graph, cleaned, paths, tz=tz)

    road_ids = _road_ids(roads)
    edge_class = _edge_classes(graph)
    edge_target = np.isin(edge_class, params.target_classes)
    covered = _covered_per_edge(pieces, graph.n_edges)

    trips = cleaned.trips.copy()
    trips["gps_km"] = trips["gps_m"] / 1000.0
    trips["matched_km"] = [p.length_m / 1000.0 for p in paths]
    trips["breaks"] = [p.breaks for p in paths]
    trips = trips.drop(columns="gps_m")

    by_road = _by_road(graph, pieces, covered, edge_target, road_ids, params)
    target_rows = by_road[by_road["target"]]
    target_network_km = float(target_rows["length_km"].sum())
    patrolled_network_km = float(target_rows["patrolled_km"].sum())
    unpatrolled = target_rows.loc[
        target_rows["patrolled_km"] < params.patrolled_share * target_rows["length_km"] - 1e-12,
        "road_id",
    ]
    events = _events(county, ledger, graph, road_ids, lo, hi, tz=tz, params=params)

    matched_km = float((pieces["end_m"] - pieces["start_m"]).sum() / 1000.0)
    target_km = float(
        ((pieces["end_m"] - pieces["start_m"]) * edge_target[pieces["edge"]]).sum() / 1000.0
    )
    local_days = (
        cleaned.points["time"].dt.tz_convert(tz).dt.date
        if len(cleaned.points)
        else pd.Series(dtype=object)
    )
    summary: dict[str, Any] = {
        "vehicles": int(cleaned.trips["vehicle"].nunique()),
        "trips": len(cleaned.trips),
        "points": len(points),
        "gps_km": _km(cleaned.trips["gps_m"].sum() / 1000.0),
        "matched_km": _km(matched_km),
        "target_network_km": _km(target_network_km),
        "patrolled_network_km": _km(patrolled_network_km),
        "coverage": round(patrolled_network_km / target_network_km, 4)
        if target_network_km > 0
        else None,
        "target_km": _km(target_km),
        "target_classes": list(params.target_classes),
        "points_used": len(cleaned.points),
        "vehicle_days": int(
            pd.DataFrame({"v": cleaned.points["vehicle"], "d": local_days})
            .drop_duplicates()
            .shape[0]
        )
        if len(cleaned.points)
        else 0,
        "staff_trips": _staff_trips(cleaned),
        "unpatrolled_roads": len(unpatrolled),
        "events": int(events["count"].sum()) if len(events) else 0,
    }
    matching = {
        "points_used": int(sum(p.points_used for p in paths)),
        "points_unmatched": int(sum(p.points_unmatched for p in paths)),
        "breaks": int(sum(p.breaks for p in paths)),
        "trips_from_cache": cached,
    }
    synthesised = points["time_source"].ne("recorded").to_numpy()
    quality = county.quality.merge(
        target_note(
            params.target_classes,
            target_km=target_network_km,
            zh_label=_target_label(params.target_classes, zh=True),
            en_label=_target_label(params.target_classes, zh=False),
        ),
        report_notes(
            synthesised=int(synthesised.sum()),
            dates=points.loc[synthesised, "time"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d"),
            dropped=cleaned.dropped,
            points_in=len(points),
            unmatched=matching["points_unmatched"],
            points_used=matching["points_used"],
            radius_m=params.matching.radius_m,
            breaks=matching["breaks"],
            merged=merged,
        ),
    )
    return PatrolReport(
        county=county.name,
        period=(start, end),
        params=params,
        summary=summary,
        by_month=_by_month(pieces, trips, tz=tz),
        by_class=_by_class(pieces, edge_class),
        by_township=_by_township(graph, pieces, townships),
        by_road=by_road,
        by_vehicle=_by_vehicle(trips),
        by_vehicle_road=_by_vehicle_road(graph, pieces, road_ids),
        trips=trips,
        unpatrolled=[str(r) for r in unpatrolled],
        events=events,
        cleaning=cleaned.to_json(),
        matching=matching,
        quality=quality,
    )


def _vehicles_by_plate(points: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Vehicle names written as their plate; plate → names, where several names are one.

    Ledgers imported before plates were read from GPX track names hold "蒙A·J6017
    2023-07-04" beside "蒙A·J6017": one vehicle, counted once.
    """
    names = points["vehicle"].astype(str)
    mapping = {name: vehicle_key(name) for name in names.unique()}
    merged: dict[str, list[str]] = {}
    for name, key in mapping.items():
        merged.setdefault(key, []).append(name)
    merged = {key: sorted(values) for key, values in merged.items() if len(values) > 1}
    if all(name == key for name, key in mapping.items()):
        return points, merged
    return points.assign(vehicle=names.map(mapping)), merged


def _road_ids(roads: pd.DataFrame) -> np.ndarray:
    if "id" in roads.columns:
        return roads["id"].astype(str).to_numpy()
    return np.array([f"row {i + 1}" for i in range(len(roads))], dtype=object)


def _edge_classes(graph: RoadGraph) -> np.ndarray:
    if "class" not in graph.roads.columns:
        return np.full(graph.n_edges, "other", dtype=object)
    values = graph.edge_attribute("class")
    return np.array([v if isinstance(v, str) and v else "other" for v in values], dtype=object)


def _staff_trips(cleaned: CleanedTracks) -> int | None:
    """Sum over trips of the distinct staff named (人次); None when no staff is recorded."""
    if "staff" not in cleaned.points.columns or cleaned.points["staff"].isna().all():
        return None
    from roadnet.schema import split_list

    names = cleaned.points[["trip", "staff"]].dropna().drop_duplicates()
    per_trip: dict[int, set[str]] = {}
    for trip, staff in names.itertuples(index=False):
        per_trip.setdefault(int(trip), set()).update(split_list(staff))
    return int(sum(len(v) for v in per_trip.values()))


# --------------------------------------------------------------------------- matching


def _match_all(
    graph: RoadGraph,
    cleaned: CleanedTracks,
    *,
    ledger: str | Path,
    params: PatrolParams,
    progress: ProgressCallback | None,
) -> tuple[list[MatchedPath], int]:
    """Match every trip (reusing cached matches); paths' ``point`` index cleaned rows."""
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


def _pieces_frame(
    graph: RoadGraph, cleaned: CleanedTracks, paths: list[MatchedPath], *, tz: dt.tzinfo
) -> pd.DataFrame:
    """One row per matched piece: trip, vehicle, edge, road, start_m, end_m, time, month."""
    columns = ["trip", "vehicle", "edge", "road", "start_m", "end_m", "segment", "forward"]
    columns += ["month"]
    if not paths or not any(len(p.edge) for p in paths):
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c.endswith("_m") else object) for c in columns}
        )
    trip = np.concatenate([np.full(len(p.edge), i) for i, p in enumerate(paths)])
    point = np.concatenate([p.point for p in paths])
    edge = np.concatenate([p.edge for p in paths]).astype(np.int64)
    times = cleaned.points["time"].iloc[point]
    month = (
        times.dt.tz_convert(tz).dt.strftime("%Y-%m").fillna("unknown").to_numpy()
        if len(times)
        else np.zeros(0, dtype=object)
    )
    return pd.DataFrame(
        {
            "trip": trip,
            "vehicle": cleaned.points["vehicle"].to_numpy()[point],
            "edge": edge,
            "road": graph.edge_road[edge],
            "start_m": np.concatenate([p.start_m for p in paths]),
            "end_m": np.concatenate([p.end_m for p in paths]),
            "segment": np.concatenate([p.segment for p in paths]),
            "forward": np.concatenate([p.forward for p in paths]),
            "month": month,
        }
    )


# --------------------------------------------------------------------------- aggregation


def _covered_per_edge(pieces: pd.DataFrame, n_edges: int) -> np.ndarray:
    """Distinct length (metres) of each edge covered by at least one piece."""
    covered = np.zeros(n_edges)
    if pieces.empty:
        return covered
    edge = pieces["edge"].to_numpy(dtype=np.int64)
    lo = pieces["start_m"].to_numpy(dtype=float)
    hi = pieces["end_m"].to_numpy(dtype=float)
    order = np.lexsort((lo, edge))
    edge, lo, hi = edge[order], lo[order], hi[order]
    span = float(max(hi.max(), 1.0)) * 2.0 + 1.0
    shifted_hi = hi + edge * span
    running = np.maximum.accumulate(shifted_hi) - edge * span  # running max of hi per edge
    previous = np.r_[-np.inf, running[:-1]]
    previous[np.r_[True, edge[1:] != edge[:-1]]] = -np.inf
    gain = np.clip(hi - np.maximum(lo, previous), 0.0, None)
    np.add.at(covered, edge, gain)
    return covered


def _passes(graph: RoadGraph, pieces: pd.DataFrame, min_pass_m: float) -> np.ndarray:
    """Passes per road: runs of consecutive pieces of one trip on one road in one direction.

    A turn-around starts a new pass; a run shorter than ``min_pass_m`` (or half the road)
    is not a pass.
    """
    passes = np.zeros(len(graph.roads), dtype=np.int64)
    if pieces.empty:
        return passes
    road = pieces["road"].to_numpy(dtype=np.int64)
    key = pieces["trip"].to_numpy(dtype=np.int64)
    segment = pieces["segment"].to_numpy(dtype=np.int64)
    length = (pieces["end_m"] - pieces["start_m"]).to_numpy(dtype=float)
    forward = pieces["forward"].to_numpy(dtype=bool)
    new = np.r_[
        True,
        (road[1:] != road[:-1])
        | (key[1:] != key[:-1])
        | (segment[1:] != segment[:-1])
        | (forward[1:] != forward[:-1]),
    ]
    run = np.cumsum(new) - 1
    run_length = np.bincount(run, weights=length)
    run_road = road[new]
    road_length = np.bincount(
        graph.edge_road, weights=graph.edge_length, minlength=len(graph.roads)
    )
    needed = np.minimum(min_pass_m, 0.5 * road_length[run_road])
    counted = run_length >= needed - 1e-9
    np.add.at(passes, run_road[counted], 1)
    return passes


def _by_road(
    graph: RoadGraph,
    pieces: pd.DataFrame,
    covered: np.ndarray,
    edge_target: np.ndarray,
    road_ids: np.ndarray,
    params: PatrolParams,
) -> pd.DataFrame:
    n_roads = len(graph.roads)
    road_length = np.bincount(graph.edge_road, weights=graph.edge_length, minlength=n_roads)
    patrolled = np.bincount(graph.edge_road, weights=covered, minlength=n_roads)
    driven: np.ndarray = np.zeros(n_roads)
    if not pieces.empty:
        driven = np.bincount(
            pieces["road"].to_numpy(dtype=np.int64),
            weights=(pieces["end_m"] - pieces["start_m"]).to_numpy(dtype=float),
            minlength=n_roads,
        )
    target = np.zeros(n_roads, dtype=bool)
    target[graph.edge_road[edge_target]] = True
    roads = graph.roads

    def column(name: str) -> np.ndarray:
        if name not in roads.columns:
            return np.full(n_roads, None, dtype=object)
        return roads[name].astype(object).where(roads[name].notna(), None).to_numpy()

    table = pd.DataFrame(
        {
            "road_id": road_ids,
            "name": column("name"),
            "route_code": column("route_code"),
            "class": column("class"),
            "target": target,
            "length_km": road_length / 1000.0,
            "km": driven / 1000.0,
            "passes": _passes(graph, pieces, params.min_pass_m),
            "patrolled_km": patrolled / 1000.0,
            "share": np.divide(
                patrolled, road_length, out=np.zeros(n_roads), where=road_length > 0
            ),
        }
    )
    keep = table["target"] | (table["km"] > 0)
    return table[keep].reset_index(drop=True)


def _by_month(pieces: pd.DataFrame, trips: pd.DataFrame, *, tz: dt.tzinfo) -> pd.DataFrame:
    if pieces.empty:
        return pd.DataFrame({"month": pd.Series(dtype=object), "km": [], "trips": []})
    km = (
        (pieces["end_m"] - pieces["start_m"])
        .groupby(pieces["month"])
        .sum()
        .div(1000.0)
        .rename("km")
    )
    start_month = trips["start"].dt.tz_convert(tz).dt.strftime("%Y-%m").fillna("unknown")
    counts = start_month.value_counts().rename("trips")
    table = pd.concat([km, counts], axis=1).fillna(0.0).sort_index()
    table.index.name = "month"
    table["trips"] = table["trips"].astype(int)
    return table.reset_index()


def _by_class(pieces: pd.DataFrame, edge_class: np.ndarray) -> pd.DataFrame:
    if pieces.empty:
        return pd.DataFrame({"class": pd.Series(dtype=object), "km": pd.Series(dtype=float)})
    edge = pieces["edge"].to_numpy(dtype=np.int64)
    km = (pieces["end_m"] - pieces["start_m"]).groupby(edge_class[edge]).sum() / 1000.0
    order = [c for c in ROAD_CLASSES if c in km.index] + [
        c for c in km.index if c not in ROAD_CLASSES
    ]
    return pd.DataFrame({"class": order, "km": [float(km[c]) for c in order]})


def _edge_townships(graph: RoadGraph, townships: pd.DataFrame) -> pd.DataFrame:
    """Intervals (edge, lo, hi, township row) of each edge inside each township."""
    polygons = townships.geometry.to_numpy()
    tree = shapely.STRtree(polygons)
    edge_idx, town_idx = tree.query(graph.edge_geometry, predicate="intersects")
    if len(edge_idx) == 0:
        return pd.DataFrame({"edge": [], "lo": [], "hi": [], "township": []})
    geoms = graph.edge_geometry[edge_idx]
    polys = polygons[town_idx]
    inside = shapely.within(geoms, polys)
    rows = [
        pd.DataFrame(
            {
                "edge": edge_idx[inside],
                "lo": 0.0,
                "hi": graph.edge_length[edge_idx[inside]],
                "township": town_idx[inside],
            }
        )
    ]
    crossing = ~inside
    if crossing.any():
        cut = shapely.intersection(geoms[crossing], polys[crossing])
        parts, owner = shapely.get_parts(shapely.line_merge(cut), return_index=True)
        is_line = shapely.get_type_id(parts) == 1
        parts, owner = parts[is_line], owner[is_line]
        edge_of = edge_idx[crossing][owner]
        line = graph.edge_geometry[edge_of]
        a = shapely.line_locate_point(line, shapely.get_point(parts, 0))
        b = shapely.line_locate_point(line, shapely.get_point(parts, -1))
        rows.append(
            pd.DataFrame(
                {
                    "edge": edge_of,
                    "lo": np.minimum(a, b),
                    "hi": np.maximum(a, b),
                    "township": town_idx[crossing][owner],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _by_township(
    graph: RoadGraph, pieces: pd.DataFrame, townships: pd.DataFrame | None
) -> pd.DataFrame:
    columns = ["township", "name", "km"]
    if townships is None or len(townships) == 0 or pieces.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "km" else object) for c in columns})
    intervals = _edge_townships(graph, townships)
    merged = pieces[["edge", "start_m", "end_m"]].reset_index().merge(intervals, on="edge")
    overlap = np.clip(
        np.minimum(merged["end_m"], merged["hi"]) - np.maximum(merged["start_m"], merged["lo"]),
        0.0,
        None,
    )
    per_town = pd.Series(overlap.to_numpy(), index=merged["township"]).groupby(level=0).sum()
    total = float((pieces["end_m"] - pieces["start_m"]).sum())
    ids = townships["id"].astype(str).to_numpy() if "id" in townships.columns else None
    names = townships["name"].astype(str).to_numpy() if "name" in townships.columns else None
    rows = [
        {
            "township": None if ids is None else ids[int(t)],
            "name": None if names is None else names[int(t)],
            "km": float(v) / 1000.0,
        }
        for t, v in per_town.items()
        if v > 0
    ]
    outside = total - float(per_town.sum())
    if outside > 1.0:
        rows.append({"township": None, "name": None, "km": outside / 1000.0})
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("km", ascending=False, kind="stable").reset_index(drop=True)


def _by_vehicle(trips: pd.DataFrame) -> pd.DataFrame:
    if trips.empty:
        return pd.DataFrame(columns=["vehicle", "trips", "gps_km", "matched_km"])
    grouped = trips.groupby("vehicle", sort=True)
    return grouped.agg(
        trips=("trip", "size"), gps_km=("gps_km", "sum"), matched_km=("matched_km", "sum")
    ).reset_index()


def _by_vehicle_road(graph: RoadGraph, pieces: pd.DataFrame, road_ids: np.ndarray) -> pd.DataFrame:
    if pieces.empty:
        return pd.DataFrame(columns=["vehicle", "road_id", "km"])
    km = (pieces["end_m"] - pieces["start_m"]) / 1000.0
    table = km.groupby([pieces["vehicle"], pieces["road"]]).sum().rename("km").reset_index()
    table["road_id"] = road_ids[table["road"].to_numpy(dtype=np.int64)]
    return table[["vehicle", "road_id", "km"]]


def _events(
    county: County,
    ledger: str | Path,
    graph: RoadGraph,
    road_ids: np.ndarray,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    *,
    tz: dt.tzinfo,
    params: PatrolParams,
) -> pd.DataFrame:
    """Events of the ledger and of the county's patrol_events layer, with road and township."""
    columns = ["time", "kind", "vehicle", "note", "count", "month", "road_id", "distance_m"]
    columns += ["township", "name", "lon", "lat"]
    frames = [read_events(ledger, start=start, end=end)]
    layer = county.layers.get("patrol_events")
    if layer is not None and len(layer):
        extra = events_from_layer(layer).events
        if start is not None:
            extra = extra[extra["time"] >= start]
        if end is not None:
            extra = extra[extra["time"] < end]
        frames.append(extra)
    events = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else pd.DataFrame()
    )
    if events.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        empty["time"] = pd.Series(dtype="datetime64[ns, UTC]")
        empty["count"] = pd.Series(dtype="int64")
        empty["distance_m"] = pd.Series(dtype=float)
        return empty
    events["vehicle"] = events["vehicle"].fillna("").astype(str)
    events["time"] = pd.to_datetime(events["time"], utc=True).dt.as_unit("ns")
    events = drop_repeated_events(events)
    transformer = pyproj.Transformer.from_crs(4326, county.crs, always_xy=True)
    x, y = transformer.transform(events["lon"].to_numpy(), events["lat"].to_numpy())
    points = shapely.points(np.asarray(x), np.asarray(y))
    road_id = np.full(len(events), None, dtype=object)
    distance = np.full(len(events), np.nan)
    if graph.n_edges:
        (src, hit), dist = graph.tree.query_nearest(
            points, max_distance=params.event_snap_m, return_distance=True, all_matches=False
        )
        road_id[src] = road_ids[graph.edge_road[hit]]
        distance[src] = dist
    township = np.full(len(events), None, dtype=object)
    name = np.full(len(events), None, dtype=object)
    townships = county.layers.get("townships")
    if townships is not None and len(townships):
        src, hit = shapely.STRtree(townships.geometry.to_numpy()).query(points, predicate="within")
        first = np.unique(src, return_index=True)[1]
        src, hit = src[first], hit[first]
        if "id" in townships.columns:
            township[src] = townships["id"].astype(str).to_numpy()[hit]
        if "name" in townships.columns:
            name[src] = townships["name"].astype(str).to_numpy()[hit]
    out = pd.DataFrame(
        {
            "time": events["time"],
            "kind": events["kind"].astype(str),
            "vehicle": events["vehicle"].replace("", None),
            "note": events["note"],
            "count": events["count"].astype("int64"),
            "month": events["time"].dt.tz_convert(tz).dt.strftime("%Y-%m"),
            "road_id": road_id,
            "distance_m": distance,
            "township": township,
            "name": name,
            "lon": events["lon"].astype(float),
            "lat": events["lat"].astype(float),
        }
    )
    return out.sort_values("time", kind="stable").reset_index(drop=True)
