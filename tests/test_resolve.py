"""The cross-layer fixes say what they changed: no village's township, no line's stops silently."""

from __future__ import annotations

import geopandas as gpd
from shapely import LineString, Point

from roadnet.county import inspect_county, load_county
from roadnet.resolve import resolve_layers
from tests import countyfixture


def test_load_county_notes_every_rewrite(tmp_path):
    # the tiny county gives 张家营子's and 王家湾's townships by name (城关镇, 东乡) and line
    # L1's second stop by name (王家湾站): loading rewrites them to ids, and says so
    county = load_county(countyfixture.write_county(tmp_path))
    villages = county.layer("villages").set_index("id")
    assert villages.at["150125100201", "township"] == "150125100"
    assert county.layer("bus_lines").at[0, "stops"] == ["S1", "S2"]

    township = county.quality.get("villages_township_from_name")
    assert township is not None
    assert township.count == 3  # 张家营子 (城关镇), 王家湾 and 乌素村 (东乡)
    assert township.ids == ("150125100201", "150125200201", "150125200202")
    assert township.layer == "villages" and township.rule == "name_to_id"
    assert "150125100201: 城关镇 → 150125100" in township.text_en
    assert "所属乡镇" in township.text_en  # the user's column, as the file names it
    assert "150125100201：城关镇 → 150125100" in township.text_zh

    stops = county.quality.get("bus_lines_stops_from_name")
    assert stops is not None
    assert (stops.count, stops.ids, stops.rule) == (1, ("L1",), "name_to_id")
    assert "L1: 王家湾站 → S2" in stops.text_en
    assert "L1：王家湾站 → S2" in stops.text_zh
    # the notes travel with the county into every analysis' data_quality
    assert set(county.quality.to_json()) >= {
        "villages_township_from_name",
        "bus_lines_stops_from_name",
    }


def test_township_by_location_and_unknown_stop_are_noted(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    layers["villages"] = layers["villages"].drop(columns=["所属乡镇"])
    layers["bus_lines"] = layers["bus_lines"].assign(stops=["S1,王家湾站,西站"])
    from roadnet.io.atomic import write_geopackage

    write_geopackage(tmp_path / "tiny.gpkg", layers)
    county, problems = inspect_county(toml)
    assert county is not None
    located = county.quality.get("villages_township_from_location")
    assert located is not None and located.count == 5 and located.rule == "by_location"
    assert "150125100201 → 150125100" in located.text_en
    dropped = county.quality.get("bus_lines_stops_unknown_dropped")
    assert dropped is not None and dropped.count == 1 and "L1: 西站" in dropped.text_en
    assert any(p.severity == "error" and "西站" in p.message for p in problems)


def test_resolve_returns_new_frames_and_leaves_its_input_alone():
    townships = gpd.GeoDataFrame(
        {"id": ["T1"], "name": ["城关镇"]},
        geometry=[Point(0, 0).buffer(1000)],
        crs=4546,
    )
    villages = gpd.GeoDataFrame(
        {"id": ["V1", "V2"], "township": ["城关镇", "T1"]},
        geometry=[Point(0, 0), Point(10, 10)],
        crs=4546,
    )
    stops = gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["东站", "西站"]},
        geometry=[Point(0, 0), Point(100, 0)],
        crs=4546,
    )
    lines = gpd.GeoDataFrame(
        {"id": ["L1"], "stops": [["东站", "S2"]]},
        geometry=[LineString([(0, 0), (100, 0)])],
        crs=4546,
    )
    layers = {"townships": townships, "villages": villages, "bus_stops": stops, "bus_lines": lines}
    resolution = resolve_layers(layers)
    assert list(resolution.layers["villages"]["township"]) == ["T1", "T1"]
    assert resolution.layers["bus_lines"].at[0, "stops"] == ["S1", "S2"]
    assert list(villages["township"]) == ["城关镇", "T1"]  # the input is not rewritten
    assert lines.at[0, "stops"] == ["东站", "S2"]
    assert resolution.layers["townships"] is townships
    assert [r.key for r in resolution.rewrites] == [
        "villages_township_from_name",
        "bus_lines_stops_from_name",
    ]
    assert resolution.rewrites[0].examples == (("V1", "城关镇", "T1"),)
    assert resolution.rewrites[1].examples == (("L1", "东站", "S1"),)
    assert [n.key for n in resolution.notes()] == [r.key for r in resolution.rewrites]


def test_nothing_to_rewrite_means_no_note():
    townships = gpd.GeoDataFrame(
        {"id": ["T1"], "name": ["城关镇"]}, geometry=[Point(0, 0).buffer(1000)], crs=4546
    )
    villages = gpd.GeoDataFrame(
        {"id": ["V1"], "township": ["T1"]}, geometry=[Point(0, 0)], crs=4546
    )
    resolution = resolve_layers({"townships": townships, "villages": villages})
    assert resolution.rewrites == () and resolution.problems == ()
