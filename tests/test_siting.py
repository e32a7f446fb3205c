"""Project siting: hand-built parcels with exact answers, properties, geodesic check, CLI."""

from __future__ import annotations

import itertools
import json
import math
import socket
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, MultiLineString, Polygon, box

from roadnet.cli import main
from roadnet.county import County
from roadnet.errors import ConfigError, LayerError
from roadnet.io.atomic import write_geopackage
from roadnet.landuse import MU_PER_M2
from roadnet.manifest import Manifest
from roadnet.siting import (
    CATEGORY_KEYS,
    SitingParams,
    compute_siting,
    load_projects,
    project_footprints,
)

CRS = 4546  # CGCS2000 / 3-degree Gauss-Kruger CM 111E
X0, Y0 = 500_000.0, 4_540_000.0  # about (111°E, 41°N)
_GETADDRINFO = socket.getaddrinfo  # captured before the socket guard is installed
PARCEL_FIELDS = ("DLMC", "TBMJ", "KCXS", "KCDLBM", "QSDWMC", "ZLDWMC", "BSM", "TBBH")


def at(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def parcels_frame(rows: list[dict], crs: int = CRS) -> gpd.GeoDataFrame:
    """Parcels from dicts holding ``geometry``, ``DLBM`` and any DLTB field."""
    data = {
        "DLBM": [r.get("DLBM") for r in rows],
        **{f: [r.get(f) for r in rows] for f in PARCEL_FIELDS},
    }
    frame = pd.DataFrame(data)
    frame["TBMJ"] = frame["TBMJ"].astype(float)
    frame["KCXS"] = frame["KCXS"].astype(float)
    for i, _r in enumerate(rows):
        if frame.at[i, "BSM"] is None:
            frame.at[i, "BSM"] = f"B{i + 1}"
    return gpd.GeoDataFrame(frame, geometry=[r["geometry"] for r in rows], crs=crs)


def projects_frame(rows: list[dict], crs: int = CRS) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {
            "id": [r["id"] for r in rows],
            "name": [r.get("name", r["id"]) for r in rows],
            "kind": [r.get("kind", "repair") for r in rows],
            "width_m": [r.get("width_m", np.nan) for r in rows],
        }
    )
    if any(r.get("alternative") is not None for r in rows):
        frame["alternative"] = pd.Series([r.get("alternative") for r in rows], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=[r["geometry"] for r in rows], crs=crs)


def zones(polygons: list[Polygon]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"Z{i}" for i in range(len(polygons))]}, geometry=polygons, crs=CRS
    )


def county_of(**layers: gpd.GeoDataFrame) -> County:
    return County(
        name="测试县",
        crs=pyproj.CRS.from_epsg(CRS),
        layers=layers,
        manifest=Manifest(name="测试县", root=Path("."), path=None),
    )


def two_parcels() -> gpd.GeoDataFrame:
    """0103 (TBMJ 5010 m² on 5000 m² of geometry, KCXS 0.1) west of 0301 (no TBMJ)."""
    return parcels_frame(
        [
            {
                "DLBM": "0103",
                "DLMC": "旱地",
                "TBMJ": 5010.0,
                "KCXS": 0.1,
                "QSDWMC": "张家营子村",
                "ZLDWMC": "张家营子村",
                "TBBH": "101",
                "geometry": rect(0, -50, 50, 50),
            },
            {"DLBM": "0301", "DLMC": "乔木林地", "TBBH": "102", "geometry": rect(50, -50, 100, 50)},
        ]
    )


def road(**extra: object) -> dict:
    return {
        "id": "P1",
        "name": "张家营子联网路",
        "width_m": 10.0,
        **extra,
        "geometry": extra.get("geometry", LineString([at(0, 0), at(100, 0)])),
    }


# --------------------------------------------------------------------------- exact answers


