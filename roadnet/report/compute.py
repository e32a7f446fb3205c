"""Run every analysis the annual report needs on one county, skipping what the data lacks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roadnet.errors import ConfigError, RoadnetError
from roadnet.patrol.sources import county_ledger, import_county
from roadnet.report.period import project_year, timetable_year
from roadnet.report.result import AnnualReport
from roadnet.schema import YEARS

if TYPE_CHECKING:
    from roadnet.bus import CoverageResult
    from roadnet.county import County
    from roadnet.manifest import Manifest
    from roadnet.patrol import PatrolResult
    from roadnet.paved import AccessResult
    from roadnet.siting import SitingResult

log = logging.getLogger(__name__)

StepCallback = Callable[[str], None]
"""Called with a short message as each analysis starts."""

_LAND_LAYERS = ("parcels", "basic_farmland", "eco_redline")
_ALL_LAYERS = (
    "boundary",
    "townships",
    "villages",
    "roads",
    "rivers",
    "bus_stops",
    "bus_lines",
    "fleet",
    "projects",
    *_LAND_LAYERS,
    "patrol_events",
)
NEEDS: dict[str, tuple[str, ...]] = {
    "coverage": ("villages", "bus_stops", "bus_lines", "roads"),
    "access": ("villages", "roads"),
    "patrol": ("roads",),
    "siting": ("projects", "parcels"),
}
"""The layers each section of the report needs."""
OPTIONAL: dict[str, tuple[str, ...]] = {
    "coverage": ("townships", "fleet"),
    "access": ("townships",),
    "patrol": ("townships", "boundary", "patrol_events"),
    "siting": ("basic_farmland", "eco_redline"),
}
"""The layers a section uses when present."""


def compute_report(
    county: str | Path,
    *,
    year: int | None = None,
    ledger: str | Path | None = None,
    progress: StepCallback | None = None,
) -> AnnualReport:
    """Compute coverage, access, patrol and siting for the annual report.

    A section whose layers are missing, or whose analysis fails on the data, is skipped and
    the reason recorded in :attr:`AnnualReport.skipped`; this function only raises when the
    county itself cannot be read.

    Parameters
    ----------
    county
        county.toml, a folder holding one, or a GeoPackage with the standard layer names.
    year
        The report's year; None takes it from the data (:mod:`roadnet.report.period`: the
        latest patrol year, else the projects' year, else the timetable's year; None when
        none of them has one).
    ledger
        The patrol ledger; None uses ``[patrol] ledger`` of county.toml or
        ``patrol-ledger.gpkg`` beside it. When it is missing or empty, the ``[patrol]
        tracks`` (and events) of county.toml are imported first (idempotent).
    progress
        Called with a short message as each analysis starts.

    Returns
    -------
    AnnualReport
    """
    from roadnet.county import load_county
    from roadnet.manifest import read_manifest

    say = progress or (lambda _message: None)
    if year is not None and not (isinstance(year, int) and YEARS[0] <= year <= YEARS[1]):
        raise ConfigError(
            f"the report's year must be a year from {YEARS[0]} to {YEARS[1]} (--year 2023), "
            f"not {str(year)[:20]}"
        )
    manifest = _repairing(read_manifest(county))
    present = set(manifest.layers)
    skipped: dict[str, str] = {}
    for section, needed in NEEDS.items():
        missing = [name for name in needed if name not in present]
        if missing:
            skipped[section] = _missing_reason(missing)
    try:
        shared: County | None = load_county(
            manifest, layers=[name for name in _ALL_LAYERS if name in present]
        )
    except RoadnetError as exc:  # a broken layer: load each section's own layers instead
        # info, not warning: each section that fails says why (the same error) in its note
        log.info("report: loading every layer failed (%s); loading per section", exc)
        shared = None

    def county_for(section: str) -> County:
        if shared is not None:
            return shared
        wanted = [*NEEDS[section], *OPTIONAL[section]]
        return load_county(manifest, layers=[name for name in wanted if name in present])

    results: dict[str, Any] = {}

    def attempt(section: str, run: Callable[[], Any]) -> None:
        if section in skipped:
            return
        say(section)
        try:
            results[section] = run()
        except RoadnetError as exc:
            log.info("report: %s skipped: %s", section, exc)
            skipped[section] = str(exc)

    attempt("coverage", lambda: _coverage(county_for("coverage")))
    attempt("access", lambda: _access(county_for("access")))
    ledger_file = county_ledger(manifest, ledger=ledger)
    patrol_year: list[int] = []
    if "patrol" not in skipped:
        reason = _prepare_ledger(ledger_file, manifest, progress=say)
        if reason:
            skipped["patrol"] = reason
    attempt(
        "patrol",
        lambda: _patrol(county_for("patrol"), manifest, ledger_file, year, patrol_year),
    )
    attempt("siting", lambda: _siting(county_for("siting")))
    patrol = results.get("patrol")
    if patrol is not None and not patrol.summary.get("trips"):
        period = year if year is not None else "the period"
        skipped["patrol"] = f"the patrol ledger {ledger_file} has no trips in {period}"
        results.pop("patrol")
    year_source: str | None = "option" if year is not None else None
    if year is None and patrol_year:
        year, year_source = patrol_year[0], "patrol"
    if year is None:
        siting = results.get("siting")
        projects = siting.projects if siting is not None else None
        if projects is None and shared is not None:
            projects = shared.layers.get("projects")
        year = project_year(projects)
        year_source = "projects" if year is not None else None
    if year is None:
        year = timetable_year(manifest)
        year_source = "timetable" if year is not None else None
    return AnnualReport(
        county=shared.name if shared is not None else manifest.name,
        year=year,
        year_source=year_source,
        layers=tuple(sorted(present)),
        coverage=results.get("coverage"),
        access=results.get("access"),
        patrol=results.get("patrol"),
        siting=results.get("siting"),
        skipped=skipped,
        ledger=ledger_file if ledger_file.exists() else None,
    )


def _missing_reason(missing: list[str]) -> str:
    listed = ", ".join(missing)
    return f"the county has no {listed} layer (add [layers.{missing[0]}] to county.toml)"


def _repairing(manifest: Manifest) -> Manifest:
    """The manifest with make_valid repair of the land layers (as ``roadnet siting``)."""
    sources = dict(manifest.layers)
    for name in _LAND_LAYERS:
        if name in sources:
            sources[name] = dataclasses.replace(sources[name], repair=True)
    return dataclasses.replace(manifest, layers=sources)


def _coverage(county: County) -> CoverageResult:
    from roadnet.bus import compute_coverage

    return compute_coverage(county)


def _access(county: County) -> AccessResult:
    from roadnet.paved import compute_access

    return compute_access(county)


def _siting(county: County) -> SitingResult:
    from roadnet.siting import compute_siting

    return compute_siting(county)


def _ledger_points(path: Path) -> int:
    from roadnet.patrol import read_points

    if not path.exists():
        return 0
    return len(read_points(path))


def _prepare_ledger(path: Path, manifest: Manifest, *, progress: StepCallback) -> str | None:
    """Import the county's ``[patrol]`` files when the ledger is missing or empty.

    Returns the reason the patrol section must be skipped, or None.
    """
    if _ledger_points(path):
        return None
    if "tracks" not in manifest.patrol:
        return (
            f"the patrol ledger {path} is empty and county.toml lists no [patrol] tracks "
            "(run `roadnet patrol import` first)"
        )
    progress("patrol import")
    import_county(manifest, path)
    if not _ledger_points(path):
        return f"no GPS points in the [patrol] tracks of {manifest.path or manifest.root}"
    return None


def _patrol(
    county: County, manifest: Manifest, ledger: Path, year: int | None, found: list[int]
) -> PatrolResult:
    from roadnet.patrol import compute_patrol, params_from_config
    from roadnet.patrol.terminal import county_timezone

    params = params_from_config(manifest.patrol)
    tz = county_timezone(manifest.extra.get("timezone"))

    def run(y: int | None) -> PatrolResult:
        start = None if y is None else dt.date(y, 1, 1)
        end = None if y is None else dt.date(y, 12, 31)
        return compute_patrol(county, ledger=ledger, params=params, start=start, end=end, tz=tz)

    if year is not None:
        return run(year)
    report = run(None)
    months = [str(m) for m in report.by_month["month"]]
    if not months:
        return report
    latest = int(max(months)[:4])
    found.append(latest)
    if any(not m.startswith(str(latest)) for m in months):
        report = run(latest)  # the matches are cached in the ledger: this is quick
    return report
