"""The scenario map: today and the scenario in one offline file, changes highlighted."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from roadnet.cli import main
from roadnet.io.atomic import write_geopackage
from roadnet.maps import scenario_document, write_map
from roadnet.scenario import run_scenario
from tests import countyfixture
from tests.bench.test_bench_maps import CHROMIUM, html_attributes, run_chromium

IMG = '<img src=x onerror="document.documentElement.dataset.xss=1">'
SCRIPT = "</script><script>document.documentElement.dataset.xss2=1</script>"
LEAFLET_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}
URL = re.compile(r"https?://[^\s\"'<>)\\]+")
DATA = re.compile(r'<script type="application/json" id="rn-data">(.*?)</script>', re.DOTALL)
V2, V5 = "150125100202", "150125200203"

# a new line to 李家窑 (V5) and a new paved road; 二道沟 (V2) is named to attack the page
SCENARIO = """
name = "{name}"
description = "2路试点"
baseline = "county.toml"

[[change]]
op = "add_line"
id = "L2"
name = "2路"
stops = ["县城站", "李家窑"]
trips_per_day = 2

[[change]]
op = "pave_roads"
roads = ["R3"]
"""


def _data(html: str) -> dict:
    match = DATA.search(html)
    assert match, "the map data element is missing"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county")
    countyfixture.write_county(folder)
    layers = countyfixture.layers()
    layers["villages"].loc[1, "村名"] = IMG
    write_geopackage(folder / "tiny.gpkg", layers)
    path = folder / "s.toml"
    body = SCENARIO.format(name=SCRIPT.replace('"', '\\"'))
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def result(scenario_file):
    return run_scenario(scenario_file)


@pytest.fixture(scope="module")
def html_path(result, tmp_path_factory):
    return write_map(scenario_document(result), tmp_path_factory.mktemp("map") / "scenario.html")


def test_offline_and_escaped(html_path):
    html = html_path.read_text(encoding="utf-8")
    assert set(URL.findall(html)) <= LEAFLET_URLS
    assert "<script src" not in html.lower() and "<link" not in html.lower()
    assert IMG not in html and SCRIPT not in html
    assert html.count("<script") == html.count("</script>")
    assert "&lt;/script&gt;&lt;script&gt;" in html  # the scenario name in the title
    assert IMG in _data(html)["villages"]["names"]  # the data itself is intact


def test_both_states_and_the_changes(result, html_path):
    data = _data(html_path.read_text(encoding="utf-8"))
    villages = data["villages"]
    assert len(villages["ids"]) == len(result.scenario_coverage.villages) == 5
    gained = villages["c"][villages["ids"].index(V5)]
    assert villages["classes"][gained]["label"] == "新增通客车建制村"
    assert villages["classes"][villages["c"][villages["ids"].index(V2)]]["label"] == (
        "未通客车（不变）"
    )
    layers = {layer["key"]: layer for layer in data["layers"]}
    assert len(layers["before_lines"]["g"]) == 1 and len(layers["after_lines"]["g"]) == 2
    assert len(layers["after_new_lines"]["g"]) == 1
    assert layers["changed_roads"]["t"] == ["村道三"]  # R3, paved by the scenario
    assert layers["connected_gained"]["t"] == ["李家窑"]  # on R3: now reaches the seat paved
    assert len(layers["before_served"]["g"]) == 2 and len(layers["after_served"]["g"]) == 3
    doc = scenario_document(result)
    shown = {layer.key: layer.show for layer in doc.layers}
    assert not shown["before_lines"] and shown["after_lines"]  # the scenario opens first
    assert doc.subtitle == (
        "新增通客车建制村 1 个，失去 0 个，服务人口 +0；新通硬化路村庄 1 个（2路试点）"
    )
    assert "现状：公交线路" in {layer.name for layer in doc.layers}


def test_english(result):
    doc = scenario_document(result, lang="en")
    assert doc.subtitle.startswith("1 villages gain bus service, 0 lose it")
    assert "Scenario: Bus lines" in {layer.name for layer in doc.layers}
    assert doc.panel is not None and doc.panel.title == "Villages whose service changes (1)"


def test_cli_writes_the_map(scenario_file, tmp_path):
    out = tmp_path / "maps" / "s.html"
    png = tmp_path / "maps" / "s.png"
    code = main(["scenario", str(scenario_file), "--map", str(out), "--png", str(png)])
    assert code == 0
    assert "新增通客车建制村" in out.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["scenario", str(scenario_file), "--map", str(out), "--basemap", "bing"]) == 2


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs {CHROMIUM}")
def test_opens_in_chromium(html_path, tmp_path):
    from matplotlib.image import imread

    run = run_chromium(html_path.as_uri(), "--dump-dom", "--virtual-time-budget=5000")
    assert run.returncode == 0, run.stderr[-2000:]
    attrs = html_attributes(run.stdout)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    assert "data-xss" not in attrs and "data-xss2" not in attrs
    assert int(attrs["data-village-markers"]) == 5
    shot = tmp_path / "shot.png"
    run = run_chromium(html_path.as_uri(), f"--screenshot={shot}", "--virtual-time-budget=5000")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert imread(shot)[..., :3].std() > 0.05
