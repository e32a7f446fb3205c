"""The annual report: every figure of its text equals the analyses' JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from roadnet.bus import compute_coverage
from roadnet.cli import main
from roadnet.county import load_county
from roadnet.formatting import round_km
from roadnet.paved import compute_access
from roadnet.report import compute_report, write_report
from tests import countyfixture


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not in the report"
    return float(found.group(1).replace(",", ""))


def _numbers(pattern: str, text: str) -> tuple[float, ...]:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not in the report"
    return tuple(float(g.replace(",", "")) for g in found.groups())


def _check_coverage(text: str, doc: dict) -> None:
    s = doc["summary"]
    assert _number(r"设置城乡客运线路([\d,]+)条", text) == s["lines"]
    assert _number(r"投入客车([\d,]+)辆", text) == s["vehicles"]
    assert _numbers(r"覆盖([\d,]+)个乡镇（全县共([\d,]+)个）", text) == (
        s["townships_served"],
        s["townships_total"],
    )
    assert _numbers(r"、([\d,]+)个建制村（全县共([\d,]+)个）", text) == (
        s["villages_served"],
        s["villages_total"],
    )
    rate = _number(r"建制村通客车率([\d,.]+)%", text)
    assert rate == pytest.approx(100 * s["villages_served"] / s["villages_total"], abs=0.05)
    assert _number(r"服务人口([\d,]+)人", text) == s["population_served"]
    assert _number(r"共需配车([\d,]+)辆", text) == s["vehicles_required"]
    for township in doc["townships"]:
        if not township["served"]:
            assert township["name"] in text.split("存在的困难")[1]


def _check_access(text: str, doc: dict) -> None:
    s = doc["summary"]
    assert _numbers(r"全县([\d,]+)个建制村中([\d,]+)个通硬化路", text) == (
        s["villages_total"],
        s["villages_connected"],
    )
    rate = _number(r"建制村公路通畅率([\d,.]+)%", text)
    assert rate == pytest.approx(100 * s["villages_connected"] / s["villages_total"], abs=0.05)
    unconnected = s["villages_total"] - s["villages_connected"]
    assert _number(r"尚有([\d,]+)个建制村未通硬化路", text) == unconnected
    assert _number(r"可达指数（RAI）([\d,.]+)%", text) == pytest.approx(100 * s["rai"], abs=0.05)


def _check_patrol(text: str, doc: dict) -> None:
    s = doc["summary"]
    assert _number(r"出动巡查车辆([\d,]+)台次", text) == s["trips"]
    # lengths by the one rounding rule (roadnet.formatting): whole km from 10 km on
    assert _number(r"县乡公路总里程([\d,.]+)公里", text) == round_km(s["target_km"])
    assert _number(r"匹配路网总里程([\d,.]+)公里", text) == round_km(s["matched_km"])
    share = _number(r"覆盖县乡公路网([\d,.]+)%", text)
    assert share == pytest.approx(100 * s["coverage"], abs=0.05)
    counts = {row["kind"]: row["count"] for row in doc["events"]["by_kind"]}
    if counts.get("obstacle"):
        assert _number(r"公路障碍物([\d,]+)处", text) == counts["obstacle"]
    if counts.get("illegal_operation"):
        assert _number(r"非法营运车辆([\d,]+)起", text) == counts["illegal_operation"]


def _check_siting(text: str, doc: dict) -> None:
    s = doc["summary"]
    kinds = {}
    for project in doc["projects"]:
        kinds[project["kind"]] = kinds.get(project["kind"], 0) + 1
    assert _number(r"共计([\d,]+)个项目", text) == s["projects"] == len(doc["projects"])
    for kind, pattern in (
        ("network_link", r"联网路建设项目([\d,]+)个"),
        ("village_paving", r"通硬化路项目([\d,]+)个"),
        ("repair", r"修复性养护工程项目([\d,]+)个"),
        ("continuing", r"续建项目([\d,]+)个"),
    ):
        if kinds.get(kind):
            assert _number(pattern, text) == kinds[kind]
    for key, pattern in (
        ("footprint_mu", r"项目共占地([\d,.]+)亩"),
        ("cultivated_mu", r"占用耕地([\d,.]+)亩"),
        ("forest_mu", r"、林地([\d,.]+)亩"),
        ("grassland_mu", r"、草地([\d,.]+)亩"),
        ("compensation_mu", r"占补平衡补充耕地([\d,.]+)亩"),
    ):
        assert _number(pattern, text) == pytest.approx(s[key], abs=0.0501), key
    bf = _numbers(r"([\d,]+)个项目涉及永久基本农田([\d,.]+)亩", text)
    assert bf[0] == s["projects_basic_farmland"]
    assert bf[1] == pytest.approx(s["basic_farmland_mu"], abs=0.0501)
    eco = _numbers(r"([\d,]+)个项目涉及生态保护红线([\d,.]+)亩", text)
    assert eco[0] == s["projects_eco_redline"]
    assert eco[1] == pytest.approx(s["eco_redline_mu"], abs=0.0501)


def _files(out: Path, year: int) -> dict[str, Path]:
    return {ext: out / f"report-{year}.{ext}" for ext in ("md", "docx", "xlsx", "json")}


def test_tiny_county_report_skips_what_it_lacks(tmp_path):
    toml = countyfixture.write_county(tmp_path / "county")
    report = compute_report(toml, year=2023)
    assert set(report.skipped) == {"patrol", "siting"}
    files = write_report(report, tmp_path / "out")
    text = files.markdown.read_text(encoding="utf-8")
    county = load_county(toml)
    _check_coverage(text, compute_coverage(county).to_json())
    _check_access(text, compute_access(county).to_json())
    assert text.count("本年度未统计此项") == 2  # patrol and siting say why
    assert "projects" in text  # the reason names the missing layer
    for path in _files(tmp_path / "out", 2023).values():
        assert path.exists() and path.stat().st_size > 0
    figures = json.loads(files.json.read_text(encoding="utf-8"))
    assert figures["coverage"]["villages_served"] == report.coverage.summary["villages_served"]
    assert set(figures["skipped"]) == {"patrol", "siting"}
    assert "villages_by_township" in files.charts


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    from roadnet.sample import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, seed=0, scale=0.3)
    return folder / "county.toml"


@pytest.fixture(scope="module")
def small_report(small_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    report = compute_report(small_sample)
    return report, write_report(report, out), out


def test_sample_report_figures_equal_the_json(small_report):
    report, files, _ = small_report
    assert report.skipped == {}
    assert report.ledger is not None and report.ledger.exists()  # tracks imported first
    text = files.markdown.read_text(encoding="utf-8")
    _check_coverage(text, report.coverage.to_json())
    _check_access(text, report.access.to_json())
    _check_patrol(text, report.patrol.to_json())
    _check_siting(text, report.siting.to_json())
    figures = json.loads(files.json.read_text(encoding="utf-8"))
    assert figures["patrol"]["trips"] == report.patrol.summary["trips"]
    siting = report.siting.to_json()["summary"]
    assert figures["siting"]["compensation_mu"] == siting["compensation_mu"]
    assert figures["text"][0].startswith(report.county)


def test_sample_report_files(small_report):
    from docx import Document
    from openpyxl import load_workbook

    _, files, _ = small_report
    assert set(files.charts) == {"villages_by_township", "patrol_by_month", "land_by_project"}
    for chart in files.charts.values():
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({chart.name})" in files.markdown.read_text(encoding="utf-8")
    document = Document(str(files.docx))
    assert len(document.inline_shapes) == len(files.charts)
    body = "\n".join(p.text for p in document.paragraphs)
    assert "城乡客运一体化" in body and "存在的困难" in body
    sheets = load_workbook(files.xlsx, read_only=True).sheetnames
    assert "巡查按月" in sheets and "项目占地" in sheets


def _cells(path: Path) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return {s.title: [tuple(r) for r in s.iter_rows(values_only=True)] for s in book}
    finally:
        book.close()


def test_report_is_idempotent_and_english(small_sample, tmp_path):
    from roadnet.manifest import read_manifest
    from roadnet.patrol import read_points
    from roadnet.patrol.sources import county_ledger, import_county

    first = compute_report(small_sample)
    one = write_report(first, tmp_path / "one")
    manifest = read_manifest(small_sample)
    ledger = county_ledger(manifest)
    points = len(read_points(ledger))
    import_county(manifest, ledger)  # the tracks imported once more: nothing is added
    assert len(read_points(ledger)) == points
    again = compute_report(small_sample)
    two = write_report(again, tmp_path / "two")
    assert again.patrol.summary == first.patrol.summary
    assert again.to_json() == first.to_json()
    assert two.markdown.read_text(encoding="utf-8") == one.markdown.read_text(encoding="utf-8")
    assert json.loads(two.json.read_text(encoding="utf-8")) == json.loads(
        one.json.read_text(encoding="utf-8")
    )
    assert _cells(two.xlsx) == _cells(one.xlsx)
    files = write_report(again, tmp_path, lang="en")
    text = files.markdown.read_text(encoding="utf-8")
    assert "annual report" in text and "Difficulties" in text
    assert re.search(rf"made {again.patrol.summary['trips']} trips", text)
    assert again.headline(lang="en") == files.figures["text"][0]


def test_cli_report(small_sample, tmp_path, capsys):
    code = main(["report", str(small_sample), "--out", str(tmp_path), "--year", "2023"])
    assert code == 0
    assert (tmp_path / "report-2023.docx").exists()
    assert str(tmp_path / "report-2023.md") in capsys.readouterr().out


def test_year_without_patrol_trips_skips_patrol(small_sample, tmp_path):
    report = compute_report(small_sample, year=2022)
    assert report.patrol is None and "2022" in report.skipped["patrol"]
    files = write_report(report, tmp_path)
    text = files.markdown.read_text(encoding="utf-8")
    assert "（三）路政巡查。本年度未统计此项" in text
    assert "2023年度项目库中" in text  # the projects are of 2023, not of the report's year
    assert "patrol_by_month" not in files.charts


def test_a_broken_layer_only_skips_its_section(tmp_path):
    extra = '[layers.projects]\npath = "missing.gpkg"\n[layers.parcels]\npath = "missing.gpkg"\n'
    toml = countyfixture.write_county(tmp_path / "county", toml_extra=extra)
    report = compute_report(toml, year=2023)
    assert report.coverage is not None and report.access is not None
    assert report.siting is None and "missing.gpkg" in report.skipped["siting"]
    text = write_report(report, tmp_path / "out").markdown.read_text(encoding="utf-8")
    assert "（四）农村公路项目。本年度未统计此项" in text


def test_skipped_sections_explained_in_chinese():
    from roadnet.report.text import _reason_zh

    assert _reason_zh("the county has no projects, parcels layer (add ...)").startswith(
        "县域数据缺少项目、地类图斑图层"
    )
    assert "2022年度" in _reason_zh("the patrol ledger x.gpkg has no trips in 2022")
    assert "roadnet patrol import" in _reason_zh(
        "the patrol ledger x.gpkg is empty and county.toml lists no [patrol] tracks"
    )
