"""The road network of the sample county, drawn the way rural networks grow.

1. Trunk roads: a national road through the county seat, county roads (X) from the seat to
   every township seat (via a nearer seat when that one lies on the way) plus a few links
   between neighbouring township seats.
2. Township roads (Y): repeatedly, the point of the county farthest from any road gets a
   road to the nearest point of the network, until no point is more than a few km from a
   road. This yields the comb of spurs and branches typical of the Inner Mongolian plateau.
3. Village roads (C): each natural village not beside a road gets one to the nearest road;
   farm tracks fill the cultivated land around villages; a few links close loops.

All roads end exactly on the road they join; :func:`roadnet.sample.lines.node_lines` then
splits every road at every junction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.spatial import Delaunay, cKDTree
from shapely import LineString

from roadnet.sample.lines import chop_lines, meander, nearest_on
from roadnet.sample.terrain import Land
from roadnet.sample.townships import TownshipPlan

CLASS_ORDER = ("national", "provincial", "county", "township", "village")
"""Road classes from the highest; the order also sets which road land wins at junctions."""

WIDTH_M = {
    ("national", "paved"): 12.0,
    ("provincial", "paved"): 10.0,
    ("county", "paved"): 7.0,
    ("township", "paved"): 6.0,
    ("township", "gravel"): 5.0,
    ("village", "paved"): 4.5,
    ("village", "gravel"): 4.0,
    ("village", "earth"): 3.5,
}
"""Carriageway width (m) by class and surface."""

_TRUNK_CODES = ("G208", "S104", "S211", "S303", "G110", "S305", "S102", "G512", "S201", "S309")
_TRUNK_NAMES = (
    "二河线",
    "呼满线",
    "武大线",
    "集白线",
    "京青线",
    "乌商线",
    "呼四线",
    "二广线",
    "包固线",
    "丰准线",
)


@dataclass
class RoadDraft:
    """A road before noding: vertices (m, EPSG:4546) and attributes.

    ``origin`` tells how it was drawn: ``trunk``, ``county``, ``county_link``,
    ``township``, ``access`` (to a natural village), ``track`` (farm track) or ``link``.
    """

    coords: np.ndarray
    cls: str
    surface: str
    origin: str
    township: int
    route_code: str = ""
    name: str = ""
    ends: list[int] = field(default_factory=list)

    @property
    def line(self) -> LineString:
        """The draft as a LineString."""
        return LineString(self.coords)

    @property
    def width(self) -> float:
        """Carriageway width (m)."""
        return WIDTH_M.get((self.cls, self.surface), 4.0)


def trunk_roads(rng: np.random.Generator, land: Land, plan: TownshipPlan) -> list[RoadDraft]:
    """National/provincial roads crossing the county and the county (X) roads.

    The first national road passes through the county seat; at larger scales further
    provincial roads cross through township seats. Every township seat gets a county road
    from the seat of its parent: the county seat, or a township seat lying nearly on the way.
    """
    drafts: list[RoadDraft] = []
    n_trunk = max(1, round(0.7 * math.sqrt(land.scale)))
    for index in range(n_trunk):
        through = land.seat if index == 0 else tuple(plan.seats[int(rng.integers(1, plan.count))])
        angle = rng.uniform(0.0, 2.0 * math.pi)
        far = 1.4 * land.radius
        start = (land.centre[0] + far * math.cos(angle), land.centre[1] + far * math.sin(angle))
        angle_out = angle + math.pi + rng.uniform(-0.4, 0.4)
        end = (
            land.centre[0] + far * math.cos(angle_out),
            land.centre[1] + far * math.sin(angle_out),
        )
        first = meander(rng, start, through, step=100.0, bend=0.03, wiggle=0.003)
        second = meander(rng, through, end, step=100.0, bend=0.03, wiggle=0.003)
        clipped = shapely.intersection(LineString(np.vstack([first, second[1:]])), land.boundary)
        code = _TRUNK_CODES[index % len(_TRUNK_CODES)]
        cls = "national" if code.startswith("G") else "provincial"
        for part in shapely.get_parts(shapely.line_merge(clipped)):
            if part.length > 1000.0:
                drafts.append(
                    RoadDraft(
                        coords=np.asarray(part.coords),
                        cls=cls,
                        surface="paved",
                        origin="trunk",
                        township=-1,
                        route_code=code,
                        name=_TRUNK_NAMES[index % len(_TRUNK_NAMES)],
                    )
                )
    seats = plan.seats
    to_seat = np.hypot(seats[:, 0] - land.seat[0], seats[:, 1] - land.seat[1])
    parent = np.zeros(plan.count, dtype=np.int64)
    order = np.argsort(to_seat, kind="stable")
    placed = [0]
    edges: set[tuple[int, int]] = set()
    for t in order:
        if t == 0:
            continue
        best, best_cost = 0, to_seat[t]
        for p in placed:
            if p == 0:
                continue
            leg = math.hypot(*(seats[t] - seats[p]))
            if leg + to_seat[p] < 1.15 * to_seat[t] and leg < best_cost:
                best, best_cost = p, leg
        parent[t] = best
        placed.append(int(t))
        edges.add((min(best, int(t)), max(best, int(t))))
    serial = 1
    built = [d.line for d in drafts]
    for t in order:
        if t == 0:
            continue
        p = int(parent[t])
        origin = np.asarray(seats[p], dtype=float)
        direct = math.hypot(*(seats[t] - seats[p]))
        # branch off an existing trunk road when that saves much of the way
        if built:
            lines = np.asarray(built, dtype=object)
            gaps = shapely.distance(lines, shapely.Point(seats[t]))
            k = int(np.argmin(gaps))
            if gaps[k] < 0.6 * direct:
                origin = np.asarray(nearest_on(lines[k], float(seats[t][0]), float(seats[t][1])))
        coords = _meander_inside(
            rng, land.boundary, origin, seats[t], step=100.0, bend=0.045, wiggle=0.004
        )
        if coords is None:
            coords = meander(rng, origin, seats[t], step=100.0, bend=0.045, wiggle=0.004)
        drafts.append(
            RoadDraft(
                coords=coords,
                cls="county",
                surface="paved",
                origin="county",
                township=int(t),
                route_code=f"X{serial:03d}",
                ends=[p, int(t)],
            )
        )
        built.append(drafts[-1].line)
        serial += 1
    if plan.count >= 4:
        tri = Delaunay(seats)
        pairs = set()
        for simplex in tri.simplices:
            for a, b in ((0, 1), (1, 2), (0, 2)):
                i, j = sorted((int(simplex[a]), int(simplex[b])))
                pairs.add((i, j))
        tree_lengths = [math.hypot(*(seats[i] - seats[j])) for i, j in edges]
        limit = 1.3 * float(np.median(tree_lengths))
        for i, j in sorted(pairs - edges):
            if math.hypot(*(seats[i] - seats[j])) < limit and rng.random() < 0.3:
                coords = _meander_inside(
                    rng, land.boundary, seats[i], seats[j], step=100.0, bend=0.05, wiggle=0.004
                )
                if coords is None:
                    continue
                drafts.append(
                    RoadDraft(
                        coords=coords,
                        cls="county",
                        surface="paved",
                        origin="county_link",
                        township=j,
                        route_code=f"X{serial:03d}",
                        ends=[i, j],
                    )
                )
                serial += 1
    return drafts


def _meander_inside(
    rng: np.random.Generator,
    boundary: shapely.Geometry,
    start: tuple[float, float] | np.ndarray,
    end: tuple[float, float] | np.ndarray,
    *,
    step: float,
    bend: float,
    wiggle: float,
) -> np.ndarray | None:
    """A curved path that stays inside the county, or None when even the chord leaves it.

    Tries the curve, then a gentler one, then the straight chord.
    """
    for factor in (1.0, 0.3):
        coords = meander(rng, start, end, step=step, bend=bend * factor, wiggle=wiggle * factor)
        if boundary.covers(LineString(coords)):
            return coords
    chord = np.vstack([np.asarray(start, dtype=float), np.asarray(end, dtype=float)])
    return chord if boundary.covers(LineString(chord)) else None


class _Growth:
    """Distance from a regular grid of points to a growing set of lines.

    The grid is 2-D so that the points a new line can affect are a rectangular window.
    """

    def __init__(
        self,
        lines: list[LineString],
        valid: np.ndarray,
        spacing: float,
        xs: np.ndarray,
        ys: np.ndarray,
    ) -> None:
        self.spacing = spacing
        self.xs = xs
        self.ys = ys
        self.valid = valid
        self.lines = list(lines)
        self.dist = np.full(valid.shape, -1.0)
        self.near = np.full(valid.shape, -1, dtype=np.int64)
        iy, ix = np.nonzero(valid)
        points = shapely.points(xs[ix], ys[iy])
        pieces, parent = chop_lines(np.asarray(self.lines, dtype=object), 1000.0)
        (src, dst), dist = shapely.STRtree(pieces).query_nearest(
            points, return_distance=True, all_matches=False
        )
        self.dist[iy[src], ix[src]] = dist
        self.near[iy[src], ix[src]] = parent[dst]
        self._reach = float(self.dist.max()) if self.dist.size else 0.0
        self._added = 0

    def add(self, line: LineString) -> None:
        """Add a line and update the distances it can shorten.

        Only points closer to the line's bounding box than the largest distance of any
        point can get closer; that bound is refreshed every few additions
        (distances only shrink, so a stale bound is still safe).
        """
        index = len(self.lines)
        self.lines.append(line)
        self._added += 1
        if self._added % 8 == 0:
            self._reach = float(self.dist.max())
        reach = self._reach
        xmin, ymin, xmax, ymax = line.bounds
        i0 = max(0, int(np.searchsorted(self.xs, xmin - reach)))
        i1 = int(np.searchsorted(self.xs, xmax + reach, side="right"))
        j0 = max(0, int(np.searchsorted(self.ys, ymin - reach)))
        j1 = int(np.searchsorted(self.ys, ymax + reach, side="right"))
        window = self.valid[j0:j1, i0:i1]
        jy, ix = np.nonzero(window)
        if len(jy) == 0:
            return
        current = self.dist[j0:j1, i0:i1][jy, ix]
        # only points nearer the line's box than to the network can get nearer
        px = self.xs[i0 + ix]
        py = self.ys[j0 + jy]
        box = np.hypot(
            np.maximum(0.0, np.maximum(xmin - px, px - xmax)),
            np.maximum(0.0, np.maximum(ymin - py, py - ymax)),
        )
        keep = (current > 0.0) & (box < current)
        jy, ix, current = jy[keep], ix[keep], current[keep]
        dist = shapely.distance(shapely.points(px[keep], py[keep]), line)
        better = dist < current
        self.dist[j0 + jy[better], i0 + ix[better]] = dist[better]
        self.near[j0 + jy[better], i0 + ix[better]] = index


def _grid(land: Land, spacing: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xmin, ymin, xmax, ymax = land.boundary.bounds
    xs = np.arange(xmin + spacing / 2, xmax, spacing)
    ys = np.arange(ymin + spacing / 2, ymax, spacing)
    gx, gy = np.meshgrid(xs, ys)
    valid = land.inside(gx.ravel(), gy.ravel()).reshape(gx.shape)
    return xs, ys, valid


def _grow(
    rng: np.random.Generator,
    growth: _Growth,
    weight: np.ndarray,
    *,
    threshold: float,
    make: Callable[
        [np.random.Generator, tuple[float, float], tuple[float, float]], RoadDraft | None
    ],
    tile_m: float = 40000.0,
) -> list[RoadDraft]:
    """Add roads from the farthest grid point to the network until all are within reach.

    The county is worked tile by tile (``tile_m`` square), farthest point first within
    the tile, so that the cost stays linear in the area.
    """
    drafts: list[RoadDraft] = []
    step = max(1, int(tile_m // growth.spacing))
    ny, nx = growth.valid.shape
    for j0 in range(0, ny, step):
        for i0 in range(0, nx, step):
            valid = growth.valid[j0 : j0 + step, i0 : i0 + step]
            w = weight[j0 : j0 + step, i0 : i0 + step]
            if not valid.any():
                continue
            while True:
                dist = growth.dist[j0 : j0 + step, i0 : i0 + step]
                far = np.where(valid & (dist >= threshold), dist * w, -1.0)
                flat = int(np.argmax(far))
                if far.flat[flat] < 0.0:
                    break
                jy, ix = np.unravel_index(flat, far.shape)
                jy, ix = jy + j0, ix + i0
                jitter = rng.uniform(-0.3, 0.3, size=2) * growth.spacing
                px = float(growth.xs[ix] + jitter[0])
                py = float(growth.ys[jy] + jitter[1])
                target = growth.lines[int(growth.near[jy, ix])]
                qx, qy = nearest_on(target, px, py)
                draft = make(rng, (px, py), (qx, qy))
                if draft is None:
                    # no road can reach this point without leaving the county
                    growth.dist[jy, ix] = 0.0
                    continue
                drafts.append(draft)
                growth.add(draft.line)
    return drafts


def township_roads(
    rng: np.random.Generator,
    land: Land,
    plan: TownshipPlan,
    drafts: list[RoadDraft],
    *,
    reach_m: float = 2250.0,
) -> list[RoadDraft]:
    """Township (Y) roads grown until every point of the county is within ``reach_m`` of a road.

    River valleys are served first: the distance is weighted up near rivers.
    """
    xs, ys, valid = _grid(land, 500.0)
    growth = _Growth([d.line for d in drafts], valid, 500.0, xs, ys)
    gx, gy = np.meshgrid(xs, ys)
    river = land.river_distance(gx.ravel(), gy.ravel()).reshape(gx.shape)
    weight = 1.0 + 0.6 * np.exp(-river / 3000.0)

    def make(
        rng: np.random.Generator, p: tuple[float, float], q: tuple[float, float]
    ) -> RoadDraft | None:
        coords = _meander_inside(rng, land.boundary, p, q, step=100.0, bend=0.06, wiggle=0.006)
        if coords is None:
            return None
        township = int(plan.region_of(np.array([p[0]]), np.array([p[1]]))[0])
        return RoadDraft(
            coords=coords, cls="township", surface="paved", origin="township", township=township
        )

    return _grow(rng, growth, weight, threshold=reach_m, make=make)


def access_roads(
    rng: np.random.Generator,
    land: Land,
    plan: TownshipPlan,
    drafts: list[RoadDraft],
    points: np.ndarray,
    *,
    beside_m: float = 250.0,
) -> tuple[list[RoadDraft], np.ndarray]:
    """Village roads (C) from each point farther than ``beside_m`` from a road to the network.

    Villages are connected nearest first, in rounds, so that later roads can join roads
    built for nearer villages (chains of villages along one road).

    Returns
    -------
    drafts, owner
        The new roads and, for each, the index of the point it serves.
    """
    new: list[RoadDraft] = []
    owner: list[int] = []
    pending = np.arange(len(points))
    for limit in (1200.0, 2500.0, np.inf):
        if len(pending) == 0:
            break
        lines = np.asarray([d.line for d in drafts] + [d.line for d in new], dtype=object)
        tree = shapely.STRtree(lines)
        geoms = shapely.points(points[pending])
        (src, dst), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        order = np.argsort(dist, kind="stable")
        done = []
        for k in order:
            i = int(pending[src[k]])
            if dist[k] <= beside_m:
                done.append(i)
                continue
            if dist[k] > limit:
                continue
            qx, qy = nearest_on(lines[dst[k]], float(points[i, 0]), float(points[i, 1]))
            inside = _meander_inside(
                rng, land.boundary, points[i], (qx, qy), step=80.0, bend=0.07, wiggle=0.008
            )
            coords = (
                inside
                if inside is not None
                else meander(rng, points[i], (qx, qy), step=80.0, bend=0.07, wiggle=0.008)
            )
            surface = str(rng.choice(["paved", "gravel", "earth"], p=[0.3, 0.37, 0.33]))
            township = int(plan.region_of(points[i : i + 1, 0], points[i : i + 1, 1])[0])
            new.append(
                RoadDraft(
                    coords=coords,
                    cls="village",
                    surface=surface,
                    origin="access",
                    township=township,
                    ends=[i],
                )
            )
            owner.append(i)
            done.append(i)
        pending = np.setdiff1d(pending, np.asarray(done, dtype=np.int64))
    return new, np.asarray(owner, dtype=np.int64)


def farm_tracks(
    rng: np.random.Generator,
    land: Land,
    plan: TownshipPlan,
    drafts: list[RoadDraft],
    villages: np.ndarray,
    *,
    reach_m: float = 1000.0,
) -> list[RoadDraft]:
    """Earth and gravel farm tracks (C) through the cultivated land around villages."""
    xs, ys, valid = _grid(land, 250.0)
    gx, gy = np.meshgrid(xs, ys)
    near_village, _ = cKDTree(villages).query(np.column_stack([gx.ravel(), gy.ravel()]))
    farming = land.farming(gx.ravel(), gy.ravel())
    zone = (near_village < 2500.0 + 1500.0 * farming) & (farming > -0.35)
    valid &= zone.reshape(gx.shape)
    growth = _Growth([d.line for d in drafts], valid, 250.0, xs, ys)
    weight = np.ones(valid.shape)

    def make(
        rng: np.random.Generator, p: tuple[float, float], q: tuple[float, float]
    ) -> RoadDraft | None:
        coords = _meander_inside(rng, land.boundary, p, q, step=80.0, bend=0.05, wiggle=0.006)
        if coords is None:
            return None
        surface = "gravel" if rng.random() < 0.15 else "earth"
        township = int(plan.region_of(np.array([p[0]]), np.array([p[1]]))[0])
        return RoadDraft(
            coords=coords, cls="village", surface=surface, origin="track", township=township
        )

    return _grow(rng, growth, weight, threshold=reach_m, make=make)


def loop_roads(
    rng: np.random.Generator,
    land: Land,
    drafts: list[RoadDraft],
    *,
    share: float = 0.25,
    max_m: float = 4000.0,
) -> list[RoadDraft]:
    """Links from dead ends of township roads to a nearby road other than their own."""
    boundary = land.boundary
    lines = np.asarray([d.line for d in drafts], dtype=object)
    tree = shapely.STRtree(lines)
    new: list[RoadDraft] = []
    for index, draft in enumerate(drafts):
        if draft.origin != "township" or rng.random() > share:
            continue
        start = shapely.Point(draft.coords[0])
        # the road the draft joins is the one its last vertex touches
        candidates = tree.query(start, predicate="dwithin", distance=max_m)
        best, best_d = -1, math.inf
        end = shapely.Point(draft.coords[-1])
        for c in candidates:
            c = int(c)
            if c == index or shapely.distance(lines[c], end) < 1.0:
                continue
            d = float(shapely.distance(lines[c], start))
            if 600.0 < d < best_d:
                best, best_d = c, d
        if best < 0:
            continue
        qx, qy = nearest_on(lines[best], float(draft.coords[0, 0]), float(draft.coords[0, 1]))
        coords = _meander_inside(
            rng, boundary, draft.coords[0], (qx, qy), step=80.0, bend=0.06, wiggle=0.006
        )
        if coords is None:
            continue
        surface = "gravel" if rng.random() < 0.5 else "earth"
        new.append(
            RoadDraft(
                coords=coords,
                cls="village",
                surface=surface,
                origin="link",
                township=draft.township,
            )
        )
    return new


def name_roads(
    drafts: list[RoadDraft],
    kept: np.ndarray,
    village_xy: np.ndarray,
    village_names: np.ndarray,
    plan: TownshipPlan,
) -> None:
    """Give route codes and names to the township and village roads (in place).

    County roads are named from the seats they join (大滩—乌兰 → 大乌线); township roads
    "A至B" from their township and the village at their far end; village roads after the
    village they serve (…通村路), farm tracks …机耕路, links …连接线.
    """
    tree = cKDTree(village_xy)

    def near(xy: np.ndarray, *, other_than: str = "") -> str:
        _, rows = tree.query(xy, k=3)
        for r in np.atleast_1d(rows):
            if village_names[int(r)] != other_than:
                return str(village_names[int(r)])
        return str(village_names[int(np.atleast_1d(rows)[0])])

    serial = {"township": 0, "village": 0}
    for index, draft in enumerate(drafts):
        if not kept[index]:
            continue
        if draft.origin in ("county", "county_link"):
            a, b = draft.ends
            draft.name = f"{plan.bases[a][:1]}{plan.bases[b][:1]}线"
            continue
        if draft.cls not in serial:
            continue
        serial[draft.cls] += 1
        letter = "Y" if draft.cls == "township" else "C"
        number = serial[draft.cls]
        draft.route_code = f"{letter}{number:03d}"
        start = near(draft.coords[0])
        if draft.origin == "township":
            township = plan.bases[draft.township] if draft.township >= 0 else ""
            draft.name = f"{township}至{start}" if township and township != start else f"{start}路"
        elif draft.origin == "access":
            draft.name = f"{start}通村路"
        elif draft.origin == "track":
            draft.name = f"{start}机耕路"
        else:
            draft.name = f"{start}至{near(draft.coords[-1], other_than=start)}连接线"
