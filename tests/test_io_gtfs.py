"""Reading bus stops and bus lines from GTFS feeds (roadnet.io.gtfs)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point

from roadnet.errors import LayerError, ReadError
from roadnet.io.gtfs import read_gtfs

STOP_COLUMNS = ["id", "name", "geometry"]
LINE_COLUMNS = [
    "id",
    "name",
    "long_name",
    "agency",
    "stops",
    "trips_per_day",
    "first_departure_min",
    "last_departure_min",
    "span_min",
    "headway_min",
    "trip_times",
    "directions",
    "geometry_source",
    "geometry",
]

# A tiny county feed. R1 runs A-B-C (three trips), C-B-A (one) and a late A-B-D variant past
# midnight; R2 runs A-D and back along shapes; R3 has no trip. ST is a station (dropped), E a
# stop no trip calls at (kept).
FEED = {
    "agency.txt": """agency_id,agency_name,agency_url,agency_timezone
AG,县公交公司,http://example.invalid,Asia/Shanghai
""",
    "stops.txt": """stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,extra_col
ST,County Bus Station,26.000,107.800,1,,x
A,县城汽车站,26.000,107.800,0,ST,
B,李家村,26.010,107.810,,,
C,"Wang, Jiaying",26.020,107.820,0,,
D,Far Stop,26.030,107.830,0,,
E,Unused Stop,26.040,107.840,,,
""",
    "routes.txt": """route_id,agency_id,route_short_name,route_long_name,route_type
R1,AG,1路,县城—王家营,3
R2,AG,,县城—远站,3
R3,AG,3路,no trips,3
""",
    "trips.txt": """route_id,service_id,trip_id,trip_headsign,direction_id,shape_id
R1,WK,T1,王家营,0,
R1,WK,T2,王家营,0,
R1,WK,T3,县城,1,
R1,SAT,T4,王家营,0,
R1,WK,T5,远站,0,
R2,WK,T6,远站,0,SH1
R2,WK,T7,县城,1,SH2
""",
    "stop_times.txt": """trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type
T1,06:00:00,06:00:00,A,1,
T1,06:10:00,06:10:00,B,2,
T1,06:20:00,06:20:00,C,3,
T2,08:00:00,08:00:00,A,5,
T2,,,B,7,
T2,08:20:00,08:20:00,C,9,1
T3,09:20:00,09:20:00,A,3,
T3,09:10:00,09:10:00,B,2,
T3,09:00:00,09:00:00,C,1,
T4,10:00:00,10:00:00,A,1,
T4,10:10:00,10:10:00,B,2,
T4,10:20:00,10:20:00,C,3,
T5,25:10:00,25:10:00,A,1,
T5,25:20:00,25:20:00,B,2,
T5,25:30:00,25:30:00,D,3,
T6,7:00:00,7:00:00,A,1,
T6,07:30:00,07:30:00,D,2,
T7,08:00:00,08:00:00,D,1,
T7,08:30:00,08:30:00,A,2,
""",
    "calendar.txt": """service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,\
start_date,end_date
WK,1,1,1,1,1,0,0,20240101,20240131
SAT,0,0,0,0,0,1,0,20240101,20240131
""",
    "calendar_dates.txt": """service_id,date,exception_type
WK,20240101,2
""",
    "shapes.txt": """shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
