"""The plausibility summary printed by ``roadnet sample``: counts, lengths and areas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from roadnet.labels import LAND_CATEGORIES
from roadnet.landuse import UNCLASSIFIED, classify
from roadnet.sample.parcels import ellipsoidal_area

if TYPE_CHECKING:
    from roadnet.sample.generator import SampleCounty

MU_PER_KM2 = 1500.0
"""1 km² = 100 ha = 1,500 亩."""

_CLASS_ZH = {
    "national": "国道",
    "provincial": "省道",
    "county": "县道",
    "township": "乡道",
    "village": "村道",
}
_SURFACE_ZH = {"paved": "硬化", "gravel": "砂石", "earth": "土路"}
_KIND_ZH = {
    "network_link": "联网路",
    "village_paving": "通硬化路",
    "repair": "修复性养护",
    "continuing": "续建",
}
_EVENT_ZH = {
    "obstacle": "清理障碍物",
    "illegal_operation": "查处非法营运",
    "overload": "超限超载",
    "encroachment": "路域侵占",
    "other": "其他",
}


@dataclass(frozen=True)
class SampleSummary:
    """Counts, lengths (km) and areas (km², 亩) of a generated sample county.

    Lengths and areas are ellipsoidal (GRS80). ``served_*`` are the figures the bus lines
    were built to give under the 2 km rule (the coverage analysis recomputes them).
    """

    seed: int
    scale: float
    out: str
    area_km2: float
    townships: int
    township_kinds: Mapping[str, int]
    villages_administrative: int
    villages_natural: int
    population: int
    road_pieces: int
    road_km: float
    road_km_by_class: Mapping[str, float]
    road_km_by_surface: Mapping[str, float]
    paved_access_villages: int
    river_km: float
    bus_lines: int
    bus_stops: int
    buses: int
    served_townships: int
    served_villages: int
    parcels: int
    landuse_km2: Mapping[str, float]
    basic_farmland_polygons: int
    basic_farmland_km2: float
    eco_redline_zones: int
    eco_redline_km2: float
    projects_by_kind: Mapping[str, int]
    project_km: float
    patrol_trips: int
    patrol_km: float
    terminal_rows: int
    gpx_files: int
    events_by_kind: Mapping[str, int] = field(default_factory=dict)

    def to_text(self) -> str:
        """A short report in Chinese and English, one line per layer family."""

        def km(v: float) -> str:
            return f"{v:,.1f} km"

        def area(v: float) -> str:
            return f"{v:,.1f} km² ({v * MU_PER_KM2:,.0f} 亩)"

        kinds = "，".join(f"{k} {n}" for k, n in self.township_kinds.items())
        classes = "，".join(
            f"{_CLASS_ZH.get(k, k)} {k} {v:,.0f}" for k, v in self.road_km_by_class.items()
        )
        surfaces = "，".join(
            f"{_SURFACE_ZH.get(k, k)} {k} {v:,.0f}" for k, v in self.road_km_by_surface.items()
        )
        landuse = "；".join(
            f"{_label(k)} {k} {area(v)}"
            for k, v in sorted(self.landuse_km2.items(), key=lambda kv: -kv[1])
        )
        projects = "，".join(
            f"{_KIND_ZH.get(k, k)} {k} {n}" for k, n in self.projects_by_kind.items()
        )
        events = "，".join(f"{_EVENT_ZH.get(k, k)} {k} {n}" for k, n in self.events_by_kind.items())
        share = self.paved_access_villages / max(1, self.villages_administrative)
        lines = [
            f"示范县 sample county (seed {self.seed}, scale {self.scale:g}) → {self.out}",
            f"  面积 area: {area(self.area_km2)}",
            f"  乡镇 townships: {self.townships} ({kinds})",
            f"  村庄 villages: 建制村 administrative {self.villages_administrative}，"
            f"自然村 natural {self.villages_natural}；人口 population {self.population:,}",
            f"  道路 roads: {self.road_pieces:,} pieces 路段, {km(self.road_km)} — {classes} km",
            f"  路面 surfaces: {surfaces} km",
            f"  通硬化路 paved access to the county seat: {self.paved_access_villages} of "
            f"{self.villages_administrative} administrative villages ({share:.0%})",
            f"  河流 rivers: {km(self.river_km)}",
            f"  公交 buses: 线路 lines {self.bus_lines}，站点 stops {self.bus_stops}，"
            f"车辆 vehicles {self.buses}；built to serve {self.served_townships} townships 乡镇 "
            f"and {self.served_villages} administrative villages 建制村 within 2 km",
            f"  地类图斑 parcels: {self.parcels:,} — {landuse}",
            f"  永久基本农田 basic farmland: {self.basic_farmland_polygons:,} polygons, "
            f"{area(self.basic_farmland_km2)}",
            f"  生态保护红线 ecological red line: {self.eco_redline_zones} zones, "
            f"{area(self.eco_redline_km2)}",
            f"  项目 projects 2023: {sum(self.projects_by_kind.values())} ({projects}), "
            f"{km(self.project_km)}",
            f"  巡查 patrol 2023: {self.patrol_trips} trips 车次, "
            f"{km(self.patrol_km)} true path 实际里程, "
            f"{self.terminal_rows:,} terminal rows 终端定位点, {self.gpx_files} GPX files",
            f"  巡查事件 patrol events: {events}",
        ]
        return "\n".join(lines)


def _label(category: str) -> str:
    """Chinese label of a land-use category (the package's table)."""
    return LAND_CATEGORIES[category][0] if category in LAND_CATEGORIES else category


def summarize(county: SampleCounty, *, out: str) -> SampleSummary:
    """Compute the summary of a generated county written to ``out``."""
    layers = county.layers
    facts = county.facts
    villages = layers["villages"]
    townships = layers["townships"]
    roads = layers["roads"]
    length_km = np.asarray(facts["road_length_m"], dtype=float) / 1000.0
    parcels = layers["parcels"]
    landuse: dict[str, float] = {}
    for code, tbmj in zip(parcels["DLBM"], parcels["TBMJ"], strict=True):
        entry = classify(code)
        key = entry.category if entry is not None else UNCLASSIFIED
        landuse[key] = landuse.get(key, 0.0) + float(tbmj) / 1e6
    kinds: dict[str, int] = {}
    for name in townships["name"]:
        suffix = "苏木" if str(name).endswith("苏木") else str(name)[-1]
        kinds[suffix] = kinds.get(suffix, 0) + 1
    admin = villages["kind"] == "administrative"
    projects = layers["projects"]
    events = layers["patrol_events"]
    farmland = layers["basic_farmland"]
    redline = layers["eco_redline"]
    truth = county.patrol.truth
    return SampleSummary(
        seed=county.seed,
        scale=county.scale,
        out=out,
        area_km2=round(float(facts["area_m2"]) / 1e6, 3),  # type: ignore[arg-type]
        townships=len(townships),
        township_kinds=kinds,
        villages_administrative=int(admin.sum()),
        villages_natural=int((~admin).sum()),
        population=int(villages.loc[admin, "population"].sum()),
        road_pieces=len(roads),
        road_km=round(float(length_km.sum()), 3),
        road_km_by_class=_by(
            roads["class"], length_km, ("national", "provincial", "county", "township", "village")
        ),
        road_km_by_surface=_by(roads["surface"], length_km, ("paved", "gravel", "earth")),
        paved_access_villages=int(facts["paved_access_villages"]),  # type: ignore[call-overload]
        river_km=round(float(facts["river_length_m"]) / 1000.0, 3),  # type: ignore[arg-type]
        bus_lines=len(layers["bus_lines"]),
        bus_stops=len(layers["bus_stops"]),
        buses=len(layers["fleet"]),
        served_townships=int(facts["served_townships"]),  # type: ignore[call-overload]
        served_villages=int(facts["served_villages"]),  # type: ignore[call-overload]
        parcels=len(parcels),
        landuse_km2={k: round(v, 3) for k, v in sorted(landuse.items())},
        basic_farmland_polygons=len(farmland),
        basic_farmland_km2=round(float(farmland["TBMJ"].sum()) / 1e6, 3),
        eco_redline_zones=len(redline),
        eco_redline_km2=round(float(np.sum(_areas(redline))) / 1e6, 3),
        projects_by_kind={
            str(k): int(v) for k, v in projects["kind"].value_counts(sort=False).items()
        },
        project_km=round(float(projects["length_km"].sum()), 3),
        patrol_trips=len(truth),
        patrol_km=round(float(truth["length_m"].sum()) / 1000.0, 3),
        terminal_rows=len(county.patrol.terminal),
        gpx_files=len(county.patrol.gpx),
        events_by_kind={
            str(k): int(v) for k, v in events.groupby("kind", sort=False)["count"].sum().items()
        },
    )


def _by(keys: object, values: np.ndarray, order: tuple[str, ...]) -> dict[str, float]:
    keys = np.asarray(keys, dtype=object)
    out = {k: round(float(values[keys == k].sum()), 3) for k in order}
    return {k: v for k, v in out.items() if v > 0.0}


def _areas(frame: object) -> np.ndarray:
    return ellipsoidal_area(np.asarray(frame.geometry.to_numpy(), dtype=object))  # type: ignore[attr-defined]
