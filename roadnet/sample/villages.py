"""Villages of the sample county: seats, administrative villages and natural villages.

Administrative villages (行政村 / 嘎查) are strung along the county and township roads and
drawn to river valleys, at least 3.4 km apart (which is what lets the bus lines serve an
exact set of them). Natural villages (自然村) cluster around them, along roads and rivers.
Populations are log-normal; an administrative village's population includes its natural
villages.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from roadnet.sample.names import draw_place_name
from roadnet.sample.roads import RoadDraft
from roadnet.sample.terrain import Land
from roadnet.sample.townships import TownshipPlan

ADMIN_SPACING_M = 3400.0
"""Minimum distance between administrative villages (and seats)."""
NATURAL_SPACING_M = 900.0
"""Minimum distance between any two villages."""
MAX_ADMIN_OFFSET_M = 300.0
"""An administrative village lies at most this far from the road it was placed along."""


def _weighted_order(rng: np.random.Generator, weight: np.ndarray) -> np.ndarray:
    """A random order where heavier items tend to come first (Efraimidis-Spirakis keys)."""
    keys = rng.random(len(weight)) ** (1.0 / np.maximum(weight, 1e-9))
    return np.argsort(-keys, kind="stable")


class _SpacingIndex:
    """Points accepted so far, on a hash grid, for "nothing closer than d" checks."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.buckets: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def add(self, x: float, y: float) -> None:
        key = (int(math.floor(x / self.cell)), int(math.floor(y / self.cell)))
        self.buckets.setdefault(key, []).append((x, y))

    def clear_of(self, x: float, y: float, distance: float) -> bool:
        cx, cy = int(math.floor(x / self.cell)), int(math.floor(y / self.cell))
        reach = int(math.ceil(distance / self.cell))
        d2 = distance * distance
        for i in range(cx - reach, cx + reach + 1):
            for j in range(cy - reach, cy + reach + 1):
                for px, py in self.buckets.get((i, j), ()):
                    if (px - x) ** 2 + (py - y) ** 2 < d2:
                        return False
        return True


