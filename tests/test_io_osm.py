"""Reading roads and settlements from OSM extracts (roadnet.io.osm)."""

from __future__ import annotations

import bz2
import gzip
import math
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point

from roadnet.errors import ReadError
from roadnet.io.osm import (
    DRIVABLE_HIGHWAYS,
    normalize_surface,
    parse_population,
    parse_width,
    read_osm_places,
    read_osm_roads,
)

ROAD_COLUMNS = [
    "id",
    "name",
    "route_code",
    "ref",
    "highway",
    "class",
    "surface",
    "width_m",
    "oneway",
    "geometry",
]
PLACE_COLUMNS = ["id", "name", "place", "kind", "population", "seat", "geometry"]

# id: (name, route_code, ref, highway, class, surface, width_m, oneway)
EXPECTED_ROADS = {
    "w101": ("省道203", "S203", "S203", "primary", "provincial", "paved", 7.5, False),
    # the route code's letter (X: county road) wins over highway=tertiary (township)
    "w102": (None, "X012", "X012;Y005", "tertiary", "county", "paved", 5.5, False),
    "w103": (None, None, None, "track", "other", "gravel", math.nan, False),
    "w104": (None, None, None, "residential", "village", "earth", math.nan, True),
    "w105": (None, "G6", "G6", "motorway", "national", None, math.nan, True),
    "w106": (None, None, None, "unclassified", "village", "gravel", math.nan, True),
    "w108": ("Clipped Road", None, "K 1055", "secondary", "county", None, math.nan, False),
    "w111": (None, None, None, "trunk_link", "national", "paved", math.nan, False),
    "w112": (None, None, None, "living_street", "village", "paved", math.nan, True),
}


@pytest.fixture
def osm_xml(datadir: Path) -> Path:
    return datadir / "osm_roads.osm"


def _same(actual: object, expected: object) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return bool(pd.isna(actual))
    return actual == expected


def _write_pbf(source: Path, target: Path) -> Path:
    writer = osmium.SimpleWriter(str(target))
    try:
        for obj in osmium.FileProcessor(str(source)):
            writer.add(obj)
    finally:
        writer.close()
    return target


# --------------------------------------------------------------------------- roads


def test_roads_fixture_answers(osm_xml: Path) -> None:
    roads = read_osm_roads(osm_xml)
    assert isinstance(roads, gpd.GeoDataFrame)
    assert list(roads.columns) == ROAD_COLUMNS
    assert roads.crs.to_epsg() == 4326
    assert list(roads["id"]) == list(EXPECTED_ROADS)
    assert roads["oneway"].dtype == bool
    assert roads["width_m"].dtype == "float64"
    fields = ROAD_COLUMNS[1:-1]
    for _, row in roads.iterrows():
        expected = dict(zip(fields, EXPECTED_ROADS[row["id"]], strict=True))
        for name, value in expected.items():
            assert _same(row[name], value), (row["id"], name, row[name], value)
    assert set(roads.geom_type) == {"LineString"}


def test_roads_drop_footway_construction_and_unlocated_way(osm_xml: Path) -> None:
    roads = read_osm_roads(osm_xml)
    assert "w107" not in set(roads["id"])  # footway
    assert "w110" not in set(roads["id"])  # highway=construction
    assert "w109" not in set(roads["id"])  # none of its nodes is in the extract
    assert roads.attrs == {"clipped_ways": 1, "skipped_ways": 1}
    assert set(roads["highway"]) <= DRIVABLE_HIGHWAYS


def test_clipped_way_keeps_longest_located_run(osm_xml: Path) -> None:
    roads = read_osm_roads(osm_xml).set_index("id")
    # nodes 3, 4, 5, <999 missing>, 6, 7: the run 3-4-5 is the longer part
    assert roads.loc["w108", "geometry"].equals(
        LineString([(107.82, 26.0), (107.82, 26.01), (107.83, 26.01)])
    )


def test_oneway_minus_one_is_reversed_to_the_direction_of_travel(osm_xml: Path) -> None:
    roads = read_osm_roads(osm_xml).set_index("id")
    # drawn from node 4 to node 5, driven from 5 to 4
    assert roads.loc["w104", "geometry"].equals(LineString([(107.83, 26.01), (107.82, 26.01)]))
    assert roads.loc["w101", "geometry"].equals(LineString([(107.8, 26.0), (107.81, 26.0)]))


def test_roads_input_list_and_path_types_give_the_same(osm_xml: Path) -> None:
    one = read_osm_roads(osm_xml)
    assert_geodataframe_equal(read_osm_roads(str(osm_xml)), one)
    assert_geodataframe_equal(read_osm_roads([osm_xml]), one)