SH1,26.000,107.800,1
SH1,26.030,107.830,2
SH2,26.030,107.850,20
SH2,26.030,107.830,10
SH2,26.000,107.850,30
SH2,26.000,107.800,40
""",
}

R1 = {
    "name": "1路",
    "long_name": "县城—王家营",
    "agency": "县公交公司",
    "stops": ["A", "B", "C", "D"],
    "trips_per_day": 4,  # weekdays: T1, T2, T3, T5
    "first_departure_min": 360.0,
    "last_departure_min": 1510.0,  # 25:10:00
    "span_min": 1150.0,
    "headway_min": 575.0,  # direction 0: 06:00, 08:00, 25:10 -> gaps 120 and 1030
    # each weekday trip from its first to its last time (T2's middle stop has no time)
    "trip_times": [(360.0, 380.0), (480.0, 500.0), (540.0, 560.0), (1510.0, 1530.0)],
    "directions": 2,
    "geometry_source": "stops",
}
R2 = {
    "name": "县城—远站",
    "long_name": "县城—远站",
    "agency": "县公交公司",
    "stops": ["A", "D"],
    "trips_per_day": 2,
    "first_departure_min": 420.0,
    "last_departure_min": 480.0,
    "span_min": 60.0,
    "headway_min": math.nan,  # one trip in each direction
    "trip_times": [(420.0, 450.0), (480.0, 510.0)],
    "directions": 2,
    "geometry_source": "shapes",
}


def _write_folder(folder: Path, files: dict[str, str], *, bom: bool = False, crlf: bool = False):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if crlf:
            text = text.replace("\n", "\r\n")
        (folder / name).write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return folder


def _feed(tmp_path: Path, **changes: str | None) -> Path:
    files = {name.replace("_txt", ".txt"): text for name, text in changes.items()}
    merged = {**FEED, **files}
    return _write_folder(tmp_path / "feed", {k: v for k, v in merged.items() if v is not None})


def _check_line(line: pd.Series, expected: dict[str, object]) -> None:
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(line[key]), key
        else:
            assert line[key] == value, (key, line[key], value)


def _assert_every_called_stop_listed(feed_files: dict[str, str], lines: gpd.GeoDataFrame) -> None:
    trips = {r["trip_id"]: r["route_id"] for r in csv.DictReader(io.StringIO(feed_files["trips"]))}
    listed = dict(zip(lines["id"], lines["stops"], strict=True))
    for row in csv.DictReader(io.StringIO(feed_files["stop_times"])):
        assert row["stop_id"] in listed[trips[row["trip_id"]]], row


# --------------------------------------------------------------------------- known answers


def test_fixture_answers(tmp_path: Path) -> None:
    stops, lines = read_gtfs(_feed(tmp_path))
    assert isinstance(stops, gpd.GeoDataFrame)
    assert list(stops.columns) == STOP_COLUMNS
    assert list(lines.columns) == LINE_COLUMNS
    assert stops.crs.to_epsg() == 4326
    assert lines.crs.to_epsg() == 4326
    assert list(stops["id"]) == ["A", "B", "C", "D", "E"]  # the station ST is dropped
    assert list(stops["name"]) == [
        "县城汽车站",
        "李家村",
        "Wang, Jiaying",
        "Far Stop",
        "Unused Stop",
    ]
    assert stops.geometry.iloc[2].equals(Point(107.82, 26.02))
    assert list(lines["id"]) == ["R1", "R2"]  # R3 has no trip
    assert lines.attrs["routes_without_trips"] == ["R3"]
    assert lines["trips_per_day"].dtype == "int64"
    by_id = lines.set_index("id")
    _check_line(by_id.loc["R1"], R1)
    _check_line(by_id.loc["R2"], R2)
    assert by_id.loc["R1", "geometry"].equals(
        LineString([(107.80, 26.00), (107.81, 26.01), (107.82, 26.02)])
    )
    # the longer of R2's two shapes, its points in shape_pt_sequence order
    assert by_id.loc["R2", "geometry"].equals(
        LineString([(107.83, 26.03), (107.85, 26.03), (107.85, 26.00), (107.80, 26.00)])
    )


def test_every_called_stop_is_in_its_line(tmp_path: Path) -> None:
    _, lines = read_gtfs(_feed(tmp_path))
    _assert_every_called_stop_listed(
        {"trips": FEED["trips.txt"], "stop_times": FEED["stop_times.txt"]}, lines
    )


def test_bom_and_crlf_give_the_same_result(tmp_path: Path) -> None:
    plain = read_gtfs(_feed(tmp_path))
    crooked = read_gtfs(_write_folder(tmp_path / "crlf", FEED, bom=True, crlf=True))
    assert_geodataframe_equal(crooked[0], plain[0])
    assert_geodataframe_equal(crooked[1], plain[1])


def test_zip_with_nested_folder_and_macos_debris(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gtfs_county/", "")
        for name, text in FEED.items():
            archive.writestr(f"gtfs_county/{name}", ("\ufeff" + text).replace("\n", "\r\n"))
        archive.writestr("__MACOSX/gtfs_county/._stops.txt", b"\x00\x05\x16\x07junk")
        archive.writestr("__MACOSX/gtfs_county/stops.txt", b"\x00\x05\x16\x07junk")
        archive.writestr("gtfs_county/._trips.txt", b"\x00\x05\x16\x07junk")
        archive.writestr("gtfs_county/.DS_Store", b"\x00\x00\x00\x01Bud1")
    stops, lines = read_gtfs(path)
    plain = read_gtfs(_feed(tmp_path))
    assert_geodataframe_equal(stops, plain[0])
    assert_geodataframe_equal(lines, plain[1])
    assert read_gtfs(str(path))[1]["id"].tolist() == ["R1", "R2"]


def test_feed_in_one_sub_folder_of_a_folder(tmp_path: Path) -> None:
    _write_folder(tmp_path / "download" / "gtfs", FEED)
    _, lines = read_gtfs(tmp_path / "download")
    _check_line(lines.set_index("id").loc["R1"], R1)


def test_calendar_dates_only(tmp_path: Path) -> None:
    dates = """service_id,date,exception_type
