"""The patrol map: roads by passes, unpatrolled target roads, vehicles, events."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

from roadnet.cli import main
from roadnet.county import load_county
from roadnet.maps import patrol_document, write_map
from roadnet.patrol import compute_patrol, default_ledger
from tests import countyfixture
from tests.bench.test_bench_maps import CHROMIUM, html_attributes, run_chromium

SCRIPT = "</script><script>document.documentElement.dataset.xss2=1</script>"
LEAFLET_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}
URL = re.compile(r"https?://[^\s\"'<>)\\]+")
DATA = re.compile(r'<script type="application/json" id="rn-data">(.*?)</script>', re.DOTALL)


def _track(path):
    """Fixes along the tiny county's R1 (lat 41°N, eastwards from 110.95°E), every 10 s."""
    times = pd.Timestamp("2023-06-01 08:00:00") + pd.to_timedelta(np.arange(40) * 10, unit="s")
    pd.DataFrame(
        {
            "车牌号": "蒙A·00001",
            "定位时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "经度": 110.95 + np.arange(40) * 0.0013,
            "纬度": 41.0 + np.random.default_rng(0).normal(0, 0.00005, 40),
            "速度": 40,
        }
    ).to_csv(path, index=False)
    return path


def _data(html: str) -> dict:
    match = DATA.search(html)
    assert match, "the map data element is missing"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def toml(tmp_path_factory):
    toml = countyfixture.write_county(tmp_path_factory.mktemp("county"))
    track = _track(toml.parent / "t.csv")  # one trip along R1
    assert main(["patrol", "import", str(toml), str(track)]) == 0
    return toml


@pytest.fixture(scope="module")
def computed(toml):
    county = load_county(toml)
    report = compute_patrol(county, ledger=default_ledger(toml.parent))
    # two events: one with its own position and a hostile note, one placed on its road
    events = pd.DataFrame(
        {
            "time": pd.to_datetime(["2023-06-01 00:05", "2023-06-01 00:09"], utc=True),
            "kind": ["overload", "obstacle"],
            "vehicle": ["蒙A·00001", None],
            "note": [SCRIPT, "落石"],
            "count": [2, 1],
            "month": ["2023-06", "2023-06"],
            "road_id": ["R1", "R2"],
            "distance_m": [3.0, 5.0],
            "township": ["150125100", "150125100"],
            "name": ["城关镇", "城关镇"],
            "lon": [110.97, np.nan],
            "lat": [41.0, np.nan],
        }
    )
    return county, dataclasses.replace(report, events=events)


@pytest.fixture(scope="module")
def html(computed, tmp_path_factory):
    county, report = computed
    return write_map(patrol_document(report, county), tmp_path_factory.mktemp("m") / "patrol.html")


def test_offline_and_escaped(html):
    text = html.read_text(encoding="utf-8")
    assert set(URL.findall(text)) <= LEAFLET_URLS
    assert "<script src" not in text.lower() and "<link" not in text.lower()
    assert SCRIPT not in text
    assert text.count("<script") == text.count("</script>")
    assert "&lt;/script&gt;&lt;script&gt;" in text  # the event list, as text


def test_roads_vehicles_and_events(computed, html):
    _, report = computed
    data = _data(html.read_text(encoding="utf-8"))
    layers = {layer["key"]: layer for layer in data["layers"]}
    assert layers["passes"]["t"] == ["县道一 (X001)"]  # the only road driven
    assert "乡道二 (Y002)" in layers["unpatrolled"]["t"]
    assert layers["unpatrolled"]["styles"][0]["dashArray"]
    assert len(report.unpatrolled) == len(layers["unpatrolled"]["g"])
    assert len(layers["vehicle_0"]["g"]) == 1
    events = data["villages"]
    assert len(events["ids"]) == 2
    assert events["x"][0] == 11097000 and events["y"][0] == 4100000  # its own position
    table = events["table"]
    notes = [table["strings"][i] for i in table["cols"][table["fields"].index("说明")]]
    assert SCRIPT in notes
    roads = [table["strings"][i] for i in table["cols"][table["fields"].index("道路")]]
    assert "R2（位置取道路中点）" in roads


def test_document_options(computed):
    county, report = computed
    doc = patrol_document(report, county, lang="en")
    assert doc.title == "测试县: road patrol"
    assert doc.subtitle.startswith("1 patrol vehicle trips")
    assert doc.panel is not None and doc.panel.title == "Patrol events (2)"
    shown = {layer.key: layer.show for layer in doc.layers}
    assert shown["passes"] and not shown["vehicle_0"]  # vehicles are ticked on


def test_cli_writes_the_map(toml, tmp_path):
    out = tmp_path / "maps" / "p.html"
    png = tmp_path / "maps" / "p.png"
    assert main(["patrol", "report", str(toml), "--map", str(out), "--png", str(png)]) == 0
    assert "巡查里程图" in out.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["patrol", "report", str(toml), "--map", str(out), "--basemap", "bing"]) == 2


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs {CHROMIUM}")
def test_opens_in_chromium(html, tmp_path):
    from matplotlib.image import imread

    run = run_chromium(html.as_uri() + "#v=0", "--dump-dom", "--virtual-time-budget=5000")
    assert run.returncode == 0, run.stderr[-2000:]
    attrs = html_attributes(run.stdout)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    assert "data-xss2" not in attrs
    assert int(attrs["data-village-markers"]) == 2
    assert "超限超载" in run.stdout  # the first event's popup opened
    shot = tmp_path / "shot.png"
    run = run_chromium(html.as_uri(), f"--screenshot={shot}", "--virtual-time-budget=5000")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert imread(shot)[..., :3].std() > 0.05


def test_no_events_and_no_driving(computed, tmp_path):
    county, report = computed
    empty = report.by_road.assign(passes=0, km=0.0)
    quiet = dataclasses.replace(
        report, events=report.events.iloc[0:0], by_road=empty, by_vehicle_road=empty.iloc[0:0]
    )
    path = write_map(patrol_document(quiet, county, lang="en"), tmp_path / "quiet.html")
    data = _data(path.read_text(encoding="utf-8"))
    assert data["villages"]["ids"] == []
    assert "passes" not in {layer["key"] for layer in data["layers"]}
    assert "No events in the period" in path.read_text(encoding="utf-8")
