"""Issue 12, bus coverage told truthfully: vehicles from the timetable (item 1), villages and
stops on disconnected road pieces (9), stops off the network (10), a route's two directions
as one line (17), data_quality notes printed after the headline, never "None"."""

from __future__ import annotations

import json
import math
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point

from roadnet.bus import UNSERVED_REASONS, CoverageParams, compute_coverage
from roadnet.cli import main
from roadnet.county import load_county
from roadnet.io.atomic import write_geopackage
from roadnet.lines import (
    ServiceParams,
    fleet_requirement,
    line_operations,
    pair_directions,
    peak_in_progress,
)
from tests import countyfixture
from tests.countyfixture import _at
from tests.truthcounty import assert_no_placeholder

# --------------------------------------------------------------------------- helpers


def _write(folder: Path, layers: dict[str, pd.DataFrame]) -> Path:
    """The tiny county's county.toml with ``layers`` in its GeoPackage."""
    toml = countyfixture.write_county(folder)
    write_geopackage(folder / "tiny.gpkg", layers)
    return toml


def _with_gtfs(folder: Path, files: dict[str, str]) -> Path:
    """The tiny county with its bus layers replaced by a GTFS feed (a zip) of ``files``."""
    toml = countyfixture.write_county(folder)
    with zipfile.ZipFile(folder / "bus.zip", "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r'\[layers\.bus_stops\]\npath = "tiny.gpkg"\nlayer = "bus_stops"\n', "", text)
    text = re.sub(
        r'\[layers\.bus_lines\]\npath = "tiny.gpkg"\nlayer = "bus_lines"\n',
        '[layers.bus_lines]\ngtfs = "bus.zip"\n',
        text,
    )
    toml.write_text(text, encoding="utf-8")
    return toml


def _lonlat(dx: float, dy: float) -> str:
    lon, lat = _at(dx, dy)
    return f"{lat:.7f},{lon:.7f}"


GTFS_STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon\n"
    f"S1,县城站,{_lonlat(-5, 0.1)}\n"
    f"S2,王家湾站,{_lonlat(4, 0.1)}\n"
)
GTFS_ROUTE = "route_id,route_short_name,route_type\nR1,1路,3\n"
ONE_TRIP = {
    "stops.txt": GTFS_STOPS,
    "routes.txt": GTFS_ROUTE,
    "trips.txt": "route_id,service_id,trip_id,direction_id\nR1,WK,T1,0\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,07:00:00,07:00:00,S1,1\nT1,07:30:00,07:30:00,S2,2\n"
    ),
}


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _no_placeholder(text: str) -> None:
    assert_no_placeholder(text, "printed")


# --------------------------------------------------------------------------- item 1: vehicles


def test_rules_of_line_operations():
    """Each rule of the module docstring on one line; the figures by hand."""
    lines = pd.DataFrame(
        {
            # 15 km at 30 km/h: cycle 2 x 30 + 10 = 70 minutes
            "length_m": [15_000.0] * 6,
            "trips_per_day": [np.nan, 1.0, 3.0, 4.0, 0.0, np.nan],
            "headway_min": [np.nan, np.nan, np.nan, np.nan, np.nan, 30.0],
            "span_min": [np.nan, 0.0, 0.0, 120.0, np.nan, np.nan],
        }
    )
    ops = line_operations(lines, params=ServiceParams())
    assert ops["cycle_min"].tolist() == pytest.approx([70.0] * 6)
    assert ops["vehicles_rule"].tolist() == [
        "assumed",  # nothing known: one bus, and coverage says so
        "overlap",  # once a day: span 0, one trip
        "overlap",  # three trips all leaving at once
        "span",  # 120 / 4 = 30-minute headway: ceil(70 / 30)
        "no_trips",
        "headway",
    ]
    assert ops["vehicles_required"].tolist() == [1, 1, 3, 3, 0, 3]
    assert ops["vehicles_required"].dtype.kind == "i"
    assert math.isnan(ops.at[1, "headway_min"])  # no headway from a span of 0


