"""``roadnet demo`` as library calls: every analysis on the sample county, then an index page.

::

    from roadnet.demo import run_demo

    result = run_demo("maps")
    result.index, result.written, result.seconds

Each step writes its JSON (and workbook and map where it has one) into the output folder;
:mod:`roadnet.report.index` links them all from ``index.html``. The steps call the library
as a script would and write what the command of the same name writes (each workbook is its
result's ``sheets()``); an error in a step stops the demo, as it would stop the command.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from roadnet.errors import ConfigError, ValidationError
from roadnet.io.atomic import write_json

if TYPE_CHECKING:
    from roadnet.county import County
    from roadnet.manifest import Manifest
    from roadnet.maps.document import MapDocument
    from roadnet.report.write import ReportFiles

T = TypeVar("T")

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` as each step starts."""

STEPS = ("sample", "validate", "coverage", "access", "patrol", "siting", "scenarios", "report")
STEP_TITLES = {
    "sample": ("示范县数据", "Sample county"),
    "validate": ("数据检查", "Validation"),
    "coverage": ("城乡客运覆盖", "Bus coverage"),
    "access": ("通硬化路", "Hardened-road access"),
    "patrol": ("路政巡查", "Road patrol"),
    "siting": ("项目用地", "Project land take"),
    "scenarios": ("方案比选", "Scenarios"),
    "report": ("年度报告", "Annual report"),
}


