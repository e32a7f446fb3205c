"""Assembly of the sample county: every part drawn in order from one seed.

Each stage draws from its own random stream (``SeedSequence([seed, stage])``), so a change
inside one stage does not reshuffle the others, and the whole county is a pure function of
``(seed, scale)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet.errors import ConfigError
from roadnet.sample import roads
from roadnet.sample.buses import BusPlan, plan_buses
from roadnet.sample.names import COUNTY_CODE, COUNTY_NAME
from roadnet.sample.network import (
    RoadNetwork,
    build_network,
    geodesic_lengths,
    paved_access,
    unpave_township_roads,
)
from roadnet.sample.parcels import LandParcels, ellipsoidal_area, make_parcels
from roadnet.sample.patrol import PatrolData, plan_patrol
from roadnet.sample.projects import plan_projects
from roadnet.sample.terrain import GEOGRAPHIC_EPSG, METRIC_EPSG, Land, make_land
from roadnet.sample.tessellation import tessellate, township_polygons
from roadnet.sample.townships import TownshipPlan, plan_townships
from roadnet.sample.villages import describe_villages, place_villages

(
    _LAND,
    _TOWNSHIPS,
    _TRUNK,
    _TOWNSHIP_ROADS,
    _VILLAGES,
    _NAMES,
    _ACCESS,
    _TRACKS,
    _LOOPS,
    _SURFACE,
    _BUSES,
    _CELLS,
    _PARCELS,
    _PROJECTS,
    _PATROL,
) = range(15)

MAX_SCALE = 120.0
"""Largest scale accepted (township codes run out beyond about 900 townships)."""

LAYER_ORDER = (
    "boundary",
    "townships",
    "villages",
    "roads",
    "rivers",
    "bus_stops",
    "bus_lines",
    "fleet",
    "parcels",
    "basic_farmland",
    "eco_redline",
    "projects",
    "patrol_events",
)


@dataclass(frozen=True)
class SampleCounty:
    """The generated county: layers ready to write, and the patrol recordings.

    Attributes
    ----------
    seed, scale
        What it was generated from.
    layers
        Layer name to GeoDataFrame (``fleet`` is a plain DataFrame), in :data:`LAYER_ORDER`.
    patrol
        Terminal export, GPX tracks, truth and events.
    facts
        Figures known only during generation: ``road_length_m`` (ellipsoidal length of each
        row of the roads layer), ``paved_access_villages``, ``served_villages``,
        ``served_townships``, ``river_length_m``, ``area_m2`` (ellipsoidal).
    """

    seed: int
    scale: float
    layers: dict[str, pd.DataFrame]
    patrol: PatrolData
    facts: dict[str, object]


def _rng(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stage]))


def build_sample(
    *, seed: int = 0, scale: float = 1.0, progress: Callable[[str], None] | None = None
) -> SampleCounty:
    """Generate the sample county 示范县 in memory.

    Parameters
    ----------
    seed
        Random seed (any non-negative integer).
    scale
        Area multiplier: 1 is about 4,000 km², 100 is province-sized.
    progress
        Called with a short message as each stage starts.

    Returns
    -------
    SampleCounty

    Raises
    ------
    ConfigError
        When ``seed`` or ``scale`` is out of range.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"sample seed must be a non-negative integer, not {seed!r}")
    if not (0.05 <= float(scale) <= MAX_SCALE):
        raise ConfigError(f"sample scale must be between 0.05 and {MAX_SCALE:g}, not {scale!r}")
    seed = int(seed)
    scale = float(scale)
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress is not None:
            progress(f"[{time.perf_counter() - started:6.1f} s] {message}")

    say("outline, rivers and townships")
    land = make_land(_rng(seed, _LAND), scale=scale)
    plan = plan_townships(_rng(seed, _TOWNSHIPS), land)
    say("county and township roads")
    drafts = roads.trunk_roads(_rng(seed, _TRUNK), land, plan)
    drafts += roads.township_roads(_rng(seed, _TOWNSHIP_ROADS), land, plan, drafts)
    say("villages")
    placed = place_villages(_rng(seed, _VILLAGES), land, plan, drafts)
    villages = describe_villages(_rng(seed, _NAMES), plan, placed)
    natural = villages["kind"].to_numpy() == "natural"
    say("village roads and farm tracks")
    access, _owner = roads.access_roads(
        _rng(seed, _ACCESS), land, plan, drafts, villages.loc[natural, ["x", "y"]].to_numpy()
    )
    drafts += access
    drafts += roads.farm_tracks(
        _rng(seed, _TRACKS), land, plan, drafts, villages[["x", "y"]].to_numpy()
    )
    drafts += roads.loop_roads(_rng(seed, _LOOPS), land, drafts)
    say("noding the road network")
    network, kept = build_network(drafts)
    roads.name_roads(
        drafts, kept, villages[["x", "y"]].to_numpy(), villages["name"].to_numpy(), plan
    )
    admin = villages["kind"].to_numpy() == "administrative"
    unpave_township_roads(
        _rng(seed, _SURFACE),
        network,
        drafts,
        villages.loc[admin, ["x", "y"]].to_numpy(),
        plan.served,
        land.seat,
    )
    say("bus lines")
    plates: set[str] = set()
    buses, network = plan_buses(
        _rng(seed, _BUSES), network, drafts, villages, plan, scale=scale, plates=plates
    )
    road_ids = _road_ids(network, drafts)
    say("parcel tessellation")
    tessellation = tessellate(_rng(seed, _CELLS), land, plan, villages)
    township_shapes = township_polygons(tessellation, plan.count)
    say("parcels, basic farmland and red line")
    land_parcels = make_parcels(_rng(seed, _PARCELS), land, villages, network, drafts, tessellation)
    say("projects")
    parcels = land_parcels.parcels
    forest = parcels["DLBM"].str.startswith("03").to_numpy()
    projects = plan_projects(
        _rng(seed, _PROJECTS),
        network,
        drafts,
        villages,
        land.seat,
        land.boundary,
        scale=scale,
        farmland=land_parcels.basic_farmland["geometry"].to_numpy(),
        forest=parcels["geometry"].to_numpy()[forest],
        redline=land_parcels.eco_redline["geometry"].to_numpy(),
    )
    say("patrol trips")
    lengths = geodesic_lengths(network.geometry)
    patrol = plan_patrol(
        _rng(seed, _PATROL),
        network,
        drafts,
        road_ids,
        lengths,
        land.seat,
        plan.seats,
        scale=scale,
        plates=plates,
    )
    say("assembling layers")
    layers = _layers(
        land,
        plan,
        villages,
        network,
        drafts,
        road_ids,
        buses,
        township_shapes,
        land_parcels,
        projects,
        patrol,
    )
    admin_xy = villages.loc[admin, ["x", "y"]].to_numpy()
    facts: dict[str, object] = {
        "road_length_m": lengths[np.argsort(road_ids, kind="stable")],
        "paved_access_villages": int(paved_access(network, drafts, admin_xy, land.seat).sum()),
        "served_villages": len(buses.served),
        "served_townships": len(set(villages["township"].to_numpy()[buses.served].tolist())),
        "river_length_m": float(
            geodesic_lengths(np.asarray([r.line for r in land.rivers], dtype=object)).sum()
        ),
        "area_m2": float(ellipsoidal_area(np.asarray([land.boundary], dtype=object))[0]),
    }
    say("done")
    return SampleCounty(seed=seed, scale=scale, layers=layers, patrol=patrol, facts=facts)


