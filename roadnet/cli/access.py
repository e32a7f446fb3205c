"""``roadnet access``: hardened-road access of villages (通硬化路) and the Rural Access Index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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


@app.command()
def access(
    county: CountyArg = DEFAULT_COUNTY,
    connector: Annotated[
        float,
        typer.Option("--connector", help="Largest distance (m) from a village to paved road."),
    ] = 500.0,
    seat: Annotated[
        str | None, typer.Option("--seat", help="County seat village (id or name).")
    ] = None,
    unknown_surface: Annotated[
        str,
        typer.Option(
            "--unknown-surface",
            help="How roads without a surface value count: unpaved (neither hardened nor "
            "all-season), paved (hardened and all-season) or exclude (left out of the road "
            "network).",
        ),
    ] = "unpaved",
    json_out: JsonOpt = None,
    xlsx: XlsxOpt = None,
    lang: LangOpt = "zh",
    map_out: MapOpt = None,
    basemap: BasemapOpt = "none",
    png: PngOpt = None,
) -> None:
    """Villages connected to the county seat by hardened road, candidates, and the RAI."""
    import pandas as pd
    from rich.table import Table

    from roadnet.cli.notes import print_notes
    from roadnet.county import load_county
    from roadnet.formatting import MISSING, format_count
    from roadnet.io.atomic import write_json
    from roadnet.paved import UNKNOWN_SURFACE_RULES, AccessParams, compute_access

    if unknown_surface not in UNKNOWN_SURFACE_RULES:
        raise typer.BadParameter(
            f"must be one of {', '.join(UNKNOWN_SURFACE_RULES)}, not {unknown_surface[:40]!r}",
            param_hint="--unknown-surface",
        )
    layers = ["villages", "roads", "townships"]
    drawing = map_out is not None or png is not None
    if drawing:
        from roadnet.maps.basemap import check_map_options

        check_map_options(basemap=basemap, lang=lang)
        layers += ["rivers", "boundary"]
    loaded = load_county(county, layers=layers)
    params = AccessParams(connector_m=connector, seat=seat, unknown_surface=unknown_surface)
    result = compute_access(loaded, params=params)
    console = make_console()
    console.print(result.headline(lang=lang), highlight=False, soft_wrap=True)
    console.print(result.seat_line(lang=lang), highlight=False, soft_wrap=True)
    print_notes(console, result.quality, lang=lang)
    zh = lang == "zh"
    table = Table(title="未通硬化路村庄（按人口）" if zh else "Villages without hardened road")
    for label in (("村", "village"), ("类型", "kind"), ("乡镇", "township"), ("人口", "pop.")):
        table.add_column(label[0] if zh else label[1])
    for r in result.candidates.head(10).itertuples(index=False):
        kind = (
            {"administrative": "建制村", "natural": "自然村"}.get(r.kind, r.kind) if zh else r.kind
        )
        township = MISSING if pd.isna(r.township) else str(r.township)
        population = None if pd.isna(r.population) else int(r.population)
        table.add_row(str(r.name), kind, township, format_count(population))
    console.print(table)
    if json_out is not None:
        write_json(Path(json_out), result.to_json())
    if xlsx is not None:
        from roadnet.tables import write_workbook

        write_workbook(xlsx, result.sheets(lang=lang), lang=lang)
    if drawing:
        from roadnet.maps import access_document

        write_maps(
            lambda used: access_document(result, loaded, lang=used, basemap=basemap),
            map_out=map_out,
            png=png,
            lang=lang,
            console=console,
        )
