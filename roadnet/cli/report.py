"""``roadnet report``: the bureau's annual summary (Markdown, .docx, charts, workbook, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from roadnet.cli.app import DEFAULT_COUNTY, CountyArg, LangOpt, app, make_console


def year_line(year: int | None, source: str | None, *, lang: str = "zh") -> str:
    """The report's year and where it came from, as one printed line."""
    from roadnet.report.period import YEAR_SOURCES

    how = YEAR_SOURCES.get(str(source))
    if lang == "en":
        if year is None:
            return (
                "report year: not known (no patrol ledger year, project year or timetable "
                "date in the data); give it with --year"
            )
        return f"report year: {year}" + (f" ({how[1]})" if how else "")
    if year is None:
        return (
            "报告年度：不详（数据中没有巡查台账年度、项目年度或公交时刻表日期），请用 --year 指定"
        )
    return f"报告年度：{year}" + (f"（{how[0]}）" if how else "")


@app.command()
def report(
    county: CountyArg = DEFAULT_COUNTY,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Year of the report (default: the latest patrol year)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report's files.")] = Path(
        "maps"
    ),
    lang: LangOpt = "zh",
    ledger: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            help="The patrol ledger (default: patrol-ledger.gpkg beside county.toml; the "
            "[patrol] tracks are imported first when it is missing or empty).",
        ),
    ] = None,
) -> None:
    """年度工作总结 The annual report: coverage, access, patrol and projects in one summary."""
    from roadnet.report import compute_report, write_report

    console = make_console(stderr=True)
    with console.status("报告 report") as status:
        result = compute_report(
            county,
            year=year,
            ledger=ledger,
            progress=lambda step: status.update(f"报告 report: {step}"),
        )
        files = write_report(result, out, lang=lang)
    typer.echo(year_line(result.year, result.year_source, lang=lang), err=True)
    prefix = "Note: " if lang == "en" else "注意："
    for note in files.figures.get("data_quality", {}).values():
        typer.echo(prefix + str(note["message" if lang == "en" else "message_zh"]), err=True)
    for section, reason in result.skipped.items():
        typer.echo(f"note: {section} skipped: {reason}", err=True)
    for path in files.paths:
        typer.echo(str(path))
