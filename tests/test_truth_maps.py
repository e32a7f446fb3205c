"""Maps state what the data could not tell, stay readable with many lines (issue 12)."""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from roadnet.bus import compute_coverage
from roadnet.county import load_county
from roadnet.formatting import format_km
from roadnet.maps import access_document, coverage_document, siting_document, write_map, write_png
from roadnet.paved import compute_access
from roadnet.quality import DataQuality, QualityNote
from tests.truthcounty import write_tiny

DATA = re.compile(r'<script type="application/json" id="rn-data">(.*?)</script>', re.DOTALL)
NOTE = QualityNote(
    "stops_off_network",
    text_zh="3 个站点距最近道路超过 1 公里",
    text_en="3 stops are more than 1 km from any road",
    count=3,
)


class _Boxes(HTMLParser):
    """Collects the text of each element with an id (the map's boxes) and the list items."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.text: dict[str, list[str]] = {}
        self.items: dict[str, list[str]] = {}
        self.inputs: list[dict[str, str | None]] = []
        self._li: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
            return
        self.stack.append(attrs.get("id"))
        if tag == "li":
            self._li = []

    def handle_endtag(self, tag):
        if tag == "li" and self._li is not None:
            for box in filter(None, self.stack):
                self.items.setdefault(box, []).append("".join(self._li))
            self._li = None
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for box in filter(None, self.stack):
            self.text.setdefault(box, []).append(data)
        if self._li is not None:
            self._li.append(data)


def _boxes(html: str) -> _Boxes:
    parser = _Boxes()
    parser.feed(html)
    return parser


def _data(html: str) -> dict:
    match = DATA.search(html)
    assert match
    return json.loads(match.group(1))


class _WithNotes:
    """A result with the notes in ``quality`` (as analyses gain them)."""

    def __init__(self, result, quality):
        self._result, self.quality = result, quality

    def __getattr__(self, name):
        return getattr(self._result, name)


class _JsonNotes:
    """A result whose notes are only in its JSON's ``data_quality``."""

    def __init__(self, result, notes):
        self._result, self._notes = result, notes

    def __getattr__(self, name):
        if name == "quality":
            raise AttributeError(name)
        return getattr(self._result, name)

    def to_json(self):
        return {**self._result.to_json(), "data_quality": self._notes}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    def blank_r3(layers):
        layers["roads"].loc[2, "路面类型"] = None

    county = load_county(write_tiny(tmp_path_factory.mktemp("c"), edit=blank_r3))
    return county, compute_coverage(county), compute_access(county)


def test_access_map_shows_the_data_notes(tiny, tmp_path):
    county, _, access = tiny
    note = access.quality.get("unknown_surface")
    rai = access.quality.get("rai_population_missing")  # 李家窑 has no population
    html = write_map(access_document(access, county), tmp_path / "a.html").read_text("utf-8")
    boxes = _boxes(html)
    assert "数据说明" in "".join(boxes.text["rn-notes"])
    # the county's notes (townships and a stop given by name, rewritten to ids) come first
    loading = list(county.quality)
    assert boxes.items["rn-notes"] == [*(n.text_zh for n in loading), note.text_zh, rai.text_zh]
    en = write_map(access_document(access, county, lang="en"), tmp_path / "e.html")
    boxes = _boxes(en.read_text(encoding="utf-8"))
    assert "Data notes" in "".join(boxes.text["rn-notes"])
    assert boxes.items["rn-notes"] == [*(n.text_en for n in loading), note.text_en, rai.text_en]


def test_maps_read_notes_from_quality_or_json(tiny, tmp_path):
    county, coverage, _ = tiny
    plain = write_map(coverage_document(coverage, county), tmp_path / "c.html").read_text(
        encoding="utf-8"
    )
    # the tiny county's coverage has no note of its own (or none yet): no box then
    if not getattr(coverage, "quality", None):
        assert 'id="rn-notes"' not in plain
    noted = _WithNotes(coverage, DataQuality((NOTE,)))
    html = write_map(coverage_document(noted, county), tmp_path / "n.html").read_text(
        encoding="utf-8"
    )
    assert NOTE.text_zh in _boxes(html).items["rn-notes"]
    in_json = _JsonNotes(coverage, {NOTE.key: NOTE.to_json()})
    doc = coverage_document(in_json, county, lang="en")
    assert doc.notes == (NOTE.text_en,)
    assert coverage_document(in_json, county).notes == (NOTE.text_zh,)


