"""The scenario map (方案对比图): today (现状) and the scenario (方案) in one file.

Villages that gain bus service are green, villages that lose it red, villages whose service
does not change are muted (pale green when served in both, grey when served in neither).
The bus lines, stops and served-village rings of each state are separate layers: the
scenario's are shown when the map opens, today's are a tick away in the layer control.
New lines are drawn wider with a halo; new and newly paved roads are highlighted. The title
names the scenario and the change in served villages and population.

Presentation only: the comparison comes from :class:`roadnet.scenario.ScenarioResult`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from roadnet.bus import CoverageResult
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
from roadnet.maps.notes import merged_notes, quality_notes
from roadnet.maps.villages import (
    action_panel,
    admin_array,
    population_array,
    township_names,
    village_layer,
    village_legend,
)
from roadnet.scenario import ScenarioResult

#: Village classes of the scenario map, in ``class_index`` order.
GAINED, LOST, KEPT, NEVER = 0, 1, 2, 3


def scenario_document(
    result: ScenarioResult,
    *,
    lang: str = "zh",
    basemap: str = "none",
    title: str | None = None,
    tianditu_key: str | None = None,
) -> MapDocument:
    """What the scenario map shows (drawn by :func:`~roadnet.maps.write_map`).

    Parameters
    ----------
    result
        The comparison (:func:`roadnet.scenario.run_scenario`).
    lang
        ``zh`` (default) or ``en``.
    basemap
        ``none``, ``osm`` or ``tianditu``.
    title
        Map title; by default the scenario's name.
    tianditu_key
        Tianditu key for ``basemap="tianditu"``.
    """
    lang = style.check_lang(lang)
    tiles = tile_layers(basemap, lang=lang, tianditu_key=tianditu_key)
    county = result.scenario_county
    before_cov, after_cov = result.baseline_coverage, result.scenario_coverage
    villages = after_cov.villages
    before = before_cov.villages.set_index(before_cov.villages["id"].astype(str))
    ids = villages["id"].astype(str)
    served_after = villages["served"].to_numpy(dtype=bool)
    served_before = (
        before["served"].reindex(ids).fillna(False).to_numpy(dtype=bool)
        if len(before)
        else np.zeros(len(villages), dtype=bool)
    )
    distance_before = before["distance_m"].reindex(ids).to_numpy(dtype=float)
    distance_after = villages["distance_m"].to_numpy(dtype=float)
    delta = result.delta
    gained_ids, lost_ids = set(delta["villages_gained"]), set(delta["villages_lost"])
    gained = ids.isin(gained_ids).to_numpy()
    lost = ids.isin(lost_ids).to_numpy()
    classes = np.where(
        gained, GAINED, np.where(lost, LOST, np.where(served_before & served_after, KEPT, NEVER))
    )
    towns = township_names(county, villages)
    admin = admin_array(villages)
    population = population_array(villages)
    yes, no = style.text("yes", lang), style.text("no", lang)
    change_text = {
        GAINED: style.text("change_gained", lang),
        LOST: style.text("change_lost", lang),
        KEPT: style.text("change_none", lang),
        NEVER: style.text("change_none", lang),
    }
    line_names = _line_names(before_cov, after_cov)
    joiner = "、" if lang == "zh" else ", "
    rows = [
        (
            towns[i] or "—",
            style.text("administrative" if admin[i] else "natural", lang),
            style.format_people(population[i], lang),
            change_text[int(classes[i])],
            f"{yes if served_before[i] else no} · {style.format_metres(distance_before[i], lang)}",
            f"{yes if served_after[i] else no} · {style.format_metres(distance_after[i], lang)}",
            joiner.join(line_names.get(str(x), str(x)) for x in lines) or "—",
        )
        for i, lines in enumerate(villages["lines"])
    ]
    fields = tuple(
        style.text(k, lang)
        for k in (
            "field_township",
            "field_kind",
            "field_population",
            "field_change",
            "field_served_before",
            "field_served_after",
            "field_lines_after",
        )
    )
    labels = ("gained_admin", "lost_admin", "kept_admin", "never_admin")
    colours = (style.GOOD, style.BAD, style.MUTED_GOOD, style.MUTED)
    vlayer, position = village_layer(
        villages,
        name=style.text("villages", lang),
        towns=towns,
        classes=tuple(
            VillageClass(style.text(k, lang), c) for k, c in zip(labels, colours, strict=True)
        ),
        class_index=classes,
        fields=fields,
        rows=rows,
    )
    changed = np.flatnonzero(gained | lost)
    details = [
        " · ".join(
            p
            for p in (
                change_text[int(classes[i])],
                towns[i],
                style.format_people(population[i], lang) if np.isfinite(population[i]) else "",
            )
            if p
        )
        for i in range(len(villages))
    ]
    panel = action_panel(
        changed,
        position=position,
        populations=population,
        details=details,
        title=style.text("panel_changed", lang, count=len(changed)),
        hint=style.text("panel_hint", lang),
        empty=style.text("panel_no_change", lang),
    )

    legend: list[LegendSection] = []
    village_sections = village_legend(
        villages, lang=lang, admin_labels=labels[:2], natural_labels=labels[:2]
    )
    legend.append(
        LegendSection(
            title=style.text("villages", lang),
            entries=(
                *(
                    LegendEntry("dot", c, style.text(k, lang), size=6)
                    for k, c in zip(labels, colours, strict=True)
                ),
                LegendEntry("ring", style.SCENARIO_RING, style.text("served_ring", lang), size=8),
            ),
        )
    )
    legend += village_sections[1:]

    layers: list[FeatureLayer] = []
    for extra in (
        township_layer(county, lang=lang),
        boundary_layer(county, lang=lang),
        river_layer(county, lang=lang),
    ):
        if extra is not None:
            layers.append(extra)
    roads = road_layer(county, lang=lang, by="class")
    if roads is not None:
        layers.append(roads[0])
    changed_roads = _changed_road_layer(result, lang=lang)
    if changed_roads is not None:
        layers.append(changed_roads)

    connected = _connected_layer(result, lang=lang)
    if connected is not None:
        layers.append(connected)
        legend[0] = LegendSection(
            title=legend[0].title,
            entries=(
                *legend[0].entries,
                LegendEntry("ring", style.CONNECTED_RING, connected.name, size=9),
            ),
        )

    colour_of = {line_id: style.line_colour(i) for i, line_id in enumerate(line_names)}
    new_lines = set(result.new_lines)
    states = (("before", before_cov, False, 405), ("after", after_cov, True, 410))
    for state, cov, show, z in states:
        prefix = style.text(f"state_{state}", lang)
        ring = _served_ring_layer(cov, state=state, prefix=prefix, lang=lang, show=show)
        if ring is not None:
            layers.append(ring)
        layers += _line_layers(
            cov,
            state=state,
            prefix=prefix,
            colour_of=colour_of,
            new_lines=new_lines if state == "after" else set(),
            lang=lang,
            show=show,
            z=z,
        )
        layers.append(_stop_layer(cov, state=state, prefix=prefix, lang=lang, show=show, z=z + 10))
    line_entries = [
        LegendEntry(
            "line",
            colour_of[line_id],
            name + (style.text("new_suffix", lang) if line_id in new_lines else ""),
            size=6 if line_id in new_lines else 4,
        )
        for line_id, name in line_names.items()
    ]
    served_by = dict(
        zip(
            after_cov.lines["id"].astype(str),
            after_cov.lines["villages_served"].astype(float),
            strict=True,
        )
    )
    ids = list(line_names)
    line_entries = line_legend(
        [colour_of[i] for i in ids],
        [line_names[i] for i in ids],
        np.array([served_by.get(i, 0.0) for i in ids]),
        lang=lang,
        entries=line_entries,
        keep=frozenset(k for k, i in enumerate(ids) if i in new_lines),
    )
    legend.append(
        LegendSection(
            title=style.text("bus_lines", lang),
            entries=(
                *line_entries,
                LegendEntry(
                    "ring", style.STOP_EDGE, style.text("stops", lang), size=4, edge=style.STOP_EDGE
                ),
            ),
            note=style.text("toggle_note", lang),
        )
    )
    if changed_roads is not None:
        legend.append(
            LegendSection(
                title=style.text("changed_roads", lang),
                entries=(
                    LegendEntry(
                        "halo", style.CHANGED_ROAD, style.text("changed_roads", lang), size=8
                    ),
                ),
            )
        )
    if roads is not None:
        legend.append(roads[1])
    box = bounds(*(layer.geometries for layer in layers if layer.key != "townships"), vlayer.points)
    return MapDocument(
        lang=lang,
        title=title or result.scenario.name,
        subtitle=result.headline(lang=lang),
        layers=tuple(sorted(layers, key=lambda layer: layer.z)),
        villages=vlayer,
        legend=tuple(legend),
        panel=panel,
        tiles=tiles,
        bounds=box,
        footer=style.text("source", lang, county=before_cov.county),
        notes=merged_notes(quality_notes(result, lang), quality_notes(after_cov, lang)),
    )


def _line_names(before: CoverageResult, after: CoverageResult) -> dict[str, str]:
    """Line id → name over both states, today's lines first (for stable colours)."""
    names: dict[str, str] = {}
    for lines in (before.lines, after.lines):
        for line_id, name in zip(lines["id"].astype(str), lines["name"].astype(str), strict=True):
            names.setdefault(line_id, name)
    return names


