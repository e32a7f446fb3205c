"""Where a county's layers lie: far apart, outside the declared place, or off their lines.

Numbers in the wrong columns or the wrong CRS still read as coordinates. Loading checks
that each layer lies where the county is:

- :func:`check_extents`: a layer farther than :data:`FAR_LAYER_KM` from the county's extent
  (its boundary and townships, else the other layers) is an error naming the likely cause
  (swapped longitude/latitude, a wrong CRS or Gauss-Krüger zone, a wrong ``coords``); a
  county declared Chinese (a 6-digit ``code``, a CGCS2000 ``crs``) whose layer lies outside
  China is an error even with a single layer, and a warning when only its name is Chinese;
- :func:`coords_on_crs_layer`: ``coords = "GCJ-02"`` on a file that carries its own CRS;
- :func:`stops_off_their_lines`: stops more than :data:`STOP_OFF_LINE_M` from every line
  calling at them (a GCJ-02 offset, or lines drawn elsewhere).

Boxes are longitude/latitude bounds; distances between them are approximate kilometres,
enough to tell 8,000 km from a neighbouring village.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet import crs as crs_module
from roadnet.errors import Problem, RoadnetError
from roadnet.io.tabular import TABLE_SUFFIXES
from roadnet.manifest import LayerSource, Manifest
from roadnet.quality import QualityNote

Box = tuple[float, float, float, float]


def lonlat_box(frame: gpd.GeoDataFrame) -> Box | None:
    """The layer's bounds in longitude/latitude (cheap: its own bounds, transformed)."""
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any() or frame.crs is None:
        return None
    box = shapely.total_bounds(geoms[present])
    if frame.crs.is_geographic:
        values = tuple(float(v) for v in box)
    else:
        transformer = pyproj.Transformer.from_crs(frame.crs, 4326, always_xy=True)
        x0, y0, x1, y1 = (float(v) for v in box)
        values = tuple(float(v) for v in transformer.transform_bounds(x0, y0, x1, y1))
    if not all(np.isfinite(values)):
        return None
    return values[0], values[1], values[2], values[3]


def lonlat_centre(frame: gpd.GeoDataFrame) -> tuple[float, float] | None:
    """Where most of the layer is: the median of its features' centres, in lon/lat.

    Unlike the centre of the bounds, a stray feature (a GPS fix at 0°, 0°) does not move it.
    """
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any() or frame.crs is None:
        return None
    bounds = shapely.bounds(geoms[present])
    x = float(np.median((bounds[:, 0] + bounds[:, 2]) / 2))
    y = float(np.median((bounds[:, 1] + bounds[:, 3]) / 2))
    if not frame.crs.is_geographic:
        transformer = pyproj.Transformer.from_crs(frame.crs, 4326, always_xy=True)
        x, y = (float(v) for v in transformer.transform(x, y))
    if not (np.isfinite(x) and np.isfinite(y)):
        return None
    return x, y


#: A layer farther than this from the county (or the other layers) is an error, kilometres.
FAR_LAYER_KM = 50.0
#: A layer farther than this but within FAR_LAYER_KM is a warning, kilometres.
NEAR_LAYER_KM = 5.0
_COUNTY_EXTENT_LAYERS = ("boundary", "townships")


def _box_gap_km(a: Box, b: Box) -> float:
    """Distance between two lon/lat boxes, kilometres (0 when they overlap)."""
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    lat = np.radians((max(a[1], b[1]) + min(a[3], b[3])) / 2)
    return float(np.hypot(dx * 111.32 * np.cos(lat), dy * 110.57))


def _union_box(boxes: Iterable[Box]) -> Box:
    stacked = np.array(list(boxes))
    return (
        float(stacked[:, 0].min()),
        float(stacked[:, 1].min()),
        float(stacked[:, 2].max()),
        float(stacked[:, 3].max()),
    )


def _where_text(box: Box) -> str:
    lon = (box[0] + box[2]) / 2
    lat = (box[1] + box[3]) / 2
    return f"{abs(lon):.2f}°{'E' if lon >= 0 else 'W'} {abs(lat):.2f}°{'N' if lat >= 0 else 'S'}"