def test_png_prints_the_notes(tiny, tmp_path):
    from roadnet.maps.png import notes_lines

    county, _, access = tiny
    doc = access_document(access, county, lang="en")
    lines = notes_lines(doc, cjk=False)
    assert lines[0] == "Data notes"
    # the first note is the county's (its townships given by name, rewritten to ids)
    assert " ".join(line.strip(" ·") for line in lines[1:]).startswith(
        county.quality.get("villages_township_from_name").text_en[:60]
    )
    assert len(notes_lines(dataclasses.replace(doc, notes=(NOTE.text_en,) * 20))) == 6
    assert notes_lines(dataclasses.replace(doc, notes=())) == []
    assert write_png(doc, tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


REASONS = {"二道沟": "disconnected", "李家窑": "off_network", "乌素村": "too_far"}


def test_unserved_villages_coloured_by_reason(tiny):
    county, coverage, _ = tiny
    villages = coverage.villages.assign(
        unserved_reason=[REASONS.get(n) for n in coverage.villages["name"]]
    )
    result = dataclasses.replace(coverage, villages=villages)
    doc = coverage_document(result, county)
    v = doc.villages
    classes = {name: v.classes[int(c)] for name, c in zip(v.names, v.class_index, strict=True)}
    assert classes["二道沟"].label == "未通客车（道路段不连通）"
    assert classes["李家窑"].label == "未通客车（远离道路）"
    assert classes["乌素村"].label == "未通客车（超出服务半径）"
    assert len({classes[n].colour for n in REASONS}) == 3
    assert classes["张家营子"].label == "通客车建制村"
    labels = [e.label for e in doc.legend[0].entries]
    for label in ("未通客车（道路段不连通）", "未通客车（远离道路）", "未通客车（超出服务半径）"):
        assert label in labels
    assert "未通客车建制村" not in labels  # every unserved village has its reason
    popup = dict(zip(v.fields, v.rows[v.names.index("二道沟")], strict=True))
    assert popup["未通客车原因"] == "所在道路段与有站点的路网不连通"
    popup = dict(zip(v.fields, v.rows[v.names.index("李家窑")], strict=True))
    assert popup["未通客车原因"] == "距最近道路超过 1,000 米"
    en = coverage_document(result, county, lang="en")
    row = en.villages.rows[en.villages.names.index("乌素村")]
    popup = dict(zip(en.villages.fields, row, strict=True))
    assert popup["Why not served"] == "beyond the 2,000 m radius"
    # without the column (a result from an older roadnet): the two classes, no reason row
    untold = coverage.villages.drop(columns=["unserved_reason"], errors="ignore")
    plain = coverage_document(dataclasses.replace(coverage, villages=untold), county)
    assert [c.label for c in plain.villages.classes] == ["通客车建制村", "未通客车建制村"]
    assert "未通客车原因" not in plain.villages.fields


def _many_lines(coverage, n: int):
    base = coverage.lines.iloc[[0] * n].reset_index(drop=True)
    base["id"] = [f"L{i}" for i in range(n)]
    base["name"] = [f"{i}路" for i in range(n)]
    base["villages_served"] = [i % 17 for i in range(n)]
    return dataclasses.replace(coverage, lines=base)


def test_legend_lists_the_top_lines_and_the_rest(tiny, tmp_path):
    from roadnet.maps.legend import LEGEND_LINES

    county, coverage, _ = tiny
    result = _many_lines(coverage, 112)
    doc = coverage_document(result, county)
    section = next(s for s in doc.legend if s.title == "公交线路")
    lines = [e for e in section.entries if e.symbol == "line"]
    assert len(lines) == LEGEND_LINES
    assert lines[-1].label == f"其他 {112 - LEGEND_LINES + 1} 条线路"
    top = sorted(result.lines.itertuples(), key=lambda r: (-r.villages_served, r.name))
    assert {e.label for e in lines[:-1]} == {r.name for r in top[: LEGEND_LINES - 1]}
    en = coverage_document(result, county, lang="en")
    section = next(s for s in en.legend if s.title == "Bus lines")
    assert section.entries[LEGEND_LINES - 1].label == f"{112 - LEGEND_LINES + 1} other lines"
    # the page's legend has as many rows as the document's (the PNG draws the same entries)
    html = write_map(coverage_document(result, county), tmp_path / "m.html").read_text(
        encoding="utf-8"
    )
    assert html.count("条线路</div>") == 1 and html.count(">111路</div>") == 0
    few = coverage_document(_many_lines(coverage, 5), county)
    section = next(s for s in few.legend if s.title == "公交线路")
    assert [e.label for e in section.entries if e.symbol == "line"] == [f"{i}路" for i in range(5)]


def test_scenario_legend_keeps_new_lines():
    from roadnet.maps.legend import line_legend

    names = [f"{i}路" for i in range(30)]
    served = np.arange(30, dtype=float)
    entries = line_legend(["#000"] * 30, names, served, lang="zh", keep=frozenset({0}))
    labels = [e.label for e in entries]
    assert "0路" in labels and labels[-1] == "其他 19 条线路"
    assert "29路" in labels and "18路" not in labels


def test_villages_drawn_smaller_when_many():
    from roadnet.maps import style
    from roadnet.maps.villages import radii

    def frame(n):
        return pd.DataFrame({"population": np.full(n, 1000.0), "kind": "administrative"})

    few, many = radii(frame(50)), radii(frame(1227))
    assert few.max() == pytest.approx(style.RADIUS_MAX)
    assert many.max() == pytest.approx(style.RADIUS_MAX * np.sqrt(300 / 1227), abs=0.05)
    assert many.max() < 0.55 * few.max()
    assert radii(frame(100_000)).max() == pytest.approx(style.RADIUS_MAX * style.DENSE_SCALE_MIN)


def test_siting_search_box_searches_projects(tmp_path):
    from roadnet.maps.offline import render_html
    from roadnet.siting import compute_siting
    from tests.test_siting import projects_frame, road, write_siting_county

    toml = write_siting_county(tmp_path / "c", projects=projects_frame([road()]))
    county = load_county(toml)
    doc = siting_document(compute_siting(county), county)
    html = render_html(doc)
    placeholders = [i.get("placeholder") for i in _boxes(html).inputs]
    assert placeholders == ["搜索项目…"]
    assert "搜索村庄" not in html
    assert _data(html)["text"]["noMatch"] == "没有找到项目"
    en = render_html(siting_document(compute_siting(county), county, lang="en"))
    assert [i.get("placeholder") for i in _boxes(en).inputs] == ["Search a project…"]


def test_map_figures_follow_the_rounding_rule(tiny):
    county, coverage, _ = tiny
    doc = coverage_document(coverage, county)
    lines = next(layer for layer in doc.layers if layer.key == "lines")
    length = dict(zip(lines.fields, lines.rows[0], strict=True))["长度"]
    assert length == f"{format_km(coverage.lines['length_km'].iloc[0])} 公里"
    townships = next(layer for layer in doc.layers if layer.key == "townships")
    shares = [dict(zip(townships.fields, row, strict=True))["通客车比例"] for row in townships.rows]
    assert all(re.fullmatch(r"\d+\.\d%|—", s) for s in shares), shares


def test_notes_box_opens_in_chromium(tiny, tmp_path):
    from tests.bench.test_bench_maps import CHROMIUM, html_attributes, run_chromium

    if not CHROMIUM.exists():
        pytest.skip(f"headless browser tests need {CHROMIUM} (Debian: apt-get install chromium)")
    county, coverage, access = tiny
    hostile = QualityNote("x", text_zh="<img src=x onerror=alert(1)>", text_en="x")
    noted = _WithNotes(access, access.quality.with_notes(hostile))
    path = write_map(access_document(noted, county), tmp_path / "a.html")
    run = run_chromium(path.as_uri(), "--dump-dom", "--virtual-time-budget=5000")
    assert run.returncode == 0, run.stderr[-2000:]
    attrs = html_attributes(run.stdout)
    assert "data-js-errors" not in attrs, attrs.get("data-js-errors")
    # the box was moved into a Leaflet control; the hostile note is text
    assert re.search(r'id="rn-notes" class="rn-box leaflet-control"', run.stdout)
    assert "&lt;img src=x onerror=alert(1)&gt;" in run.stdout
    big = write_map(coverage_document(_many_lines(coverage, 112), county), tmp_path / "c.html")
    run = run_chromium(big.as_uri(), "--dump-dom", "--virtual-time-budget=5000")
    assert "data-js-errors" not in html_attributes(run.stdout)