def _road_ids(network: RoadNetwork, drafts: list[roads.RoadDraft]) -> np.ndarray:
    """Road ids R0001... ordered by class, route and position along the route."""
    rank = {c: i for i, c in enumerate(roads.CLASS_ORDER)}
    starts = shapely.get_point(network.geometry, 0)
    along = np.asarray(
        [drafts[d].line.project(p) for d, p in zip(network.draft, starts, strict=True)], dtype=float
    )
    cls = np.asarray([rank[drafts[d].cls] for d in network.draft])
    order = np.lexsort((np.round(along, 3), network.draft, cls))
    width = max(4, len(str(len(order))))
    ids = np.empty(len(order), dtype=object)
    ids[order] = [f"R{i + 1:0{width}d}" for i in range(len(order))]
    return ids


_TO_GEO = pyproj.Transformer.from_crs(METRIC_EPSG, GEOGRAPHIC_EPSG, always_xy=True)


def _to_geographic(geoms: np.ndarray | list[shapely.Geometry]) -> np.ndarray:
    def forward(coords: np.ndarray) -> np.ndarray:
        lon, lat = _TO_GEO.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), forward), dtype=object)


def _geo_frame(
    columns: dict[str, object], geoms: np.ndarray | list[shapely.Geometry]
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=_to_geographic(geoms), crs=f"EPSG:{GEOGRAPHIC_EPSG}")


