"""The annual report of one county and year: every figure its text states, its JSON, title, sheets.

The text (:mod:`roadnet.report.text`) reads only :func:`report_figures`, and
``report-<year>.json`` is that document: so each figure printed equals one in the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadnet.formatting import is_missing
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
        return report_figures(self)

    def to_json(self) -> dict[str, Any]:
        """The report's figures as JSON, without the figures the data does not give."""
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


def without_missing(value: Any) -> Any:
    """``value`` with every None, NaN or infinite entry left out (recursively).

    The report's JSON holds only figures the data gives: a figure that is not known is
    absent, never ``null`` or ``NaN``.
    """
    if isinstance(value, dict):
        return {k: without_missing(v) for k, v in value.items() if not is_missing(v)}
    if isinstance(value, list | tuple):
        return [without_missing(v) for v in value if not is_missing(v)]
    return value


PROJECT_KINDS = ("network_link", "village_paving", "repair", "continuing", "other")
EVENT_KINDS = ("obstacle", "overload", "illegal_operation", "encroachment", "other")
LISTED = 5
"""How many names a sentence lists (villages without hardened road ...)."""


def report_figures(report: AnnualReport) -> dict[str, Any]:
    """The figures of the report, section by section (a JSON-ready dict).

    Parameters
    ----------
    report
        The computed analyses.

    Returns
    -------
    dict
        ``county``, ``year``, ``skipped`` {section: reason} and one dict per computed
        section: ``coverage``, ``access``, ``patrol``, ``siting``. Rates are fractions
        (0–1), lengths km, areas 亩.
    """
    doc: dict[str, Any] = {
        "county": report.county,
        "year": report.year,
        "year_source": report.year_source,
        "skipped": dict(report.skipped),
    }
    documents: dict[str, dict[str, Any]] = {}
    for section in ("coverage", "access", "patrol", "siting"):
        result = getattr(report, section)
        if result is not None:
            documents[section] = result.to_json()
    if "coverage" in documents:
        # without a townships layer there is no township figure to report (the villages'
        # township field alone may name one township by its code and by its name)
        towns = report.layers is None or "townships" in report.layers
        doc["coverage"] = _coverage(documents["coverage"], townships=towns)
    if "access" in documents:
        doc["access"] = _access(documents["access"])
    if "patrol" in documents:
        doc["patrol"] = _patrol(documents["patrol"])
    if "siting" in documents:
        doc["siting"] = _siting(documents["siting"])
    doc["data_quality"] = data_quality(report, documents)
    return doc