def test_gtfs_peak_of_trips_in_progress_against_a_minute_by_minute_count():
    rng = np.random.default_rng(7)
    starts = np.sort(rng.uniform(300, 1200, 40))
    trip_times = [(s, s + d) for s, d in zip(starts, rng.uniform(20, 90, 40), strict=True)]
    lines = pd.DataFrame(
        {"length_m": [20_000.0], "trips_per_day": [40.0], "trip_times": [trip_times]}
    )
    ops = line_operations(lines, params=ServiceParams(layover_min=10.0))
    minutes = np.arange(0, 1500, 0.25)
    busy = sum(((minutes >= s) & (minutes < e + 10.0)).astype(int) for s, e in trip_times)
    assert ops.at[0, "vehicles_rule"] == "timetable"
    assert ops.at[0, "vehicles_required"] == busy.max()
    # a bus arriving (with its layover) at 09:20 takes the 09:20 departure
    assert peak_in_progress([(480.0, 560.0), (560.0, 600.0)]) == 1


def test_fleet_sharing_still_counts_shared_buses_once():
    ops = line_operations(
        pd.DataFrame(
            {
                "length_m": [20_000.0, 25_000.0, 30_000.0],
                "trips_per_day": [2.0, 1.0, 1.0],
                "span_min": [600.0, 0.0, np.nan],  # the second line runs once a day
            }
        ),
        params=ServiceParams(),
    )
    ids = pd.Series(["L1", "L2", "L3"])
    assert fleet_requirement(ops, ids, None) == 3
    fleet = pd.DataFrame({"id": ["B1"], "line": ["L1,L2,L3"]})
    assert fleet_requirement(ops, ids, fleet) == 1
    # timetabled lines share by their trips: two one-hour trips apart need one bus
    timed = line_operations(
        pd.DataFrame(
            {
                "length_m": [10_000.0, 10_000.0],
                "trips_per_day": [1.0, 1.0],
                "trip_times": [[(420.0, 480.0)], [(600.0, 660.0)]],
            }
        ),
        params=ServiceParams(),
    )
    pair = pd.Series(["A", "B"])
    assert fleet_requirement(timed, pair, None) == 2
    assert fleet_requirement(timed, pair, pd.DataFrame({"id": ["X"], "line": ["A,B"]})) == 1


def test_drawn_line_running_once_a_day_does_not_crash(tmp_path, capsys):
    """Item 1: span 0 made the headway 0 and the vehicles infinite (IntCastingNaNError)."""
    layers = countyfixture.layers()
    layers["bus_lines"] = layers["bus_lines"].assign(trips_per_day=[1], span_min=[0.0])
    toml = _write(tmp_path, layers)
    assert main(["coverage", str(toml), "--json", str(tmp_path / "c.json")]) == 0
    doc = _json(tmp_path / "c.json")
    line = doc["lines"][0]
    assert (line["vehicles_required"], line["vehicles_rule"]) == (1, "overlap")
    assert line["headway_min"] is None
    out = capsys.readouterr().out
    _no_placeholder(out)


def test_gtfs_line_with_one_trip_and_no_calendar(tmp_path, capsys):
    """Item 1: a GTFS line with one trip a day, a feed without any calendar file."""
    toml = _with_gtfs(tmp_path, ONE_TRIP)
    assert main(["coverage", str(toml), "--json", str(tmp_path / "c.json")]) == 0
    doc = _json(tmp_path / "c.json")
    line = doc["lines"][0]
    assert (line["vehicles_required"], line["vehicles_rule"]) == (1, "timetable")
    assert doc["summary"]["vehicles_required"] == 1
    note = doc["data_quality"]["gtfs_calendar_missing"]
    assert note["rule"] == "all_trips_run"
    out = capsys.readouterr().out
    assert "注意：GTFS 数据" in out and "同一天运行" in out
    assert out.index("注意：") > out.index("条线路")  # after the headline
    _no_placeholder(out)


def test_gtfs_with_calendar_dates_only_counts_the_busiest_date(tmp_path):
    """Item 1: calendar_dates.txt without calendar.txt; three trips on the busiest date."""
    files = {
        **ONE_TRIP,
        "trips.txt": "route_id,service_id,trip_id,direction_id\n"
        "R1,WK,T1,0\nR1,WK,T2,1\nR1,HOL,T3,0\n",
        "stop_times.txt": (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "T1,07:00:00,07:00:00,S1,1\nT1,07:30:00,07:30:00,S2,2\n"
            "T2,07:10:00,07:10:00,S2,1\nT2,07:40:00,07:40:00,S1,2\n"
            "T3,07:05:00,07:05:00,S1,1\nT3,07:35:00,07:35:00,S2,2\n"
        ),
        "calendar_dates.txt": "service_id,date,exception_type\nWK,20240102,1\nHOL,20240103,1\n",
    }
    toml = _with_gtfs(tmp_path, files)
    result = compute_coverage(load_county(toml))
    line = result.lines.iloc[0]
    # 2 January: T1 07:00-07:30 and T2 07:10-07:40 run at once (T3 runs on 3 January)
    assert (line["trips_per_day"], line["vehicles_required"]) == (2, 2)
    assert line["vehicles_rule"] == "timetable"
    assert "gtfs_calendar_missing" not in result.quality


