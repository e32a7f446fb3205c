"""The maps in a real browser: headless Chromium with every network request failing.

Needs Debian's ``chromium`` at /usr/bin/chromium (``apt-get install chromium``; ``.ci/run``
installs it). Without it these tests are skipped with that reason; they install nothing.

The page records what it did on ``<html>``: ``data-village-markers``, ``data-ready-ms``,
``data-paint-ms`` and, for any JavaScript error, ``data-js-errors``. ``--dump-dom`` prints
the DOM after the load event, so these are read from Chromium's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from roadnet.bus import compute_coverage
from roadnet.county import load_county
from roadnet.io.atomic import write_geopackage
from roadnet.maps import access_document, coverage_document, write_map
from roadnet.paved import compute_access
from tests import countyfixture
from tests.bench.test_bench_maps import (
    CHROMIUM,
    html_attributes,
    run_chromium,
    synthetic_county,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"headless browser tests need {CHROMIUM} (Debian: apt-get install chromium)",
)

# Each would mark <html> if it ever ran as markup.
IMG = '<img src=x onerror="document.documentElement.dataset.xss=1">'
SCRIPT = "</script><script>document.documentElement.dataset.xss2=1</script>"


def _open(path: Path, fragment: str = "") -> tuple[str, dict[str, str]]:
    run = run_chromium(path.as_uri() + fragment, "--dump-dom", "--virtual-time-budget=5000")
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout, html_attributes(run.stdout)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county")
    toml = countyfixture.write_county(folder)
    layers = countyfixture.layers()
    layers["villages"].loc[1, "村名"] = IMG  # administrative, not served: in the panel
    layers["villages"].loc[4, "村名"] = SCRIPT
    write_geopackage(folder / "tiny.gpkg", layers)
    county = load_county(toml)
    return county, compute_coverage(county)


@pytest.fixture(scope="module")
def coverage_html(tiny, tmp_path_factory):
    county, result = tiny
    return write_map(
        coverage_document(result, county), tmp_path_factory.mktemp("map") / "coverage.html"
    )


def test_opens_offline_without_errors(tiny, coverage_html):
    _, result = tiny
    dom, attrs = _open(coverage_html)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    assert int(attrs["data-village-markers"]) == len(result.villages) == 5
    # SVG renderer for small maps: one interactive path per village
    assert dom.count('class="rn-village leaflet-interactive"') == len(result.villages)
    assert int(attrs["data-ready-ms"]) > 0  # setup ran to its end
    # the UI was moved into Leaflet controls, and nothing external was loaded
    for box in ("rn-title", "rn-search", "rn-panel", "rn-legend"):
        assert re.search(rf'id="{box}" class="rn-box leaflet-control"', dom), box
    assert re.search(r'<div id="rn-ui" hidden="">\s*</div>', dom)
    assert "leaflet-control-scale" in dom and "leaflet-control-layers" in dom
    assert re.search(r'<(img|script|link|iframe)[^>]*(src|href)="https?:', dom) is None


def test_hostile_names_run_nothing(tiny, coverage_html):
    _, result = tiny
    _, attrs = _open(coverage_html)
    assert "data-xss" not in attrs and "data-xss2" not in attrs
    target = result.villages.loc[result.villages["name"] == IMG, "id"].iloc[0]
    dom, attrs = _open(coverage_html, f"#v={target}")  # opens the village's popup
    assert "data-xss" not in attrs and "data-js-errors" not in attrs
    popup = re.search(r'<div class="leaflet-popup-content"[^>]*>(.*?)</table>', dom, re.DOTALL)
    assert popup, "the popup did not open"
    assert "&lt;img src=x onerror=" in popup.group(1)
    assert "乡镇" in popup.group(1) and "城关镇" in popup.group(1)


def test_screenshot_is_not_blank(coverage_html, tmp_path):
    from matplotlib.image import imread

    shot = tmp_path / "shot.png"
    run = run_chromium(coverage_html.as_uri(), f"--screenshot={shot}", "--virtual-time-budget=5000")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (900, 1200)
    assert pixels.std() > 0.05
    rgb = np.round(pixels.reshape(-1, 3) * 255).astype(int)
    colours = {tuple(c) for c in rgb[:: max(1, len(rgb) // 200_000)]}
    assert len(colours) > 100

    def near(hex_colour: str) -> int:
        target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(rgb - target).max(axis=1) <= 12).sum())

    assert near("#1a9850") > 20  # served villages drawn
    assert near("#d73027") > 20  # unserved villages drawn


def test_access_map_and_english_open_cleanly(tiny, tmp_path):
    county, result = tiny
    access = write_map(
        access_document(compute_access(county), county, lang="en"), tmp_path / "a.html"
    )
    _, attrs = _open(access)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    assert int(attrs["data-village-markers"]) == 5
    osm = write_map(coverage_document(result, county, basemap="osm"), tmp_path / "osm.html")
    _, attrs = _open(osm)  # tiles fail (no network): the map still works
    assert "data-js-errors" not in attrs and int(attrs["data-village-markers"]) == 5


def test_large_map_draws_on_canvas(tmp_path):
    county = load_county(synthetic_county(tmp_path / "county", 3500, seed=1))
    result = compute_coverage(county)
    path = write_map(coverage_document(result, county), tmp_path / "coverage.html")
    dom, attrs = _open(path)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    assert int(attrs["data-village-markers"]) == len(result.villages) == 3500
    assert "<canvas" in dom


def _with_script(path: Path, script: str, target: Path) -> Path:
    """A copy of the map with a test script run after the map's own setup."""
    html = path.read_text(encoding="utf-8")
    target.write_text(html.replace("</html>", f"<script>{script}</script></html>"), "utf-8")
    return target


def test_search_and_list_open_popups(tiny, coverage_html, tmp_path):
    # Typing into the search box and clicking, as a user would, by a script run after load.
    script = """
    var root = document.documentElement;
    function popup() {
      var p = document.querySelector(".leaflet-popup-content");
      return p ? p.textContent : "";
    }
    var input = document.querySelector("#rn-search input");
    input.value = "王家"; input.dispatchEvent(new Event("input"));
    var hits = document.querySelectorAll("#rn-search li");
    root.setAttribute("data-search-hits", String(hits.length));
    hits[0].click();
    root.setAttribute("data-search-popup", popup());
    input.value = "onerror"; input.dispatchEvent(new Event("input"));
    root.setAttribute("data-hostile-hits", document.querySelector("#rn-search ul").textContent);
    input.value = "没有这个村"; input.dispatchEvent(new Event("input"));
    root.setAttribute("data-no-hits", document.querySelector("#rn-search ul").textContent);
    document.querySelector("#rn-panel li").click();
    root.setAttribute("data-panel-popup", popup());
    """
    page = _with_script(coverage_html, script, tmp_path / "scripted.html")
    _, attrs = _open(page)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    assert attrs["data-search-hits"] == "1"
    assert attrs["data-search-popup"].startswith("王家湾")
    assert "东乡" in attrs["data-search-popup"] and "1路" in attrs["data-search-popup"]
    assert "onerror" in attrs["data-hostile-hits"]  # found, and shown as text
    assert attrs["data-no-hits"] == "没有找到"
    assert attrs["data-panel-popup"].startswith(IMG + "乡镇城关镇")  # the name, as text
    assert "data-xss" not in attrs and "data-xss2" not in attrs
