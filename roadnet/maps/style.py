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

LANGS = ("zh", "en")

GOOD = "#1a9850"  # served / connected
BAD = "#d73027"  # not served / not connected
NATURAL_FILL = "#ffffff"
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

_LABELS: Mapping[str, tuple[str, str]] = {
    "title_coverage": ("{county}公交覆盖图", "{county}: rural bus coverage"),
    "title_access": ("{county}通硬化路图", "{county}: hardened-road access"),
    "villages": ("村庄", "Villages"),
    "served_admin": ("通客车建制村", "Administrative village, served"),
    "unserved_admin": ("未通客车建制村", "Administrative village, not served"),
    "served_natural": ("自然村（通客车）", "Natural village, served"),
    "unserved_natural": ("自然村（未通客车）", "Natural village, not served"),
    "connected_admin": ("通硬化路建制村", "Administrative village, connected"),
    "unconnected_admin": ("未通硬化路建制村", "Administrative village, not connected"),
    "connected_natural": ("自然村（通硬化路）", "Natural village, connected"),
    "unconnected_natural": ("自然村（未通硬化路）", "Natural village, not connected"),
    "size_note": ("人口（圆点大小）", "Population (dot size)"),
    "seat": ("县城", "County seat"),
    "townships": ("乡镇", "Townships"),
    "township_share": ("乡镇建制村通客车比例", "Share of villages served, by township"),
    "no_villages": ("无建制村", "no villages"),
    "bus_lines": ("公交线路", "Bus lines"),
    "stops": ("公交站点", "Bus stops"),
    "reach": ("站点{radius}米路网范围内道路", "Roads within {radius} m of a stop"),
    "reach_straight": ("站点{radius}米直线范围", "Within {radius} m of a stop (straight line)"),
    "roads": ("道路", "Roads"),
    "roads_surface": ("道路（按路面）", "Roads (by surface)"),
    "rivers": ("河流", "Rivers"),
    "boundary": ("县界", "County boundary"),
    "national": ("国道", "National road"),
    "provincial": ("省道", "Provincial road"),
    "county": ("县道", "County road"),
    "township": ("乡道", "Township road"),
    "village": ("村道", "Village road"),
    "other": ("其他道路", "Other road"),
    "paved": ("硬化路（沥青/水泥）", "Paved (asphalt/concrete)"),
    "gravel": ("砂石路", "Gravel"),
    "earth": ("土路", "Earth"),
    "unknown": ("路面不详", "Surface unknown"),
    "field_id": ("编码", "Id"),
    "field_township": ("乡镇", "Township"),
    "field_kind": ("类型", "Kind"),
    "field_population": ("人口", "Population"),
    "field_nearest_stop": ("最近站点", "Nearest stop"),
    "field_distance": ("到站距离", "Distance to stop"),
    "field_lines": ("服务线路", "Lines"),
    "field_connector": ("到路距离", "Distance to road"),
    "field_connected": ("通硬化路", "Hardened road"),
    "field_paved_distance": ("硬化路到县城", "Paved route to seat"),
    "field_route_code": ("路线编码", "Route code"),
    "field_class": ("行政等级", "Class"),
    "field_surface": ("路面", "Surface"),
    "field_length": ("长度", "Length"),
    "field_stop_count": ("站点数", "Stops"),
    "field_villages_served": ("通客车建制村", "Villages served"),
    "field_only_this_line": ("仅本线服务", "Served only by this line"),
    "field_trips": ("日班次", "Trips per day"),
    "field_vehicles": ("需配车辆", "Vehicles required"),
    "field_share": ("通客车比例", "Share served"),
    "field_population_served": ("服务人口", "Population served"),
    "field_villages_total": ("建制村", "Administrative villages"),
    "administrative": ("建制村", "administrative"),
    "natural": ("自然村", "natural"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unreachable": ("不可达", "unreachable"),
    "metres": ("{value} 米", "{value} m"),
    "km": ("{value} 公里", "{value} km"),
    "people": ("{value} 人", "{value}"),
    "search": ("搜索村庄…", "Search a village…"),
    "search_label": ("村庄搜索", "Village search"),
    "no_match": ("没有找到", "No village found"),
    "legend": ("图例", "Legend"),
    "notes": ("数据说明", "Data notes"),
    "search_projects": ("搜索项目…", "Search a project…"),
    "search_projects_label": ("项目搜索", "Project search"),
    "no_project_match": ("没有找到项目", "No project found"),
    "search_events": ("搜索事件…", "Search an event…"),
    "search_events_label": ("事件搜索", "Event search"),
    "no_event_match": ("没有找到事件", "No event found"),
    "other_lines": ("其他 {count} 条线路", "{count} other lines"),
    "field_unserved_reason": ("未通客车原因", "Why not served"),
    "reason_disconnected": (
        "所在道路段与有站点的路网不连通",
        "on a road piece not connected to any stop",
    ),
    "reason_off_network": ("距最近道路超过 {distance} 米", "more than {distance} m from any road"),
    "reason_too_far": ("超出 {radius} 米服务半径", "beyond the {radius} m radius"),
    "unserved_disconnected": (
        "未通客车（道路段不连通）",
        "Not served: road piece not connected",
    ),
    "unserved_off_network": ("未通客车（远离道路）", "Not served: far from any road"),
    "unserved_too_far": ("未通客车（超出服务半径）", "Not served: beyond the radius"),
    "panel_unserved": ("未通客车建制村（{count}个）", "Villages not served ({count})"),
    "panel_unconnected": (
        "未通硬化路村庄（{count}个）",
        "Villages without hardened road ({count})",
    ),
    "panel_empty": ("全部通达", "None"),
    "panel_hint": ("按人口排序，点击定位", "By population; click to zoom"),
    "panel_hint_top": ("人口最多的{shown}个，点击定位", "The {shown} most populous; click to zoom"),
    "source": ("数据：{county} · roadnet", "Data: {county} · roadnet"),
    "field_change": ("变化", "Change"),
    "field_served_before": ("现状通客车", "Served today"),
    "field_served_after": ("方案通客车", "Served in the scenario"),
    "field_lines_after": ("方案服务线路", "Lines (scenario)"),
    "change_gained": ("新增通客车", "gains service"),
    "change_lost": ("失去公交服务", "loses service"),
    "change_none": ("不变", "unchanged"),
    "gained_admin": ("新增通客车建制村", "Village gaining service"),
    "lost_admin": ("失去公交服务建制村", "Village losing service"),
    "kept_admin": ("通客车（不变）", "Served, unchanged"),
    "never_admin": ("未通客车（不变）", "Not served, unchanged"),
    "served_ring": ("所选状态下通客车", "Served in the state shown"),
    "state_before": ("现状：", "Today: "),
    "state_after": ("方案：", "Scenario: "),
    "new_lines": ("新增线路", "new lines"),
    "new_suffix": ("（新）", " (new)"),
    "changed_roads": ("新建/新硬化道路", "New or newly paved roads"),
    "new_road": ("新建道路", "new road"),
    "paved_road": ("路面改变（硬化）", "surface changed (paved)"),
    "toggle_note": (
        "图层控件中切换“现状”与“方案”",
        "Switch between Today and Scenario in the layer control",
    ),
    "panel_changed": ("服务变化的村庄（{count}个）", "Villages whose service changes ({count})"),
    "panel_no_change": ("无变化", "No change"),
    "scenario_headline": (
        "新增通客车建制村 {gained} 个，失去 {lost} 个，服务人口 {population}",
        "{gained} villages gain bus service, {lost} lose it; population served {population}",
    ),
    "scenario_connected": (
        "；新通硬化路村庄 {count} 个",
        "; {count} villages newly reach the seat by hardened road",
    ),
    "connected_gained": (
        "新通硬化路村庄（{count}个）",
        "Newly connected by hardened road ({count})",
    ),
    "title_siting": ("{county}项目用地图", "{county}: land taken by road projects"),
    "projects": ("项目", "Projects"),
    "footprints": ("项目用地范围", "Project footprints"),
    "flag_eco_redline": ("涉及生态保护红线", "Touches the ecological red line"),
    "flag_basic_farmland": ("涉及永久基本农田", "Touches permanent basic farmland"),
    "flag_forest": ("占用林地", "Takes forest land"),
    "flag_clear": ("不涉及上述情形", "No flag raised"),
    "flag_none": ("无", "none"),
    "parcel_pieces": ("占用图斑（按地类）", "Parcels taken (by land use)"),
    "zones": ("管控范围（项目附近）", "Protected areas (near the projects)"),
    "zone_basic_farmland": ("永久基本农田", "Permanent basic farmland"),
    "zone_eco_redline": ("生态保护红线", "Ecological red line"),
    "field_footprint": ("占地", "Footprint"),
    "field_cultivated": ("耕地", "Cultivated"),
    "field_forest": ("林地", "Forest"),
    "field_grassland": ("草地", "Grassland"),
    "field_basic_farmland": ("永久基本农田", "Basic farmland"),
    "field_eco_redline": ("生态保护红线", "Red line"),
    "field_compensation": ("需补充耕地", "Farmland to compensate"),
    "field_flags": ("需办理", "Flags"),
    "field_category": ("地类", "Land use"),
    "field_area": ("占用面积", "Area taken"),
    "field_owner": ("权属单位", "Owner"),
    "field_project": ("项目", "Project"),
    "mu": ("{value} 亩", "{value} mu"),
    "panel_projects": ("项目清单（{count}个）", "Projects ({count})"),
    "panel_projects_hint": (
        "按红线、基本农田、林地排序，点击定位",
        "Red line, basic farmland, forest first; click to zoom",
    ),
    "panel_no_projects": ("无项目", "No projects"),
    "title_patrol": ("{county}巡查里程图", "{county}: road patrol"),
    "passes": ("巡查遍数", "Patrol passes"),
    "passes_value": ("{value} 遍", "{value}"),
    "unpatrolled_title": ("未巡查目标道路", "Target roads not patrolled"),
    "unpatrolled": ("未巡查目标道路（{count}条）", "Target roads not patrolled ({count})"),
    "vehicles": ("巡查车辆", "Patrol vehicles"),
    "vehicles_note": ("每台车辆一个图层，在图层控件中打开", "One layer per vehicle: tick it"),
    "vehicle": ("车辆 ", "Vehicle "),
    "events": ("巡查事件", "Patrol events"),
    "event_obstacle": ("清理障碍物", "Obstacle"),
    "event_overload": ("超限超载", "Overloading"),
    "event_illegal_operation": ("非法营运", "Illegal operation"),
    "event_encroachment": ("占用公路", "Encroachment"),
    "event_other": ("其他事件", "Other"),
    "event_on_road": ("{road}（位置取道路中点）", "{road} (placed mid-road)"),
    "field_passes": ("巡查遍数", "Passes"),
    "field_patrol_km": ("巡查里程", "Patrolled"),
    "field_share_patrolled": ("已巡查比例", "Share patrolled"),
    "field_road": ("道路", "Road"),
    "field_time": ("时间", "Time"),
    "field_event_kind": ("事件类型", "Kind"),
    "field_vehicle": ("车辆", "Vehicle"),
    "field_note": ("说明", "Note"),
    "field_count": ("数量", "Count"),
    "panel_events": ("巡查事件（{count}起）", "Patrol events ({count})"),
    "panel_events_hint": ("按时间倒序，点击定位", "Most recent first; click to zoom"),
    "panel_no_events": ("本期无事件", "No events in the period"),
    "png_no_font": (
        "未找到中文字体，改用英文标注",
        "no Chinese font found, labels in English",
    ),
}


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
    zh, en = _LABELS[key]
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