def test_road_over_two_parcels_exact_per_code_with_tiankan():
    county = county_of(parcels=two_parcels(), projects=projects_frame([road()]))
    result = compute_siting(county)
    p = result.to_json()["projects"][0]
    assert p["footprint_m2"] == pytest.approx(1000.0)
    # 0103: TBMJ 5010 × 500/5000 = 501 m²; KCXS 0.1 moves 50.1 m² to 田坎 1203
    assert p["by_dlbm"] == pytest.approx({"0103": 450.9, "1203": 50.1, "0301": 500.0})
    assert p["by_category"]["cultivated"] == pytest.approx(450.9)
    assert p["by_category"]["other"] == pytest.approx(50.1)
    assert p["by_category"]["forest"] == pytest.approx(500.0)
    assert p["by_split"]["agricultural"] == pytest.approx(1001.0)
    assert p["compensation_m2"] == pytest.approx(450.9)
    assert p["compensation_mu"] == pytest.approx(450.9 * 15 / 10000, abs=1e-4)
    assert p["uncovered_m2"] == 0.0
    assert p["flags"] == ["cultivated", "forest"]
    table = result.parcels.set_index("TBBH")
    assert table.loc["101", "share_m2"] == pytest.approx(501.0)
    assert table.loc["101", "deduction_m2"] == pytest.approx(50.1)
    assert table.loc["102", "share_m2"] == pytest.approx(500.0)
    assert table.loc["101", "QSDWMC"] == "张家营子村"
    s = result.summary
    assert s["cultivated_mu"] == pytest.approx(450.9 * MU_PER_M2)
    assert s["forest_mu"] == pytest.approx(0.75)
    assert s["projects"] == 1 and s["projects_by_kind"] == {"repair": 1}


def test_footprint_has_flat_ends_and_round_or_mitre_joins():
    line = LineString([at(0, 0), at(100, 0), at(100, 100)])
    frame = projects_frame([{"id": "P1", "width_m": 10.0, "geometry": line}])
    round_ = project_footprints(frame).geometry.iloc[0]
    mitre = project_footprints(frame, params=SitingParams(join_style="mitre")).geometry.iloc[0]
    xmin, _ymin, _xmax, ymax = round_.bounds
    assert xmin == pytest.approx(X0) and ymax == pytest.approx(Y0 + 100)  # flat ends
    # mitre: two 10 m wide arms of 100 m (inner corner 95, outer 105) = 2000 m²
    assert mitre.area == pytest.approx(105 * 10 + 95 * 10)
    assert mitre.area - round_.area == pytest.approx(25 - 25 * math.pi / 4, rel=0.05)  # 8-gon arc


def test_overlapping_parts_of_one_project_are_not_counted_twice():
    there = LineString([at(0, 0), at(100, 0)])
    again = LineString([at(20, 0), at(70, 0)])  # drawn twice over 50 m
    county = county_of(
        parcels=two_parcels(),
        projects=projects_frame([road(geometry=MultiLineString([there, again]))]),
    )
    p = compute_siting(county).to_json()["projects"][0]
    assert p["footprint_m2"] == pytest.approx(1000.0)
    # and two features of one id (one alignment) are unioned as well
    split = projects_frame(
        [road(geometry=there), road(geometry=LineString([at(40, 0), at(60, 0)]))]
    )
    footprints = project_footprints(split)
    assert len(footprints) == 1
    assert footprints["footprint_m2"].iloc[0] == pytest.approx(1000.0)


def test_polygon_project_taken_as_it_is():
    yard = Polygon([at(30, 0), at(80, 0), at(80, 20), at(30, 20)])  # 50 × 20, width ignored
    county = county_of(
        parcels=two_parcels(),
        projects=projects_frame([{"id": "Y1", "kind": "other", "geometry": yard}]),
    )
    p = compute_siting(county).to_json()["projects"][0]
    assert p["footprint_m2"] == pytest.approx(1000.0)
    assert p["width_m"] is None
    share = 5010 * 400 / 5000
    assert p["by_dlbm"]["0103"] == pytest.approx(share * 0.9)
    assert p["by_dlbm"]["1203"] == pytest.approx(share * 0.1)
    assert p["by_dlbm"]["0301"] == pytest.approx(600.0)


def test_existing_road_counted_apart_and_not_compensated():
    parcels = parcels_frame(
        [
            {"DLBM": "0101", "geometry": rect(0, -50, 40, 50)},
            {"DLBM": "1006", "DLMC": "农村道路", "geometry": rect(40, -50, 70, 50)},
            {"DLBM": "1003", "geometry": rect(70, -50, 100, 50)},
        ]
    )
    county = county_of(parcels=parcels, projects=projects_frame([road()]))
    result = compute_siting(county)
    p = result.to_json()["projects"][0]
    assert p["by_category"]["existing_road"] == pytest.approx(600.0)
    assert p["by_category"]["cultivated"] == pytest.approx(400.0)
    assert p["compensation_m2"] == pytest.approx(400.0)
    assert p["new_occupation_m2"] == pytest.approx(400.0)
    # 1006 is agricultural land, 1003 construction land in the three-way split
    assert p["by_split"]["agricultural"] == pytest.approx(700.0)
    assert p["by_split"]["construction"] == pytest.approx(300.0)