def _layers(
    land: Land,
    plan: TownshipPlan,
    villages: pd.DataFrame,
    network: RoadNetwork,
    drafts: list[roads.RoadDraft],
    road_ids: np.ndarray,
    buses: BusPlan,
    township_shapes: list[shapely.Geometry],
    land_parcels: LandParcels,
    projects: pd.DataFrame,
    patrol: PatrolData,
) -> dict[str, pd.DataFrame]:
    """Convert everything to the layer schema (DESIGN.md data model)."""
    layers: dict[str, pd.DataFrame] = {}
    layers["boundary"] = _geo_frame({"id": [COUNTY_CODE], "name": [COUNTY_NAME]}, [land.boundary])

    township_ids = np.asarray(plan.codes)
    admin = villages["kind"].to_numpy() == "administrative"
    population = np.bincount(
        villages["township"].to_numpy()[admin],
        weights=villages["population"].to_numpy()[admin],
        minlength=plan.count,
    ).astype(np.int64)
    layers["townships"] = _geo_frame(
        {"id": township_ids, "name": list(plan.names), "population": population},
        township_shapes,
    )

    ids = villages["id"].to_numpy()
    parent = villages["admin"].to_numpy()
    layers["villages"] = _geo_frame(
        {
            "id": ids,
            "name": villages["name"].to_numpy(),
            "township": township_ids[villages["township"].to_numpy()],
            "kind": villages["kind"].to_numpy(),
            "population": villages["population"].to_numpy().astype(np.int64),
            "households": villages["households"].to_numpy().astype(np.int64),
            "seat": villages["seat"].to_numpy().astype(bool),
            "admin_village": np.where(admin, None, ids[parent]),
        },
        shapely.points(villages[["x", "y"]].to_numpy()),
    )

    order = np.argsort(road_ids, kind="stable")
    d = network.draft[order]
    layers["roads"] = _geo_frame(
        {
            "id": road_ids[order],
            "name": [drafts[k].name or None for k in d],
            "route_code": [drafts[k].route_code or None for k in d],
            "class": [drafts[k].cls for k in d],
            "surface": [drafts[k].surface for k in d],
            "width_m": [drafts[k].width for k in d],
            "oneway": np.zeros(len(d), dtype=bool),
        },
        network.geometry[order],
    )

    layers["rivers"] = _geo_frame(
        {
            "name": [r.name for r in land.rivers],
            "kind": ["main" if r.main else "tributary" for r in land.rivers],
            "width_m": [round(r.width_m, 1) for r in land.rivers],
        },
        [r.line for r in land.rivers],
    )

    stops = buses.stops
    layers["bus_stops"] = _geo_frame(
        {"id": stops["id"].to_numpy(), "name": stops["name"].to_numpy()},
        shapely.points(stops[["x", "y"]].to_numpy()),
    )
    lines = buses.lines
    layers["bus_lines"] = _geo_frame(
        {
            "id": lines["id"].to_numpy(),
            "name": lines["name"].to_numpy(),
            "stops": [",".join(s) for s in lines["stops"]],
            "trips_per_day": lines["trips_per_day"].to_numpy().astype(np.int64),
            "headway_min": lines["headway_min"].to_numpy().astype(float),
            "speed_kmh": lines["speed_kmh"].to_numpy().astype(float),
            "layover_min": lines["layover_min"].to_numpy().astype(float),
            "days": lines["days"].to_numpy(),
        },
        lines["geometry"].to_numpy(),
    )
    layers["fleet"] = buses.fleet.copy()

    parcel_frame = land_parcels.parcels.drop(columns=["category"])
    layers["parcels"] = gpd.GeoDataFrame(
        parcel_frame.drop(columns=["geometry"]),
        geometry=parcel_frame["geometry"].to_numpy(),
        crs=f"EPSG:{METRIC_EPSG}",
    )
    farmland = land_parcels.basic_farmland.drop(columns=["BSM"])
    layers["basic_farmland"] = gpd.GeoDataFrame(
        farmland.drop(columns=["geometry"]),
        geometry=farmland["geometry"].to_numpy(),
        crs=f"EPSG:{METRIC_EPSG}",
    )
    redline = land_parcels.eco_redline
    layers["eco_redline"] = gpd.GeoDataFrame(
        redline.drop(columns=["geometry"]),
        geometry=redline["geometry"].to_numpy(),
        crs=f"EPSG:{METRIC_EPSG}",
    )

    piece = projects["piece"].to_numpy()
    village = projects["village"].to_numpy()
    layers["projects"] = _geo_frame(
        {
            "id": projects["id"].to_numpy(),
            "name": projects["name"].to_numpy(),
            "kind": projects["kind"].to_numpy(),
            "width_m": projects["width_m"].to_numpy().astype(float),
            "year": projects["year"].to_numpy().astype(np.int64),
            "status": projects["status"].to_numpy(),
            "investment_wan": projects["investment_wan"].to_numpy().astype(float),
            "length_km": projects["length_km"].to_numpy().astype(float),
            "road_id": [road_ids[p] if p >= 0 else None for p in piece],
            "village_id": [ids[v] if v >= 0 else None for v in village],
        },
        projects["geometry"].to_numpy(),
    )
    events = patrol.events
    layers["patrol_events"] = _geo_frame(
        {
            "time": events["time"].to_numpy(),
            "kind": events["kind"].to_numpy(),
            "vehicle": events["vehicle"].to_numpy(),
            "note": events["note"].to_numpy(),
            "count": events["count"].to_numpy().astype(np.int64),
        },
        shapely.points(events[["x", "y"]].to_numpy()),
    )
    return {name: layers[name] for name in LAYER_ORDER}
