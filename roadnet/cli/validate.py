"""``roadnet validate``: list every problem of a county's layers at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from roadnet.cli.app import DEFAULT_COUNTY, CountyArg, JsonOpt, LangOpt, app, make_console


@app.command()
def validate(
    county: CountyArg = DEFAULT_COUNTY,
    repair: Annotated[
        bool, typer.Option("--repair", help="Repair invalid geometries with make_valid.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
    json_out: JsonOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """Check every layer: fields, CRS, coordinates, geometries, ids and cross-references.

    Exit 0 when clean (warnings allowed unless --strict), 1 when errors are found, 2 when an
    input cannot be read at all. What loading changed or guessed (parts dropped, duplicate
    roads merged, an encoding guessed …) is printed as notes and written as data_quality.
    """
    from rich.table import Table

    from roadnet.county import inspect_county
    from roadnet.io.atomic import write_json

    result, problems = inspect_county(county, repair=repair)
    console = make_console()
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if result is not None:
        table = Table(title=f"{result.name} — {result.crs.name} (EPSG:{result.crs.to_epsg()})")
        table.add_column("layer 图层")
        table.add_column("features 要素", justify="right")
        table.add_column("source 来源")
        for name, frame in result.layers.items():
            table.add_row(name, f"{len(frame):,}", result.manifest.layers[name].label)
        console.print(table)
    for problem in problems:
        style = {"error": "bold red", "warning": "yellow"}.get(problem.severity, "dim")
        console.print(f"{problem.severity:7} {problem}", style=style)
    console.print(
        f"{len(errors)} error(s), {len(warnings)} warning(s) — "
        f"{len(errors)} 个错误，{len(warnings)} 个警告"
    )
    quality = result.quality if result is not None else None
    for line in quality.lines(lang) if quality else []:
        console.print(f"{'注意：' if lang == 'zh' else 'Note: '}{line}", style="cyan")
    if json_out is not None:
        payload = {
            "county": result.name if result else None,
            "crs": f"EPSG:{result.crs.to_epsg()}" if result else None,
            "layers": {n: len(f) for n, f in result.layers.items()} if result else {},
            "errors": len(errors),
            "warnings": len(warnings),
            "problems": [p.to_dict() for p in problems],
            "data_quality": quality.to_json() if quality is not None else {},
        }
        write_json(Path(json_out), payload)
    if errors or (strict and warnings):
        raise typer.Exit(1)
