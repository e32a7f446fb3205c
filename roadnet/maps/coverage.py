"""The bus coverage map (公交覆盖图): who the rural bus lines serve, and who they leave out.

Townships shaded by the share of their administrative villages served; villages green
(served) or red (not served), sized by population; bus lines in distinct colours with their
stops; the roads within the service radius of a stop highlighted; the county's boundary,
roads and rivers as the base map. A collapsible list ranks the administrative villages not
served by population.

The map only draws: the roads within reach come from the coverage result
(:attr:`~roadnet.bus.CoverageResult.reachable_roads`, computed on its own graph).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.bus import CoverageResult
from roadnet.formatting import format_count, format_percent
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
    VillageClass,
)
from roadnet.maps.geometry import TOLERANCE_M, bounds, to_lonlat
from roadnet.maps.legend import line_legend
from roadnet.maps.notes import quality_notes
from roadnet.maps.villages import (
    action_panel,
    admin_array,
    population_array,
    township_names,
    village_layer,
    village_legend,
)


def _missing(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and not math.isfinite(value)) or (value is pd.NA)
    )


def coverage_document(
    result: CoverageResult,
    county: County,
    *,
    lang: str = "zh",
    basemap: str = "none",
    title: str | None = None,
    tianditu_key: str | None = None,
) -> MapDocument:
    """What the coverage map shows (drawn by :func:`~roadnet.maps.write_map`).

    The roads within the radius come from ``result.reachable_roads`` (network metric); with
    the ``straight`` metric a circle of the radius is drawn around each stop.

    Parameters
    ----------
    result
        The coverage result.
    county
        The county it was computed on (base map layers).
    lang
        ``zh`` (default) or ``en``.
    basemap
        ``none``, ``osm`` or ``tianditu``.
    title
        Map title; by default "<county>公交覆盖图".
    tianditu_key
        Tianditu key for ``basemap="tianditu"``.
    """
    lang = style.check_lang(lang)
    tiles = tile_layers(basemap, lang=lang, tianditu_key=tianditu_key)
    villages = result.villages
    towns = township_names(county, villages)
    served = villages["served"].to_numpy(dtype=bool)
    admin = admin_array(villages)
    population = population_array(villages)
    stop_names = dict(
        zip(result.stops["id"].astype(str), result.stops["name"].astype(str), strict=True)
    )
    line_names = dict(
        zip(result.lines["id"].astype(str), result.lines["name"].astype(str), strict=True)
    )
    joiner = "、" if lang == "zh" else ", "
    reasons = unserved_reasons(villages, served)
    present = [r for r in UNSERVED_REASONS if (reasons == r).any()]
    reason_words = [_reason_text(r, result, lang) for r in reasons]
    rows = [
        (
            towns[i] or "—",
            style.text("administrative" if admin[i] else "natural", lang),
            style.format_people(population[i], lang),
            "—" if _missing(stop) else stop_names.get(str(stop), str(stop)),
            style.format_metres(float(dist), lang),
            joiner.join(line_names.get(str(x), str(x)) for x in lines) or "—",
            *((reason_words[i],) if present else ()),
        )
        for i, (stop, dist, lines) in enumerate(
            zip(villages["nearest_stop"], villages["distance_m"], villages["lines"], strict=True)
        )
    ]
    fields = tuple(
        style.text(k, lang)
        for k in (
            "field_township",
            "field_kind",
            "field_population",
            "field_nearest_stop",
            "field_distance",
            "field_lines",
            *(("field_unserved_reason",) if present else ()),
        )
    )
    classes = [
        VillageClass(style.text("served_admin", lang), style.GOOD),
        VillageClass(style.text("unserved_admin", lang), style.BAD),
    ]
    class_index = np.where(served, 0, 1)
    untold = bool(((reasons == "") & ~served).any())  # unserved, no reason given
    for reason in present:  # unserved villages coloured by why they are not served
        if reason == "too_far":
            if not untold:
                classes[1] = VillageClass(style.text("unserved_too_far", lang), style.BAD)
            continue
        class_index = np.where(reasons == reason, len(classes), class_index)
        classes.append(
            VillageClass(style.text(f"unserved_{reason}", lang), style.REASON_COLOURS[reason])
        )
    vlayer, position = village_layer(
        villages,
        name=style.text("villages", lang),
        towns=towns,
        classes=tuple(classes),
        class_index=class_index,
        fields=fields,
        rows=rows,
    )
    distance = villages["distance_m"].to_numpy(dtype=float)
    details = [
        " · ".join(
            p
            for p in (
                towns[i],
                style.format_people(population[i], lang) if np.isfinite(population[i]) else "",
                style.format_metres(distance[i], lang),
            )
            if p
        )
        for i in range(len(villages))
    ]
    unserved = np.flatnonzero(admin & ~served)
    panel = action_panel(
        unserved,
        position=position,
        populations=population,
        details=details,
        title=style.text("panel_unserved", lang, count=len(unserved)),
        hint=style.text("panel_hint", lang),
        empty=style.text("panel_empty", lang),
    )

    layers: list[FeatureLayer] = []
    legend: list[LegendSection] = [
        *village_legend(
            villages,
            lang=lang,
            admin_labels=("served_admin", "unserved_admin"),
            natural_labels=("served_natural", "unserved_natural"),
        )
    ]
    if present:
        legend[0] = _reason_legend(legend[0], present, untold=untold, lang=lang)
    townships = _township_layer(result, county, lang=lang)
    if townships is not None:
        layers.append(townships)
    for extra in (boundary_layer(county, lang=lang), river_layer(county, lang=lang)):
        if extra is not None:
            layers.append(extra)
    radius_text = f"{result.params.radius_m:,.0f}"
    reach_layer = _reach_layer(result, lang=lang)
    if reach_layer is not None:
        layers.append(reach_layer)
    roads = road_layer(county, lang=lang, by="class")
    if roads is not None:
        layers.append(roads[0])
    line_layer, line_entries = _line_layer(result, lang=lang)
    layers.append(line_layer)
    layers.append(_stop_layer(result, lang=lang, line_names=line_names))
    reach_key = "reach" if result.params.metric == "network" else "reach_straight"
    reach_entry = (
        LegendEntry("halo", style.REACH, style.text(reach_key, lang, radius=radius_text), size=9)
        if result.params.metric == "network"
        else LegendEntry(
            "fill",
            style.REACH,
            style.text(reach_key, lang, radius=radius_text),
            edge=style.REACH,
        )
    )
    legend.append(
        LegendSection(
            title=style.text("bus_lines", lang),
            entries=(
                *line_entries,
                LegendEntry(
                    "ring", style.STOP_EDGE, style.text("stops", lang), size=4, edge=style.STOP_EDGE
                ),
                *((reach_entry,) if reach_layer is not None else ()),
            ),
        )
    )
    if townships is not None:
        legend.append(
            LegendSection(
                title=style.text("township_share", lang),
                entries=tuple(
                    LegendEntry("fill", colour, label, edge=style.TOWNSHIP_EDGE)
                    for colour, label in style.share_legend(lang)
                ),
                inline=True,
            )
        )
    if roads is not None:
        legend.append(roads[1])
    rivers = next((layer for layer in layers if layer.key == "rivers"), None)
    if rivers is not None:
        legend.append(
            LegendSection(
                title=style.text("rivers", lang),
                entries=(LegendEntry("line", style.RIVER, style.text("rivers", lang), size=2),),
            )
        )
    box = bounds(*(layer.geometries for layer in layers), vlayer.points)
    return MapDocument(
        lang=lang,
        title=title or style.text("title_coverage", lang, county=result.county),
        subtitle=result.headline(lang=lang),
        layers=tuple(sorted(layers, key=lambda layer: layer.z)),
        villages=vlayer,
        legend=tuple(legend),
        panel=panel,
        tiles=tiles,
        bounds=box,
        footer=style.text("source", lang, county=result.county),
        notes=quality_notes(result, lang),
    )


#: Why a village is not served (the ``unserved_reason`` column of a coverage result), in
#: legend order.
UNSERVED_REASONS = ("too_far", "disconnected", "off_network")


def unserved_reasons(villages: pd.DataFrame, served: np.ndarray) -> np.ndarray:
    """Per village, why it is not served (``""`` when served or when no reason is given).

    Read from the ``unserved_reason`` column when the result has one; values other than
    :data:`UNSERVED_REASONS` count as no reason.
    """
    out = np.full(len(villages), "", dtype=object)
    if "unserved_reason" not in villages.columns:
        return out
    for i, value in enumerate(villages["unserved_reason"]):
        if not served[i] and isinstance(value, str) and value in UNSERVED_REASONS:
            out[i] = value
    return out


def _reason_text(reason: str, result: CoverageResult, lang: str) -> str:
    if not reason:
        return "—"
    if reason == "too_far":
        return style.text("reason_too_far", lang, radius=format_count(result.params.radius_m))
    if reason == "off_network":
        distance = getattr(result.params, "off_network_m", 1000.0)
        return style.text("reason_off_network", lang, distance=format_count(distance))
    return style.text(f"reason_{reason}", lang)


def _reason_legend(
    section: LegendSection, present: list[str], *, untold: bool, lang: str
) -> LegendSection:
    """The village legend with one entry per reason for not being served.

    ``untold``: some unserved villages have no reason; they keep the plain "not served"
    entry (and the villages beyond the radius share its red).
    """
    entries: list[LegendEntry] = []
    for entry in section.entries:
        if entry.symbol == "dot" and entry.colour == style.BAD:
            if untold:
                entries.append(entry)
            for reason in UNSERVED_REASONS:
                if reason not in present or (reason == "too_far" and untold):
                    continue
                label = style.text(f"unserved_{reason}", lang)
                entries.append(
                    LegendEntry("dot", style.REASON_COLOURS[reason], label, size=entry.size)
                )
        else:
            entries.append(entry)
    return LegendSection(
        title=section.title, entries=tuple(entries), note=section.note, inline=section.inline
    )


def _township_layer(result: CoverageResult, county: County, *, lang: str) -> FeatureLayer | None:
    frame = county.layers.get("townships")
    if frame is None or len(frame) == 0:
        return None
    table = result.townships.set_index(result.townships["id"].astype(str))
    fills = []
    rows = []
    for tid in frame["id"].astype(str):
        if tid in table.index and int(table.at[tid, "villages_total"]) > 0:
            r = table.loc[tid]
            share = float(r["share"])
            fills.append(style.share_colour(share))
            rows.append(
                (
                    f"{int(r['villages_served'])} / {int(r['villages_total'])}",
                    format_percent(share),
                    f"{style.format_people(r['population_served'], lang)} / "
                    f"{style.format_people(r['population_total'], lang)}",
                )
            )
        else:
            fills.append(style.NO_DATA)
            rows.append(("0 / 0", "—", "—"))
    return township_layer(
        county,
        lang=lang,
        fills=fills,
        fields=(
            style.text("field_villages_served", lang),
            style.text("field_share", lang),
            style.text("field_population_served", lang),
        ),
        rows=rows,
    )


def _reach_layer(result: CoverageResult, *, lang: str) -> FeatureLayer | None:
    radius_text = f"{result.params.radius_m:,.0f}"
    if result.params.metric == "straight":
        stops = result.stops
        if len(stops) == 0:
            return None
        geoms = to_lonlat(stops)
        return FeatureLayer(
            key="reach",
            name=style.text("reach_straight", lang, radius=radius_text),
            kind="circles",
            geometries=geoms,
            styles=(
                {
                    "color": style.REACH,
                    "weight": 1,
                    "opacity": 0.8,
                    "fillColor": style.REACH,
                    "fillOpacity": 0.12,
                },
            ),
            style_index=np.zeros(len(geoms), dtype=np.int64),
            radius_m=float(result.params.radius_m),
            z=380,
        )
    reach = result.reachable_roads
    if len(reach) == 0:
        return None
    geoms = to_lonlat(reach, tolerance_m=TOLERANCE_M["roads"])
    merged = np.array([shapely.multilinestrings(list(geoms))], dtype=object)
    return FeatureLayer(
        key="reach",
        name=style.text("reach", lang, radius=radius_text),
        kind="lines",
        geometries=merged,
        styles=(
            {
                "color": style.REACH,
                "weight": 9,
                "opacity": 0.45,
                "lineCap": "round",
                "lineJoin": "round",
            },
        ),
        style_index=np.zeros(1, dtype=np.int64),
        z=380,
    )


def _line_layer(result: CoverageResult, *, lang: str) -> tuple[FeatureLayer, list[LegendEntry]]:
    lines = result.lines
    geoms = to_lonlat(lines, tolerance_m=TOLERANCE_M["lines"])
    colours = [style.line_colour(i) for i in range(len(lines))]
    names = lines["name"].astype(str).tolist()
    rows = [
        (
            style.format_km(r.length_km, lang),
            str(int(r.stops)),
            str(int(r.villages_served)),
            str(int(r.villages_only_this_line)),
            "—" if pd.isna(r.trips_per_day) else f"{float(r.trips_per_day):g}",
            str(int(r.vehicles_required)),
        )
        for r in lines.itertuples(index=False)
    ]
    layer = FeatureLayer(
        key="lines",
        name=style.text("bus_lines", lang),
        kind="lines",
        geometries=geoms,
        styles=tuple(
            {"color": c, "weight": 4, "opacity": 0.9, "lineCap": "round", "lineJoin": "round"}
            for c in colours
        ),
        style_index=np.arange(len(lines), dtype=np.int64),
        titles=tuple(names),
        fields=tuple(
            style.text(k, lang)
            for k in (
                "field_length",
                "field_stop_count",
                "field_villages_served",
                "field_only_this_line",
                "field_trips",
                "field_vehicles",
            )
        ),
        rows=tuple(rows),
        z=410,
    )
    served = lines["villages_served"].to_numpy() if "villages_served" in lines else None
    return layer, line_legend(colours, names, served, lang=lang)


def _stop_layer(result: CoverageResult, *, lang: str, line_names: dict[str, str]) -> FeatureLayer:
    stops = result.stops
    geoms = to_lonlat(stops)
    joiner = "、" if lang == "zh" else ", "
    return FeatureLayer(
        key="stops",
        name=style.text("stops", lang),
        kind="points",
        geometries=geoms,
        styles=(
            {
                "radius": 4,
                "color": style.STOP_EDGE,
                "weight": 1.5,
                "opacity": 1,
                "fillColor": style.STOP_FILL,
                "fillOpacity": 1,
            },
        ),
        style_index=np.zeros(len(stops), dtype=np.int64),
        titles=tuple(stops["name"].astype(str)),
        fields=(style.text("field_lines", lang),),
        rows=tuple(
            (joiner.join(line_names.get(str(x), str(x)) for x in lines) or "—",)
            for lines in stops["lines"]
        ),
        z=420,
    )


