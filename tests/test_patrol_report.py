"""The patrol report on the tiny county: simulated drives along known roads, known answers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from roadnet.cli import main
from roadnet.county import load_county
from roadnet.errors import ConfigError
from roadnet.patrol import PatrolParams, compute_patrol, import_files, params_from_config
from tests import countyfixture

METRIC = pyproj.CRS.from_epsg(4546)
TO_METRIC = pyproj.Transformer.from_crs(4490, METRIC, always_xy=True)
TO_LONLAT = pyproj.Transformer.from_crs(METRIC, 4326, always_xy=True)
PLATE = "蒙A·12345"


def _road(name: str, *, reverse: bool = False) -> np.ndarray:
    """Metric vertices of a tiny-county road (R1 west→east, R2 south→north, R3 south→north)."""
    roads = countyfixture.layers()["roads"]
    line = roads.loc[roads["id"] == name].geometry.iloc[0]
    x, y = TO_METRIC.transform(*shapely.get_coordinates(line).T)
    coords = np.c_[x, y]
    return coords[::-1] if reverse else coords


def _drive(
    vertices: np.ndarray, *, start: str, interval_s: float, sigma: float, seed: int
) -> tuple[pd.DataFrame, float]:
    """A terminal export of a drive along a polyline at 40 km/h; returns it and its length."""
    line = shapely.LineString(vertices)
    along = np.arange(0.0, line.length, 40 / 3.6 * interval_s)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    xy += np.random.default_rng(seed).normal(0.0, sigma, xy.shape)
    lon, lat = TO_LONLAT.transform(xy[:, 0], xy[:, 1])
    times = pd.Timestamp(start) + pd.to_timedelta(np.arange(len(along)) * interval_s, unit="s")
    frame = pd.DataFrame(
        {
            "车牌号": PLATE,
            "定位时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "经度": lon,
            "纬度": lat,
            "速度": 40,
        }
    )
    return frame, float(along[-1])


def _events() -> pd.DataFrame:
    lon, lat = TO_LONLAT.transform(*_road("R1")[1:].mean(axis=0))  # on R1, 4 km east
    return pd.DataFrame(
        {
            "时间": ["2023-06-01 09:00:00", "2023-06-01 10:00:00", "2023-07-03 10:00:00"],
            "类型": ["打麦晒场", "非法营运", "打麦晒场"],
            "经度": [lon, lon + 0.002, lon + 0.004],
            "纬度": [lat, lat, lat + 0.001],
            "车牌号": PLATE,
            "数量": [2, 1, 1],
        }
    )


@pytest.fixture(scope="module")
def county_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """The tiny county with a June drive (R1 then R3) and a July drive (R2 out and back)."""
    folder = tmp_path_factory.mktemp("county")
    countyfixture.write_county(
        folder, toml_extra='[patrol]\ntracks = ["patrol/*.csv"]\nevents = "events.csv"\n'
    )
    (folder / "patrol").mkdir()
    r1, r3 = _road("R1"), _road("R3")
    june, june_m = _drive(
        np.vstack([r1, r3[1:]]), start="2023-06-01 08:00:00", interval_s=10, sigma=10, seed=1
    )
    r2 = _road("R2")
    july, july_m = _drive(
        np.vstack([r2, r2[::-1][1:]]), start="2023-07-03 14:00:00", interval_s=5, sigma=8, seed=2
    )
    june.to_csv(folder / "patrol" / "terminal-2023-06.csv", index=False)
    july.to_csv(folder / "patrol" / "terminal-2023-07.csv", index=False)
    _events().to_csv(folder / "events.csv", index=False)
    truth = {
        "june": june_m,
        "july": july_m,
        "r1": shapely.LineString(r1).length,
        "r2": shapely.LineString(r2).length,
        "r3": shapely.LineString(r3).length,
    }
    assert main(["patrol", "import", str(folder / "county.toml")]) == 0
    return folder, truth


@pytest.fixture(scope="module")
def report(county_dir):
    folder, _ = county_dir
    county = load_county(folder / "county.toml", layers=["roads", "townships"])
    return compute_patrol(county, ledger=folder / "patrol-ledger.gpkg")


def test_summary_against_truth(report, county_dir):
    _, truth = county_dir
    s = report.summary
    assert (s["vehicles"], s["trips"]) == (1, 2)
    assert s["matched_km"] * 1000 == pytest.approx(truth["june"] + truth["july"], rel=0.02)
    assert s["target_network_km"] * 1000 == pytest.approx(truth["r1"] + truth["r2"], rel=1e-3)
    assert s["coverage"] > 0.97
    assert s["patrolled_network_km"] <= s["target_network_km"]
    assert s["target_km"] == pytest.approx(s["matched_km"] - truth["r3"] / 1000, rel=0.02)
    assert s["gps_km"] > s["matched_km"]  # the raw zig-zag is longer
    assert report.unpatrolled == []
    assert report.matching["breaks"] == 0


def test_breakdowns_add_up(report, county_dir):
    _, truth = county_dir
    total = report.summary["matched_km"]
    assert report.by_class["km"].sum() == pytest.approx(total, abs=1e-3)
    assert report.by_township["km"].sum() == pytest.approx(total, abs=1e-3)
    assert report.by_month["km"].sum() == pytest.approx(total, abs=1e-3)
    by_class = dict(zip(report.by_class["class"], report.by_class["km"], strict=True))
    assert by_class["county"] * 1000 == pytest.approx(truth["r1"], rel=0.02)
    assert by_class["village"] * 1000 == pytest.approx(truth["r3"], rel=0.03)
    assert by_class["township"] * 1000 == pytest.approx(2 * truth["r2"], rel=0.03)
    months = report.by_month.set_index("month")
    assert months.loc["2023-06", "trips"] == 1 and months.loc["2023-07", "trips"] == 1
    towns = dict(zip(report.by_township["name"], report.by_township["km"], strict=True))
    # R1 runs 8 km through each township; R2 lies west (城关镇), R3 east (东乡)
    assert towns["城关镇"] == pytest.approx((truth["r1"] / 2 + 2 * truth["r2"]) / 1000, rel=0.03)
    assert towns["东乡"] == pytest.approx((truth["r1"] / 2 + truth["r3"]) / 1000, rel=0.03)


def test_by_road_passes(report):
    roads = report.by_road.set_index("road_id")
    assert roads.loc["R1", "passes"] == 1
    assert roads.loc["R2", "passes"] == 2  # out and back
    assert roads.loc["R3", "passes"] == 1
    assert bool(roads.loc["R3", "target"]) is False
    assert roads.loc["R2", "share"] > 0.97
    assert roads.loc["R2", "km"] == pytest.approx(2 * roads.loc["R2", "patrolled_km"], rel=0.03)


def test_events_by_kind_month_township_and_road(report):
    totals = report.event_totals()
    assert totals["obstacle"] == 3 and totals["illegal_operation"] == 1
    assert set(report.events["road_id"]) == {"R1"}
    assert set(report.events["name"]) == {"东乡"}
    by_month = report.events_by("month", "kind")
    assert by_month["count"].sum() == 4
    assert set(by_month["month"]) == {"2023-06", "2023-07"}


def test_headline(report):
    zh = report.headline()
    assert zh.startswith("出动巡查车辆 2 台次，巡查县乡公路总里程 ")
    assert "覆盖县乡公路网" in zh
    assert "清理公路障碍物3处" in zh and "查处非法营运车辆1起" in zh
    en = report.headline(lang="en")
    assert en.startswith("2 patrol vehicle trips") and "3 road obstacles cleared" in en


def test_json_keys_are_those_of_design(report):
    document = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    assert {
        "vehicles",
        "trips",
        "points",
        "gps_km",
        "matched_km",
        "target_network_km",
        "patrolled_network_km",
        "coverage",
    } <= set(document["summary"])
    assert set(document["by_month"][0]) >= {"month", "km"}
    assert set(document["by_class"][0]) >= {"class", "km"}
    assert set(document["by_township"][0]) >= {"township", "name", "km"}
    assert set(document["by_road"][0]) >= {"road_id", "km", "passes"}
    assert document["unpatrolled"] == []
    assert {"by_kind", "by_month", "by_township"} <= set(document["events"])


def test_period_and_target_options(county_dir):
    folder, truth = county_dir
    county = load_county(folder / "county.toml", layers=["roads", "townships"])
    ledger = folder / "patrol-ledger.gpkg"
    june = compute_patrol(
        county, ledger=ledger, start=dt.date(2023, 6, 1), end=dt.date(2023, 6, 30)
    )
    assert june.summary["trips"] == 1
    assert june.summary["matched_km"] * 1000 == pytest.approx(truth["june"], rel=0.02)
    assert june.unpatrolled == ["R2"]
    assert june.event_totals()["obstacle"] == 2
    wider = PatrolParams(target_classes=("county", "township", "village"))
    everything = compute_patrol(county, ledger=ledger, params=wider)
    assert everything.summary["target_network_km"] * 1000 == pytest.approx(
        truth["r1"] + truth["r2"] + truth["r3"], rel=1e-3
    )
    assert "村道" in everything.headline()


def test_matches_are_cached_in_the_ledger(county_dir, report):
    folder, _ = county_dir
    county = load_county(folder / "county.toml", layers=["roads", "townships"])
    ledger = folder / "patrol-ledger.gpkg"
    again = compute_patrol(county, ledger=ledger)
    assert again.matching["trips_from_cache"] == 2
    assert again.summary == report.summary
    fresh = compute_patrol(county, ledger=ledger, params=PatrolParams(cache=False))
    assert fresh.matching["trips_from_cache"] == 0
    assert fresh.summary == report.summary


def test_reimport_changes_no_total(county_dir, report, capsys):
    folder, _ = county_dir
    out = folder / "import.json"
    assert main(["patrol", "import", str(folder / "county.toml"), "--json", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["points_added"] == 0 and document["events_added"] == 0
    assert document["points_duplicate"] == document["points_read"]
    county = load_county(folder / "county.toml", layers=["roads", "townships"])
    again = compute_patrol(county, ledger=folder / "patrol-ledger.gpkg")
    assert again.summary == report.summary


def test_params_from_config():
    params = params_from_config(
        {"sigma_m": 30, "max_gap_min": 20, "target": ["县道", "乡道", "村道"]}
    )
    assert params.matching.sigma_m == 30.0
    assert params.cleaning.max_gap_s == 1200.0
    assert params.target_classes == ("county", "township", "village")
    assert params_from_config({"sigma_m": "auto"}).matching.estimate_sigma
    assert params_from_config({}, target="county").target_classes == ("county",)
    with pytest.raises(ConfigError, match="unknown key 'sigma'"):
        params_from_config({"sigma": 30})
    with pytest.raises(ConfigError, match="road class"):
        params_from_config({}, target="county,highway")
    with pytest.raises(ConfigError, match="not a number"):
        params_from_config({"beta_m": "wide"})


def test_empty_ledger_period(county_dir):
    folder, _ = county_dir
    county = load_county(folder / "county.toml", layers=["roads"])
    empty = compute_patrol(
        county,
        ledger=folder / "patrol-ledger.gpkg",
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 1, 31),
    )
    assert empty.summary["trips"] == 0 and empty.summary["matched_km"] == 0.0
    assert empty.summary["coverage"] == 0.0
    assert sorted(empty.unpatrolled) == ["R1", "R2"]
    assert empty.to_json()["by_month"] == []
    assert import_files  # the library entry point is exported
