"""Bus coverage: which administrative villages and townships the bus lines serve.

A village is served (建制村通客车) when a bus stop lies within ``radius_m`` (2,000 m by the
城乡道路客运一体化 evaluation rule). The default metric is network distance: the village
snaps to the nearest point of the nearest road edge, the straight connector counts, then the
distance along roads, undirected (people walk both ways on one-way roads). ``straight`` is
the straight-line alternative. A township is served when any of its administrative villages
(or its seat) is served.

Village counts are of administrative villages (建制村/行政村/嘎查); population figures are
the administrative villages' populations. Natural villages are reported apart.

Every unserved village gets a reason (``unserved_reason``): ``off_network`` (its connector
to the nearest road exceeds ``off_network_m``), ``disconnected`` (no stop some line calls at
lies on its road piece: the piece is cut off from the roads the buses use — a digitising gap
``--join N`` closes, or a road missing from the extract) or ``too_far`` (reachable, but
beyond the radius). Under the straight metric every unserved village is ``too_far``. What the
data could not tell (villages and stops on disconnected pieces, stops off the network, the
two directions of a route merged into one line, lines without a timetable) is counted in
:attr:`CoverageResult.quality`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.coverage_quality import coverage_notes
from roadnet.errors import ConfigError, LayerError
from roadnet.formatting import format_count, format_percent, is_missing
from roadnet.lines import ServiceParams, fleet_requirement, line_operations, pair_directions
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
from roadnet.parameters import require_number
from roadnet.quality import DataQuality, QualityNote
from roadnet.reach import reachable_roads

METRICS = ("network", "straight")

#: Values of a village's ``unserved_reason`` (None when served).
UNSERVED_REASONS = ("disconnected", "off_network", "too_far")

#: Largest gap (metres) between road pieces that the ``--join`` hint proposes to close.
JOIN_HINT_MAX_M = 50.0


@dataclass(frozen=True)
class CoverageParams:
    """Parameters of the coverage rule (every threshold of DESIGN.md is one).

    Attributes
    ----------
    radius_m
        A village is served when a stop is within this distance (metres).
    metric
        ``network`` (along roads, with connectors) or ``straight``.
    off_network_m
        A village whose connector to the nearest road exceeds this is flagged off-network.
    join_tolerance_m
        Join dangling road ends to a road passing within this many metres (digitising gaps)
        before routing; None leaves the network as drawn (gaps are still reported).
    service
        Defaults for line speed, layover and service span.
    """

    radius_m: float = 2000.0
    metric: str = "network"
    off_network_m: float = 1000.0
    join_tolerance_m: float | None = None
    service: ServiceParams = field(default_factory=ServiceParams)

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or self.metric not in METRICS:
            raise ConfigError(f"metric must be one of {', '.join(METRICS)}, not {self.metric!r}")
        object.__setattr__(self, "radius_m", require_number(self.radius_m, what="radius"))
        object.__setattr__(
            self, "off_network_m", require_number(self.off_network_m, what="off_network_m")
        )
        if self.join_tolerance_m is not None:
            join = require_number(self.join_tolerance_m, what="join", high=1000.0, zero=True)
            object.__setattr__(self, "join_tolerance_m", join)


@dataclass(frozen=True)
class CoverageResult:
    """The answer of :func:`compute_coverage`.

    Attributes
    ----------
    villages
        Every village (administrative and natural) with ``served``, ``distance_m``,
        ``nearest_stop``, ``lines`` (ids of the lines serving it), ``connector_m``,
        ``off_network``, ``disconnected`` (no used stop on its road piece; network metric
        only) and ``unserved_reason`` (one of :data:`UNSERVED_REASONS`, None when served);
        metric CRS.
    townships
        Per township: ``villages_total``, ``villages_served``, ``served``, ``share``,
        population; empty when the county has no townships and villages name none.
    lines
        Per line (the two directions of a route paired into one): ``length_km``, ``stops``,
        ``villages_served``, ``villages_only_this_line``, ``cycle_min``, ``headway_min``,
        ``vehicles_required``, ``vehicles_rule`` (how the timetable gave the vehicles,
        :mod:`roadnet.lines`), ``paired_ids``.
    stops
        Bus stops with ``connector_m`` (distance to the nearest road), ``lines`` and
        ``disconnected`` (used stop on a road piece that holds no village).
    summary
        The headline figures (DESIGN.md keys).
    quality
        What the data could not tell: the county's loading notes merged with coverage's own
        (``villages_disconnected``, ``stops_disconnected``, ``stops_off_network``,
        ``directions_paired``, ``lines_same_name``, ``lines_without_timetable`` …).
    graph
        The routing graph the network metric used (None for ``straight``), for
        :meth:`reachable_roads` and for reuse by the caller.
    """

    params: CoverageParams
    county: str
    villages: gpd.GeoDataFrame
    townships: pd.DataFrame
    lines: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    summary: dict[str, Any]
    network: dict[str, Any] | None = None
    quality: DataQuality = field(default_factory=DataQuality)
    graph: RoadGraph | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def reachable_roads(self) -> gpd.GeoSeries:
        """The roads within the radius of a stop some line calls at, along roads.

        Computed once, on :attr:`graph` (see :mod:`roadnet.reach`); empty for the
        ``straight`` metric. Metric CRS.
        """
        if self.graph is None:
            return gpd.GeoSeries([], crs=self.villages.crs)
        used = np.array([len(lines) > 0 for lines in self.stops["lines"]], dtype=bool)
        return reachable_roads(
            self.graph,
            self.stops.geometry.to_numpy()[used],
            radius_m=self.params.radius_m,
            crs=self.villages.crs,
        )

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON document of DESIGN.md (``summary``, ``villages`` ...)."""
        admin = self.villages[self.villages["kind"] == "administrative"]
        natural = self.villages[self.villages["kind"] != "administrative"]
        return {
            "county": self.county,
            "summary": self.summary,
            "network": self.network,
            "villages": [_village_json(r) for r in admin.itertuples(index=False)],
            "natural_villages": [_village_json(r) for r in natural.itertuples(index=False)],
            "townships": [
                {
                    "id": r.id,
                    "name": r.name,
                    "villages_total": int(r.villages_total),
                    "villages_served": int(r.villages_served),
                    "served": bool(r.served),
                    "share": _round(r.share, 4),
                    "population_total": int(r.population_total),
                    "population_served": int(r.population_served),
                }
                for r in self.townships.itertuples(index=False)
            ],
            "lines": [
                {
                    "id": r.id,
                    "name": r.name,
                    "length_km": _round(r.length_km, 3),
                    "stops": int(r.stops),
                    "villages_served": int(r.villages_served),
                    "villages_only_this_line": int(r.villages_only_this_line),
                    "cycle_min": _round(r.cycle_min, 1),
                    "headway_min": _round(r.headway_min, 1),
                    "trips_per_day": _round(r.trips_per_day, 2),
                    "days": r.days,
                    "vehicles_required": int(r.vehicles_required),
                    "vehicles_rule": r.vehicles_rule,
                    "paired_ids": list(r.paired_ids) if isinstance(r.paired_ids, list) else [],
                }
                for r in self.lines.itertuples(index=False)
            ],
            "data_quality": self.quality.to_json(),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """One sentence with the headline figures, in Chinese (default) or English.

        A figure the data does not give (the fleet without a ``fleet`` layer, townships
        without townships) is left out of the sentence, never printed as None.
        """
        s = self.summary
        vehicles = s.get("vehicles")
        lines = format_count(s["lines"])
        villages = format_count(s["villages_served"])
        total = format_count(s["villages_total"])
        people = format_count(s["population_served"])
        radius = format_count(s["radius_m"])
        rate = format_percent(s["village_rate"])
        # no village gives a population: leave it out rather than print "0 people"
        unknown_people = (
            s["villages_total"] > 0
            and s.get("villages_without_population") == (s["villages_total"])
        )
        if lang == "en":
            buses = "" if is_missing(vehicles) else f", {format_count(vehicles)} buses"
            towns = (
                ""
                if is_missing(s["townships_total"])
                else f"{format_count(s['townships_served'])} of "
                f"{format_count(s['townships_total'])} townships and "
            )
            people_en = "" if unknown_people else f", {people} people"
            return (
                f"{lines} lines{buses} serve {towns}{villages} of {total} administrative "
                f"villages ({rate}){people_en}, within {radius} m ({s['metric']})."
            )
        buses = "" if is_missing(vehicles) else f"、{format_count(vehicles)} 辆车"
        towns = (
            ""
            if is_missing(s["townships_total"])
            else f"{format_count(s['townships_served'])} 个乡镇"
            f"（共 {format_count(s['townships_total'])} 个）、"
        )
        metric = "路网距离" if s["metric"] == "network" else "直线距离"
        head = f"{lines} 条线路{buses}，覆盖 {towns}{villages} 个建制村"
        if unknown_people:  # no population: the rule goes inside the parenthesis
            return f"{head}（共 {total} 个，通客车率 {rate}，{metric} {radius} 米以内）。"
        return (
            f"{head}（共 {total} 个，通客车率 {rate}），"
            f"服务人口 {people} 人（{metric} {radius} 米以内）。"
        )

    def notes(self, *, lang: str = "zh") -> list[str]:
        """The data-quality notes as printed lines (``注意：…`` / ``Note: …``)."""
        prefix = "注意：" if lang != "en" else "Note: "
        return [prefix + text for text in self.quality.lines(lang)]


def _village_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "township": r.township,
        "kind": r.kind,
        "population": None if pd.isna(r.population) else int(r.population),
        "served": bool(r.served),
        "distance_m": None if not np.isfinite(r.distance_m) else round(float(r.distance_m), 1),
        "nearest_stop": None if _blank(r.nearest_stop) else str(r.nearest_stop),
        "lines": list(r.lines),
        "connector_m": None if not np.isfinite(r.connector_m) else round(float(r.connector_m), 1),
        "off_network": bool(r.off_network),
        "disconnected": bool(r.disconnected),
        "unserved_reason": None if _blank(r.unserved_reason) else str(r.unserved_reason),
    }


