"""Issue 12, patrol items: time-less GPX (14), concurrent imports (23), plates (24), rounding (16).

Every figure a planner reads from ``roadnet patrol import`` / ``report`` is right or says
what it rests on (``data_quality``); nothing is lost silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import roadnet
from roadnet.cli import main
from roadnet.county import load_county
from roadnet.errors import ReadError
from roadnet.formatting import format_km
from roadnet.io.lock import exclusive_lock
from roadnet.patrol import clean_tracks, compute_patrol, import_files, read_points
from roadnet.patrol.timefill import TimeFill
from roadnet.plates import find_date, find_plate, strip_date, vehicle_from_names
from roadnet.quality import DataQuality, QualityNote
from tests import countyfixture

LON0, LAT0 = 111.0, 41.0  # the tiny county's R1 runs east from (110.905, 41.0) to (111.095, 41.0)
IMPORT_KEYS = {"files", "points_read", "points_added", "points_duplicate", "points_rejected"}


def _gpx(
    path: Path,
    n: int = 8,
    *,
    name: str | None = None,
    times: bool = False,
    lon0: float = 110.95,
    step: float = 0.0013,
) -> Path:
    """A GPX track eastwards along the tiny county's R1, ~110 m (and 10 s) between points."""
    points = []
    for i in range(n):
        when = f"<time>2023-06-02T00:{i // 6:02d}:{i % 6 * 10:02d}Z</time>" if times else ""
        points.append(f'<trkpt lat="{LAT0}" lon="{lon0 + i * step:.7f}">{when}</trkpt>')
    title = f"<name>{name}</name>" if name else ""
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="handheld" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk>{title}<trkseg>{''.join(points)}</trkseg></trk></gpx>",
        encoding="utf-8",
    )
    return path


def _terminal_csv(
    path: Path, *, n: int = 40, start: str = "2023-06-01 08:00:00", plate: str = "蒙A·00001"
) -> Path:
    """A terminal export along R1 (every 10 s, ~109 m apart)."""
    times = pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * 10, unit="s")
    pd.DataFrame(
        {
            "车牌号": plate,
            "定位时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "经度": 110.95 + (np.arange(n) % 80) * 0.0013,
            "纬度": LAT0 + np.random.default_rng(n).normal(0, 0.00003, n),
            "速度": 40,
        }
    ).to_csv(path, index=False)
    return path


