"""Offline HTML maps: self-contained, escaped, complete; the print PNG; the CLI options."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from roadnet.bus import CoverageParams, compute_coverage
from roadnet.cli import main
from roadnet.county import load_county
from roadnet.errors import ConfigError
from roadnet.io.atomic import write_geopackage
from roadnet.maps import access_document, coverage_document, print_language, write_map, write_png
from roadnet.maps.basemap import OSM_URL
from roadnet.network import build_graph, distances_from_sources, snap_points
from roadnet.paved import compute_access
from tests import countyfixture

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
# Inside the inlined Leaflet: an XML namespace (never fetched) and Leaflet's attribution link.
LEAFLET_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}
URL = re.compile(r"https?://[^\s\"'<>)\\]+")
DATA = re.compile(r'<script type="application/json" id="rn-data">(.*?)</script>', re.DOTALL)


def _county_with_names(folder: Path, names: dict[int, str]) -> Path:
    toml = countyfixture.write_county(folder)
    layers = countyfixture.layers()
    for row, name in names.items():
        layers["villages"].loc[row, "村名"] = name
    write_geopackage(folder / "tiny.gpkg", layers)
    return toml


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    # villages 1 and 4 are administrative and not served: both are listed in the panel
    folder = tmp_path_factory.mktemp("county")
    county = load_county(_county_with_names(folder, {1: IMG, 4: SCRIPT}))
    return county, compute_coverage(county)


@pytest.fixture(scope="module")
def html_zh(tiny, tmp_path_factory):
    county, result = tiny
    path = write_map(
        coverage_document(result, county), tmp_path_factory.mktemp("map") / "coverage.html"
    )
    return path.read_text(encoding="utf-8")


def _data(html: str) -> dict:
    match = DATA.search(html)
    assert match, "the map data element is missing"
    return json.loads(match.group(1))


def _popup_row(villages: dict, at: int) -> dict[str, str]:
    table = villages["table"]
    return {
        field: table["strings"][column[at]]
        for field, column in zip(table["fields"], table["cols"], strict=True)
    }


def _urls(html: str) -> set[str]:
    return set(URL.findall(html))


def test_no_network_urls_without_tiles(html_zh):
    assert _urls(html_zh) <= LEAFLET_URLS
    lowered = html_zh.lower()
    assert "<script src" not in lowered and "<link" not in lowered
    assert "url(http" not in lowered and "@import" not in lowered
    assert "sourcemappingurl" not in lowered
    for library in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers"):
        assert library not in lowered


def test_leaflet_is_inlined(html_zh):
    assert 'version="1.9.3"' in html_zh  # Leaflet's L.version
    assert ".leaflet-pane" in html_zh  # its CSS
    assert "url(data:image/png;base64," in html_zh  # CSS images as data URIs
    assert "images/layers.png" not in html_zh
    assert '<meta name="viewport"' in html_zh


def test_every_village_is_in_the_data(tiny, html_zh):
    _, result = tiny
    villages = _data(html_zh)["villages"]
    assert len(villages["ids"]) == len(result.villages) == 5
    assert sorted(villages["ids"]) == sorted(result.villages["id"].astype(str))
    assert len(villages["x"]) == len(villages["y"]) == len(villages["c"]) == 5
    for column in villages["table"]["cols"]:
        assert len(column) == 5


def test_popups_name_township_stop_and_line(html_zh):
    villages = _data(html_zh)["villages"]
    row = _popup_row(villages, villages["names"].index("张家营子"))
    assert row["乡镇"] == "城关镇"
    assert row["最近站点"] == "县城站"
    assert row["服务线路"] == "1路"
    assert row["人口"] == "1,200 人"
    assert row["到站距离"].endswith(" 米")
    assert _popup_row(villages, villages["names"].index("乌素村"))["类型"] == "自然村"


def test_popup_of_an_unreachable_village(tiny):
    county, result = tiny
    villages = result.villages.copy()
    villages["nearest_stop"] = villages["nearest_stop"].astype(object)
    villages.loc[3, ["nearest_stop", "distance_m"]] = [np.nan, np.inf]
    villages.at[3, "lines"] = []
    villages.at[3, "unserved_reason"] = "disconnected"
    doc = coverage_document(dataclasses.replace(result, villages=villages), county, lang="en")
    at = doc.villages.ids.index(str(villages.at[3, "id"]))
    # distance, nearest stop, lines, then the reason the village is not served
    assert doc.villages.rows[at][3:6] == ("—", "unreachable", "—")
    assert "road piece" in doc.villages.rows[at][6]


def test_hostile_names_are_escaped(html_zh):
    assert IMG not in html_zh
    assert SCRIPT not in html_zh
    assert "alert(1)</script>" not in html_zh
    assert html_zh.count("<script") == html_zh.count("</script>")
    # shown as text: escaped in the HTML list, \u003c-escaped in the JSON data
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_zh
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html_zh
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html_zh
    names = _data(html_zh)["villages"]["names"]
    assert IMG in names and SCRIPT in names  # the data itself is intact


def test_runtime_never_uses_innerhtml_for_data():
    from roadnet.maps.runtime import runtime_js

    RUNTIME_JS = runtime_js()

    assert "innerHTML" not in RUNTIME_JS
    assert "textContent" in RUNTIME_JS


def test_unserved_panel_lists_admin_villages_by_population(html_zh):
    panel = re.search(r'<details id="rn-panel".*?</details>', html_zh, re.DOTALL).group(0)
    assert "未通客车建制村（2个）" in panel
    listed = re.findall(r'<li data-i="(\d+)"><b>(.*?)</b>', panel)
    assert [name for _, name in listed] == [
        "&lt;img src=x onerror=alert(1)&gt;",  # 800 people
        "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;",  # population unknown
    ]
    names = _data(html_zh)["villages"]["names"]
    assert [names[int(i)] for i, _ in listed] == [IMG, SCRIPT]


def test_chinese_by_default_english_on_request(tiny, tmp_path, html_zh):
    county, result = tiny
    for label in ("图例", "搜索村庄", "测试县公交覆盖图", "通客车建制村", "乡镇建制村通客车比例"):
        assert label in html_zh
    en = write_map(coverage_document(result, county, lang="en"), tmp_path / "en.html")
    text = en.read_text(encoding="utf-8")
    for label in (
        "Legend",
        "Search a village",
        "测试县: rural bus coverage",
        "Administrative village, served",
        "Villages not served (2)",
        "1 lines, 1 buses serve",
    ):
        assert label in text
    assert "图例" not in text and "搜索村庄" not in text
    data = _data(text)
    assert data["villages"]["table"]["fields"][0] == "Township"
    assert data["text"]["noMatch"] == "No village found"


def test_osm_basemap_adds_only_its_tile_url(tiny, tmp_path):
    county, result = tiny
    path = write_map(coverage_document(result, county, basemap="osm"), tmp_path / "osm.html")
    html = path.read_text(encoding="utf-8")
    assert _urls(html) == LEAFLET_URLS | {OSM_URL, "https://www.openstreetmap.org/copyright"}
    assert html.count(OSM_URL) == 1
    assert "L.tileLayer(" in html


def test_tianditu_needs_a_key(tiny, tmp_path, monkeypatch):
    county, result = tiny
    monkeypatch.delenv("ROADNET_TIANDITU_KEY", raising=False)
    target = tmp_path / "tdt.html"
    with pytest.raises(ConfigError, match="ROADNET_TIANDITU_KEY"):
        write_map(coverage_document(result, county, basemap="tianditu"), target)
    assert not target.exists()
    monkeypatch.setenv("ROADNET_TIANDITU_KEY", "0123456789abcdef0123456789abcdef")
    html = write_map(coverage_document(result, county, basemap="tianditu"), target).read_text(
        "utf-8"
    )
    hosts = {re.sub(r"^https?://([^/]+).*", r"\1", u) for u in _urls(html) - LEAFLET_URLS}
    assert hosts == {"t{s}.tianditu.gov.cn", "www.tianditu.gov.cn"}
    assert "tk=0123456789abcdef0123456789abcdef" in html
    monkeypatch.setenv("ROADNET_TIANDITU_KEY", "abc'});alert(1)//")
    with pytest.raises(ConfigError, match="letters and digits"):
        write_map(coverage_document(result, county, basemap="tianditu"), target)


def test_unknown_basemap_or_language(tiny, tmp_path):
    county, result = tiny
    with pytest.raises(ConfigError, match="basemap"):
        write_map(coverage_document(result, county, basemap="google"), tmp_path / "x.html")
    with pytest.raises(ConfigError, match="language"):
        write_map(coverage_document(result, county, lang="fr"), tmp_path / "x.html")


def test_failed_write_leaves_the_old_file(tiny, tmp_path, monkeypatch):
    county, result = tiny
    target = tmp_path / "coverage.html"
    target.write_text("the map of last year", encoding="utf-8")
    real = Path.write_text

    def half_then_fail(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_map(coverage_document(result, county), target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "the map of last year"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage.html"]


def test_reachable_roads_stop_within_the_radius(tiny):
    """The coverage result gives the roads the map shades; the map does not route."""
    county, result = tiny
    reach = result.reachable_roads
    # Both stops stand ~100 m off road R1, far (> 2 km) from every junction, so the
    # reachable road is 2 x 2 x (2000 - 100) m of R1 around their feet.
    assert reach.crs == county.crs
    assert reach.length.sum() == pytest.approx(4 * 1900, rel=0.01)
    graph = build_graph(county.layer("roads"))
    stops = snap_points(graph, result.stops.geometry.to_numpy())
    samples = shapely.line_interpolate_point(
        reach.to_numpy()[:, None], np.linspace(0, 1, 21)[None, :], normalized=True
    ).ravel()
    distance = distances_from_sources(graph, stops, snap_points(graph, samples)).distance
    assert distance.max() <= 2000 + 1e-6


def test_reach_is_drawn_under_the_lines(html_zh):
    layers = {layer["key"]: layer for layer in _data(html_zh)["layers"]}
    assert {"townships", "reach", "roads", "lines", "stops"} <= set(layers)
    assert layers["reach"]["z"] < layers["lines"]["z"] < layers["stops"]["z"]
    assert layers["townships"]["l"] == ["城关镇", "东乡"]


def test_map_without_townships_or_roads(tmp_path):
    countyfixture.write_county(tmp_path)
    sections = "\n".join(
        f'[layers.{name}]\npath = "tiny.gpkg"\nlayer = "{name}"\n'
        for name in ("villages", "bus_stops", "bus_lines")
    )
    toml = tmp_path / "bare.toml"
    toml.write_text(f'name = "无路县"\n{sections}', encoding="utf-8")
    county = load_county(toml)
    result = compute_coverage(county, params=CoverageParams(metric="straight"))
    doc = coverage_document(result, county, lang="en")
    assert [layer.key for layer in doc.layers] == ["reach", "lines", "stops"]
    assert doc.layers[0].kind == "circles" and doc.layers[0].radius_m == 2000
    html = write_map(coverage_document(result, county), tmp_path / "bare.html").read_text("utf-8")
    assert len(_data(html)["villages"]["ids"]) == 5
    png = write_png(
        coverage_document(result, county, lang=print_language("en")), tmp_path / "bare.png"
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_access_map_colours_connection_and_lists_candidates(tmp_path):
    county = load_county(_county_with_names(tmp_path / "c", {1: IMG}))
    result = compute_access(county)
    html = write_map(access_document(result, county), tmp_path / "access.html").read_text("utf-8")
    assert _urls(html) <= LEAFLET_URLS
    assert IMG not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    data = _data(html)
    villages = data["villages"]
    assert len(villages["ids"]) == 5
    labels = [c["label"] for c in villages["classes"]]
    assert labels == ["通硬化路建制村", "未通硬化路建制村"]
    connected = dict(
        zip(result.villages["id"].astype(str), result.villages["connected"], strict=True)
    )
    assert [villages["c"][i] == 0 for i in range(5)] == [connected[v] for v in villages["ids"]]
    roads = next(layer for layer in data["layers"] if layer["key"] == "roads")
    paved = roads["styles"][0]
    assert paved["weight"] > max(s["weight"] for s in roads["styles"][1:])
    panel = re.search(r'<details id="rn-panel".*?</details>', html, re.DOTALL).group(0)
    assert len(re.findall(r"<li data-i=", panel)) == len(result.candidates) == 3
    assert "通硬化路图" in html and "县城" in html


def test_png_in_chinese_or_english_without_a_font(tiny, tmp_path, monkeypatch, caplog):
    county, result = tiny
    png = write_png(
        coverage_document(result, county, lang=print_language("zh")), tmp_path / "coverage.png"
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr("roadnet.maps.png.find_cjk_font", lambda: None)
    with caplog.at_level(logging.WARNING, logger="roadnet.maps.png"):
        fallback = write_png(
            access_document(compute_access(county), county, lang=print_language("zh")),
            tmp_path / "access.png",
        )
    assert fallback.stat().st_size > 10_000
    assert "no Chinese font" in caplog.text


def test_cli_writes_maps(tmp_path):
    toml = countyfixture.write_county(tmp_path / "county")
    out = tmp_path / "maps" / "coverage.html"
    png = tmp_path / "maps" / "coverage.png"
    code = main(["coverage", str(toml), "--map", str(out), "--png", str(png), "--lang", "en"])
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "Villages not served" in html and _urls(html) <= LEAFLET_URLS
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    access = tmp_path / "maps" / "access.html"
    assert main(["access", str(toml), "--map", str(access), "--basemap", "osm"]) == 0
    assert OSM_URL in access.read_text(encoding="utf-8")


def test_cli_map_options_fail_early(tmp_path, monkeypatch, capsys):
    toml = countyfixture.write_county(tmp_path / "county")
    monkeypatch.delenv("ROADNET_TIANDITU_KEY", raising=False)
    out = tmp_path / "c.html"
    assert main(["coverage", str(toml), "--map", str(out), "--basemap", "tianditu"]) == 2
    assert "ROADNET_TIANDITU_KEY" in capsys.readouterr().err
    assert main(["access", str(toml), "--map", str(out), "--basemap", "bing"]) == 2
    assert "--basemap must be none, osm or tianditu" in capsys.readouterr().err
    assert not out.exists()


def test_presentation_libraries_stay_in_maps():
    code = (
        "import sys, roadnet.bus, roadnet.paved, roadnet.maps; "
        "print(sorted(m for m in ('folium', 'matplotlib', 'branca') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_line_encoding_round_trips():
    from roadnet.maps.geometry import decode_part, encode_geometry, encode_lines

    geoms = np.array(
        [
            shapely.LineString([(111.0, 41.0), (111.00001, 41.00002), (111.2, 41.3)]),
            None,
            shapely.MultiLineString([[(110.5, 40.5), (110.6, 40.7)], [(1, 1), (1, 1.000001)]]),
            shapely.LineString([(111.1, 41.1), (111.1, 41.1), (111.3, 41.2)]),
        ],
        dtype=object,
    )
    fast = encode_lines(geoms)
    assert fast == [encode_geometry(g) if g is not None else [] for g in geoms]
    assert len(fast[2]) == 1  # a part shorter than 1e-5 degree is dropped
    back = decode_part(fast[0][0])
    assert np.allclose(back, shapely.get_coordinates(geoms[0]), atol=1e-5)


def test_hostile_county_title_and_line_names(tiny, tmp_path):
    county, result = tiny
    lines = result.lines.copy()
    lines["name"] = [IMG]
    hostile = dataclasses.replace(result, county=SCRIPT, lines=lines)
    html = write_map(coverage_document(hostile, county, title=IMG), tmp_path / "h.html").read_text(
        "utf-8"
    )
    assert IMG not in html and SCRIPT not in html
    assert html.count("<script") == html.count("</script>")
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 2  # title box and legend
    assert _data(html)["footer"].startswith("数据：&lt;/script&gt;")
