"""Cleaning of patrol points: every rule with a fixture, every drop counted by reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from roadnet.errors import ConfigError
from roadnet.patrol.clean import REASONS, CleaningParams, clean_tracks, county_area

CRS = pyproj.CRS.from_epsg(4546)  # CGCS2000 / 3-degree Gauss-Kruger CM 111E
TO_LONLAT = pyproj.Transformer.from_crs(CRS, 4326, always_xy=True)
START = pd.Timestamp("2023-06-01 00:00:00", tz="UTC")


def _track(
    n: int = 30, *, step_m: float = 150.0, interval_s: float = 10.0, vehicle: str = "蒙A1"
) -> pd.DataFrame:
    """A straight drive east at 54 km/h, one fix every 10 s."""
    x = 500_000.0 + np.arange(n) * step_m
    y = np.full(n, 4_540_000.0)
    lon, lat = TO_LONLAT.transform(x, y)
    return pd.DataFrame(
        {
            "vehicle": vehicle,
            "time": START + pd.to_timedelta(np.arange(n) * interval_s, unit="s"),
            "lon": lon,
            "lat": lat,
            "speed_kmh": 54.0,
        }
    )


def _clean(frame: pd.DataFrame, **kwargs: object):
    return clean_tracks(frame, crs=CRS, **kwargs)


def test_clean_track_passes_untouched():
    result = _clean(_track())
    assert len(result.points) == 30
    assert result.dropped == dict.fromkeys(REASONS, 0)
    assert result.reordered == 0 and result.gaps == 0
    assert len(result.trips) == 1
    assert result.trips.loc[0, "gps_m"] == pytest.approx(29 * 150.0, rel=1e-3)
    assert {"x", "y", "trip", "row"} <= set(result.points.columns)


def test_zero_and_invalid_fixes():
    frame = _track()
    frame.loc[3, ["lon", "lat"]] = [0.0, 0.0]
    frame.loc[7, ["lon", "lat"]] = [0.0, 0.0]
    frame.loc[9, "lon"] = np.nan
    frame.loc[11, "lat"] = 123.0
    result = _clean(frame)
    assert result.dropped["zero_fix"] == 2
    assert result.dropped["invalid_fix"] == 2
    assert len(result.points) == 26


def test_out_of_area_fixes():
    frame = _track()
    frame.loc[5, ["lon", "lat"]] = [116.4, 39.9]  # Beijing, far outside the county
    area = shapely.buffer(shapely.box(499_000, 4_539_000, 506_000, 4_541_000), 100)
    result = _clean(frame, area=area)
    assert result.dropped["out_of_area"] == 1
    assert result.dropped["speed_spike"] == 0
    assert len(result.points) == 29


def test_county_area_prefers_boundary_then_townships_then_roads():
    import geopandas as gpd

    square = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1000, 1000)], crs=CRS)
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (10_000, 0)])], crs=CRS)
    assert county_area(boundary=square, buffer_m=5000).bounds == pytest.approx(
        (-5000, -5000, 6000, 6000), abs=1
    )
    assert county_area(townships=square, buffer_m=0).area == pytest.approx(1e6)
    assert county_area(roads=roads, buffer_m=100).bounds == pytest.approx(
        (-100, -100, 10_100, 100), abs=1
    )
    assert county_area() is None


def test_exact_duplicates_and_same_time_conflicts():
    frame = _track()
    dupes = frame.iloc[[4, 4, 10]]
    conflict = frame.iloc[[12]].assign(lon=frame.loc[12, "lon"] + 0.0003)
    result = _clean(pd.concat([frame, dupes, conflict], ignore_index=True))
    assert result.dropped["duplicate"] == 3
    assert result.dropped["duplicate_time"] == 1
    assert len(result.points) == 30
    # the first row of a time is kept
    kept = result.points.loc[result.points["time"] == frame.loc[12, "time"], "lon"]
    assert kept.iloc[0] == pytest.approx(frame.loc[12, "lon"])


def test_out_of_order_rows_are_sorted_and_counted():
    frame = _track()
    order = list(range(30))
    order[10], order[11] = order[11], order[10]
    order.insert(20, order.pop(25))  # row 25 arrives early
    result = _clean(frame.iloc[order].reset_index(drop=True))
    assert result.reordered == 1 + 5  # row 10 after row 11; rows 20-24 after row 25
    assert sum(result.dropped.values()) == 0
    assert result.points["time"].is_monotonic_increasing


def test_a_five_km_jump_removes_the_jumped_point_only():
    frame = _track()
    x, y = 500_000.0 + 15 * 150.0 + 5000.0, 4_540_000.0
    frame.loc[15, ["lon", "lat"]] = TO_LONLAT.transform(x, y)
    result = _clean(frame)
    assert result.dropped["speed_spike"] == 1
    assert len(result.points) == 29
    assert 15 not in set(result.points["row"])
    assert len(result.trips) == 1


def test_a_jump_on_the_first_and_last_points():
    frame = _track()
    for row in (0, 29):
        x = 500_000.0 + row * 150.0
        frame.loc[row, ["lon", "lat"]] = TO_LONLAT.transform(x, 4_545_000.0)
    result = _clean(frame)
    assert result.dropped["speed_spike"] == 2
    assert sorted(result.points["row"]) == list(range(1, 29))


def test_a_burst_of_bad_fixes_is_removed():
    frame = _track(60)
    for row in range(20, 24):  # four consecutive fixes 3 km north
        x = 500_000.0 + row * 150.0
        frame.loc[row, ["lon", "lat"]] = TO_LONLAT.transform(x, 4_543_000.0)
    result = _clean(frame)
    assert result.dropped["speed_spike"] == 4
    assert len(result.points) == 56


def test_a_stop_is_reduced_to_one_fix():
    moving = _track(20)
    stop = _track(60)
    stop["time"] = moving["time"].iloc[-1] + pd.to_timedelta((np.arange(60) + 1) * 10, unit="s")
    x = np.full(60, 500_000.0 + 19 * 150.0) + np.random.default_rng(0).normal(0, 30, 60)
    y = np.full(60, 4_540_000.0) + np.random.default_rng(1).normal(0, 30, 60)
    stop["lon"], stop["lat"] = TO_LONLAT.transform(x, y)
    stop["speed_kmh"] = 0.0
    frame = pd.concat([moving, stop], ignore_index=True)
    result = _clean(frame)
    assert result.dropped["stationary"] == 59
    assert len(result.points) == 21
    ignored = _clean(frame, params=CleaningParams(stop_speed_kmh=None))
    assert ignored.dropped["stationary"] == 0
    # a terminal writing 0 for every speed: speeds ignored, nothing collapsed
    zeros = _clean(frame.assign(speed_kmh=0.0))
    assert zeros.dropped["stationary"] == 0


def test_speed_threshold_is_a_parameter():
    frame = _track(step_m=500.0)  # 180 km/h
    assert _clean(frame).dropped["speed_spike"] > 0
    relaxed = _clean(frame, params=CleaningParams(max_speed_kmh=200.0))
    assert relaxed.dropped["speed_spike"] == 0


def test_a_twenty_minute_gap_splits_the_trip():
    first = _track(20)
    second = _track(20)
    second["time"] = second["time"] + pd.Timedelta(minutes=20) + pd.Timedelta(seconds=190)
    frame = pd.concat([first, second], ignore_index=True)
    result = _clean(frame)
    assert result.gaps == 1
    assert len(result.trips) == 2
    assert result.trips["points"].tolist() == [20, 20]
    longer = _clean(frame, params=CleaningParams(max_gap_s=3600))
    assert longer.gaps == 0 and len(longer.trips) == 1


def test_vehicles_are_separate_trips_and_lonely_points_dropped():
    a = _track(10, vehicle="蒙A1")
    b = _track(10, vehicle="蒙B2")
    lonely = _track(1, vehicle="蒙C3")
    result = _clean(pd.concat([a, b, lonely], ignore_index=True))
    assert sorted(result.trips["vehicle"]) == ["蒙A1", "蒙B2"]
    assert result.dropped["isolated"] == 1


def test_points_without_times_are_kept_in_file_order():
    frame = _track(12)
    frame["time"] = pd.NaT
    frame["trip"] = "andorra#1-1"
    result = _clean(frame)
    assert len(result.trips) == 1
    assert result.points["row"].tolist() == list(range(12))
    assert result.reordered == 0


def test_to_json_counts_add_up():
    frame = _track()
    frame.loc[3, ["lon", "lat"]] = [0.0, 0.0]
    document = _clean(pd.concat([frame, frame.iloc[[5]]], ignore_index=True)).to_json()
    assert document["points_in"] == 31
    assert document["points_kept"] == 29
    assert sum(document["dropped_by_reason"].values()) == 2


@pytest.mark.parametrize("kwargs", [{"max_speed_kmh": 0}, {"max_gap_s": -1}, {"area_buffer_m": -5}])
def test_bad_parameters(kwargs):
    with pytest.raises(ConfigError):
        CleaningParams(**kwargs)
