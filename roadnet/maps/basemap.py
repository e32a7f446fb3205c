"""The base map: the county's own layers (boundary, townships, roads, rivers) or tiles.

Without tiles (the default, and the only choice on an intranet) the county's layers are the
base map and must read well on their own: a paper-coloured background, township boundaries
with their names, roads by class (or by surface on the access map) and rivers. Tiles are
fetched only when asked for: OpenStreetMap, or Tianditu (天地图, the national map service;
its key comes from ``ROADNET_TIANDITU_KEY``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from roadnet.county import County
from roadnet.errors import ConfigError
from roadnet.maps import style
from roadnet.maps.document import FeatureLayer, LegendEntry, LegendSection, TileSpec
from roadnet.maps.geometry import TOLERANCE_M, representative_points, to_lonlat

BASEMAPS = ("none", "osm", "tianditu")
TIANDITU_KEY_ENV = "ROADNET_TIANDITU_KEY"

OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
TIANDITU_ATTRIBUTION = (
    '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> 国家地理信息公共服务平台'
)


def tile_layers(
    basemap: str, *, lang: str, tianditu_key: str | None = None
) -> tuple[TileSpec, ...]:
    """The tile layers of a ``--basemap`` choice.

    Parameters
    ----------
    basemap
        ``none`` (the county's own layers), ``osm`` or ``tianditu``.
    lang
        Language of the Tianditu annotation layer (``cva`` Chinese, ``eva`` English).
    tianditu_key
        The Tianditu browser key (default: ``ROADNET_TIANDITU_KEY``). It is written into the
        HTML, as every web map using Tianditu does: use a browser-type key.

    Raises
    ------
    ConfigError
        An unknown basemap, or ``tianditu`` without a key.
    """
    if basemap not in BASEMAPS:
        raise ConfigError(f"basemap must be one of {', '.join(BASEMAPS)}, not {basemap!r}")
    if basemap == "none":
        return ()
    if basemap == "osm":
        name = "OpenStreetMap"
        return (TileSpec(name=name, url=OSM_URL, attribution=OSM_ATTRIBUTION, subdomains=""),)
    key = (resolve_tianditu_key(tianditu_key) or "").strip()
    if not key:
        raise ConfigError(
            f"--basemap tianditu needs a Tianditu key: set the environment variable "
            f"{TIANDITU_KEY_ENV} to your 天地图 browser key (apply at console.tianditu.gov.cn), "
            "or use --basemap none (the county's own layers) or osm"
        )
    if not re.fullmatch(r"[A-Za-z0-9]+", key):
        raise ConfigError(
            f"the Tianditu key in {TIANDITU_KEY_ENV} must be letters and digits only "
            "(a 32-character hexadecimal key)"
        )
    note = "cva" if lang == "zh" else "eva"
    return (
        TileSpec(
            name="天地图" if lang == "zh" else "Tianditu",
            url=TIANDITU_URL.format(layer="vec", key=key),
            attribution=TIANDITU_ATTRIBUTION,
            subdomains="01234567",
        ),
        TileSpec(
            name="天地图注记" if lang == "zh" else "Tianditu labels",
            url=TIANDITU_URL.format(layer=note, key=key),
            attribution=TIANDITU_ATTRIBUTION,
            subdomains="01234567",
            overlay=True,
        ),
    )


def resolve_tianditu_key(tianditu_key: str | None) -> str | None:
    """The Tianditu key given, else the ``ROADNET_TIANDITU_KEY`` environment variable."""
    return tianditu_key if tianditu_key is not None else os.environ.get(TIANDITU_KEY_ENV)


def check_map_options(*, basemap: str, lang: str, tianditu_key: str | None = None) -> None:
    """Raise :class:`ConfigError` now, before any work, for options a map cannot use.

    Parameters
    ----------
    basemap
        ``none``, ``osm`` or ``tianditu``.
    lang
        ``zh`` or ``en``.
    tianditu_key
        The Tianditu key; by default the ``ROADNET_TIANDITU_KEY`` environment variable.
    """
    key = resolve_tianditu_key(tianditu_key)
    tile_layers(basemap, lang=style.check_lang(lang), tianditu_key=key)


def _strings(values: pd.Series) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]


def boundary_layer(county: County, *, lang: str) -> FeatureLayer | None:
    """The county boundary as a dark outline, or None when the county has none."""
    frame = county.layers.get("boundary")
    if frame is None or len(frame) == 0:
        return None
    geoms = to_lonlat(frame, tolerance_m=TOLERANCE_M["polygons"])
    return FeatureLayer(
        key="boundary",
        name=style.text("boundary", lang),
        kind="polygons",
        geometries=geoms,
        styles=(
            {
                "color": style.BOUNDARY,
                "weight": 2.5,
                "opacity": 0.9,
                "fill": False,
                "dashArray": "8 4 2 4",
            },
        ),
        style_index=np.zeros(len(geoms), dtype=np.int64),
        z=360,
    )


def township_layer(
    county: County,
    *,
    lang: str,
    fills: Sequence[str] | None = None,
    fields: tuple[str, ...] = (),
    rows: Sequence[tuple[str, ...]] | None = None,
) -> FeatureLayer | None:
    """Township polygons with their names; None when the county has no townships.

    Parameters
    ----------
    county
        The county (its ``townships`` layer).
    lang
        Label language.
    fills
        Fill colour per township (aligned with the layer's rows); a neutral fill when None.
    fields, rows
        Popup row labels and per-township values.
    """
    frame = county.layers.get("townships")
    if frame is None or len(frame) == 0:
        return None
    geoms = to_lonlat(frame, tolerance_m=TOLERANCE_M["polygons"])
    colours = list(fills) if fills is not None else ["#ffffff"] * len(frame)
    palette = sorted(set(colours))
    opacity = style.TOWNSHIP_OPACITY if fills is not None else 0.25
    styles = tuple(
        {
            "color": style.TOWNSHIP_EDGE,
            "weight": 1.2,
            "opacity": 0.8,
            "dashArray": "5 4",
            "fillColor": colour,
            "fillOpacity": opacity,
        }
        for colour in palette
    )
    names = _strings(frame["name"]) if "name" in frame.columns else [""] * len(frame)
    return FeatureLayer(
        key="townships",
        name=style.text("townships", lang),
        kind="polygons",
        geometries=geoms,
        styles=styles,
        style_index=np.array([palette.index(c) for c in colours], dtype=np.int64),
        titles=tuple(n or None for n in names) if rows is not None else None,
        fields=fields,
        rows=tuple(rows) if rows is not None else None,
        labels=tuple(n or None for n in names),
        label_points=representative_points(geoms),
        z=350,
    )


def river_layer(county: County, *, lang: str) -> FeatureLayer | None:
    """Rivers as thin blue lines (water areas filled); None when the county has none."""
    frame = county.layers.get("rivers")
    if frame is None or len(frame) == 0:
        return None
    geoms = to_lonlat(frame, tolerance_m=TOLERANCE_M["rivers"])
    polygon = np.isin(frame.geometry.geom_type.to_numpy(), ["Polygon", "MultiPolygon"])
    kind = "polygons" if polygon.all() else "lines"
    if kind == "lines" and polygon.any():
        geoms = np.array([g.boundary if p else g for g, p in zip(geoms, polygon, strict=True)])
    names = _strings(frame["name"]) if "name" in frame.columns else [""] * len(frame)
    return FeatureLayer(
        key="rivers",
        name=style.text("rivers", lang),
        kind=kind,
        geometries=geoms,
        styles=(
            {
                "color": style.RIVER,
                "weight": 1.6,
                "opacity": 0.9,
                "fillColor": style.RIVER,
                "fillOpacity": 0.5,
            },
        ),
        style_index=np.zeros(len(geoms), dtype=np.int64),
        titles=tuple(n or None for n in names) if any(names) else None,
        z=370,
    )


def road_layer(
    county: County, *, lang: str, by: str = "class"
) -> tuple[FeatureLayer, LegendSection] | None:
    """Roads drawn by administrative class (``by="class"``) or surface (``"surface"``).

    Lower classes are drawn first, so national and provincial roads stay on top. Returns
    the layer and its legend section, or None when the county has no roads.
    """
    frame = county.layers.get("roads")
    if frame is None or len(frame) == 0:
        return None
    if by == "class":
        keys = _strings(frame["class"]) if "class" in frame.columns else [""] * len(frame)
        keys = [k if k in style.ROAD_STYLE else "other" for k in keys]
        order_keys: Sequence[str] = style.ROAD_CLASSES
        styles_by_key = {
            k: {"color": c, "weight": w, "opacity": 0.95, "lineCap": "round"}
            for k, (c, w) in style.ROAD_STYLE.items()
        }
        title = style.text("roads", lang)
    else:
        keys = _strings(frame["surface"]) if "surface" in frame.columns else [""] * len(frame)
        keys = [k if k in style.SURFACE_STYLE else "unknown" for k in keys]
        order_keys = tuple(style.SURFACE_STYLE)
        styles_by_key = {}
        for k, (c, w, dash) in style.SURFACE_STYLE.items():
            options: dict[str, object] = {"color": c, "weight": w, "opacity": 0.95}
            if dash:
                options["dashArray"] = dash
            styles_by_key[k] = options
        title = style.text("roads_surface", lang)
    present = [k for k in order_keys if k in set(keys)]
    rank = {k: i for i, k in enumerate(order_keys)}
    order = np.argsort([-rank[k] for k in keys], kind="stable")  # lowest class first
    sub = frame.iloc[order]
    geoms = to_lonlat(sub, tolerance_m=TOLERANCE_M["roads"])
    sorted_keys = [keys[i] for i in order]
    names = _strings(sub["name"]) if "name" in sub.columns else [""] * len(sub)
    codes = _strings(sub["route_code"]) if "route_code" in sub.columns else [""] * len(sub)
    ids = _strings(sub["id"]) if "id" in sub.columns else [""] * len(sub)
    classes = _strings(sub["class"]) if "class" in sub.columns else [""] * len(sub)
    surfaces = _strings(sub["surface"]) if "surface" in sub.columns else [""] * len(sub)
    titles = tuple(
        " ".join(p for p in (n, f"({c})" if c and c != n else "") if p) or i or None
        for n, c, i in zip(names, codes, ids, strict=True)
    )
    rows = tuple(
        (
            c or "—",
            style.text(k, lang) if k in style.ROAD_STYLE else (k or "—"),
            style.text(s, lang) if s in style.SURFACE_STYLE else (s or "—"),
        )
        for c, k, s in zip(codes, classes, surfaces, strict=True)
    )
    layer = FeatureLayer(
        key="roads",
        name=title,
        kind="lines",
        geometries=geoms,
        styles=tuple(styles_by_key[k] for k in present),
        style_index=np.array([present.index(k) for k in sorted_keys], dtype=np.int64),
        titles=titles,
        fields=(
            style.text("field_route_code", lang),
            style.text("field_class", lang),
            style.text("field_surface", lang),
        ),
        rows=rows,
        z=390,
    )
    entries = tuple(
        LegendEntry(
            symbol="line",
            colour=str(styles_by_key[k]["color"]),
            label=style.text(k, lang),
            size=float(styles_by_key[k]["weight"]),  # type: ignore[arg-type]
            dash=styles_by_key[k].get("dashArray"),  # type: ignore[arg-type]
        )
        for k in present
    )
    return layer, LegendSection(title=title, entries=entries)
