"""The land the sample county lies on: smooth noise fields, the outline, rivers and a lake.

Everything is built in metres in the CGCS2000 3-degree Gauss-Krüger zone of 111°E
(EPSG:4546, false easting 500 000 m) around the county centre at 111°E, 41°N, and
converted to longitude/latitude only when the layers are assembled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from shapely import LineString, Polygon

from roadnet.sample.lines import chop_lines, meander
from roadnet.sample.names import draw_river_name

METRIC_EPSG = 4546
"""CGCS2000 / 3-degree Gauss-Krüger CM 111E."""
GEOGRAPHIC_EPSG = 4490
"""CGCS2000 geographic (longitude, latitude)."""
CENTRE_LONLAT = (111.0, 41.0)
AREA_KM2 = 4000.0
"""County area at scale 1."""

_TO_METRIC = pyproj.Transformer.from_crs(GEOGRAPHIC_EPSG, METRIC_EPSG, always_xy=True)


def centre_metric() -> tuple[float, float]:
    """The county centre in EPSG:4546 metres."""
    x, y = _TO_METRIC.transform(*CENTRE_LONLAT)
    return float(x), float(y)


@dataclass(frozen=True)
class NoiseField:
    """Smooth value noise: a sum of octaves of random lattices, bilinearly interpolated.

    Calling the field with coordinate arrays (metres) returns values roughly in [-1, 1].
    """

    lattices: tuple[np.ndarray, ...]
    spacings: tuple[float, ...]
    origin: tuple[float, float]
    weights: tuple[float, ...]

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Evaluate the field at points ``(x, y)`` (metres)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        total = np.zeros(np.broadcast(x, y).shape)
        for lattice, spacing, weight in zip(
            self.lattices, self.spacings, self.weights, strict=True
        ):
            u = np.clip((x - self.origin[0]) / spacing, 0.0, lattice.shape[1] - 1.000001)
            v = np.clip((y - self.origin[1]) / spacing, 0.0, lattice.shape[0] - 1.000001)
            i = np.floor(u).astype(np.int64)
            j = np.floor(v).astype(np.int64)
            fu = u - i
            fv = v - j
            fu = fu * fu * (3.0 - 2.0 * fu)
            fv = fv * fv * (3.0 - 2.0 * fv)
            top = lattice[j, i] * (1 - fu) + lattice[j, i + 1] * fu
            bottom = lattice[j + 1, i] * (1 - fu) + lattice[j + 1, i + 1] * fu
            total += weight * (top * (1 - fv) + bottom * fv)
        return total


def make_noise(
    rng: np.random.Generator,
    bounds: tuple[float, float, float, float],
    *,
    wavelength: float,
    octaves: int = 3,
) -> NoiseField:
    """A noise field covering ``bounds`` with features of about ``wavelength`` metres.

    Each further octave halves the wavelength and the weight.
    """
    xmin, ymin, xmax, ymax = bounds
    lattices = []
    spacings = []
    weights = []
    for octave in range(octaves):
        spacing = wavelength / 2**octave
        nx = int(math.ceil((xmax - xmin) / spacing)) + 3
        ny = int(math.ceil((ymax - ymin) / spacing)) + 3
        lattices.append(rng.uniform(-1.0, 1.0, size=(ny, nx)))
        spacings.append(spacing)
        weights.append(0.5**octave)
    norm = sum(weights)
    return NoiseField(
        lattices=tuple(lattices),
        spacings=tuple(spacings),
        origin=(xmin - wavelength, ymin - wavelength),
        weights=tuple(w / norm * 1.6 for w in weights),
    )


def make_boundary(
    rng: np.random.Generator, centre: tuple[float, float], *, area_m2: float
) -> Polygon:
    """An irregular, star-shaped county outline of the given planar area (m²).

    The radius is the exponential of a random Fourier series in the polar angle whose
    amplitudes fall off as 1/k^1.4: broad lobes and a finely jagged edge.
    """
    scale_factor = math.sqrt(area_m2 / (AREA_KM2 * 1e6))
    n = int(min(8192, 1400 * max(1.0, scale_factor)))
    theta = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    ks = np.arange(2, n // 4)
    amps = rng.normal(0.0, 1.0, size=ks.size) * 0.3 / ks**1.4
    phases = rng.uniform(0, 2 * math.pi, size=ks.size)
    log_r = np.cos(np.outer(theta, ks) + phases) @ amps
    r = np.exp(log_r)
    planar = 0.5 * float(np.sum(r * r)) * (2.0 * math.pi / n)
    r *= math.sqrt(area_m2 / planar)
    x = centre[0] + r * np.cos(theta)
    y = centre[1] + r * np.sin(theta)
    polygon = Polygon(np.column_stack([x, y]))
    return shapely.make_valid(polygon) if not polygon.is_valid else polygon


@dataclass(frozen=True)
class River:
    """One river: centre line (metres), water width (m) and whether it is the main stream."""

    line: LineString
    width_m: float
    main: bool
    name: str = ""


def make_rivers(
    rng: np.random.Generator,
    boundary: Polygon,
    centre: tuple[float, float],
    *,
    scale: float,
) -> tuple[list[River], tuple[float, float]]:
    """Main rivers crossing the county and their tributaries, and the county seat beside one.

    Returns
    -------
    rivers, seat
        The rivers (clipped to the outline) and the county seat position: about 1.2 km
        off the first main river, close to the centre.
    """
    radius = math.sqrt(boundary.area / math.pi)
    n_main = max(1, round(0.8 * math.sqrt(scale)))
    rivers: list[River] = []
    names: set[str] = set()
    seat = centre
    for index in range(n_main):
        angle_in = rng.uniform(0, 2 * math.pi)
        angle_out = angle_in + math.pi + rng.uniform(-0.5, 0.5)
        if index == 0:
            through = (
                centre[0] + rng.uniform(-0.1, 0.1) * radius,
                centre[1] + rng.uniform(-0.1, 0.1) * radius,
            )
        else:
            through = (
                centre[0] + rng.uniform(-0.6, 0.6) * radius,
                centre[1] + rng.uniform(-0.6, 0.6) * radius,
            )
        start = (
            centre[0] + 1.5 * radius * math.cos(angle_in),
            centre[1] + 1.5 * radius * math.sin(angle_in),
        )
        end = (
            centre[0] + 1.5 * radius * math.cos(angle_out),
            centre[1] + 1.5 * radius * math.sin(angle_out),
        )
        first = meander(rng, start, through, step=80.0, bend=0.07, wiggle=0.01, finest=1500.0)
        second = meander(rng, through, end, step=80.0, bend=0.07, wiggle=0.01, finest=1500.0)
        coords = np.vstack([first, second[1:]])
        line = _longest_part(shapely.intersection(LineString(coords), boundary))
        if line is None:
            continue
        width = float(rng.uniform(35.0, 60.0))
        rivers.append(
            River(line=line, width_m=width, main=True, name=draw_river_name(rng, used=names))
        )
        if index == 0:
            # the seat sits beside the river where it passes the centre
            at = line.project(shapely.Point(through))
            p = np.asarray(line.interpolate(at).coords[0])
            q = np.asarray(line.interpolate(min(line.length, at + 50.0)).coords[0])
            direction = (q - p) / max(1e-9, float(np.hypot(*(q - p))))
            normal = np.array([-direction[1], direction[0]])
            side = 1.0 if rng.random() < 0.5 else -1.0
            seat_xy = p + side * 1300.0 * normal
            seat = (float(seat_xy[0]), float(seat_xy[1]))
        # tributaries: from inside the county to a point on the main river
        n_trib = 1 + int(rng.random() < 0.3 * scale)
        for _ in range(n_trib):
            join_at = rng.uniform(0.25, 0.75) * line.length
            join = np.asarray(line.interpolate(join_at).coords[0])
            length = rng.uniform(0.45, 0.8) * radius / max(1.0, math.sqrt(n_main))
            angle = rng.uniform(0, 2 * math.pi)
            source = (join[0] + length * math.cos(angle), join[1] + length * math.sin(angle))
            coords = meander(
                rng,
                source,
                (float(join[0]), float(join[1])),
                step=80.0,
                bend=0.08,
                wiggle=0.012,
                finest=1200.0,
            )
            trib = _longest_part(shapely.intersection(LineString(coords), boundary))
            if trib is not None and trib.length > 5000.0:
                rivers.append(
                    River(
                        line=trib,
                        width_m=float(rng.uniform(15.0, 28.0)),
                        main=False,
                        name=draw_river_name(rng, used=names),
                    )
                )
    return rivers, seat


def make_lakes(
    rng: np.random.Generator,
    boundary: Polygon,
    avoid: list[tuple[float, float]],
    *,
    scale: float,
) -> list[Polygon]:
    """A few small lakes (淖尔) of 1-4 km², away from the seats in ``avoid``."""
    n = max(1, round(scale))
    radius = math.sqrt(boundary.area / math.pi)
    xmin, ymin, xmax, ymax = boundary.bounds
    lakes: list[Polygon] = []
    inner = boundary.buffer(-3000.0)
    tries = 0
    while len(lakes) < n and tries < 100 * n:
        tries += 1
        x = rng.uniform(xmin, xmax)
        y = rng.uniform(ymin, ymax)
        if not inner.contains(shapely.Point(x, y)):
            continue
        if any(math.hypot(x - ax, y - ay) < 0.35 * radius for ax, ay in avoid):
            continue
        area = rng.uniform(1.0e6, 4.0e6)
        lakes.append(blob(rng, (x, y), math.sqrt(area / math.pi), roughness=0.25, vertices=48))
        avoid = [*avoid, (x, y)]
    return lakes


def blob(
    rng: np.random.Generator,
    centre: tuple[float, float],
    radius: float,
    *,
    roughness: float = 0.2,
    vertices: int = 24,
) -> Polygon:
    """An irregular roundish polygon of about ``radius`` metres around ``centre``."""
    theta = np.linspace(0.0, 2.0 * math.pi, vertices, endpoint=False)
    log_r = np.zeros(vertices)
    for k in range(1, 5):
        log_r += rng.normal(0.0, roughness / k) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    r = radius * np.exp(log_r)
    return Polygon(np.column_stack([centre[0] + r * np.cos(theta), centre[1] + r * np.sin(theta)]))


def _longest_part(geometry: shapely.Geometry) -> LineString | None:
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, LineString) and not g.is_empty]
    if not parts:
        return None
    return max(parts, key=lambda g: g.length)


@dataclass(frozen=True)
class Land:
    """The physical setting every other part of the sample is placed on (metres, EPSG:4546).

    Attributes
    ----------
    scale
        Area multiplier (1 = about 4,000 km²).
    boundary
        County outline.
    centre
        Centre the outline was drawn around.
    radius
        Radius of the disc of the same area (m).
    rivers, lakes
        Water: river centre lines with widths, lake polygons.
    seat
        Position of the county seat (beside the first main river).
    farming, forest, sand, relief
        Noise fields: farming suitability, tree cover, sand and hilliness.
    warp_x, warp_y
        Noise fields used to bend township borders.
    """

    scale: float
    boundary: Polygon
    centre: tuple[float, float]
    radius: float
    rivers: tuple[River, ...]
    lakes: tuple[Polygon, ...]
    seat: tuple[float, float]
    farming: NoiseField
    forest: NoiseField
    sand: NoiseField
    relief: NoiseField
    warp_x: NoiseField
    warp_y: NoiseField
    _river_tree: shapely.STRtree
    _river_pieces: np.ndarray

    def river_distance(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance (m) from points to the nearest river centre line."""
        points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        if len(self._river_pieces) == 0:
            return np.full(len(points), np.inf)
        (src, _dst), dist = self._river_tree.query_nearest(
            points, return_distance=True, all_matches=False
        )
        out = np.full(len(points), np.inf)
        out[src] = dist
        return out

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points lie inside the county outline."""
        return np.asarray(shapely.contains_xy(self.boundary, x, y), dtype=bool)


def make_land(rng: np.random.Generator, *, scale: float) -> Land:
    """Draw the outline, rivers, lakes and noise fields of a county of ``scale`` x 4,000 km²."""
    centre = centre_metric()
    area = AREA_KM2 * 1e6 * scale
    boundary = make_boundary(rng, centre, area_m2=area)
    shapely.prepare(boundary)
    rivers, seat = make_rivers(rng, boundary, centre, scale=scale)
    lakes = make_lakes(rng, boundary, [seat], scale=scale)
    xmin, ymin, xmax, ymax = (float(v) for v in boundary.bounds)
    bounds = (xmin, ymin, xmax, ymax)
    river_pieces, _ = chop_lines(np.asarray([r.line for r in rivers], dtype=object), 1000.0)
    return Land(
        scale=scale,
        boundary=boundary,
        centre=centre,
        radius=math.sqrt(area / math.pi),
        rivers=tuple(rivers),
        lakes=tuple(lakes),
        seat=seat,
        farming=make_noise(rng, bounds, wavelength=24000.0, octaves=3),
        forest=make_noise(rng, bounds, wavelength=9000.0, octaves=3),
        sand=make_noise(rng, bounds, wavelength=16000.0, octaves=3),
        relief=make_noise(rng, bounds, wavelength=12000.0, octaves=2),
        warp_x=make_noise(rng, bounds, wavelength=22000.0, octaves=2),
        warp_y=make_noise(rng, bounds, wavelength=22000.0, octaves=2),
        _river_tree=shapely.STRtree(river_pieces),
        _river_pieces=river_pieces,
    )