def _round(value: Any, digits: int) -> float | None:
    if value is None or pd.isna(value) or not np.isfinite(value):
        return None
    return round(float(value), digits)


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
    line_table, operations = _line_table(county, lines, within, admin, params)
    stops_out = stops.copy()
    stops_out["connector_m"] = stop_connector
    stops_out["lines"] = [
        [str(line_ids[j]) for j, idx in enumerate(line_stops) if i in idx]
        for i in range(len(stops_out))
    ]
    stops_out["disconnected"] = stop_disconnected
    townships = _township_table(county, out)
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
        lines=line_table,
        drawn=drawn,
    )
    return CoverageResult(
        params=params,
        county=county.name,
        villages=out,
        townships=townships,
        lines=line_table,
        stops=stops_out,
        summary=summary,
        network=network,
        quality=county.quality.merge(
            _layer_quality(drawn), notes.with_notes(_townships_from_villages(county, out))
        ),
        graph=graph if params.metric == "network" else None,
    )


def _townships_from_villages(county: County, villages: pd.DataFrame) -> QualityNote | None:
    """Without a townships layer the townships are the villages' values: say so.

    One township written two ways (its code here, its name there) then counts twice; the
    note says when the values mix codes and names.
    """
    townships = county.layers.get("townships")
    if (townships is not None and len(townships)) or not villages["township"].notna().any():
        return None
    values = sorted(villages["township"].dropna().astype(str).unique())
    codes = [v for v in values if v.isdigit()]
    mixed = 0 < len(codes) < len(values)
    listed = "、".join(values[:8]) + (" …" if len(values) > 8 else "")
    text_zh = (
        f"无乡镇图层：{len(values)} 个乡镇取自村庄的所属乡镇字段（{listed}）"
        + ("；其中既有代码又有名称，同一乡镇可能被计为两个" if mixed else "")
        + "；请添加 [layers.townships] 图层"
    )
    text_en = (
        f"no townships layer: the {len(values)} townships are the villages' township values "
        f"({', '.join(values[:8])}{' …' if len(values) > 8 else ''})"
        + ("; they mix codes and names, so one township may count twice" if mixed else "")
        + "; add a [layers.townships] layer"
    )
    return QualityNote(
        "townships_from_villages",
        text_zh=text_zh,
        text_en=text_en,
        layer="villages",
        count=len(values),
        rule="codes_and_names_mixed" if mixed else "distinct_values",
        ids=tuple(values),
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


def _line_table(
    county: County,
    lines: gpd.GeoDataFrame,
    within: np.ndarray | None,
    admin: np.ndarray,
    params: CoverageParams,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The per-line table and its :func:`~roadnet.lines.line_operations`.

    The operations keep the trips' intervals (for the fleet); the table leaves them out.
    """
    table = lines.drop(columns=["trip_times"], errors="ignore").copy()
    geoms = table.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        bad = table["id"].astype(str).to_numpy()[missing][0]
        raise LayerError(
            "bus line has no geometry: draw it or give it from GTFS shapes",
            layer="bus_lines",
            feature=bad,
        )
    drawn_length = shapely.length(geoms)
    if "length_m" in table.columns:  # a paired line: the mean of both directions
        given = pd.to_numeric(table["length_m"], errors="coerce").to_numpy(dtype=float)
        table["length_m"] = np.where(np.isfinite(given), given, drawn_length)
    else:
        table["length_m"] = drawn_length
    if "paired_ids" not in table.columns:
        table["paired_ids"] = None
    table["length_km"] = table["length_m"] / 1000.0
    table["stop_ids"] = lines["stops"]
    table["stops"] = [len(s) for s in lines["stops"]]
    if within is None:
        within = np.zeros((len(admin), 0), bool)
    served_admin = within & admin[:, None]
    count_lines = served_admin.sum(axis=1)
    table["villages_served"] = served_admin.sum(axis=0).astype(int)
    table["villages_only_this_line"] = (served_admin & (count_lines == 1)[:, None]).sum(axis=0)
    if "days" not in table.columns:
        table["days"] = None
    table["days"] = [None if _blank(d) else d for d in table["days"]]
    timed = table.assign(trip_times=lines["trip_times"]) if "trip_times" in lines else table
    ops = line_operations(timed, params=params.service)
    for column in ops.columns:
        if column != "trip_intervals":
            table[column] = ops[column]
    return table, ops


def _blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _township_table(county: County, villages: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "id",
        "name",
        "villages_total",
        "villages_served",
        "served",
        "share",
        "population_total",
        "population_served",
    ]
    townships = county.layers.get("townships")
    if townships is not None and len(townships):
        base = pd.DataFrame({"id": townships["id"].astype(str), "name": townships["name"]})
    elif villages["township"].notna().any():
        ids = sorted(villages["township"].dropna().astype(str).unique())
        base = pd.DataFrame({"id": ids, "name": ids})
    else:
        return pd.DataFrame(columns=columns)
    v = villages.assign(township=villages["township"].astype("string"))
    admin = v["kind"] == "administrative"
    seat = v["seat"].fillna(False).astype(bool) if "seat" in v.columns else False
    rows = []
    for tid, name in zip(base["id"], base["name"], strict=True):
        here = v["township"] == tid
        a = here & admin
        served_here = (a & v["served"]) | (here & seat & v["served"])
        total = int(a.sum())
        n_served = int((a & v["served"]).sum())
        rows.append(
            {
                "id": tid,
                "name": name,
                "villages_total": total,
                "villages_served": n_served,
                "served": bool(served_here.any()),
                "share": n_served / total if total else math.nan,
                "population_total": int(v.loc[a, "population"].fillna(0).sum()),
                "population_served": int(v.loc[a & v["served"], "population"].fillna(0).sum()),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def params_to_json(params: CoverageParams) -> dict[str, Any]:
    """Parameters as a plain dict."""
    return asdict(params)