WK,20240102,1
WK,20240103,1
SAT,20240106,1
"""
    _, lines = read_gtfs(_feed(tmp_path, calendar_txt=None, calendar_dates_txt=dates))
    by_id = lines.set_index("id")
    _check_line(by_id.loc["R1"], R1)
    _check_line(by_id.loc["R2"], R2)


def test_without_any_calendar_every_trip_runs_and_it_is_said(tmp_path: Path) -> None:
    """Issue 12 item 1: without calendar.txt and calendar_dates.txt nothing says which trips
    share a day, so every trip counts (weekday and Saturday trips alike) and a note says so."""
    _, lines = read_gtfs(_feed(tmp_path, calendar_txt=None, calendar_dates_txt=None))
    _check_line(lines.set_index("id").loc["R1"], {"trips_per_day": 5, "span_min": 1150.0})
    note = lines.attrs["quality"].get("gtfs_calendar_missing")
    assert note is not None and note.rule == "all_trips_run" and note.count == 2
    assert "calendar.txt" in note.text_en and "同一天" in note.text_zh
    # with a calendar there is no such note
    _, lines = read_gtfs(_feed(tmp_path / "with"))
    assert "gtfs_calendar_missing" not in lines.attrs["quality"]


def test_busiest_day_follows_the_calendar(tmp_path: Path) -> None:
    # Saturday's one trip repeats every 20 minutes from 10:00 to 11:40: six departures.
    frequencies = "trip_id,start_time,end_time,headway_secs\nT4,10:00:00,11:50:00,1200\n"
    _, lines = read_gtfs(_feed(tmp_path, frequencies_txt=frequencies))
    _check_line(
        lines.set_index("id").loc["R1"],
        {
            "trips_per_day": 6,
            "first_departure_min": 600.0,
            "last_departure_min": 700.0,
            "span_min": 100.0,
            "headway_min": 20.0,
        },
    )


def test_service_missing_from_the_calendar_never_runs(tmp_path: Path) -> None:
    calendar = """service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,\
