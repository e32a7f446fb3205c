"""The bureau's annual report, written from the analyses (presentation only).

::

    from roadnet.report import compute_report, write_report

    report = compute_report("layers/county.toml", year=2023)
    files = write_report(report, "maps", lang="zh")
    files.markdown, files.docx, files.xlsx, files.json

Modules: :mod:`~roadnet.report.compute` (running the analyses, skipping what the county lacks),
:mod:`~roadnet.report.result` (the report, every figure the text uses, its JSON, title and
sheets), :mod:`~roadnet.report.text` (the text in the bureau's style),
:mod:`~roadnet.report.charts` (matplotlib PNGs),
:mod:`~roadnet.report.document` (.docx), :mod:`~roadnet.report.workbook` (.xlsx),
:mod:`~roadnet.report.write` (all files of a report), :mod:`~roadnet.report.index` (the offline
index page of a demo folder).
"""

from roadnet.report.compute import compute_report
from roadnet.report.result import AnnualReport, report_figures
from roadnet.report.text import Block, report_blocks, to_markdown
from roadnet.report.write import ReportFiles, write_report

__all__ = [
    "AnnualReport",
    "Block",
    "ReportFiles",
    "compute_report",
    "report_blocks",
    "report_figures",
    "to_markdown",
    "write_report",
]