# --------------------------------------------------------------------------- item 9: pieces


def _cut_off_county(folder: Path, *, gap_km: float) -> Path:
    """The tiny county plus a road piece that starts ``gap_km`` north of R1 and a village on
    it, 1.1 km from stop S2 in a straight line; plus a stop on a piece with no village."""
    layers = countyfixture.layers()
    roads = layers["roads"]
    piece = LineString([_at(3.0, gap_km), _at(3.0, 2.0)])
    island = LineString([_at(-6, -3), _at(-6, -5)])
    layers["roads"] = gpd.GeoDataFrame(
        {
            "id": [*roads["id"], "R4", "R5"],
            "名称": [*roads["名称"], "断头路", "孤路"],
            "路线编码": [*roads["路线编码"], "C004", "C005"],
            "路面类型": [*roads["路面类型"], "水泥", "水泥"],
        },
        geometry=[*roads.geometry, piece, island],
        crs=4490,
    )
    villages = layers["villages"]
    extra = gpd.GeoDataFrame(
        {
            "村编码": ["150125200204"],
            "村名": ["孤村"],
            "所属乡镇": ["东乡"],
            "类型": ["建制村"],
            "人口": [300],
            "驻地": ["否"],
        },
        geometry=[Point(_at(3.05, 0.6))],
        crs=4490,
    )
    layers["villages"] = pd.concat([villages, extra], ignore_index=True)
    stops = layers["bus_stops"]
    layers["bus_stops"] = gpd.GeoDataFrame(
        {"id": [*stops["id"], "S3"], "name": [*stops["name"], "孤站"]},
        geometry=[*stops.geometry, Point(_at(-6.05, -4))],
        crs=4490,
    )
    layers["bus_lines"] = layers["bus_lines"].assign(stops=["S1,王家湾站,S3"])
    return _write(folder, layers)


def test_village_on_a_disconnected_piece_is_flagged_and_counted(tmp_path, capsys):
    """Item 9: the village is unserved because its road piece is cut off, not because it is
    far: say so per village (``disconnected``, ``unserved_reason``) and in data_quality."""
    toml = _cut_off_county(tmp_path, gap_km=0.3)
    out_json = tmp_path / "c.json"
    assert main(["coverage", str(toml), "--json", str(out_json)]) == 0
    doc = _json(out_json)
    v = {x["name"]: x for x in doc["villages"] + doc["natural_villages"]}
    assert v["孤村"]["disconnected"] is True
    assert v["孤村"]["served"] is False and v["孤村"]["distance_m"] is None
    assert v["孤村"]["unserved_reason"] == "disconnected"
    assert v["二道沟"]["unserved_reason"] == "too_far"  # reachable, 7.7 km away
    assert v["乌素村"]["unserved_reason"] == "off_network"  # 2 km from every road
    assert v["张家营子"]["unserved_reason"] is None and v["张家营子"]["disconnected"] is False
    assert {x["unserved_reason"] for x in v.values()} <= {*UNSERVED_REASONS, None}
    s = doc["summary"]
    assert (s["villages_disconnected"], s["villages_disconnected_near_stop"]) == (1, 1)
    note = doc["data_quality"]["villages_disconnected"]
    assert (note["count"], note["ids"], note["rule"]) == (1, ["150125200204"], "unserved")
    # the 300 m gap is too wide for a digitising gap: the hint says to complete the roads
    assert "complete the roads layer" in note["message"]
    stops = doc["data_quality"]["stops_disconnected"]
    assert (stops["count"], stops["ids"]) == (1, ["S3"])
    pieces = doc["network"]["pieces"]["without_stop"]
    assert [p["villages"] for p in pieces] == [1] and pieces[0]["gap_m"] is None
    out = capsys.readouterr().out
    assert "注意：1 个建制村所在路段与有站点的路网不连通" in out
    assert "其中 1 个直线 2,000 米内有站点" in out
    assert "注意：1 个站点所在路段上没有任何村庄" in out
    _no_placeholder(out)
    # the result frame carries the same
    result = compute_coverage(load_county(toml))
    row = result.villages.set_index("name").loc["孤村"]
    assert bool(row["disconnected"]) and row["unserved_reason"] == "disconnected"
    assert result.quality.get("villages_disconnected").count == 1


