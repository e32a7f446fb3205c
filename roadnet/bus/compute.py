"""Compute coverage: distances from villages to the stops some line calls at.

The network metric snaps villages and stops to the road graph and measures along roads from
the stops; the straight metric measures line of sight. Road pieces (connected components)
without a used stop explain why a village is unreachable (:data:`JOIN_HINT_MAX_M`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from roadnet.bus.line_table import line_table
from roadnet.bus.params import CoverageParams
from roadnet.bus.quality import coverage_notes
from roadnet.bus.result import CoverageResult
from roadnet.bus.townships import township_table, townships_from_villages
from roadnet.county import County
from roadnet.lines import fleet_requirement, pair_directions
from roadnet.network import (
    RoadGraph,
    Snap,
    build_graph,
    describe_graph,
    distances_from_sources,
    piece_gaps,
    snap_points,
    snapped_pieces,
)
from roadnet.quality import DataQuality

#: Largest gap (metres) between road pieces that the ``--join`` hint proposes to close.
JOIN_HINT_MAX_M = 50.0


def compute_coverage(
    county: County,
    *,
    params: CoverageParams | None = None,
    graph: RoadGraph | None = None,
) -> CoverageResult:
    """Bus coverage of a county's villages and townships.

    Parameters
    ----------
    county
        Needs ``villages``, ``bus_stops``, ``bus_lines`` and, for the network metric,
        ``roads``; ``townships`` and ``fleet`` are used when present.
    params
        The rule; defaults to 2,000 m network distance.
    graph
        A routing graph built from the county's roads, to reuse one across calls.

    Returns
    -------
    CoverageResult
    """
    params = params or CoverageParams()
    purpose = "coverage"
    villages = county.layer("villages", purpose=purpose)
    stops = county.layer("bus_stops", purpose=purpose)
    drawn = county.layer("bus_lines", purpose=purpose)
    pairing = pair_directions(drawn, stops)
    lines = pairing.lines.reset_index(drop=True)

    stop_ids = stops["id"].astype(str).to_numpy()
    stop_pos = {sid: i for i, sid in enumerate(stop_ids)}
    line_ids = lines["id"].astype(str).to_numpy()
    line_stops = [
        np.array([stop_pos[s] for s in seq if s in stop_pos], dtype=np.int64)
        for seq in lines["stops"]
    ]
    vpoints = villages.geometry.to_numpy()
    spoints = stops.geometry.to_numpy()
    # Only stops some line calls at serve anyone.
    used = np.unique(np.concatenate([*line_stops, np.zeros(0, np.int64)]))

    network = None
    disconnected = np.zeros(len(villages), dtype=bool)
    stop_disconnected = np.zeros(len(stops), dtype=bool)
    pieces: dict[str, Any] | None = None
    if params.metric == "network":
        if graph is None:
            graph = build_graph(
                county.layer("roads", purpose="network-distance coverage"),
                join_tolerance=params.join_tolerance_m,
            )
        network = describe_graph(graph).to_json()
        vsnap = snap_points(graph, vpoints)
        ssnap = snap_points(graph, spoints)
        connector = vsnap.connector
        stop_connector = ssnap.connector
        reach = distances_from_sources(graph, ssnap.take(used), vsnap)
        distance = reach.distance
        nearest = _original_index(reach.source, used)
        per_line = [
            distances_from_sources(graph, ssnap.take(idx), vsnap, limit=params.radius_m).distance
            if len(idx)
            else np.full(len(villages), np.inf)
            for idx in line_stops
        ]
        disconnected, stop_disconnected, pieces = _pieces(graph, vsnap, ssnap, used)
    else:
        distance, nearest = _straight_nearest(spoints[used], vpoints)
        nearest = _original_index(nearest, used)
        per_line = [
            _straight_nearest(spoints[idx], vpoints)[0]
            if len(idx)
            else np.full(len(villages), np.inf)
            for idx in line_stops
        ]
        connector = _road_connectors(county, vpoints)
        stop_connector = _road_connectors(county, spoints)

    within = np.column_stack(per_line) <= params.radius_m if per_line else None
    served = distance <= params.radius_m
    out = villages.copy()
    out["distance_m"] = distance
    out["served"] = served
    out["nearest_stop"] = [stop_ids[i] if i >= 0 else None for i in nearest]
    out["lines"] = [
        [str(line_ids[j]) for j in np.flatnonzero(row)] if within is not None else []
        for row in (within if within is not None else np.zeros((len(out), 0), bool))
    ]
    out["connector_m"] = connector
    off_network = np.nan_to_num(np.asarray(connector, dtype=float), nan=0.0) > params.off_network_m
    out["off_network"] = off_network
    out["disconnected"] = disconnected
    out["unserved_reason"] = pd.Series(
        _unserved_reasons(served, off_network, disconnected, network=params.metric == "network"),
        index=out.index,
        dtype=object,
    )
    if "population" not in out.columns:
        out["population"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if "township" not in out.columns:
        out["township"] = None

    admin = (out["kind"] == "administrative").to_numpy()
    per_line_table, operations = line_table(lines, within, admin, params.service)
    stops_out = stops.copy()
    stops_out["connector_m"] = stop_connector
    stops_out["lines"] = [
        [str(line_ids[j]) for j, idx in enumerate(line_stops) if i in idx]
        for i in range(len(stops_out))
    ]
    stops_out["disconnected"] = stop_disconnected
    townships = township_table(county, out)
    fleet = county.layers.get("fleet")
    stop_off = np.nan_to_num(np.asarray(stop_connector, dtype=float), nan=0.0)
    stop_off = stop_off > params.off_network_m
    near_stop = _within_straight(spoints[used], vpoints, params.radius_m)
    summary: dict[str, Any] = {
        "radius_m": float(params.radius_m),
        "metric": params.metric,
        "lines": int(len(lines)),
        "stops": int(len(used)),
        "stops_off_network": int(stop_off[used].sum()),
        "stops_disconnected": int(stop_disconnected[used].sum()),
        "vehicles": None if fleet is None else int(len(fleet)),
        "vehicles_required": int(
            fleet_requirement(operations, lines["id"], fleet, aliases=pairing.aliases)
            if len(lines)
            else 0
        ),
        "townships_total": None if townships.empty else int(len(townships)),
        "townships_served": None if townships.empty else int(townships["served"].sum()),
        "villages_total": int(admin.sum()),
        "villages_served": int((served & admin).sum()),
        "village_rate": _rate(int((served & admin).sum()), int(admin.sum())),
        "villages_off_network": int((off_network & admin).sum()),
        "villages_disconnected": int((disconnected & admin).sum()),
        "villages_disconnected_near_stop": int((disconnected & admin & near_stop).sum()),
        "population_total": int(out.loc[admin, "population"].fillna(0).sum()),
        "villages_without_population": int(out.loc[admin, "population"].isna().sum()),
        "population_served": int(out.loc[admin & served, "population"].fillna(0).sum()),
        "natural_villages_total": int((~admin).sum()),
        "natural_villages_served": int((served & ~admin).sum()),
    }
    if summary["vehicles"] is not None:
        summary["vehicles_short"] = max(0, summary["vehicles_required"] - summary["vehicles"])
    if network is not None and pieces is not None:
        network["pieces"] = pieces
    near_village = _within_straight(vpoints, spoints[used], params.radius_m)
    notes = coverage_notes(
        villages=out[admin].assign(near_stop=near_stop[admin]),
        stops=stops_out.iloc[used].assign(near_village=near_village),
        radius_m=params.radius_m,
        off_network_m=params.off_network_m,
        metric=params.metric,
        pieces=pieces,
        pairing=pairing,
        lines=per_line_table,
        drawn=drawn,
    )
    return CoverageResult(
        params=params,
        county=county.name,
        villages=out,
        townships=townships,
        lines=per_line_table,
        stops=stops_out,
        summary=summary,
        network=network,
        quality=county.quality.merge(
            _layer_quality(drawn), notes.with_notes(townships_from_villages(county, out))
        ),
        graph=graph if params.metric == "network" else None,
    )


def _layer_quality(layer: pd.DataFrame) -> DataQuality | None:
    """What a reader recorded on the layer (a GTFS feed's calendar notes), if anything."""
    quality = layer.attrs.get("quality")
    return quality if isinstance(quality, DataQuality) else None


def _unserved_reasons(
    served: np.ndarray, off_network: np.ndarray, disconnected: np.ndarray, *, network: bool
) -> list[str | None]:
    """Why each village is not served (:data:`UNSERVED_REASONS`); None when it is."""
    out: list[str | None] = []
    for ok, off, cut in zip(served, off_network, disconnected, strict=True):
        if ok:
            out.append(None)
        elif network and off:
            out.append("off_network")
        elif network and cut:
            out.append("disconnected")
        else:
            out.append("too_far")
    return out


def _pieces(
    graph: RoadGraph, vsnap: Snap, ssnap: Snap, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Villages on road pieces without a used stop, used stops on pieces without a village.

    Returns the two flags (aligned to villages and to all stops) and, for the JSON, the
    pieces concerned with their gap to the nearest piece that has a stop (None when more
    than :data:`JOIN_HINT_MAX_M` metres).
    """
    labels = graph.components()
    v_piece = snapped_pieces(graph, vsnap, labels=labels)
    s_piece = snapped_pieces(graph, ssnap, labels=labels)
    with_stop = np.unique(s_piece[used][s_piece[used] >= 0])
    with_village = np.unique(v_piece[v_piece >= 0])
    disconnected = (v_piece >= 0) & ~np.isin(v_piece, with_stop)
    stop_disconnected = np.zeros(len(s_piece), dtype=bool)
    stop_disconnected[used] = (s_piece[used] >= 0) & ~np.isin(s_piece[used], with_village)
    cut = np.unique(v_piece[disconnected])
    gaps: dict[int, float] = {}
    if len(cut) and len(with_stop):
        pairs = piece_gaps(graph, labels=labels, max_gap=JOIN_HINT_MAX_M)
        stop_set = set(with_stop.tolist())
        for a, b, gap in zip(pairs["piece"], pairs["other"], pairs["gap_m"], strict=True):
            for mine, theirs in ((int(a), int(b)), (int(b), int(a))):
                if theirs in stop_set and (mine not in gaps or gap < gaps[mine]):
                    gaps[mine] = float(gap)
    sizes = np.bincount(labels, minlength=int(labels.max()) + 1) if len(labels) else labels
    info = {
        "with_stop": int(len(with_stop)),
        "without_stop": [
            {
                "piece": int(p),
                "nodes": int(sizes[p]),
                "villages": int((v_piece == p).sum()),
                "gap_m": None if p not in gaps else round(gaps[int(p)], 1),
            }
            for p in cut
        ],
        "join_hint_max_m": JOIN_HINT_MAX_M,
    }
    return disconnected, stop_disconnected, info


def _within_straight(sources: np.ndarray, targets: np.ndarray, radius: float) -> np.ndarray:
    """Whether each target has a source within ``radius`` metres in a straight line."""
    distance, _ = _straight_nearest(sources, targets)
    return distance <= radius


def _original_index(positions: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Map positions among the used stops back to rows of the stops layer (-1 stays)."""
    out = np.full(len(positions), -1, dtype=np.int64)
    found = positions >= 0
    out[found] = used[positions[found]]
    return out


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _straight_nearest(sources: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distance = np.full(len(targets), np.inf)
    nearest = np.full(len(targets), -1, dtype=np.int64)
    if len(sources) == 0 or len(targets) == 0:
        return distance, nearest
    tree = shapely.STRtree(sources)
    (t_idx, s_idx), dist = tree.query_nearest(targets, return_distance=True, all_matches=False)
    distance[t_idx] = dist
    nearest[t_idx] = s_idx
    return distance, nearest


def _road_connectors(county: County, points: np.ndarray) -> np.ndarray:
    roads = county.layers.get("roads")
    if roads is None or len(roads) == 0:
        return np.full(len(points), np.nan)
    distance, _ = _straight_nearest(roads.geometry.to_numpy(), points)
    return distance