def test_same_extract_twice_is_deduplicated(osm_xml: Path) -> None:
    merged = read_osm_roads([osm_xml, osm_xml])
    assert merged["id"].is_unique
    assert_geodataframe_equal(merged, read_osm_roads(osm_xml))


def test_merge_keeps_the_complete_copy_of_a_clipped_way(osm_xml: Path, tmp_path: Path) -> None:
    neighbour = tmp_path / "neighbour.osm"
    neighbour.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="3" version="1" lat="26.000" lon="107.820"/>
  <node id="4" version="1" lat="26.010" lon="107.820"/>
  <node id="5" version="1" lat="26.010" lon="107.830"/>
  <node id="999" version="1" lat="26.015" lon="107.830"/>
  <node id="6" version="1" lat="26.020" lon="107.830"/>
  <node id="7" version="1" lat="26.020" lon="107.840"/>
  <way id="108" version="1">
    <nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="999"/><nd ref="6"/><nd ref="7"/>
    <tag k="highway" v="secondary"/><tag k="name" v="Clipped Road"/>
  </way>
</osm>
""",
        encoding="utf-8",
    )
    for order in ([osm_xml, neighbour], [neighbour, osm_xml]):
        roads = read_osm_roads(order)
        assert roads["id"].is_unique
        assert len(roads) == len(EXPECTED_ROADS)
        line = roads.set_index("id").loc["w108", "geometry"]
        assert len(line.coords) == 6
        assert roads.attrs == {"clipped_ways": 0, "skipped_ways": 1}


def test_bz2_gz_and_pbf_of_the_fixture_give_identical_frames(osm_xml: Path, tmp_path: Path) -> None:
    data = osm_xml.read_bytes()
    (tmp_path / "roads.osm.bz2").write_bytes(bz2.compress(data))
    (tmp_path / "roads.osm.gz").write_bytes(gzip.compress(data))
    pbf = _write_pbf(osm_xml, tmp_path / "roads.osm.pbf")
    reference = read_osm_roads(osm_xml)
    places = read_osm_places(osm_xml)
    for path in (tmp_path / "roads.osm.bz2", tmp_path / "roads.osm.gz", pbf):
        assert_geodataframe_equal(read_osm_roads(path), reference)
        assert_geodataframe_equal(read_osm_places(path), places)


def test_inputs_are_not_touched(osm_xml: Path) -> None:
    paths = [osm_xml]
    before = osm_xml.read_bytes()
    read_osm_roads(paths)
    assert paths == [osm_xml]
    assert osm_xml.read_bytes() == before


# --------------------------------------------------------------------------- tag parsing


@pytest.mark.parametrize(
    ("surface", "tracktype", "expected"),
    [
        ("asphalt", None, "paved"),
        ("concrete:lanes", None, "paved"),
        ("Paving_Stones", None, "paved"),
        ("sett", "grade5", "paved"),  # an explicit surface wins over tracktype
        ("compacted", None, "gravel"),
        ("pebblestone", None, "gravel"),
        ("ground", None, "earth"),
        ("mud", None, "earth"),
        ("gravel;asphalt", None, "gravel"),  # first of several values
        (None, "grade1", "paved"),
        (None, "grade3", "gravel"),
        (None, "grade4", "earth"),
        ("woodchips", "grade2", "gravel"),  # unknown surface: tracktype decides
        ("woodchips", None, None),
        (None, None, None),
    ],
)
def test_normalize_surface(surface: str | None, tracktype: str | None, expected: str) -> None:
    assert normalize_surface(surface, tracktype) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("5", 5.0),
        ("5 m", 5.0),
        ("5,5", 5.5),
        ("6.5m", 6.5),
        ("10 ft", 3.048),
        ("wide", math.nan),
        ("3;4", math.nan),
        (None, math.nan),
        ("", math.nan),
    ],
)
def test_parse_width(tag: str | None, expected: float) -> None:
    value = parse_width(tag)
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("1234", 1234),
        ("1 234", 1234),
        ("1,234", 1234),
        ("12.345", 12345),
        ("1\u202f234", 1234),
        ("850.0", 850),
        ("about 300", None),
        ("-5", None),
        (None, None),
    ],
)
def test_parse_population(tag: str | None, expected: int | None) -> None:
    assert parse_population(tag) == expected


# --------------------------------------------------------------------------- places


def test_places_fixture_answers(osm_xml: Path) -> None:
    places = read_osm_places(osm_xml)
    assert list(places.columns) == PLACE_COLUMNS
    assert places.crs.to_epsg() == 4326
    assert places["population"].dtype == "Int64"
    assert places["seat"].dtype == bool
    rows = {
        r["id"]: (r["name"], r["place"], r["kind"], r["population"], r["seat"])
        for _, r in places.iterrows()
    }
    assert rows.keys() == {"n201", "n202", "n203", "w301"}  # locality n204 is no settlement
    assert rows["n201"] == ("三合镇", "town", "administrative", 12345, True)
    assert rows["n202"] == ("李家村", "village", "administrative", 1234, False)
    assert rows["n203"][:3] == ("王家寨", "hamlet", "natural")
    assert pd.isna(rows["n203"][3])
    assert rows["w301"][:3] == ("独家院", "isolated_dwelling", "natural")
    by_id = places.set_index("id")
    assert by_id.loc["n201", "geometry"].equals(Point(107.87, 26.05))
    outline = LineString([(107.9, 26.1), (107.902, 26.1), (107.902, 26.102)]).convex_hull
    assert outline.contains(by_id.loc["w301", "geometry"])


def test_places_may_be_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.osm"
    path.write_text('<osm version="0.6"><node id="1" version="1" lat="1" lon="2"/></osm>')
    places = read_osm_places(path)
    assert places.empty
    assert list(places.columns) == PLACE_COLUMNS
    assert places.crs.to_epsg() == 4326


# --------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(ReadError, match=r"nowhere\.osm\.pbf: no such file"):
        read_osm_roads(path)
    with pytest.raises(ReadError, match=r"nowhere\.osm\.pbf: no such file"):
        read_osm_places([path])


def test_unknown_extension(osm_xml: Path, tmp_path: Path) -> None:
    path = tmp_path / "roads.shp"
    path.write_bytes(osm_xml.read_bytes())
    with pytest.raises(ReadError, match=r"roads\.shp: unknown extension.*\.osm\.pbf"):
        read_osm_roads(path)


def test_no_path_given() -> None:
    with pytest.raises(ReadError, match="no OSM extract given"):
        read_osm_roads([])


def test_truncated_pbf(osm_xml: Path, tmp_path: Path) -> None:
    whole = _write_pbf(osm_xml, tmp_path / "whole.osm.pbf").read_bytes()
    path = tmp_path / "cut.osm.pbf"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ReadError, match=r"cut\.osm\.pbf: cannot be read.*truncated or corrupted"):
        read_osm_roads(path)
    with pytest.raises(ReadError, match=r"cut\.osm\.pbf"):
        read_osm_places(path)


def test_truncated_bz2(osm_xml: Path, tmp_path: Path) -> None:
    packed = bz2.compress(osm_xml.read_bytes())
    path = tmp_path / "cut.osm.bz2"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ReadError, match=r"cut\.osm\.bz2: cannot be read"):
        read_osm_roads(path)


def test_not_an_extract_at_all(tmp_path: Path) -> None:
    path = tmp_path / "photo.osm.pbf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ReadError, match=r"photo\.osm\.pbf: cannot be read"):
        read_osm_roads(path)


def test_malformed_xml(osm_xml: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.osm"
    text = osm_xml.read_text(encoding="utf-8")
    path.write_text(text[: text.index('<way id="104"')] + "<way id=", encoding="utf-8")
    with pytest.raises(ReadError, match=r"broken\.osm: cannot be read.*not well-formed OSM XML"):
        read_osm_roads(path)
    with pytest.raises(ReadError, match=r"broken\.osm"):
        read_osm_places(path)


def test_no_drivable_road_names_the_highway_values_found(tmp_path: Path) -> None:
    path = tmp_path / "paths.osm"
    path.write_text(
        """<osm version="0.6">
  <node id="1" version="1" lat="26.0" lon="107.8"/>
  <node id="2" version="1" lat="26.0" lon="107.9"/>
  <way id="1" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>
  <way id="2" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>
  <way id="3" version="1"><nd ref="2"/><nd ref="1"/><tag k="highway" v="path"/></way>