def test_join_hint_names_the_gap_and_join_closes_it(tmp_path, capsys):
    """Item 9: a 20 m digitising gap: the note proposes --join N, and --join N serves the
    village."""
    toml = _cut_off_county(tmp_path, gap_km=0.02)
    assert main(["coverage", str(toml), "--lang", "en", "--json", str(tmp_path / "a.json")]) == 0
    out = capsys.readouterr().out
    match = re.search(r"run again with --join (\d+)", out)
    assert match, out
    join = int(match.group(1))
    assert 18 <= join <= 22
    gap = _json(tmp_path / "a.json")["network"]["pieces"]["without_stop"][0]["gap_m"]
    assert gap == pytest.approx(20, abs=2)
    assert (
        main(["coverage", str(toml), "--join", str(join), "--json", str(tmp_path / "b.json")]) == 0
    )
    doc = _json(tmp_path / "b.json")
    village = next(x for x in doc["villages"] if x["name"] == "孤村")
    assert village["served"] and not village["disconnected"]
    assert "villages_disconnected" not in doc["data_quality"]


def test_straight_metric_has_no_disconnected_villages(tmp_path):
    toml = _cut_off_county(tmp_path, gap_km=0.3)
    result = compute_coverage(load_county(toml), params=CoverageParams(metric="straight"))
    v = result.villages.set_index("name")
    assert bool(v.loc["孤村", "served"]) and not v["disconnected"].any()
    assert set(v.loc[~v["served"], "unserved_reason"]) == {"too_far"}


# --------------------------------------------------------------------------- item 10


def test_stops_off_network_are_printed_in_the_notes(tmp_path, capsys):
    """Item 10: stops more than 1 km from every road were only a JSON figure."""
    layers = countyfixture.layers()
    stops = layers["bus_stops"]
    layers["bus_stops"] = gpd.GeoDataFrame(
        {"id": [*stops["id"], "S9"], "name": [*stops["name"], "远站"]},
        geometry=[*stops.geometry, Point(_at(0, 6))],  # 3.6 km from the nearest road
        crs=4490,
    )
    layers["bus_lines"] = layers["bus_lines"].assign(stops=["S1,王家湾站,S9"])
    toml = _write(tmp_path, layers)
    assert main(["coverage", str(toml), "--json", str(tmp_path / "c.json")]) == 0
    doc = _json(tmp_path / "c.json")
    note = doc["data_quality"]["stops_off_network"]
    assert (note["count"], note["ids"]) == (1, ["S9"])
    assert note["share"] == pytest.approx(1 / 3, abs=1e-4)
    assert doc["summary"]["stops_off_network"] == 1
    out = capsys.readouterr().out
    assert "注意：1 个站点（占 33.3%）距最近道路超过 1,000 米" in out
    assert main(["coverage", str(toml), "--lang", "en"]) == 0
    assert "Note: 1 bus stop (33.3%) is more than 1,000 m from every road" in (
        capsys.readouterr().out
    )


# --------------------------------------------------------------------------- item 17


def _two_directions(folder: Path, *, direction: list[str] | None, far: bool = False) -> Path:
    """Route 1路 drawn twice: 上行 S1→S2 and 下行 along the same road with its own stops on
    the other side (40 m away), or, with ``far``, a second 1路 in another place."""
    layers = countyfixture.layers()
    stops = layers["bus_stops"]
    layers["bus_stops"] = gpd.GeoDataFrame(
        {
            "id": [*stops["id"], "S2b", "S1b", "F1", "F2"],
            "name": [*stops["name"], "王家湾站(下行)", "县城站(下行)", "远一", "远二"],
        },
        geometry=[
            *stops.geometry,
            Point(_at(4, -0.04)),
            Point(_at(-5, -0.04)),
            Point(_at(8, 1)),
            Point(_at(8, 4)),
        ],
        crs=4490,
    )
    up = LineString([_at(-5, 0), _at(4, 0)])  # 9 km
    down = LineString([_at(8, 1), _at(8, 4)]) if far else LineString([_at(4, 0), _at(-6, 0)])
    columns = {
        "id": ["L1", "L1R"],
        "name": ["1路", "1路"],
        "stops": ["S1,S2", "F1,F2" if far else "S2b,S1b"],
        "trips_per_day": [3, 2],
    }
    if direction is not None:
        columns["方向"] = direction
    layers["bus_lines"] = gpd.GeoDataFrame(columns, geometry=[up, down], crs=4490)
    layers["fleet"] = pd.DataFrame({"车牌号": ["蒙A·00001"], "线路": ["L1R"], "座位数": [30]})
    return _write(folder, layers)