def test_basic_farmland_and_red_line_flags_and_areas():
    county = county_of(
        parcels=two_parcels(),
        projects=projects_frame(
            [road(), road(id="P2", geometry=LineString([at(0, 40), at(20, 40)]))]
        ),
        basic_farmland=zones([rect(0, 0, 10, 50), rect(5, 0, 15, 50)]),  # overlapping zones
        eco_redline=zones([rect(90, -50, 200, 50)]),
    )
    result = compute_siting(county)
    p1, p2 = result.to_json()["projects"]
    assert p1["basic_farmland_m2"] == pytest.approx(15 * 5)  # union, not 2 × 50
    assert p1["eco_redline_m2"] == pytest.approx(100.0)
    assert {"basic_farmland", "eco_redline"} <= set(p1["flags"])
    assert p2["basic_farmland_m2"] == pytest.approx(15 * 10)
    assert "eco_redline" not in p2["flags"]
    s = result.summary
    assert s["projects_basic_farmland"] == 2 and s["projects_eco_redline"] == 1
    assert s["layers_checked"] == {"basic_farmland": True, "eco_redline": True}
    table = result.parcels
    assert table.loc[table["id"] == "P1", "basic_farmland_m2"].sum() == pytest.approx(75.0)
    assert "永久基本农田" in result.headline()
    assert result.headline().startswith("2 个项目，占用耕地")


def test_missing_check_layers_are_said_not_silently_zero():
    result = compute_siting(county_of(parcels=two_parcels(), projects=projects_frame([road()])))
    assert result.summary["layers_checked"] == {"basic_farmland": False, "eco_redline": False}
    assert any("basic_farmland" in w for w in result.warnings)
    assert "未核查" in result.headline()


def test_unknown_and_missing_codes_reported_never_dropped():
    parcels = parcels_frame(
        [
            {"DLBM": "9999", "DLMC": "神秘地", "geometry": rect(0, -50, 30, 50)},
            {"DLBM": None, "geometry": rect(30, -50, 60, 50)},
            {"DLBM": "0404", "geometry": rect(60, -50, 100, 50)},
        ]
    )
    parcels["source_class"] = ["x", "Glaciers", "y"]
    result = compute_siting(county_of(parcels=parcels, projects=projects_frame([road()])))
    p = result.to_json()["projects"][0]
    assert p["by_dlbm"] == pytest.approx({"9999": 300.0, "none": 300.0, "0404": 400.0})
    assert p["by_category"]["unclassified"] == pytest.approx(600.0)
    assert p["by_category"]["grassland"] == pytest.approx(400.0)
    assert p["by_split"]["unclassified"] == pytest.approx(600.0)
    assert p["by_split"]["unused"] == pytest.approx(400.0)  # 0404 其他草地 is unused land
    assert "unknown_dlbm" in p["flags"] and "grassland" in p["flags"]
    listed = {(u["dlbm"], u["source_class"]): u["m2"] for u in p["unclassified"]}
    assert listed == pytest.approx({("9999", "x"): 300.0, (None, "Glaciers"): 300.0})
    assert any("9999" in w for w in result.warnings)
    assert sum(p["by_category"].values()) == pytest.approx(p["footprint_m2"])


def test_k_codes_are_adjustable_and_reported_apart():
    parcels = parcels_frame(
        [
            {"DLBM": "0201K", "geometry": rect(0, -50, 50, 50)},
            {"DLBM": "0103", "geometry": rect(50, -50, 100, 50)},
        ]
    )
    county = county_of(parcels=parcels, projects=projects_frame([road()]))
    p = compute_siting(county).to_json()["projects"][0]
    assert p["by_category"]["garden"] == pytest.approx(500.0)
    assert p["adjustable_m2"] == pytest.approx(500.0)
    assert p["compensation_m2"] == pytest.approx(500.0)
    assert "adjustable" in p["flags"]
    wide = compute_siting(county, params=SitingParams(adjustable_in_compensation=True))
    assert wide.to_json()["projects"][0]["compensation_m2"] == pytest.approx(1000.0)


