"""The result of a patrol mileage report: tables, JSON (DESIGN.md keys), headline, sheets."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from roadnet.formatting import format_km, format_percent
from roadnet.labels import EVENT_PHRASES, PATROL_SUMMARY, ROAD_CLASS_LABELS, SHEETS, label
from roadnet.patrol.events import EVENT_KINDS
from roadnet.patrol.params import ROAD_CLASSES, PatrolParams
from roadnet.quality import DataQuality
from roadnet.sheets import notes_sheet, summary_frame
from roadnet.timeparse import CHINA_STANDARD_TIME

#: Sheets of patrol.xlsx in their order (names in :data:`roadnet.labels.SHEETS`).
SHEET_KEYS = (
    "summary",
    "by_month",
    "by_class",
    "by_township",
    "by_road",
    "unpatrolled",
    "vehicles",
    "trips",
    "events",
)


@dataclass(frozen=True)
class PatrolResult:
    """The answer of :func:`~roadnet.patrol.compute_patrol`.

    Attributes
    ----------
    county
        County name.
    period
        First and last local date of the report (None when open).
    params
        The parameters used.
    summary
        Headline figures (DESIGN.md keys ``vehicles``, ``trips``, ``points``, ``gps_km``,
        ``matched_km``, ``target_network_km``, ``patrolled_network_km``, ``coverage``, and
        ``target_km``, ``vehicle_days``, ``staff_trips``, ``events`` ...).
    by_month, by_class, by_township
        Matched km per local month (``month``, ``km``, ``trips``), road class (``class``,
        ``km``) and township (``township``, ``name``, ``km``; ``township`` None outside
        every township).
    by_road
        Per road driven or in the target network: ``road_id``, ``name``, ``route_code``,
        ``class``, ``target``, ``length_km``, ``km`` (all passes), ``passes``,
        ``patrolled_km`` (distinct), ``share``.
    by_vehicle
        ``vehicle``, ``trips``, ``gps_km``, ``matched_km``.
    by_vehicle_road
        ``vehicle``, ``road_id``, ``km``: what each vehicle drove (for a layer per vehicle).
    trips
        ``trip``, ``vehicle``, ``start``, ``end`` (UTC), ``points``, ``gps_km``,
        ``matched_km``, ``breaks``.
    unpatrolled
        Ids of target roads driven for less than ``patrolled_share`` of their length.
    events
        Events of the period: ``time``, ``kind``, ``vehicle``, ``note``, ``count``,
        ``month``, ``road_id`` (nearest road), ``distance_m``, ``township``, ``name``.
    cleaning, matching
        What cleaning dropped (by reason) and matching figures.
    quality
        What the data could not tell: the county's notes and the patrol's (times given on
        import, points dropped by cleaning, points unmatched, vehicle names merged by
        plate; :mod:`roadnet.patrol.notes`).
    tz
        The county's time zone: months are local, and the workbook gives local times.
    """

    county: str
    period: tuple[dt.date | None, dt.date | None]
    params: PatrolParams
    summary: dict[str, Any]
    by_month: pd.DataFrame
    by_class: pd.DataFrame
    by_township: pd.DataFrame
    by_road: pd.DataFrame
    by_vehicle: pd.DataFrame
    by_vehicle_road: pd.DataFrame
    trips: pd.DataFrame
    unpatrolled: list[str]
    events: pd.DataFrame
    cleaning: dict[str, Any]
    matching: dict[str, Any]
    quality: DataQuality = field(default_factory=DataQuality)
    tz: dt.tzinfo = CHINA_STANDARD_TIME

    def events_by(self, *keys: str) -> pd.DataFrame:
        """Event counts (``events`` rows, ``count`` summed) grouped by ``keys``."""
        if self.events.empty:
            return pd.DataFrame(columns=[*keys, "events", "count"])
        grouped = self.events.groupby(list(keys), dropna=False, sort=True)
        return grouped.agg(events=("kind", "size"), count=("count", "sum")).reset_index()

    def event_totals(self) -> dict[str, int]:
        """Kind → summed count, every kind present (zeros included)."""
        totals = dict.fromkeys(EVENT_KINDS, 0)
        if not self.events.empty:
            for kind, value in self.events.groupby("kind")["count"].sum().items():
                totals[str(kind)] = int(value)
        return totals

    def to_json(self) -> dict[str, Any]:
        """The report as the JSON document of DESIGN.md."""
        by_kind = self.events_by("kind")
        by_month = self.events_by("month", "kind")
        by_township = self.events_by("township", "name", "kind")
        return {
            "county": self.county,
            "period": {
                "from": None if self.period[0] is None else self.period[0].isoformat(),
                "to": None if self.period[1] is None else self.period[1].isoformat(),
            },
            "summary": self.summary,
            "by_month": [
                {"month": r.month, "km": round_km(r.km), "trips": int(r.trips)}
                for r in self.by_month.itertuples(index=False)
            ],
            "by_class": [
                {"class": r[0], "km": round_km(r[1])}
                for r in self.by_class[["class", "km"]].itertuples(index=False)
            ],
            "by_township": [
                {"township": _text(r.township), "name": _text(r.name), "km": round_km(r.km)}
                for r in self.by_township.itertuples(index=False)
            ],
            "by_road": [
                {
                    "road_id": _text(r.road_id),
                    "name": _text(r.name),
                    "route_code": _text(r.route_code),
                    "class": _text(r[3]),
                    "target": bool(r.target),
                    "length_km": round_km(r.length_km),
                    "km": round_km(r.km),
                    "passes": int(r.passes),
                    "patrolled_km": round_km(r.patrolled_km),
                    "share": round(float(r.share), 4),
                }
                for r in self.by_road.itertuples(index=False)
            ],
            "unpatrolled": list(self.unpatrolled),
            "events": {
                "total": int(self.events["count"].sum()) if len(self.events) else 0,
                "by_kind": [
                    {"kind": r.kind, "events": int(r.events), "count": int(r.count)}
                    for r in by_kind.itertuples(index=False)
                ],
                "by_month": [
                    {"month": r.month, "kind": r.kind, "count": int(r.count)}
                    for r in by_month.itertuples(index=False)
                ],
                "by_township": [
                    {
                        "township": _text(r.township),
                        "name": _text(r.name),
                        "kind": r.kind,
                        "count": int(r.count),
                    }
                    for r in by_township.itertuples(index=False)
                ],
                "items": [
                    {
                        "time": r.time.isoformat(),
                        "kind": r.kind,
                        "vehicle": _text(r.vehicle),
                        "count": int(r.count),
                        "road_id": _text(r.road_id),
                        "distance_m": None if pd.isna(r.distance_m) else round(r.distance_m, 1),
                        "township": _text(r.township),
                        "note": _text(r.note),
                    }
                    for r in self.events.itertuples(index=False)
                ],
            },
            "by_vehicle": [
                {
                    "vehicle": r.vehicle,
                    "trips": int(r.trips),
                    "gps_km": round_km(r.gps_km),
                    "matched_km": round_km(r.matched_km),
                }
                for r in self.by_vehicle.itertuples(index=False)
            ],
            "trips": [
                {
                    "trip": int(r.trip),
                    "vehicle": r.vehicle,
                    "start": None if pd.isna(r.start) else r.start.isoformat(),
                    "end": None if pd.isna(r.end) else r.end.isoformat(),
                    "points": int(r.points),
                    "gps_km": round_km(r.gps_km),
                    "matched_km": round_km(r.matched_km),
                    "breaks": int(r.breaks),
                }
                for r in self.trips.itertuples(index=False)
            ],
            "cleaning": self.cleaning,
            "matching": self.matching,
            "params": _params_json(self.params),
            "data_quality": self.quality.to_json(),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """The bureau's sentence: trips, km on the target roads, coverage, events."""
        s = self.summary
        totals = self.event_totals()
        zh = lang != "en"
        coverage = format_percent(s["coverage"])
        km = format_km(s["target_km"])
        phrases = [EVENT_PHRASES[k][0 if zh else 1].format(n=n) for k, n in totals.items() if n > 0]
        label = target_label(self.params.target_classes, zh=zh)
        if not s["target_network_km"]:  # no road of the target classes: nothing to cover
            total = format_km(s["matched_km"])
            if zh:
                text = (
                    f"出动巡查车辆 {s['trips']} 台次，巡查道路总里程 {total} 公里；道路图层中没有"
                    f"{label}，{label}巡查里程和覆盖率无从统计"
                )
                return text + ("；" + "，".join(phrases) if phrases else "") + "。"
            text = (
                f"{s['trips']} patrol vehicle trips, {total} km of road patrolled; the roads "
                f"layer has no {label} roads, so their km and coverage are not known"
            )
            return text + ("; " + ", ".join(phrases) if phrases else "") + "."
        if zh:
            text = (
                f"出动巡查车辆 {s['trips']} 台次，巡查{label}总里程 {km} 公里，"
                f"覆盖{label}网 {coverage}"
            )
            return text + ("；" + "，".join(phrases) if phrases else "") + "。"
        text = (
            f"{s['trips']} patrol vehicle trips, {km} km patrolled on {label} "
            f"roads, covering {coverage} of that network"
        )
        return text + ("; " + ", ".join(phrases) if phrases else "") + "."

    def sheets(self, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """Tables of patrol.xlsx: sheet name in ``lang`` → table.

        Summary (the headline first), by month, by road class, by township, by road, target
        roads not patrolled, vehicles, trips and events, then the data-quality notes when
        there are any. Times are local (``tz``), as text; column names are keys of
        :data:`roadnet.labels.COLUMNS`, translated when written.
        """

        def local(series: pd.Series) -> pd.Series:
            return series.dt.tz_convert(self.tz).dt.strftime("%Y-%m-%d %H:%M:%S")

        trips = self.trips.assign(start=local(self.trips["start"]), end=local(self.trips["end"]))
        # the sheet names the event's distance to its road as the connector of the other sheets
        events = self.events.assign(time=local(self.events["time"])).rename(
            columns={"distance_m": "connector_m"}
        )
        roads = self.by_road.rename(
            columns={"length_km": "road_length_km", "share": "patrolled_share"}
        )
        names = [label(SHEETS, key, lang) for key in SHEET_KEYS]
        frames = [
            summary_frame(
                {"headline": self.headline(lang=lang), **self.summary}, PATROL_SUMMARY, lang=lang
            ),
            self.by_month,
            self.by_class,
            self.by_township,
            roads,
            roads[roads["road_id"].isin(self.unpatrolled)],
            self.by_vehicle,
            trips,
            events,
        ]
        return dict(zip(names, frames, strict=True)) | notes_sheet(self.quality, lang=lang)


def target_label(classes: tuple[str, ...], *, zh: bool) -> str:
    """Name of the target network ("县乡公路", "county and township") in a sentence."""
    if set(classes) == {"county", "township"}:
        return "县乡公路" if zh else "county and township"
    names = [ROAD_CLASS_LABELS[c][0 if zh else 1] for c in ROAD_CLASSES if c in classes]
    return "、".join(names) if zh else " and ".join(names)


def round_km(metres_or_km: float) -> float:
    """Kilometres rounded to metres, as in the JSON."""
    return round(float(metres_or_km), 3)


def _text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def _params_json(params: PatrolParams) -> dict[str, Any]:
    out = asdict(params)
    out["target_classes"] = list(params.target_classes)
    out["matching"]["radius_used_m"] = params.matching.radius_m
    out["matching"]["spacing_used_m"] = params.matching.spacing_m
    return out