start_date,end_date
SAT,0,0,0,0,0,1,0,20240101,20240131
"""
    _, lines = read_gtfs(_feed(tmp_path, calendar_txt=calendar, calendar_dates_txt=None))
    by_id = lines.set_index("id")
    _check_line(by_id.loc["R1"], {"trips_per_day": 1, "first_departure_min": 600.0})
    assert by_id.loc["R2", "trips_per_day"] == 0
    assert math.isnan(by_id.loc["R2", "first_departure_min"])
    assert by_id.loc["R2", "stops"] == ["A", "D"]


def test_station_called_by_a_trip_is_kept(tmp_path: Path) -> None:
    times = FEED["stop_times.txt"].replace(
        "T7,08:30:00,08:30:00,A,2,", "T7,08:30:00,08:30:00,ST,2,"
    )
    stops, lines = read_gtfs(_feed(tmp_path, stop_times_txt=times))
    assert "ST" in set(stops["id"])
    assert lines.set_index("id").loc["R2", "stops"] == ["A", "D", "ST"]


def test_without_optional_columns(tmp_path: Path) -> None:
    stops_txt = "stop_id,stop_lat,stop_lon\nA,26.0,107.8\nB,26.01,107.81\n"
    routes_txt = "route_id,route_type\nR1,3\n"
    trips_txt = "route_id,service_id,trip_id\nR1,S,T1\nR1,S,T2\nR1,S,T3\n"
    times_txt = (
        "trip_id,stop_id,stop_sequence,departure_time\n"
        "T1,A,1,06:00:00\nT1,B,2,06:30:00\nT2,A,1,07:00:00\nT2,B,2,\nT3,B,1,08:00:00\n"
        "T3,A,2,08:30:00\n"
    )
    folder = _write_folder(
        tmp_path / "bare",
        {
            "stops.txt": stops_txt,
            "routes.txt": routes_txt,
            "trips.txt": trips_txt,
            "stop_times.txt": times_txt,
        },
    )
    stops, lines = read_gtfs(folder)
    assert stops["name"].isna().all()
    line = lines.iloc[0]
    # no direction_id: trips leaving from the same stop go the same way (T1 and T2 from A)
    _check_line(
        line,
        {
            "id": "R1",
            "name": "R1",
            "stops": ["A", "B"],
            "trips_per_day": 3,
            "headway_min": 60.0,
            "span_min": 120.0,
        },
    )
    assert line["agency"] is None
    assert pd.isna(line["long_name"])


def test_input_folder_is_not_touched(tmp_path: Path) -> None:
    folder = _feed(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    read_gtfs(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# --------------------------------------------------------------------------- bad feeds


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"nowhere\.zip: no such file or folder"):
        read_gtfs(tmp_path / "nowhere.zip")


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    path.write_text("stop_id,stop_name\n")
    with pytest.raises(ReadError, match=r"feed\.zip: not a GTFS feed"):
        read_gtfs(path)


def test_corrupted_zip(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in FEED.items():
            archive.writestr(name, text * 20)
    data = bytearray(path.read_bytes())
    start = data.index(b"stop_times.txt") + len("stop_times.txt")
    for i in range(start + 40, start + 140):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match=r"feed\.zip/stop_times\.txt: cannot be read.*corrupted"):
        read_gtfs(path)


def test_truncated_zip(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in FEED.items():
            archive.writestr(name, text)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ReadError, match=r"feed\.zip: the zip file is truncated or corrupted"):
        read_gtfs(path)


def test_missing_stops_txt(tmp_path: Path) -> None:
    with pytest.raises(
        ReadError, match=r"feed: the GTFS feed has no stops\.txt \(found: agency\.txt, calendar"
    ):
        read_gtfs(_feed(tmp_path, stops_txt=None))


def test_missing_stops_txt_in_zip(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in FEED.items():
            if name not in ("stops.txt", "trips.txt"):
                archive.writestr(name, text)
    with pytest.raises(ReadError, match=r"feed\.zip: the GTFS feed has no stops\.txt, trips\.txt"):
        read_gtfs(path)


def test_two_feeds_in_one_zip(tmp_path: Path) -> None:
    path = tmp_path / "feeds.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for folder in ("north", "south"):
            for name, text in FEED.items():
                archive.writestr(f"{folder}/{name}", text)
    with pytest.raises(
        ReadError, match=r"feeds\.zip: holds several GTFS feeds \(in north/, south/"
    ):
        read_gtfs(path)


def test_missing_required_column(tmp_path: Path) -> None:
    times = FEED["stop_times.txt"].replace("stop_sequence", "seq")
    with pytest.raises(ReadError, match=r"feed/stop_times\.txt: has no column stop_sequence"):
        read_gtfs(_feed(tmp_path, stop_times_txt=times))


def test_unparsable_time(tmp_path: Path) -> None:
    times = FEED["stop_times.txt"].replace("T3,09:10:00,09:10:00", "T3,09:10:00,9h10")
    with pytest.raises(
        ReadError,
        match=r"feed/stop_times\.txt: row 9 \(trip 'T3'\) has departure_time '9h10', not a time",
    ):
        read_gtfs(_feed(tmp_path, stop_times_txt=times))


def test_unparsable_stop_sequence(tmp_path: Path) -> None:
    times = FEED["stop_times.txt"].replace("T6,07:30:00,07:30:00,D,2,", "T6,07:30:00,07:30:00,D,b,")
    with pytest.raises(ReadError, match=r"stop_times\.txt: row 18 \(trip 'T6'\) has stop_sequence"):
        read_gtfs(_feed(tmp_path, stop_times_txt=times))


def test_non_numeric_coordinates(tmp_path: Path) -> None:
    stops = FEED["stops.txt"].replace('C,"Wang, Jiaying",26.020', 'C,"Wang, Jiaying",26°02\'')
    with pytest.raises(
        ReadError, match=r"feed/stops\.txt: row 5 \(stop_id 'C'\) has stop_lat \"26°02'\""
    ):
        read_gtfs(_feed(tmp_path, stops_txt=stops))


def test_blank_coordinates_of_a_station_are_tolerated(tmp_path: Path) -> None:
    stops = FEED["stops.txt"].replace(
        "ST,County Bus Station,26.000,107.800", "ST,County Bus Station,,"
    )
    stops_frame, _ = read_gtfs(_feed(tmp_path, stops_txt=stops))
    assert "ST" not in set(stops_frame["id"])


def test_unknown_stop_in_stop_times(tmp_path: Path) -> None:
    times = FEED["stop_times.txt"].replace(
        "T5,25:30:00,25:30:00,D,3,", "T5,25:30:00,25:30:00,Q9,3,"
    )
    with pytest.raises(LayerError) as caught:
        read_gtfs(_feed(tmp_path, stop_times_txt=times))
    message = str(caught.value)
    assert "feed/stop_times.txt" in message
    assert "trip 'T5'" in message
    assert "stop_id 'Q9'" in message
    assert caught.value.feature == "T5"
    assert caught.value.field == "stop_id"


def test_trip_of_an_unknown_route(tmp_path: Path) -> None:
    trips = FEED["trips.txt"].replace("R2,WK,T7", "R9,WK,T7")
    with pytest.raises(LayerError, match=r"feed/trips\.txt.*trip 'T7'.*route_id 'R9'"):
        read_gtfs(_feed(tmp_path, trips_txt=trips))


def test_stop_times_of_an_unknown_trip(tmp_path: Path) -> None:
    times = FEED["stop_times.txt"] + "T99,09:00:00,09:00:00,A,1,\n"
    with pytest.raises(LayerError, match=r"feed/stop_times\.txt.*trip_id 'T99' is not in trips"):
        read_gtfs(_feed(tmp_path, stop_times_txt=times))


def test_duplicate_stop_id(tmp_path: Path) -> None:
    stops = FEED["stops.txt"] + "B,Second B,26.5,107.5,,,\n"
    with pytest.raises(LayerError, match=r"feed/stops\.txt.*stop_id 'B' is listed 2 times"):
        read_gtfs(_feed(tmp_path, stops_txt=stops))


def test_bad_calendar_date(tmp_path: Path) -> None:
    dates = "service_id,date,exception_type\nWK,2024-01-01,2\n"
    with pytest.raises(ReadError, match=r"calendar_dates\.txt: row 2 has date '2024-01-01'"):
        read_gtfs(_feed(tmp_path, calendar_dates_txt=dates))


def test_not_utf8(tmp_path: Path) -> None:
    folder = _feed(tmp_path)
    (folder / "stops.txt").write_bytes(FEED["stops.txt"].encode("gb18030"))
    with pytest.raises(ReadError, match=r"feed/stops\.txt: is not UTF-8 text"):
        read_gtfs(folder)


def test_ragged_csv(tmp_path: Path) -> None:
    routes = FEED["routes.txt"] + 'R4,AG,"4路,unclosed quote\n'
    with pytest.raises(ReadError, match=r"feed/routes\.txt: not a readable CSV table"):
        read_gtfs(_feed(tmp_path, routes_txt=routes))


def test_empty_stop_times(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"feed/stop_times\.txt: the file is empty"):
        read_gtfs(_feed(tmp_path, stop_times_txt=""))


def test_feed_without_any_trip(tmp_path: Path) -> None:
    times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    with pytest.raises(ReadError, match=r"feed: no route of the feed has a trip"):
        read_gtfs(_feed(tmp_path, stop_times_txt=times))


# --------------------------------------------------------------------------- real feeds


def _read_member(path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _brute_force_busiest_day(path: Path, route_id: str) -> int:
    """Trips of a route on its busiest date, counted date by date from the raw files."""
    trips = [t for t in _read_member(path, "trips.txt") if t["route_id"] == route_id]
    calendar = _read_member(path, "calendar.txt")
    exceptions = _read_member(path, "calendar_dates.txt")

    def day(text: str) -> dt.date:
        return dt.datetime.strptime(text, "%Y%m%d").date()

    bounds = [day(c[k]) for c in calendar for k in ("start_date", "end_date")]
    bounds += [day(e["date"]) for e in exceptions]
    best = 0
    date = min(bounds)
    weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    while date <= max(bounds):
        running = {
            c["service_id"]
            for c in calendar
            if day(c["start_date"]) <= date <= day(c["end_date"])
            and c[weekdays[date.weekday()]] == "1"
        }
        for e in exceptions:
            if day(e["date"]) == date:
                if e["exception_type"] == "1":
                    running.add(e["service_id"])
                else:
                    running.discard(e["service_id"])
        best = max(best, sum(t["service_id"] in running for t in trips))
        date += dt.timedelta(days=1)
    return best


# feed: (stops, trips in trips.txt, trips on the busiest day, first, last, headway, geometry)
REAL_FEEDS = {
    "boeblingen/otp_vvs-bus-751-only.gtfs.zip": (47, 134, 73, 293.0, 1493.0, 30.0, "stops"),
    "boeblingen/otp_vvs-bus-764-only.gtfs.zip": (17, 26, 25, 356.0, 1171.0, 30.0, "stops"),
    "oregon/peartree_highdesertpointorus-2018-03-20.zip": (
        14,
        4,
        4,
        410.0,
        1210.0,
        625.0,
        "shapes",
    ),
}


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(REAL_FEEDS))
def test_real_feed(realdata: Path, name: str) -> None:
    path = realdata / name
    n_stops, n_trips, per_day, first, last, headway, source = REAL_FEEDS[name]
    stops, lines = read_gtfs(path)
    assert len(stops) == n_stops
    assert stops["id"].is_unique
    assert len(lines) == 1
    assert len(_read_member(path, "trips.txt")) == n_trips
    line = lines.iloc[0]
    assert line["trips_per_day"] == per_day
    assert line["trips_per_day"] == _brute_force_busiest_day(path, line["id"])
    assert line["first_departure_min"] == first
    assert line["last_departure_min"] == last
    assert line["span_min"] == last - first
    assert line["headway_min"] == headway
    assert line["geometry_source"] == source
    assert line["geometry"].is_valid
    assert set(line["stops"]) <= set(stops["id"])
    feed_files = {
        "trips": _csv_text(_read_member(path, "trips.txt")),
        "stop_times": _csv_text(_read_member(path, "stop_times.txt")),
    }
    _assert_every_called_stop_listed(feed_files, lines)


def _csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.realdata
def test_real_764_is_a_loop(realdata: Path) -> None:
    _, lines = read_gtfs(realdata / "boeblingen/otp_vvs-bus-764-only.gtfs.zip")
    stops = lines.iloc[0]["stops"]
    # the main pattern leaves from and returns to Ehningen Bf: 18 entries, 17 stops
    assert len(stops) == 18
    assert len(set(stops)) == 17
    assert Counter(stops).most_common(1) == [("de:08115:5773:3:3", 2)]


def test_reading_in_small_blocks_gives_the_same_layers(tmp_path: Path) -> None:
    """Files are read in blocks of whole rows; a quoted field with a comma or a line break
    never splits across two blocks."""
    from roadnet.io.gtfs import GtfsLimits

    stops = FEED["stops.txt"].replace('"Wang, Jiaying"', '"Wang, ""Jia""\nying"')
    path = _feed(tmp_path, stops_txt=stops)
    plain = read_gtfs(path)
    small = read_gtfs(path, limits=GtfsLimits(block_bytes=40))
    assert_geodataframe_equal(small[0], plain[0])
    assert_geodataframe_equal(small[1], plain[1])
    assert plain[0].set_index("id").loc["C", "name"] == 'Wang, "Jia"\nying'