def test_alternative_alignments_ranked_by_basic_farmland_then_cultivated():
    parcels = parcels_frame(
        [
            {"DLBM": "0103", "geometry": rect(0, 0, 100, 100)},
            {"DLBM": "0301", "geometry": rect(0, 100, 100, 200)},
        ]
    )
    line = lambda y: LineString([at(0, y), at(100, y)])  # noqa: E731
    projects = projects_frame(
        [
            road(alternative="甲", geometry=line(20)),  # cultivated + basic farmland
            road(alternative="乙", geometry=line(60)),  # cultivated only
            road(alternative="丙", geometry=line(100)),  # half cultivated, half forest
            road(id="P2", geometry=line(150)),
        ]
    )
    county = county_of(
        parcels=parcels, projects=projects, basic_farmland=zones([rect(0, 0, 100, 30)])
    )
    result = compute_siting(county)
    ranks = {(p["id"], p["alternative"]): p["rank"] for p in result.to_json()["projects"]}
    assert ranks == {("P1", "甲"): 3, ("P1", "乙"): 2, ("P1", "丙"): 1, ("P2", None): None}
    s = result.summary
    assert s["projects"] == 2 and s["alignments"] == 4
    assert s["projects_with_alternatives"] == 1
    # the summary adds the best alignment of P1 (丙) and P2, not every alternative
    assert s["footprint_m2"] == pytest.approx(2000.0)
    assert s["by_category"]["cultivated"] == pytest.approx(500.0)
    assert s["basic_farmland_m2"] == 0.0


def test_default_width_by_kind_and_override():
    line = LineString([at(0, 0), at(100, 0)])
    frame = projects_frame(
        [
            {"id": kind, "kind": kind, "geometry": line}
            for kind in ("network_link", "village_paving", "repair", "continuing", "other")
        ]
    )
    areas = project_footprints(frame)["footprint_m2"].round(6).tolist()
    assert areas == [750.0, 450.0, 650.0, 650.0, 600.0]
    wider = project_footprints(frame, params=SitingParams(default_widths={"repair": 8.0}))
    assert wider["footprint_m2"].round(6).tolist()[2] == 800.0


def test_line_without_width_and_kind_is_an_error_naming_the_feature():
    frame = projects_frame(
        [{"id": "P9", "kind": None, "geometry": LineString([at(0, 0), at(1, 0)])}]
    )
    with pytest.raises(LayerError) as err:
        project_footprints(frame)
    assert err.value.layer == "projects" and err.value.feature == "P9"
    assert err.value.field == "width_m"


def test_invalid_polygon_project_is_an_error():
    bowtie = Polygon([at(0, 0), at(10, 10), at(10, 0), at(0, 10)])
    frame = projects_frame([{"id": "Y1", "kind": "other", "geometry": bowtie}])
    with pytest.raises(LayerError) as err:
        project_footprints(frame)
    assert err.value.feature == "Y1" and err.value.field == "geometry"


def test_bad_params_are_config_errors():
    with pytest.raises(ConfigError):
        SitingParams(overlaps="max")
    with pytest.raises(ConfigError):
        SitingParams(default_widths={"repair": -1})
    with pytest.raises(ConfigError):
        SitingParams(engine="spark")


def test_uncovered_land_reported():
    county = county_of(
        parcels=two_parcels(),
        projects=projects_frame([road(geometry=LineString([at(-30, 0), at(100, 0)]))]),
    )
    result = compute_siting(county)
    p = result.to_json()["projects"][0]
    assert p["uncovered_m2"] == pytest.approx(300.0)
    assert p["covered_m2"] == pytest.approx(1000.0)
    assert "uncovered" in p["flags"]
    assert any("beyond the parcels" in w for w in result.warnings)


def test_tbmj_in_another_unit_falls_back_to_planar_area():
    parcels = two_parcels()
    parcels.loc[0, "TBMJ"] = 7.5  # 亩, not m²
    result = compute_siting(county_of(parcels=parcels, projects=projects_frame([road()])))
    p = result.to_json()["projects"][0]
    assert p["by_dlbm"]["0103"] + p["by_dlbm"]["1203"] == pytest.approx(500.0)
    assert any("TBMJ" in w for w in result.warnings)


def test_kcxs_out_of_range_is_an_error():
    parcels = two_parcels()
    parcels.loc[0, "KCXS"] = 10.0  # percent instead of a fraction
    with pytest.raises(LayerError) as err:
        compute_siting(county_of(parcels=parcels, projects=projects_frame([road()])))
    assert err.value.field == "KCXS" and err.value.layer == "parcels"


def test_overlapping_parcels_smallest_first_and_sum():
    parcels = parcels_frame(
        [
            {"DLBM": "0301", "geometry": rect(0, -50, 100, 50)},  # forest around
            {"DLBM": "1104", "geometry": rect(20, -50, 40, 50)},  # a pond inside it
        ]
    )
    county = county_of(parcels=parcels, projects=projects_frame([road()]))
    smallest = compute_siting(county).to_json()["projects"][0]
    assert smallest["by_category"]["forest"] == pytest.approx(800.0)
    assert smallest["by_category"]["water"] == pytest.approx(200.0)
    assert smallest["parcel_overlap_m2"] == pytest.approx(200.0)
    assert "parcel_overlap" in smallest["flags"]
    first = compute_siting(county, params=SitingParams(overlaps="first")).to_json()
    assert first["projects"][0]["by_category"]["forest"] == pytest.approx(1000.0)
    assert first["projects"][0]["by_category"]["water"] == pytest.approx(0.0)
    summed = compute_siting(county, params=SitingParams(overlaps="sum")).to_json()
    assert sum(summed["projects"][0]["by_category"].values()) == pytest.approx(1200.0)
    for p in (smallest, first["projects"][0]):
        assert sum(p["by_category"].values()) + p["uncovered_m2"] == pytest.approx(1000.0)


