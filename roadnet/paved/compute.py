"""Compute access: villages joined to the county seat by hardened road, and the RAI."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.errors import LayerError
from roadnet.formatting import is_na
from roadnet.network import RoadGraph, build_graph, distances_from_sources, snap_points
from roadnet.paved.params import SEAT_SOURCES, AccessParams
from roadnet.paved.quality import rai_population_note, seat_note, unknown_note
from roadnet.paved.result import AccessResult
from roadnet.paved.seat import choose_seat
from roadnet.quality import DataQuality, QualityNote


def _unknown_mask(values: np.ndarray) -> np.ndarray:
    """True where a surface value is missing (None, NaN, NA or blank text)."""
    series = pd.Series(values, dtype=object)
    blank = series.map(lambda v: isinstance(v, str) and not v.strip())
    return (series.isna() | blank).to_numpy(dtype=bool)


def _connected(
    paved: RoadGraph, points: np.ndarray, seat_row: int, connector_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paved distance to the seat (inf when not connected), connector, and connected flags."""
    vsnap = snap_points(paved, points, max_distance=connector_m)
    if paved.n_edges == 0 or vsnap.edge[seat_row] < 0:
        distance = np.full(len(points), np.inf)
        return distance, vsnap.connector, np.zeros(len(points), dtype=bool)
    reach = distances_from_sources(paved, vsnap.take(np.array([seat_row])), vsnap)
    return reach.distance, vsnap.connector, np.isfinite(reach.distance)


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
        Thresholds, surfaces and the rule for roads without a surface value.
    graph
        A routing graph of the county's roads, to reuse one across calls.

    Raises
    ------
    LayerError
        No road has a surface (and unknown surfaces are not counted as paved), or the
        county seat is farther than ``connector_m`` from every paved road.
    ConfigError
        The seat named does not exist.
    """
    params = params or AccessParams()
    villages = county.layer("villages", purpose="access")
    roads = county.layer("roads", purpose="access")
    known_any = "surface" in roads.columns and not _unknown_mask(roads["surface"].to_numpy()).all()
    if not known_any and params.unknown_surface != "paved":
        raise LayerError(
            "no road has a surface (paved/gravel/earth), so hardened-road access cannot be "
            "computed; add a 路面类型 / surface field, or count roads of unknown surface as "
            "paved with --unknown-surface paved",
            layer="roads",
            field="surface",
        )
    full = graph or build_graph(roads)
    surface = (
        full.edge_attribute("surface")
        if "surface" in full.roads.columns
        else np.full(full.n_edges, None, dtype=object)
    )
    unknown = _unknown_mask(surface)
    hardened = np.isin(surface, params.hardened) & ~unknown
    all_season_edges = np.isin(surface, params.all_season) & ~unknown
    if params.unknown_surface == "paved":
        hardened |= unknown
        all_season_edges |= unknown
    network = full.subgraph(~unknown) if params.unknown_surface == "exclude" else full
    in_network = ~unknown if params.unknown_surface == "exclude" else np.ones(full.n_edges, bool)

    seat_name = params.seat
    seat_source = "option"
    if seat_name is None and county.manifest.extra.get("seat") is not None:
        seat_name, seat_source = str(county.manifest.extra["seat"]), "county_toml"
    seat_row, seat_source = choose_seat(villages, seat=seat_name, source=seat_source)
    points = villages.geometry.to_numpy()

    distance, connector, connected = _connected(
        full.subgraph(hardened), points, seat_row, params.connector_m
    )

    near = np.zeros(len(points), bool)
    if all_season_edges.any():
        tree = shapely.STRtree(full.edge_geometry[all_season_edges])
        hit = tree.query(points, predicate="dwithin", distance=params.rai_radius_m)[0]
        near[np.unique(hit)] = True

    out = villages.copy()
    if "population" not in out.columns:
        out["population"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if "township" not in out.columns:
        out["township"] = None
    out["connected"] = connected
    out["paved_distance_m"] = distance
    out["paved_connector_m"] = connector
    out["all_season"] = near
    admin = (out["kind"] == "administrative").to_numpy()
    known_pop = out["population"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    pop = np.nan_to_num(known_pop, nan=0.0)
    seat = villages.iloc[seat_row]
    seat_info: dict[str, Any] = {
        "id": str(seat.get("id")),
        "name": str(seat.get("name")),
        "connected": bool(connected[seat_row]),
        "paved_connector_m": _finite(connector[seat_row]),
        "source": seat_source,
    }
    if not connected[seat_row]:
        raise LayerError(
            f"the county seat {seat_info['name'][:80]} ({seat_info['id'][:40]}, "
            f"{SEAT_SOURCES[seat_source][1]}) is more than {params.connector_m:.0f} m from any "
            "paved road, so no village can be connected; check the roads' surface field, name "
            'the seat with --seat or seat = "..." in county.toml, or count roads of unknown '
            "surface as paved with --unknown-surface paved",
            layer="villages",
            feature=seat_info["id"],
        )
    names = _township_names(county)
    unconnected = out[~connected].assign(_pop=known_pop[~connected])
    candidates = unconnected.sort_values(
        "_pop", ascending=False, kind="stable", na_position="last"
    ).head(30)
    candidate_table = pd.DataFrame(
        {
            "id": candidates["id"].astype(str),
            "name": candidates["name"].astype(str),
            "kind": candidates["kind"].astype(str),
            "township": [_township_name(t, names) for t in candidates["township"]],
            "population": pd.array(
                [None if np.isnan(p) else int(p) for p in candidates["_pop"]], dtype="Int64"
            ),
            "paved_connector_m": [_finite(v) for v in candidates["paved_connector_m"]],
        }
    ).reset_index(drop=True)
    total_pop = float(pop[admin].sum())
    roads_m = float(full.edge_length.sum())
    unknown_m = float(full.edge_length[unknown].sum())
    summary: dict[str, Any] = {
        "villages_total": int(admin.sum()),
        "villages_connected": int((connected & admin).sum()),
        "connected_rate": _rate(int((connected & admin).sum()), int(admin.sum())),
        "natural_villages_total": int((~admin).sum()),
        "natural_villages_connected": int((connected & ~admin).sum()),
        "population_total": int(total_pop),
        "population_connected": int(pop[admin & connected].sum()),
        "rai": None if total_pop == 0 else round(float(pop[admin & near].sum()) / total_pop, 4),
        "rai_radius_m": float(params.rai_radius_m),
        "paved_km": round(float(full.edge_length[hardened].sum()) / 1000.0, 3),
        "all_season_km": round(
            float(full.edge_length[all_season_edges & in_network].sum()) / 1000.0, 3
        ),
        "roads_km": round(float(network.edge_length.sum()) / 1000.0, 3),
        "unknown_surface_km": round(unknown_m / 1000.0, 3),
        "unknown_surface_share": None if roads_m == 0 else round(unknown_m / roads_m, 6),
        "unknown_surface_rule": params.unknown_surface,
    }
    notes: list[QualityNote | None] = [
        seat_note(seat_info, villages),
        rai_population_note(out[admin], known_pop[admin]),
    ]
    if unknown.any():
        other = hardened & ~unknown if params.unknown_surface == "paved" else hardened | unknown
        _, _, connected_other = _connected(
            full.subgraph(other), points, seat_row, params.connector_m
        )
        counts = sorted((int((connected & admin).sum()), int((connected_other & admin).sum())))
        summary["villages_connected_range"] = counts
        notes.insert(0, unknown_note(full, unknown, params.unknown_surface, counts))
    return AccessResult(
        params=params,
        county=county.name,
        seat=seat_info,
        villages=out,
        candidates=candidate_table,
        summary=summary,
        quality=county.quality.merge(DataQuality(tuple(n for n in notes if n is not None))),
    )


def _township_names(county: County) -> dict[str, str]:
    townships = county.layers.get("townships")
    if townships is None or not {"id", "name"} <= set(townships.columns):
        return {}
    return dict(zip(townships["id"].astype(str), townships["name"].astype(str), strict=True))


def _township_name(value: Any, names: dict[str, str]) -> str | None:
    """The township's name (its id looked up), the value itself, or None when missing."""
    if is_na(value) or not str(value).strip():
        return None
    return names.get(str(value), str(value))


def _finite(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)
