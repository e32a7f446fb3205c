"""What the patrol data could not tell: the ``data_quality`` notes of imports and reports.

Keys (stable, like every JSON key):

``points_time_synthesised``
    Points recorded without a time and given one (:mod:`roadnet.patrol.timefill`): their
    kilometres count on their day, no speed or gap rule applies to them.
``points_rejected``
    Rows of the files without a usable fix (no time, no position, (0, 0), out of range),
    by reason (import).
``vehicles_from_names``
    GPX tracks imported without ``--vehicle``: the vehicle is the plate found in the
    track's or the file's name, or that name without its date (import).
``points_dropped_by_cleaning``
    Points cleaning dropped, by reason (report; :mod:`roadnet.patrol.clean`).
``points_unmatched``
    Points left out by the map matching (farther than the search radius from every road).
``track_breaks``
    Places where no plausible road path joins two consecutive points: the matched path is
    broken there and the gap adds no km (report).
``target_network_empty``
    The roads layer holds no road of the target classes (county and township roads by
    default): their km and coverage are not known (report).
``vehicles_merged_by_plate``
    Vehicle names of the ledger that are one plate written differently ("蒙A·J6017" and
    "蒙A·J6017 2023-07-04"), counted as one vehicle (report).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from roadnet.formatting import format_count
from roadnet.quality import DataQuality, QualityNote, collect

if TYPE_CHECKING:
    from roadnet.patrol.registry import FileImport

IMPORT_REASONS: dict[str, tuple[str, str]] = {
    "missing_time": ("无时间", "without a time"),
    "missing_position": ("无坐标", "without a position"),
    "invalid_fix": ("坐标超出经纬度范围", "with coordinates out of range"),
    "zero_fix": ("坐标为 (0, 0)", "at (0, 0)"),
}
CLEANING_REASONS: dict[str, tuple[str, str]] = {
    "invalid_fix": ("坐标无效", "invalid coordinates"),
    "zero_fix": ("坐标为 (0, 0)", "at (0, 0)"),
    "out_of_area": ("在县域外", "outside the county"),
    "duplicate": ("重复点", "repeated points"),
    "duplicate_time": ("同一时刻另一位置", "a second position at the same time"),
    "speed_spike": ("速度不可能的跳点", "jumps at impossible speed"),
    "stationary": ("停车时的重复定位", "repeated fixes while stopped"),
    "isolated": ("孤立单点", "isolated single points"),
}
_DATE_FROM = {
    "option": ("--date", "--date"),
    "track_name": ("轨迹名称", "the track name"),
    "file_name": ("文件名", "the file name"),
    "start": ("--start", "--start"),
}


def import_notes(files: Iterable[FileImport], rejected: Mapping[str, int]) -> DataQuality:
    """The notes of one import: times given, rows rejected, vehicles taken from names.

    ``files`` are the import's files, ``rejected`` its rows rejected per reason.
    """
    tracks = [f for f in files if f.kind == "tracks" and f.status == "imported"]
    return collect(
        [
            _synthesised_import(tracks),
            _rejected(rejected),
            _named(tracks),
        ]
    )


def target_note(
    classes: Iterable[str], *, target_km: float, zh_label: str, en_label: str
) -> DataQuality:
    """``target_network_empty``: the roads layer has no road of the target classes.

    Without route codes (X…, Y…) or an administrative class, every road is ``other`` and
    the bureau's "km on county and township roads" and its coverage cannot be told: the
    note says so and how to fix it, instead of a 0 km and a coverage of nothing.
    """
    if target_km > 0:
        return DataQuality()
    wanted = ", ".join(classes)
    return DataQuality(
        (
            QualityNote(
                "target_network_empty",
                text_zh=(
                    f"道路图层中没有{zh_label}（无路线编码 X/Y… 或行政等级），{zh_label}巡查里程"
                    "和覆盖率无从统计；请补充“路线编码”或“行政等级”字段，或用 --target 指定道路等级"
                ),
                text_en=(
                    f"the roads layer has no {en_label} roads (no route code X…/Y… nor an "
                    "administrative class), so their patrolled km and coverage cannot be "
                    "told; add a route_code or class field, or choose classes with --target"
                ),
                layer="roads",
                km=0.0,
                rule=f"target={wanted}",
            ),
        )
    )


def report_notes(
    *,
    synthesised: int,
    dates: Iterable[str],
    dropped: Mapping[str, int],
    points_in: int,
    unmatched: int,
    points_used: int,
    radius_m: float,
    breaks: int,
    merged: Mapping[str, list[str]],
) -> DataQuality:
    """The notes of a patrol report.

    Parameters
    ----------
    synthesised
        Points of the period whose times were given on import (not recorded).
    dates
        Their local days (ISO text).
    dropped
        Cleaning reason → points dropped; ``points_in`` the points cleaned.
    unmatched, points_used
        Points the matcher left out (no road within ``radius_m`` metres), and the points
        it matched.
    breaks
        Places where the matched path was broken.
    merged
        Plate → the ledger's vehicle names counted as that plate (only those with more
        than one name).
    """
    notes: list[QualityNote | None] = []
    if synthesised:
        days = sorted(set(dates))
        shown = "、".join(days[:5]) + (" …" if len(days) > 5 else "")
        shown_en = ", ".join(days[:5]) + (" …" if len(days) > 5 else "")
        notes.append(
            QualityNote(
                "points_time_synthesised",
                text_zh=(
                    f"{format_count(synthesised)} 个轨迹点记录时无时间，导入时按日期（{shown}）"
                    "给定顺序时间：只计入当天里程，不据其速度剔除跳点、不按时间间隔分段"
                ),
                text_en=(
                    f"{format_count(synthesised)} points were recorded without a time and "
                    f"given one on import (days {shown_en}): their km count on that day; no "
                    "speed or time-gap rule was applied to them"
                ),
                layer="tracks",
                count=synthesised,
                share=synthesised / points_in if points_in else None,
                rule="no_speed_rules",
                ids=tuple(days),
            )
        )
    total = sum(dropped.values())
    if total:
        parts_zh = [
            f"{CLEANING_REASONS.get(k, (k, k))[0]} {format_count(v)}"
            for k, v in dropped.items()
            if v
        ]
        parts_en = [
            f"{format_count(v)} {CLEANING_REASONS.get(k, (k, k))[1]}"
            for k, v in dropped.items()
            if v
        ]
        notes.append(
            QualityNote(
                "points_dropped_by_cleaning",
                text_zh=(
                    f"清洗剔除 {format_count(total)} 个轨迹点（{'，'.join(parts_zh)}），不计入里程"
                ),
                text_en=(
                    f"cleaning dropped {format_count(total)} points ({', '.join(parts_en)}); "
                    "they add no km"
                ),
                layer="tracks",
                count=total,
                share=total / points_in if points_in else None,
                rule="dropped",
                ids=tuple(k for k, v in dropped.items() if v),
            )
        )
    if unmatched:
        radius = format_count(radius_m)
        notes.append(
            QualityNote(
                "points_unmatched",
                text_zh=(
                    f"{format_count(unmatched)} 个轨迹点 {radius} 米内无道路，未匹配到路网，"
                    "里程按其前后匹配点之间的道路计"
                ),
                text_en=(
                    f"{format_count(unmatched)} points have no road within {radius} m and "
                    "were not matched; the km between the matched points around them follow "
                    "the roads"
                ),
                layer="tracks",
                count=unmatched,
                share=unmatched / (points_used + unmatched),
                rule="skipped",
            )
        )
    if breaks:
        notes.append(
            QualityNote(
                "track_breaks",
                text_zh=(
                    f"轨迹有 {format_count(breaks)} 处前后两点间无合理道路路径，在此断开，"
                    "断开处不计里程"
                ),
                text_en=(
                    f"{format_count(breaks)} places where no plausible road path joins two "
                    "consecutive points: the track is broken there and the gap adds no km"
                ),
                layer="tracks",
                count=breaks,
                rule="not_counted",
            )
        )
    if merged:
        names = sum(len(v) for v in merged.values())
        plates = list(merged)
        notes.append(
            QualityNote(
                "vehicles_merged_by_plate",
                text_zh=(
                    f"台账中 {names} 个车辆名称为同一车牌的不同写法（如"
                    f"“{'”“'.join(merged[plates[0]][:2])}”），按车牌计为 {len(plates)} 辆车"
                ),
                text_en=(
                    f"{names} vehicle names of the ledger are {len(plates)} plate(s) written "
                    f"differently (e.g. {' / '.join(merged[plates[0]][:2])}): counted by plate"
                ),
                layer="tracks",
                count=names,
                rule="plate",
                ids=tuple(plates),
            )
        )
    return collect(notes)


def _synthesised_import(tracks: list[FileImport]) -> QualityNote | None:
    filled = [f for f in tracks if f.times_filled]
    if not filled:
        return None
    count = sum(f.times_filled for f in filled)
    rules = sorted({f.time_rule for f in filled})
    days = list(dict.fromkeys(d for f in filled for d in f.dates))
    origins = list(dict.fromkeys(o for f in filled for o in f.date_from.split("+") if o))
    day_text = "、".join(days[:5]) + (" …" if len(days) > 5 else "")
    day_text_en = ", ".join(days[:5]) + (" …" if len(days) > 5 else "")
    origin_zh = "、".join(_DATE_FROM.get(o, (o, o))[0] for o in origins)
    origin_en = ", ".join(_DATE_FROM.get(o, (o, o))[1] for o in origins)
    if rules == ["interval"]:
        how_zh = "按 --start/--interval 依次给定时间"
        how_en = "given times from --start and --interval"
    else:
        how_zh = f"按文件顺序排在当天（{day_text}，日期取自{origin_zh}），时间仅为占位"
        how_en = (
            f"placed in file order on their day ({day_text_en}, from {origin_en}); the "
            "times are placeholders"
        )
    return QualityNote(
        "points_time_synthesised",
        text_zh=(
            f"{len(filled)} 个文件的 {format_count(count)} 个轨迹点无时间：{how_zh}；"
            "只计里程，不据其速度剔除跳点、不按时间间隔分段"
        ),
        text_en=(
            f"{format_count(count)} points of {len(filled)} file(s) had no time: {how_en}; "
            "they count for km only, no speed or time-gap rule is applied to them"
        ),
        layer="tracks",
        count=count,
        rule="+".join(rules),
        ids=tuple(f.name for f in filled),
    )


def _rejected(reasons: Mapping[str, int]) -> QualityNote | None:
    total = sum(reasons.values())
    if not total:
        return None
    parts_zh = [
        f"{IMPORT_REASONS.get(k, (k, k))[0]} {format_count(v)}" for k, v in reasons.items() if v
    ]
    parts_en = [
        f"{format_count(v)} {IMPORT_REASONS.get(k, (k, k))[1]}" for k, v in reasons.items() if v
    ]
    return QualityNote(
        "points_rejected",
        text_zh=f"{format_count(total)} 行无可用定位，未导入（{'，'.join(parts_zh)}）",
        text_en=(
            f"{format_count(total)} rows without a usable fix were not imported "
            f"({', '.join(parts_en)})"
        ),
        layer="tracks",
        count=total,
        rule="rejected",
        ids=tuple(k for k, v in reasons.items() if v),
    )


def _named(tracks: list[FileImport]) -> QualityNote | None:
    pairs = list(dict.fromkeys(pair for f in tracks for pair in f.vehicles_named))
    if not pairs:
        return None
    vehicles = list(dict.fromkeys(v for v, _ in pairs))
    plates = list(dict.fromkeys(v for v, s in pairs if s in ("track_plate", "file_plate")))
    plain = [v for v in vehicles if v not in plates]
    parts_zh, parts_en = [], []
    if plates:
        parts_zh.append(f"车牌取自轨迹名或文件名（{_some(plates, '、')}）")
        parts_en.append(f"the plate in the track or file name ({_some(plates, ', ')})")
    if plain:
        parts_zh.append(f"名称中无车牌的按名称计（{_some(plain, '、')}），可用 --vehicle 指定车牌")
        parts_en.append(
            f"a name without a plate is taken as it is ({_some(plain, ', ')}); give the plate "
            "with --vehicle"
        )
    return QualityNote(
        "vehicles_from_names",
        text_zh=f"GPX 轨迹未给 --vehicle：{'；'.join(parts_zh)}",
        text_en=f"GPX tracks without --vehicle: {'; '.join(parts_en)}",
        layer="tracks",
        count=len(vehicles),
        rule="name" if plain else "plate",
        ids=tuple(vehicles),
    )


def _some(values: list[str], separator: str, *, limit: int = 5) -> str:
    """The first ``limit`` values joined, with … when there are more."""
    return separator.join(values[:limit]) + (" …" if len(values) > limit else "")