def test_invalid_parcel_geometry_repaired_and_counted():
    bowtie = Polygon([at(0, -50), at(100, 50), at(100, -50), at(0, 50)])  # self-intersecting
    parcels = parcels_frame([{"DLBM": "0103", "geometry": bowtie}])
    result = compute_siting(county_of(parcels=parcels, projects=projects_frame([road()])))
    assert result.summary["parcels_repaired"] == 1
    p = result.to_json()["projects"][0]
    # the repaired bowtie: two triangles meeting at (50, 0); the 10 m strip along y = 0
    # lies inside them except for two 5 m tips: 2 × (45 × 10 + 5 × 10 / 2) = 950 m²
    assert p["by_dlbm"]["0103"] == pytest.approx(950.0, rel=1e-9)
    assert p["uncovered_m2"] == pytest.approx(50.0)
    assert any("repaired" in w for w in result.warnings)


def test_projects_reprojected_to_the_county_crs():
    projects = projects_frame([road()]).to_crs(4490)
    result = compute_siting(county_of(parcels=two_parcels()), projects=projects)
    assert result.to_json()["projects"][0]["footprint_m2"] == pytest.approx(1000.0, rel=1e-6)


def test_json_has_design_keys():
    doc = compute_siting(
        county_of(parcels=two_parcels(), projects=projects_frame([road()]))
    ).to_json()
    project_keys = {
        "id",
        "name",
        "kind",
        "footprint_m2",
        "by_dlbm",
        "by_category",
        "basic_farmland_m2",
        "eco_redline_m2",
        "flags",
    }
    assert project_keys <= set(doc["projects"][0])
    assert set(doc["projects"][0]["by_category"]) == set(CATEGORY_KEYS)
    assert set(CATEGORY_KEYS) == {
        "cultivated",
        "garden",
        "forest",
        "grassland",
        "existing_road",
        "construction",
        "water",
        "other",
        "unclassified",
    }
    summary_keys = project_keys - {"id", "name", "kind", "flags"}
    summary_keys |= {"cultivated_mu", "forest_mu", "grassland_mu", "compensation_mu"}
    assert summary_keys <= set(doc["summary"])
    json.dumps(doc, ensure_ascii=False, allow_nan=False)


# --------------------------------------------------------------------------- properties


@st.composite
def parcel_grids(draw: st.DrawFn) -> tuple[list[Polygon], list[str | None], list[float]]:
    xs = sorted(set([*draw(st.lists(st.integers(1, 199), max_size=6)), 0, 200]))
    ys = sorted(set([*draw(st.lists(st.integers(1, 199), max_size=6)), 0, 200]))
    codes = ["0101", "0103", "0201K", "0301", "0404", "1006", "0702", "1101", "9999", None]
    polygons, dlbm, kcxs = [], [], []
    for x0, x1 in itertools.pairwise(xs):
        for y0, y1 in itertools.pairwise(ys):
            polygons.append(rect(x0, y0, x1, y1))
            dlbm.append(draw(st.sampled_from(codes)))
            kcxs.append(draw(st.sampled_from([np.nan, 0.0, 0.05, 0.2])))
    return polygons, dlbm, kcxs


coordinates = st.floats(-50, 250, allow_nan=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    grid=parcel_grids(),
    points=st.lists(st.tuples(coordinates, coordinates), min_size=2, max_size=6),
    width=st.floats(1.0, 30.0),
)
def test_categories_and_uncovered_add_up_to_the_footprint(grid, points, width):
    polygons, dlbm, kcxs = grid
    line = LineString([at(x, y) for x, y in points])
    if not line.length > 1.0:
        return
    parcels = parcels_frame(
        [
            {"DLBM": c, "KCXS": k, "geometry": g}
            for g, c, k in zip(polygons, dlbm, kcxs, strict=True)
        ]
    )
    county = county_of(
        parcels=parcels, projects=projects_frame([road(width_m=width, geometry=line)])
    )
    result = compute_siting(county)
    row = result.projects.iloc[0]
    categories = sum(row[f"{k}_m2"] for k in CATEGORY_KEYS)
    assert categories + row["uncovered_m2"] == pytest.approx(
        row["footprint_m2"], rel=1e-9, abs=1e-6
    )
    assert row["parcel_overlap_m2"] == pytest.approx(0.0, abs=1e-6)  # a tiling never overlaps
    splits = sum(
        row[f"split_{k}_m2"] for k in ("agricultural", "construction", "unused", "unclassified")
    )
    assert splits == pytest.approx(categories, rel=1e-9, abs=1e-6)
    assert result.land["area_m2"].sum() == pytest.approx(categories, rel=1e-9, abs=1e-6)


