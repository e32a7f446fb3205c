"""Events of a report's period placed on the roads and in the townships.

The ledger's events and the county's ``patrol_events`` layer, repeated reports dropped, each
snapped to the nearest road (within ``event_snap_m``) and to the township it lies in.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet.county import County
from roadnet.network import RoadGraph
from roadnet.patrol.events import drop_repeated_events, events_from_layer
from roadnet.patrol.params import PatrolParams
from roadnet.patrol.store import read_events


def snap_events(
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
    """Events of the ledger and of the county's patrol_events layer, with road and township.

    Parameters
    ----------
    county
        Its ``patrol_events`` and ``townships`` layers are used when present.
    ledger
        The patrol ledger.
    graph
        The routing graph of the county's roads.
    road_ids
        Id of each road of ``graph``.
    start, end
        UTC bounds ``[start, end)`` of the period (None for open ends).
    tz
        The county's time zone (``month`` is local).
    params
        ``event_snap_m``: events farther from every road get no road.

    Returns
    -------
    pandas.DataFrame
        ``time`` (UTC), ``kind``, ``vehicle``, ``note``, ``count``, ``month``, ``road_id``,
        ``distance_m``, ``township``, ``name``, ``lon``, ``lat``; by time.
    """
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
