"""A static print version of a map (PNG, matplotlib Agg) for the written report.

It draws the same :class:`~roadnet.maps.document.MapDocument` as the HTML map: township
shading, roads, rivers, bus lines, stops, villages, the title with the headline figures, a
legend, a scale bar and a north arrow. Coordinates are lon/lat drawn with the aspect of the
county's mean latitude. Chinese text needs a CJK font: the first installed one of
:data:`CJK_FAMILIES` (or any font with Chinese glyphs) is used; when there is none, the map
is drawn with English labels, Chinese names are left out, and a warning is logged.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from roadnet.io.atomic import atomic_path
from roadnet.maps import style
from roadnet.maps.document import FeatureLayer, LegendEntry, MapDocument

if TYPE_CHECKING:
    from matplotlib.axes import Axes


log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
    "Arial Unicode MS",
)
_CJK = re.compile(
    r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
_PX_TO_PT = 0.6  # a Leaflet pixel on screen drawn as 0.6 pt on paper


def print_language(lang: str) -> str:
    """The language a PNG can be printed in on this machine.

    ``lang`` itself, except Chinese when no font with Chinese glyphs is installed: then
    ``en``, with a warning saying which font to install.
    """
    lang = style.check_lang(lang)
    if lang == "zh" and find_cjk_font() is None:
        log.warning(
            "PNG map: %s (install a CJK font such as fonts-noto-cjk or fonts-wqy-zenhei)",
            style.text("png_no_font", "en"),
        )
        return "en"
    return lang


@functools.cache
def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager, ft2font

    entries = font_manager.fontManager.ttflist
    names = {f.name for f in entries}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    for entry in entries:
        try:
            font = ft2font.FT2Font(entry.fname)
            if font.get_char_index(ord("县")):
                return str(entry.name)
        except (OSError, RuntimeError):
            continue
    return None


class _Text:
    """Makes text printable with the fonts at hand (drops CJK when there is no CJK font)."""

    def __init__(self, cjk: bool) -> None:
        self.cjk = cjk

    def __call__(self, text: str, fallback: str = "") -> str:
        if self.cjk or not _CJK.search(text):
            return text
        stripped = re.sub(r"\s+", " ", _CJK.sub(" ", text)).strip(" :;,.·-–—()")
        return stripped or fallback


def write_png(
    doc: MapDocument,
    path: str | Path,
    *,
    dpi: int = 150,
    size_in: tuple[float, float] = (11.69, 8.27),
) -> Path:
    """Draw a map document as a PNG (A4 landscape by default), written atomically.

    Parameters
    ----------
    doc
        What to draw (its tiles are ignored: the print version uses the county's layers).
    path
        The ``.png`` file to write.
    dpi
        Resolution.
    size_in
        Width and height in inches.

    The font with Chinese glyphs is found with :func:`find_cjk_font`; without one, Chinese
    text is left out (build the document in :func:`print_language`'s language first).
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = find_cjk_font()
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    printable = _Text(cjk=font is not None)
    with (
        rc_context({"font.family": families, "axes.unicode_minus": False}),
        _quiet("matplotlib.font_manager"),
    ):
        fig = Figure(figsize=size_in, dpi=dpi, facecolor="white")
        FigureCanvasAgg(fig)
        notes = notes_lines(doc, printable, cjk=printable.cjk)
        below = min(0.022 * (len(notes) + 1), 0.16) if notes else 0.0
        ax = fig.add_axes((0.02, 0.04 + below, 0.72, 0.80 - below))
        legend_ax = fig.add_axes((0.755, 0.04, 0.235, 0.80))
        if notes:
            fig.text(
                0.02,
                0.03 + below,
                "\n".join(notes),
                fontsize=7,
                va="top",
                color="#7a4a00",
            )
        _draw_map(ax, doc, printable)
        _draw_legend(legend_ax, doc, printable)
        title = printable(doc.title, fallback="Map")
        fig.text(0.02, 0.965, title, fontsize=17, fontweight="bold", va="top")
        width = 70 if printable.cjk and _CJK.search(doc.subtitle) else 150
        subtitle = "\n".join(textwrap.wrap(printable(doc.subtitle), width=width))
        fig.text(0.02, 0.915, subtitle, fontsize=10, va="top", color="#333333")
        fig.text(0.99, 0.012, printable(doc.footer), fontsize=7, ha="right", color="#777777")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, facecolor="white")
    return Path(path)


_NOTES_MAX_LINES = 6


def notes_lines(doc: MapDocument, printable: _Text | None = None, *, cjk: bool = True) -> list[str]:
    """The "数据说明" lines printed under the PNG map (wrapped, at most 6 lines).

    Parameters
    ----------
    doc
        The map document (its ``notes``).
    printable
        Drops Chinese text when there is no CJK font (None: text as it is).
    cjk
        Whether the text is Chinese (wrapped at fewer characters).
    """
    if not doc.notes:
        return []
    show = printable or (lambda text, fallback="": text)
    width = 75 if cjk else 140
    lines = [show(style.text("notes", doc.lang), "Data notes")]
    for note in doc.notes:
        text = show(note)
        if text:
            lines += textwrap.wrap(f"· {text}", width=width, subsequent_indent="  ")
    if len(lines) > _NOTES_MAX_LINES:
        lines = [*lines[: _NOTES_MAX_LINES - 1], lines[_NOTES_MAX_LINES - 1][: width - 1] + "…"]
    return lines


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Silence a chatty logger (font weight substitutions) while drawing."""
    target = logging.getLogger(logger)
    level = target.level
    target.setLevel(logging.ERROR)
    try:
        yield
    finally:
        target.setLevel(level)


# --------------------------------------------------------------------------- drawing


def _aspect(doc: MapDocument) -> float:
    _, south, _, north = doc.bounds
    return 1.0 / max(math.cos(math.radians((south + north) / 2)), 0.1)


def _dash(value: Any, width: float) -> Any:
    if not value:
        return "solid"
    numbers = [float(v) for v in str(value).replace(",", " ").split()]
    return (0, tuple(n / max(width, 1.0) for n in numbers))


def _ring_path(coords: np.ndarray) -> tuple[np.ndarray, list[int]]:
    from matplotlib.path import Path as MplPath

    codes = [int(MplPath.MOVETO)] + [int(MplPath.LINETO)] * (len(coords) - 2)
    return coords, [*codes, int(MplPath.CLOSEPOLY)]


def _polygon_paths(geom: Any) -> Iterator[Any]:
    from matplotlib.path import Path as MplPath

    if geom is None or shapely.is_empty(geom):
        return
    for polygon in shapely.get_parts(geom):
        if shapely.get_type_id(polygon) != 3:
            continue
        vertices, codes = [], []
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)[:, :2]
            if len(coords) < 4:
                continue
            v, c = _ring_path(coords)
            vertices.append(v)
            codes.extend(c)
        if vertices:
            yield MplPath(np.vstack(vertices), codes)


def _line_coords(geom: Any) -> list[np.ndarray]:
    if geom is None or shapely.is_empty(geom):
        return []
    out = []
    for part in shapely.get_parts(geom):
        kind = shapely.get_type_id(part)
        if kind in (1, 2):
            out.append(np.asarray(part.coords)[:, :2])
        elif kind == 3:
            out.extend(np.asarray(r.coords)[:, :2] for r in [part.exterior, *part.interiors])
    return out


def _draw_layer(ax: Axes, layer: FeatureLayer, printable: _Text) -> None:
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Ellipse, PathPatch

    z = layer.z / 100.0
    for s, options in enumerate(layer.styles):
        picked = layer.geometries[layer.style_index == s]
        if len(picked) == 0:
            continue
        colour = options.get("color", "#333333")
        width = float(options.get("weight", 1.0)) * _PX_TO_PT
        opacity = float(options.get("opacity", 1.0))
        if layer.kind == "polygons":
            patches = [PathPatch(p) for g in picked for p in _polygon_paths(g)]
            filled = options.get("fill", True) is not False
            fill = _rgba(options.get("fillColor", colour), options.get("fillOpacity", 0.2))
            ax.add_collection(
                PatchCollection(
                    patches,
                    facecolor=fill if filled else "none",
                    edgecolor=_rgba(colour, opacity),
                    linewidth=width,
                    linestyle=_dash(options.get("dashArray"), width),
                    zorder=z,
                )
            )
        elif layer.kind == "lines":
            segments = [c for g in picked for c in _line_coords(g)]
            ax.add_collection(
                LineCollection(
                    segments,
                    colors=[_rgba(colour, opacity)],
                    linewidths=width,
                    linestyles=_dash(options.get("dashArray"), width),
                    capstyle="round",
                    joinstyle="round",
                    zorder=z,
                )
            )
        elif layer.kind == "points":
            xy = shapely.get_coordinates(picked)
            radius = float(options.get("radius", 4)) * _PX_TO_PT * 1.1
            filled = options.get("fill", True) is not False
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                s=(2 * radius) ** 2,
                facecolors=options.get("fillColor", colour) if filled else "none",
                edgecolors=colour,
                linewidths=width,
                zorder=z,
            )
        else:  # circles with a radius on the ground
            xy = shapely.get_coordinates(picked)
            r = float(layer.radius_m or 0.0)
            mid = math.radians(float(np.mean(xy[:, 1]))) if len(xy) else 0.0
            w = 2 * r / (111_320.0 * max(math.cos(mid), 0.1))
            h = 2 * r / 110_540.0
            ellipses = [Ellipse((x, y), w, h) for x, y in xy]
            ax.add_collection(
                PatchCollection(
                    ellipses,
                    facecolor=_rgba(
                        options.get("fillColor", colour), options.get("fillOpacity", 0.1)
                    ),
                    edgecolor=_rgba(colour, opacity),
                    linewidth=width,
                    zorder=z,
                )
            )
    if layer.labels is not None and layer.label_points is not None:
        for text, point in zip(layer.labels, layer.label_points, strict=True):
            label = printable(text or "")
            if not label or point is None:
                continue
            ax.text(
                point.x,
                point.y,
                label,
                fontsize=9,
                ha="center",
                va="center",
                color="#4a4a4a",
                fontweight="bold",
                zorder=z + 0.05,
                path_effects=_halo(),
            )


def _halo() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.5, foreground="white")]


def _rgba(colour: Any, alpha: Any) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(str(colour), float(alpha))


def _draw_villages(ax: Axes, doc: MapDocument) -> None:
    v = doc.villages
    if len(v) == 0:
        return
    xy = shapely.get_coordinates(v.points)
    colours = np.array([c.colour for c in v.classes])[np.asarray(v.class_index)]
    size = (np.asarray(v.radius, dtype=float) * _PX_TO_PT * 1.6) ** 2
    admin = np.asarray(v.admin, dtype=bool)
    natural = ~admin
    if natural.any():
        ax.scatter(
            xy[natural, 0],
            xy[natural, 1],
            s=size[natural],
            facecolors="white",
            edgecolors=colours[natural],
            linewidths=1.0,
            zorder=4.5,
        )
    if admin.any():
        ax.scatter(
            xy[admin, 0],
            xy[admin, 1],
            s=size[admin],
            c=colours[admin],
            edgecolors="white",
            linewidths=0.5,
            zorder=4.6,
        )


def _draw_map(ax: Axes, doc: MapDocument, printable: _Text) -> None:
    ax.set_facecolor(style.BACKGROUND)
    for layer in doc.layers:
        if layer.show:
            _draw_layer(ax, layer, printable)
    _draw_villages(ax, doc)
    west, south, east, north = doc.bounds
    pad_x = (east - west) * 0.03 or 0.01
    pad_y = (north - south) * 0.03 or 0.01
    ax.set_xlim(west - pad_x, east + pad_x)
    ax.set_ylim(south - pad_y, north + pad_y)
    ax.set_aspect(_aspect(doc), adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#999999")
    _scale_bar(ax, doc)
    ax.annotate(
        "N",
        xy=(0.965, 0.95),
        xytext=(0.965, 0.87),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.5},
        zorder=10,
    )


def _scale_bar(ax: Axes, doc: MapDocument) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = (y0 + y1) / 2
    metres_per_degree = 111_320.0 * max(math.cos(math.radians(lat)), 0.1)
    width_km = (x1 - x0) * metres_per_degree / 1000.0
    target = width_km / 5
    magnitude = 10 ** math.floor(math.log10(max(target, 1e-3)))
    km = (
        max(s * magnitude for s in (1, 2, 5) if s * magnitude <= target)
        if target >= magnitude
        else magnitude
    )
    length = km * 1000.0 / metres_per_degree
    x = x0 + (x1 - x0) * 0.04
    y = y0 + (y1 - y0) * 0.04
    ax.plot([x, x + length], [y, y], color="#222222", linewidth=3, solid_capstyle="butt", zorder=10)
    ax.plot(
        [x, x + length / 2],
        [y, y],
        color="white",
        linewidth=1.4,
        solid_capstyle="butt",
        zorder=10.1,
    )
    label = f"{km:g} km"
    ax.text(
        x + length / 2,
        y + (y1 - y0) * 0.015,
        label,
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=10,
    )


def _legend_symbol(ax: Axes, entry: LegendEntry, x: float, y: float) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    if entry.symbol in ("dot", "ring"):
        size = (max(entry.size, 2.0) * _PX_TO_PT * 1.6) ** 2
        ring = entry.symbol == "ring"
        ax.scatter(
            [x + 0.05],
            [y],
            s=size,
            facecolors="white" if ring else entry.colour,
            edgecolors=entry.colour if ring else (entry.edge or "white"),
            linewidths=1.2 if ring else 0.5,
            transform=ax.transAxes,
            clip_on=False,
        )
    elif entry.symbol == "fill":
        ax.add_patch(
            Rectangle(
                (x, y - 0.008),
                0.1,
                0.016,
                facecolor=_rgba(entry.colour, 0.8),
                edgecolor=entry.edge or "#7a7a7a",
                linewidth=0.6,
                transform=ax.transAxes,
                clip_on=False,
            )
        )
    else:
        width = entry.size * _PX_TO_PT
        alpha = 0.55 if entry.symbol == "halo" else 1.0
        ax.add_line(
            Line2D(
                [x, x + 0.1],
                [y, y],
                color=_rgba(entry.colour, alpha),
                linewidth=width,
                linestyle=_dash(entry.dash, width),
                transform=ax.transAxes,
                solid_capstyle="round",
            )
        )


def _draw_legend(ax: Axes, doc: MapDocument, printable: _Text) -> None:
    ax.set_axis_off()
    rows = sum(len(s.entries) + 1 + (1 if s.note else 0) for s in doc.legend)
    step = min(0.034, 0.98 / max(rows + len(doc.legend) * 0.4, 1))
    font = 8.5 if step >= 0.028 else 7
    y = 0.99
    for section in doc.legend:
        ax.text(
            0,
            y,
            printable(section.title),
            fontsize=font + 1,
            fontweight="bold",
            va="top",
            transform=ax.transAxes,
        )
        y -= step * 1.1
        for k, entry in enumerate(section.entries):
            label = printable(entry.label, fallback=f"#{k + 1}")
            _legend_symbol(ax, entry, 0.0, y - step * 0.3)
            ax.text(0.14, y - step * 0.3, label, fontsize=font, va="center", transform=ax.transAxes)
            y -= step
        if section.note:
            ax.text(
                0,
                y - step * 0.2,
                printable(section.note),
                fontsize=font - 1,
                color="#666666",
                va="center",
                transform=ax.transAxes,
            )
            y -= step
        y -= step * 0.4


# --------------------------------------------------------------------------- entry points


