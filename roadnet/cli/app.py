"""The typer application and the options every command shares."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from roadnet.manifest import DEFAULT_COUNTY as DEFAULT_COUNTY
from roadnet.manifest import resolve_county as resolve_county

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from roadnet.maps.document import MapDocument

app = typer.Typer(
    name="roadnet",
    help=(
        "roadnet — bus coverage, road access, patrol mileage and project siting for county "
        "transport bureaus. 县域公交覆盖、通硬化路、巡查里程与项目选址分析。"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# DEFAULT_COUNTY (re-exported here for every command) is not a fixed path: a command given
# no COUNTY uses ./county.toml, else layers/county.toml, looked for when the county is read
# (roadnet.manifest.resolve_county, the one place that resolves it, says which on stderr).
CountyArg = Annotated[
    Path,
    typer.Argument(
        help="county.toml, a folder holding one, or a GeoPackage with standard layer names.",
        show_default="./county.toml, else layers/county.toml",
    ),
]
JsonOpt = Annotated[
    Path | None, typer.Option("--json", help="Write the result as JSON to this file.")
]

XlsxOpt = Annotated[
    Path | None, typer.Option("--xlsx", help="Write the tables to this Excel workbook.")
]
MapOpt = Annotated[
    Path | None,
    typer.Option("--map", help="Write the map (one offline HTML file) to this path."),
]
LANGS = ("zh", "en")
BASEMAPS = ("none", "osm", "tianditu")


def _choice(option: str, choices: tuple[str, ...]) -> Callable[[str], str]:
    """A typer callback refusing a value outside ``choices`` (exit 2, naming the option)."""

    def check(value: str) -> str:
        if value not in choices:
            raise typer.BadParameter(
                f"{option} must be {', '.join(choices[:-1])} or {choices[-1]}, not {value[:40]!r}",
                param_hint=option,
            )
        return value

    return check


BasemapOpt = Annotated[
    str,
    typer.Option(
        "--basemap",
        help="Map background: none (the county's own layers, works offline), osm or tianditu "
        "(key from ROADNET_TIANDITU_KEY).",
        callback=_choice("--basemap", BASEMAPS),
    ),
]
PngOpt = Annotated[
    Path | None, typer.Option("--png", help="Write a static print version (PNG) of the map.")
]
LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        help="Language of printed text, tables and maps: zh or en.",
        callback=_choice("--lang", LANGS),
    ),
]


@app.callback()
def _root(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output.")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback of an error.")
    ] = False,
) -> None:
    """Set up logging once for every command."""
    level = logging.ERROR if quiet else logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def make_console(*, stderr: bool = False) -> Console:
    """A Rich console that prints text literally.

    Messages quote user data (column headers, names, county.toml sections such as
    ``[layers.villages]``): Rich markup would swallow the brackets or fail on ``[/b]``, so
    markup and highlighting are off; colour is given with ``style=`` instead. Long lines are
    not broken at the terminal's width (``soft_wrap``): a figure and its unit stay together
    when the output is piped into a file or a chat message.
    """
    from rich.console import Console

    return Console(markup=False, highlight=False, soft_wrap=True, stderr=stderr)


def write_maps(
    build: Callable[[str], MapDocument],
    *,
    map_out: Path | None,
    png: Path | None,
    lang: str,
    console: Console,
) -> None:
    """Write a command's ``--map`` (HTML) and ``--png`` from one document builder.

    ``build(lang)`` makes the map's document in a language; the PNG is built in the
    language it can be printed in here (:func:`roadnet.maps.print_language`).
    """
    if map_out is None and png is None:
        return
    from roadnet.maps import print_language, write_map, write_png

    zh = lang == "zh"
    if map_out is not None:
        written = write_map(build(lang), map_out)
        console.print(f"{'地图' if zh else 'map'}: {written}")
    if png is not None:
        written = write_png(build(print_language(lang)), png)
        console.print(f"{'图片' if zh else 'image'}: {written}")
