"""``roadnet demo`` end to end in a temporary folder, and its index page in a browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from roadnet.cli import main
from roadnet.report.index import IndexPage, IndexSection, write_index
from tests.bench.test_bench_maps import CHROMIUM, html_attributes, run_chromium

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    (root / "scenarios").mkdir()
    for scenario in sorted((REPO / "scenarios").glob("*.toml")):
        shutil.copy(scenario, root / "scenarios" / scenario.name)
    args = ["demo", "--out", str(root / "maps"), "--layers", str(root / "layers")]
    args += ["--scenarios", str(root / "scenarios")]
    assert main(args) == 0
    return root


def _hrefs(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', page)


def test_demo_writes_everything(demo_folder):
    root = demo_folder
    maps = root / "maps"
    assert (root / "layers" / "county.gpkg").exists()  # the sample was generated
    for name in ("coverage.html", "coverage.xlsx", "coverage.json", "access.html", "access.json"):
        assert (maps / name).stat().st_size > 0, name
    for name in ("patrol.json", "patrol.xlsx", "siting.json", "siting.xlsx", "index.html"):
        assert (maps / name).stat().st_size > 0, name
    for ext in ("md", "docx", "xlsx", "json"):
        assert (maps / f"report-2023.{ext}").stat().st_size > 0
    coverage = json.loads((maps / "coverage.json").read_text(encoding="utf-8"))["summary"]
    assert (coverage["lines"], coverage["vehicles"]) == (7, 3)
    assert (coverage["townships_served"], coverage["villages_served"]) == (6, 36)
    patrol = json.loads((maps / "patrol.json").read_text(encoding="utf-8"))["summary"]
    assert patrol["trips"] == 60
    report = json.loads((maps / "report-2023.json").read_text(encoding="utf-8"))
    assert report["patrol"]["trips"] == patrol["trips"]
    assert report["coverage"]["villages_served"] == coverage["villages_served"]
    for scenario in (root / "scenarios").glob("*.toml"):
        assert (maps / f"scenario-{scenario.stem}.json").exists(), scenario.name


def test_index_links_exist_and_nothing_external(demo_folder):
    root = demo_folder
    page = (root / "maps" / "index.html").read_text(encoding="utf-8")
    links = _hrefs(page)
    assert "coverage.html" in links and "report-2023.docx" in links
    assert any(link.endswith(".png") for link in links)
    for link in links:
        assert not re.match(r"[a-z]+:", link), link  # relative, offline
        assert (root / "maps" / unquote(link)).exists(), link
    assert "http://" not in page and "https://" not in page
    assert "7 条线路" in page  # the headline figures


def test_index_escapes_text(tmp_path):
    (tmp_path / "a b.json").write_text("{}", encoding="utf-8")
    page = IndexPage(
        title="<script>alert(1)</script>",
        sections=(IndexSection("s", "<b>x</b>", links=(("l", tmp_path / "a b.json"),)),),
    )
    text = write_index(page, tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)" in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert 'href="a%20b.json"' in text


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs {CHROMIUM}")
def test_index_opens_offline_in_chromium(demo_folder):
    root = demo_folder
    index = root / "maps" / "index.html"
    run = run_chromium(index.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert "城乡客运覆盖" in dom and "年度报告" in dom
    links = re.findall(r'<a href="([^"]+)"', dom)
    assert links
    for link in links:
        assert (root / "maps" / unquote(link)).exists(), link
    images = re.findall(r'<img src="([^"]+)"', dom)
    assert len(images) == 3
    assert html_attributes(dom)["data-images-loaded"] == "3"  # the charts display