def _ledger_rows(ledger: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(ledger) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def county(tmp_path: Path) -> Path:
    return countyfixture.write_county(tmp_path)


# --------------------------------------------------------------------------- item 14


def test_timeless_gpx_without_a_date_is_exit_2_with_the_fix(county, capsys):
    track = _gpx(county.parent / "handheld.gpx", name="巡查车")
    assert main(["patrol", "import", str(county), str(track)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "no timestamps in" in err and "handheld.gpx" in err
    for fix in ("--date 2023-07-04", "date in the file name", "--start", "--interval"):
        assert fix in err
    assert not (county.parent / "patrol-ledger.gpkg").exists()


def test_timeless_gpx_with_date_option_counts_its_points_on_that_day(county, capsys):
    track = _gpx(county.parent / "handheld.gpx", n=8, name="蒙A·00001")
    out = county.parent / "import.json"
    args = ["patrol", "import", str(county), str(track), "--date", "2023-07-04"]
    assert main([*args, "--json", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) >= IMPORT_KEYS
    assert (document["points_read"], document["points_added"]) == (8, 8)
    note = document["data_quality"]["points_time_synthesised"]
    assert note["count"] == 8 and note["rule"] == "date" and note["ids"] == ["handheld.gpx"]
    printed = capsys.readouterr().out
    assert not printed.lstrip().startswith("{")  # the human summary, not raw JSON
    assert "新增 8 个" in printed and "注意：" in printed and "2023-07-04" in printed

    points = read_points(county.parent / "patrol-ledger.gpkg")
    assert set(points["time_source"]) == {"date"}
    local = points["time"].dt.tz_convert("Asia/Shanghai")
    assert set(local.dt.date) == {dt.date(2023, 7, 4)}
    assert points["time"].is_monotonic_increasing and points["time"].is_unique
    np.testing.assert_allclose(points["lon"], 110.95 + np.arange(8) * 0.0013)  # file order

    capsys.readouterr()
    report = county.parent / "report.json"
    assert main(["patrol", "report", str(county), "--json", str(report)]) == 0
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert summary["summary"]["trips"] == 1
    assert summary["by_month"][0]["month"] == "2023-07"
    # 7 steps of ~109 m along R1 (0.0013° at 41°N)
    assert 0.70 < summary["summary"]["matched_km"] < 0.82
    assert summary["data_quality"]["points_time_synthesised"]["count"] == 8
    assert "注意：8 个轨迹点记录时无时间" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("蒙AJ6017-2023-07-04.gpx", dt.date(2023, 7, 4)),
        ("track_20230704.gpx", dt.date(2023, 7, 4)),
        ("巡查2023年8月1日.gpx", dt.date(2023, 8, 1)),
    ],
)
def test_timeless_gpx_takes_the_date_in_its_file_name(tmp_path, name, day):
    ledger = tmp_path / "l.gpkg"
    result = import_files(ledger, [_gpx(tmp_path / name, n=5)])
    assert result.points_added == 5
    assert result.files[0].date_from == "file_name" and result.files[0].dates == (day.isoformat(),)
    local = read_points(ledger)["time"].dt.tz_convert("Asia/Shanghai")
    assert set(local.dt.date) == {day}


def test_timeless_gpx_takes_the_date_in_its_track_name(tmp_path):
    result = import_files(tmp_path / "l.gpkg", [_gpx(tmp_path / "a.gpx", name="巡查 2023-05-06")])
    assert result.points_added == 8 and result.files[0].date_from == "track_name"


def test_start_and_interval_give_the_times(tmp_path):
    ledger = tmp_path / "l.gpkg"
    fill = TimeFill(start=dt.datetime(2023, 7, 4, 8, 0), interval_s=5.0)
    files = [_gpx(tmp_path / "a.gpx", n=4), _gpx(tmp_path / "b.gpx", n=3, lon0=110.97)]
    result = import_files(ledger, files, vehicle="蒙A·00001", fill=fill)
    assert result.points_added == 7
    points = read_points(ledger)
    expected = pd.Timestamp("2023-07-04 00:00:00", tz="UTC") + pd.to_timedelta(
        np.arange(7) * 5, unit="s"
    )  # 08:00 local, the clock running on into the second file
    assert points["time"].tolist() == list(expected)
    assert set(points["time_source"]) == {"interval"}
    assert result.quality.get("points_time_synthesised").rule == "interval"


def test_start_without_interval_is_exit_2(county, capsys):
    track = _gpx(county.parent / "a.gpx")
    assert main(["patrol", "import", str(county), str(track), "--start", "2023-07-04T08:00"]) == 2
    assert "--interval" in capsys.readouterr().err


def test_two_timeless_tracks_of_one_vehicle_and_day_are_both_kept(tmp_path):
    # placeholder times never collide with each other nor with recorded points
    ledger = tmp_path / "l.gpkg"
    day = TimeFill(date=dt.date(2023, 6, 1))
    recorded = _terminal_csv(tmp_path / "t.csv", n=5, start="2023-06-01 00:00:00")
    import_files(ledger, [recorded])  # 00:00:00 … 00:00:40 local, the seconds a track would take
    first = _gpx(tmp_path / "a.gpx", n=6)
    second = _gpx(tmp_path / "b.gpx", n=6, lon0=110.96)
    result = import_files(ledger, [first, second], vehicle="蒙A·00001", fill=day)
    assert result.points_added == 12 and result.points_duplicate == 0
    assert len(read_points(ledger)) == 17
    # the same track in another file (re-saved: other bytes, same points) is a duplicate
    copy = tmp_path / "copy.gpx"
    copy.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = import_files(ledger, [copy], vehicle="蒙A·00001", fill=day)
    assert (again.points_added, again.points_duplicate) == (0, 6)


def test_points_without_recorded_times_get_no_speed_rule():
    # 1 s placeholder times 500 m apart would be 1,800 km/h: no point may be dropped for it
    n = 6
    frame = pd.DataFrame(
        {
            "vehicle": "蒙A·00001",
            "time": pd.Timestamp("2023-07-03 16:00:00", tz="UTC")
            + pd.to_timedelta(np.arange(n), unit="s"),
            "lon": LON0 + np.arange(n) * 0.006,
            "lat": LAT0,
            "trip": "a#1-1",
            "time_source": "date",
        }
    )
    cleaned = clean_tracks(frame, crs=4546)
    assert cleaned.dropped["speed_spike"] == 0
    assert len(cleaned.points) == n and len(cleaned.trips) == 1
    recorded = clean_tracks(frame.assign(time_source="recorded"), crs=4546)
    assert recorded.dropped["speed_spike"] > 0  # the same points with real times are spikes


@pytest.mark.realdata
def test_real_handheld_gpx_without_times(realdata, tmp_path, capsys):
    source = realdata / "andorra" / "graphhopper_andorra_for_map_matching.gpx"
    pbf = realdata / "andorra" / "graphhopper_andorra.osm.pbf"
    if not source.is_file() or not pbf.is_file():
        pytest.skip("Andorra extract or GPX missing")
    text = source.read_text(encoding="utf-8")
    track = tmp_path / "andorra.gpx"
    track.write_text(re.sub(r"\s*<time>[^<]*</time>", "", text), encoding="utf-8")
    assert "<trkpt" in text and "<time>" not in track.read_text(encoding="utf-8")
    toml = tmp_path / "county.toml"
    toml.write_text(f'name = "Andorra"\n[layers.roads]\npath = "{pbf.as_posix()}"\n', "utf-8")
    assert main(["patrol", "import", str(toml), str(track)]) == 2
    assert "no timestamps in" in capsys.readouterr().err
    out = tmp_path / "i.json"
    args = ["patrol", "import", str(toml), str(track), "--date", "2023-07-04", "--json", str(out)]
    assert main(args) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["points_added"] == 21
    report = tmp_path / "r.json"
    assert main(["patrol", "report", str(toml), "--json", str(report)]) == 0
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["summary"]["trips"] == 1 and document["summary"]["points"] == 21
    assert document["summary"]["matched_km"] > 0.5  # the 21 points span ~0.9 km of road
    assert document["data_quality"]["points_time_synthesised"]["count"] == 21


# --------------------------------------------------------------------------- item 23


def _import_process(ledger: Path, track: Path, cwd: Path) -> subprocess.Popen[str]:
    """``python -m roadnet patrol import`` of the roadnet these tests import, started now."""
    package_root = str(Path(roadnet.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "roadnet", "patrol", "import", "--ledger", str(ledger), str(track)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# Files big enough (~1 s to read) that two runs started together overlap whatever the jitter
# of Python's start-up; each run: a fresh pair of processes.
_RACE_ROWS = 40_000


@pytest.mark.slow
def test_two_imports_started_together_keep_both_files(tmp_path):
    a = _terminal_csv(tmp_path / "a.csv", n=_RACE_ROWS, plate="蒙A·00001")
    b = _terminal_csv(tmp_path / "b.csv", n=_RACE_ROWS // 2, plate="蒙A·00002")
    for repetition in range(3):
        ledger = tmp_path / f"run{repetition}" / "patrol-ledger.gpkg"  # does not exist yet
        ledger.parent.mkdir()
        runs = [_import_process(ledger, path, tmp_path) for path in (a, b)]
        outputs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        counts = dict(_ledger_rows(ledger, "SELECT vehicle, count(*) FROM points GROUP BY 1"))
        assert counts == {"蒙A·00001": _RACE_ROWS, "蒙A·00002": _RACE_ROWS // 2}
        assert len(_ledger_rows(ledger, "SELECT * FROM files")) == 2
        assert list(ledger.parent.glob(".*")) == []  # no lock or temporary file left


@pytest.mark.slow
@pytest.mark.parametrize("existing", [False, True])
def test_the_same_file_twice_at_once_is_a_duplicate_not_damage(tmp_path, existing):
    track = _terminal_csv(tmp_path / "a.csv", n=_RACE_ROWS)
    other = _terminal_csv(tmp_path / "other.csv", n=5, plate="蒙A·00009")
    for repetition in range(3):
        ledger = tmp_path / f"run{repetition}" / "patrol-ledger.gpkg"
        ledger.parent.mkdir()
        if existing:
            import_files(ledger, [other])
        runs = [_import_process(ledger, track, tmp_path) for _ in range(2)]
        outputs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        text = " ".join(out + err for out, err in outputs)
        assert "damaged" not in text and "UNIQUE" not in text
        n = f"{_RACE_ROWS:,}"
        assert f"新增 {n} 个" in text and f"台账中已有 {n} 个" in text  # one adds, one finds
        rows = _ledger_rows(ledger, "SELECT count(*) FROM points WHERE vehicle = '蒙A·00001'")
        assert rows == [(_RACE_ROWS,)]


def test_an_import_waits_for_one_holding_the_ledger(tmp_path):
    ledger = tmp_path / "l.gpkg"
    held = threading.Event()
    released: list[float] = []

    def hold() -> None:
        with exclusive_lock(ledger):
            held.set()
            time.sleep(1.5)
            released.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    result = import_files(ledger, [_terminal_csv(tmp_path / "a.csv", n=5)])
    finished = time.monotonic()
    holder.join()
    assert finished >= released[0]  # it waited for the other writer instead of racing it
    assert result.points_added == 5


def test_stale_temporary_files_are_removed_by_the_next_import(tmp_path):
    ledger = tmp_path / "patrol-ledger.gpkg"
    stale = tmp_path / ".patrol-ledger.k3j2x9_a.tmp.gpkg"
    stale.write_bytes(b"\0" * 4096)
    journal = tmp_path / ".patrol-ledger.k3j2x9_a.tmp.gpkg-journal"
    journal.write_bytes(b"\0" * 512)
    result = import_files(ledger, [_terminal_csv(tmp_path / "a.csv", n=5)])
    assert not stale.exists() and not journal.exists()
    assert any("removed 2 temporary file(s)" in line for line in result.housekeeping)
    assert result.to_json()["notes"] == list(result.housekeeping)


def test_temporary_files_of_a_running_import_are_left_alone(tmp_path):
    ledger = tmp_path / "patrol-ledger.gpkg"
    running = tmp_path / ".patrol-ledger.abc.tmp.gpkg"
    running.write_bytes(b"\0" * 10)
    with exclusive_lock(ledger):  # another import is writing
        with pytest.raises(ReadError, match="another import"):
            import_files(ledger, [_terminal_csv(tmp_path / "a.csv")], lock_timeout_s=0.2)
        assert running.exists()


# --------------------------------------------------------------------------- item 24


@pytest.mark.parametrize(
    ("track", "stem", "vehicle", "source"),
    [
        ("蒙A·J6017 2023-07-04", "x", "蒙A·J6017", "track_plate"),
        ("蒙AJ6017", "x", "蒙A·J6017", "track_plate"),
        ("蒙a j6017 20230704", "x", "蒙A·J6017", "track_plate"),
        ("粤B·D12345", "x", "粤B·D12345", "track_plate"),  # new energy, 6 characters
        ("京A1234学", "x", "京A·1234学", "track_plate"),
        ("蒙K-1234警", "x", "蒙K·1234警", "track_plate"),
        ("晋A5678挂", "x", "晋A·5678挂", "track_plate"),
        ("巡查 2023-07-04", "蒙AJ7465-2023-06-27", "蒙A·J7465", "file_plate"),
        ("巡查一队 2023-07-04", "track", "巡查一队", "track_name"),
        (None, "track_20230704", "track", "file_name"),
    ],
)
def test_vehicle_from_track_and_file_names(track, stem, vehicle, source):
    named = vehicle_from_names(track, stem)
    assert (named.vehicle, named.source) == (vehicle, source)


def test_plates_and_dates_are_told_apart():
    assert find_plate("蒙A_20230704") is None  # a date is not a plate
    assert find_plate("蒙AJ60171") == "蒙A·J60171"
    assert find_date("蒙AJ6017-2023-07-04") == dt.date(2023, 7, 4)
    assert find_date("蒙A·J6017") is None and find_date("2023-13-45") is None
    assert strip_date("track_20230704_0800") == "track 0800"


def test_gpx_and_terminal_of_one_vehicle_count_once(county):
    folder = county.parent
    ledger = folder / "l.gpkg"
    csv = _terminal_csv(folder / "t.csv", plate="蒙AJ6017")  # written without the dot
    gpx1 = _gpx(folder / "蒙AJ6017-2023-06-02.gpx", name="蒙A·J6017 2023-06-02", times=True)
    gpx2 = _gpx(folder / "x.gpx", name="蒙A J6017 2023-06-03", times=True, lon0=110.96)
    result = import_files(ledger, [csv, gpx1, gpx2])
    report = compute_patrol(load_county(county, layers=["roads", "townships"]), ledger=ledger)
    assert report.summary["vehicles"] == 1
    assert report.by_vehicle["vehicle"].tolist() == ["蒙A·J6017"]
    note = result.quality.get("vehicles_from_names")
    assert note is not None and note.ids == ("蒙A·J6017",) and note.rule == "plate"


def test_a_ledger_with_dated_vehicle_names_counts_plates(county):
    # a ledger imported before this fix holds "蒙A·00001 2023-06-02" beside "蒙A·00001"
    ledger = county.parent / "l.gpkg"
    import_files(ledger, [_terminal_csv(county.parent / "t.csv")])
    import_files(
        ledger, [_gpx(county.parent / "a.gpx", times=True)], vehicle="蒙A·00001 2023-06-02"
    )
    report = compute_patrol(load_county(county, layers=["roads", "townships"]), ledger=ledger)
    assert report.summary["vehicles"] == 1 and report.summary["trips"] == 2
    merged = report.to_json()["data_quality"]["vehicles_merged_by_plate"]
    assert merged["ids"] == ["蒙A·00001"] and merged["count"] == 2


@pytest.mark.slow
def test_the_sample_shows_its_vehicles_once(tmp_path):
    from roadnet.sample import write_sample

    layers = tmp_path / "layers"
    write_sample(layers, seed=0)
    truth = pd.read_csv(layers / "patrol" / "truth.csv", dtype=str)
    plates = set(truth["vehicle"])
    assert len(plates) == 3  # DESIGN's sample: three patrol vehicles
    assert len(list((layers / "patrol").glob("*.gpx"))) > 0
    ledger = tmp_path / "ledger.gpkg"
    toml = str(layers / "county.toml")
    assert main(["patrol", "import", toml, "--ledger", str(ledger)]) == 0
    out = tmp_path / "r.json"
    assert main(["patrol", "report", toml, "--ledger", str(ledger), "--json", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["summary"]["vehicles"] == len(plates)
    assert {row["vehicle"] for row in document["by_vehicle"]} == plates


# --------------------------------------------------------------------------- item 16 and notes


def test_a_total_under_one_km_is_printed_as_its_parts_are(county, capsys):
    track = _terminal_csv(county.parent / "t.csv", n=6)  # 5 steps of ~109 m along R1
    assert main(["patrol", "import", str(county), str(track)]) == 0
    capsys.readouterr()
    out = county.parent / "r.json"
    assert main(["patrol", "report", str(county), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    document = json.loads(out.read_text(encoding="utf-8"))
    km = document["summary"]["target_km"]
    assert 0.4 < km < 0.7
    assert f"总里程 {format_km(km)} 公里" in printed and "总里程 0 公里" not in printed
    county_row = next(line for line in printed.splitlines() if "县道" in line)
    assert format_km(document["by_class"][0]["km"]) in county_row
    assert main(["patrol", "report", str(county), "--lang", "en"]) == 0
    assert f"{format_km(km)} km patrolled" in capsys.readouterr().out


def test_report_quality_merges_the_county_notes(county):
    ledger = county.parent / "l.gpkg"
    frame = pd.read_csv(_terminal_csv(county.parent / "t.csv"))
    frame.loc[5, ["经度", "纬度"]] = [LON0 + 0.05, LAT0]  # 8 km in 10 s: a speed spike
    frame.to_csv(county.parent / "t.csv", index=False)
    import_files(ledger, [county.parent / "t.csv"])
    loaded = load_county(county, layers=["roads", "townships"])
    note = QualityNote("unknown_surface", text_zh="路面未知", text_en="surface unknown", km=1.0)
    loaded = dataclasses.replace(loaded, quality=DataQuality((note,)))
    report = compute_patrol(loaded, ledger=ledger)
    quality = report.to_json()["data_quality"]
    assert "unknown_surface" in quality
    dropped = quality["points_dropped_by_cleaning"]
    assert dropped["count"] >= 1 and "speed_spike" in dropped["ids"]


def test_import_quality_lists_rejected_rows(tmp_path):
    frame = pd.read_csv(_terminal_csv(tmp_path / "t.csv", n=6))
    frame.loc[2, ["经度", "纬度"]] = [0, 0]
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = import_files(tmp_path / "l.gpkg", [tmp_path / "t.csv"])
    rejected = result.to_json()["data_quality"]["points_rejected"]
    assert rejected["count"] == 1 and rejected["ids"] == ["zero_fix"]
    assert "(0, 0)" in rejected["message_zh"]


def test_a_ledger_from_before_time_source_is_read_and_upgraded(tmp_path):
    ledger = tmp_path / "l.gpkg"
    import_files(ledger, [_terminal_csv(tmp_path / "t.csv", n=5)])
    with sqlite3.connect(ledger) as conn:
        conn.execute("ALTER TABLE points DROP COLUMN time_source")  # as written before
    assert set(read_points(ledger)["time_source"]) == {"recorded"}
    result = import_files(
        ledger, [_gpx(tmp_path / "a.gpx", n=4)], fill=TimeFill(date=dt.date(2023, 7, 4))
    )
    assert result.points_added == 4
    assert read_points(ledger)["time_source"].tolist() == ["recorded"] * 5 + ["date"] * 4


@pytest.mark.slow
def test_a_killed_import_leaves_nothing_the_next_one_keeps(tmp_path):
    track = _terminal_csv(tmp_path / "a.csv", n=_RACE_ROWS * 2)
    ledger = tmp_path / "run" / "patrol-ledger.gpkg"
    ledger.parent.mkdir()
    run = _import_process(ledger, track, tmp_path)
    deadline = time.monotonic() + 120
    leftovers: list[Path] = []
    while not leftovers and run.poll() is None and time.monotonic() < deadline:
        leftovers = list(ledger.parent.glob(".patrol-ledger.*.tmp.gpkg"))
        time.sleep(0.005)
    if not leftovers:
        run.communicate()
        pytest.skip("the import finished before it could be killed while writing")
    run.kill()  # SIGKILL while it writes the new ledger: no clean-up code runs
    run.communicate()
    assert not ledger.exists() and any(p.exists() for p in leftovers)
    result = import_files(ledger, [_terminal_csv(tmp_path / "b.csv", n=5, plate="蒙A·00002")])
    assert result.points_added == 5 and len(result.housekeeping) == 1
    assert sorted(p.name for p in ledger.parent.iterdir()) == ["patrol-ledger.gpkg"]
