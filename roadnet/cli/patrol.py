"""``roadnet patrol import`` and ``roadnet patrol report``: the patrol ledger and mileage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from roadnet.cli.app import (
    DEFAULT_COUNTY,
    BasemapOpt,
    CountyArg,
    JsonOpt,
    LangOpt,
    MapOpt,
    PngOpt,
    XlsxOpt,
    app,
    make_console,
    write_maps,
)
from roadnet.labels import ROAD_CLASS_LABELS

if TYPE_CHECKING:
    from rich.console import Console

    from roadnet.manifest import Manifest
    from roadnet.patrol.result import PatrolResult
    from roadnet.patrol.timefill import TimeFill
    from roadnet.quality import DataQuality

patrol_app = typer.Typer(
    name="patrol",
    help="路政巡查里程 Patrol mileage: GPS tracks into a ledger, matched km per road and township.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(patrol_app, name="patrol")

LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        help="The ledger GeoPackage (default: patrol-ledger.gpkg beside county.toml).",
    ),
]


@patrol_app.command("import")
def import_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="[COUNTY] FILES...: optionally a county.toml (or folder, or GeoPackage) first, "
            "then the GPX / terminal CSV / Excel files or glob patterns to import. Without "
            "files, the [patrol] tracks (and events) of county.toml are imported.",
            metavar="FILES",
            show_default=False,
        ),
    ] = None,
    ledger: LedgerOpt = None,
    json_out: JsonOpt = None,
    coords: Annotated[
        str | None,
        typer.Option("--coords", help="System of the files' lon/lat: WGS-84, GCJ-02 or BD-09."),
    ] = None,
    vehicle: Annotated[
        str | None,
        typer.Option("--vehicle", help="Plate of GPX tracks, and of table rows without one."),
    ] = None,
    events: Annotated[
        list[Path] | None,
        typer.Option("--events", help="An event list (CSV/Excel) to import; repeatable."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Day (YYYY-MM-DD) of tracks recorded without times (default: the date in "
            "the track or file name). Their points are placed on it in file order and count "
            "for km only.",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="Time of the first point of tracks without times (YYYY-MM-DDTHH:MM, local "
            "time); with --interval.",
            show_default=False,
        ),
    ] = None,
    interval: Annotated[
        float | None,
        typer.Option(
            "--interval",
            help="Seconds between points of tracks without times; with --start.",
            show_default=False,
        ),
    ] = None,
    lang: LangOpt = "zh",
) -> None:
    """导入巡查轨迹 Import GPS tracks and patrol events into the ledger (idempotent)."""
    from roadnet.errors import ConfigError
    from roadnet.io.atomic import write_json
    from roadnet.patrol import import_files, params_from_config, resolve_inputs
    from roadnet.patrol.sources import import_county

    county, files = _split_county(paths or [])
    manifest = _manifest(county, required=not files or ledger is None)
    table = dict(manifest.patrol) if manifest is not None else {}
    params_from_config(table)  # rejects unknown [patrol] keys
    nothing_named = not files and not events and "tracks" not in table and "events" not in table
    if manifest is not None and nothing_named:
        raise ConfigError(
            f"{manifest.path or manifest.root}: give FILES to import, or list them in "
            'county.toml: [patrol] tracks = ["patrol/*.csv", "patrol/*.gpx"]'
        )
    target = _ledger_path(ledger, manifest)
    fill = _time_fill(date, start, interval)
    with _progress("读取 reading files") as advance:
        if manifest is not None:
            result = import_county(
                manifest,
                target,
                files=files or None,
                events=events or [],
                vehicle=vehicle,
                coords=coords,
                fill=fill,
                progress=advance,
            )
        else:
            result = import_files(
                target,
                resolve_inputs(files),
                events=[Path(p) for p in events or []],
                vehicle=vehicle,
                coords=coords or "WGS-84",
                fill=fill,
                progress=advance,
            )
    if json_out is not None:
        write_json(Path(json_out), result.to_json())
    console = make_console()
    console.print(result.headline(lang=lang), soft_wrap=True)
    _print_notes(console, result.quality, [*result.notes, *result.housekeeping], lang=lang)
    if json_out is not None:
        console.print(f"JSON: {json_out}", soft_wrap=True)


@patrol_app.command("report")
def report_command(
    county: CountyArg = DEFAULT_COUNTY,
    ledger: LedgerOpt = None,
    date_from: Annotated[
        str | None,
        typer.Option("--from", help="First day (local date, YYYY-MM-DD).", show_default=False),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", help="Last day, included (YYYY-MM-DD).", show_default=False),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", help="Road classes of the target network (default county,township)."
        ),
    ] = None,
    json_out: JsonOpt = None,
    xlsx: XlsxOpt = None,
    lang: LangOpt = "zh",
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Re-match every trip; do not store matches.")
    ] = False,
    map_out: MapOpt = None,
    basemap: BasemapOpt = "none",
    png: PngOpt = None,
) -> None:
    """巡查里程统计 Patrol mileage per month, road class, township and road."""
    from roadnet.county import load_county
    from roadnet.io.atomic import write_json
    from roadnet.manifest import read_manifest
    from roadnet.patrol import compute_patrol, params_from_config
    from roadnet.patrol.terminal import county_timezone

    drawing = map_out is not None or png is not None
    if drawing:
        from roadnet.maps.basemap import check_map_options

        check_map_options(basemap=basemap, lang=lang)
    start = _date(date_from, "--from")
    end = _date(date_to, "--to")
    manifest = read_manifest(county)
    params = params_from_config(manifest.patrol, target=target, cache=not no_cache)
    tz = county_timezone(manifest.extra.get("timezone"))
    layers = ["roads", "townships", "boundary", "patrol_events"]
    loaded = load_county(manifest, layers=[*layers, "rivers"] if drawing else layers)
    with _progress("地图匹配 matching") as advance:
        result = compute_patrol(
            loaded,
            ledger=_ledger_path(ledger, loaded.manifest),
            params=params,
            start=start,
            end=end,
            tz=tz,
            progress=advance,
        )
    console = make_console()
    console.print(result.headline(lang=lang), highlight=False)
    _print_notes(console, result.quality, [], lang=lang)
    _print_tables(console, result, lang=lang)
    if json_out is not None:
        write_json(Path(json_out), result.to_json())
    if xlsx is not None:
        from roadnet.tables import write_workbook

        write_workbook(Path(xlsx), result.sheets(lang=lang), lang=lang)
    if map_out is not None or png is not None:
        from roadnet.maps import patrol_document

        write_maps(
            lambda used: patrol_document(result, loaded, lang=used, basemap=basemap, tz=tz),
            map_out=map_out,
            png=png,
            lang=lang,
            console=console,
        )


# --------------------------------------------------------------------------- helpers


def _split_county(paths: list[str]) -> tuple[Path | None, list[str]]:
    """The COUNTY (a .toml, a folder or a .gpkg first) and the files after it."""
    if paths:
        first = Path(paths[0])
        if first.suffix.lower() in (".toml", ".gpkg") or first.is_dir():
            return first, paths[1:]
    return None, paths


def _manifest(county: Path | None, *, required: bool) -> Manifest | None:
    from roadnet.errors import ReadError
    from roadnet.manifest import DEFAULT_PLACES, read_manifest

    if county is not None:
        return read_manifest(county)
    if DEFAULT_COUNTY.exists():
        return read_manifest(DEFAULT_COUNTY)
    if required:
        tried = " nor ".join(f"./{place.as_posix()}" for place in DEFAULT_PLACES)
        raise ReadError(
            f"no county here: neither {tried} exists; give the county.toml first, or "
            "--ledger and the files to import"
        )
    return None


def _ledger_path(option: Path | None, manifest: Manifest | None) -> Path:
    from roadnet.errors import ConfigError
    from roadnet.patrol.sources import county_ledger

    if option is None and manifest is None:
        raise ConfigError("give the ledger with --ledger (no county.toml to put it beside)")
    if manifest is None:
        return Path(str(option))
    return county_ledger(manifest, ledger=option)


def _time_fill(date: str | None, start: str | None, interval: float | None) -> TimeFill | None:
    """The --date / --start / --interval options as a TimeFill (None when none is given)."""
    from roadnet.patrol.timefill import TimeFill

    if date is None and start is None and interval is None:
        return None
    when: dt.datetime | None = None
    if start is not None:
        try:
            when = dt.datetime.fromisoformat(start.strip())
        except ValueError:
            raise typer.BadParameter(
                f"{start[:40]!r} is not a time; write 2023-07-04T08:00 (local time)",
                param_hint="--start",
            ) from None
    return TimeFill(date=_date(date, "--date"), start=when, interval_s=interval)


def _print_notes(console: Console, quality: DataQuality, extra: list[str], *, lang: str) -> None:
    """One line per data-quality note (and per remark), after the headline."""
    label = "Note: " if lang == "en" else "注意："
    for line in [*quality.lines(lang), *extra]:
        console.print(f"{label}{line}", style="yellow", soft_wrap=True)


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; write YYYY-MM-DD", param_hint=option
        ) from None


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr (silent when stderr is not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = make_console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _print_tables(console: Console, result: PatrolResult, *, lang: str) -> None:
    import pandas as pd
    from rich.table import Table

    from roadnet.formatting import format_count, format_km

    zh = lang != "en"
    classes = Table(title="按道路等级 By road class" if zh else "By road class")
    classes.add_column("等级" if zh else "class")
    classes.add_column("里程(公里)" if zh else "km", justify="right")
    for row in result.by_class.itertuples(index=False):
        label = ROAD_CLASS_LABELS.get(str(row[0]), (str(row[0]), str(row[0])))
        classes.add_row(label[0] if zh else label[1], format_km(row[1]))
    console.print(classes)
    months = Table(title="按月 By month" if zh else "By month")
    for name in ("月份", "台次", "里程(公里)") if zh else ("month", "trips", "km"):
        months.add_column(name, justify="right")
    for r in result.by_month.itertuples(index=False):
        months.add_row(str(r.month), format_count(r.trips), format_km(r.km))
    console.print(months)
    if len(result.by_township):
        towns = Table(title="按乡镇 By township" if zh else "By township")
        towns.add_column("乡镇" if zh else "township")
        towns.add_column("里程(公里)" if zh else "km", justify="right")
        outside = "乡镇界外" if zh else "outside the townships"
        for r in result.by_township.itertuples(index=False):
            towns.add_row(outside if pd.isna(r.name) else str(r.name), format_km(r.km))
        console.print(towns)
    if result.unpatrolled:
        shown = ", ".join(result.unpatrolled[:20])
        more = f" … (+{len(result.unpatrolled) - 20})" if len(result.unpatrolled) > 20 else ""
        text = "未巡查道路" if zh else "Target roads not patrolled"
        console.print(f"{text}: {shown}{more}", highlight=False)
