"""Hardened-road access (通硬化路) of villages, and the Rural Access Index.

A village is connected (建制村通硬化路 / 公路通畅) when it reaches the county seat over roads
whose surface is ``paved`` only, with a straight connector of at most ``connector_m`` (500 m)
from the village to the paved road. The Rural Access Index (SDG 9.1.1) is the share of
population within ``rai_radius_m`` (2 km) of an all-season (paved or gravel) road.

As in coverage, the village counts and the population are those of administrative villages;
natural villages are listed apart, and the unconnected ones of either kind are ranked by
population as candidates for 通硬化路 projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.errors import ConfigError, LayerError
from roadnet.network import RoadGraph, build_graph, distances_from_sources, snap_points


@dataclass(frozen=True)
class AccessParams:
    """Parameters of the hardened-road and RAI rules.

    Attributes
    ----------
    connector_m
        Largest straight distance (metres) from a village to the paved road.
    rai_radius_m
        Rural Access Index radius (metres) around all-season roads.
    hardened
        Surfaces that count as hardened.
    all_season
        Surfaces that count as all-season for the RAI.
    seat
        Id or name of the county seat village; by default the ``seat`` village with the
        largest population (or the county.toml ``seat`` key).
    """

    connector_m: float = 500.0
    rai_radius_m: float = 2000.0
    hardened: tuple[str, ...] = ("paved",)
    all_season: tuple[str, ...] = ("paved", "gravel")
    seat: str | None = None


@dataclass(frozen=True)
class AccessResult:
    """The answer of :func:`compute_access`."""

    params: AccessParams
    county: str
    seat: dict[str, Any]
    villages: gpd.GeoDataFrame
    candidates: pd.DataFrame
    summary: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """JSON document: ``summary``, ``villages`` (administrative), ``natural_villages``."""
        admin = self.villages["kind"] == "administrative"
        return {
            "county": self.county,
            "seat": self.seat,
            "summary": self.summary,
            "villages": [_village_json(r) for r in self.villages[admin].itertuples(index=False)],
            "natural_villages": [
                _village_json(r) for r in self.villages[~admin].itertuples(index=False)
            ],
            "candidates": self.candidates.to_dict(orient="records"),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """The headline figures in one sentence."""
        s = self.summary
        rate = "—" if s["connected_rate"] is None else f"{s['connected_rate'] * 100:.1f}%"
        rai = "—" if s["rai"] is None else f"{s['rai'] * 100:.1f}%"
        if lang == "en":
            return (
                f"{s['villages_connected']} of {s['villages_total']} administrative villages "
                f"reach the county seat by hardened road ({rate}); Rural Access Index {rai}."
            )
        return (
            f"{s['villages_total']} 个建制村中 {s['villages_connected']} 个通硬化路"
            f"（建制村公路通畅率 {rate}），农村公路可达指数（RAI）{rai}。"
        )


def _village_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "township": r.township,
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


def find_seat(villages: pd.DataFrame, *, seat: str | None = None) -> int:
    """Row position of the county seat among the villages.

    ``seat`` names it by id or name; otherwise the ``seat`` village with the largest
    population, otherwise the most populous village.
    """
    if seat is not None:
        for column in ("id", "name"):
            if column in villages.columns:
                hits = np.flatnonzero(villages[column].astype(str).to_numpy() == str(seat))
                if len(hits):
                    return int(hits[0])
        raise ConfigError(f"county seat '{seat}' is neither a village id nor a village name")
    population = (
        villages["population"].astype("Float64").fillna(0).to_numpy(dtype=float)
        if "population" in villages.columns
        else np.zeros(len(villages))
    )
    if "seat" in villages.columns:
        flagged = villages["seat"].fillna(False).astype(bool).to_numpy()
        if flagged.any():
            candidates = np.flatnonzero(flagged)
            return int(candidates[np.argmax(population[candidates])])
    if len(villages) == 0:
        raise LayerError("no villages to find the county seat among", layer="villages")
    return int(np.argmax(population))


def compute_access(
    county: County,
    *,
    params: AccessParams | None = None,
    graph: RoadGraph | None = None,
) -> AccessResult:
    """Hardened-road connection of every village to the county seat, and the RAI.

    Parameters
    ----------
    county
        Needs ``roads`` (with ``surface``) and ``villages``.
    params
        Thresholds and surfaces.
    graph
        A routing graph of the county's roads, to reuse one across calls.
    """
    params = params or AccessParams()
    villages = county.layer("villages", purpose="access")
    roads = county.layer("roads", purpose="access")
    if "surface" not in roads.columns or roads["surface"].isna().all():
        raise LayerError(
            "no road has a surface (paved/gravel/earth), so hardened-road access cannot be "
            "computed; add a 路面类型 / surface field",
            layer="roads",
            field="surface",
        )
    graph = graph or build_graph(roads)
    surface = graph.edge_attribute("surface")
    paved = graph.subgraph(np.isin(surface, params.hardened))
    seat_name = params.seat or county.manifest.extra.get("seat")
    seat_row = find_seat(villages, seat=seat_name)
    points = villages.geometry.to_numpy()

    vsnap = snap_points(paved, points, max_distance=params.connector_m)
    seat_snap = vsnap.take(np.array([seat_row]))
    reach = distances_from_sources(paved, seat_snap, vsnap)
    distance = reach.distance
    connected = np.isfinite(distance)

    all_season_edges = np.isin(surface, params.all_season)
    near = np.zeros(len(points), bool)
    if all_season_edges.any():
        tree = shapely.STRtree(graph.edge_geometry[all_season_edges])
        hit = tree.query(points, predicate="dwithin", distance=params.rai_radius_m)[0]
        near[np.unique(hit)] = True

    out = villages.copy()
    if "population" not in out.columns:
        out["population"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if "township" not in out.columns:
        out["township"] = None
    out["connected"] = connected
    out["paved_distance_m"] = distance
    out["paved_connector_m"] = vsnap.connector
    out["all_season"] = near
    admin = (out["kind"] == "administrative").to_numpy()
    pop = out["population"].astype("Float64").fillna(0).to_numpy(dtype=float)
    seat = villages.iloc[seat_row]
    seat_info = {
        "id": str(seat.get("id")),
        "name": str(seat.get("name")),
        "connected": bool(connected[seat_row]),
        "paved_connector_m": _finite(vsnap.connector[seat_row]),
    }
    if not connected[seat_row]:
        raise LayerError(
            f"the county seat {seat_info['name']} ({seat_info['id']}) is more than "
            f"{params.connector_m:.0f} m from any paved road, so no village can be connected; "
            'check the roads\' surface field or name the seat with seat = "..." in county.toml',
            layer="villages",
            feature=seat_info["id"],
        )
    names = _township_names(county)
    unconnected = out[~connected].assign(_pop=pop[~connected])
    candidates = unconnected.sort_values("_pop", ascending=False, kind="stable").head(30)
    candidate_table = pd.DataFrame(
        {
            "id": candidates["id"].astype(str),
            "name": candidates["name"].astype(str),
            "kind": candidates["kind"].astype(str),
            "township": candidates["township"].map(lambda t: names.get(str(t), t)),
            "population": candidates["_pop"].astype(int),
            "paved_connector_m": [_finite(v) for v in candidates["paved_connector_m"]],
        }
    ).reset_index(drop=True)
    total_pop = float(pop[admin].sum())
    summary = {
        "villages_total": int(admin.sum()),
        "villages_connected": int((connected & admin).sum()),
        "connected_rate": _rate(int((connected & admin).sum()), int(admin.sum())),
        "natural_villages_total": int((~admin).sum()),
        "natural_villages_connected": int((connected & ~admin).sum()),
        "population_total": int(total_pop),
        "population_connected": int(pop[admin & connected].sum()),
        "rai": None if total_pop == 0 else round(float(pop[admin & near].sum()) / total_pop, 4),
        "rai_radius_m": float(params.rai_radius_m),
        "paved_km": round(float(paved.edge_length.sum()) / 1000.0, 3),
        "all_season_km": round(float(graph.edge_length[all_season_edges].sum()) / 1000.0, 3),
        "roads_km": round(float(graph.edge_length.sum()) / 1000.0, 3),
    }
    return AccessResult(
        params=params,
        county=county.name,
        seat=seat_info,
        villages=out,
        candidates=candidate_table,
        summary=summary,
    )


def _township_names(county: County) -> dict[str, str]:
    townships = county.layers.get("townships")
    if townships is None or not {"id", "name"} <= set(townships.columns):
        return {}
    return dict(zip(townships["id"].astype(str), townships["name"].astype(str), strict=True))


def _finite(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)
