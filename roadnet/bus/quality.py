"""What a coverage run could not tell, as :class:`~roadnet.quality.QualityNote` objects.

Coverage states what it met instead of guessing silently:

- ``villages_disconnected``: administrative villages on a road piece (a connected component
  of the road graph) on which no stop some line calls at lies. They count as unserved; the
  note says how many have such a stop within the radius in a straight line (the figure that
  tells a planner the road network has a gap) and the fix (``--join N`` for digitising gaps
  up to N metres, else complete the roads layer).
- ``stops_disconnected``: stops some line calls at whose road piece holds no village.
- ``stops_off_network``: stops some line calls at that are farther than the off-network
  distance from every road (a feed reaching beyond the road extract).
- ``directions_paired``: routes whose two directions count as one line (two lines of one name
  merged, or a GTFS route with trips in both directions).
- ``lines_same_name``: lines sharing a name that were not merged (stops far apart).
- ``lines_without_timetable``: lines with neither trips per day nor a headway (one bus each
  is assumed).
- ``population_missing``: administrative villages without a population figure (counted as
  0 people; the headline leaves the population out when no village gives one).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from roadnet.formatting import format_count, format_percent
from roadnet.lines import LinePairing
from roadnet.quality import DataQuality, QualityNote

_MAX_NAMES = 5


def coverage_notes(
    *,
    villages: pd.DataFrame,
    stops: pd.DataFrame,
    radius_m: float,
    off_network_m: float,
    metric: str,
    pieces: dict[str, Any] | None,
    pairing: LinePairing,
    lines: pd.DataFrame,
    drawn: pd.DataFrame,
) -> DataQuality:
    """The notes of one coverage run.

    Parameters
    ----------
    villages
        Administrative villages with ``id``, ``name``, ``disconnected`` and ``near_stop``
        (a used stop within ``radius_m`` in a straight line).
    stops
        The stops some line calls at, with ``id``, ``connector_m`` (metres),
        ``disconnected`` and ``near_village`` (a village within ``radius_m`` straight).
    radius_m, off_network_m
        The coverage rule's radius and off-network distance (metres).
    metric
        ``network`` or ``straight``.
    pieces
        The road pieces without a stop and their gaps (network metric), or None.
    pairing
        How the lines' directions were paired (:func:`roadnet.lines.pair_directions`).
    lines
        The line table (``id``, ``name``, ``vehicles_rule``).
    drawn
        The bus_lines layer as loaded (a GTFS feed's lines carry ``directions``).
    """
    return DataQuality().with_notes(
        _villages_disconnected(villages, radius_m, pieces),
        _stops_disconnected(stops, radius_m),
        _stops_off_network(stops, off_network_m, metric),
        _directions_paired(pairing, drawn),
        _lines_same_name(pairing),
        _lines_without_timetable(lines),
        _population_missing(villages),
    )


def _villages_disconnected(
    villages: pd.DataFrame, radius_m: float, pieces: dict[str, Any] | None
) -> QualityNote | None:
    cut = villages[villages["disconnected"].astype(bool)]
    if cut.empty:
        return None
    n = len(cut)
    near = int(cut["near_stop"].astype(bool).sum())
    radius = format_count(radius_m)
    hint_zh, hint_en = _join_hint(pieces)
    if near:
        near_zh = f"其中 {format_count(near)} 个直线 {radius} 米内有站点，说明路网有断口"
        near_en = (
            f"{format_count(near)} of them {'has' if near == 1 else 'have'} a stop within "
            f"{radius} m in a straight line: "
            "the road network has a gap"
        )
    else:
        near_zh = f"直线 {radius} 米内也都没有站点"
        near_en = f"none of them has a stop within {radius} m in a straight line either"
    return QualityNote(
        "villages_disconnected",
        text_zh=(
            f"{format_count(n)} 个建制村所在路段与有站点的路网不连通，按未通客车计"
            f"（{near_zh}）；{hint_zh}"
        ),
        text_en=(
            f"{_n(n, 'administrative village lies', 'administrative villages lie')} on road "
            f"pieces that no bus stop's road reaches and count as unserved ({near_en}); "
            f"{hint_en}"
        ),
        layer="villages",
        count=n,
        share=n / len(villages) if len(villages) else None,
        rule="unserved",
        ids=tuple(str(i) for i in cut["id"]),
    )


def _join_hint(pieces: dict[str, Any] | None) -> tuple[str, str]:
    limit = format_count((pieces or {}).get("join_hint_max_m", 50))
    gaps = [p["gap_m"] for p in (pieces or {}).get("without_stop", []) if p["gap_m"] is not None]
    if gaps:
        n = max(1, math.ceil(max(gaps)))
        return (
            f"{format_count(len(gaps))} 个这样的路段离有站点的路网不到 {n} 米，"
            f"可用 --join {n} 接通断头路后重算",
            f"{_n(len(gaps), 'such piece is', 'such pieces are')} within {n} m of a road "
            "with a stop: "
            f"run again with --join {n} to join the dangling ends",
        )
    return (
        f"这些路段离有站点的路网都超过 {limit} 米：请补全道路图层（或扩大 OSM 提取范围）；"
        "--join N 只接通 N 米以内的断头路",
        f"these pieces are all more than {limit} m from a road with a stop: complete the "
        "roads layer (or a larger OSM extract); --join N joins dangling ends within N m only",
    )


def _stops_disconnected(stops: pd.DataFrame, radius_m: float) -> QualityNote | None:
    cut = stops[stops["disconnected"].astype(bool)]
    if cut.empty:
        return None
    n = len(cut)
    near = int(cut["near_village"].astype(bool).sum())
    radius = format_count(radius_m)
    return QualityNote(
        "stops_disconnected",
        text_zh=(
            f"{format_count(n)} 个站点所在路段上没有任何村庄，沿路网服务不到村庄（其中 "
            f"{format_count(near)} 个直线 {radius} 米内有村庄）；检查道路图层的断口，"
            "或用 --join N 接通 N 米以内的断头路"
        ),
        text_en=(
            f"{_n(n, 'bus stop lies', 'bus stops lie')} on road pieces that hold no village "
            f"and reach none along roads ({format_count(near)} of them within {radius} m of a "
            "village in a straight line); check the roads layer for gaps or use --join N to join "
            "dangling ends within N m"
        ),
        layer="bus_stops",
        count=n,
        share=n / len(stops) if len(stops) else None,
        rule="serve_no_village",
        ids=tuple(str(i) for i in cut["id"]),
    )


def _stops_off_network(
    stops: pd.DataFrame, off_network_m: float, metric: str
) -> QualityNote | None:
    connector = pd.to_numeric(stops["connector_m"], errors="coerce").fillna(0.0)
    far = stops[(connector > off_network_m).to_numpy()]
    if far.empty:
        return None
    n = len(far)
    share = n / len(stops)
    limit = format_count(off_network_m)
    counted_zh = "，其到道路的直线距离计入路网距离" if metric == "network" else ""
    counted_en = "; their straight distance to the road counts" if metric == "network" else ""
    return QualityNote(
        "stops_off_network",
        text_zh=(
            f"{format_count(n)} 个站点（占 {format_percent(share)}）距最近道路超过 {limit} 米："
            f"道路图层可能没有覆盖线路全程{counted_zh}"
        ),
        text_en=(
            f"{_n(n, 'bus stop', 'bus stops')} ({format_percent(share)}) "
            f"{'is' if n == 1 else 'are'} more than {limit} m "
            f"from every road: the roads layer may not cover the whole line{counted_en}"
        ),
        layer="bus_stops",
        count=n,
        share=share,
        rule="connector_counts" if metric == "network" else "reported",
        ids=tuple(str(i) for i in far["id"]),
    )


def _directions_paired(pairing: LinePairing, drawn: pd.DataFrame) -> QualityNote | None:
    named = [(name, a, b) for name, a, b, _ in pairing.pairs]
    routes: list[tuple[str, str]] = []
    if "directions" in drawn.columns:
        directions = pd.to_numeric(drawn["directions"], errors="coerce").fillna(0)
        merged_away = set(pairing.aliases)
        for line_id, name, count in zip(drawn["id"], drawn["name"], directions, strict=True):
            if count >= 2 and str(line_id) not in merged_away:
                routes.append((str(name), str(line_id)))
    if not named and not routes:
        return None
    n = len(named) + len(routes)
    names = [name for name, _, _ in named] + [name for name, _ in routes]
    parts_zh, parts_en = [], []
    if named:
        parts_zh.append(
            f"同名的两个方向合并 {format_count(len(named))} 条（站点取两个方向的并集，"
            "长度取两个方向的平均，车辆按合并后的班次计）"
        )
        parts_en.append(
            f"{format_count(len(named))} drawn as two lines of one name merged (stops of "
            "both directions, length the mean of both, vehicles from the pair's timetable)"
        )
    if routes:
        parts_zh.append(f"GTFS 中同一线路（route）含两个方向班次的 {format_count(len(routes))} 条")
        parts_en.append(
            f"{_n(len(routes), 'GTFS route runs', 'GTFS routes run')} trips in both directions"
        )
    return QualityNote(
        "directions_paired",
        text_zh=(
            f"{format_count(n)} 条线路的上下行按一条线路计（{_names(names, 'zh')}）："
            + "；".join(parts_zh)
        ),
        text_en=(
            f"{_n(n, 'line counts', 'lines count')} both directions as one line "
            f"({_names(names, 'en')}): " + "; ".join(parts_en)
        ),
        layer="bus_lines",
        count=n,
        rule="one_line_per_route",
        ids=tuple([a for _, a, _ in named] + [i for _, i in routes]),
    )


def _lines_same_name(pairing: LinePairing) -> QualityNote | None:
    if not pairing.unpaired:
        return None
    names = [name for name, _ in pairing.unpaired]
    ids = [i for _, group in pairing.unpaired for i in group]
    return QualityNote(
        "lines_same_name",
        text_zh=(
            f"{format_count(len(names))} 个线路名称由多条线路共用，但站点不重合（或方向字段"
            f"相同），未合并，按不同线路计（{_names(names, 'zh')}）；如是同一线路的两个方向，"
            "请加“方向”字段（上行/下行）"
        ),
        text_en=(
            f"{_n(len(names), 'line name is', 'line names are')} shared by lines that were not "
            "merged (their stops do not overlap, or their direction field is the same); "
            f"counted as separate lines ({_names(names, 'en')}); if they are the two directions "
            "of one route, add a 'direction' field (up/down)"
        ),
        layer="bus_lines",
        count=len(ids),
        rule="kept_apart",
        ids=tuple(ids),
    )


def _lines_without_timetable(lines: pd.DataFrame) -> QualityNote | None:
    if "vehicles_rule" not in lines.columns:
        return None
    assumed = lines[lines["vehicles_rule"] == "assumed"]
    if assumed.empty:
        return None
    n = len(assumed)
    names = [str(x) for x in assumed["name"]]
    return QualityNote(
        "lines_without_timetable",
        text_zh=(
            f"{format_count(n)} 条线路没有日班次和发车间隔（{_names(names, 'zh')}），"
            "需配车辆按每条 1 辆计；请填写“班次”或“发车间隔”字段"
        ),
        text_en=(
            f"{_n(n, 'line gives', 'lines give')} neither trips per day nor a headway "
            f"({_names(names, 'en')}); one bus each is assumed: fill in trips_per_day or "
            "headway_min"
        ),
        layer="bus_lines",
        count=n,
        share=n / len(lines),
        rule="one_bus",
        ids=tuple(str(i) for i in assumed["id"]),
    )


def _n(count: int, singular: str, plural: str) -> str:
    """``count`` and the English words that agree with it."""
    return f"{format_count(count)} {singular if count == 1 else plural}"


def _population_missing(villages: pd.DataFrame) -> QualityNote | None:
    if "population" not in villages.columns or villages.empty:
        return None
    missing = villages[villages["population"].isna().to_numpy()]
    if missing.empty:
        return None
    n = len(missing)
    return QualityNote(
        "population_missing",
        text_zh=(
            f"{format_count(n)} 个建制村（占 {format_percent(n / len(villages))}）没有人口数，"
            "服务人口按 0 计；请填写“人口”字段"
        ),
        text_en=(
            f"{_n(n, 'administrative village has', 'administrative villages have')} no "
            f"population figure ({format_percent(n / len(villages))}), counted as 0 people: "
            "fill in the population field"
        ),
        layer="villages",
        count=n,
        share=n / len(villages),
        rule="zero",
        ids=tuple(str(i) for i in missing["id"]),
    )


def _names(names: list[str], lang: str) -> str:
    unique = list(dict.fromkeys(names))
    shown = [_short(n) for n in unique[:_MAX_NAMES]]
    more = len(unique) - len(shown)
    if lang == "zh":
        return "、".join(shown) + (f" 等 {more + len(shown)} 条" if more > 0 else "")
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