@dataclass
class DemoStep:
    """One step of the demo: what it wrote and its headline."""

    name: str
    title: str
    headline: str = ""
    files: list[tuple[str, Path]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` did.

    Attributes
    ----------
    out
        The output folder.
    index
        ``index.html``.
    steps
        The steps in order (scenarios are one step each).
    report
        The annual report's files (None when the report step was not run).
    seconds
        Wall time of the whole demo.
    """

    out: Path
    index: Path
    steps: list[DemoStep]
    report: ReportFiles | None
    seconds: float

    @property
    def written(self) -> list[Path]:
        """Every file written, the index last."""
        files = [path for step in self.steps for _, path in step.files]
        return [*dict.fromkeys(files), self.index]


def run_demo(
    out: str | Path = "maps",
    *,
    layers: str | Path = "layers",
    scenarios: str | Path = "scenarios",
    seed: int = 0,
    lang: str = "zh",
    progress: ProgressCallback | None = None,
    only: Collection[str] | None = None,
) -> DemoResult:
    """Run every command of roadnet on the sample county and write an index page.

    Parameters
    ----------
    out
        Folder for maps, tables, JSON, the report and ``index.html``.
    layers
        The sample county's folder; generated with ``seed`` when ``county.gpkg`` is missing.
    scenarios
        Folder of scenario files (``*.toml``), each run against its baseline.
    seed
        Seed of the sample county (only used when it is generated).
    lang
        ``zh`` or ``en``.
    progress
        Called as ``progress(step, done, total)``.
    only
        Run only these of :data:`STEPS` (the sample and its validation always run); None
        runs them all.

    Returns
    -------
    DemoResult

    Raises
    ------
    ValidationError
        When the sample county has errors.
    ConfigError
        When ``only`` names a step that is not in :data:`STEPS`.
    """
    chosen = set(STEPS if only is None else (*only, "sample", "validate"))
    unknown = sorted(chosen - set(STEPS))
    if unknown:
        raise ConfigError(f"unknown demo steps {unknown}; the steps are {', '.join(STEPS)}")
    began = time.perf_counter()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    layers = Path(layers)
    toml = layers / "county.toml"
    zh = lang != "en"
    scenario_files = sorted(Path(scenarios).glob("*.toml")) if "scenarios" in chosen else []
    total = len(chosen) + max(len(scenario_files) - 1, 0)
    steps: list[DemoStep] = []
    done = 0

    def start(name: str, title: str | None = None) -> DemoStep:
        nonlocal done
        if progress is not None:
            progress(title or name, done, total)
        done += 1
        step = DemoStep(name=name, title=title or STEP_TITLES[name][0 if zh else 1])
        steps.append(step)
        return step

    def timed(step: DemoStep, run: Callable[[DemoStep], T]) -> T:
        t0 = time.perf_counter()
        value = run(step)
        step.seconds = time.perf_counter() - t0
        return value

    timed(start("sample"), lambda s: _sample(s, layers, seed=seed, zh=zh))
    county = timed(start("validate"), lambda s: _validate(s, toml, zh=zh))
    analyses: dict[str, Callable[[DemoStep], None]] = {
        "coverage": lambda s: _coverage(s, county, folder, lang=lang),
        "access": lambda s: _access(s, county, folder, lang=lang),
        "patrol": lambda s: _patrol(s, county, folder, lang=lang),
        "siting": lambda s: _siting(s, county, folder, lang=lang),
    }
    for name, run in analyses.items():
        if name in chosen:
            timed(start(name), run)
    if "scenarios" in chosen and not scenario_files:
        start("scenarios").notes.append(f"no scenario files in {scenarios}")
    for path in scenario_files:
        title = f"{STEP_TITLES['scenarios'][0 if zh else 1]}: {path.stem}"

        def run_one(step: DemoStep, scenario: Path = path) -> None:
            _scenario(step, scenario, folder, lang=lang)

        timed(start("scenarios", title), run_one)
    report_files = None
    if "report" in chosen:
        report_files = timed(start("report"), lambda s: _report(s, toml, folder, lang=lang))
    seconds = time.perf_counter() - began
    if progress is not None:
        progress("index", done, total)
    index = _index(folder, county.name, steps, report_files, zh=zh, seconds=seconds)
    return DemoResult(out=folder, index=index, steps=steps, report=report_files, seconds=seconds)


# --------------------------------------------------------------------------- steps


def _sample(step: DemoStep, layers: Path, *, seed: int, zh: bool) -> None:
    if (layers / "county.gpkg").exists() and (layers / "county.toml").exists():
        step.headline = (
            f"使用已有示范县数据 {layers}" if zh else f"using the sample county in {layers}"
        )
        return
    from roadnet.sample import write_sample

    summary = write_sample(layers, seed=seed)
    step.headline = summary.to_text().splitlines()[0] if summary.to_text() else str(layers)


def _validate(step: DemoStep, toml: Path, *, zh: bool) -> County:
    from roadnet.county import inspect_county

    county, problems = inspect_county(toml)
    errors = [p for p in problems if p.severity == "error"]
    if errors or county is None:
        raise ValidationError(problems)
    warnings = len(problems) - len(errors)
    layers = len(county.layers)
    step.headline = (
        f"{county.name}：{layers} 个图层，0 个错误，{warnings} 个警告"
        if zh
        else f"{county.name}: {layers} layers, 0 errors, {warnings} warnings"
    )
    return county


def _write_json(path: Path, document: dict[str, Any]) -> Path:
    return write_json(path, document)


def _map(step: DemoStep, document: MapDocument, path: Path, *, zh: bool) -> None:
    """Write a step's map (errors surface: a map the demo cannot draw is a bug)."""
    from roadnet.maps import write_map

    step.files.append(("地图" if zh else "map", write_map(document, path)))


def _note_quality(step: DemoStep, result: Any, *, lang: str) -> None:
    """Add the result's data-quality notes to the step's remarks on the index page."""
    from roadnet.maps.notes import quality_notes

    prefix = "Note: " if lang == "en" else "注意："
    step.notes += [prefix + line for line in quality_notes(result, lang)]


def _coverage(step: DemoStep, county: County, folder: Path, *, lang: str) -> None:
    from roadnet.bus import compute_coverage
    from roadnet.maps import coverage_document
    from roadnet.tables import write_workbook

    zh = lang != "en"
    result = compute_coverage(county)
    step.headline = result.headline(lang=lang)
    _note_quality(step, result, lang=lang)
    _map(step, coverage_document(result, county, lang=lang), folder / "coverage.html", zh=zh)
    xlsx = write_workbook(folder / "coverage.xlsx", result.sheets(lang=lang), lang=lang)
    step.files.append(("表格" if zh else "workbook", xlsx))
    step.files.append(("JSON", _write_json(folder / "coverage.json", result.to_json())))


def _access(step: DemoStep, county: County, folder: Path, *, lang: str) -> None:
    from roadnet.maps import access_document
    from roadnet.paved import compute_access
    from roadnet.tables import write_workbook

    zh = lang != "en"
    result = compute_access(county)
    step.headline = f"{result.headline(lang=lang)} {result.seat_line(lang=lang)}"
    _note_quality(step, result, lang=lang)
    _map(step, access_document(result, county, lang=lang), folder / "access.html", zh=zh)
    xlsx = write_workbook(folder / "access.xlsx", result.sheets(lang=lang), lang=lang)
    step.files.append(("表格" if zh else "workbook", xlsx))
    step.files.append(("JSON", _write_json(folder / "access.json", result.to_json())))


def _patrol(step: DemoStep, county: County, folder: Path, *, lang: str) -> None:
    from roadnet.maps import patrol_document
    from roadnet.patrol import compute_patrol, params_from_config
    from roadnet.patrol.sources import county_ledger, import_county
    from roadnet.patrol.terminal import county_timezone
    from roadnet.tables import write_workbook

    zh = lang != "en"
    manifest: Manifest = county.manifest
    ledger = county_ledger(manifest)
    imported = import_county(manifest, ledger).to_json()
    step.files.append(
        ("导入 JSON" if zh else "import JSON", _write_json(folder / "patrol-import.json", imported))
    )
    tz = county_timezone(manifest.extra.get("timezone"))
    result = compute_patrol(
        county, ledger=ledger, params=params_from_config(manifest.patrol), tz=tz
    )
    step.headline = result.headline(lang=lang)
    _note_quality(step, result, lang=lang)
    xlsx = write_workbook(folder / "patrol.xlsx", result.sheets(lang=lang), lang=lang)
    step.files.append(("表格" if zh else "workbook", xlsx))
    step.files.append(("JSON", _write_json(folder / "patrol.json", result.to_json())))
    document = patrol_document(result, county, lang=lang, tz=tz)
    _map(step, document, folder / "patrol.html", zh=zh)


def _siting(step: DemoStep, county: County, folder: Path, *, lang: str) -> None:
    from roadnet.maps import siting_document
    from roadnet.siting import compute_siting
    from roadnet.tables import write_workbook

    zh = lang != "en"
    result = compute_siting(county)
    step.headline = result.headline(lang=lang)
    _note_quality(step, result, lang=lang)
    xlsx = write_workbook(folder / "siting.xlsx", result.sheets(lang=lang), lang=lang)
    step.files.append(("表格" if zh else "workbook", xlsx))
    step.files.append(("JSON", _write_json(folder / "siting.json", result.to_json())))
    _map(step, siting_document(result, county, lang=lang), folder / "siting.html", zh=zh)


def _scenario(step: DemoStep, path: Path, folder: Path, *, lang: str) -> None:
    from roadnet.maps import scenario_document
    from roadnet.scenario import run_scenario
    from roadnet.tables import write_workbook

    zh = lang != "en"
    result = run_scenario(path)
    _note_quality(step, result, lang=lang)
    step.title = f"{step.title} — {result.scenario.name}"
    step.headline = result.headline(lang=lang)
    stem = f"scenario-{path.stem}"
    xlsx = write_workbook(folder / f"{stem}.xlsx", result.sheets(lang=lang), lang=lang)
    step.files.append(("表格" if zh else "workbook", xlsx))
    step.files.append(("JSON", _write_json(folder / f"{stem}.json", result.to_json())))
    _map(step, scenario_document(result, lang=lang), folder / f"{stem}.html", zh=zh)


def _report(step: DemoStep, toml: Path, folder: Path, *, lang: str) -> ReportFiles:
    from roadnet.report import compute_report, write_report

    zh = lang != "en"
    report = compute_report(toml)
    files = write_report(report, folder, lang=lang)
    step.headline = report.headline(lang=lang)
    step.files += [
        ("报告 Markdown" if zh else "report (Markdown)", files.markdown),
        ("报告 Word" if zh else "report (Word)", files.docx),
        ("报告表格" if zh else "report workbook", files.xlsx),
        ("报告数据 JSON" if zh else "report figures (JSON)", files.json),
    ]
    step.files += [(name, path) for name, path in files.charts.items()]
    return files


def _index(
    folder: Path,
    county: str,
    steps: list[DemoStep],
    report: ReportFiles | None,
    *,
    zh: bool,
    seconds: float,
) -> Path:
    from roadnet.report.index import IndexPage, IndexSection, write_index
    from roadnet.report.text import CHART_CAPTIONS

    charts: tuple[tuple[str, Path], ...] = ()
    if report is not None:
        charts = tuple(
            (CHART_CAPTIONS[name][0 if zh else 1], path) for name, path in report.charts.items()
        )
    sections = tuple(
        IndexSection(
            title=step.title,
            headline=step.headline,
            links=tuple(
                (label, path) for label, path in step.files if path.suffix.lower() != ".png"
            ),
            notes=tuple(step.notes),
        )
        for step in sorted(steps, key=lambda step: step.name != "report")  # the report first
    )
    page = IndexPage(
        title=f"{county} — roadnet" if not zh else f"{county} 交通运输分析 — roadnet",
        subtitle=(
            "地图、表格与年度报告（离线可用）"
            if zh
            else "Maps, tables and the annual report (offline)"
        ),
        sections=sections,
        charts=charts,
        footer=f"roadnet demo · {seconds:.0f} s",
    )
    return write_index(page, folder / "index.html")