def test_areas_agree_with_the_ellipsoid_within_a_tenth_of_a_percent():
    """Planar areas in the Gauss-Krüger zone vs pyproj.Geod on GRS80, 1.4° off the meridian."""
    east = 115_000.0  # about 1.4° east of the central meridian at 41°N: scale ~ 1.0003
    cells = [
        box(X0 + east + x, Y0 + y, X0 + east + x + 100, Y0 + y + 100)
        for x in range(0, 1000, 100)
        for y in range(0, 1000, 100)
    ]
    parcels = parcels_frame([{"DLBM": "0103", "geometry": g} for g in cells])
    line = LineString(
        [(X0 + east + 10, Y0 + 20), (X0 + east + 700, Y0 + 900), (X0 + east + 990, Y0 + 950)]
    )
    county = county_of(
        parcels=parcels, projects=projects_frame([road(width_m=12.0, geometry=line)])
    )
    result = compute_siting(county)
    geod = pyproj.Geod(ellps="GRS80")
    pieces = result.parcels.to_crs(4490)
    assert len(pieces) > 10
    for planar, piece in zip(result.parcels["raw_m2"], pieces.geometry, strict=True):
        ellipsoidal, _ = geod.geometry_area_perimeter(shapely.orient_polygons(piece))
        assert abs(ellipsoidal) == pytest.approx(planar, rel=1e-3)
    footprint = result.projects.to_crs(4490).geometry.iloc[0]
    ellipsoidal, _ = geod.geometry_area_perimeter(footprint)
    assert abs(ellipsoidal) == pytest.approx(result.projects["footprint_m2"].iloc[0], rel=1e-3)


# --------------------------------------------------------------------------- dask engine


def _bigger_county() -> County:
    rng = np.random.default_rng(3)
    cells = [rect(x, y, x + 50, y + 50) for x in range(0, 1000, 50) for y in range(0, 1000, 50)]
    codes = rng.choice(["0101", "0103", "0301", "0404", "1006", "0702", "9999"], len(cells))
    parcels = parcels_frame(
        [
            {
                "DLBM": str(c),
                "TBMJ": g.area * 1.0002,
                "KCXS": 0.1 if c == "0103" else None,
                "geometry": g,
            }
            for g, c in zip(cells, codes, strict=True)
        ]
    )
    projects = projects_frame(
        [
            road(id=f"P{i}", geometry=LineString([at(*rng.uniform(0, 1000, 2)) for _ in range(4)]))
            for i in range(6)
        ]
    )
    return county_of(
        parcels=parcels, projects=projects, basic_farmland=zones([rect(0, 0, 500, 500)])
    )


def _loopback_bind_only(host, port, *args, **kwargs):
    """getaddrinfo for binding a listening socket on 127.0.0.1, and nothing else."""
    flags = args[3] if len(args) > 3 else kwargs.get("flags", 0)
    if host == "127.0.0.1" and flags & socket.AI_PASSIVE:
        return _GETADDRINFO(host, port, *args, **kwargs)
    raise RuntimeError(f"network access attempted in a test: {host!r}, {port!r}")


def test_dask_engine_on_a_local_cluster_gives_the_in_memory_figures(monkeypatch):
    """An in-process LocalCluster (inproc:// transport), loopback only.

    The socket guard stays on for connections; the only relaxation is that the scheduler's
    and worker's HTTP servers may bind to 127.0.0.1, and the in-process transport is told
    its address is 127.0.0.1 instead of finding it by "connecting" a UDP socket to 8.8.8.8.
    """
    pytest.importorskip("dask_geopandas")
    distributed = pytest.importorskip("distributed")
    from distributed.comm import inproc

    monkeypatch.setattr(socket, "getaddrinfo", _loopback_bind_only)
    monkeypatch.setattr(inproc.global_manager, "_ip", "127.0.0.1")
    county = _bigger_county()
    expected = compute_siting(county).to_json()
    params = SitingParams(engine="dask", npartitions=4)
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            dashboard_address="127.0.0.1:0",
            worker_dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert cluster.scheduler_address.startswith("inproc://")
        assert len(client.scheduler_info()["workers"]) == 1
        got = compute_siting(county, params=params).to_json()
    got["summary"].pop("engine")
    expected["summary"].pop("engine")
    assert got == expected