def _along(drafts: list[RoadDraft], step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``step`` m along the drafts, their unit normals and draft index."""
    lines = np.asarray([d.line for d in drafts], dtype=object)
    lengths = shapely.length(lines)
    counts = np.maximum(1, (lengths // step).astype(np.int64))
    owner = np.repeat(np.arange(len(lines)), counts)
    offsets = np.concatenate([(np.arange(c) + 0.5) * step for c in counts])
    offsets = np.minimum(offsets, lengths[owner])
    here = shapely.get_coordinates(shapely.line_interpolate_point(lines[owner], offsets))
    ahead = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[owner], np.minimum(offsets + 20.0, lengths[owner]))
    )
    behind = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[owner], np.maximum(offsets - 20.0, 0.0))
    )
    tangent = ahead - behind
    norm = np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-9)
    normal = np.column_stack([-tangent[:, 1] / norm, tangent[:, 0] / norm])
    return here, normal, owner


def place_villages(
    rng: np.random.Generator,
    land: Land,
    plan: TownshipPlan,
    drafts: list[RoadDraft],
) -> pd.DataFrame:
    """Seats, administrative and natural villages (positions, townships, kinds).

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y`` (m, EPSG:4546), ``township`` (index), ``kind``
        (``administrative`` / ``natural``), ``seat`` (bool). Seats come first, in township
        order; then administrative, then natural villages.
    """
    n_admin_target = max(plan.count * 4, round(100 * land.scale))
    n_natural_target = round(300 * land.scale)
    inner = land.boundary.buffer(-800.0)
    shapely.prepare(inner)

    # township quotas in proportion to area
    xs, ys = _grid_points(land, 1000.0)
    region = plan.region_of(xs, ys)
    share = np.bincount(region, minlength=plan.count) / len(region)
    quota = np.maximum(3, np.round(share * (n_admin_target - plan.count))).astype(np.int64)

    spacing = _SpacingIndex(ADMIN_SPACING_M)
    rows: list[tuple[float, float, int, str, bool]] = []
    for t in range(plan.count):
        x, y = (float(v) for v in plan.seats[t])
        spacing.add(x, y)
        rows.append((x, y, t, "administrative", True))

    road_like = [d for d in drafts if d.origin in ("trunk", "county", "county_link", "township")]
    here, normal, owner = _along(road_like, 250.0)
    offset = np.where(
        rng.random(len(here)) < 0.7,
        rng.uniform(0.0, 60.0, len(here)),
        rng.uniform(60.0, MAX_ADMIN_OFFSET_M, len(here)),
    ) * np.where(rng.random(len(here)) < 0.5, -1.0, 1.0)
    cand = here + normal * offset[:, None]
    ok = shapely.contains_xy(inner, cand[:, 0], cand[:, 1])
    cand, owner = cand[ok], owner[ok]
    river = land.river_distance(cand[:, 0], cand[:, 1])
    weight = (
        1.0
        + 2.5 * np.exp(-river / 2500.0)
        + 0.8 * np.clip(land.farming(cand[:, 0], cand[:, 1]), -1.0, 1.0)
        + 3.0 * np.asarray([road_like[o].origin != "township" for o in owner], dtype=float)
    )
    weight = np.maximum(weight, 0.05)
    township = plan.region_of(cand[:, 0], cand[:, 1])
    placed = np.zeros(plan.count, dtype=np.int64)
    for k in _weighted_order(rng, weight):
        t = int(township[k])
        if placed[t] >= quota[t]:
            continue
        x, y = float(cand[k, 0]), float(cand[k, 1])
        if spacing.clear_of(x, y, ADMIN_SPACING_M):
            spacing.add(x, y)
            rows.append((x, y, t, "administrative", False))
            placed[t] += 1

    # natural villages: around administrative villages, along roads and rivers
    admin_xy = np.asarray([(r[0], r[1]) for r in rows])
    n_cand = 12 * n_natural_target
    around = admin_xy[rng.integers(len(admin_xy), size=n_cand // 2)]
    radius = rng.uniform(1000.0, 4200.0, size=len(around))
    angle = rng.uniform(0.0, 2.0 * math.pi, size=len(around))
    around = around + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    all_roads = [d for d in drafts if d.origin != "trunk"]
    here, normal, _ = _along(all_roads, 300.0)
    pick = rng.integers(len(here), size=n_cand // 3)
    beside = (
        here[pick]
        + normal[pick]
        * (
            rng.uniform(100.0, 900.0, size=len(pick)) * np.where(rng.random(len(pick)) < 0.5, -1, 1)
        )[:, None]
    )
    xmin, ymin, xmax, ymax = land.boundary.bounds
    loose = rng.uniform((xmin, ymin), (xmax, ymax), size=(n_cand, 2))
    loose = loose[land.river_distance(loose[:, 0], loose[:, 1]) < 1800.0][: n_cand // 6]
    cand = np.vstack([around, beside, loose])
    ok = shapely.contains_xy(inner, cand[:, 0], cand[:, 1])
    cand = cand[ok]
    weight = np.maximum(
        0.05,
        1.0
        + 0.9 * np.clip(land.farming(cand[:, 0], cand[:, 1]), -1.0, 1.0)
        + 1.0 * np.exp(-land.river_distance(cand[:, 0], cand[:, 1]) / 2000.0),
    )
    seat_gap = np.full(len(cand), np.inf)
    seat_gap = np.minimum(
        seat_gap, np.hypot(cand[:, 0] - land.seat[0], cand[:, 1] - land.seat[1]) - 1200.0
    )
    township = plan.region_of(cand[:, 0], cand[:, 1])
    near = _SpacingIndex(NATURAL_SPACING_M)
    for r in rows:
        near.add(r[0], r[1])
    count = 0
    for k in _weighted_order(rng, weight):
        if count >= n_natural_target:
            break
        if seat_gap[k] < 0.0:
            continue
        x, y = float(cand[k, 0]), float(cand[k, 1])
        if near.clear_of(x, y, NATURAL_SPACING_M):
            near.add(x, y)
            rows.append((x, y, int(township[k]), "natural", False))
            count += 1
    return pd.DataFrame(rows, columns=["x", "y", "township", "kind", "seat"])


def _grid_points(land: Land, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    xmin, ymin, xmax, ymax = land.boundary.bounds
    mx, my = np.meshgrid(np.arange(xmin, xmax, spacing), np.arange(ymin, ymax, spacing))
    gx, gy = mx.ravel(), my.ravel()
    inside = land.inside(gx, gy)
    return gx[inside], gy[inside]


def describe_villages(
    rng: np.random.Generator,
    plan: TownshipPlan,
    villages: pd.DataFrame,
) -> pd.DataFrame:
    """Add parents, names, codes, populations and households to placed villages.

    Returns a new frame with the extra columns ``admin`` (row of the administrative village a
    natural village belongs to; itself for administrative ones), ``name``, ``id``,
    ``population``, ``households`` and ``gacha`` (a pastoral 嘎查).
    """
    frame = villages.reset_index(drop=True).copy()
    n = len(frame)
    xy = frame[["x", "y"]].to_numpy()
    admin_rows = np.flatnonzero(frame["kind"].to_numpy() == "administrative")
    parent = np.arange(n)
    for t in range(plan.count):
        own = admin_rows[frame["township"].to_numpy()[admin_rows] == t]
        members = np.flatnonzero(
            (frame["township"].to_numpy() == t) & (frame["kind"].to_numpy() == "natural")
        )
        if len(members) == 0:
            continue
        _, nearest = cKDTree(xy[own]).query(xy[members])
        parent[members] = own[np.atleast_1d(nearest)]
    frame["admin"] = parent

    # names: unique within a township, preferably within the county
    county_used: set[str] = set()
    names = [""] * n
    gacha = np.zeros(n, dtype=bool)
    for t in range(plan.count):
        used: set[str] = {plan.bases[t]}
        mongol = float(plan.pastoral[t])
        for row in np.flatnonzero(frame["township"].to_numpy() == t):
            if frame.at[row, "seat"]:
                names[row] = plan.bases[t] + "社区"
                used.add(names[row])
                continue
            base = draw_place_name(rng, mongol_share=mongol, used=used, also_unused=county_used)
            if frame.at[row, "kind"] == "administrative":
                is_gacha = plan.kinds[t] == "苏木" and rng.random() < 0.8
                is_gacha = is_gacha or (mongol > 0.2 and rng.random() < 0.4 * mongol)
                if is_gacha and not base.endswith(("村", "庄", "营", "营子")):
                    names[row] = base + "嘎查"
                    gacha[row] = True
                else:
                    names[row] = base if base.endswith("村") else base + "村"
            else:
                names[row] = (
                    base + "浩特" if plan.kinds[t] == "苏木" and rng.random() < 0.15 else base
                )
            used.add(names[row])
    frame["name"] = names
    frame["gacha"] = gacha

    # codes: seats 001 (community), administrative 201.. by distance from the seat,
    # natural villages: their administrative village's code + two digits
    ids = [""] * n
    for t in range(plan.count):
        seat_xy = plan.seats[t]
        rows = admin_rows[frame["township"].to_numpy()[admin_rows] == t]
        rows = rows[~frame["seat"].to_numpy()[rows]]
        dist = np.hypot(xy[rows, 0] - seat_xy[0], xy[rows, 1] - seat_xy[1])
        for serial, row in enumerate(rows[np.argsort(dist, kind="stable")]):
            ids[row] = f"{plan.codes[t]}{201 + serial:03d}"
        seat_row = int(
            np.flatnonzero(frame["seat"].to_numpy() & (frame["township"].to_numpy() == t))[0]
        )
        ids[seat_row] = f"{plan.codes[t]}001"
    for a in admin_rows:
        members = np.flatnonzero((parent == a) & (np.arange(n) != a))
        dist = np.hypot(xy[members, 0] - xy[a, 0], xy[members, 1] - xy[a, 1])
        for serial, row in enumerate(members[np.argsort(dist, kind="stable")]):
            ids[row] = f"{ids[a]}{serial + 1:02d}"
    frame["id"] = ids

    # populations: natural villages first, administrative villages include them
    population = np.zeros(n, dtype=np.int64)
    natural = frame["kind"].to_numpy() == "natural"
    population[natural] = np.clip(
        np.round(rng.lognormal(math.log(170.0), 0.6, size=int(natural.sum()))), 25, 1500
    ).astype(np.int64)
    own_pop = np.clip(np.round(rng.lognormal(math.log(850.0), 0.5, size=n)), 150, 6000).astype(
        np.int64
    )
    own_pop = np.where(gacha, own_pop // 2, own_pop)
    for t in range(plan.count):
        seat_row = int(
            np.flatnonzero(frame["seat"].to_numpy() & (frame["township"].to_numpy() == t))[0]
        )
        own_pop[seat_row] = (
            int(rng.uniform(38000, 46000)) if t == 0 else int(rng.uniform(2500, 7500))
        )
    for a in admin_rows:
        members = (parent == a) & natural
        population[a] = own_pop[a] + int(population[members].sum())
    frame["population"] = population
    frame["households"] = np.maximum(
        1, np.round(population / rng.uniform(2.35, 2.85, size=n))
    ).astype(np.int64)
    return frame