def _line_layers(
    cov: CoverageResult,
    *,
    state: str,
    prefix: str,
    colour_of: dict[str, str],
    new_lines: set[str],
    lang: str,
    show: bool,
    z: int,
) -> list[FeatureLayer]:
    lines = cov.lines
    if len(lines) == 0:
        return []
    geoms = to_lonlat(lines, tolerance_m=TOLERANCE_M["lines"])
    line_ids = lines["id"].astype(str).tolist()
    is_new = np.array([i in new_lines for i in line_ids], dtype=bool)
    palette = sorted({(colour_of[i], bool(n)) for i, n in zip(line_ids, is_new, strict=True)})
    styles = tuple(
        {
            "color": colour,
            "weight": 6 if new else 4,
            "opacity": 0.9,
            "lineCap": "round",
            "lineJoin": "round",
        }
        for colour, new in palette
    )
    suffix = style.text("new_suffix", lang)
    rows = tuple(
        (
            style.format_km(r.length_km, lang),
            str(int(r.stops)),
            str(int(r.villages_served)),
            str(int(r.villages_only_this_line)),
            "—" if pd.isna(r.trips_per_day) else f"{float(r.trips_per_day):g}",
            str(int(r.vehicles_required)),
        )
        for r in lines.itertuples(index=False)
    )
    out = []
    if is_new.any():
        out.append(
            FeatureLayer(
                key=f"{state}_new_lines",
                name=f"{prefix}{style.text('new_lines', lang)}",
                kind="lines",
                geometries=geoms[is_new],
                styles=(
                    {
                        "color": style.NEW_LINE_HALO,
                        "weight": 14,
                        "opacity": 0.45,
                        "lineCap": "round",
                        "lineJoin": "round",
                    },
                ),
                style_index=np.zeros(int(is_new.sum()), dtype=np.int64),
                show=show,
                z=z - 2,
            )
        )
    out.append(
        FeatureLayer(
            key=f"{state}_lines",
            name=f"{prefix}{style.text('bus_lines', lang)}",
            kind="lines",
            geometries=geoms,
            styles=styles,
            style_index=np.array(
                [
                    palette.index((colour_of[i], bool(n)))
                    for i, n in zip(line_ids, is_new, strict=True)
                ],
                dtype=np.int64,
            ),
            titles=tuple(
                f"{prefix}{name}{suffix if n else ''}"
                for name, n in zip(lines["name"].astype(str), is_new, strict=True)
            ),
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
            rows=rows,
            show=show,
            z=z,
        )
    )
    return out