def test_dask_engine_on_a_dask_frame_with_the_synchronous_scheduler():
    dask = pytest.importorskip("dask")
    dask_geopandas = pytest.importorskip("dask_geopandas")
    county = _bigger_county()
    expected = compute_siting(county).summary
    parcels = dask_geopandas.from_geopandas(county.layer("parcels"), npartitions=3)
    with dask.config.set(scheduler="synchronous"):
        got = compute_siting(county, params=SitingParams(engine="dask"), parcels=parcels).summary
    assert got["by_dlbm"] == pytest.approx(expected["by_dlbm"])
    assert got["basic_farmland_m2"] == pytest.approx(expected["basic_farmland_m2"])


def test_dask_engine_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)
    county = county_of(parcels=two_parcels(), projects=projects_frame([road()]))
    with pytest.raises(ConfigError, match="roadnet\\[dask\\]"):
        compute_siting(county, params=SitingParams(engine="dask"))


# --------------------------------------------------------------------------- command line


def write_siting_county(folder: Path, *, projects: gpd.GeoDataFrame | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    parcels = two_parcels().rename(columns={"DLBM": "地类编码", "TBMJ": "图斑面积"})
    layers = {
        "DLTB": parcels,
        "projects": projects
        if projects is not None
        else projects_frame(
            [road(kind="联网路"), road(id="P2", name="村道", kind="village_paving", width_m=np.nan)]
        ),
        "YJJBNTTB": zones([rect(0, 0, 10, 50)]),
        "STBHHX": zones([rect(95, -50, 200, 50)]),
    }
    write_geopackage(folder / "land.gpkg", layers)
    sections = "".join(
        f'[layers.{name}]\npath = "land.gpkg"\nlayer = "{layer}"\n'
        for name, layer in [
            ("parcels", "DLTB"),
            ("projects", "projects"),
            ("basic_farmland", "YJJBNTTB"),
            ("eco_redline", "STBHHX"),
        ]
    )
    toml = folder / "county.toml"
    toml.write_text(f'name = "测试县"\ncrs = {CRS}\n{sections}', encoding="utf-8")
    return toml


def test_cli_siting_json_xlsx_and_table(tmp_path, capsys):
    toml = write_siting_county(tmp_path / "c")
    out, book = tmp_path / "s.json", tmp_path / "s.xlsx"
    code = main(["siting", str(toml), "--json", str(out), "--xlsx", str(book)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 个项目，占用耕地" in printed and "需补充耕地" in printed
    assert "项目用地" in printed and "林地" in printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    p1, p2 = doc["projects"]
    assert p1["by_dlbm"] == pytest.approx({"0103": 450.9, "1203": 50.1, "0301": 500.0})
    assert p1["kind"] == "network_link" and p2["width_m"] == 4.5
    assert p1["flags"][:2] == ["basic_farmland", "eco_redline"]
    assert doc["summary"]["projects_by_kind"] == {"network_link": 1, "village_paving": 1}

    from openpyxl import load_workbook

    workbook = load_workbook(book)
    assert workbook.sheetnames == ["汇总", "项目", "地类", "分类汇总", "图斑"]
    headers = [c.value for c in workbook["项目"][1]]
    assert {"项目名称", "占地(亩)", "耕地(亩)", "林地(亩)", "需补充耕地(亩)"} <= set(headers)
    parcel_headers = [c.value for c in workbook["图斑"][1]]
    assert {"标识码", "图斑编号", "地类编码", "权属单位名称", "面积(亩)"} <= set(parcel_headers)
    column = parcel_headers.index("面积(亩)")
    values = [row[column].value for row in workbook["图斑"].iter_rows(min_row=2)]
    assert values[0] == round(501 * MU_PER_M2, 2)


def test_cli_english_and_width_default(tmp_path, capsys):
    toml = write_siting_county(tmp_path / "c")
    out = tmp_path / "s.json"
    args = ["siting", str(toml), "--lang", "en", "--json", str(out)]
    assert main([*args, "--width-default", "通硬化路=6"]) == 0
    assert "projects take" in capsys.readouterr().out
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["projects"][1]["footprint_m2"] == pytest.approx(600.0)
    assert main([*args, "--width-default", "bridge=6"]) == 2


def test_cli_projects_from_another_file(tmp_path):
    toml = write_siting_county(tmp_path / "c")
    other = projects_frame(
        [road(id="Q1", kind="修复性养护", geometry=LineString([at(0, 0), at(50, 0)]))]
    )
    other.to_crs(4326).to_file(tmp_path / "new.geojson", driver="GeoJSON")
    out = tmp_path / "s.json"
    assert (
        main(["siting", str(toml), "--projects", str(tmp_path / "new.geojson"), "--json", str(out)])
        == 0
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [p["id"] for p in doc["projects"]] == ["Q1"]
    assert doc["projects"][0]["by_dlbm"]["0103"] == pytest.approx(450.9, rel=1e-5)
    loaded = load_projects(tmp_path / "new.geojson", crs=pyproj.CRS.from_epsg(CRS))
    assert loaded.crs.to_epsg() == CRS and loaded["kind"].tolist() == ["repair"]


def _cli_error(capsys, args: list[str]) -> str:
    assert main(args) == 2
    return capsys.readouterr().err


def test_cli_broken_inputs_exit_2_naming_layer_feature_field(tmp_path, capsys):
    no_width = projects_frame(
        [{"id": "P7", "kind": None, "geometry": LineString([at(0, 0), at(9, 0)])}]
    )
    toml = write_siting_county(tmp_path / "a", projects=no_width)
    err = _cli_error(capsys, ["siting", str(toml)])
    assert "layer 'projects'" in err and "feature P7" in err and "width_m" in err
    assert "Traceback" not in err

    bad_kind = projects_frame(
        [{"id": "P8", "kind": "bridge", "geometry": LineString([at(0, 0), at(9, 0)])}]
    )
    toml = write_siting_county(tmp_path / "b", projects=bad_kind)
    err = _cli_error(capsys, ["siting", str(toml)])
    assert "projects" in err and "P8" in err and "kind" in err

    bowtie = Polygon([at(0, 0), at(10, 10), at(10, 0), at(0, 10)])
    invalid = projects_frame([{"id": "Y1", "kind": "other", "geometry": bowtie}])
    toml = write_siting_county(tmp_path / "c", projects=invalid)
    err = _cli_error(capsys, ["siting", str(toml)])
    assert "projects" in err and "Y1" in err and "invalid" in err

    toml = write_siting_county(tmp_path / "d")
    err = _cli_error(capsys, ["siting", str(toml), "--projects", str(tmp_path / "nope.gpkg")])
    assert "nope.gpkg" in err


def test_cli_dask_engine_without_dask_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)
    toml = write_siting_county(tmp_path / "c")
    err = _cli_error(capsys, ["siting", str(toml), "--engine", "dask"])
    assert "roadnet[dask]" in err


def test_cli_county_without_parcels_exit_2(tmp_path, capsys):
    toml = write_siting_county(tmp_path / "c")
    text = toml.read_text(encoding="utf-8").replace("[layers.parcels]", "[layers.rivers]")
    toml.write_text(text.replace('layer = "DLTB"', 'layer = "STBHHX"'), encoding="utf-8")
    err = _cli_error(capsys, ["siting", str(toml)])
    assert "parcels" in err and "[layers.parcels]" in err


def test_project_outside_the_parcels_is_all_uncovered():
    far = LineString([at(1000, 1000), at(1100, 1000)])
    result = compute_siting(
        county_of(parcels=two_parcels(), projects=projects_frame([road(geometry=far)]))
    )
    p = result.to_json()["projects"][0]
    assert p["by_dlbm"] == {} and p["uncovered_m2"] == pytest.approx(1000.0)
    assert p["flags"] == ["uncovered"] and p["parcels"] == 0
    assert result.summary["by_category"]["cultivated"] == 0.0
    assert len(result.sheets()["图斑"]) == 0


def test_cli_repairs_invalid_parcels_and_says_so(tmp_path, capsys):
    toml = write_siting_county(tmp_path / "c")
    layers = {
        "DLTB": parcels_frame(
            [
                {
                    "DLBM": "0103",
                    "geometry": Polygon([at(0, -50), at(100, 50), at(100, -50), at(0, 50)]),
                }
            ]
        ),
        "projects": projects_frame([road()]),
        "YJJBNTTB": zones([rect(0, 0, 10, 50)]),
        "STBHHX": zones([rect(95, -50, 200, 50)]),
    }
    write_geopackage(tmp_path / "c" / "land.gpkg", layers)
    out = tmp_path / "s.json"
    assert main(["siting", str(toml), "--json", str(out)]) == 0
    assert "repaired" in capsys.readouterr().out
    p = json.loads(out.read_text(encoding="utf-8"))["projects"][0]
    assert p["by_dlbm"]["0103"] == pytest.approx(950.0)
