"""``roadnet siting``: the land each road project takes (项目用地预审).

``--map H`` writes the siting map (:mod:`roadnet.maps.siting`): footprints coloured by flag,
the parcels they take shaded by category, popups with the figures in 亩.
"""

from __future__ import annotations

import dataclasses
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

    from roadnet.county import County
    from roadnet.siting import SitingResult

_LAND_LAYERS = ("parcels", "basic_farmland", "eco_redline")
_BASE_LAYERS = ("townships", "roads", "rivers", "boundary")


@app.command()
def siting(
    county: CountyArg = DEFAULT_COUNTY,
    projects: Annotated[
        Path | None,
        typer.Option(
            "--projects",
            help="Check the projects of this GeoPackage/shapefile/GeoJSON instead of the "
            "county's projects layer.",
        ),
    ] = None,
    json_out: JsonOpt = None,
    xlsx: XlsxOpt = None,
    lang: LangOpt = "zh",
    width_default: Annotated[
        list[str] | None,
        typer.Option(
            "--width-default",
            help="Land-take width of line projects without width_m, as KIND=METRES "
            "(e.g. network_link=8 or 联网路=8); repeat for several kinds.",
        ),
    ] = None,
    overlaps: Annotated[
        str,
        typer.Option(
            "--overlaps",
            help="Where parcels overlap each other (OSM land use): smallest (the smallest "
            "parcel wins), first (layer order) or sum (count each).",
        ),
    ] = "smallest",
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="memory (default) or dask (dask-geopandas, for parcel sets beyond memory; "
            "pip install 'roadnet[dask]').",
        ),
    ] = "memory",
    partitions: Annotated[
        int | None,
        typer.Option("--partitions", help="Parcel partitions of the dask engine.", min=1),
    ] = None,
    map_out: MapOpt = None,
    basemap: BasemapOpt = "none",
    png: PngOpt = None,
) -> None:
    """Land taken by road projects: 耕地, 林地, 草地, basic farmland and the red line."""
    from roadnet.io.atomic import write_json
    from roadnet.siting import SitingParams, compute_siting, load_projects

    widths = _parse_widths(width_default or [])
    params = SitingParams(
        default_widths=widths,
        overlaps=overlaps,
        engine=engine,
        npartitions=partitions,
    )
    drawing = map_out is not None or png is not None
    if drawing:
        from roadnet.maps.basemap import check_map_options

        check_map_options(basemap=basemap, lang=lang)
    loaded = _load(county, with_projects=projects is None, base=drawing)
    other = load_projects(projects, crs=loaded.crs) if projects is not None else None
    result = compute_siting(loaded, params=params, projects=other)

    console = make_console()
    _print_table(console, result, lang=lang)
    console.print(result.headline(lang=lang), highlight=False)
    for problem in loaded.problems:
        if problem.severity != "error" and problem.layer in (*_LAND_LAYERS, "projects"):
            console.print(str(problem), style="dim")
    prefix = "注意：" if lang == "zh" else "Note: "
    for line in result.quality.lines(lang):
        console.print(f"{prefix}{line}", style="yellow", highlight=False)
    if json_out is not None:
        write_json(Path(json_out), result.to_json())
    if xlsx is not None:
        from roadnet.tables import write_workbook

        write_workbook(xlsx, result.sheets(lang=lang), lang=lang)
    if map_out is not None or png is not None:
        from roadnet.maps import siting_document

        write_maps(
            lambda used: siting_document(result, loaded, lang=used, basemap=basemap),
            map_out=map_out,
            png=png,
            lang=lang,
            console=console,
        )


def _load(county: Path, *, with_projects: bool, base: bool = False) -> County:
    """Load the siting layers; invalid land-layer geometries are repaired (and reported).

    With ``base``, the layers a map draws under the projects are loaded too (when present).
    """
    from roadnet.county import load_county
    from roadnet.manifest import read_manifest

    manifest = read_manifest(county)
    sources = dict(manifest.layers)
    for name in _LAND_LAYERS:
        if name in sources:
            sources[name] = dataclasses.replace(sources[name], repair=True)
    manifest = dataclasses.replace(manifest, layers=sources)
    layers = [*_LAND_LAYERS, "projects"] if with_projects else list(_LAND_LAYERS)
    if base:
        layers += [name for name in _BASE_LAYERS if name in sources]
    return load_county(manifest, layers=layers)


def _parse_widths(items: list[str]) -> dict[str, float]:
    from roadnet.schema import PROJECT_KINDS

    widths: dict[str, float] = {}
    for item in items:
        kind, sep, value = item.partition("=")
        canonical = PROJECT_KINDS.get(kind.strip()) or PROJECT_KINDS.get(kind.strip().lower())
        try:
            width = float(value)
        except ValueError:
            width = float("nan")
        if not sep or canonical is None or not width > 0:
            kinds = ", ".join(sorted(set(PROJECT_KINDS.values())))
            raise typer.BadParameter(
                f"{item!r}: give KIND=METRES with KIND one of {kinds} and a positive width",
                param_hint="--width-default",
            )
        widths[canonical] = width
    return widths


def _print_table(console: Console, result: SitingResult, *, lang: str) -> None:
    from rich import box
    from rich.table import Table

    zh = lang == "zh"
    table = Table(
        title="项目用地 Project land take" if zh else "Project land take",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    headers = (  # two-line headers keep the table readable in 80 columns
        ("名称", "Name"),
        ("类型", "Kind"),
        ("占地\n(亩)", "Total\n(mu)"),
        ("耕地\n(亩)", "Cultiv.\n(mu)"),
        ("林地\n(亩)", "Forest\n(mu)"),
        ("草地\n(亩)", "Grass\n(mu)"),
        ("基本农田\n(亩)", "Basic f.\n(mu)"),
        ("生态红线\n(亩)", "Red line\n(mu)"),
    )
    for i, (label_zh, label_en) in enumerate(headers):
        label = label_zh if zh else label_en
        if i < 2:
            table.add_column(label, overflow="fold", ratio=2 - i, min_width=6)
        else:
            table.add_column(label, justify="right", no_wrap=True)
    for row in result.project_rows(lang=lang):
        table.add_row(*row)
    console.print(table)
