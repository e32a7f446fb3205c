"""Keep the parts of a layer's dimension in mixed geometries; say what was dropped.

QGIS "Fix geometries", PostGIS ``ST_MakeValid`` and shapely ``make_valid`` often return a
GeometryCollection: the repaired polygon plus a stray line or point where the ring touched
itself. Files written by those tools carry such collections too. A parcels layer holds
polygons, so :func:`keep_dimension` keeps the polygonal parts of each feature (as a Polygon
or MultiPolygon), drops the rest and returns the dropped parts, so that the caller can count
and measure them in the county's metric CRS. Everything is vectorised over shapely 2 arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

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