</osm>"""
    )
    with pytest.raises(ReadError, match=r"paths\.osm: no drivable road.*footway \(2\), path \(1\)"):
        read_osm_roads(path)


def test_no_highway_at_all(tmp_path: Path) -> None:
    path = tmp_path / "rivers.osm"
    path.write_text('<osm version="0.6"><node id="1" version="1" lat="26" lon="107"/></osm>')
    with pytest.raises(ReadError, match=r"rivers\.osm: no way has a highway tag"):
        read_osm_roads(path)


def test_only_unlocated_roads(tmp_path: Path) -> None:
    path = tmp_path / "ways_only.osm"
    path.write_text(
        '<osm version="0.6"><way id="1" version="1"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="primary"/></way></osm>'
    )
    with pytest.raises(ReadError, match=r"ways_only\.osm: none of the 1 drivable road way"):
        read_osm_roads(path)


# --------------------------------------------------------------------------- real extracts

# file name: (drivable road ways, settlements); measured once, the files are fixed
REAL_EXTRACTS = {
    "andorra/graphhopper_andorra.osm.pbf": (1331, 59),
    "andorra/graphhopper_andorra.osm.bz2": (1331, 59),
    "boeblingen/otp_boeblingen-minimal.osm.pbf": (224, 0),
    "boeblingen/otp_deufringen-minimal.osm.pbf": (123, 0),
    "boeblingen/otp_deufringen-minimal.osm.bz2": (123, 0),
    "boeblingen/otp_ehningen-minimal.osm.pbf": (96, 0),
}


@pytest.mark.realdata
def test_every_real_extract_is_listed(realdata: Path) -> None:
    found = {
        p.relative_to(realdata).as_posix()
        for pattern in ("*/*.osm.pbf", "*/*.osm.bz2")
        for p in realdata.glob(pattern)
    }
    assert found == set(REAL_EXTRACTS)


@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(REAL_EXTRACTS))
def test_real_extract_loads(realdata: Path, name: str) -> None:
    roads_expected, places_expected = REAL_EXTRACTS[name]
    roads = read_osm_roads(realdata / name)
    assert len(roads) == roads_expected
    assert roads["id"].is_unique
    assert roads.attrs == {"clipped_ways": 0, "skipped_ways": 0}
    assert roads.is_valid.all()
    assert set(roads["class"]) <= {
        "national",
        "provincial",
        "county",
        "township",
        "village",
        "other",
    }
    places = read_osm_places(realdata / name)
    assert len(places) == places_expected


@pytest.mark.realdata
@pytest.mark.parametrize(
    "stem", ["andorra/graphhopper_andorra", "boeblingen/otp_deufringen-minimal"]
)
def test_real_pbf_and_bz2_are_identical(realdata: Path, stem: str) -> None:
    pbf = read_osm_roads(realdata / f"{stem}.osm.pbf")
    xml = read_osm_roads(realdata / f"{stem}.osm.bz2")
    assert_geodataframe_equal(pbf, xml)


@pytest.mark.realdata
def test_real_andorra_figures(realdata: Path) -> None:
    roads = read_osm_roads(realdata / "andorra/graphhopper_andorra.osm.pbf")
    assert roads["class"].value_counts().to_dict() == {
        "village": 572,
        "provincial": 326,
        "other": 276,
        "county": 148,
        "township": 9,
    }
    assert roads["surface"].value_counts().to_dict() == {"paved": 185, "gravel": 32, "earth": 15}
    assert int(roads["oneway"].sum()) == 294
    assert roads["route_code"].isna().all()  # Andorran refs (CG-2, CS-310) are not Chinese codes
    places = read_osm_places(realdata / "andorra/graphhopper_andorra.osm.pbf")
    assert places["place"].value_counts().to_dict() == {"village": 32, "hamlet": 20, "town": 7}
    assert int(places["seat"].sum()) == 7


@pytest.mark.realdata
def test_real_boeblingen_extracts_merge(realdata: Path) -> None:
    folder = realdata / "boeblingen"
    names = ["otp_boeblingen-minimal", "otp_deufringen-minimal", "otp_ehningen-minimal"]
    merged = read_osm_roads([folder / f"{n}.osm.pbf" for n in names])
    assert merged["id"].is_unique
    assert len(merged) == 224 + 123 + 96  # the three extracts share no road way
    both = read_osm_roads(
        [folder / "otp_deufringen-minimal.osm.pbf", folder / "otp_deufringen-minimal.osm.bz2"]
    )
    assert len(both) == 123


@pytest.mark.realdata
def test_real_truncated_pbf(realdata: Path, tmp_path: Path) -> None:
    path = tmp_path / "andorra.osm.pbf"
    path.write_bytes((realdata / "andorra/graphhopper_andorra.osm.pbf").read_bytes()[:500])
    with pytest.raises(ReadError, match=r"andorra\.osm\.pbf: cannot be read.*truncated"):
        read_osm_roads(path)
