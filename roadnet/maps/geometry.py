"""Geometry for drawing: simplified in the county's metric CRS, then projected to WGS-84.

Analysis stays metric; only at drawing time are layers projected to EPSG:4326 (Leaflet's
lon/lat). Lines and polygons are simplified first, with a tolerance in metres, which keeps a
county of 10,000 villages and its road network within a few megabytes of HTML. In the
document, coordinates are integers of 1e-5 degree (about 1 m) and each part is stored as
the first vertex followed by the differences between consecutive vertices.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from roadnet.errors import LayerError

WGS84 = 4326
SCALE = 100_000  # coordinates in 1e-5 degree

#: Simplification tolerance in metres, by what a layer is.
TOLERANCE_M = {"roads": 6.0, "lines": 4.0, "rivers": 10.0, "polygons": 15.0}


def to_lonlat(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, tolerance_m: float = 0.0) -> np.ndarray:
    """Geometries simplified in their metric CRS, then projected to WGS-84.

    Parameters
    ----------
    frame
        A layer in a projected (metric) CRS, or already in a geographic CRS (then no
        simplification is done).
    tolerance_m
        Douglas–Peucker tolerance in metres (0: none).

    Returns
    -------
    numpy.ndarray
        Shapely geometries in EPSG:4326, aligned with the input rows.
    """
    series = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    if series.crs is None:
        raise LayerError("a layer to draw has no CRS; load it with load_county")
    geoms = series.to_numpy()
    if tolerance_m > 0 and series.crs.is_projected:
        # polygons keep valid rings; lines take the much faster plain Douglas-Peucker
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        geoms = geoms.copy()
        geoms[polygonal] = shapely.simplify(geoms[polygonal], tolerance_m, preserve_topology=True)
        geoms[~polygonal] = shapely.simplify(
            geoms[~polygonal], tolerance_m, preserve_topology=False
        )
    return gpd.GeoSeries(geoms, crs=series.crs).to_crs(WGS84).to_numpy()


def bounds(*arrays: np.ndarray) -> tuple[float, float, float, float]:
    """(west, south, east, north) of all non-empty geometries in WGS-84 arrays."""
    boxes = [
        shapely.bounds(a[~(shapely.is_missing(a) | shapely.is_empty(a))]) for a in arrays if len(a)
    ]
    stacked = np.vstack([b for b in boxes if len(b)]) if boxes else np.empty((0, 4))
    if len(stacked) == 0:
        return (73.0, 18.0, 135.0, 54.0)  # nothing to draw: all of China
    return (
        float(stacked[:, 0].min()),
        float(stacked[:, 1].min()),
        float(stacked[:, 2].max()),
        float(stacked[:, 3].max()),
    )


def quantize(coords: np.ndarray) -> np.ndarray:
    """Lon/lat coordinates as integers of 1e-5 degree."""
    return np.round(np.asarray(coords, dtype=float)[:, :2] * SCALE).astype(np.int64)


def _encode_part(coords: np.ndarray) -> list[int]:
    q = quantize(coords)
    if len(q) > 1:
        keep = np.r_[True, np.any(q[1:] != q[:-1], axis=1)]
        q = q[keep]
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return [int(v) for v in delta.ravel()]


def encode_geometry(geom: Any) -> list[Any]:
    """A line or polygon geometry as a list of delta-encoded parts.

    A (Multi)LineString gives ``[part, ...]`` with each part ``[x0, y0, dx1, dy1, ...]``;
    a (Multi)Polygon gives ``[[ring, ...], ...]`` (exterior first); ``[]`` when empty.
    Points give ``[x, y]``.
    """
    if geom is None or shapely.is_empty(geom):
        return []
    kind = shapely.get_type_id(geom)
    if kind == 0:  # point
        x, y = quantize(shapely.get_coordinates(geom))[0]
        return [int(x), int(y)]
    parts = shapely.get_parts(geom)
    if kind in (3, 6):  # polygon, multipolygon
        out: list[Any] = []
        for polygon in parts:
            rings = [polygon.exterior, *polygon.interiors]
            out.append([_encode_part(np.asarray(r.coords)) for r in rings])
        return out
    if kind in (1, 2, 5):  # linestring, linearring, multilinestring
        encoded = (_encode_part(np.asarray(p.coords)) for p in parts if len(p.coords) >= 2)
        return [e for e in encoded if len(e) >= 4]  # a part that collapses to one point
    if kind == 7:  # collection: keep its lines
        lines = [p for p in parts if shapely.get_type_id(p) in (1, 2, 5)]
        return [item for line in lines for item in encode_geometry(line)]
    return []


def encode_lines(geoms: np.ndarray) -> list[list[list[int]]]:
    """:func:`encode_geometry` of many (multi)line geometries at once (vectorised).

    Returns, per geometry, its parts, each ``[x0, y0, dx1, dy1, ...]``; parts that
    collapse to one point at 1e-5 degree are dropped. Other geometry types give ``[]``.
    """
    geoms = np.asarray(geoms, dtype=object)
    out: list[list[list[int]]] = [[] for _ in range(len(geoms))]
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return out
    parts, owner = shapely.get_parts(geoms[ok], return_index=True)
    owner = np.flatnonzero(ok)[owner]
    lines = np.isin(shapely.get_type_id(parts), (1, 2))
    parts, owner = parts[lines], owner[lines]
    coords, part = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return out
    q = quantize(coords)
    repeat = np.r_[False, (part[1:] == part[:-1]) & np.all(q[1:] == q[:-1], axis=1)]
    q, part = q[~repeat], part[~repeat]
    start = np.r_[True, part[1:] != part[:-1]]
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    delta[start] = q[start]
    flat = delta.ravel().tolist()
    counts = np.bincount(part, minlength=len(parts))
    ends = np.cumsum(counts) * 2
    begins = ends - counts * 2
    for p in np.flatnonzero(counts >= 2).tolist():
        out[int(owner[p])].append(flat[begins[p] : ends[p]])
    return out


def decode_part(flat: list[int]) -> np.ndarray:
    """Inverse of the delta encoding of one part: ``(n, 2)`` lon/lat degrees."""
    pairs = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    return np.cumsum(pairs, axis=0) / SCALE


def representative_points(geoms: np.ndarray) -> np.ndarray:
    """A point inside each polygon (for labels), None where the geometry is empty."""
    out = np.full(len(geoms), None, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out[ok] = shapely.point_on_surface(geoms[ok])
    return out
