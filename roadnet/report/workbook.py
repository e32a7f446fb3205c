"""The annual report's tables: one workbook, a sheet per table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from roadnet.report.compute import AnnualReport


def report_sheets(
    report: AnnualReport, figures: dict[str, Any], *, lang: str = "zh"
) -> dict[str, pd.DataFrame]:
    """The report's tables, sheet name -> table (sections skipped have none).

    Parameters
    ----------
    report
        The computed analyses.
    figures
        :func:`roadnet.report.figures.report_figures` of ``report``.
    lang
        ``zh`` or ``en`` sheet names.
    """
    import pandas as pd

    zh = lang != "en"
    rows = [
        {"section": section, "item": key, "value": value}
        for section in ("coverage", "access", "patrol", "siting")
        for key, value in figures.get(section, {}).items()
        if isinstance(value, int | float | str) or value is None
    ]
    rows += [
        {"section": section, "item": "skipped", "value": reason}
        for section, reason in figures["skipped"].items()
    ]
    sheets: dict[str, pd.DataFrame] = {("汇总" if zh else "Summary"): pd.DataFrame(rows)}
    if report.coverage is not None:
        sheets["乡镇通客车" if zh else "Townships served"] = report.coverage.townships
        sheets["线路" if zh else "Lines"] = report.coverage.lines.drop(columns="geometry")
    if report.access is not None:
        sheets["未通硬化路" if zh else "Without hardened road"] = report.access.candidates
    if report.patrol is not None:
        sheets["巡查按月" if zh else "Patrol by month"] = report.patrol.by_month
        sheets["巡查按乡镇" if zh else "Patrol by township"] = report.patrol.by_township
        sheets["巡查按道路等级" if zh else "Patrol by class"] = report.patrol.by_class
    if report.siting is not None:
        land = pd.DataFrame(figures["siting"]["land_by_project"])
        sheets["项目占地" if zh else "Project land"] = land
    return sheets


def write_report_workbook(
    report: AnnualReport, figures: dict[str, Any], path: str | Path, *, lang: str = "zh"
) -> Path:
    """Write :func:`report_sheets` to an .xlsx (atomically); return the path."""
    from roadnet.tables import write_workbook

    return write_workbook(path, report_sheets(report, figures, lang=lang), lang=lang)
