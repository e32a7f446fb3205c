"""The project siting map (项目用地图): the land each road project takes.

Footprints are coloured by their most serious flag (ecological red line 紫, permanent basic
farmland 红, forest land 绿, none of these 灰); the parcel pieces a footprint takes are
shaded by land-use category (耕地 yellow, 林地 green, 草地 light green, 建设/道路 grey,
水域 blue ...); basic farmland and the red line are drawn as outlines near the projects.
Each project is also a marker at its footprint, so that the list (projects with their flags)
and the search open it (the search box finds projects); popups give the figures in 亩 by
the one rounding rule (one decimal, :mod:`roadnet.formatting`).

Presentation only: the figures come from :class:`roadnet.siting.SitingResult`.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.labels import LAND_CATEGORIES, PROJECT_FLAGS, PROJECT_KINDS
from roadnet.landuse import MU_PER_M2, UNCLASSIFIED
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
from roadnet.maps.geometry import bounds, to_lonlat
from roadnet.maps.notes import quality_notes
from roadnet.siting import SitingResult

#: Footprint classes, most serious first: (flag, label key, colour).
FOOTPRINT_CLASSES = (
    ("eco_redline", "flag_eco_redline", style.FLAG_COLOURS["eco_redline"]),
    ("basic_farmland", "flag_basic_farmland", style.FLAG_COLOURS["basic_farmland"]),
    ("forest", "flag_forest", style.FLAG_COLOURS["forest"]),
    ("", "flag_clear", style.FLAG_COLOURS["clear"]),
)
#: How far around the projects basic farmland and red-line outlines are drawn, metres.
CONTEXT_M = 300.0


def siting_document(
    result: SitingResult,
    county: County,
    *,
    lang: str = "zh",
    basemap: str = "none",
    title: str | None = None,
    tianditu_key: str | None = None,
) -> MapDocument:
    """What the siting map shows (drawn by :func:`~roadnet.maps.write_map`).

    Parameters
    ----------
    result
        The siting result (:func:`roadnet.siting.compute_siting`), in ``result.crs``.
    county
        The county (base map layers, ``basic_farmland`` and ``eco_redline`` outlines).
    lang
        ``zh`` (default) or ``en``.
    basemap
        ``none``, ``osm`` or ``tianditu``.
    title
        Map title; by default "<county>项目用地图".
    tianditu_key
        Tianditu key for ``basemap="tianditu"``.
    """
    lang = style.check_lang(lang)
    tiles = tile_layers(basemap, lang=lang, tianditu_key=tianditu_key)
    projects = result.projects
    zh = lang == "zh"
    cls = _footprint_class(projects)
    names = _project_names(projects)
    kinds = [_label(PROJECT_KINDS, k, zh) for k in projects["kind"]]
    joiner = "、" if zh else "; "
    flag_text = [
        joiner.join(_label(PROJECT_FLAGS, f, zh) for f in flags) or style.text("flag_none", lang)
        for flags in projects["flags"]
    ]
    fields = tuple(
        style.text(k, lang)
        for k in (
            "field_kind",
            "field_footprint",
            "field_cultivated",
            "field_forest",
            "field_grassland",
            "field_basic_farmland",
            "field_eco_redline",
            "field_compensation",
            "field_flags",
        )
    )
    rows = [
        (
            kinds[i],
            _mu(r.footprint_m2, lang),
            _mu(r.cultivated_m2, lang),
            _mu(r.forest_m2, lang),
            _mu(r.grassland_m2, lang),
            _mu(r.basic_farmland_m2, lang),
            _mu(r.eco_redline_m2, lang),
            _mu(r.compensation_m2, lang),
            flag_text[i],
        )
        for i, r in enumerate(projects.itertuples(index=False))
    ]
    classes = tuple(VillageClass(style.text(k, lang), c) for _, k, c in FOOTPRINT_CLASSES)
    footprints = to_lonlat(projects, tolerance_m=1.0)
    markers = np.array(
        [
            None if g is None or shapely.is_empty(g) else shapely.point_on_surface(g)
            for g in footprints
        ],
        dtype=object,
    )
    has_point = np.array([m is not None for m in markers], dtype=bool)
    keep = np.flatnonzero(has_point)
    marker_layer = VillageLayer(
        name=style.text("projects", lang),
        points=markers[keep],
        ids=tuple(str(projects["id"].iloc[i]) for i in keep),
        names=tuple(names[i] for i in keep),
        townships=tuple(kinds[i] for i in keep),
        class_index=cls[keep],
        admin=np.ones(len(keep), dtype=bool),
        radius=np.full(len(keep), 6.0),
        fields=fields,
        rows=tuple(rows[i] for i in keep),
        classes=classes,
    )
    severity = np.array([cls[i] for i in keep])
    order = np.lexsort((np.arange(len(keep)), severity))
    panel = Panel(
        title=style.text("panel_projects", lang, count=len(projects)),
        hint=style.text("panel_projects_hint", lang),
        items=tuple(int(p) for p in order),
        details=tuple(f"{kinds[keep[p]]} · {flag_text[keep[p]]}" for p in order),
        empty=style.text("panel_no_projects", lang),
    )

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
    legend: list[LegendSection] = [
        LegendSection(
            title=style.text("footprints", lang),
            entries=tuple(
                LegendEntry("fill", c, style.text(k, lang), edge=c) for _, k, c in FOOTPRINT_CLASSES
            ),
        )
    ]
    pieces = _piece_layer(result, names=names, lang=lang)
    if pieces is not None:
        layers.append(pieces[0])
        legend.append(pieces[1])
    zones = []
    area = _footprint_geoms(projects)
    for key, colour, dash in (
        ("basic_farmland", style.FLAG_COLOURS["basic_farmland"], "4 3"),
        ("eco_redline", style.FLAG_COLOURS["eco_redline"], "8 4"),
    ):
        layer = _zone_layer(county, key, area=area, colour=colour, dash=dash, lang=lang)
        if layer is not None:
            layers.append(layer)
            zones.append(
                LegendEntry(
                    "fill", "#ffffff", style.text(f"zone_{key}", lang), edge=colour, dash=dash
                )
            )
    if zones:
        legend.append(LegendSection(title=style.text("zones", lang), entries=tuple(zones)))
    palette = [c for _, _, c in FOOTPRINT_CLASSES]
    layers.append(
        FeatureLayer(
            key="footprints",
            name=style.text("footprints", lang),
            kind="polygons",
            geometries=footprints,
            styles=tuple(
                {
                    "color": c,
                    "weight": 3,
                    "opacity": 0.95,
                    "fillColor": c,
                    "fillOpacity": 0.35,
                    "lineJoin": "round",
                }
                for c in palette
            ),
            style_index=cls,
            titles=tuple(names),
            fields=fields,
            rows=tuple(rows),
            z=420,
        )
    )
    if roads is not None:
        legend.append(roads[1])
    box = bounds(footprints) if has_point.any() else bounds(*(x.geometries for x in layers))
    return MapDocument(
        lang=lang,
        title=title or style.text("title_siting", lang, county=result.county),
        subtitle=result.headline(lang=lang),
        layers=tuple(sorted(layers, key=lambda layer: layer.z)),
        villages=marker_layer,
        legend=tuple(legend),
        panel=panel,
        tiles=tiles,
        bounds=_pad(box),
        footer=style.text("source", lang, county=result.county),
        notes=quality_notes(result, lang),
        search=SearchText(
            placeholder=style.text("search_projects", lang),
            label=style.text("search_projects_label", lang),
            no_match=style.text("no_project_match", lang),
        ),
    )


def _label(labels: Mapping[str, tuple[str, str]], key: object, zh: bool) -> str:
    pair = labels.get(str(key))
    if pair is None:
        return "—" if key is None or (isinstance(key, float) and np.isnan(key)) else str(key)
    return str(pair[0] if zh else pair[1])


def _mu(m2: object, lang: str) -> str:
    value = 0.0 if m2 is None or pd.isna(m2) else float(m2)  # type: ignore[arg-type]
    return style.format_mu(value * MU_PER_M2, lang)


def _project_names(projects: pd.DataFrame) -> list[str]:
    out = []
    for r in projects.itertuples(index=False):
        name = "" if pd.isna(r.name) else str(r.name)
        name = name or str(r.id)
        if r.alternative is not None and not pd.isna(r.alternative):
            name += f" [{r.alternative}]"
        out.append(name)
    return out


def _footprint_class(projects: pd.DataFrame) -> np.ndarray:
    """Index into :data:`FOOTPRINT_CLASSES` of each project: its most serious flag."""
    out = np.full(len(projects), len(FOOTPRINT_CLASSES) - 1, dtype=np.int64)
    for i, flags in enumerate(projects["flags"]):
        for k, (flag, _, _) in enumerate(FOOTPRINT_CLASSES[:-1]):
            if flag in flags:
                out[i] = k
                break
    return out


def _piece_layer(
    result: SitingResult, *, names: list[str], lang: str
) -> tuple[FeatureLayer, LegendSection] | None:
    """The parcel pieces the footprints take, shaded by category (the largest share)."""
    pieces = result.parcels
    if len(pieces) == 0:
        return None
    land = result.land
    main = (
        land.sort_values("area_m2", ascending=False)
        .drop_duplicates(["project", "parcel"])
        .set_index(["project", "parcel"])["category"]
    )
    keys = pd.MultiIndex.from_arrays([pieces["project"], pieces["parcel"]])
    category = main.reindex(keys).fillna(UNCLASSIFIED).astype(str).tolist()
    present = [c for c in style.CATEGORY_COLOURS if c in set(category)]
    zh = lang == "zh"
    codes = pieces["DLBM"].astype("string").fillna("—").tolist()
    dlmc = (
        pieces["DLMC"].astype("string").fillna("").tolist()
        if "DLMC" in pieces.columns
        else [""] * len(pieces)
    )
    owners = (
        pieces["QSDWMC"].astype("string").fillna("—").tolist()
        if "QSDWMC" in pieces.columns
        else ["—"] * len(pieces)
    )
    share = pieces["share_m2"] if "share_m2" in pieces.columns else pieces["area_m2"]
    layer = FeatureLayer(
        key="parcel_pieces",
        name=style.text("parcel_pieces", lang),
        kind="polygons",
        geometries=to_lonlat(pieces, tolerance_m=0.5),
        styles=tuple(
            {
                "color": style.CATEGORY_COLOURS[c],
                "weight": 0.8,
                "opacity": 0.9,
                "fillColor": style.CATEGORY_COLOURS[c],
                "fillOpacity": 0.75,
            }
            for c in present
        ),
        style_index=np.array([present.index(c) for c in category], dtype=np.int64),
        titles=tuple(f"{code} {name}".strip() for code, name in zip(codes, dlmc, strict=True)),
        fields=tuple(
            style.text(k, lang)
            for k in ("field_category", "field_area", "field_owner", "field_project")
        ),
        rows=tuple(
            (
                _label(LAND_CATEGORIES, c, zh),
                _mu(a, lang),
                o or "—",
                names[int(p)] if 0 <= int(p) < len(names) else "—",
            )
            for c, a, o, p in zip(category, share, owners, pieces["project"], strict=True)
        ),
        z=410,
    )
    entries = tuple(
        LegendEntry(
            "fill",
            style.CATEGORY_COLOURS[c],
            _label(LAND_CATEGORIES, c, zh),
            edge=style.CATEGORY_COLOURS[c],
        )
        for c in present
    )
    return layer, LegendSection(
        title=style.text("parcel_pieces", lang), entries=entries, inline=False
    )


def _footprint_geoms(projects: gpd.GeoDataFrame) -> np.ndarray:
    geoms = projects.geometry.to_numpy()
    return geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def _zone_layer(
    county: County, key: str, *, area: np.ndarray, colour: str, dash: str, lang: str
) -> FeatureLayer | None:
    """Basic farmland or red line polygons within :data:`CONTEXT_M` of a footprint."""
    frame = county.layers.get(key)
    if frame is None or len(frame) == 0 or len(area) == 0:
        return None
    tree = shapely.STRtree(frame.geometry.to_numpy())
    hits = np.unique(tree.query(area, predicate="dwithin", distance=CONTEXT_M)[1])
    if len(hits) == 0:
        return None
    sub = frame.iloc[hits]
    return FeatureLayer(
        key=key,
        name=style.text(f"zone_{key}", lang),
        kind="polygons",
        geometries=to_lonlat(sub, tolerance_m=2.0),
        styles=(
            {
                "color": colour,
                "weight": 1.2,
                "opacity": 0.7,
                "dashArray": dash,
                "fillColor": colour,
                "fillOpacity": 0.06,
            },
        ),
        style_index=np.zeros(len(sub), dtype=np.int64),
        z=400 if key == "basic_farmland" else 401,
    )


def _pad(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    west, south, east, north = box
    dx, dy = max((east - west) * 0.05, 0.002), max((north - south) * 0.05, 0.002)
    return (west - dx, south - dy, east + dx, north + dy)


