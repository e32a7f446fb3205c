"""Reading GPS points from GPX files (roadnet.io.gpx)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from roadnet.errors import ReadError
from roadnet.io.gpx import read_gpx

COLUMNS = ["vehicle", "trip", "time", "speed_kmh", "ele", "source_file", "track_name", "geometry"]


@pytest.fixture
def patrol(datadir: Path) -> Path:
    return datadir / "gpx_patrol.gpx"


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_fixture_answers(patrol: Path) -> None:
    points = read_gpx(patrol)
    assert isinstance(points, gpd.GeoDataFrame)
    assert list(points.columns) == COLUMNS
    assert points.crs.to_epsg() == 4326
    assert str(points["time"].dtype) == "datetime64[ns, UTC]"
    # the plate of the track name, written 省A·XXXXX; an unnamed track takes the file name
    assert list(points["vehicle"]) == ["蒙K·12345"] * 3 + ["gpx_patrol"] * 2
    assert list(points["track_name"]) == ["蒙K-12345"] * 3 + [""] * 2
    assert list(points["trip"]) == [
        "gpx_patrol#1-1",
        "gpx_patrol#1-1",
        "gpx_patrol#1-2",
        "gpx_patrol#2-1",
        "gpx_patrol#2-1",
    ]
    assert list(points["time"][:3]) == [
        pd.Timestamp("2024-03-01T00:00:05Z"),
        pd.Timestamp("2024-03-01T00:00:35Z"),  # written as 08:00:35+08:00
        pd.Timestamp("2024-03-01T00:10:00Z"),
    ]
    assert points["time"][3:].isna().all()
    # <speed> written into a GPX 1.1 point (10 m/s), a Garmin extension's speed (5.5 m/s), none
    assert points["speed_kmh"][:2].tolist() == pytest.approx([36.0, 19.8])
    assert points["speed_kmh"][2:].isna().all()
    assert points["ele"].tolist()[:2] == [812.5, 813.0]
    assert math.isnan(points["ele"][2])
    assert points["ele"][4] == -3.5
    assert set(points["source_file"]) == {"gpx_patrol.gpx"}
    assert points.geometry[1].equals(Point(107.801, 26.001))


def test_vehicle_argument_wins(patrol: Path) -> None:
    points = read_gpx(patrol, vehicle="巡查1号")
    assert set(points["vehicle"]) == {"巡查1号"}
    assert read_gpx(str(patrol), vehicle="巡查1号")["trip"].nunique() == 3


def test_gpx_10_speed(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "old.gpx",
        """<?xml version="1.0"?>
<gpx version="1.0" creator="t" xmlns="http://www.topografix.com/GPX/1/0">
  <trk><name> </name><trkseg>
    <trkpt lat="41.0" lon="111.0"><time>2023-06-01T00:00:05</time><speed>2.5</speed></trkpt>
  </trkseg></trk>
</gpx>""",
    )
    points = read_gpx(path)
    assert points["speed_kmh"].tolist() == [9.0]
    assert points["vehicle"].tolist() == ["old"]  # a blank track name falls back to the file
    # a time without a zone is UTC, as the GPX schema says
    assert points["time"].tolist() == [pd.Timestamp("2023-06-01T00:00:05Z")]


def test_route_points_when_there_is_no_track(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "plan.gpx",
        """<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
  <rte><name>计划路线</name>
    <rtept lat="41.0" lon="111.0"/><rtept lat="41.1" lon="111.1"/><rtept lat="41.2" lon="111.2"/>
  </rte>
</gpx>""",
    )
    points = read_gpx(path)
    assert len(points) == 3
    assert set(points["trip"]) == {"plan#1-1"}
    assert set(points["vehicle"]) == {"计划路线"}
    assert points["time"].isna().all()
    assert points["speed_kmh"].isna().all()


def test_declared_encoding_is_honoured(tmp_path: Path) -> None:
    text = """<?xml version="1.0" encoding="GB18030"?>
<gpx version="1.1" creator="t"><trk><name>执法车</name><trkseg>
<trkpt lat="41.0" lon="111.0"/></trkseg></trk></gpx>"""
    path = tmp_path / "gbk.gpx"
    path.write_bytes(text.encode("gb18030"))
    assert read_gpx(path)["vehicle"].tolist() == ["执法车"]


def test_input_is_not_touched(patrol: Path) -> None:
    before = patrol.read_bytes()
    read_gpx(patrol)
    assert patrol.read_bytes() == before


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"nowhere\.gpx: no such file"):
        read_gpx(tmp_path / "nowhere.gpx")


def test_not_xml(tmp_path: Path) -> None:
    path = _write(tmp_path, "track.gpx", "time,lon,lat\n2023-06-01 08:00:00,111.0,41.0\n")
    with pytest.raises(ReadError, match=r"track\.gpx: not an XML file"):
        read_gpx(path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "track.gpx"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ReadError, match=r"track\.gpx: not an XML file"):
        read_gpx(path)


def test_xml_but_not_gpx(tmp_path: Path) -> None:
    path = _write(tmp_path, "track.gpx", '<kml xmlns="http://www.opengis.net/kml/2.2"></kml>')
    with pytest.raises(ReadError, match=r"track\.gpx: an XML file whose root element is <kml>"):
        read_gpx(path)


def test_malformed_gpx(patrol: Path, tmp_path: Path) -> None:
    text = patrol.read_text(encoding="utf-8")
    path = _write(tmp_path, "cut.gpx", text[: text.index("<trkseg>", 800)])
    with pytest.raises(ReadError, match=r"cut\.gpx: not a readable GPX file"):
        read_gpx(path)


def test_bad_coordinate(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.gpx",
        '<gpx version="1.1"><trk><trkseg><trkpt lat="41°N" lon="111"/></trkseg></trk></gpx>',
    )
    with pytest.raises(ReadError, match=r"bad\.gpx: not a readable GPX file"):
        read_gpx(path)


def test_no_points(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "waypoints.gpx",
        '<gpx version="1.1"><wpt lat="41" lon="111"/><trk><trkseg/></trk></gpx>',
    )
    with pytest.raises(
        ReadError, match=r"waypoints\.gpx: the GPX file holds no track or route point \(only 1"
    ):
        read_gpx(path)


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.gpx", "")
    with pytest.raises(ReadError, match=r"empty\.gpx"):
        read_gpx(path)


# --------------------------------------------------------------------------- real track


@pytest.mark.realdata
def test_real_andorra_track(realdata: Path) -> None:
    path = realdata / "andorra/graphhopper_andorra_for_map_matching.gpx"
    points = read_gpx(path)
    assert len(points) == 21
    assert points["time"].isna().all()  # the file has no timestamps
    assert str(points["time"].dtype) == "datetime64[ns, UTC]"
    assert set(points["vehicle"]) == {"new"}  # the track's <name>
    assert set(points["trip"]) == {"graphhopper_andorra_for_map_matching#1-1"}
    assert points["speed_kmh"].isna().all()
    assert points["ele"].notna().all()
    assert points.geometry.iloc[0].equals(Point(1.532909, 42.623636))
    assert points.total_bounds.tolist() == [1.532909, 42.621349, 1.540148, 42.623636]
