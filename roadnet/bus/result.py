"""The answer of a coverage run and the outputs it builds (JSON, headline, workbook sheets)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from roadnet.bus.params import CoverageParams
from roadnet.formatting import format_count, format_percent, is_missing, is_na
from roadnet.labels import COVERAGE_SUMMARY, SHEETS, label
from roadnet.network import RoadGraph
from roadnet.quality import DataQuality
from roadnet.reach import reachable_roads
from roadnet.sheets import notes_sheet, summary_frame

#: Values of a village's ``unserved_reason`` (None when served).
UNSERVED_REASONS = ("disconnected", "off_network", "too_far")

#: Columns of the village sheets of coverage.xlsx (keys of :data:`roadnet.labels.COLUMNS`).
VILLAGE_COLUMNS = (
    "id",
    "name",
    "township",
    "population",
    "served",
    "distance_m",
    "nearest_stop",
    "lines",
    "connector_m",
    "off_network",
    "disconnected",
    "unserved_reason",
)
#: Columns of the line sheet of coverage.xlsx.
LINE_COLUMNS = (
    "id",
    "name",
    "length_km",
    "stops",
    "villages_served",
    "villages_only_this_line",
    "cycle_min",
    "headway_min",
    "trips_per_day",
    "days",
    "vehicles_required",
)


@dataclass(frozen=True)
class CoverageResult:
    """The answer of :func:`compute_coverage`.

    Attributes
    ----------
    villages
        Every village (administrative and natural) with ``served``, ``distance_m``,
        ``nearest_stop``, ``lines`` (ids of the lines serving it), ``connector_m``,
        ``off_network``, ``disconnected`` (no used stop on its road piece; network metric
        only) and ``unserved_reason`` (one of :data:`UNSERVED_REASONS`, None when served);
        metric CRS.
    townships
        Per township: ``villages_total``, ``villages_served``, ``served``, ``share``,
        population; empty when the county has no townships and villages name none.
    lines
        Per line (the two directions of a route paired into one): ``length_km``, ``stops``,
        ``villages_served``, ``villages_only_this_line``, ``cycle_min``, ``headway_min``,
        ``vehicles_required``, ``vehicles_rule`` (how the timetable gave the vehicles,
        :mod:`roadnet.lines`), ``paired_ids``.
    stops
        Bus stops with ``connector_m`` (distance to the nearest road), ``lines`` and
        ``disconnected`` (used stop on a road piece that holds no village).
    summary
        The headline figures (DESIGN.md keys).
    quality
        What the data could not tell: the county's loading notes merged with coverage's own
        (``villages_disconnected``, ``stops_disconnected``, ``stops_off_network``,
        ``directions_paired``, ``lines_same_name``, ``lines_without_timetable`` …).
    graph
        The routing graph the network metric used (None for ``straight``), for
        :meth:`reachable_roads` and for reuse by the caller.
    """

    params: CoverageParams
    county: str
    villages: gpd.GeoDataFrame
    townships: pd.DataFrame
    lines: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    summary: dict[str, Any]
    network: dict[str, Any] | None = None
    quality: DataQuality = field(default_factory=DataQuality)
    graph: RoadGraph | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def reachable_roads(self) -> gpd.GeoSeries:
        """The roads within the radius of a stop some line calls at, along roads.

        Computed once, on :attr:`graph` (see :mod:`roadnet.reach`); empty for the
        ``straight`` metric. Metric CRS.
        """
        if self.graph is None:
            return gpd.GeoSeries([], crs=self.villages.crs)
        used = np.array([len(lines) > 0 for lines in self.stops["lines"]], dtype=bool)
        return reachable_roads(
            self.graph,
            self.stops.geometry.to_numpy()[used],
            radius_m=self.params.radius_m,
            crs=self.villages.crs,
        )

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON document of DESIGN.md (``summary``, ``villages`` ...)."""
        admin = self.villages[self.villages["kind"] == "administrative"]
        natural = self.villages[self.villages["kind"] != "administrative"]
        return {
            "county": self.county,
            "summary": self.summary,
            "network": self.network,
            "villages": [_village_json(r) for r in admin.itertuples(index=False)],
            "natural_villages": [_village_json(r) for r in natural.itertuples(index=False)],
            "townships": [
                {
                    "id": r.id,
                    "name": r.name,
                    "villages_total": int(r.villages_total),
                    "villages_served": int(r.villages_served),
                    "served": bool(r.served),
                    "share": _round(r.share, 4),
                    "population_total": int(r.population_total),
                    "population_served": int(r.population_served),
                }
                for r in self.townships.itertuples(index=False)
            ],
            "lines": [
                {
                    "id": r.id,
                    "name": r.name,
                    "length_km": _round(r.length_km, 3),
                    "stops": int(r.stops),
                    "villages_served": int(r.villages_served),
                    "villages_only_this_line": int(r.villages_only_this_line),
                    "cycle_min": _round(r.cycle_min, 1),
                    "headway_min": _round(r.headway_min, 1),
                    "trips_per_day": _round(r.trips_per_day, 2),
                    "days": r.days,
                    "vehicles_required": int(r.vehicles_required),
                    "vehicles_rule": r.vehicles_rule,
                    "paired_ids": list(r.paired_ids) if isinstance(r.paired_ids, list) else [],
                }
                for r in self.lines.itertuples(index=False)
            ],
            "data_quality": self.quality.to_json(),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """One sentence with the headline figures, in Chinese (default) or English.

        A figure the data does not give (the fleet without a ``fleet`` layer, townships
        without townships) is left out of the sentence, never printed as None.
        """
        s = self.summary
        vehicles = s.get("vehicles")
        lines = format_count(s["lines"])
        villages = format_count(s["villages_served"])
        total = format_count(s["villages_total"])
        people = format_count(s["population_served"])
        radius = format_count(s["radius_m"])
        rate = format_percent(s["village_rate"])
        # no village gives a population: leave it out rather than print "0 people"
        unknown_people = (
            s["villages_total"] > 0
            and s.get("villages_without_population") == (s["villages_total"])
        )
        if lang == "en":
            buses = "" if is_missing(vehicles) else f", {format_count(vehicles)} buses"
            towns = (
                ""
                if is_missing(s["townships_total"])
                else f"{format_count(s['townships_served'])} of "
                f"{format_count(s['townships_total'])} townships and "
            )
            people_en = "" if unknown_people else f", {people} people"
            return (
                f"{lines} lines{buses} serve {towns}{villages} of {total} administrative "
                f"villages ({rate}){people_en}, within {radius} m ({s['metric']})."
            )
        buses = "" if is_missing(vehicles) else f"、{format_count(vehicles)} 辆车"
        towns = (
            ""
            if is_missing(s["townships_total"])
            else f"{format_count(s['townships_served'])} 个乡镇"
            f"（共 {format_count(s['townships_total'])} 个）、"
        )
        metric = "路网距离" if s["metric"] == "network" else "直线距离"
        head = f"{lines} 条线路{buses}，覆盖 {towns}{villages} 个建制村"
        if unknown_people:  # no population: the rule goes inside the parenthesis
            return f"{head}（共 {total} 个，通客车率 {rate}，{metric} {radius} 米以内）。"
        return (
            f"{head}（共 {total} 个，通客车率 {rate}），"
            f"服务人口 {people} 人（{metric} {radius} 米以内）。"
        )

    def sheets(self, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """The tables of coverage.xlsx, by sheet name in ``lang``.

        Summary, administrative villages, natural villages, townships and lines, then the
        data-quality notes when there are any. Column names are keys of
        :data:`roadnet.labels.COLUMNS`, translated when the workbook is written.
        """
        admin = self.villages["kind"] == "administrative"
        keys = ("summary", "villages", "natural_villages", "townships", "lines")
        names = [label(SHEETS, key, lang) for key in keys]
        villages = list(VILLAGE_COLUMNS)
        tables = (
            summary_frame(self.summary, COVERAGE_SUMMARY, lang=lang),
            self.villages.loc[admin, villages],
            self.villages.loc[~admin, villages],
            self.townships,
            self.lines[list(LINE_COLUMNS)],
        )
        return dict(zip(names, tables, strict=True)) | notes_sheet(self.quality, lang=lang)

    def notes(self, *, lang: str = "zh") -> list[str]:
        """The data-quality notes as printed lines (``注意：…`` / ``Note: …``)."""
        prefix = "注意：" if lang != "en" else "Note: "
        return [prefix + text for text in self.quality.lines(lang)]


def _village_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "township": r.township,
        "kind": r.kind,
        "population": None if pd.isna(r.population) else int(r.population),
        "served": bool(r.served),
        "distance_m": None if not np.isfinite(r.distance_m) else round(float(r.distance_m), 1),
        "nearest_stop": None if is_na(r.nearest_stop) else str(r.nearest_stop),
        "lines": list(r.lines),
        "connector_m": None if not np.isfinite(r.connector_m) else round(float(r.connector_m), 1),
        "off_network": bool(r.off_network),
        "disconnected": bool(r.disconnected),
        "unserved_reason": None if is_na(r.unserved_reason) else str(r.unserved_reason),
    }


def _round(value: Any, digits: int) -> float | None:
    if value is None or pd.isna(value) or not np.isfinite(value):
        return None
    return round(float(value), digits)
