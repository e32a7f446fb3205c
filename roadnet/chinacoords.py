"""GCJ-02 and BD-09 coordinates to and from WGS-84, vectorised over numpy arrays.

Points picked from Chinese web maps are not WGS-84: AMap (Gaode) and Tencent show GCJ-02
("Mars coordinates"), Baidu shows BD-09, which adds a second offset on top of GCJ-02. The
shift is 300-600 m in Inner Mongolia, more than a village's size.

The formulas are those of the public-domain ``prcoords`` package (Mingye Wang, CC0; itself
after eviltransform and caijun's geoChina), rewritten on numpy arrays so that 100,000 patrol
GPS points convert in one call. The forward transforms are closed formulas; the inverses
start from the usual one-step approximation and refine it by a fixed number of fixed-point
iterations over the whole array, to well under a millimetre.

Every function takes and returns longitude first, then latitude, in degrees (``prcoords``
takes latitude first). Points outside the rough China bounding box of ``prcoords`` (see
:data:`CHINA_BOUNDS`) are returned unchanged by every function, BD-09 included, so that a
(0, 0) GPS fix stays (0, 0) and can be recognised and dropped. The box is a sanity check, not
a border: it includes Korea, Mongolia and part of Russia, where the offset is applied too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from roadnet.errors import ConfigError

FloatArray = NDArray[np.float64]

WGS84 = "WGS-84"
GCJ02 = "GCJ-02"
BD09 = "BD-09"

#: Accepted spellings of ``coords`` (compared after dropping case, spaces, ``-`` and ``_``).
_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "wgs84": WGS84,
        "cgcs2000": WGS84,  # EPSG:4490; within a few centimetres of WGS-84 at map accuracy
        "gcj02": GCJ02,
        "bd09": BD09,
        "bd09ll": BD09,  # Baidu's name for BD-09 longitude/latitude (not bd09mc, in metres)
    }
)
ACCEPTED_COORDS = ("WGS-84", "CGCS2000", "GCJ-02", "BD-09")

#: (min lon, min lat, max lon, max lat) of the "sanity" box of prcoords, degrees.
CHINA_BOUNDS = (72.004, 0.8293, 137.8347, 55.8271)

# Krasovsky 1940 ellipsoid, as used by GCJ-02.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
# Baidu's constant shift and its "x_pi" factor (pi * 3000 / 180).
_BD_DLON = 0.0065
_BD_DLAT = 0.0060
_BD_X_PI = math.pi * 3000.0 / 180.0

# Fixed-point iterations of the inverses. Over the whole China box the one-step start is
# within 6e-5° (GCJ-02) or 2e-6° (BD-09) and each iteration shrinks the error more than
# 100-fold (the offsets change slowly with position): after 3 iterations the residual is
# below 3e-11° (GCJ-02) and 2e-12° (BD-09), measured on 400,000 random points.
_GCJ_ITERATIONS = 3
_BD_ITERATIONS = 3


def normalize_coords(coords: str) -> str:
    """Return the canonical name of a web-map coordinate system.

    Parameters
    ----------
    coords
        ``"WGS-84"``, ``"GCJ-02"`` or ``"BD-09"``, in any case and with or without the
        hyphen (``"gcj02"``, ``"bd09"``, ``"wgs84"``); ``"CGCS2000"`` is treated as WGS-84
        and ``"bd09ll"`` as BD-09.

    Returns
    -------
    str
        ``"WGS-84"``, ``"GCJ-02"`` or ``"BD-09"``.

    Raises
    ------
    ConfigError
        If the name is none of the accepted values.
    """
    key = "".join(ch for ch in str(coords).casefold() if ch not in " -_")
    try:
        return _ALIASES[key]
    except KeyError:
        raise ConfigError(
            f"unknown coords {coords!r}: use one of {', '.join(ACCEPTED_COORDS)} "
            "(GCJ-02 for points from AMap/Gaode or Tencent maps, BD-09 for Baidu maps); "
            "projected or other geographic systems go in `crs` instead"
        ) from None


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Tell which points fall in the rough China box where the offsets apply.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (arrays or scalars, broadcast together).

    Returns
    -------
    numpy.ndarray of bool
        True inside :data:`CHINA_BOUNDS` (bounds included); False outside and for NaN.
    """
    x, y = _as_arrays(lon, lat)
    return _inside(x, y)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude to GCJ-02 (AMap, Tencent).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees; arrays of any shape or scalars, broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitudes and latitudes in degrees, of the broadcast shape (0-d for
        scalars). Points outside :data:`CHINA_BOUNDS` are returned unchanged.
    """
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        gx, gy = _wgs_to_gcj(x, y)
    inside = _inside(x, y)
    return np.where(inside, gx, x), np.where(inside, gy, y)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude (AMap, Tencent) back to WGS-84.

    The one-step approximation is refined by a fixed number of fixed-point iterations
    applied to the whole array at once; the result reproduces the input through
    :func:`wgs84_to_gcj02` to better than 1e-10° (about 0.01 mm).

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees; arrays of any shape or scalars, broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitudes and latitudes in degrees. Points outside :data:`CHINA_BOUNDS`
        are returned unchanged.
    """
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        wx, wy = _gcj_to_wgs(x, y)
    inside = _inside(x, y)
    return np.where(inside, wx, x), np.where(inside, wy, y)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu).

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees; arrays of any shape or scalars, broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitudes and latitudes in degrees. Points outside :data:`CHINA_BOUNDS` are
        returned unchanged (``prcoords`` shifts them; roadnet leaves them, as for GCJ-02).
    """
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        bx, by = _gcj_to_bd(x, y)
    inside = _inside(x, y)
    return np.where(inside, bx, x), np.where(inside, by, y)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude (Baidu) to GCJ-02.

    The usual closed-form approximation (a few centimetres off) is refined by a fixed
    number of fixed-point iterations, to better than 1e-10°.

    Parameters
    ----------
    lon, lat
        BD-09 degrees; arrays of any shape or scalars, broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitudes and latitudes in degrees. Points outside :data:`CHINA_BOUNDS`
        are returned unchanged.
    """
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        gx, gy = _bd_to_gcj(x, y)
    inside = _inside(x, y)
    return np.where(inside, gx, x), np.where(inside, gy, y)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude to BD-09 (Baidu), through GCJ-02.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees; arrays of any shape or scalars, broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitudes and latitudes in degrees. Points outside :data:`CHINA_BOUNDS`
        are returned unchanged.
    """
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        bx, by = _gcj_to_bd(*_wgs_to_gcj(x, y))
    inside = _inside(x, y)
    return np.where(inside, bx, x), np.where(inside, by, y)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude (Baidu) to WGS-84, through GCJ-02.

    Parameters
    ----------
    lon, lat
        BD-09 degrees; arrays of any shape or scalars, broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitudes and latitudes in degrees. Points outside :data:`CHINA_BOUNDS`
        are returned unchanged.
    """
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        wx, wy = _gcj_to_wgs(*_bd_to_gcj(x, y))
    inside = _inside(x, y)
    return np.where(inside, wx, x), np.where(inside, wy, y)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, *, coords: str) -> tuple[FloatArray, FloatArray]:
    """Convert longitude/latitude given in a web-map system to WGS-84.

    Parameters
    ----------
    lon, lat
        Degrees in the system named by ``coords``; arrays or scalars.
    coords
        ``"WGS-84"``, ``"GCJ-02"`` or ``"BD-09"`` (see :func:`normalize_coords` for the
        accepted spellings; ``"CGCS2000"`` counts as WGS-84 and is returned as is).

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitudes and latitudes in degrees (new arrays; the inputs are not changed).

    Raises
    ------
    ConfigError
        If ``coords`` is not one of the accepted values.
    """
    name = normalize_coords(coords)
    if name == GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if name == BD09:
        return bd09_to_wgs84(lon, lat)
    x, y = _as_arrays(lon, lat)
    return x.copy(), y.copy()