def check_extents(
    boxes: Mapping[str, Box],
    sources: Mapping[str, LayerSource],
    manifest: Manifest,
    *,
    centres: Mapping[str, tuple[float, float]] | None = None,
) -> list[Problem]:
    """Layers far from the county (or from the other layers), and outside its declared place.

    Parameters
    ----------
    boxes
        Layer name → longitude/latitude bounds (see :func:`lonlat_box`).
    sources
        Layer name → where it was read from (for the likely cause).
    manifest
        The county (its ``code``, ``crs`` and ``name`` say where it is meant to be).
    centres
        Layer name → where most of it lies (see :func:`lonlat_centre`), for the check of
        the declared place; the centre of its box when absent.

    Returns
    -------
    list of Problem
        An error for a layer farther than :data:`FAR_LAYER_KM`, a warning beyond
        :data:`NEAR_LAYER_KM`; errors (warnings) for layers outside China in a county
        declared (named) Chinese.
    """
    problems: list[Problem] = []
    county = [n for n in _COUNTY_EXTENT_LAYERS if n in boxes]
    others = [n for n in boxes if n not in county]
    if county and len(others) >= 2 and _county_is_the_odd_one(boxes, county, others):
        # every other layer agrees with the rest and all are far from the boundary/townships:
        # the boundary/townships are wrong, not the others
        targets = {n: others for n in county}
    elif county:
        targets = {n: county for n in others}
        targets.update({n: [c for c in county if c != n] for n in county})
    else:
        targets = {n: [o for o in boxes if o != n] for n in boxes}
    reported: set[frozenset[str]] = set()
    for name, reference in targets.items():
        if not reference:
            continue
        box = boxes[name]
        ref_box = _union_box(boxes[n] for n in reference)
        gap = _box_gap_km(box, ref_box)
        if gap <= NEAR_LAYER_KM:
            continue
        if len(reference) == 1:
            pair = frozenset([name, reference[0]])
            if pair in reported:
                continue
            reported.add(pair)
            # two layers apart: blame the one less likely right (a lon/lat table before a
            # GIS file with its own CRS; the later one on a tie)
            order = list(boxes)
            if _trust(sources[reference[0]]) < _trust(sources[name]) or (
                _trust(sources[reference[0]]) == _trust(sources[name])
                and order.index(reference[0]) > order.index(name)
            ):
                name, reference = reference[0], [name]
                box = boxes[name]
                ref_box = boxes[reference[0]]
        whose = "the county's " if set(reference) <= set(county) else ""
        severity = "error" if gap > FAR_LAYER_KM else "warning"
        problems.append(
            Problem(
                severity,
                f"layer lies {gap:,.0f} km from the other layers ({whose}"
                f"{', '.join(reference)}): it is around {_where_text(box)}, they are around "
                f"{_where_text(ref_box)}; {_likely_cause(sources[name], box, ref_box)}",
                layer=name,
                source=sources[name].label,
            )
        )
    problems.extend(_check_declared_place(boxes, sources, manifest, centres or {}))
    return problems


def _trust(source: LayerSource) -> int:
    """How likely a layer's place is right: 0 a lon/lat table, 1 a GIS file or feed."""
    if source.gtfs is None and any(p.suffix.lower() in TABLE_SUFFIXES for p in source.paths):
        return 0
    return 1


def _county_is_the_odd_one(boxes: Mapping[str, Box], county: list[str], others: list[str]) -> bool:
    """Whether the boundary/townships are far from every other layer, which agree together."""
    county_box = _union_box(boxes[n] for n in county)
    if not all(_box_gap_km(boxes[n], county_box) > FAR_LAYER_KM for n in others):
        return False
    return all(
        _box_gap_km(boxes[n], _union_box(boxes[o] for o in others if o != n)) <= NEAR_LAYER_KM
        for n in others
    )


