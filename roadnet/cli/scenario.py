"""``roadnet scenario``: apply a "what if" file and compare it with its baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from roadnet.cli.app import (
    BasemapOpt,
    JsonOpt,
    LangOpt,
    MapOpt,
    PngOpt,
    XlsxOpt,
    app,
    make_console,
    write_maps,
)


@app.command()
def scenario(
    path: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    json_out: JsonOpt = None,
    lang: LangOpt = "zh",
    map_out: MapOpt = None,
    basemap: BasemapOpt = "none",
    png: PngOpt = None,
    xlsx: XlsxOpt = None,
) -> None:
    """Compare a scenario (new line, moved stop, paved road, 3 km rule ...) with today."""
    from rich.table import Table

    from roadnet.io.atomic import write_json
    from roadnet.labels import COLUMNS, SCENARIO_FIGURES, label
    from roadnet.scenario import run_scenario

    if map_out is not None or png is not None:
        from roadnet.maps.basemap import check_map_options

        check_map_options(basemap=basemap, lang=lang)
    result = run_scenario(path)
    doc = result.to_json()
    zh = lang == "zh"
    console = make_console()
    table = Table(title=result.scenario.name)
    for column in ("item", "baseline", "scenario", "change"):
        table.add_column(label(COLUMNS, column, lang), justify="right")
    for key, (label_zh, label_en) in SCENARIO_FIGURES.items():
        before, after = doc["baseline"].get(key), doc["scenario"].get(key)
        if before is None and after is None:
            continue
        change = "" if before is None or after is None else _signed(after - before)
        table.add_row(label_zh if zh else label_en, _fmt(before), _fmt(after), change)
    console.print(table)
    delta = doc["delta"]
    names = result.baseline_coverage.villages.set_index("id")["name"]
    for key, label_zh, label_en in (
        ("villages_gained", "新增通客车建制村", "villages gained"),
        ("villages_lost", "失去公交服务建制村", "villages lost"),
    ):
        ids = delta[key]
        if ids:
            listed = "、".join(str(names.get(i, i)) for i in ids[:20])
            console.print(f"{label_zh if zh else label_en} ({len(ids)}): {listed}", highlight=False)
    for line in delta.get("lines_changed", []):
        console.print(_line_change(line, zh=zh), highlight=False)
    prefix = "注意：" if zh else "Note: "
    for text in result.quality.lines("zh" if zh else "en"):
        console.print(f"{prefix}{text}", style="yellow", highlight=False)
    if json_out is not None:
        write_json(Path(json_out), doc)
    if xlsx is not None:
        from roadnet.tables import write_workbook

        write_workbook(xlsx, result.sheets(lang=lang), lang=lang)
    if map_out is not None or png is not None:
        from roadnet.maps import scenario_document

        write_maps(
            lambda used: scenario_document(result, lang=used, basemap=basemap),
            map_out=map_out,
            png=png,
            lang=lang,
            console=console,
        )


def _line_change(line: dict[str, object], *, zh: bool) -> str:
    """One sentence per changed line: length, cycle time and vehicles before and after."""
    from roadnet.formatting import format_count, format_km, format_number

    km = f"{format_km(line['length_km_before'])}→{format_km(line['length_km_after'])}"
    cycle = (
        f"{format_number(line['cycle_min_before'], digits=0)}→"
        f"{format_number(line['cycle_min_after'], digits=0)}"
    )
    buses = (
        f"{format_count(line['vehicles_required_before'])}→"
        f"{format_count(line['vehicles_required_after'])}"
    )
    if zh:
        return f"{line['name']}：里程 {km} 公里，周转时间 {cycle} 分钟，需配车辆 {buses} 辆"
    return f"{line['name']}: length {km} km, cycle {cycle} min, vehicles {buses}"


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value <= 1.0:
        return f"{value * 100:.1f}%"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _signed(value: float) -> str:
    if isinstance(value, float) and abs(value) <= 1.0:
        return f"{value * 100:+.1f}%"
    return f"{value:+,}" if value else "0"
