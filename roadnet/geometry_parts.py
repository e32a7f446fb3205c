"""Keep the parts of a layer's dimension in mixed geometries; say what was dropped.

QGIS "Fix geometries", PostGIS ``ST_MakeValid`` and shapely ``make_valid`` often return a
GeometryCollection: the repaired polygon plus a stray line or point where the ring touched
itself. Files written by those tools carry such collections too. A parcels layer holds
polygons, so :func:`keep_dimension` keeps the polygonal parts of each feature (as a Polygon
or MultiPolygon), drops the rest and returns the dropped parts, so that the caller can count
and measure them in the county's metric CRS (:func:`dropped_parts_note`). Everything is
vectorised over shapely 2 arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from roadnet.formatting import format_km, format_mu
from roadnet.quality import QualityNote
from roadnet.schema import LayerSchema

#: Dimension of each shapely type id (Point … GeometryCollection); -1 for a collection.
_TYPE_DIMENSION = np.array([0, 1, 1, 2, 0, 1, 2, -1])
_MULTI_OR_COLLECTION = (4, 5, 6, 7)


@dataclass(frozen=True)
class KeptParts:
    """The result of :func:`keep_dimension`.

    Attributes
    ----------
    geometries
        One geometry per input: the kept parts (a single part, or a Multi* of them); None
        where no part of the dimension was left.
    dropped
        The dropped parts, single-part geometries in the input's CRS.
    dropped_index
        For each dropped part, the position of the input feature it came from.
    """

    geometries: NDArray[np.object_]
    dropped: NDArray[np.object_]
    dropped_index: NDArray[np.intp]

    @property
    def emptied(self) -> NDArray[np.bool_]:
        """Inputs left without any part of the dimension."""
        return np.asarray(shapely.is_missing(self.geometries), dtype=bool)


def explode_all(
    geometries: NDArray[np.object_],
) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """Split multi-part geometries and (nested) collections into single parts.

    Returns the parts and, for each, the position of its input geometry, in input order.
    Empty parts are left out.
    """
    parts, index = shapely.get_parts(geometries, return_index=True)
    while len(parts):
        multi = np.isin(shapely.get_type_id(parts), _MULTI_OR_COLLECTION)
        if not multi.any():
            break
        sub, sub_index = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        index = np.concatenate([index[~multi], index[multi][sub_index]])
    present = ~shapely.is_empty(parts)
    parts, index = parts[present], index[present]
    order = np.argsort(index, kind="stable")
    return parts[order], index[order].astype(np.intp)


def keep_dimension(
    geometries: NDArray[np.object_],
    dimension: int | NDArray[np.int_],
) -> KeptParts:
    """Keep, in each geometry, the parts of ``dimension``; return them and the dropped parts.

    Parameters
    ----------
    geometries
        Geometries (collections, multi-part or single) in any CRS.
    dimension
        0 (points), 1 (lines) or 2 (polygons), for all geometries or one per geometry.

    Returns
    -------
    KeptParts
        Kept geometries (single part when one is left, else MultiPoint / MultiLineString /
        MultiPolygon), the dropped parts and their feature positions.
    """
    n = len(geometries)
    wanted = np.broadcast_to(np.asarray(dimension), (n,))
    parts, index = explode_all(geometries)
    dims = _TYPE_DIMENSION[shapely.get_type_id(parts)]
    keep = dims == wanted[index]
    out = np.full(n, None, dtype=object)
    kept_parts, kept_index = parts[keep], index[keep]
    counts = np.bincount(kept_index, minlength=n)
    single = counts == 1
    single_at = np.isin(kept_index, np.flatnonzero(single))
    out[kept_index[single_at]] = kept_parts[single_at]
    many = ~single_at
    if many.any():
        build = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
        for dim, make in build.items():
            chosen = many & (wanted[kept_index] == dim)
            if not chosen.any():
                continue
            groups, position = np.unique(kept_index[chosen], return_inverse=True)
            out[groups] = make(kept_parts[chosen], indices=position)
    return KeptParts(out, parts[~keep], index[~keep])


def highest_dimension(geometries: NDArray[np.object_]) -> NDArray[np.int_]:
    """The highest dimension among each geometry's parts (-1 when it has none)."""
    parts, index = explode_all(geometries)
    out = np.full(len(geometries), -1, dtype=int)
    np.maximum.at(out, index, _TYPE_DIMENSION[shapely.get_type_id(parts)])
    return out


