"""The hardened-road access map (通硬化路图): which villages reach the county seat by paved road.

Villages green (connected) or red (not connected), sized by population; roads drawn by
surface with paved roads emphasised; the county seat marked; townships with their names.
A collapsible list ranks the candidates for 通硬化路 projects (unconnected villages by
population, as :func:`roadnet.paved.compute_access` lists them).
"""

from __future__ import annotations

import numpy as np

from roadnet.paved import AccessResult
from roadnet.county import County
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
from roadnet.maps.geometry import bounds, to_lonlat
from roadnet.maps.notes import quality_notes
from roadnet.maps.villages import (
    action_panel,
    admin_array,
    population_array,
    township_names,
    village_layer,
    village_legend,
)


def access_document(
    result: AccessResult,
    county: County,
    *,
    lang: str = "zh",
    basemap: str = "none",
    title: str | None = None,
    tianditu_key: str | None = None,
) -> MapDocument:
    """What the access map shows (drawn by :func:`~roadnet.maps.write_map`).

    Parameters
    ----------
    result
        The access result (:func:`roadnet.paved.compute_access`).
    county
        The county it was computed on (roads, townships, rivers).
    lang
        ``zh`` (default) or ``en``.
    basemap
        ``none``, ``osm`` or ``tianditu``.
    title
        Map title; by default "<county>通硬化路图".
    tianditu_key
        Tianditu key for ``basemap="tianditu"``.
    """
    lang = style.check_lang(lang)
    tiles = tile_layers(basemap, lang=lang, tianditu_key=tianditu_key)
    villages = result.villages
    towns = township_names(county, villages)
    connected = villages["connected"].to_numpy(dtype=bool)
    admin = admin_array(villages)
    population = population_array(villages)
    yes, no = style.text("yes", lang), style.text("no", lang)
    paved = villages["paved_distance_m"].to_numpy(dtype=float)
    connector = villages["paved_connector_m"].to_numpy(dtype=float)
    rows = [
        (
            towns[i] or "—",
            style.text("administrative" if admin[i] else "natural", lang),
            style.format_people(population[i], lang),
            yes if connected[i] else no,
            style.format_metres(paved[i], lang),
            style.format_metres(connector[i], lang),
        )
        for i in range(len(villages))
    ]
    fields = tuple(
        style.text(k, lang)
        for k in (
            "field_township",
            "field_kind",
            "field_population",
            "field_connected",
            "field_paved_distance",
            "field_connector",
        )
    )
    vlayer, position = village_layer(
        villages,
        name=style.text("villages", lang),
        towns=towns,
        classes=(
            VillageClass(style.text("connected_admin", lang), style.GOOD),
            VillageClass(style.text("unconnected_admin", lang), style.BAD),
        ),
        class_index=np.where(connected, 0, 1),
        fields=fields,
        rows=rows,
    )
    ids = villages["id"].astype(str).tolist()
    row_of = {v: i for i, v in enumerate(ids)}
    candidates = np.array(
        [row_of[c] for c in result.candidates["id"].astype(str) if c in row_of], dtype=np.int64
    )
    details = [
        " · ".join(
            p
            for p in (
                towns[i],
                style.text("administrative" if admin[i] else "natural", lang),
                style.format_people(population[i], lang) if np.isfinite(population[i]) else "",
            )
            if p
        )
        for i in range(len(villages))
    ]
    panel = action_panel(
        candidates,
        position=position,
        populations=population,
        details=details,
        title=style.text("panel_unconnected", lang, count=int((~connected).sum())),
        hint=style.text("panel_hint", lang)
        if len(candidates) == int((~connected).sum())
        else style.text("panel_hint_top", lang, shown=len(candidates)),
        empty=style.text("panel_empty", lang),
    )

    layers: list[FeatureLayer] = []
    legend: list[LegendSection] = [
        *village_legend(
            villages,
            lang=lang,
            admin_labels=("connected_admin", "unconnected_admin"),
            natural_labels=("connected_natural", "unconnected_natural"),
        )
    ]
    for extra in (
        township_layer(county, lang=lang),
        boundary_layer(county, lang=lang),
        river_layer(county, lang=lang),
    ):
        if extra is not None:
            layers.append(extra)
    roads = road_layer(county, lang=lang, by="surface")
    if roads is not None:
        layers.append(roads[0])
        legend.append(roads[1])
    seat = _seat_layer(result, lang=lang)
    if seat is not None:
        layers.append(seat)
        legend[0] = LegendSection(
            title=legend[0].title,
            entries=(
                *legend[0].entries,
                LegendEntry("ring", style.SEAT, style.text("seat", lang), size=9),
            ),
            note=legend[0].note,
        )
    if any(layer.key == "rivers" for layer in layers):
        legend.append(
            LegendSection(
                title=style.text("rivers", lang),
                entries=(LegendEntry("line", style.RIVER, style.text("rivers", lang), size=2),),
            )
        )
    box = bounds(*(layer.geometries for layer in layers), vlayer.points)
    return MapDocument(
        lang=lang,
        title=title or style.text("title_access", lang, county=result.county),
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


def _seat_layer(result: AccessResult, *, lang: str) -> FeatureLayer | None:
    villages = result.villages
    hits = np.flatnonzero(villages["id"].astype(str).to_numpy() == str(result.seat.get("id")))
    if len(hits) == 0:
        return None
    seat = villages.iloc[hits[:1]]
    sep = "：" if lang == "zh" else ": "
    return FeatureLayer(
        key="seat",
        name=style.text("seat", lang),
        kind="points",
        geometries=to_lonlat(seat),
        styles=(
            {
                "radius": 16,
                "color": style.SEAT,
                "weight": 3,
                "opacity": 0.9,
                "fill": False,
            },
        ),
        style_index=np.zeros(1, dtype=np.int64),
        titles=(f"{style.text('seat', lang)}{sep}{seat['name'].astype(str).iloc[0]}",),
        z=440,
    )


