"""Patrol mileage: the ledger's tracks cleaned, matched to the roads and summed up.

The kilometres reported are those of the matched road path, not of the raw GPS zig-zag
(DESIGN.md, "Patrol mileage"): per month (local time), road class, township (a road piece
counts in the township it lies in, split at township boundaries) and road, with the number
of passes per road. Coverage of the target network (county and township roads by default)
is the distinct road length driven over the total length of target roads; a target road
of which less than ``patrolled_share`` (10 %) was driven is listed as unpatrolled. Lengths
are measured in the county's metric CRS (Gauss-Krüger or UTM), never in Web Mercator.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from roadnet.county import County
from roadnet.network import RoadGraph, build_graph
from roadnet.patrol import aggregate
from roadnet.patrol.cache import ProgressCallback, match_trips
from roadnet.patrol.clean import CleanedTracks, clean_tracks, county_area
from roadnet.patrol.event_snap import snap_events
from roadnet.patrol.notes import report_notes, target_note
from roadnet.patrol.params import PatrolParams, period_bounds
from roadnet.patrol.result import PatrolResult, round_km, target_label
from roadnet.patrol.store import read_points
from roadnet.plates import vehicle_key
from roadnet.timeparse import CHINA_STANDARD_TIME


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
) -> PatrolResult:
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
    PatrolResult
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
    paths, cached = match_trips(graph, cleaned, ledger=ledger, params=params, progress=progress)
    pieces = aggregate.pieces_frame(graph, cleaned, paths, tz=tz)

    road_ids = aggregate.road_ids(roads)
    edge_class = aggregate.edge_classes(graph)
    edge_target = np.isin(edge_class, params.target_classes)
    covered = aggregate.covered_per_edge(pieces, graph.n_edges)

    trips = cleaned.trips.copy()
    trips["gps_km"] = trips["gps_m"] / 1000.0
    trips["matched_km"] = [p.length_m / 1000.0 for p in paths]
    trips["breaks"] = [p.breaks for p in paths]
    trips = trips.drop(columns="gps_m")

    by_road = aggregate.by_road(graph, pieces, covered, edge_target, road_ids, params)
    target_rows = by_road[by_road["target"]]
    target_network_km = float(target_rows["length_km"].sum())
    patrolled_network_km = float(target_rows["patrolled_km"].sum())
    unpatrolled = target_rows.loc[
        target_rows["patrolled_km"] < params.patrolled_share * target_rows["length_km"] - 1e-12,
        "road_id",
    ]
    events = snap_events(county, ledger, graph, road_ids, lo, hi, tz=tz, params=params)

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
        "gps_km": round_km(cleaned.trips["gps_m"].sum() / 1000.0),
        "matched_km": round_km(matched_km),
        "target_network_km": round_km(target_network_km),
        "patrolled_network_km": round_km(patrolled_network_km),
        "coverage": round(patrolled_network_km / target_network_km, 4)
        if target_network_km > 0
        else None,
        "target_km": round_km(target_km),
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
            zh_label=target_label(params.target_classes, zh=True),
            en_label=target_label(params.target_classes, zh=False),
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
    return PatrolResult(
        county=county.name,
        period=(start, end),
        params=params,
        summary=summary,
        by_month=aggregate.by_month(pieces, trips, tz=tz),
        by_class=aggregate.by_class(pieces, edge_class),
        by_township=aggregate.by_township(graph, pieces, townships),
        by_road=by_road,
        by_vehicle=aggregate.by_vehicle(trips),
        by_vehicle_road=aggregate.by_vehicle_road(graph, pieces, road_ids),
        trips=trips,
        unpatrolled=[str(r) for r in unpatrolled],
        events=events,
        cleaning=cleaned.to_json(),
        matching=matching,
        quality=quality,
        tz=tz,
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
