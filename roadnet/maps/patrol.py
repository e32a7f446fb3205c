"""The patrol map (巡查里程图): where the patrol vehicles drove, and what they found.

Roads driven are coloured and widened by the number of passes (a graduated blue ramp);
target roads left unpatrolled are dashed red; each vehicle's roads are a layer of their
own (off when the map opens); events are markers coloured by kind, with the time, kind,
vehicle and note in their popup, listed by time in the panel. The title is the bureau's
headline (trips, km on the target roads, coverage).

Events are placed at their own ``lon``/``lat`` when the report carries them; otherwise at
the middle of the road they were matched to (``road_id``), and the popup says so.

Presentation only: the figures come from :class:`roadnet.patrol.PatrolResult`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.formatting import MISSING, format_percent
from roadnet.maps import style
from roadnet.maps.basemap import (
    boundary_layer,
    river_layer,
    road_layer,
    tile_layers,
    township_layer,
)
from roadnet.maps.document import (
    FeatureLayer,
    LegendEntry,
    LegendSection,
    MapDocument,
    Panel,
    SearchText,
    VillageClass,
    VillageLayer,
)
from roadnet.maps.geometry import TOLERANCE_M, bounds, to_lonlat
from roadnet.maps.notes import quality_notes
from roadnet.patrol.events import EVENT_KINDS
from roadnet.patrol.result import PatrolResult
from roadnet.timeparse import CHINA_STANDARD_TIME

#: Pass classes: (lowest number of passes, colour, width in pixels).
PASS_CLASSES = (
    (1, "#c6dbef", 2.0),
    (2, "#9ecae1", 2.5),
    (5, "#6baed6", 3.0),
    (10, "#3182bd", 3.5),
    (20, "#08519c", 4.0),
    (50, "#08306b", 4.5),
)


def patrol_document(
    result: PatrolResult,
    county: County,
    *,
    lang: str = "zh",
    basemap: str = "none",
    title: str | None = None,
    tz: dt.tzinfo = CHINA_STANDARD_TIME,
    tianditu_key: str | None = None,
) -> MapDocument:
    """What the patrol map shows (drawn by :func:`~roadnet.maps.write_map`).

    Parameters
    ----------
    result
        The patrol report (:func:`roadnet.patrol.compute_patrol`).
    county
        The county it was computed on (its ``roads``; townships, boundary, rivers).
    lang
        ``zh`` (default) or ``en``.
    basemap
        ``none``, ``osm`` or ``tianditu``.
    title
        Map title; by default "<county>巡查里程图".
    tz
        Time zone of the event times shown (the county's; China Standard Time by default).
    tianditu_key
        Tianditu key for ``basemap="tianditu"``.
    """
    lang = style.check_lang(lang)
    tiles = tile_layers(basemap, lang=lang, tianditu_key=tianditu_key)
    roads = county.layer("roads")
    layers: list[FeatureLayer] = []
    for extra in (
        township_layer(county, lang=lang),
        boundary_layer(county, lang=lang),
        river_layer(county, lang=lang),
    ):
        if extra is not None:
            layers.append(extra)
    base = road_layer(county, lang=lang, by="class")
    if base is not None:
        layers.append(base[0])
    legend: list[LegendSection] = []
    passes = _pass_layer(result, roads, lang=lang)
    if passes is not None:
        layers.append(passes)
    legend.append(
        LegendSection(
            title=style.text("passes", lang),
            entries=tuple(
                LegendEntry("line", colour, label, size=width)
                for (_, colour, width), label in zip(PASS_CLASSES, _pass_labels(lang), strict=True)
            ),
            inline=True,
        )
    )
    unpatrolled = _unpatrolled_layer(result, roads, lang=lang)
    if unpatrolled is not None:
        layers.append(unpatrolled)
        legend.append(
            LegendSection(
                title=style.text("unpatrolled_title", lang),
                entries=(
                    LegendEntry(
                        "line",
                        style.UNPATROLLED,
                        style.text("unpatrolled", lang, count=len(result.unpatrolled)),
                        size=2.5,
                        dash="6 5",
                    ),
                ),
            )
        )
    vehicles, entries = _vehicle_layers(result, roads, lang=lang)
    layers += vehicles
    if entries:
        legend.append(
            LegendSection(
                title=style.text("vehicles", lang),
                entries=tuple(entries),
                note=style.text("vehicles_note", lang),
            )
        )
    markers, panel = _event_markers(result, roads, lang=lang, tz=tz)
    legend.append(
        LegendSection(
            title=style.text("events", lang),
            entries=tuple(
                LegendEntry("dot", style.EVENT_COLOURS[k], style.text(f"event_{k}", lang), size=6)
                for k in EVENT_KINDS
            ),
        )
    )
    if base is not None:
        legend.append(base[1])
    box = bounds(*(x.geometries for x in layers), markers.points)
    return MapDocument(
        lang=lang,
        title=title or style.text("title_patrol", lang, county=result.county),
        subtitle=_subtitle(result, lang=lang),
        layers=tuple(sorted(layers, key=lambda layer: layer.z)),
        villages=markers,
        legend=tuple(legend),
        panel=panel,
        tiles=tiles,
        bounds=box,
        footer=style.text("source", lang, county=result.county),
        notes=quality_notes(result, lang),
        search=SearchText(
            placeholder=style.text("search_events", lang),
            label=style.text("search_events_label", lang),
            no_match=style.text("no_event_match", lang),
        ),
    )


def _subtitle(result: PatrolResult, *, lang: str) -> str:
    start, end = result.period
    if start is None and end is None:
        return result.headline(lang=lang)
    first = "…" if start is None else start.isoformat()
    last = "…" if end is None else end.isoformat()
    period = f"{first} — {last}"
    return (
        f"{period}：{result.headline(lang=lang)}"
        if lang == "zh"
        else (f"{period}: {result.headline(lang=lang)}")
    )


def _pass_labels(lang: str) -> list[str]:
    lows = [low for low, _, _ in PASS_CLASSES]
    labels = []
    for i, low in enumerate(lows):
        if i + 1 < len(lows):
            high = lows[i + 1] - 1
            labels.append(str(low) if high == low else f"{low}–{high}")
        else:
            labels.append(f"≥{low}")
    return [style.text("passes_value", lang, value=v) for v in labels]


def _pass_class(passes: np.ndarray) -> np.ndarray:
    lows = np.array([low for low, _, _ in PASS_CLASSES])
    return np.clip(np.searchsorted(lows, passes, side="right") - 1, 0, len(lows) - 1)


def _roads_of(roads: gpd.GeoDataFrame, ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``roads`` whose id is in ``ids``, and for each, the position in ``ids``."""
    at = {str(v): i for i, v in enumerate(ids.astype(str))}
    road_ids = roads["id"].astype(str).to_numpy()
    rows = np.array([i for i, r in enumerate(road_ids) if r in at], dtype=np.int64)
    return rows, np.array([at[road_ids[i]] for i in rows], dtype=np.int64)


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _road_title(row: pd.Series) -> str:
    name, code, road_id = _text(row.get("name")), _text(row.get("route_code")), str(row["road_id"])
    return " ".join(p for p in (name, f"({code})" if code and code != name else "") if p) or road_id


def _pass_layer(result: PatrolResult, roads: gpd.GeoDataFrame, *, lang: str) -> FeatureLayer | None:
    driven = result.by_road[result.by_road["passes"] > 0].reset_index(drop=True)
    if driven.empty:
        return None
    rows, at = _roads_of(roads, driven["road_id"])
    if len(rows) == 0:
        return None
    passes = driven["passes"].to_numpy(dtype=np.int64)[at]
    order = np.argsort(passes, kind="stable")  # the most driven on top
    rows, at, passes = rows[order], at[order], passes[order]
    cls = _pass_class(passes)
    present = sorted(set(cls.tolist()))
    table = driven.iloc[at]
    return FeatureLayer(
        key="passes",
        name=style.text("passes", lang),
        kind="lines",
        geometries=to_lonlat(roads.iloc[rows], tolerance_m=TOLERANCE_M["roads"]),
        styles=tuple(
            {
                "color": PASS_CLASSES[c][1],
                "weight": PASS_CLASSES[c][2],
                "opacity": 0.95,
                "lineCap": "round",
                "lineJoin": "round",
            }
            for c in present
        ),
        style_index=np.array([present.index(c) for c in cls], dtype=np.int64),
        titles=tuple(_road_title(r) for _, r in table.iterrows()),
        fields=tuple(
            style.text(k, lang)
            for k in ("field_passes", "field_patrol_km", "field_length", "field_share_patrolled")
        ),
        rows=tuple(
            (
                str(int(r.passes)),
                style.format_km(r.km, lang),
                style.format_km(r.length_km, lang),
                format_percent(r.share),
            )
            for r in table.itertuples(index=False)
        ),
        z=410,
    )


def _unpatrolled_layer(
    result: PatrolResult, roads: gpd.GeoDataFrame, *, lang: str
) -> FeatureLayer | None:
    if not result.unpatrolled:
        return None
    ids = pd.Series(result.unpatrolled, dtype=object)
    rows, _ = _roads_of(roads, ids)
    if len(rows) == 0:
        return None
    table = result.by_road.set_index(result.by_road["road_id"].astype(str))
    sub = roads.iloc[rows]
    titles, rows_out = [], []
    for road_id in sub["id"].astype(str):
        if road_id in table.index:
            r = table.loc[road_id]
            r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
            titles.append(_road_title(r))
            rows_out.append(
                (
                    str(int(r["passes"])),
                    style.format_km(r["length_km"], lang),
                    format_percent(r["share"]),
                )
            )
        else:
            titles.append(road_id)
            rows_out.append(("0", MISSING, format_percent(0.0)))
    return FeatureLayer(
        key="unpatrolled",
        name=style.text("unpatrolled", lang, count=len(result.unpatrolled)),
        kind="lines",
        geometries=to_lonlat(sub, tolerance_m=TOLERANCE_M["roads"]),
        styles=({"color": style.UNPATROLLED, "weight": 2.5, "opacity": 0.9, "dashArray": "6 5"},),
        style_index=np.zeros(len(sub), dtype=np.int64),
        titles=tuple(titles),
        fields=tuple(
            style.text(k, lang) for k in ("field_passes", "field_length", "field_share_patrolled")
        ),
        rows=tuple(rows_out),
        z=405,
    )


def _vehicle_layers(
    result: PatrolResult, roads: gpd.GeoDataFrame, *, lang: str
) -> tuple[list[FeatureLayer], list[LegendEntry]]:
    table = result.by_vehicle_road
    if table.empty:
        return [], []
    layers, entries = [], []
    for i, (vehicle, group) in enumerate(table.groupby("vehicle", sort=True)):
        group = group.reset_index(drop=True)
        rows, at = _roads_of(roads, group["road_id"])
        if len(rows) == 0:
            continue
        colour = style.line_colour(i)
        name = f"{style.text('vehicle', lang)}{vehicle}"
        total = float(group["km"].sum())
        layers.append(
            FeatureLayer(
                key=f"vehicle_{i}",
                name=name,
                kind="lines",
                geometries=to_lonlat(roads.iloc[rows], tolerance_m=TOLERANCE_M["roads"]),
                styles=({"color": colour, "weight": 3, "opacity": 0.85, "lineCap": "round"},),
                style_index=np.zeros(len(rows), dtype=np.int64),
                titles=tuple(str(vehicle) for _ in rows),
                fields=(style.text("field_road", lang), style.text("field_patrol_km", lang)),
                rows=tuple(
                    (
                        str(group["road_id"].iloc[a]),
                        style.format_km(group["km"].iloc[a], lang),
                    )
                    for a in at
                ),
                show=False,
                z=415,
            )
        )
        label = f"{vehicle} · {style.format_km(total, lang)}"
        entries.append(LegendEntry("line", colour, label, size=3))
    return layers, entries


def _event_markers(
    result: PatrolResult, roads: gpd.GeoDataFrame, *, lang: str, tz: dt.tzinfo
) -> tuple[VillageLayer, Panel]:
    events = result.events.reset_index(drop=True)
    n = len(events)
    points = np.full(n, None, dtype=object)
    approximate = np.zeros(n, dtype=bool)
    if n and {"lon", "lat"} <= set(events.columns):
        lon = events["lon"].to_numpy(dtype=float)
        lat = events["lat"].to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        points[ok] = shapely.points(lon[ok], lat[ok])
    if n and "road_id" in events.columns:
        middle = _road_middles(roads)
        for j in np.flatnonzero(pd.isna(points)).tolist():
            spot = middle.get(_text(events["road_id"].iloc[j]))
            if spot is not None:
                points[j] = spot
                approximate[j] = True
    keep = np.flatnonzero(~pd.isna(points))
    kinds = [k if k in EVENT_KINDS else "other" for k in events["kind"].astype(str)]
    times = [
        pd.Timestamp(t).tz_convert(tz).strftime("%Y-%m-%d %H:%M") if not pd.isna(t) else "—"
        for t in events["time"]
    ]
    kind_labels = [style.text(f"event_{k}", lang) for k in kinds]
    fields = tuple(
        style.text(k, lang)
        for k in (
            "field_time",
            "field_event_kind",
            "field_vehicle",
            "field_note",
            "field_count",
            "field_road",
            "field_township",
        )
    )
    rows = []
    for i in range(n):
        road = _text(events["road_id"].iloc[i]) if "road_id" in events.columns else ""
        if road and approximate[i]:
            road = style.text("event_on_road", lang, road=road)
        rows.append(
            (
                times[i],
                kind_labels[i],
                _text(events["vehicle"].iloc[i]) or "—",
                _text(events["note"].iloc[i]) or "—",
                str(int(events["count"].iloc[i])),
                road or "—",
                _text(events["name"].iloc[i]) if "name" in events.columns else "—",
            )
        )
    layer = VillageLayer(
        name=style.text("events", lang),
        points=points[keep] if len(keep) else np.empty(0, dtype=object),
        ids=tuple(str(i) for i in keep),
        names=tuple(f"{kind_labels[i]} {times[i]}" for i in keep),
        townships=tuple(
            (_text(events["name"].iloc[i]) if "name" in events.columns else "") for i in keep
        ),
        class_index=np.array([EVENT_KINDS.index(kinds[i]) for i in keep], dtype=np.int64),
        admin=np.ones(len(keep), dtype=bool),
        radius=np.full(len(keep), 6.0),
        fields=fields,
        rows=tuple(rows[i] for i in keep),
        classes=tuple(
            VillageClass(style.text(f"event_{k}", lang), style.EVENT_COLOURS[k])
            for k in EVENT_KINDS
        ),
    )
    # the list: most recent first
    order = sorted(range(len(keep)), key=lambda p: times[keep[p]], reverse=True)
    panel = Panel(
        title=style.text("panel_events", lang, count=len(keep)),
        hint=style.text("panel_events_hint", lang),
        items=tuple(order),
        details=tuple(
            " · ".join(x for x in (times[keep[p]], _text(events["note"].iloc[keep[p]])) if x)
            for p in order
        ),
        empty=style.text("panel_no_events", lang),
    )
    return layer, panel


def _road_middles(roads: gpd.GeoDataFrame) -> dict[str, object]:
    """Road id → the point halfway along it (WGS-84), for events without coordinates."""
    geoms = roads.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    middles = np.full(len(roads), None, dtype=object)
    middles[ok] = shapely.line_interpolate_point(geoms[ok], 0.5, normalized=True)
    lonlat = to_lonlat(gpd.GeoSeries(middles, crs=roads.crs))
    out: dict[str, object] = {}
    for road_id, point in zip(roads["id"].astype(str), lonlat, strict=True):
        if point is not None and road_id not in out:
            out[road_id] = point
    return out


