"""Scenarios told truthfully (issue 12): stops placed where they can be, lines re-routed.

Item 22: a change putting a stop 500 km away (outside the county, far from every road) was
applied silently and reported as villages lost; it is now an error naming the file, the
change and the place. Item 26: ``add_stop``/``move_stop``/``remove_stop``/``extend_line``
left the line's length, cycle time and vehicles as they were; the legs next to a changed
stop are now re-routed along roads and the figures follow.

The tiny county (tests/countyfixture.py): road R1 runs 16 km west–east through the county
seat, R2 climbs from R1's middle to 二道沟, R3 from R1's east end to 李家窑. Line 1 is drawn
along R1 from stop S1 (5 km west) to stop S2 (4 km east): 9 km, 4 trips a day.
"""

from __future__ import annotations

import math
import textwrap
import time

import pytest
import shapely

import roadnet.reroute
from roadnet.cli import main
from roadnet.county import load_county
from roadnet.errors import ConfigError
from roadnet.scenario import run_scenario
from tests import countyfixture

SPEED_KMH, LAYOVER_MIN = 30.0, 10.0  # the line's defaults


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("county")
    countyfixture.write_county(path)
    return path


@pytest.fixture(scope="module")
def road_km(folder):
    """Length (km) of each road of the tiny county, in its metric CRS."""
    roads = load_county(folder / "county.toml").layer("roads")
    return dict(zip(roads["id"], shapely.length(roads.geometry.to_numpy()) / 1000, strict=True))


def _write(folder, body, name="s.toml"):
    path = folder / name
    text = f'name = "测试"\nbaseline = "county.toml"\n{textwrap.dedent(body)}'
    path.write_text(text, encoding="utf-8")
    return path


def _line(result, line_id="L1", *, run="scenario"):
    coverage = result.scenario_coverage if run == "scenario" else result.baseline_coverage
    return coverage.lines.set_index("id").loc[line_id]


def _cycle(km: float) -> float:
    return 2 * km / SPEED_KMH * 60 + LAYOVER_MIN


# --------------------------------------------------------------------------- item 26


def test_adding_a_stop_reroutes_the_line_and_recomputes_cycle_and_vehicles(folder, road_km):
    """二道沟 lies 3.6 km up R2 from R1: the bus detours there and back (cheapest insertion)."""
    path = _write(
        folder,
        """
        [[change]]
        op = "set_service"
        line = "L1"
        headway_min = 30
        [[change]]
        op = "add_stop"
        line = "L1"
        stop = "二道沟"
    """,
    )
    result = run_scenario(path)
    before, after = _line(result, run="baseline"), _line(result)
    assert before["length_km"] == pytest.approx(9.0, rel=0.01)
    assert after["length_km"] == pytest.approx(before["length_km"] + 2 * road_km["R2"], rel=1e-3)
    assert after["cycle_min"] == pytest.approx(_cycle(after["length_km"]), rel=1e-6)
    assert after["cycle_min"] - before["cycle_min"] == pytest.approx(
        4 * road_km["R2"] * 60 / SPEED_KMH, rel=1e-3
    )
    # the control run sets the headway only: ⌈46 / 30⌉ = 2 buses; with the detour ⌈75 / 30⌉
    assert after["vehicles_required"] == math.ceil(after["cycle_min"] / 30) == 3
    stops = result.scenario_county.layer("bus_lines").set_index("id").loc["L1", "stops"]
    assert stops[0] == "S1" and stops[2] == "S2" and stops[1].startswith("L1-S")
    doc = result.to_json()
    assert doc["delta"]["lines_changed"] == [
        {
            "id": "L1",
            "name": "1路",
            "length_km_before": pytest.approx(before["length_km"], abs=1e-3),
            "length_km_after": pytest.approx(after["length_km"], abs=1e-3),
            "cycle_min_before": pytest.approx(before["cycle_min"], abs=1e-3),
            "cycle_min_after": pytest.approx(after["cycle_min"], abs=1e-3),
            "vehicles_required_before": 1,
            "vehicles_required_after": 3,
            "stops_before": 2,
            "stops_after": 3,
        }
    ]
    quality = doc["data_quality"]
    assert quality["lines_rerouted"]["ids"] == ["L1"]
    assert quality["lines_rerouted"]["km"] == pytest.approx(2 * road_km["R2"], rel=1e-3)
    assert quality["stops_inserted"]["rule"] == "cheapest_insertion"
    assert "第 2 站" in quality["stops_inserted"]["message_zh"]


