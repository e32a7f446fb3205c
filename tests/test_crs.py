import pyproj
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadnet.crs import check_metric, gauss_kruger_epsg, in_china, metric_crs_for, parse_crs
from roadnet.errors import ConfigError


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (111.0, 41.0, 4546),  # Inner Mongolia, the sample county: CM 111°E
        (106.0, 40.8, 4544),  # western Inner Mongolia (Bayannur)
        (122.0, 46.0, 4550),  # eastern Inner Mongolia (Hinggan)
        (107.87, 25.98, 4545),  # Sandu county, Guizhou: CM 108°E
        (9.0, 48.7, 32632),  # Böblingen, Germany: UTM 32N
        (1.55, 42.55, 32631),  # Andorra
        (-66.0, 8.0, 32620),  # Zamora, Venezuela
        (-121.3, 44.1, 32610),  # Oregon
        (106.9, 47.9, 32648),  # Ulaanbaatar, Mongolia: outside China, UTM
        (130.4, 33.6, 32652),  # Fukuoka, Japan
        (-70.0, -33.4, 32719),  # Santiago de Chile: southern hemisphere
    ],
)
def test_metric_crs_choice(lon, lat, epsg):
    crs = metric_crs_for(lon, lat)
    assert crs.to_epsg() == epsg
    assert crs.is_projected
    check_metric(crs)


def test_gauss_kruger_zones_match_central_meridian():
    for zone in range(25, 46):
        crs = pyproj.CRS.from_epsg(gauss_kruger_epsg(zone * 3.0))
        assert f"CM {zone * 3}E" in crs.name


def test_china_outline():
    for lon, lat in [(116.4, 39.9), (111.0, 41.0), (126.6, 45.8), (87.6, 43.8), (109.5, 18.3)]:
        assert in_china(lon, lat)
    for lon, lat in [(106.9, 47.9), (127.0, 37.5), (139.7, 35.7), (105.8, 21.0), (77.2, 28.6)]:
        assert not in_china(lon, lat)


def test_web_mercator_refused():
    with pytest.raises(ConfigError, match="Web Mercator"):
        check_metric(pyproj.CRS.from_epsg(3857))
    with pytest.raises(ConfigError, match="not projected"):
        check_metric(pyproj.CRS.from_epsg(4490))


def test_parse_crs():
    assert parse_crs(4546).to_epsg() == 4546
    assert parse_crs("4546").to_epsg() == 4546
    assert parse_crs("EPSG:4490").to_epsg() == 4490
    with pytest.raises(ConfigError, match="not a coordinate reference system"):
        parse_crs("EPSG:999999")


@given(st.floats(97.0, 126.0), st.floats(37.5, 45.0))
def test_gk_lengths_agree_with_geodesic(lon, lat):
    """A 10 km east-west line measured in the chosen zone agrees with pyproj.Geod to 0.1 %."""
    crs = metric_crs_for(lon, lat)
    geod = pyproj.Geod(ellps="GRS80")
    lon2, lat2, _ = geod.fwd(lon, lat, 90.0, 10_000.0)
    to_metric = pyproj.Transformer.from_crs(4490, crs, always_xy=True)
    x1, y1 = to_metric.transform(lon, lat)
    x2, y2 = to_metric.transform(lon2, lat2)
    planar = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    assert abs(planar - 10_000.0) / 10_000.0 < 1e-3
