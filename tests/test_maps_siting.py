"""The siting map: footprints by flag, parcels taken by category, figures in 亩."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from shapely import LineString

from roadnet.cli import main
from roadnet.county import load_county
from roadnet.formatting import format_mu
from roadnet.maps import siting_document, write_map
from roadnet.siting import compute_siting
from tests.bench.test_bench_maps import CHROMIUM, html_attributes, run_chromium
from tests.test_siting import at, projects_frame, road, write_siting_county

IMG = '<img src=x onerror="document.documentElement.dataset.xss=1">'
SCRIPT = "</script><script>document.documentElement.dataset.xss2=1</script>"
LEAFLET_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}
URL = re.compile(r"https?://[^\s\"'<>)\\]+")
DATA = re.compile(r'<script type="application/json" id="rn-data">(.*?)</script>', re.DOTALL)


def _data(html: str) -> dict:
    match = DATA.search(html)
    assert match, "the map data element is missing"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def toml(tmp_path_factory):
    # P1 and P2 cross basic farmland (x 0–10) and the red line (x > 95); P3 is on no parcel
    projects = projects_frame(
        [
            road(name=IMG, kind="联网路"),
            road(id="P2", name=SCRIPT, kind="village_paving", width_m=np.nan),
            road(id="P3", name="北线", geometry=LineString([at(0, 300), at(60, 300)])),
        ]
    )
    return write_siting_county(tmp_path_factory.mktemp("c"), projects=projects)


@pytest.fixture(scope="module")
def computed(toml):
    county = load_county(toml)
    return county, compute_siting(county)


@pytest.fixture(scope="module")
def html(computed, tmp_path_factory):
    county, result = computed
    path = write_map(siting_document(result, county), tmp_path_factory.mktemp("m") / "siting.html")
    return path


def test_offline_and_escaped(html):
    text = html.read_text(encoding="utf-8")
    assert set(URL.findall(text)) <= LEAFLET_URLS
    assert "<script src" not in text.lower() and "<link" not in text.lower()
    assert IMG not in text and SCRIPT not in text
    assert text.count("<script") == text.count("</script>")
    assert "&lt;img src=x" in text  # the project list, as text
    assert IMG in _data(text)["villages"]["names"]


def test_footprints_pieces_and_zones(computed, html):
    _, result = computed
    data = _data(html.read_text(encoding="utf-8"))
    layers = {layer["key"]: layer for layer in data["layers"]}
    footprints = layers["footprints"]
    assert len(footprints["g"]) == len(result.projects) == 3
    colours = [footprints["styles"][s]["color"] for s in footprints["s"]]
    assert colours == ["#7b3294", "#7b3294", "#6b6b6b"]  # red line, red line, clear
    pieces = layers["parcel_pieces"]
    assert len(pieces["g"]) == len(result.parcels) == 4
    fills = {pieces["styles"][s]["fillColor"] for s in pieces["s"]}
    assert fills == {"#f3d64e", "#4d9a4d"}  # 耕地 yellow, 林地 green
    assert len(layers["basic_farmland"]["g"]) == 1 and len(layers["eco_redline"]["g"]) == 1
    # the markers: one per project, the list shows the red-line projects first
    markers = data["villages"]
    assert markers["ids"] == ["P1", "P2", "P3"]
    table = markers["table"]
    footprint_col = table["fields"].index("占地")
    first = table["strings"][table["cols"][footprint_col][0]]
    # 亩 by the one rounding rule of roadnet.formatting (one decimal)
    assert first == f"{format_mu(result.projects['footprint_m2'].iloc[0] / (10000 / 15))} 亩"


def test_panel_and_english(computed):
    county, result = computed
    doc = siting_document(result, county, lang="en")
    assert doc.panel is not None and doc.panel.title == "Projects (3)"
    assert doc.panel.items[-1] == 2  # the clear project last
    assert "touches the ecological red line" in doc.panel.details[0]
    assert doc.title == "测试县: land taken by road projects"
    assert doc.villages.rows[0][1].endswith(" mu")


def test_cli_writes_the_map(toml, tmp_path):
    out = tmp_path / "maps" / "s.html"
    png = tmp_path / "maps" / "s.png"
    assert main(["siting", str(toml), "--map", str(out), "--png", str(png), "--lang", "en"]) == 0
    assert "land taken by road projects" in out.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["siting", str(toml), "--map", str(out), "--basemap", "bing"]) == 2


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs {CHROMIUM}")
def test_opens_in_chromium(html, tmp_path):
    from matplotlib.image import imread

    run = run_chromium(html.as_uri() + "#v=P1", "--dump-dom", "--virtual-time-budget=5000")
    assert run.returncode == 0, run.stderr[-2000:]
    attrs = html_attributes(run.stdout)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    assert "data-xss" not in attrs and "data-xss2" not in attrs
    assert int(attrs["data-village-markers"]) == 3
    assert "需补充耕地" in run.stdout  # the popup of P1 opened
    shot = tmp_path / "shot.png"
    run = run_chromium(html.as_uri(), f"--screenshot={shot}", "--virtual-time-budget=5000")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert imread(shot)[..., :3].std() > 0.05