@pytest.mark.parametrize("direction", [["上行", "下行"], ["0", "1"], None])
def test_two_directions_of_one_route_are_one_line(tmp_path, capsys, direction):
    """Item 17: a direction column pairs them; without one, their overlapping stops do."""
    toml = _two_directions(tmp_path, direction=direction)
    assert main(["coverage", str(toml), "--json", str(tmp_path / "c.json")]) == 0
    doc = _json(tmp_path / "c.json")
    assert doc["summary"]["lines"] == 1
    (line,) = doc["lines"]
    assert (line["id"], line["paired_ids"]) == ("L1", ["L1", "L1R"])
    assert line["stops"] == 4  # the first direction's, then those only the other calls at
    assert line["length_km"] == pytest.approx((9.0 + 10.0) / 2, rel=0.02)  # mean of both
    # the pair's timetable: 3 round trips (the larger count) in the default 720-minute span
    assert line["trips_per_day"] == 3
    note = doc["data_quality"]["directions_paired"]
    assert (note["count"], note["ids"]) == (1, ["L1"])
    # the fleet's bus is assigned to the second direction's id: still the line's bus
    assert doc["summary"]["vehicles_required"] == line["vehicles_required"]
    out = capsys.readouterr().out
    assert "注意：1 条线路的上下行按一条线路计（1路）" in out
    county = load_county(toml)
    lines = pair_directions(county.layer("bus_lines"), county.layer("bus_stops")).lines
    assert lines.iloc[0]["stops"] == ["S1", "S2", "S2b", "S1b"]


def test_two_lines_sharing_a_name_far_apart_are_not_merged(tmp_path, capsys):
    """Item 17: no direction column and no common stop: two lines, and a warning."""
    toml = _two_directions(tmp_path, direction=None, far=True)
    assert main(["coverage", str(toml), "--json", str(tmp_path / "c.json")]) == 0
    doc = _json(tmp_path / "c.json")
    assert doc["summary"]["lines"] == 2
    assert "directions_paired" not in doc["data_quality"]
    note = doc["data_quality"]["lines_same_name"]
    assert (note["count"], note["ids"], note["rule"]) == (2, ["L1", "L1R"], "kept_apart")
    assert "未合并" in capsys.readouterr().out


def test_same_direction_twice_is_not_merged(tmp_path):
    toml = _two_directions(tmp_path, direction=["上行", "上行"])
    result = compute_coverage(load_county(toml))
    assert result.summary["lines"] == 2
    assert "lines_same_name" in result.quality


def test_gtfs_routes_per_direction_with_one_name_are_paired(tmp_path):
    """Item 17, GTFS: one route per direction (same short name) is paired by name; a route
    holding both directions (direction_id 0 and 1) is one line already, and the note says
    so."""
    files = {
        "stops.txt": GTFS_STOPS + f"S3,李家窑站,{_lonlat(8, 4.9)}\n",
        "routes.txt": "route_id,route_short_name,route_type\nUP,1路,3\nDN,1路,3\nR2,2路,3\n",
        "trips.txt": "route_id,service_id,trip_id,direction_id\n"
        "UP,WK,T1,0\nDN,WK,T2,1\nR2,WK,T3,0\nR2,WK,T4,1\n",
        "stop_times.txt": (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "T1,07:00:00,07:00:00,S1,1\nT1,07:30:00,07:30:00,S2,2\n"
            "T2,07:20:00,07:20:00,S2,1\nT2,07:50:00,07:50:00,S1,2\n"
            "T3,09:00:00,09:00:00,S2,1\nT3,09:40:00,09:40:00,S3,2\n"
            "T4,10:00:00,10:00:00,S3,1\nT4,10:40:00,10:40:00,S2,2\n"
        ),
    }
    toml = _with_gtfs(tmp_path, files)
    result = compute_coverage(load_county(toml))
    assert result.summary["lines"] == 2
    line = result.lines.set_index("name").loc["1路"]
    assert line["paired_ids"] == ["UP", "DN"]
    # both directions' trips: 07:00-07:30 and 07:20-07:50 overlap: two buses
    assert (line["trips_per_day"], line["vehicles_required"]) == (2, 2)
    note = result.quality.get("directions_paired")
    assert note is not None and note.count == 2 and set(note.ids) == {"UP", "R2"}