def _stop_layer(
    cov: CoverageResult, *, state: str, prefix: str, lang: str, show: bool, z: int
) -> FeatureLayer:
    stops = cov.stops
    names = dict(zip(cov.lines["id"].astype(str), cov.lines["name"].astype(str), strict=True))
    joiner = "、" if lang == "zh" else ", "
    return FeatureLayer(
        key=f"{state}_stops",
        name=f"{prefix}{style.text('stops', lang)}",
        kind="points",
        geometries=to_lonlat(stops),
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
        titles=tuple(f"{prefix}{n}" for n in stops["name"].astype(str)),
        fields=(style.text("field_lines", lang),),
        rows=tuple(
            (joiner.join(names.get(str(x), str(x)) for x in lines) or "—",)
            for lines in stops["lines"]
        ),
        show=show,
        z=z,
    )


def _served_ring_layer(
    cov: CoverageResult, *, state: str, prefix: str, lang: str, show: bool
) -> FeatureLayer | None:
    villages = cov.villages
    served = villages["served"].to_numpy(dtype=bool) & admin_array(villages)
    if not served.any():
        return None
    return FeatureLayer(
        key=f"{state}_served",
        name=f"{prefix}{style.text('served_admin', lang)}",
        kind="points",
        geometries=to_lonlat(villages.geometry[served]),
        styles=(
            {
                "radius": 14,
                "color": style.SCENARIO_RING,
                "weight": 2,
                "opacity": 0.8,
                "fill": False,
            },
        ),
        style_index=np.zeros(int(served.sum()), dtype=np.int64),
        show=show,
        z=430,
    )


