"""What a scenario run could not tell or had to decide, as data-quality notes.

A scenario compares two coverage (and access) runs: each may carry its own notes (stops off
the network, villages on disconnected road pieces …), and the changes themselves decide
things the file did not say: lines re-routed along roads because their stops changed,
stops inserted where they add the least length because no position was given. This module
turns those into :class:`~roadnet.quality.QualityNote` entries and merges them with the
baseline's and the scenario's notes into the run's ``data_quality``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from roadnet.formatting import format_count, format_km
from roadnet.quality import DataQuality, QualityNote
from roadnet.reroute import LinePath

#: How many lines or stops a sentence lists before "…".
_LISTED = 3


def change_notes(
    paths: Mapping[str, LinePath],
    inserted: Sequence[tuple[str, str, int]],
    *,
    new_lines: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
) -> DataQuality:
    """Notes on what the changes did: ``lines_rerouted`` and ``stops_inserted``.

    Parameters
    ----------
    paths
        Line id → the path of every line whose stops the scenario changed.
    inserted
        (line id, stop id, 1-based place) of each stop placed by cheapest insertion.
    new_lines
        Ids of the lines the scenario added (routed, not re-routed).
    names
        Line id → name, for the sentences.
    """
    names = names or {}
    notes: list[QualityNote] = []
    changed = [
        (line_id, path)
        for line_id, path in paths.items()
        if line_id not in new_lines and (path.rerouted or path.whole)
    ]
    if changed:
        items_zh, items_en = [], []
        for line_id, path in changed[:_LISTED]:
            label = names.get(line_id, line_id)
            before, after = format_km(path.drawn_m / 1000), format_km(path.length_m / 1000)
            whole_zh = "，原线形未按顺序经过各站点，整条重新布线" if path.whole else ""
            whole_en = (
                ", whole: its drawn line does not pass its stops in order" if path.whole else ""
            )
            items_zh.append(f"{label} {before}→{after} 公里{whole_zh}")
            items_en.append(f"{label} {before} → {after} km{whole_en}")
        more = len(changed) - _LISTED
        notes.append(
            QualityNote(
                "lines_rerouted",
                text_zh=(
                    f"{len(changed)} 条线路因站点变化沿道路最短路径重新布线（"
                    f"{'；'.join(items_zh)}{f' 等 {len(changed)} 条' if more > 0 else ''}），"
                    "其余区间保持原线形；里程、周转时间和所需车辆随之重算"
                ),
                text_en=(
                    f"{len(changed)} line(s) re-routed along the shortest roads where their "
                    f"stops changed ({'; '.join(items_en)}{f' and {more} more' if more > 0 else ''}"
                    "); the other legs keep their drawn geometry; length, cycle time and "
                    "vehicles are recomputed"
                ),
                layer="bus_lines",
                count=len(changed),
                km=sum(path.length_m - path.drawn_m for _, path in changed) / 1000,
                rule="shortest_road_path",
                ids=tuple(line_id for line_id, _ in changed),
            )
        )
    if inserted:
        shown_zh = "、".join(
            f"{names.get(line, line)} 第 {place} 站（{stop}）"
            for line, stop, place in inserted[:_LISTED]
        )
        shown_en = ", ".join(
            f"{stop} as stop {place} of {names.get(line, line)}"
            for line, stop, place in inserted[:_LISTED]
        )
        more = len(inserted) - _LISTED
        notes.append(
            QualityNote(
                "stops_inserted",
                text_zh=(
                    f"{format_count(len(inserted))} 个新增站点未指定位置，插在增加里程最少处（"
                    f"{shown_zh}{' 等' if more > 0 else ''}）；可用 after、before 或 index 指定"
                ),
                text_en=(
                    f"{format_count(len(inserted))} added stop(s) had no position and were "
                    f"inserted where they add the least length ({shown_en}"
                    f"{f' and {more} more' if more > 0 else ''}); give after, before or index "
                    "to choose"
                ),
                layer="bus_stops",
                count=len(inserted),
                rule="cheapest_insertion",
                ids=tuple(stop for _, stop, _ in inserted),
            )
        )
    return DataQuality(tuple(notes))


def merge_notes(
    county: DataQuality,
    baseline: Iterable[object],
    scenario: Iterable[object],
    changes: DataQuality | None,
) -> DataQuality:
    """The run's notes: the county's, the baseline results', the scenario results', changes'.

    Results are read with ``getattr(result, "quality", None)`` (coverage and access gain it
    in parallel). A scenario note equal to the baseline's is kept once; one that differs
    under the same key is kept beside it as ``scenario_<key>``, its sentence prefixed.
    """
    merged = county
    for result in baseline:
        merged = merged.merge(_quality(result))
    for result in scenario:
        quality = _quality(result)
        if quality is None:
            continue
        for note in quality:
            known = merged.get(note.key)
            if known is None:
                merged = merged.with_notes(note)
            elif known != note:
                merged = merged.with_notes(
                    dataclasses.replace(
                        note,
                        key=f"scenario_{note.key}",
                        text_zh=f"方案：{note.text_zh}",
                        text_en=f"In the scenario: {note.text_en}",
                    )
                )
    return merged.merge(changes)


def _quality(result: object) -> DataQuality | None:
    quality = getattr(result, "quality", None)
    return quality if isinstance(quality, DataQuality) else None