# --------------------------------------------------------------------------- plus: no None


def test_no_fleet_layer_prints_no_none(tmp_path, capsys):
    toml = countyfixture.write_county(tmp_path)
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('[layers.fleet]\npath = "tiny.gpkg"\nlayer = "fleet"\n', ""))
    for lang in ("zh", "en"):
        assert (
            main(["coverage", str(toml), "--lang", lang, "--json", str(tmp_path / "c.json")]) == 0
        )
        out = capsys.readouterr().out
        _no_placeholder(out)
        assert "辆车" not in out and "buses serve" not in out
    doc = _json(tmp_path / "c.json")
    assert doc["summary"]["vehicles"] is None  # the key stays; null is fine in JSON
    assert "data_quality" in doc


def test_population_not_given_is_said_not_printed_as_zero(tmp_path, capsys):
    toml = countyfixture.write_county(tmp_path)
    result = compute_coverage(load_county(toml))
    note = result.quality.get("population_missing")
    assert note is not None and (note.count, note.ids) == (1, ("150125200203",))  # 李家窑
    assert "服务人口 1,650 人" in result.headline()  # the others give theirs
    layers = countyfixture.layers()
    layers["villages"] = layers["villages"].drop(columns="人口")
    toml = _write(tmp_path / "none", layers)
    assert main(["coverage", str(toml)]) == 0
    out = capsys.readouterr().out
    headline = out.splitlines()[0]  # the note after it says why there is no population
    assert "服务人口" not in headline and "，（" not in headline
    assert headline.endswith("（共 4 个，通客车率 50.0%，路网距离 2,000 米以内）。")
    assert "注意：4 个建制村（占 100.0%）没有人口数" in out


def test_feed_notes_reach_the_county_and_validate(tmp_path):
    """A GTFS feed's calendar note is the county's too: validate and every analysis see it."""
    toml = _with_gtfs(tmp_path, ONE_TRIP)
    assert main(["validate", str(toml), "--json", str(tmp_path / "v.json")]) == 0
    note = _json(tmp_path / "v.json")["data_quality"]["gtfs_calendar_missing"]
    assert note["rule"] == "all_trips_run"


def test_townships_taken_from_village_values_are_said(tmp_path):
    """No townships layer: the villages' values are the townships, and a code/name mix is told."""
    toml = countyfixture.write_county(tmp_path)
    text = toml.read_text(encoding="utf-8")
    section = '[layers.townships]\npath = "tiny.gpkg"\nlayer = "乡镇"\n'
    assert section in text
    toml.write_text(text.replace(section, ""), encoding="utf-8")
    assert main(["coverage", str(toml), "--json", str(tmp_path / "c.json")]) == 0
    doc = _json(tmp_path / "c.json")
    note = doc["data_quality"]["townships_from_villages"]
    # the tiny county names 城关镇 once by name and once by its code 150125100
    assert note["rule"] == "codes_and_names_mixed"
    assert note["count"] == len(doc["townships"]) == 4


def test_set_service_on_a_gtfs_line_drops_its_timetable(tmp_path):
    """A scenario's new headway replaces the feed's timetable; the vehicles follow it."""
    from roadnet.scenario import run_scenario

    toml = _with_gtfs(tmp_path, ONE_TRIP)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'name = "s"\nbaseline = "{toml.as_posix()}"\n'
        '[[change]]\nop = "set_service"\nline = "R1"\nheadway_min = 5\n',
        encoding="utf-8",
    )
    result = run_scenario(scenario)
    before = result.baseline_coverage.lines.iloc[0]
    after = result.scenario_coverage.lines.iloc[0]
    assert before["vehicles_rule"] == "timetable"
    assert after["vehicles_rule"] == "headway"
    assert after["vehicles_required"] == math.ceil(after["cycle_min"] / 5)


def test_scenario_params_take_the_unknown_surface_rule(tmp_path):
    from roadnet.scenario import run_scenario

    toml = countyfixture.write_county(tmp_path)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'name = "s"\nbaseline = "{toml.as_posix()}"\n[params]\nunknown_surface = "paved"\n'
        '[[change]]\nop = "set"\nradius_m = 2500\n',
        encoding="utf-8",
    )
    result = run_scenario(scenario)
    assert result.baseline_access is not None
    assert result.baseline_access.params.unknown_surface == "paved"
