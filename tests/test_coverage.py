"""Coverage and access on the tiny county (known answers) and their properties."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from roadnet.bus import CoverageParams, compute_coverage
from roadnet.cli import main
from roadnet.county import load_county
from roadnet.errors import ConfigError, MissingLayerError
from roadnet.lines import ServiceParams, fleet_requirement, line_operations
from roadnet.network import build_graph
from roadnet.paved import AccessParams, compute_access
from tests import countyfixture


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_county(countyfixture.write_county(tmp_path_factory.mktemp("tiny")))


def test_coverage_known_answers(tiny):
    result = compute_coverage(tiny)
    s = result.summary
    assert (s["villages_total"], s["villages_served"]) == (4, 2)
    assert (s["townships_total"], s["townships_served"]) == (2, 2)
    assert (s["population_total"], s["population_served"]) == (2450, 1650)
    assert (s["lines"], s["stops"], s["vehicles"], s["vehicles_required"]) == (1, 2, 1, 1)
    v = result.villages.set_index("name")
    assert v.loc["张家营子", "distance_m"] == pytest.approx(100, abs=3)
    assert v.loc["王家湾", "distance_m"] == pytest.approx(300, abs=5)
    assert v.loc["王家湾", "nearest_stop"] == "S2"
    assert v.loc["王家湾", "lines"] == ["L1"]
    assert not v.loc["二道沟", "served"]
    assert v.loc["乌素村", "off_network"]  # 2 km from the nearest road
    doc = result.to_json()
    assert [x["id"] for x in doc["villages"]] == [
        "150125100201",
        "150125100202",
        "150125200201",
        "150125200203",
    ]
    assert doc["lines"][0]["villages_only_this_line"] == 2
    assert json.loads(json.dumps(doc)) == doc  # JSON-clean: no NaN, numpy types


def test_straight_metric_is_never_longer(tiny):
    network = compute_coverage(tiny).villages["distance_m"].to_numpy()
    straight = compute_coverage(tiny, params=CoverageParams(metric="straight"))
    assert (straight.villages["distance_m"].to_numpy() <= network + 1e-6).all()
    assert straight.summary["villages_served"] >= 2


def test_radius_changes_answer(tiny):
    small = compute_coverage(tiny, params=CoverageParams(radius_m=150))
    assert small.summary["villages_served"] == 1
    assert (
        compute_coverage(tiny, params=CoverageParams(radius_m=8000)).summary["villages_served"] == 3
    )


def test_bad_params():
    with pytest.raises(ConfigError):
        CoverageParams(metric="crow")
    with pytest.raises(ConfigError):
        CoverageParams(radius_m=-1)


def test_missing_layer_named(tmp_path):
    county = load_county(countyfixture.write_county(tmp_path), layers=["villages", "roads"])
    with pytest.raises(MissingLayerError, match="bus_stops"):
        compute_coverage(county)


@settings(max_examples=25, deadline=None)
@given(st.tuples(st.floats(-9, 9), st.floats(-4, 6)))
def test_adding_a_stop_never_loses_a_village(tiny, where):
    """Property: coverage never falls when a stop is added to a line."""
    from dataclasses import replace

    base = compute_coverage(tiny)
    stops = tiny.layer("bus_stops")
    new_point = shapely.Point(*countyfixture._at(*where))
    extra = stops.iloc[:1].copy()
    extra["id"] = "S_new"
    extra = extra.set_geometry([shapely.Point(0, 0)], crs=stops.crs)
    extra = extra.set_geometry(
        [shapely.transform(new_point, lambda c: _to_metric(c, stops.crs))], crs=stops.crs
    )
    lines = tiny.layer("bus_lines").copy()
    lines.at[0, "stops"] = [*lines.at[0, "stops"], "S_new"]
    layers = {
        **tiny.layers,
        "bus_stops": pd.concat([stops, extra], ignore_index=True),
        "bus_lines": lines,
    }
    more = compute_coverage(replace(tiny, layers=layers))
    before = base.villages["served"].to_numpy()
    after = more.villages["served"].to_numpy()
    assert (after >= before).all()
    assert (
        more.villages["distance_m"].to_numpy() <= base.villages["distance_m"].to_numpy() + 1e-9
    ).all()


def _to_metric(coords, crs):
    import pyproj

    t = pyproj.Transformer.from_crs(4490, crs, always_xy=True)
    x, y = t.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def test_line_operations_tcrp_example():
    """TCRP Report 30: 72-minute cycle at a 15-minute headway needs 5 buses."""
    lines = pd.DataFrame(
        {"length_m": [15_500.0], "speed_kmh": [31.0], "layover_min": [12.0], "headway_min": [15.0]}
    )
    ops = line_operations(lines, params=ServiceParams())
    assert ops.at[0, "cycle_min"] == pytest.approx(72.0)
    assert ops.at[0, "vehicles_required"] == 5


def test_shared_buses_counted_once_per_schedule():
    lines = pd.DataFrame(
        {"length_m": [20_000.0, 25_000.0, 30_000.0], "trips_per_day": [2.0, 2.0, 1.0]}
    )
    ops = line_operations(lines, params=ServiceParams())
    ids = pd.Series(["L1", "L2", "L3"])
    assert fleet_requirement(ops, ids, None) == 3
    fleet = pd.DataFrame({"id": ["B1"], "line": ["L1,L2,L3"]})
    # 2x90 + 2x110 + 1x130 = 530 bus-minutes in a 720-minute day: one bus
    assert fleet_requirement(ops, ids, fleet) == 1


def test_access_known_answers(tiny):
    result = compute_access(tiny)
    s = result.summary
    assert (s["villages_total"], s["villages_connected"]) == (4, 2)
    assert result.seat["name"] == "张家营子"
    v = result.villages.set_index("name")
    assert v.loc["王家湾", "connected"]
    assert v.loc["王家湾", "paved_distance_m"] == pytest.approx(9000 + 200, rel=0.03)
    assert not v.loc["二道沟", "connected"]  # only a gravel road leads there
    assert list(result.candidates["name"][:2]) == ["二道沟", "乌素村"]
    assert s["rai"] == 1.0  # 李家窑 has no population figure
    strict = compute_access(tiny, params=AccessParams(connector_m=100))
    assert not strict.villages.set_index("name").loc["王家湾", "connected"]


def test_gravel_counts_when_hardened_includes_it(tiny):
    result = compute_access(tiny, params=AccessParams(hardened=("paved", "gravel")))
    assert result.villages.set_index("name").loc["二道沟", "connected"]


def test_graph_reused(tiny):
    graph = build_graph(tiny.layer("roads"))
    a = compute_coverage(tiny, graph=graph)
    b = compute_coverage(tiny)
    assert a.summary == b.summary


def test_cli_coverage_and_access(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    assert (
        main(
            [
                "coverage",
                str(toml),
                "--json",
                str(tmp_path / "c.json"),
                "--xlsx",
                str(tmp_path / "c.xlsx"),
            ]
        )
        == 0
    )
    doc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    for key in (
        "radius_m",
        "metric",
        "lines",
        "stops",
        "vehicles",
        "vehicles_required",
        "townships_total",
        "townships_served",
        "villages_total",
        "villages_served",
        "population_total",
        "population_served",
    ):
        assert key in doc["summary"]
    for key in ("id", "name", "township", "served", "distance_m", "nearest_stop", "lines"):
        assert key in doc["villages"][0]
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "c.xlsx")
    # and the data-quality notes (李家窑 has no population figure)
    assert book.sheetnames == ["汇总", "建制村", "自然村", "乡镇", "线路", "注意"]
    assert book["建制村"]["A1"].value == "编码"
    assert main(["access", str(toml), "--json", str(tmp_path / "a.json")]) == 0
    doc = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert set(doc["summary"]) >= {"villages_total", "villages_connected", "rai"}
    assert set(doc["villages"][0]) >= {"id", "connected", "paved_distance_m"}
    assert main(["coverage", str(toml), "--metric", "crow"]) == 2
    assert main(["coverage", str(toml), "--radius", "3000", "--metric", "straight"]) == 0


def test_cli_join_option_joins_gaps(tmp_path):
    import geopandas as gpd
    from shapely import LineString

    from roadnet.io.atomic import write_geopackage

    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    roads = layers["roads"]
    # a 4 m digitising gap where R2 should meet R1
    geoms = list(roads.geometry)
    geoms[1] = LineString([countyfixture._at(0, 0.004), countyfixture._at(-2, 3)])
    layers["roads"] = gpd.GeoDataFrame(roads.drop(columns="geometry"), geometry=geoms, crs=4490)
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    out = tmp_path / "c.json"
    assert main(["coverage", str(toml), "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["network"]["components"] == 2 and len(doc["network"]["near_misses"]) == 1
    assert main(["coverage", str(toml), "--join", "10", "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["network"]["components"] == 1 and len(doc["network"]["joined"]) == 1
