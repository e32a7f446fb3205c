"""The patrol ledger: terminal/GPX reading, idempotent imports, one transaction, GeoPackage."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from roadnet.chinacoords import from_wgs84
from roadnet.errors import LayerError, ReadError
from roadnet.patrol import store as store_module
from roadnet.patrol.ledger import import_files
from roadnet.patrol.store import read_events, read_points
from roadnet.patrol.terminal import county_timezone, read_track_file, resolve_inputs

LON0, LAT0 = 111.0, 41.0


def _fixes(n: int, *, start: str = "2023-06-01 08:00:00", step_s: int = 10) -> pd.DataFrame:
    times = pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * step_s, unit="s")
    return pd.DataFrame(
        {
            "车牌号": "蒙A·12345",
            "定位时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "经度": LON0 + np.arange(n) * 0.001,
            "纬度": LAT0 + np.arange(n) * 0.0005,
            "速度": "40",
        }
    )


def _csv(path: Path, frame: pd.DataFrame, *, encoding: str = "utf-8") -> Path:
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def _gpx(path: Path, n: int = 5, *, name: str | None = "巡查1", times: bool = True) -> Path:
    points = []
    for i in range(n):
        when = f"<time>2023-06-02T00:00:{i * 10:02d}Z</time>" if times else ""
        points.append(f'<trkpt lat="{LAT0 + i * 0.001}" lon="{LON0}">{when}</trkpt>')
    title = f"<name>{name}</name>" if name else ""
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk>{title}<trkseg>{''.join(points)}</trkseg></trk></gpx>",
        encoding="utf-8",
    )
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(ledger: Path, table: str) -> int:
    with sqlite3.connect(ledger) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# --------------------------------------------------------------------------- reading


def test_terminal_csv_with_chinese_headers(tmp_path):
    frame = _fixes(5)
    frame.loc[2, "速度"] = "35.5km/h"
    track = read_track_file(_csv(tmp_path / "t.csv", frame))
    assert track.rows == 5 and len(track.points) == 5
    assert track.points["vehicle"].unique().tolist() == ["蒙A·12345"]
    assert str(track.points["time"].dt.tz) == "UTC"
    assert track.points["time"].iloc[0] == pd.Timestamp("2023-06-01 00:00:00", tz="UTC")
    assert track.points["speed_kmh"].tolist() == [40.0, 40.0, 35.5, 40.0, 40.0]
    assert track.points["source_file"].unique().tolist() == ["t.csv"]


def test_gb18030_csv_and_english_headers_and_time_formats(tmp_path):
    frame = _fixes(4).rename(
        columns={"车牌号": "plate", "定位时间": "GPS时间", "经度": "lng", "纬度": "lat"}
    )
    frame = frame.rename(columns={"plate": "车牌"})
    frame["GPS时间"] = [
        "2023/6/1 8:00:00",
        "20230601080010",
        "2023-06-01T00:00:20Z",
        str(int(pd.Timestamp("2023-06-01 00:00:30", tz="UTC").timestamp())),
    ]
    track = read_track_file(_csv(tmp_path / "t.csv", frame, encoding="gb18030"))
    expected = pd.Timestamp("2023-06-01 00:00:00", tz="UTC") + pd.to_timedelta(
        [0, 10, 20, 30], unit="s"
    )
    assert track.points["time"].tolist() == list(expected)
    assert any("GB18030" in note for note in track.notes)


def test_excel_export(tmp_path):
    path = tmp_path / "t.xlsx"
    _fixes(3).to_excel(path, index=False)
    track = read_track_file(path)
    assert len(track.points) == 3


def test_rows_without_a_fix_are_rejected_and_counted(tmp_path):
    frame = _fixes(6).astype(str)
    frame.loc[1, "定位时间"] = ""
    frame.loc[2, "经度"] = ""
    frame.loc[3, ["经度", "纬度"]] = ["0", "0"]
    frame.loc[4, "纬度"] = "95.0"
    track = read_track_file(_csv(tmp_path / "t.csv", frame))
    assert track.rows == 6 and len(track.points) == 2
    assert track.rejected == {
        "missing_time": 1,
        "missing_position": 1,
        "invalid_fix": 1,
        "zero_fix": 1,
    }


def test_gpx_with_vehicle_option(tmp_path):
    path = _gpx(tmp_path / "a.gpx", name=None)
    assert read_track_file(path).points["vehicle"].unique().tolist() == ["a"]
    track = read_track_file(path, vehicle="蒙K·0001")
    assert track.points["vehicle"].unique().tolist() == ["蒙K·0001"]
    assert track.points["trip"].iloc[0] == "a#1-1"


def test_gcj02_option_moves_points_back_to_wgs84(tmp_path):
    frame = _fixes(5)
    truth_lon, truth_lat = frame["经度"].to_numpy(), frame["纬度"].to_numpy()
    gcj_lon, gcj_lat = from_wgs84(truth_lon, truth_lat, coords="GCJ-02")
    frame["经度"], frame["纬度"] = gcj_lon, gcj_lat
    path = _csv(tmp_path / "t.csv", frame)
    moved = read_track_file(path)
    assert np.abs(moved.points["lon"] - truth_lon).max() > 1e-3  # several hundred metres off
    track = read_track_file(path, coords="GCJ-02")
    error_m = np.hypot(
        (track.points["lon"] - truth_lon) * 111_320 * np.cos(np.radians(LAT0)),
        (track.points["lat"] - truth_lat) * 110_540,
    )
    assert error_m.max() < 1.0
    ledger = tmp_path / "l.gpkg"
    import_files(ledger, [path], coords="GCJ-02")
    stored = read_points(ledger)
    assert np.abs(stored["lon"].to_numpy() - truth_lon).max() < 1e-5


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda f: f.drop(columns="定位时间"), "time"),
        (lambda f: f.drop(columns="纬度"), "lat"),
        (lambda f: f.drop(columns="车牌号"), "vehicle"),
        (lambda f: f.assign(定位时间="next tuesday"), "定位时间"),
        (lambda f: f.assign(经度="east"), "经度"),
    ],
)
def test_broken_tables_name_file_and_field_and_write_nothing(tmp_path, mutate, field):
    path = _csv(tmp_path / "broken.csv", mutate(_fixes(3)))
    ledger = tmp_path / "l.gpkg"
    with pytest.raises(LayerError) as caught:
        import_files(ledger, [path])
    assert "broken.csv" in str(caught.value)
    assert caught.value.field == field
    assert not ledger.exists()


def test_not_a_csv(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with pytest.raises((ReadError, LayerError)) as caught:
        read_track_file(path)
    assert "photo.csv" in str(caught.value)
    with pytest.raises(ReadError, match="not a GPS track file"):
        read_track_file(tmp_path / "roads.shp")


def test_resolve_inputs_expands_globs(tmp_path):
    for name in ("a.gpx", "b.gpx", "c.csv"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = resolve_inputs(["*.gpx", "c.csv", "a.gpx"], root=tmp_path)
    assert [p.name for p in found] == ["a.gpx", "b.gpx", "c.csv"]
    with pytest.raises(ReadError, match="no file matches"):
        resolve_inputs(["*.xlsx"], root=tmp_path)
    with pytest.raises(ReadError, match="no such file"):
        resolve_inputs(["missing.csv"], root=tmp_path)


def test_county_timezone():
    assert county_timezone(None).utcoffset(None).total_seconds() == 8 * 3600
    assert county_timezone("+06:00").utcoffset(None).total_seconds() == 6 * 3600
    assert county_timezone("UTC+8").utcoffset(None).total_seconds() == 8 * 3600
    # a zone name is read as that zone: 8 h ahead of UTC in summer and winter (no DST)
    shanghai = county_timezone("Asia/Shanghai")
    for day in (dt.datetime(2023, 1, 15, 12), dt.datetime(2023, 7, 15, 12)):
        assert shanghai.utcoffset(day) == dt.timedelta(hours=8)
    assert county_timezone("Asia/Urumqi").utcoffset(dt.datetime(2023, 7, 15)) == dt.timedelta(
        hours=6
    )


# --------------------------------------------------------------------------- the ledger


def test_second_import_of_the_same_file_adds_nothing(tmp_path):
    frame = _fixes(10).astype(str)
    frame.loc[3, ["经度", "纬度"]] = ["0", "0"]
    path = _csv(tmp_path / "t.csv", frame)
    ledger = tmp_path / "patrol-ledger.gpkg"
    first = import_files(ledger, [path]).to_json()
    assert (first["points_read"], first["points_added"], first["points_rejected"]) == (10, 9, 1)
    assert first["points_duplicate"] == 0
    assert first["rejected_by_reason"]["zero_fix"] == 1
    before = read_points(ledger)
    second = import_files(ledger, [path]).to_json()
    assert second["points_added"] == 0
    assert second["points_duplicate"] == 9 and second["points_read"] == 10
    assert second["file_details"][0]["status"] == "already imported"
    pd.testing.assert_frame_equal(read_points(ledger), before)


def test_same_points_in_another_file_are_duplicates(tmp_path):
    ledger = tmp_path / "l.gpkg"
    import_files(ledger, [_csv(tmp_path / "a.csv", _fixes(10))])
    overlapping = _fixes(15)  # the first 10 are the same points, exported again
    overlapping["速度"] = "41"
    result = import_files(ledger, [_csv(tmp_path / "b.csv", overlapping)])
    assert (result.points_added, result.points_duplicate) == (5, 10)
    assert _count(ledger, "points") == 15
    assert _count(ledger, "files") == 2


def test_duplicate_rows_inside_one_file(tmp_path):
    frame = _fixes(5)
    result = import_files(
        tmp_path / "l.gpkg", [_csv(tmp_path / "t.csv", pd.concat([frame, frame]))]
    )
    assert (result.points_read, result.points_added, result.points_duplicate) == (10, 5, 5)


def test_interrupted_import_leaves_the_ledger_as_it_was(tmp_path, monkeypatch):
    ledger = tmp_path / "l.gpkg"
    import_files(ledger, [_csv(tmp_path / "a.csv", _fixes(10))])
    digest, points = _digest(ledger), read_points(ledger)
    calls = {"n": 0}
    original = store_module.insert_points

    def failing(conn: sqlite3.Connection, frame: pd.DataFrame) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C after the first file went in
        return original(conn, frame)

    monkeypatch.setattr(store_module, "insert_points", failing)
    more = [
        _csv(tmp_path / "b.csv", _fixes(10, start="2023-06-02 08:00:00")),
        _csv(tmp_path / "c.csv", _fixes(10, start="2023-06-03 08:00:00")),
    ]
    with pytest.raises(KeyboardInterrupt):
        import_files(ledger, more)
    assert calls["n"] == 2
    pd.testing.assert_frame_equal(read_points(ledger), points)
    assert _count(ledger, "files") == 1
    assert _digest(ledger) == digest


def test_interrupted_first_import_leaves_no_ledger(tmp_path, monkeypatch):
    def failing(conn: sqlite3.Connection, frame: pd.DataFrame) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_module, "insert_points", failing)
    ledger = tmp_path / "l.gpkg"
    with pytest.raises(RuntimeError):
        import_files(ledger, [_csv(tmp_path / "a.csv", _fixes(3))])
    assert not ledger.exists()
    assert list(tmp_path.glob("*.gpkg*")) == []


def test_locked_ledger_is_a_clear_error(tmp_path):
    ledger = tmp_path / "l.gpkg"
    import_files(ledger, [_csv(tmp_path / "a.csv", _fixes(3))])
    digest = _digest(ledger)
    other = sqlite3.connect(ledger, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ReadError, match="locked"):
            import_files(ledger, [_csv(tmp_path / "b.csv", _fixes(3, start="2023-07-01"))],
                         timeout_s=0.1)  # fmt: skip
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _digest(ledger) == digest


def test_corrupt_or_foreign_ledger_is_a_clear_error(tmp_path):
    corrupt = tmp_path / "corrupt.gpkg"
    corrupt.write_bytes(b"this is not a database" * 100)
    path = _csv(tmp_path / "a.csv", _fixes(3))
    with pytest.raises(ReadError, match="not a readable patrol ledger"):
        import_files(corrupt, [path])
    assert corrupt.read_bytes() == b"this is not a database" * 100
    foreign = tmp_path / "roads.gpkg"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE roads (id TEXT)")
    with pytest.raises(ReadError, match="not a roadnet patrol ledger"):
        import_files(foreign, [path])
    with pytest.raises(ReadError, match="no patrol ledger"):
        read_points(tmp_path / "missing.gpkg")


def test_ledger_is_a_geopackage_gdal_reads(tmp_path):
    ledger = tmp_path / "patrol-ledger.gpkg"
    events = pd.DataFrame(
        {"时间": ["2023-06-01 09:00"], "类型": ["打麦晒场"], "经度": [LON0], "纬度": [LAT0]}
    )
    import_files(
        ledger,
        [_csv(tmp_path / "a.csv", _fixes(4)), _gpx(tmp_path / "b.gpx")],
        events=[_csv(tmp_path / "e.csv", events)],
    )
    with sqlite3.connect(ledger) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    layers = {str(name) for name, _ in pyogrio.list_layers(ledger)}
    assert {"points", "events", "files"} <= layers
    points = pyogrio.read_dataframe(ledger, layer="points")
    assert len(points) == 9
    assert points.crs.to_epsg() == 4326
    np.testing.assert_allclose(points.geometry.x, points["lon"])
    np.testing.assert_allclose(points.geometry.y, points["lat"])
    info = pyogrio.read_info(ledger, layer="points")
    assert info["total_bounds"][0] == pytest.approx(LON0)


def test_events_are_auto_detected_and_imported_once(tmp_path):
    ledger = tmp_path / "l.gpkg"
    events = pd.DataFrame(
        {
            "时间": ["2023-06-01 09:00:00", "2023-06-03 10:00:00", "2023-07-01 10:00:00"],
            "类型": ["打麦晒场", "非法营运", "超限超载"],
            "经度": [LON0, LON0 + 0.01, LON0 + 0.02],
            "纬度": [LAT0, LAT0, LAT0],
            "车牌号": ["蒙A·12345", "", "蒙A·12345"],
            "数量": ["3", "", "1"],
        }
    )
    path = _csv(tmp_path / "events.csv", events)
    result = import_files(ledger, [path, _csv(tmp_path / "t.csv", _fixes(3))]).to_json()
    assert (result["events_read"], result["events_added"]) == (3, 3)
    assert result["points_added"] == 3
    stored = read_events(ledger)
    assert stored["kind"].tolist() == ["obstacle", "illegal_operation", "overload"]
    assert stored["count"].tolist() == [3, 1, 1]
    copy = _csv(tmp_path / "events-copy.csv", pd.concat([events, events.iloc[[0]]]))
    again = import_files(ledger, [], events=[copy]).to_json()
    assert again["events_added"] == 0 and again["events_duplicate"] == 4
    june = read_events(
        ledger,
        start=pd.Timestamp("2023-06-01", tz="UTC"),
        end=pd.Timestamp("2023-07-01", tz="UTC"),
    )
    assert len(june) == 2


def test_unknown_event_kind_is_an_error(tmp_path):
    events = pd.DataFrame(
        {"时间": ["2023-06-01 09:00"], "类型": ["飞碟"], "经度": [LON0], "纬度": [LAT0]}
    )
    with pytest.raises(LayerError) as caught:
        import_files(tmp_path / "l.gpkg", [], events=[_csv(tmp_path / "e.csv", events)])
    assert caught.value.field == "kind"
    assert not (tmp_path / "l.gpkg").exists()


def test_gpx_without_times_and_without_a_date_is_an_error(tmp_path):
    # issue 12 item 14: never a silent "0 points added"; tests/test_truth_patrol.py has more
    with pytest.raises(ReadError, match=r"no timestamps in .*a\.gpx: give --date"):
        import_files(tmp_path / "l.gpkg", [_gpx(tmp_path / "a.gpx", times=False)])
    assert not (tmp_path / "l.gpkg").exists()


def test_read_points_time_range(tmp_path):
    ledger = tmp_path / "l.gpkg"
    import_files(
        ledger,
        [
            _csv(tmp_path / "a.csv", _fixes(5, start="2023-06-30 23:59:20")),
        ],
    )
    june = read_points(ledger, end=pd.Timestamp("2023-06-30 16:00:00", tz="UTC"))
    assert len(june) == 4  # local 23:59:20 ... 23:59:50; 2023-07-01 00:00:00 is July
    times = read_points(ledger)["time"]
    assert str(times.dt.tz) == "UTC"  # local 2023-06-30 23:59:20 (UTC+8) is 15:59:20 UTC
    assert times.iloc[0] == pd.Timestamp("2023-06-30 15:59:20", tz="UTC")
