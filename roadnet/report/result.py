"""The annual report of one county and year, and the outputs it builds (JSON, title, sheets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadnet.labels import SHEETS, label

if TYPE_CHECKING:
    import pandas as pd

    from roadnet.bus import CoverageResult
    from roadnet.patrol import PatrolResult
    from roadnet.paved import AccessResult
    from roadnet.siting import SitingResult


@dataclass(frozen=True)
class AnnualReport:
    """The analyses of one county and year, as the annual report reads them.

    Attributes
    ----------
    county
        County name.
    year
        The report's year (patrol figures are those of this year, local time); None when
        neither the options nor the data give one (the report then says so).
    coverage, access, patrol, siting
        The analyses' results; None when skipped.
    skipped
        Section -> the reason it was skipped (a missing layer, an empty ledger ...).
    ledger
        The patrol ledger read (None when there was none).
    """

    county: str
    year: int | None
    coverage: CoverageResult | None = None
    access: AccessResult | None = None
    patrol: PatrolResult | None = None
    siting: SitingResult | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    ledger: Path | None = None
    year_source: str | None = None
    """Where :attr:`year` came from (a key of :data:`roadnet.report.period.YEAR_SOURCES`)."""
    layers: tuple[str, ...] | None = None
    """The layers the county defines (None: not known, the analyses' results are trusted)."""

    def figures(self) -> dict[str, Any]:
        """Every figure the report's text uses (:func:`roadnet.report.figures.report_figures`).

        A new dict on each call: :func:`roadnet.report.write.write_report` adds the text and
        the charts to it.
        """
        from roadnet.report.figures import report_figures

        return report_figures(self)

    def to_json(self) -> dict[str, Any]:
        """The report's figures as JSON, without the figures the data does not give."""
        from roadnet.report.write import without_missing

        document: dict[str, Any] = without_missing(self.figures())
        return document

    def headline(self, *, lang: str = "zh") -> str:
        """The report's title: county, bureau and year (``年度不详`` when not known)."""
        from roadnet.report.text import report_blocks

        return report_blocks(self.figures(), lang=lang)[0].text

    def sheets(self, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """The report's workbook: the figures, then each analysis's own tables.

        The first sheet lists the scalar figures of each section and why a section was
        skipped; the tables that follow are sheets of the analyses' workbooks
        (``CoverageResult.sheets`` ...), renamed for the report. Sections skipped have none.
        """
        import pandas as pd

        zh = lang != "en"
        figures = self.figures()
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
        if self.coverage is not None:
            tables = self.coverage.sheets(lang=lang)
            sheets["乡镇通客车" if zh else "Townships served"] = tables[
                label(SHEETS, "townships", lang)
            ]
            sheets["线路" if zh else "Lines"] = tables[label(SHEETS, "lines", lang)]
        if self.access is not None:
            candidates = self.access.sheets(lang=lang)[label(SHEETS, "candidates", lang)]
            sheets["未通硬化路" if zh else "Without hardened road"] = candidates
        if self.patrol is not None:
            patrol = self.patrol.sheets(lang=lang)
            for key, name in (
                ("by_month", ("巡查按月", "Patrol by month")),
                ("by_township", ("巡查按乡镇", "Patrol by township")),
                ("by_class", ("巡查按道路等级", "Patrol by class")),
            ):
                sheets[name[0 if zh else 1]] = patrol[label(SHEETS, key, lang)]
        if self.siting is not None:
            land = pd.DataFrame(figures["siting"]["land_by_project"])
            sheets["项目占地" if zh else "Project land"] = land
        return sheets
