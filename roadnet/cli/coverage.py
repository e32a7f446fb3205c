"""``roadnet coverage``: which townships and administrative villages the bus lines serve."""

from __future__ import annotations

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

if TYPE_CHECKING:
    from rich.console import Console

    from roadnet.bus import CoverageResult


@app.command()
def coverage(
    county: CountyArg = DEFAULT_COUNTY,
    radius: Annotated[
        float, typer.Option("--radius", help="Served when a stop is within this many metres.")
    ] = 2000.0,
    metric: Annotated[
        str, typer.Option("--metric", help="network (along roads) or straight (line of sight).")
    ] = "network",
    join: Annotated[
        float | None,
        typer.Option(
            "--join",
            help="Join dangling road ends to a road within this many metres (digitising gaps "
            "that cut villages off the stops' roads; the notes say when it helps).",
            min=0.0,
        ),
    ] = None,
    json_out: JsonOpt = None,
    xlsx: XlsxOpt = None,
    lang: LangOpt = "zh",
    map_out: MapOpt = None,
    basemap: BasemapOpt = "none",
    png: PngOpt = None,
) -> None:
    """Bus coverage of townships and administrative villages (建制村通客车)."""
    from roadnet.bus import CoverageParams, compute_coverage
    from roadnet.county import load_county
    from roadnet.formatting import format_count, format_km
    from roadnet.io.atomic import write_json

    params = CoverageParams(radius_m=radius, metric=metric, join_tolerance_m=join)
    layers = ["villages", "bus_stops", "bus_lines", "townships", "fleet"]
    if metric == "network":
        layers.append("roads")
    drawing = map_out is not None or png is not None
    if drawing:
        from roadnet.maps.basemap import check_map_options

        check_map_options(basemap=basemap, lang=lang)
        layers += [name for name in ("roads", "rivers", "boundary") if name not in layers]
    loaded = load_county(county, layers=layers)
    result = compute_coverage(loaded, params=params)
    console = make_console()
    console.print(result.headline(lang=lang), highlight=False)
    for note in result.notes(lang=lang):
        console.print(note, style="yellow", highlight=False, soft_wrap=True)
    _print_tables(console, result, lang=lang)
    if result.network is not None:
        n = result.network
        text = (
            f"路网：{format_km(n['length_km'])} 公里，{format_count(n['components'])} 个连通片，"
            f"断头 {format_count(n['dangling_ends'])} 处，"
            f"疑似未接通 {format_count(len(n['near_misses']))} 处，"
            f"已连接 {format_count(len(n['joined']))} 处"
            if lang == "zh"
            else f"Road network: {format_km(n['length_km'])} km, "
            f"{format_count(n['components'])} components, "
            f"{format_count(n['dangling_ends'])} dead ends, "
            f"{format_count(len(n['near_misses']))} near misses, "
            f"{format_count(len(n['joined']))} joined"
        )
        console.print(text, highlight=False)
    if json_out is not None:
        write_json(Path(json_out), result.to_json())
    if xlsx is not None:
        from roadnet.tables import write_workbook

        write_workbook(xlsx, result.sheets(lang=lang), lang=lang)
    if drawing:
        from roadnet.maps import coverage_document

        write_maps(
            lambda used: coverage_document(result, loaded, lang=used, basemap=basemap),
            map_out=map_out,
            png=png,
            lang=lang,
            console=console,
        )


def _print_tables(console: Console, result: CoverageResult, *, lang: str) -> None:
    from rich.table import Table

    from roadnet.formatting import format_count, format_km, format_number

    zh = lang == "zh"
    table = Table(title="线路 Lines" if zh else "Lines")
    for label in (
        ("线路", "line"),
        ("长度(公里)", "km"),
        ("站点", "stops"),
        ("通客车建制村", "villages"),
        ("仅本线", "only this"),
        ("周转(分)", "cycle min"),
        ("间隔(分)", "headway"),
        ("需配车", "vehicles"),
    ):
        table.add_column(label[0] if zh else label[1], justify="right")
    for r in result.lines.itertuples(index=False):
        table.add_row(
            str(r.name),
            format_km(r.length_km),
            format_count(r.stops),
            format_count(r.villages_served),
            format_count(r.villages_only_this_line),
            format_number(r.cycle_min, digits=0),
            format_number(r.headway_min, digits=0),
            format_count(r.vehicles_required),
        )
    console.print(table)
    s = result.summary
    short = s.get("vehicles_short")
    if short:
        count = format_count(short)
        text = f"车辆缺口 {count} 辆" if zh else f"{count} buses short of the timetable"
        console.print(text, style="yellow")
