"""Write the annual report: Markdown, .docx, charts, workbook and the JSON of its figures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadnet.io.atomic import write_text
from roadnet.report.period import file_year
from roadnet.report.result import without_missing

if TYPE_CHECKING:
    from roadnet.report.result import AnnualReport


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    markdown, docx, xlsx, json
        The report's files.
    charts
        Chart name -> PNG.
    figures
        The figures document (the content of ``json``).
    """

    markdown: Path
    docx: Path
    xlsx: Path
    json: Path
    charts: dict[str, Path] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def paths(self) -> list[Path]:
        """Every file written."""
        return [self.markdown, self.docx, self.xlsx, self.json, *self.charts.values()]


def write_report(report: AnnualReport, out: str | Path, *, lang: str = "zh") -> ReportFiles:
    """Write ``report-<year>.md``, ``.docx``, ``.xlsx``, ``.json`` and the charts to ``out``.

    ``<year>`` is ``undated`` when neither the options nor the data give a year.

    Parameters
    ----------
    report
        :func:`roadnet.report.compute.compute_report`.
    out
        Output folder (created when missing).
    lang
        ``zh`` (default) or ``en``.

    Returns
    -------
    ReportFiles
    """
    from roadnet.report.charts import write_charts
    from roadnet.report.document import write_docx
    from roadnet.report.text import report_blocks, to_markdown
    from roadnet.report.workbook import write_report_workbook

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"report-{file_year(report.year)}" + ("-en" if lang == "en" else "")
    figures = report.figures()
    figures["lang"] = lang
    charts = write_charts(figures, folder, lang=lang)
    blocks = report_blocks(figures, lang=lang, charts=tuple(charts))
    figures["text"] = [b.text for b in blocks if b.kind != "chart"]
    markdown = to_markdown(blocks, charts={k: p.name for k, p in charts.items()}, lang=lang)
    md = write_text(folder / f"{stem}.md", markdown)
    docx = write_docx(blocks, folder / f"{stem}.docx", charts=charts, lang=lang)
    xlsx = write_report_workbook(report, folder / f"{stem}.xlsx", lang=lang)
    figures["charts"] = {k: p.name for k, p in charts.items()}
    js = write_text(
        folder / f"{stem}.json",
        json.dumps(without_missing(figures), ensure_ascii=False, indent=2, default=str),
    )
    return ReportFiles(markdown=md, docx=docx, xlsx=xlsx, json=js, charts=charts, figures=figures)
