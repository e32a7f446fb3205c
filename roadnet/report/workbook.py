"""The annual report's workbook: :meth:`AnnualReport.sheets` written, a sheet per table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roadnet.report.result import AnnualReport


def write_report_workbook(report: AnnualReport, path: str | Path, *, lang: str = "zh") -> Path:
    """Write the report's sheets to an .xlsx (atomically); return the path.

    Parameters
    ----------
    report
        The computed analyses (:func:`roadnet.report.compute_report`).
    path
        The workbook to write.
    lang
        ``zh`` or ``en`` sheet names and headers.
    """
    from roadnet.tables import write_workbook

    return write_workbook(path, report.sheets(lang=lang), lang=lang)
