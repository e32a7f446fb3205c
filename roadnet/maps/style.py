"""How maps look: colours, line widths, marker sizes and every label in Chinese and English.

One place for the cartography, shared by the HTML maps and the printed PNG. Colours are
chosen to read on the county's own layers without tiles: served/connected green, not served
red, townships shaded in a light sequential ramp, bus lines in distinct saturated colours
that are neither green nor red, roads in warm greys that widen with their class.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from roadnet.errors import ConfigError
from roadnet.formatting import MISSING, format_count, is_missing
from roadnet.formatting import format_km as _format_km
from roadnet.formatting import format_mu as _format_mu
from roadnet.labels import MAP_TEXT

LANGS = ("zh", "en")

GOOD = "#1a9850"  # served / connected
BAD = "#d73027"  # not served / not connected
BACKGROUND = "#f3f1ec"  # the paper colour of a map without tiles

#: Road drawing by administrative class: colour and width in CSS pixels.
ROAD_STYLE: Mapping[str, tuple[str, float]] = {
    "national": ("#c8643b", 4.0),
    "provincial": ("#d98b3a", 3.5),
    "county": ("#b99a6b", 2.6),
    "township": ("#9a948a", 1.8),
    "village": ("#b5b0a6", 1.2),
    "other": ("#c9c5bd", 1.0),
}
ROAD_CLASSES = tuple(ROAD_STYLE)

#: Road drawing by surface on the access map: colour, width, dash pattern.
SURFACE_STYLE: Mapping[str, tuple[str, float, str | None]] = {
    "paved": ("#3b4a6b", 2.6, None),
    "gravel": ("#a6763c", 1.8, "6 4"),
    "earth": ("#b8a88f", 1.4, "2 4"),
    "unknown": ("#c9c5bd", 1.0, "2 4"),
}

RIVER = "#6baed6"
BOUNDARY = "#555555"
TOWNSHIP_EDGE = "#7a7a7a"
REACH = "#74c476"  # roads within the radius of a stop: a soft green halo under the lines
STOP_FILL = "#ffffff"
STOP_EDGE = "#333333"
SEAT = "#6a3d9a"

#: Scenario map: villages whose service does not change are muted; changes are highlighted.
MUTED_GOOD = "#a8d5b5"  # served today and in the scenario
MUTED = "#b4b4b4"  # served in neither
SCENARIO_RING = "#0b6e3a"  # ring around the villages a state serves
CHANGED_ROAD = "#e040fb"  # new or newly paved road (halo)
NEW_LINE_HALO = "#ffd000"  # under a new bus line
CONNECTED_RING = "#2166ac"  # villages newly connected by hardened road

#: Patrol map: target roads not patrolled (dashed), and event markers by kind.
UNPATROLLED = "#d73027"
EVENT_COLOURS: Mapping[str, str] = {
    "obstacle": "#ff7f00",
    "overload": "#e31a1c",
    "illegal_operation": "#6a3d9a",
    "encroachment": "#b15928",
    "other": "#555555",
}

#: Siting map: footprint colour by its most serious flag.
FLAG_COLOURS: Mapping[str, str] = {
    "eco_redline": "#7b3294",  # 紫
    "basic_farmland": "#d7191c",  # 红
    "forest": "#1a7a3a",  # 绿
    "clear": "#6b6b6b",  # 灰
}
#: Siting map: parcel pieces shaded by land-use category.
CATEGORY_COLOURS: Mapping[str, str] = {
    "cultivated": "#f3d64e",
    "garden": "#f0a35e",
    "forest": "#4d9a4d",
    "grassland": "#b5df8a",
    "existing_road": "#9e9e9e",
    "construction": "#c4b8b0",
    "water": "#6baed6",
    "other": "#d9c7a3",
    "unclassified": "#f7f7f7",
}

#: Unserved villages by reason (``too_far`` keeps the red of "not served").
REASON_COLOURS: Mapping[str, str] = {
    "too_far": BAD,
    "disconnected": "#f46d43",  # orange: a road piece with no stop
    "off_network": "#7b3294",  # purple: far from every road
}
OTHER_LINES = "#9a9a9a"  # the "N other lines" legend entry

#: Distinct colours for bus lines (no green or red: those mean served / not served).
LINE_PALETTE = (
    "#1f78b4",
    "#9e4fb4",
    "#e6790d",
    "#0f9fb4",
    "#c2318d",
    "#3a4fb4",
    "#8c5a2b",
    "#5e8c0f",
    "#b4a00f",
    "#6b6b6b",
)

#: Township shading by share of administrative villages served: (upper bound, colour).
SHARE_CLASSES: tuple[tuple[float, str], ...] = (
    (0.0, "#fde7d9"),
    (0.25, "#fff3c4"),
    (0.5, "#e4f2b8"),
    (0.75, "#c2e3a4"),
    (0.999, "#9fd18b"),
    (1.0, "#74bf72"),
)
NO_DATA = "#eeeeee"
TOWNSHIP_OPACITY = 0.45

#: Village dot radius in pixels at full size: administrative villages from 3.5 to 12 px by
#: sqrt(population). The page shrinks dense maps at the opening zoom and grows them back.
RADIUS_MIN = 3.5
RADIUS_MAX = 12.0
NATURAL_SCALE = 0.55
#: Above this many villages, dots are drawn smaller (area ∝ 1 / count), down to
#: :data:`DENSE_SCALE_MIN` of their size, so that they do not hide the lines and roads.
DENSE_VILLAGES = 300
DENSE_SCALE_MIN = 0.4

FONT_STACK = (
    'system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", '
    "sans-serif"
)



def check_lang(lang: str) -> str:
    """Return ``lang`` when it is a supported language; raise :class:`ConfigError` if not."""
    if lang not in LANGS:
        raise ConfigError(f"map language must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def text(key: str, lang: str, **values: Any) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``) with ``values`` filled in.

    Parameters
    ----------
    key
        A label key (``served_admin``, ``field_population`` ...).
    lang
        ``zh`` or ``en``.
    **values
        Placeholders of the label (``county``, ``radius``, ``count`` ...).
    """
    zh, en = MAP_TEXT[key]
    template = zh if lang == "zh" else en
    return template.format(**values) if values else template