def lowest_dimension(geometries: NDArray[np.object_]) -> NDArray[np.int_]:
    """The lowest dimension among each geometry's parts (-1 when it has none)."""
    parts, index = explode_all(geometries)
    out = np.full(len(geometries), 3, dtype=int)
    np.minimum.at(out, index, _TYPE_DIMENSION[shapely.get_type_id(parts)])
    out[out == 3] = -1
    return out


@dataclass
class DroppedParts:
    """Parts of another dimension dropped from a layer's features (measured once projected)."""

    parts: np.ndarray
    crs: Any
    features: list[str]  # ids of the features that lost parts
    removed: list[str]  # ids of the features left with no part at all
    kept: str  # what was kept: "points", "lines" or "polygons"


def keep_layer_parts(
    geoms: np.ndarray, mask: np.ndarray, schema: LayerSchema
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the parts of the layer's dimension of the masked geometries.

    Returns the geometries (None where nothing is left), the dropped parts and the
    positions of the features that lost parts.
    """
    subset = geoms[mask]
    if schema.geometry == "line_or_polygon":
        dimension: int | np.ndarray = highest_dimension(subset)
    elif schema.name == "villages":
        lowest = lowest_dimension(subset)
        dimension = np.where(lowest == 0, 0, highest_dimension(subset))
    else:
        dimension = {"point": 0, "line": 1, "polygon": 2}[schema.geometry]
    kept = keep_dimension(subset, dimension)
    out = geoms.copy()
    out[mask] = kept.geometries
    positions = np.flatnonzero(mask)
    return out, kept.dropped, np.unique(positions[kept.dropped_index])


def dropped_parts_note(layer: str, dropped: DroppedParts, metric: pyproj.CRS) -> QualityNote:
    """Count and measure (in the metric CRS) the parts dropped from a layer's features."""
    parts = gpd.GeoSeries(dropped.parts, crs=dropped.crs).to_crs(metric).to_numpy()
    dims = shapely.get_dimensions(parts) if len(parts) else np.array([], dtype=int)
    km = float(shapely.length(parts[dims == 1]).sum()) / 1000.0 if len(parts) else 0.0
    area = float(shapely.area(parts[dims == 2]).sum()) if len(parts) else 0.0
    points = int((dims == 0).sum())
    lines = int((dims == 1).sum())
    polygons = int((dims == 2).sum())
    what_en = []
    what_zh = []
    if polygons:
        what_en.append(f"{polygons} polygon(s) ({format_mu(area / _M2_PER_MU)} mu, {area:,.0f} m²)")
        what_zh.append(f"面 {polygons} 个（{format_mu(area / _M2_PER_MU)} 亩）")
    if lines:
        what_en.append(f"{lines} line(s) ({_length_text(km)})")
        what_zh.append(f"线 {lines} 条（{_length_text(km, zh=True)}）")
    if points:
        what_en.append(f"{points} point(s)")
        what_zh.append(f"点 {points} 个")
    n = len(dropped.features)
    removed = len(dropped.removed)
    text_en = (
        f"{layer}: {n} feature(s) held shapes of another kind (GeometryCollections from a repair "
        f"or in the file): their {dropped.kept} were kept and "
        f"{', '.join(what_en) or 'empty parts'} dropped"
    )
    text_zh = (
        f"{layer} 图层有 {n} 个要素含其他类型的图形（几何集合）：保留其"
        f"{_KEPT_ZH.get(dropped.kept, '图形')}，舍弃{'、'.join(what_zh) or '空的部分'}"
    )
    if removed:
        text_en += (
            f"; {removed} feature(s) had no {dropped.kept} left and were removed "
            f"(first: {', '.join(dropped.removed[:5])})"
        )
        text_zh += (
            f"；{removed} 个要素无可保留的图形，已删除（如 {', '.join(dropped.removed[:5])}）"
        )
    return QualityNote(
        f"geometry_parts_dropped_{layer}",
        text_zh=text_zh,
        text_en=text_en,
        layer=layer,
        count=n,
        km=km,
        area_m2=area,
        rule=f"kept {dropped.kept}",
        ids=tuple(dropped.features),
    )


_KEPT_ZH = {"points": "点", "lines": "线", "polygons": "面", "lines or polygons": "线或面"}
_M2_PER_MU = 10_000.0 / 15.0


def _length_text(km: float, *, zh: bool = False) -> str:
    """A dropped or merged length: metres under 1 km, else km by the rounding rule."""
    if km < 1.0:
        return f"{km * 1000:,.0f} {'米' if zh else 'm'}"
    return f"{format_km(km)} {'公里' if zh else 'km'}"