@pytest.mark.parametrize(
    ("position", "expected_place", "extra_km"),
    [
        ('after = "S1"', 1, (2, 0)),  # the detour up R2 and back
        ('before = "S1"', 0, (1, 5)),  # new first stop: down R2, then 5 km west to S1
        ("index = 3", 2, (1, 4)),  # new last stop: from S2 back 4 km to the seat, up R2
    ],
)
def test_a_stop_goes_where_the_file_says(folder, road_km, position, expected_place, extra_km):
    path = _write(
        folder,
        f"""
        [[change]]
        op = "add_stop"
        line = "L1"
        stop = "二道沟"
        id = "S9"
        name = "二道沟站"
        {position}
    """,
        name="pos.toml",
    )
    result = run_scenario(path)
    stops = list(result.scenario_county.layer("bus_lines").set_index("id").loc["L1", "stops"])
    assert stops.index("S9") == expected_place
    times_r2, plus_km = extra_km
    added = times_r2 * road_km["R2"] + plus_km
    before = _line(result, run="baseline")["length_km"]
    assert _line(result)["length_km"] == pytest.approx(before + added, rel=2e-3)
    assert "stops_inserted" not in result.to_json()["data_quality"]


def test_move_remove_and_extend_reroute_only_the_legs_they_touch(folder, road_km):
    # S2 moves to 李家窑 at the end of R3: S1 → east end of R1 (13 km) → up R3
    moved = _write(
        folder,
        """
        [[change]]
        op = "move_stop"
        stop = "S2"
        to = "李家窑"
    """,
        name="move.toml",
    )
    line = _line(run_scenario(moved))
    assert line["length_km"] == pytest.approx(13 + road_km["R3"], rel=2e-3)
    # extend to 二道沟 then remove S2: S1 → seat → 二道沟
    edited = _write(
        folder,
        """
        [[change]]
        op = "extend_line"
        line = "L1"
        stops = ["二道沟"]
        [[change]]
        op = "remove_stop"
        line = "L1"
        stop = "S2"
    """,
        name="edit.toml",
    )
    line = _line(run_scenario(edited))
    assert line["length_km"] == pytest.approx(5 + road_km["R2"], rel=2e-3)
    assert line["stops"] == 2


def test_unchanged_legs_keep_the_drawn_geometry(tmp_path):
    """A line drawn along a longer road keeps it where no stop changed."""
    import geopandas as gpd
    import pandas as pd
    from shapely import LineString

    from roadnet.io.atomic import write_geopackage

    countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    at = countyfixture._at
    # L1 drawn with a 1 km dog-leg north of R1 (a road, R9), not along the shortest path
    dogleg = [at(-4, 0), at(-4, 0.5), at(-3, 0.5), at(-3, 0)]
    layers["bus_lines"] = layers["bus_lines"].set_geometry(
        [LineString([at(-5, 0), *dogleg, at(4, 0)])], crs=4490
    )
    extra = gpd.GeoDataFrame(
        {"id": ["R9"], "名称": ["村道九"], "路线编码": ["C009"], "路面类型": ["沥青"]},
        geometry=[LineString(dogleg)],
        crs=4490,
    )
    layers["roads"] = pd.concat([layers["roads"], extra], ignore_index=True)
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    # extend beyond S2 to 李家窑: only the new leg is routed, the dog-leg stays
    path = _write(
        tmp_path,
        """
        [[change]]
        op = "extend_line"
        line = "L1"
        stops = ["李家窑"]
    """,
    )
    result = run_scenario(path)
    before = _line(result, run="baseline")["length_km"]
    assert before == pytest.approx(10.0, rel=0.01)  # 9 km + the 1 km dog-leg
    after = _line(result)["length_km"]
    assert after - before == pytest.approx(4 + 5, rel=0.01)  # S2 → R1's east end → up R3
    note = result.to_json()["data_quality"]["lines_rerouted"]
    assert note["km"] == pytest.approx(after - before, rel=1e-3)


def test_ten_thousand_stops_route_once_each(folder, monkeypatch):
    """10,000 add_stop changes: one search and two legs per stop, never the whole line."""
    calls = {"routes": 0, "searches": 0}
    route, search = roadnet.reroute.Router.leg, roadnet.reroute.Router.search

    def counted_route(*args, **kwargs):
        calls["routes"] += 1
        return route(*args, **kwargs)

    def counted_search(*args, **kwargs):
        calls["searches"] += 1
        return search(*args, **kwargs)

    monkeypatch.setattr(roadnet.reroute.Router, "leg", counted_route)
    monkeypatch.setattr(roadnet.reroute.Router, "search", counted_search)
    n = 10_000
    # spread along R1, shuffled; none within 200 m of the seat, where a stop 50 m north of
    # R1 is nearer R2 (and the bus rightly detours up R2 to it)
    xs = [-7.5 + 15.0 * ((i * 7919) % n) / n for i in range(n)]
    xs = [x + (0.4 if -0.2 < x < 0.2 else 0.0) for x in xs]
    body = "".join(
        f'[[change]]\nop = "add_stop"\nline = "L1"\nstop = [{lon!r}, {lat!r}]\n'
        for lon, lat in (countyfixture._at(x, 0.05) for x in xs)
    )
    body += '[[change]]\nop = "set_service"\nline = "L1"\nheadway_min = 10\n'
    path = _write(folder, body, name="many.toml")
    started = time.perf_counter()
    result = run_scenario(path)
    elapsed = time.perf_counter() - started
    # cheapest_position searches from the new stop; its two legs reuse that search
    assert calls["routes"] <= 2 * n
    assert calls["searches"] <= n + calls["routes"]
    assert result.to_json()["data_quality"]["stops_inserted"]["count"] == n
    line = _line(result)
    assert line["stops"] == n + 2
    # inserted in order along R1, the line runs from the westmost stop to the eastmost
    assert line["length_km"] == pytest.approx(max(xs) - min(xs), rel=0.005)
    assert line["vehicles_required"] == math.ceil(_cycle(line["length_km"]) / 10)
    print(f"10,000 add_stop changes applied and compared in {elapsed:.1f} s")