def from_wgs84(lon: ArrayLike, lat: ArrayLike, *, coords: str) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude to a web-map system (the inverse of :func:`to_wgs84`).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees; arrays or scalars.
    coords
        Target system: ``"WGS-84"``, ``"GCJ-02"`` or ``"BD-09"`` (any accepted spelling).

    Returns
    -------
    tuple of numpy.ndarray
        Longitudes and latitudes in degrees in the target system.

    Raises
    ------
    ConfigError
        If ``coords`` is not one of the accepted values.
    """
    name = normalize_coords(coords)
    if name == GCJ02:
        return wgs84_to_gcj02(lon, lat)
    if name == BD09:
        return wgs84_to_bd09(lon, lat)
    x, y = _as_arrays(lon, lat)
    return x.copy(), y.copy()


def convert_geometries(geoms: ArrayLike, *, coords: str) -> NDArray[np.object_]:
    """Convert shapely geometries from a web-map system to WGS-84, vertex by vertex.

    Parameters
    ----------
    geoms
        Array of shapely geometries (points, lines, polygons, multi-parts; None allowed)
        in longitude/latitude degrees of the system ``coords``; a GeoSeries's
        ``.to_numpy()`` or ``.geometry.values`` fits.
    coords
        ``"WGS-84"``, ``"GCJ-02"`` or ``"BD-09"`` (any accepted spelling).

    Returns
    -------
    numpy.ndarray of object
        New geometries in WGS-84 degrees, same shape; Z values are kept; None stays None.

    Raises
    ------
    ConfigError
        If ``coords`` is not one of the accepted values.
    """
    name = normalize_coords(coords)
    array = np.asarray(geoms, dtype=object)
    if name == WGS84:
        return array.copy()

    def _convert(xy: FloatArray) -> FloatArray:
        x, y = to_wgs84(xy[:, 0], xy[:, 1], coords=name)
        out = xy.copy()
        out[:, 0] = x
        out[:, 1] = y
        return out

    result: NDArray[np.object_] = shapely.transform(array, _convert, include_z=None)
    return result


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x, y


def _inside(x: FloatArray, y: FloatArray) -> NDArray[np.bool_]:
    lon0, lat0, lon1, lat1 = CHINA_BOUNDS
    return (x >= lon0) & (x <= lon1) & (y >= lat0) & (y <= lat1)


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 of WGS-84 points, without the China check (prcoords ``wgs_gcj``)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    # Harmonics shared by both offsets, then each axis's own (metres on the Krasovsky
    # ellipsoid, as prcoords writes them).
    common = 2.0 * np.sin(x * 6.0 * math.pi) + 2.0 * np.sin(x * 2.0 * math.pi)
    dlat_m = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + (
            common
            + 2.0 * np.sin(y * math.pi)
            + 4.0 * np.sin(y / 3.0 * math.pi)
            + 16.0 * np.sin(y / 12.0 * math.pi)
            + 32.0 * np.sin(y / 30.0 * math.pi)
        )
        * 20.0
        / 3.0
    )
    dlon_m = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + (
            common
            + 2.0 * np.sin(x * math.pi)
            + 4.0 * np.sin(x / 3.0 * math.pi)
            + 15.0 * np.sin(x / 12.0 * math.pi)
            + 30.0 * np.sin(x / 30.0 * math.pi)
        )
        * 20.0
        / 3.0
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    lat_deg_arclen = np.radians(_GCJ_A * (1.0 - _GCJ_EE) / magic**1.5)
    lon_deg_arclen = np.radians(_GCJ_A * np.cos(rad_lat) / np.sqrt(magic))
    return lon + dlon_m / lon_deg_arclen, lat + dlat_m / lat_deg_arclen


def _gcj_to_wgs(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """WGS-84 of GCJ-02 points by fixed-point iteration, without the China check."""
    gx, gy = _wgs_to_gcj(lon, lat)
    wx = lon - (gx - lon)
    wy = lat - (gy - lat)
    for _ in range(_GCJ_ITERATIONS):
        gx, gy = _wgs_to_gcj(wx, wy)
        wx = wx - (gx - lon)
        wy = wy - (gy - lat)
    return wx, wy


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """BD-09 of GCJ-02 points, without the China check (prcoords ``gcj_bd``)."""
    r = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return r * np.cos(theta) + _BD_DLON, r * np.sin(theta) + _BD_DLAT


def _bd_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 of BD-09 points: prcoords ``bd_gcj`` refined by fixed-point iteration."""
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    r = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    gx = r * np.cos(theta)
    gy = r * np.sin(theta)
    for _ in range(_BD_ITERATIONS):
        bx, by = _gcj_to_bd(gx, gy)
        gx = gx - (bx - lon)
        gy = gy - (by - lat)
    return gx, gy
