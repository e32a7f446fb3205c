"""The answer of an access run and the outputs it builds (JSON, headline, workbook sheets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from roadnet.formatting import MISSING, format_count, format_km, format_percent, is_na
from roadnet.labels import ACCESS_SUMMARY, SHEETS, label
from roadnet.paved.params import SEAT_SOURCES, AccessParams
from roadnet.quality import DataQuality
from roadnet.sheets import notes_sheet, summary_frame

#: Columns of the village sheets of access.xlsx (keys of :data:`roadnet.labels.COLUMNS`).
VILLAGE_COLUMNS = (
    "id",
    "name",
    "township",
    "population",
    "connected",
    "paved_distance_m",
    "paved_connector_m",
    "all_season",
)


@dataclass(frozen=True)
class AccessResult:
    """The answer of :func:`compute_access`.

    Attributes
    ----------
    params
        The parameters used.
    county
        County name.
    seat
        The county seat: ``id``, ``name``, ``connected``, ``paved_connector_m`` and
        ``source`` (how it was chosen, a key of :data:`SEAT_SOURCES`).
    villages
        Every village with ``connected``, ``paved_distance_m`` (metres, inf when not
        connected), ``paved_connector_m`` and ``all_season``.
    candidates
        Unconnected villages, most populous first (``population`` is NA when unknown).
    summary
        The headline figures.
    quality
        What the data could not tell (the county's notes, then the analysis's own:
        ``unknown_surface``, ``seat_guessed``, ``rai_population_missing``).
    """

    params: AccessParams
    county: str
    seat: dict[str, Any]
    villages: gpd.GeoDataFrame
    candidates: pd.DataFrame
    summary: dict[str, Any]
    quality: DataQuality = field(default_factory=DataQuality)

    def to_json(self) -> dict[str, Any]:
        """JSON document: summary, villages, natural villages, candidates, data_quality."""
        admin = self.villages["kind"] == "administrative"
        return {
            "county": self.county,
            "seat": self.seat,
            "summary": self.summary,
            "villages": [_village_json(r) for r in self.villages[admin].itertuples(index=False)],
            "natural_villages": [
                _village_json(r) for r in self.villages[~admin].itertuples(index=False)
            ],
            "candidates": [_candidate_json(r) for r in self.candidates.to_dict(orient="records")],
            "data_quality": self.quality.to_json(),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """The headline figures in one sentence (with the unknown-surface rule when it matters)."""
        s = self.summary
        rate = format_percent(s["connected_rate"])
        rai = format_percent(s["rai"])
        total, connected = format_count(s["villages_total"]), format_count(s["villages_connected"])
        rule = _rule_clause(self.summary, lang=lang)
        known = s["rai"] is not None  # no village gives a population: no RAI (a note says so)
        if lang == "en":
            index = f"; Rural Access Index {rai}" if known else ""
            return (
                f"{connected} of {total} administrative villages reach the county seat by "
                f"hardened road ({rate}){index}{rule}."
            )
        index = f"，农村公路可达指数（RAI）{rai}" if known else ""
        return (
            f"{total} 个建制村中 {connected} 个通硬化路（建制村公路通畅率 {rate}）{index}{rule}。"
        )

    def sheets(self, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """The tables of access.xlsx, by sheet name in ``lang``.

        Summary, administrative villages, natural villages and the candidates for 通硬化路
        projects, then the data-quality notes when there are any. Column names are keys of
        :data:`roadnet.labels.COLUMNS`, translated when the workbook is written.
        """
        admin = self.villages["kind"] == "administrative"
        keys = ("summary", "villages", "natural_villages", "candidates")
        names = [label(SHEETS, key, lang) for key in keys]
        columns = list(VILLAGE_COLUMNS)
        tables = (
            summary_frame(self.summary, ACCESS_SUMMARY, lang=lang),
            self.villages.loc[admin, columns],
            self.villages.loc[~admin, columns],
            self.candidates,
        )
        return dict(zip(names, tables, strict=True)) | notes_sheet(self.quality, lang=lang)

    def seat_line(self, *, lang: str = "zh") -> str:
        """Which village is the county seat, and how it was chosen."""
        how = SEAT_SOURCES.get(str(self.seat.get("source")), (MISSING, MISSING))
        name, ident = self.seat.get("name") or MISSING, self.seat.get("id") or MISSING
        if lang == "en":
            return f"County seat: {name} ({ident}), {how[1]}."
        return f"县城：{name}（{ident}），{how[0]}。"


def _rule_clause(summary: dict[str, Any], *, lang: str) -> str:
    km = summary.get("unknown_surface_km") or 0.0
    if km <= 0:
        return ""
    rule = summary.get("unknown_surface_rule", "unpaved")
    text = format_km(km)
    if lang == "en":
        how = {"unpaved": "counted as unpaved", "paved": "counted as paved"}.get(rule, "left out")
        return f" ({text} km of road with unknown surface {how})"
    how_zh = {"unpaved": "按未硬化计", "paved": "按硬化计"}.get(rule, "不计入路网")
    return f"（路面类型不详的道路 {text} 公里{how_zh}）"


def _village_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "township": None if is_na(r.township) else r.township,
        "population": None if pd.isna(r.population) else int(r.population),
        "connected": bool(r.connected),
        "paved_distance_m": None
        if not np.isfinite(r.paved_distance_m)
        else round(float(r.paved_distance_m), 1),
        "paved_connector_m": None
        if not np.isfinite(r.paved_connector_m)
        else round(float(r.paved_connector_m), 1),
        "all_season_within_radius": bool(r.all_season),
    }


def _candidate_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: None if is_na(v) else v for k, v in row.items()}