def _likely_cause(source: LayerSource, box: Box, ref_box: Box) -> str:
    """The likeliest reasons for a layer far from where it should be, for the message."""
    swapped = (box[1], box[0], box[3], box[2])
    if _box_gap_km(swapped, ref_box) <= FAR_LAYER_KM:
        hint = "its longitude and latitude look swapped: exchange the two columns"
        if source.lon or source.lat:
            hint += f" (lon = {source.lat!r}, lat = {source.lon!r} in [layers.{source.name}])"
        return hint
    hints = []
    if source.crs is not None:
        hints.append(f"crs = {source.crs!r} in [layers.{source.name}] may be the wrong CRS")
    else:
        hints.append(
            "its CRS may be wrong (the .prj, or a Gauss-Krüger zone off by one: set the right "
            f"EPSG code with crs = ... in [layers.{source.name}])"
        )
    hints.append("its longitude/latitude columns may be swapped or not coordinates at all")
    if source.coords:
        hints.append(f"coords = {source.coords!r} may not be what the points are in")
    return "check: " + "; ".join(hints)


def _declared_chinese(manifest: Manifest) -> str | None:
    """Why the county is meant to be in China (a code, a Chinese name, a CGCS2000 crs)."""
    code = str(manifest.extra.get("code", "")).strip()
    if len(code) in (6, 9, 12) and code.isdigit() and 11 <= int(code[:2]) <= 82:
        return f"its administrative code {code}"
    if manifest.crs not in (None, "auto"):
        try:
            chosen = crs_module.parse_crs(manifest.crs, what="county.toml crs")
        except RoadnetError:
            return None
        if "CGCS2000" in (chosen.name or "") or "China" in (chosen.name or ""):
            return f"crs = {manifest.crs!r} ({chosen.name})"
    return None


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _check_declared_place(
    boxes: Mapping[str, Box],
    sources: Mapping[str, LayerSource],
    manifest: Manifest,
    centres: Mapping[str, tuple[float, float]],
) -> list[Problem]:
    """Layers outside China for a county that says it is Chinese (even a single layer)."""
    declared = _declared_chinese(manifest)
    chinese_name = bool(_CJK.search(manifest.name or ""))
    if declared is None and not chinese_name:
        return []
    problems = []
    for name, box in boxes.items():
        lon, lat = centres.get(name, ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
        if crs_module.near_china(lon, lat):
            continue
        cause = _likely_cause(sources[name], (lon, lat, lon, lat), _CHINA_BOX)
        why = declared or f"its Chinese name '{manifest.name}'"
        problems.append(
            Problem(
                "error" if declared else "warning",
                f"layer lies outside China (around {_where_text((lon, lat, lon, lat))}) "
                f"although the county is in China by {why}; {cause}",
                layer=name,
                source=sources[name].label,
            )
        )
    return problems


_CHINA_BOX: Box = (73.5, 18.0, 135.1, 53.6)


def coords_on_crs_layer(
    frame: gpd.GeoDataFrame, source: LayerSource
) -> tuple[Problem, QualityNote]:
    """``coords`` declared on a file with its own geometry and CRS: warn, say how far it moves."""
    from roadnet.chinacoords import convert_geometries, normalize_coords

    coords = normalize_coords(str(source.coords))
    box = lonlat_box(frame)
    shift = 0.0
    if box is not None:
        centre = shapely.points([(box[0] + box[2]) / 2], [(box[1] + box[3]) / 2])
        moved = convert_geometries(centre, coords=coords)
        geod = pyproj.Geod(ellps="WGS84")
        a, b = shapely.get_coordinates(centre)[0], shapely.get_coordinates(moved)[0]
        shift = float(geod.inv(a[0], a[1], b[0], b[1])[2])
    crs_name = frame.crs.name if frame.crs is not None else "its CRS"
    text_en = (
        f"coords = '{coords}' is meant for points picked from Chinese web maps (CSV/Excel "
        f"lon/lat), but this file carries its own geometry and CRS ({crs_name}): its "
        f"coordinates were still converted from {coords} as asked, moving them about "
        f"{shift:,.0f} m. If the file is true WGS-84/CGCS2000 (GPS, survey, OSM, a GIS export), "
        f"remove coords from [layers.{source.name}]"
    )
    text_zh = (
        f"{source.name} 图层文件自带坐标系（{crs_name}），但 county.toml 设置了 coords = "
        f"'{coords}'（用于从网络地图拾取的经纬度）：已按要求换算，位置移动约 {shift:,.0f} 米；"
        "若文件本为 WGS-84/CGCS2000 坐标，请删除 coords"
    )
    warning = Problem("warning", text_en, layer=source.name, field="coords", source=source.label)
    note = QualityNote(
        f"coords_on_crs_layer_{source.name}",
        text_zh=text_zh,
        text_en=text_en,
        layer=source.name,
        rule=f"converted from {coords}",
    )
    return warning, note


#: Stops farther than this from every line calling at them are flagged, metres.
STOP_OFF_LINE_M = 150.0


def stops_off_their_lines(
    lines: pd.DataFrame, stops: pd.DataFrame
) -> tuple[list[Problem], QualityNote | None]:
    """Stops lying farther than :data:`STOP_OFF_LINE_M` from every line that calls at them."""
    if not isinstance(lines, gpd.GeoDataFrame) or not isinstance(stops, gpd.GeoDataFrame):
        return [], None
    calls = lines["stops"].explode().dropna()
    if not len(calls):
        return [], None
    stop_index = stops["id"].astype(str).to_numpy()
    first = pd.Series(np.arange(len(stop_index)), index=stop_index)
    first = first[~first.index.duplicated()]  # a duplicated id is an error of its own
    stop_pos = first.reindex(calls.astype(str).to_numpy()).fillna(-1).to_numpy(dtype=int)
    line_pos = lines.index.get_indexer(calls.index)
    ok = stop_pos >= 0
    stop_pos, line_pos = stop_pos[ok], line_pos[ok]
    line_geoms = lines.geometry.to_numpy()[line_pos]
    drawn = ~(shapely.is_missing(line_geoms) | shapely.is_empty(line_geoms))
    stop_pos, line_pos, line_geoms = stop_pos[drawn], line_pos[drawn], line_geoms[drawn]
    if not len(stop_pos):
        return [], None
    distance = shapely.distance(stops.geometry.to_numpy()[stop_pos], line_geoms)
    nearest = np.full(len(stops), np.inf)
    np.minimum.at(nearest, stop_pos, np.nan_to_num(distance, nan=np.inf))
    far = np.isfinite(nearest) & (nearest > STOP_OFF_LINE_M)
    if not far.any():
        return [], None
    # the line each far stop is nearest to, for the message
    order = np.lexsort((distance, stop_pos))
    first = order[np.r_[True, stop_pos[order][1:] != stop_pos[order][:-1]]]
    closest_line = dict(zip(stop_pos[first], line_pos[first], strict=True))
    names = stops["name"].astype(str).to_numpy() if "name" in stops.columns else None
    line_names = (
        lines["name"].astype(str).to_numpy()
        if "name" in lines.columns
        else lines["id"].astype(str).to_numpy()
    )
    positions = np.flatnonzero(far)
    listed = []
    for pos in positions[:5]:
        label = stop_index[pos] if names is None else f"{names[pos]} ({stop_index[pos]})"
        listed.append(f"{label}: {nearest[pos]:,.0f} m from {line_names[closest_line[pos]]}")
    ids = [str(stop_index[p]) for p in positions]
    count = len(positions)
    text_en = (
        f"{count} stop(s) lie more than {STOP_OFF_LINE_M:.0f} m from every line that calls at "
        f"them ({'; '.join(listed)}{' …' if count > 5 else ''}): a wrong coordinate system "
        '(points from a Chinese web map need coords = "GCJ-02" or "BD-09")? or lines '
        "drawn elsewhere?"
    )
    text_zh = (
        f"{count} 个站点距停靠它的所有线路都超过 {STOP_OFF_LINE_M:.0f} 米"
        f"（{'；'.join(listed)}{' …' if count > 5 else ''}）：坐标系是否有误"
        '（网络地图拾取的点需设置 coords = "GCJ-02" 或 "BD-09"）？'
    )
    problem = Problem("warning", text_en, layer="bus_stops", feature=ids[0], count=count)
    note = QualityNote(
        "stops_off_their_lines",
        text_zh=text_zh,
        text_en=text_en,
        layer="bus_stops",
        count=count,
        rule=f"> {STOP_OFF_LINE_M:.0f} m",
        ids=tuple(ids),
    )
    return [problem], note
