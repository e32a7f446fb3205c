"""Every file of ../shared/realdata loads through a county.toml with the right counts and CRS."""

from __future__ import annotations

import pyproj
import pytest

from roadnet.cli import main
from roadnet.county import load_county

pytestmark = pytest.mark.realdata

ZAMORA_CLASSES = """
[layers.parcels.classes]
field = "CLASS_NAME"
[layers.parcels.classes.map]
"Forests" = "0301"
"Scrub and/or herbaceous vegetation associations" = "0305"
"Open spaces with little or no vegetation" = "1206"
"Heterogeneous agricultural areas" = "0103"
"Urban fabric" = "0701"
"Industrial and commercial units" = "0601"
"Mine and dump sites" = "0602"
"Inland waters" = "1101"
"""


def _toml(tmp_path, text):
    path = tmp_path / "county.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_zamora_utm_parcels_keep_their_areas(tmp_path, realdata):
    toml = _toml(
        tmp_path,
        f'name = "Zamora"\n[layers.parcels]\npath = "{realdata}/zamora/lulc_2003.shp"\n'
        + ZAMORA_CLASSES,
    )
    county = load_county(toml)
    assert county.crs.to_epsg() == 32619  # the file's own UTM zone, chosen from its centre
    parcels = county.layer("parcels")
    assert len(parcels) == 94
    assert parcels["DLBM"].notna().all()
    assert (parcels["DLBM"] == "0301").sum() == 16
    # areas in the metric CRS agree with the survey's SUP_HA and with the ellipsoid
    ratio = (parcels.geometry.area / 1e4) / parcels["SUP_HA"].astype(float)
    assert ratio.between(0.99, 1.01).all()
    geod = pyproj.Geod(ellps="WGS84")
    lonlat = parcels.to_crs(4326)
    for geom, planar in zip(lonlat.geometry[:10], parcels.geometry.area[:10], strict=True):
        ellipsoidal = abs(geod.geometry_area_perimeter(geom)[0])
        assert planar == pytest.approx(ellipsoidal, rel=1e-3)


def test_zamora_without_mapping_names_the_field(tmp_path, realdata):
    toml = _toml(tmp_path, f'[layers.parcels]\npath = "{realdata}/zamora/lulc_2003.shp"\n')
    assert main(["validate", str(toml)]) == 1


def test_sandu_boundary_gcj02(tmp_path, realdata):
    src = realdata / "china" / "datav_522732_sandu_county.json"
    plain = load_county(
        _toml(tmp_path, f'[layers.boundary]\npath = "{src}"\nfields = {{ id = "adcode" }}\n')
    )
    assert plain.crs.to_epsg() == 4545  # CGCS2000 GK CM 108°E (Guizhou)
    boundary = plain.layer("boundary")
    assert len(boundary) == 1
    assert boundary.at[0, "name"] == "三都水族自治县"
    assert str(boundary.at[0, "id"]) == "522732"
    area_km2 = boundary.geometry.area.iloc[0] / 1e6
    assert 2300 < area_km2 < 2500  # Sandu: 2,380 km² (official figure)
    shifted = load_county(
        _toml(tmp_path, f'[layers.boundary]\npath = "{src}"\ncoords = "GCJ-02"\n')
    ).layer("boundary")
    dx = boundary.geometry.centroid.iloc[0].distance(shifted.geometry.centroid.iloc[0])
    assert 200 < dx < 700  # the GCJ-02 offset in Guizhou is a few hundred metres
