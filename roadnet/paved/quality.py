"""What an access run could not tell, as :class:`~roadnet.quality.QualityNote` objects.

- ``unknown_surface``: roads without a surface value, their length and share, the rule that
  counted them and the range of connected villages between the rules.
- ``rai_population_missing``: administrative villages without a population figure.
- ``seat_guessed``: the county seat was neither named nor marked in the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from roadnet.formatting import format_count, format_km, format_percent
from roadnet.network import RoadGraph
from roadnet.paved.params import SEAT_SOURCES, UNKNOWN_SURFACE_RULES
from roadnet.quality import QualityNote

#: Seat sources that are guesses (the seat_guessed note says so).
GUESSED = ("seat_flag_first", "most_populous", "first_village")


def unknown_note(
    graph: RoadGraph, unknown: np.ndarray, rule: str, connected_range: list[int]
) -> QualityNote:
    """The ``unknown_surface`` note: how many roads and km, their share, the rule."""
    roads_unknown = np.unique(graph.edge_road[unknown])
    ids = graph.roads["id"].astype(str).to_numpy()[roads_unknown] if "id" in graph.roads else []
    km = float(graph.edge_length[unknown].sum()) / 1000.0
    total = float(graph.edge_length.sum()) / 1000.0
    share = km / total if total > 0 else None
    count = len(roads_unknown)
    low, high = connected_range
    how_zh = {
        "unpaved": "按未硬化计（不算硬化路，也不算 RAI 的全天候道路）",
        "paved": "按硬化路计（也算 RAI 的全天候道路）",
        "exclude": "不计入路网（不连通村庄，不算全天候道路，不计入道路总里程）",
    }[rule]
    how_en = {
        "unpaved": "counted as unpaved (neither hardened nor all-season for the RAI)",
        "paved": "counted as paved (and all-season for the RAI)",
        "exclude": "left out of the road network (no connection, not all-season, not in the "
        "road totals)",
    }[rule]
    others = " / ".join(f"--unknown-surface {r}" for r in UNKNOWN_SURFACE_RULES if r != rule)
    return QualityNote(
        "unknown_surface",
        text_zh=(
            f"{format_count(count)} 条道路（{format_km(km)} 公里，占道路总里程 "
            f"{format_percent(share)}）没有路面类型（路面类型字段为空，或 OSM 无 surface/"
            f"tracktype 标签），{how_zh}；按此规则与全按硬化计，通硬化路建制村在 "
            f"{format_count(low)}–{format_count(high)} 个之间；可用 {others} 改变"
        ),
        text_en=(
            f"{format_count(count)} roads ({format_km(km)} km, {format_percent(share)} of the "
            f"road length) have no surface value (empty surface field, or no OSM surface/"
            f"tracktype tag): {how_en}; between {format_count(low)} and {format_count(high)} "
            f"administrative villages are connected whether they are unpaved or paved; "
            f"change it with {others}"
        ),
        layer="roads",
        count=count,
        km=km,
        share=share,
        rule=rule,
        ids=tuple(str(i) for i in ids),
    )


def rai_population_note(villages: pd.DataFrame, population: np.ndarray) -> QualityNote | None:
    """``rai_population_missing``: administrative villages without a population figure.

    The Rural Access Index is a share of people: a village without a population counts for
    nothing in it, and with none given there is no index at all.
    """
    missing = np.isnan(population)
    n, total = int(missing.sum()), len(population)
    if n == 0:
        return None
    share = n / total
    if n == total:
        zh = "建制村都没有人口数，农村公路可达指数（RAI，按人口计）无法计算；请填写“人口”字段"
        en = (
            "no administrative village has a population figure, so the Rural Access Index "
            "(a share of people) cannot be computed: fill in the population field"
        )
        rule = "not_computed"
    else:
        zh = (
            f"{format_count(n)} 个建制村（占 {format_percent(share)}）没有人口数，"
            "农村公路可达指数（RAI，按人口计）不计这些村；请填写“人口”字段"
        )
        en = (
            f"{format_count(n)} of {format_count(total)} administrative villages have no "
            "population figure and count for nothing in the Rural Access Index (a share of "
            "people): fill in the population field"
        )
        rule = "excluded"
    return QualityNote(
        "rai_population_missing",
        text_zh=zh,
        text_en=en,
        layer="villages",
        count=n,
        share=share,
        rule=rule,
        ids=tuple(str(i) for i in villages.loc[missing, "id"]),
    )


def seat_note(seat: dict[str, Any], villages: pd.DataFrame) -> QualityNote | None:
    """The ``seat_guessed`` note when no one named the seat and the data does not mark it."""
    source = str(seat["source"])
    if source not in GUESSED:
        return None
    how_zh, how_en = SEAT_SOURCES[source]
    return QualityNote(
        "seat_guessed",
        text_zh=(
            f"县城取{seat['name']}（{seat['id']}）：{how_zh}；请用 --seat 或 county.toml 的 "
            'seat = "..." 指定'
        ),
        text_en=(
            f"the county seat was taken to be {seat['name']} ({seat['id']}): {how_en}; name it "
            'with --seat or seat = "..." in county.toml'
        ),
        layer="villages",
        count=1,
        rule=source,
        ids=(str(seat["id"]),),
    )
