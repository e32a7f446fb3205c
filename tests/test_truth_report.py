"""The annual report claims only what the data shows, names its year, escapes names (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely import LineString

from roadnet.cli import main
from roadnet.formatting import format_km
from roadnet.report import compute_report, write_report
from tests import countyfixture
from tests.truthcounty import PLACEHOLDER, docx_text, rename_villages, write_tiny, xlsx_texts


def _all_text(files) -> dict[str, str]:
    return {
        "md": files.markdown.read_text(encoding="utf-8"),
        "docx": docx_text(files.docx),
        "xlsx": "\n".join(xlsx_texts(files.xlsx)),
        "json": files.json.read_text(encoding="utf-8"),
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_fleet_no_townships_no_year(tmp_path, lang):
    toml = write_tiny(tmp_path / "c", drop=("fleet", "townships"))
    report = compute_report(toml)
    assert report.year is None and report.year_source is None  # never the current year
    files = write_report(report, tmp_path / "out", lang=lang)
    suffix = "-en" if lang == "en" else ""
    assert files.markdown.name == f"report-undated{suffix}.md"
    assert files.xlsx.name == f"report-undated{suffix}.xlsx"
    assert str(dt.date.today().year) not in files.markdown.name
    texts = _all_text(files)
    for kind, text in texts.items():
        found = PLACEHOLDER.search(text)
        assert found is None, f"{kind}: {text[max(0, found.start() - 60) : found.end() + 20]}"
    md = texts["md"]
    if lang == "zh":
        assert "年度工作总结报告（年度不详）" in md and "请用 --year 指定" in md
        claims = md.split("数据说明")[0]  # the data notes may say why townships are unknown
        assert "投入客车" not in claims and "个乡镇" not in claims  # no fleet, no townships
        assert "现有车辆可满足运行需要" not in md
        assert "没有车辆（fleet）图层，现有客车数量不详，未核定车辆能否满足运行需要" in md
        assert "设置城乡客运线路1条，覆盖2个建制村（全县共4个）" in md
    else:
        assert "(year not known)" in md and "--year" in md
        bus = md.split("1.1 Urban-rural bus service.")[1].split("\n")[0]
        assert "buses, serving" not in bus and "townships" not in bus
        assert "The county runs 1 rural bus lines, serving 2 of 4 administrative" in bus
        assert "which the fleet covers" not in md
        assert "whether the buses suffice is not known" in md
    figures = json.loads(texts["json"])
    assert "year" not in figures  # not known: absent, never null
    assert "vehicles" not in figures["coverage"] and "townships_total" not in figures["coverage"]


def test_fleet_is_judged_only_when_known(tmp_path):
    toml = write_tiny(tmp_path / "c")
    md = write_report(compute_report(toml, year=2023), tmp_path / "o").markdown
    text = md.read_text(encoding="utf-8")
    assert "投入客车1辆" in text and "现有车辆可满足运行需要" in text
    assert "覆盖2个乡镇（全县共2个）" in text


def _projects(year: int) -> gpd.GeoDataFrame:
    at = countyfixture._at
    return gpd.GeoDataFrame(
        {"id": ["P1"], "name": ["新路"], "kind": ["repair"], "year": [year]},
        geometry=[LineString([at(-4, -1), at(-1, -1)])],
        crs=4490,
    )


def test_year_from_the_projects(tmp_path, capsys):
    toml = write_tiny(tmp_path / "c", extra={"projects": _projects(2021)})
    report = compute_report(toml)
    assert (report.year, report.year_source) == (2021, "projects")
    md = write_report(report, tmp_path / "o").markdown
    assert md.name == "report-2021.md"
    assert "报告年度：2021年（取自项目的年度字段）" in md.read_text(encoding="utf-8")
    assert main(["report", str(toml), "--out", str(tmp_path / "cli")]) == 0
    assert "报告年度：2021（取自项目的年度字段）" in capsys.readouterr().err


def _gtfs(path: Path, *, calendar: str = "", dates: str = "") -> Path:
    at = countyfixture._at
    (x1, y1), (x2, y2) = at(-5, 0.1), at(4, 0.1)
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "A,县公交,http://example.invalid,Asia/Shanghai\n",
        "stops.txt": f"stop_id,stop_name,stop_lat,stop_lon\nS1,县城站,{y1},{x1}\n"
        f"S2,王家湾站,{y2},{x2}\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1路,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR1,WK,T1\nR1,WK,T2\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,07:00:00,07:00:00,S1,1\nT1,07:20:00,07:20:00,S2,2\n"
        "T2,12:00:00,12:00:00,S1,1\nT2,12:20:00,12:20:00,S2,2\n",
    }
    if calendar:
        files["calendar.txt"] = (
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
            f"start_date,end_date\n{calendar}\n"
        )
    if dates:
        files["calendar_dates.txt"] = f"service_id,date,exception_type\n{dates}\n"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_year_from_the_timetable(tmp_path, capsys):
    folder = tmp_path / "c"
    # runs 31 days of 2021 and 181 of 2022: the timetable's year is 2022
    calendar = "WK,1,1,1,1,1,1,1,20211201,20220630"
    toml = write_tiny(folder, drop=("bus_stops", "bus_lines"))
    _gtfs(folder / "bus.zip", calendar=calendar)
    with toml.open("a", encoding="utf-8") as handle:
        handle.write('\n[layers.bus_lines]\ngtfs = "bus.zip"\n')
    report = compute_report(toml)
    assert report.coverage is not None
    assert (report.year, report.year_source) == (2022, "timetable")
    md = write_report(report, tmp_path / "o", lang="en").markdown
    assert md.name == "report-2022-en.md"
    assert "2022 (the year is the year the bus timetable runs most days in)" in md.read_text(
        encoding="utf-8"
    )


def test_timetable_year_from_calendar_dates_only(tmp_path):
    from roadnet.manifest import read_manifest
    from roadnet.report.period import timetable_year

    folder = tmp_path / "c"
    toml = write_tiny(folder, drop=("bus_stops", "bus_lines"))
    _gtfs(folder / "bus.zip", dates="WK,20240105,1\nWK,20240106,1\nWK,20230101,1\nWK,20250101,2")
    with toml.open("a", encoding="utf-8") as handle:
        handle.write('\n[layers.bus_lines]\ngtfs = "bus.zip"\n')
    assert timetable_year(read_manifest(toml)) == 2024  # removals (type 2) do not count
    assert timetable_year(read_manifest(write_tiny(tmp_path / "d"))) is None


HOSTILE = {
    1: "<script>alert(1)</script>",  # 二道沟: administrative, not connected
    3: "*bold*_x_[a](http://x.invalid)|y",  # 乌素村: natural
    4: '=HYPERLINK("http://x.invalid","x")',  # 李家窑: administrative, not connected
}


def test_markdown_escapes_names(tmp_path):
    from markdown_it import MarkdownIt

    toml = write_tiny(tmp_path / "c", edit=rename_villages(HOSTILE))
    files = write_report(compute_report(toml, year=2023), tmp_path / "o")
    md = files.markdown.read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in rendered and "<a " not in rendered and "<em>" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered  # shown as written
    assert '=HYPERLINK("http://x.invalid","x")' in docx_text(files.docx)  # docx: plain text


def test_markdown_text_escapes_markdown_and_html():
    from roadnet.report.text import markdown_text

    assert markdown_text("a*b_c[d]|e`f~g\\h") == "a\\*b\\_c\\[d\\]\\|e\\`f\\~g\\\\h"
    assert markdown_text("<b>&") == "&lt;b&gt;&amp;"
    assert markdown_text("- x") == "\\- x" and markdown_text("1. x") == "1\\. x"
    assert markdown_text("# x") == "\\# x" and markdown_text("a\nb") == "a b"
    assert markdown_text("（人口较多的有张家营子）") == "（人口较多的有张家营子）"


def _formula_cells(path: Path) -> list[tuple[str, str, bool]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [
        (cell.value, cell.data_type, bool(cell.quotePrefix))
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@"
    ]


def test_xlsx_names_are_never_formulas(tmp_path):
    names = {**HOSTILE, 0: "+1+1", 2: "@SUM(A1)"}
    toml = write_tiny(tmp_path / "c", edit=rename_villages(names))
    report_xlsx = write_report(compute_report(toml, year=2023), tmp_path / "o").xlsx
    coverage_xlsx = tmp_path / "c.xlsx"
    assert main(["coverage", str(toml), "--xlsx", str(coverage_xlsx)]) == 0
    access_xlsx = tmp_path / "a.xlsx"
    assert main(["access", str(toml), "--xlsx", str(access_xlsx)]) == 0
    for path in (report_xlsx, coverage_xlsx, access_xlsx):
        cells = _formula_cells(path)
        assert any(value.startswith("=HYPERLINK") for value, _, _ in cells), path
        for value, data_type, quoted in cells:
            assert data_type == "s" and quoted, (path.name, value)
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            assert not any(b"<f>" in archive.read(n) for n in sheets)  # no formula stored


def test_data_notes_section_lists_the_notes(tmp_path, capsys):
    def blank_r3(layers):
        layers["roads"].loc[2, "路面类型"] = None

    toml = write_tiny(tmp_path / "c", edit=blank_r3)
    assert main(["report", str(toml), "--out", str(tmp_path / "cli"), "--year", "2023"]) == 0
    assert "注意：1 条道路（" in capsys.readouterr().err
    files = write_report(compute_report(toml, year=2023), tmp_path / "o")
    md = files.markdown.read_text(encoding="utf-8")
    assert "## 三、数据说明" in md
    assert "1 条道路（" in md.split("三、数据说明")[1]
    access = md.split("（二）农村公路路网。")[1].split("\n")[0]
    assert "路面类型不详，按未硬化计" in access and "通硬化路建制村在2至3个之间" in access
    figures = json.loads(files.json.read_text(encoding="utf-8"))
    assert figures["access"]["unknown_surface"]["rule"] == "unpaved"
    # the tiny county's 李家窑 has no population: coverage and the RAI say so too; its
    # townships and a stop given by name are rewritten to ids when it is loaded
    assert set(figures["data_quality"]) == {
        "villages_township_from_name",
        "bus_lines_stops_from_name",
        "unknown_surface",
        "population_missing",
        "rai_population_missing",
    }
    assert figures["data_quality"]["unknown_surface"]["section"] == "access"
    en = write_report(compute_report(toml, year=2023), tmp_path / "e", lang="en").markdown
    assert "## 3. Data notes" in en.read_text(encoding="utf-8")


@pytest.mark.realdata
def test_andorra_report_states_unknown_surfaces(tmp_path, realdata):
    pbf = realdata / "andorra" / "graphhopper_andorra.osm.pbf"
    toml = tmp_path / "county.toml"
    toml.write_text(
        f'name = "Andorra"\n[layers.roads]\npath = "{pbf}"\n[layers.villages]\npath = "{pbf}"\n',
        encoding="utf-8",
    )
    report = compute_report(toml)
    assert report.access is not None and report.year is None  # nothing in it is dated
    files = write_report(report, tmp_path / "out")
    texts = _all_text(files)
    for kind, text in texts.items():
        assert PLACEHOLDER.search(text) is None, kind
    note = report.access.quality.get("unknown_surface")
    access = texts["md"].split("（二）农村公路路网。")[1].split("\n")[0]
    assert f"另有{format_km(note.km)}公里道路" in access and "路面类型不详，按未硬化计" in access
    figures = json.loads(texts["json"])
    assert figures["access"]["unknown_surface"]["share"] == pytest.approx(note.share, abs=1e-4)
    assert next(iter(figures["data_quality"])) == "unknown_surface"


def test_unchecked_zones_are_not_reported_clear(tmp_path):
    from tests.test_siting import write_siting_county

    toml = write_siting_county(tmp_path / "c")
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.split("[layers.basic_farmland]")[0], encoding="utf-8")
    report = compute_report(toml, year=2023)
    assert report.siting is not None
    md = write_report(report, tmp_path / "o").markdown.read_text(encoding="utf-8")
    siting = md.split("（四）农村公路项目。")[1].split("\n")[0]
    assert "未提供永久基本农田图层，未核查项目是否涉及永久基本农田" in siting
    assert "未提供生态保护红线图层，未核查" in siting
    assert "个项目涉及永久基本农田" not in siting and "个项目涉及生态保护红线" not in siting
