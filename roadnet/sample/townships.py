"""Townships of the sample county: seats, kinds, codes, names and the regions they govern.

A township's region is the set of points whose position, bent by a smooth warp field, is
nearer its seat than any other seat: a Voronoi partition with natural-looking curved borders.
The township polygons themselves are dissolved from the parcel tessellation
(:mod:`roadnet.sample.tessellation`), so parcels nest in townships exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from roadnet.sample.names import COUNTY_CODE, draw_place_name
from roadnet.sample.terrain import Land

_MAX_TOWNSHIPS = 898
"""Township codes have three digits: 101-199 towns, then 乡 and 苏木 up to 999."""
_WARP_M = 2200.0
"""Amplitude of the border warp (m); with a 22 km wavelength the warp stays one-to-one."""


@dataclass(frozen=True)
class TownshipPlan:
    """Seats and identities of the townships (index 0 holds the county seat).

    Attributes
    ----------
    seats
        ``(n, 2)`` seat positions (m, EPSG:4546).
    kinds
        ``"镇"``, ``"乡"`` or ``"苏木"``.
    codes
        Nine-digit township codes (county code + 1xx for towns, 2xx for 乡 and 苏木).
    names
        Full names with their suffix (大滩镇, 乌兰苏木 ...).
    bases
        Names without the suffix.
    served
        Townships the bus lines are built to serve.
    pastoral
        Share of Mongolian names to draw for villages in each township.
    """

    seats: np.ndarray
    kinds: tuple[str, ...]
    codes: tuple[str, ...]
    names: tuple[str, ...]
    bases: tuple[str, ...]
    served: np.ndarray
    pastoral: np.ndarray
    _warp: tuple[Land, float]

    @property
    def count(self) -> int:
        """Number of townships."""
        return len(self.seats)

    def region_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Township index of each point (warped nearest seat)."""
        land, amplitude = self._warp
        return _region(land, self.seats, amplitude, x, y)


def plan_townships(rng: np.random.Generator, land: Land) -> TownshipPlan:
    """Place the township seats and give the townships kinds, codes and names.

    About nine townships per 4,000 km². The county seat's township is a town (镇, code 101);
    the northern townships are pastoral sumu (苏木); the eastern third is left without bus
    service (the report's "6 of 9 townships").
    """
    n = min(_MAX_TOWNSHIPS, max(3, round(9 * land.scale)))
    spacing = math.sqrt(land.boundary.area / n)
    inner = land.boundary.buffer(-0.25 * spacing)
    xmin, ymin, xmax, ymax = inner.bounds
    seats = [land.seat]
    while len(seats) < n:
        candidates = rng.uniform((xmin, ymin), (xmax, ymax), size=(40, 2))
        candidates = candidates[shapely.contains_xy(inner, candidates[:, 0], candidates[:, 1])]
        if len(candidates) == 0:
            continue
        existing = np.asarray(seats)
        gaps = cKDTree(existing).query(candidates)[0]
        # keep the county seat's township compact: others stay a spacing away from it
        seat_gap = np.hypot(candidates[:, 0] - land.seat[0], candidates[:, 1] - land.seat[1])
        gaps = np.where(seat_gap < 0.75 * spacing, 0.0, gaps)
        best = int(np.argmax(gaps))
        seats.append((float(candidates[best, 0]), float(candidates[best, 1])))
    seat_array = np.asarray(seats)
    # the warp must leave every seat in its own township
    amplitude = _WARP_M
    while np.any(
        _region(land, seat_array, amplitude, seat_array[:, 0], seat_array[:, 1]) != np.arange(n)
    ):
        amplitude *= 0.7
    return _assemble(rng, land, seat_array, amplitude)


def _region(
    land: Land, seats: np.ndarray, amplitude: float, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    wx = x + amplitude * land.warp_x(x, y)
    wy = y + amplitude * land.warp_y(x, y)
    _, index = cKDTree(seats).query(np.column_stack([wx, wy]))
    return np.asarray(index, dtype=np.int64)


def _assemble(
    rng: np.random.Generator, land: Land, seats: np.ndarray, amplitude: float
) -> TownshipPlan:
    n = len(seats)
    distance = np.hypot(seats[:, 0] - land.seat[0], seats[:, 1] - land.seat[1])
    north = (seats[:, 1] - land.centre[1]) / land.radius
    east = seats[:, 0]
    kinds = ["乡"] * n
    kinds[0] = "镇"
    order = [int(i) for i in np.argsort(distance, kind="stable") if i != 0]
    n_towns = max(1, round(n * 3 / 9))
    for i in order[: n_towns - 1]:
        kinds[i] = "镇"
    for i in order[n_towns - 1 :]:
        if north[i] > 0.25:
            kinds[i] = "苏木"
    n_unserved = round(n / 3)
    unserved = [int(i) for i in np.argsort(-east, kind="stable") if i != 0][:n_unserved]
    served = np.ones(n, dtype=bool)
    served[unserved] = False
    pastoral = np.clip(0.1 + 0.35 * north, 0.03, 0.5)
    pastoral = np.where(np.asarray(kinds) == "苏木", 0.85, pastoral)
    used: set[str] = set()
    bases = []
    for i in range(n):
        share = 1.0 if kinds[i] == "苏木" else float(pastoral[i]) * 0.5
        base = draw_place_name(rng, mongol_share=share, used=used)
        while len(base) > 4 or base.endswith(("村", "庄", "队")):
            base = draw_place_name(rng, mongol_share=share, used=used)
        bases.append(base)
    codes = [""] * n
    serial = 101
    for i in [0, *order]:
        if kinds[i] == "镇":
            codes[i] = f"{COUNTY_CODE}{serial:03d}"
            serial += 1
    serial = max(201, serial)
    for kind in ("乡", "苏木"):
        for i in order:
            if kinds[i] == kind:
                codes[i] = f"{COUNTY_CODE}{serial:03d}"
                serial += 1
    return TownshipPlan(
        seats=seats,
        kinds=tuple(kinds),
        codes=tuple(codes),
        names=tuple(b + k for b, k in zip(bases, kinds, strict=True)),
        bases=tuple(bases),
        served=served,
        pastoral=pastoral,
        _warp=(land, amplitude),
    )