def data_quality(
    report: AnnualReport, documents: dict[str, dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Every data-quality note of the report's analyses, once each, in section order.

    A note is read from the result's ``quality`` when it has one, else from its JSON's
    ``data_quality``; the county's own notes, which every analysis repeats, are listed once.

    Returns
    -------
    dict
        ``{key: note}`` as in every command's ``data_quality``, each note with its
        ``section`` (coverage, access, patrol, siting) added; a key two sections use for
        different findings is written ``section.key`` the second time.
    """
    out: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for section in ("coverage", "access", "patrol", "siting"):
        result = getattr(report, section)
        if result is None:
            continue
        notes = _notes_of(result, (documents or {}).get(section))
        for key, note in notes.items():
            text_zh = str(note.get("message_zh") or note.get("message") or "")
            text_en = str(note.get("message") or text_zh)
            if not text_zh or (key, text_zh) in seen:
                continue
            seen.add((key, text_zh))
            figures = {k: v for k, v in note.items() if k not in ("message", "message_zh")}
            entry = {"section": section, **figures, "message": text_en, "message_zh": text_zh}
            out[key if key not in out else f"{section}.{key}"] = entry
    return out


def _notes_of(result: Any, document: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    quality = getattr(result, "quality", None)
    if quality is not None and hasattr(quality, "to_json"):
        found = quality.to_json()
        return found if isinstance(found, dict) else {}
    if document is None:
        document = result.to_json()
    found = document.get("data_quality") or {}
    return found if isinstance(found, dict) else {}


def _coverage(doc: dict[str, Any], *, townships: bool = True) -> dict[str, Any]:
    s = doc["summary"]
    if not townships:
        s = {**s, "townships_total": None, "townships_served": None}
        doc = {**doc, "townships": []}
    keys = ["lines", "vehicles", "vehicles_required", "townships_total", "townships_served"]
    keys += ["villages_total", "villages_served", "village_rate", "population_total"]
    keys += ["population_served"]
    out = {k: s.get(k) for k in keys}
    # without a fleet layer the buses are not known, and so neither is a shortfall
    out["vehicles_short"] = None if s.get("vehicles") is None else int(s.get("vehicles_short") or 0)
    total = s.get("population_total") or 0
    out["population_rate"] = round(s["population_served"] / total, 4) if total else None
    out["townships"] = [
        {
            "name": t["name"],
            "villages_total": t["villages_total"],
            "villages_served": t["villages_served"],
            "share": t.get("share"),
        }
        for t in doc.get("townships", [])
    ]
    out["unserved_townships"] = [t["name"] for t in doc.get("townships", []) if not t["served"]]
    return out


def _access(doc: dict[str, Any]) -> dict[str, Any]:
    s = doc["summary"]
    out = {
        k: s.get(k)
        for k in ("villages_total", "villages_connected", "connected_rate", "rai", "paved_km")
    }
    out["roads_km"] = s.get("roads_km")
    out["unknown_surface"] = {
        "km": s.get("unknown_surface_km") or 0.0,
        "share": s.get("unknown_surface_share"),
        "rule": s.get("unknown_surface_rule", "unpaved"),
        "villages_connected_range": s.get("villages_connected_range"),
    }
    seat = doc.get("seat") or {}
    out["seat"] = {k: seat.get(k) for k in ("id", "name", "source")}
    out["villages_unconnected"] = s["villages_total"] - s["villages_connected"]
    admin = [c for c in doc.get("candidates", []) if c.get("kind") == "administrative"]
    out["unconnected_listed"] = [
        {"name": c["name"], "township": c.get("township"), "population": c.get("population")}
        for c in admin[:LISTED]
    ]
    return out


def _patrol(doc: dict[str, Any]) -> dict[str, Any]:
    s = doc["summary"]
    keys = ["vehicles", "trips", "target_km", "matched_km", "gps_km", "coverage"]
    keys += ["patrolled_network_km", "target_network_km"]
    out = {k: s.get(k) for k in keys}
    counts = dict.fromkeys(EVENT_KINDS, 0)
    for row in doc["events"]["by_kind"]:
        counts[row["kind"]] = counts.get(row["kind"], 0) + int(row["count"])
    out["events"] = counts
    out["events_total"] = doc["events"]["total"]
    out["by_month"] = [{"month": m["month"], "km": m["km"]} for m in doc["by_month"]]
    out["period"] = doc["period"]
    return out


def _siting(doc: dict[str, Any]) -> dict[str, Any]:
    s = doc["summary"]
    counted = [p for p in doc["projects"] if p.get("counted", True)]
    by_kind = dict.fromkeys(PROJECT_KINDS, 0)
    for project in counted:
        by_kind[project["kind"]] = by_kind.get(project["kind"], 0) + 1
    keys = ["footprint_mu", "cultivated_mu", "forest_mu", "grassland_mu", "basic_farmland_mu"]
    keys += ["eco_redline_mu", "compensation_mu", "projects_basic_farmland"]
    keys += ["projects_eco_redline"]
    years = sorted({int(p["year"]) for p in counted if p.get("year") is not None})
    checked = s.get("layers_checked") or {}
    out: dict[str, Any] = {"projects": s["projects"], "by_kind": by_kind, "years": years}
    out.update({k: s.get(k) for k in keys})
    out["layers_checked"] = {
        "basic_farmland": bool(checked.get("basic_farmland", True)),
        "eco_redline": bool(checked.get("eco_redline", True)),
    }
    out["basic_farmland_projects"] = [
        p["name"] for p in counted if "basic_farmland" in p.get("flags", [])
    ]
    out["eco_redline_projects"] = [
        p["name"] for p in counted if "eco_redline" in p.get("flags", [])
    ]
    out["land_by_project"] = [
        {
            "name": p["name"],
            "cultivated_mu": p.get("cultivated_mu", 0.0),
            "forest_mu": p.get("forest_mu", 0.0),
            "grassland_mu": p.get("grassland_mu", 0.0),
        }
        for p in counted
    ]
    return out
