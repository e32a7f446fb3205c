"""Matched road pieces summed up: per road, month, road class, township and vehicle.

Lengths are those of the matched road path (metres in the county's metric CRS), not of the
raw GPS zig-zag; a road piece counts in the township it lies in, split at township
boundaries.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from roadnet.network import RoadGraph
from roadnet.patrol.clean import CleanedTracks
from roadnet.patrol.matching import MatchedPath
from roadnet.patrol.params import ROAD_CLASSES, PatrolParams


def pieces_frame(
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


def road_ids(roads: pd.DataFrame) -> np.ndarray:
    """Road ids as text (``row N``, 1-based, for a roads layer without ``id``)."""
    if "id" in roads.columns:
        return roads["id"].astype(str).to_numpy()
    return np.array([f"row {i + 1}" for i in range(len(roads))], dtype=object)


def edge_classes(graph: RoadGraph) -> np.ndarray:
    """Road class of each graph edge (``other`` when the road has none)."""
    if "class" not in graph.roads.columns:
        return np.full(graph.n_edges, "other", dtype=object)
    values = graph.edge_attribute("class")
    return np.array([v if isinstance(v, str) and v else "other" for v in values], dtype=object)


def covered_per_edge(pieces: pd.DataFrame, n_edges: int) -> np.ndarray:
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


def by_road(
    graph: RoadGraph,
    pieces: pd.DataFrame,
    covered: np.ndarray,
    edge_target: np.ndarray,
    road_ids: np.ndarray,
    params: PatrolParams,
) -> pd.DataFrame:
    """Per road driven or in the target network (the rows of ``PatrolResult.by_road``).

    Parameters
    ----------
    graph
        The routing graph.
    pieces
        Matched pieces (:func:`pieces_frame`).
    covered
        Distinct metres covered per edge (:func:`covered_per_edge`).
    edge_target
        Whether each edge is of a target class.
    road_ids
        Id of each road (:func:`road_ids`).
    params
        ``min_pass_m`` sets what counts as a pass.

    Returns
    -------
    pandas.DataFrame
        ``road_id``, ``name``, ``route_code``, ``class``, ``target``, ``length_km``, ``km``
        (all passes), ``passes``, ``patrolled_km`` (distinct) and ``share``.
    """
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


def by_month(pieces: pd.DataFrame, trips: pd.DataFrame, *, tz: dt.tzinfo) -> pd.DataFrame:
    """Matched km per local month (``month``, ``km``) and trips started in it (``trips``)."""
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


def by_class(pieces: pd.DataFrame, edge_class: np.ndarray) -> pd.DataFrame:
    """Matched km per road class (``class``, ``km``), classes in the order of ROAD_CLASSES."""
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


def by_township(
    graph: RoadGraph, pieces: pd.DataFrame, townships: pd.DataFrame | None
) -> pd.DataFrame:
    """Matched km per township (``township``, ``name``, ``km``), split at the boundaries.

    The km outside every township is one row with ``township`` None; rows by km, largest
    first.
    """
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


def by_vehicle(trips: pd.DataFrame) -> pd.DataFrame:
    """Per vehicle: ``vehicle``, ``trips``, ``gps_km``, ``matched_km``."""
    if trips.empty:
        return pd.DataFrame(columns=["vehicle", "trips", "gps_km", "matched_km"])
    grouped = trips.groupby("vehicle", sort=True)
    return grouped.agg(
        trips=("trip", "size"), gps_km=("gps_km", "sum"), matched_km=("matched_km", "sum")
    ).reset_index()


def by_vehicle_road(graph: RoadGraph, pieces: pd.DataFrame, road_ids: np.ndarray) -> pd.DataFrame:
    """Matched km of each vehicle on each road: ``vehicle``, ``road_id``, ``km``."""
    if pieces.empty:
        return pd.DataFrame(columns=["vehicle", "road_id", "km"])
    km = (pieces["end_m"] - pieces["start_m"]) / 1000.0
    table = km.groupby([pieces["vehicle"], pieces["road"]]).sum().rename("km").reset_index()
    table["road_id"] = road_ids[table["road"].to_numpy(dtype=np.int64)]
    return table[["vehicle", "road_id", "km"]]