def _connected_layer(result: ScenarioResult, *, lang: str) -> FeatureLayer | None:
    """Villages the scenario newly connects by hardened road, as blue rings."""
    ids = set(result.delta.get("villages_connected_gained") or [])
    if not ids or result.scenario_access is None:
        return None
    villages = result.scenario_access.villages
    hit = villages["id"].astype(str).isin(ids).to_numpy()
    if not hit.any():
        return None
    sub = villages[hit]
    return FeatureLayer(
        key="connected_gained",
        name=style.text("connected_gained", lang, count=int(hit.sum())),
        kind="points",
        geometries=to_lonlat(sub),
        styles=(
            {
                "radius": 11,
                "color": style.CONNECTED_RING,
                "weight": 3,
                "opacity": 0.9,
                "fill": False,
            },
        ),
        style_index=np.zeros(len(sub), dtype=np.int64),
        titles=tuple(sub["name"].astype(str)),
        z=435,
    )


def _changed_road_layer(result: ScenarioResult, *, lang: str) -> FeatureLayer | None:
    """The roads the scenario paved and the roads it added, as a wide halo."""
    paved, added = result.paved_roads, result.added_roads
    if len(paved) == 0 and len(added) == 0:
        return None
    sub = pd.concat([paved, added]) if len(added) and len(paved) else paved if len(paved) else added
    names = sub["name"] if "name" in sub.columns else sub["id"]
    titles = tuple(
        f"{'' if pd.isna(n) else n}".strip() or str(i)
        for n, i in zip(names, sub["id"].astype(str), strict=True)
    )
    kinds = ["paved_road"] * len(paved) + ["new_road"] * len(added)
    surfaces = (
        sub["surface"].astype("string").fillna("").tolist()
        if "surface" in sub.columns
        else [""] * len(sub)
    )
    return FeatureLayer(
        key="changed_roads",
        name=style.text("changed_roads", lang),
        kind="lines",
        geometries=to_lonlat(sub, tolerance_m=TOLERANCE_M["roads"]),
        styles=(
            {
                "color": style.CHANGED_ROAD,
                "weight": 9,
                "opacity": 0.6,
                "lineCap": "round",
                "lineJoin": "round",
            },
        ),
        style_index=np.zeros(len(sub), dtype=np.int64),
        titles=titles,
        fields=(style.text("field_change", lang), style.text("field_surface", lang)),
        rows=tuple(
            (
                style.text(k, lang),
                style.text(s, lang) if s in style.SURFACE_STYLE else (s or "—"),
            )
            for k, s in zip(kinds, surfaces, strict=True)
        ),
        z=395,
    )