# --------------------------------------------------------------------------- item 22


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (  # 500 km east: outside the county and far from every road
            'op = "move_stop"\nstop = "S2"\nto = [117.0, 41.0]',
            r"bad\.toml:4 \(change 1, move_stop\): the stop at lon 117\.00000, lat 41\.00000 is "
            r"4\d\d km outside the county \(its townships\) and 4\d\d km from the nearest road",
        ),
        (  # in the county, 2.2 km from R1: more than the off-network distance
            'op = "add_stop"\nline = "L1"\nstop = [111.05, 41.02]',
            r"change 1, add_stop\): the stop at lon 111\.05000, lat 41\.02000 is 2\.\d km from "
            r"the nearest road \(off-network distance 1\.0 km\)",
        ),
        (  # latitude first
            'op = "add_line"\nstops = ["S1", [41.0, 111.0]]',
            r"add_line\): \[41\.0, 111\.0\] is not a \[lon, lat\] pair in degrees "
            r"\(latitude first\? write \[111, 41\]\)",
        ),
        (  # a road drawn 300 km north
            'op = "add_road"\ngeometry = [[111.0, 44.0], [111.1, 44.0]]',
            r"add_road\): the new road \(vertex 1 at lon 111\.00000, lat 44\.00000\) is "
            r"3\d\d km outside the county \(townships\) and 3\d\d km from every road",
        ),
    ],
)
def test_a_change_off_the_county_or_the_roads_is_an_error(folder, capsys, change, expected):
    path = _write(folder, f"\n[[change]]\n{change}\n", name="bad.toml")
    with pytest.raises(ConfigError, match=expected):
        run_scenario(path)
    assert main(["scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "bad.toml:4" in err


def test_the_off_network_distance_follows_the_scenario_params(folder):
    path = _write(
        folder,
        """
        [params]
        off_network_m = 3000
        [[change]]
        op = "add_stop"
        line = "L1"
        stop = [111.05, 41.02]
    """,
        name="far.toml",
    )
    assert run_scenario(path).to_json()["scenario"]["lines"] == 1


def test_cli_prints_the_notes(folder, capsys):
    path = _write(
        folder,
        '[[change]]\nop = "add_stop"\nline = "L1"\nstop = "二道沟"\n',
        name="notes.toml",
    )
    assert main(["scenario", str(path)]) == 0
    out = capsys.readouterr().out.replace("\n", "")
    assert "注意：1 条线路因站点变化沿道路最短路径重新布线" in out
    assert "注意：1 个新增站点未指定位置" in out
    assert "None" not in out and "nan" not in out


def test_notes_of_both_runs_are_merged_once_and_differences_kept_apart():
    """Coverage results gain ``quality`` in parallel: the merge reads it where present."""
    from types import SimpleNamespace

    from roadnet.quality import DataQuality, QualityNote
    from roadnet.scenario.notes import merge_notes

    def note(key, count):
        return QualityNote(key, text_zh=f"{count} 个", text_en=f"{count} of them", count=count)

    county = DataQuality((note("roads_merged", 3),))
    baseline = SimpleNamespace(quality=DataQuality((note("stops_off_network", 2),)))
    scenario = SimpleNamespace(
        quality=DataQuality((note("stops_off_network", 5), note("villages_disconnected", 1)))
    )
    same = SimpleNamespace(quality=DataQuality((note("roads_merged", 3),)))
    changes = DataQuality((note("lines_rerouted", 1),))
    merged = merge_notes(county, [baseline, object()], [scenario, same, None], changes)
    assert [n.key for n in merged] == [
        "roads_merged",
        "stops_off_network",
        "scenario_stops_off_network",
        "villages_disconnected",
        "lines_rerouted",
    ]
    assert merged.get("scenario_stops_off_network").text_zh == "方案：5 个"
    assert merged.get("stops_off_network").count == 2
