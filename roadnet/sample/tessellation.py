"""The tessellation the parcels and township polygons are cut from.

Seeds are jittered on a grid whose density follows land use: one per km² on remote
grassland, up to 25 per km² in a town, more around villages and along rivers; each village
is a seed too. Their Voronoi cells, clipped to the outline, tile the county exactly.
Township polygons are the union of the cells of each township; parcels are the cells cut by
roads, rivers, homesteads and shelter belts (:mod:`roadnet.sample.parcels`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from roadnet.errors import RoadnetError
from roadnet.sample.terrain import Land
from roadnet.sample.townships import TownshipPlan

_COARSE_M = 1000.0


@dataclass(frozen=True)
class Tessellation:
    """Voronoi cells tiling the county.

    Attributes
    ----------
    cells
        Polygons or MultiPolygons (m, EPSG:4546), clipped to the outline.
    seeds
        ``(n, 2)`` seed of each cell.
    township
        Township index of each cell.
    village
        Row (in the village frame) of the administrative village whose land the cell is.
    village_seed
        Row of the village whose position seeded the cell, or -1.
    """

    cells: np.ndarray
    seeds: np.ndarray
    township: np.ndarray
    village: np.ndarray
    village_seed: np.ndarray


def town_radius(households: np.ndarray) -> np.ndarray:
    """Radius (m) of a seat's built-up area: about 350 m² per household."""
    return np.sqrt(np.asarray(households, dtype=float) * 350.0 / math.pi)


def tessellate(
    rng: np.random.Generator, land: Land, plan: TownshipPlan, villages: pd.DataFrame
) -> Tessellation:
    """Seed and build the cells, and give each a township and an administrative village."""
    xmin, ymin, xmax, ymax = land.boundary.bounds
    gx, gy = np.meshgrid(np.arange(xmin, xmax, _COARSE_M), np.arange(ymin, ymax, _COARSE_M))
    cx = gx.ravel() + _COARSE_M / 2
    cy = gy.ravel() + _COARSE_M / 2
    near = shapely.contains_xy(land.boundary.buffer(1.5 * _COARSE_M), cx, cy)
    cx, cy = cx[near], cy[near]
    vxy = villages[["x", "y"]].to_numpy()
    d_village, _ = cKDTree(vxy).query(np.column_stack([cx, cy]))
    d_river = land.river_distance(cx, cy)
    seats = villages["seat"].to_numpy()
    radius = town_radius(villages["households"].to_numpy()[seats])
    seat_xy = vxy[seats]
    in_town = np.zeros(len(cx), dtype=bool)
    for (sx, sy), r in zip(seat_xy, radius, strict=True):
        in_town |= np.hypot(cx - sx, cy - sy) < r + 300.0
    density = (
        1.0
        + 5.0 * np.exp(-((d_village / 1600.0) ** 2))
        + 3.0 * np.exp(-((d_river / 900.0) ** 2))
        + 1.5 * np.clip(land.farming(cx, cy), 0.0, 1.0)
    )
    k = np.clip(np.round(0.6 * np.sqrt(density) + rng.normal(0.0, 0.3, len(cx))), 1, 3).astype(
        np.int64
    )
    k = np.where(in_town, 5, k)
    n_sub = k * k
    owner = np.repeat(np.arange(len(cx)), n_sub)
    sub = np.concatenate([np.arange(n) for n in n_sub]) if len(n_sub) else np.empty(0, np.int64)
    kk = k[owner]
    col = sub % kk
    row = sub // kk
    size = _COARSE_M / kk
    sx = cx[owner] - _COARSE_M / 2 + (col + rng.uniform(0.1, 0.9, len(owner))) * size
    sy = cy[owner] - _COARSE_M / 2 + (row + rng.uniform(0.1, 0.9, len(owner))) * size
    inside = land.inside(sx, sy)
    sx, sy = sx[inside], sy[inside]
    # villages seed their own cells; drop grid seeds crowding them
    d_grid, _ = cKDTree(vxy).query(np.column_stack([sx, sy]))
    keep = d_grid > 150.0
    seeds = np.vstack([vxy, np.column_stack([sx[keep], sy[keep]])])
    village_seed = np.concatenate([np.arange(len(vxy)), np.full(int(keep.sum()), -1)])

    extent = shapely.box(xmin - 5000.0, ymin - 5000.0, xmax + 5000.0, ymax + 5000.0)
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent, ordered=True)
    cells = np.asarray(shapely.get_parts(diagram), dtype=object)
    if len(cells) != len(seeds):
        raise RoadnetError("sample county: Voronoi cells do not match their seeds")
    whole = shapely.contains_properly(land.boundary, cells)
    clipped = cells.copy()
    edge = np.flatnonzero(~whole)
    clipped[edge] = shapely.intersection(cells[edge], land.boundary)
    clipped[edge] = _polygonal(clipped[edge])
    ok = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 0.0)
    cells, seeds, village_seed = clipped[ok], seeds[ok], village_seed[ok]

    township = plan.region_of(seeds[:, 0], seeds[:, 1])
    from_village = village_seed >= 0
    township[from_village] = villages["township"].to_numpy()[village_seed[from_village]]
    village = _nearest_admin(villages, seeds, township, plan.count)
    return Tessellation(
        cells=cells, seeds=seeds, township=township, village=village, village_seed=village_seed
    )


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (drop stray lines and points)."""
    out = geoms.copy()
    kinds = shapely.get_type_id(geoms)
    for i in np.flatnonzero(kinds == 7):  # GeometryCollection
        parts = [p for p in shapely.get_parts(geoms[i]) if shapely.get_type_id(p) in (3, 6)]
        out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out


def _nearest_admin(
    villages: pd.DataFrame, points: np.ndarray, township: np.ndarray, n_townships: int
) -> np.ndarray:
    """Row of the nearest administrative village of the same township, for each point."""
    kind = villages["kind"].to_numpy()
    vt = villages["township"].to_numpy()
    xy = villages[["x", "y"]].to_numpy()
    out = np.full(len(points), -1, dtype=np.int64)
    for t in range(n_townships):
        rows = np.flatnonzero((kind == "administrative") & (vt == t))
        members = np.flatnonzero(township == t)
        if len(rows) == 0 or len(members) == 0:
            continue
        _, nearest = cKDTree(xy[rows]).query(points[members])
        out[members] = rows[np.atleast_1d(nearest)]
    return out


def township_polygons(tessellation: Tessellation, n_townships: int) -> list[shapely.Geometry]:
    """Dissolve the cells into one (multi)polygon per township."""
    out = []
    for t in range(n_townships):
        members = tessellation.cells[tessellation.township == t]
        merged = shapely.coverage_union_all(members)
        if not merged.is_valid:
            merged = shapely.union_all(members)
        out.append(merged)
    return out
