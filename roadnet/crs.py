"""Choice and checks of coordinate reference systems.

Analysis runs in one local metric CRS per county: inside China the CGCS2000 3-degree
Gauss-Krüger zone of the county's centre (EPSG:4534-4554, false easting 500 000 m, no zone
prefix); elsewhere the WGS 84 UTM zone. Web Mercator is never used: at 40-50° latitude it
inflates lengths by 30-55 %.
"""

from __future__ import annotations

import math

import pyproj
from shapely import Point, Polygon

from roadnet.errors import ConfigError

WGS84 = pyproj.CRS.from_epsg(4326)
CGCS2000 = pyproj.CRS.from_epsg(4490)
WEB_MERCATOR_EPSG = (3857, 900913, 3785, 102100)

# A coarse outline of the People's Republic of China (mainland and Hainan; lon, lat),
# accurate to a few tens of kilometres: enough to tell a county inside China from one in
# Mongolia, Korea, Japan or Vietnam. Taiwan uses its own TWD97 datum and is left out.
_CHINA_OUTLINE = Polygon(
    [
        (73.5, 39.4),
        (75.0, 37.2),
        (77.8, 35.5),
        (78.9, 32.5),
        (78.8, 30.9),
        (81.1, 30.0),
        (85.0, 28.3),
        (88.0, 27.9),
        (89.2, 27.6),
        (91.7, 27.8),
        (94.5, 29.1),
        (96.3, 28.4),
        (97.5, 28.2),
        (98.7, 25.9),
        (97.7, 24.0),
        (99.5, 22.1),
        (101.7, 21.2),
        (102.2, 22.4),
        (104.0, 22.7),
        (105.9, 22.9),
        (106.7, 22.0),
        (108.0, 21.5),
        (110.0, 20.2),
        (108.6, 18.5),
        (109.6, 18.1),
        (111.1, 19.6),
        (110.6, 20.8),
        (113.0, 22.0),
        (117.0, 23.2),
        (119.5, 25.3),
        (120.8, 27.9),
        (122.0, 29.9),
        (121.9, 31.0),
        (120.9, 32.6),
        (119.2, 34.6),
        (120.3, 36.0),
        (122.6, 37.2),
        (121.0, 37.8),
        (118.9, 37.5),
        (118.0, 38.5),
        (118.9, 39.1),
        (121.1, 40.9),
        (121.6, 38.8),
        (123.0, 39.6),
        (124.4, 40.0),
        (126.0, 41.2),
        (128.1, 41.4),
        (129.7, 42.4),
        (130.6, 42.4),
        (131.3, 43.0),
        (131.2, 44.9),
        (133.1, 45.1),
        (134.7, 48.3),
        (132.5, 47.7),
        (130.9, 48.0),
        (127.5, 49.8),
        (125.8, 52.9),
        (123.3, 53.6),
        (120.9, 53.3),
        (119.8, 52.1),
        (117.8, 49.6),
        (116.7, 49.9),
        (115.5, 48.1),
        (116.0, 47.6),
        (118.5, 47.9),
        (119.8, 46.8),
        (116.6, 46.3),
        (113.6, 44.8),
        (111.9, 45.1),
        (111.0, 44.4),
        (111.9, 43.7),
        (110.4, 42.8),
        (107.3, 42.4),
        (105.0, 41.6),
        (100.8, 42.7),
        (96.4, 42.8),
        (95.4, 44.3),
        (93.5, 45.0),
        (90.9, 45.3),
        (91.0, 46.9),
        (90.3, 48.0),
        (88.0, 49.2),
        (87.3, 49.1),
        (85.5, 47.1),
        (82.3, 47.2),
        (80.2, 45.0),
        (80.8, 43.2),
        (76.9, 41.0),
        (73.5, 39.4),
    ]
)


def in_china(lon: float, lat: float) -> bool:
    """Tell whether a WGS-84 / CGCS2000 position lies inside mainland China (coarse outline)."""
    return bool(_CHINA_OUTLINE.contains(Point(lon, lat)))


_CHINA_NEAR = _CHINA_OUTLINE.buffer(1.0)


def near_china(lon: float, lat: float) -> bool:
    """Tell whether a position lies in mainland China or within about 1° (100 km) of it.

    The outline is coarse (tens of kilometres); a county on the border is "near" China.
    """
    return bool(_CHINA_NEAR.contains(Point(lon, lat)))


def gauss_kruger_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone (no zone prefix) for a longitude.

    Zone = round(lon / 3), central meridian = 3 x zone; EPSG:4534 is 75°E (zone 25),
    EPSG:4554 is 135°E (zone 45).
    """
    zone = round(lon / 3)
    if not 25 <= zone <= 45:
        raise ConfigError(
            f"longitude {lon:.3f} is outside the CGCS2000 3-degree zones 25-45 (73.5°E-136.5°E)"
        )
    return 4534 + zone - 25


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone holding a position (326xx north, 327xx south)."""
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def metric_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """The local metric CRS used for analysis of a county centred at (lon, lat).

    Parameters
    ----------
    lon, lat
        Centre of the county in degrees (WGS-84 or CGCS2000).

    Returns
    -------
    pyproj.CRS
        CGCS2000 3-degree Gauss-Krüger inside China, WGS 84 / UTM elsewhere.
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ConfigError(f"centre ({lon}, {lat}) is not a longitude/latitude pair")
    if in_china(lon, lat):
        return pyproj.CRS.from_epsg(gauss_kruger_epsg(lon))
    return pyproj.CRS.from_epsg(utm_epsg(lon, lat))


def parse_crs(value: object, *, what: str = "crs") -> pyproj.CRS:
    """Read a CRS given in a county.toml or on the command line (EPSG code, "EPSG:n", WKT...).

    Raises
    ------
    ConfigError
        When the value names no CRS pyproj knows.
    """
    try:
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            return pyproj.CRS.from_epsg(int(value))
        return pyproj.CRS.from_user_input(value)
    except (pyproj.exceptions.CRSError, TypeError) as exc:
        raise ConfigError(
            f"{what} = {value!r} is not a coordinate reference system; "
            "give an EPSG code such as 4490 (CGCS2000) or 4546 (CGCS2000 / GK CM 111E)"
        ) from exc


def check_metric(crs: pyproj.CRS, *, what: str = "analysis CRS") -> pyproj.CRS:
    """Refuse a CRS unfit for measuring: geographic, non-metre units or Web Mercator."""
    epsg = crs.to_epsg()
    if epsg in WEB_MERCATOR_EPSG or "Pseudo-Mercator" in (crs.name or ""):
        raise ConfigError(
            f"{what} is Web Mercator ({crs.name}), which inflates lengths and areas by 30-55 % "
            'at Chinese latitudes; use crs = "auto" or a CGCS2000 Gauss-Krüger / UTM code'
        )
    if not crs.is_projected:
        raise ConfigError(f"{what} {crs.name} is not projected; lengths need metres")
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise ConfigError(f"{what} {crs.name} measures in {unit!r}, not metres")
    return crs
