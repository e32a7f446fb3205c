"""Every figure the annual report's text uses, taken from the analyses' JSON documents.

The text (:mod:`roadnet.report.text`) reads only this document, and ``report-<year>.json``
is this document: so each figure printed equals one in the JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roadnet.report.result import AnnualReport

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
