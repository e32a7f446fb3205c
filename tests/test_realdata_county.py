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


ANDORRA_CLASSES = """
[layers.parcels.classes]
field = ["landuse", "natural"]
[layers.parcels.classes.map]
forest = "0301"
wood = "0301"
grassland = "0401"
meadow = "0403"
heath = "0404"
farmland = "0103"
farm = "0103"
farmyard = "0702"
residential = "0701"
reservoir = "1103"
wetland = "1108"
quarry = "0602"
commercial = "05H1"
industrial = "0601"
cemetery = "09"
"""


def _validate_json(tmp_path, toml):
    out = tmp_path / "v.json"
    code = main(["validate", str(toml), "--json", str(out)])
    import json

    return code, json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("suffix", ["osm.pbf", "osm.bz2"])
def test_andorra_through_validate(tmp_path, realdata, suffix):
    folder = realdata / "andorra"
    toml = _toml(
        tmp_path,
        f'name = "Andorra"\n'
        f'[layers.roads]\npath = "{folder}/graphhopper_andorra.{suffix}"\n'
        f'[layers.villages]\npath = "{folder}/graphhopper_andorra.{suffix}"\n'
        f'[layers.tracks]\npath = "{folder}/graphhopper_andorra_for_map_matching.gpx"\n'
        f'[layers.parcels]\npath = "{folder}/derived_osm_andorra_landuse.geojson"\n'
        + ANDORRA_CLASSES,
    )
    code, report = _validate_json(tmp_path, toml)
    # opm:piste and reservoir:bottom have no mapping: a warning, not an error
    assert code == 0, report["problems"]
    assert report["crs"] == "EPSG:32631"
    assert report["layers"] == {"roads": 1331, "villages": 59, "tracks": 21, "parcels": 120}
    assert any("opm:piste" in p["message"] for p in report["problems"])


def test_boeblingen_through_validate(tmp_path, realdata):
    folder = realdata / "boeblingen"
    extracts = ", ".join(
        f'"{folder}/otp_{n}-minimal.osm.pbf"' for n in ("deufringen", "ehningen", "boeblingen")
    )
    toml = _toml(
        tmp_path,
        f"[layers.roads]\npath = [{extracts}]\n"
        f'[layers.bus_lines]\ngtfs = "{folder}/otp_vvs-bus-751-only.gtfs.zip"\n',
    )
    code, report = _validate_json(tmp_path, toml)
    assert code == 0, report["problems"]
    assert report["crs"] == "EPSG:32632"
    assert report["layers"] == {"roads": 443, "bus_stops": 47, "bus_lines": 1}
    deufringen = _toml(
        tmp_path, f'[layers.roads]\npath = "{folder}/otp_deufringen-minimal.osm.bz2"\n'
    )
    assert _validate_json(tmp_path, deufringen)[1]["layers"] == {"roads": 123}


def test_oregon_gtfs_through_validate(tmp_path, realdata):
    feed = realdata / "oregon" / "peartree_highdesertpointorus-2018-03-20.zip"
    toml = _toml(tmp_path, f'[layers.bus_lines]\ngtfs = "{feed}"\n')
    code, report = _validate_json(tmp_path, toml)
    assert code == 0, report["problems"]
    assert report["crs"] == "EPSG:32610"
    assert report["layers"]["bus_stops"] == 14


def test_zamora_and_sandu_through_validate(tmp_path, realdata):
    toml = _toml(
        tmp_path,
        f'[layers.parcels]\npath = "{realdata}/zamora/lulc_2003.shp"\n' + ZAMORA_CLASSES,
    )
    code, report = _validate_json(tmp_path, toml)
    assert (code, report["crs"], report["layers"]) == (0, "EPSG:32619", {"parcels": 94})
    sandu = _toml(
        tmp_path,
        f'[layers.boundary]\npath = "{realdata}/china/datav_522732_sandu_county.json"\n'
        'coords = "GCJ-02"\n',
    )
    code, report = _validate_json(tmp_path, sandu)
    assert (code, report["crs"], report["layers"]) == (0, "EPSG:4545", {"boundary": 1})


def test_corrupted_real_files_exit_2(tmp_path, realdata):
    pbf = realdata / "andorra" / "graphhopper_andorra.osm.pbf"
    (tmp_path / "cut.osm.pbf").write_bytes(pbf.read_bytes()[:4000])
    toml = _toml(tmp_path, '[layers.roads]\npath = "cut.osm.pbf"\n')
    assert main(["validate", str(toml)]) == 2
    feed = realdata / "boeblingen" / "otp_vvs-bus-764-only.gtfs.zip"
    (tmp_path / "cut.zip").write_bytes(feed.read_bytes()[:3000])
    toml = _toml(tmp_path, '[layers.bus_lines]\ngtfs = "cut.zip"\n')
    assert main(["validate", str(toml)]) == 2