def format_metres(value: float | None, lang: str) -> str:
    """A distance for a popup: ``1,350 米`` / ``1,350 m``, or "unreachable" when not finite."""
    if value is None or not math.isfinite(value):
        return text("unreachable", lang)
    return text("metres", lang, value=f"{round(value):,}")


def _absent(value: Any) -> bool:
    """None, NaN, infinite or pandas NA."""
    return is_missing(value) or type(value).__name__ in ("NAType", "NaTType")


def format_people(value: Any, lang: str) -> str:
    """A population for a popup (``1,200 人``), or an em dash when unknown."""
    if _absent(value):
        return MISSING
    return text("people", lang, value=format_count(value))


def format_km(value: Any, lang: str) -> str:
    """A length in km for a label or popup, by the one rounding rule (``0.7 公里``)."""
    if _absent(value):
        return MISSING
    return text("km", lang, value=_format_km(value))


def format_mu(value: Any, lang: str) -> str:
    """An area in 亩 for a popup, by the one rounding rule (``12.3 亩``)."""
    if _absent(value):
        return MISSING
    return text("mu", lang, value=_format_mu(value))


def share_colour(share: float | None) -> str:
    """Township fill colour for a share (0–1) of administrative villages served."""
    if share is None or not math.isfinite(share):
        return NO_DATA
    for upper, colour in SHARE_CLASSES:
        if share <= upper:
            return colour
    return SHARE_CLASSES[-1][1]


def share_legend(lang: str) -> list[tuple[str, str]]:
    """(colour, label) of each township shading class, from 0 % to 100 %."""
    labels = ["0%", "<25%", "25–50%", "50–75%", "75–99%", "100%"]
    entries = [(colour, label) for (_, colour), label in zip(SHARE_CLASSES, labels, strict=True)]
    return [*entries, (NO_DATA, text("no_villages", lang))]


def line_colour(position: int) -> str:
    """Colour of the bus line at ``position`` in the lines table."""
    return LINE_PALETTE[position % len(LINE_PALETTE)]


def density_scale(count: int) -> float:
    """Factor (≤ 1) applied to village dots on a map of ``count`` villages.

    1 up to :data:`DENSE_VILLAGES` villages; above, sqrt(DENSE_VILLAGES / count), so the
    ink of all dots together stays about the same, and never below :data:`DENSE_SCALE_MIN`.
    """
    if count <= DENSE_VILLAGES:
        return 1.0
    return max(DENSE_SCALE_MIN, math.sqrt(DENSE_VILLAGES / count))


def village_radius(population: float | None, largest: float) -> float:
    """Dot radius (pixels) of an administrative village: area proportional to population.

    Parameters
    ----------
    population
        The village's population (None or NaN: the smallest dot).
    largest
        The largest population on the map (sets the scale).
    """
    if population is None or not math.isfinite(population) or largest <= 0:
        return RADIUS_MIN
    share = math.sqrt(max(population, 0.0) / largest)
    return round(RADIUS_MIN + (RADIUS_MAX - RADIUS_MIN) * min(share, 1.0), 1)
