"""Project geometry kept to a size the overlay can handle: simplified within a tolerance.

A project alignment drawn with a million vertices (a GPS trace, a CAD export densified to
the millimetre, a line digitised with a shaky hand) carries no more information than the
same road drawn with a few hundred: 三调 parcel boundaries are digitised on imagery of about
1 m resolution, so where a project runs to the decimetre does not change the land it takes.
Buffered as it is, though, such a line turns into a polygon whose raw offset curves cross
themselves millions of times (GEOS nodes every crossing): minutes of work and many
gigabytes of memory before ``std::bad_alloc``.

:func:`simplify_projects` therefore simplifies a project geometry whose vertex count exceeds
:attr:`~roadnet.siting.SitingParams.simplify_above_vertices`, or whose vertices crowd
together (more than :attr:`~roadnet.siting.SitingParams.max_crowding` in one square as wide
as the footprint), with Douglas–Peucker at
:attr:`~roadnet.siting.SitingParams.simplify_tolerance_m` (0.5 m): every dropped vertex lies
within that distance of the simplified line. It records the vertex counts before and after
and the largest distance of a dropped vertex from the simplified line. A geometry that is
still too large or too crowded after that (a trace zig-zagging by metres, not by
centimetres) is refused with a :class:`~roadnet.errors.LayerError` saying where and how to
fix it: it is not an alignment, and no tolerance that keeps it one would tame it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import shapely

from roadnet.errors import LayerError
from roadnet.siting.params import SitingParams

#: The side of a crowding square is the footprint width, but never less than this (m).
MIN_CELL_M = 10.0


@dataclass(frozen=True)
class Simplification:
    """What :func:`simplify_projects` did, one entry per project geometry.

    Attributes
    ----------
    geometry
        The geometries to buffer or take as they are (simplified where ``simplified``).
    vertices_before, vertices_after
        Vertex counts of the drawn and of the simplified geometry.
    deviation_m
        Largest distance (m) of a dropped vertex from the simplified geometry; 0 where
        nothing was simplified. At most the tolerance (Douglas–Peucker's guarantee).
    simplified
        Whether the geometry was simplified.
    """

    geometry: np.ndarray
    vertices_before: np.ndarray
    vertices_after: np.ndarray
    deviation_m: np.ndarray
    simplified: np.ndarray


def simplify_projects(
    geoms: np.ndarray,
    *,
    is_line: np.ndarray,
    widths: np.ndarray,
    ids: list[str | None],
    crs: Any,
    params: SitingParams,
) -> Simplification:
    """Simplify the project geometries that are too large or too crowded; refuse the rest.

    Parameters
    ----------
    geoms
        Project geometries (lines already merged) in a metric CRS (metres).
    is_line
        Which geometries are alignments (buffered afterwards); the others are polygons.
    widths
        Footprint width (m) of each alignment (ignored for polygons).
    ids
        Project ids, for messages.
    crs
        The metric CRS, to name places in longitude/latitude.
    params
        ``simplify_tolerance_m``, ``simplify_above_vertices``, ``max_vertices`` and
        ``max_crowding``.

    Returns
    -------
    Simplification

    Raises
    ------
    LayerError
        A project still has more than ``max_vertices`` vertices, or an alignment more than
        ``max_crowding`` vertices in one square as wide as its footprint, after
        simplification. The message names the project, the counts and the place.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    out = geoms.copy()
    before = shapely.get_num_coordinates(geoms).astype(np.int64)
    after = before.copy()
    deviation = np.zeros(n)
    simplified = np.zeros(n, dtype=bool)
    tolerance = params.simplify_tolerance_m
    for i in range(n):
        side = _cell_side(widths[i]) if is_line[i] else 0.0
        crowded = is_line[i] and _crowding(geoms[i], side)[0] > params.max_crowding
        if before[i] <= params.simplify_above_vertices and not crowded:
            continue
        thin = shapely.simplify(geoms[i], tolerance, preserve_topology=not is_line[i])
        out[i] = thin
        after[i] = shapely.get_num_coordinates(thin)
        deviation[i] = _deviation(geoms[i], thin, tolerance=tolerance)
        simplified[i] = True
        what = "alignment" if is_line[i] else "polygon"
        _refuse_if_too_large(
            thin, ids[i], before=int(before[i]), side=side, crs=crs, params=params, what=what
        )
    return Simplification(out, before, after, deviation, simplified)


def _cell_side(width: float) -> float:
    return max(float(width), MIN_CELL_M) if np.isfinite(width) else MIN_CELL_M


def _crowding(geom: Any, side: float) -> tuple[int, np.ndarray]:
    """Most vertices in one square cell of ``side`` metres, and that cell's centre."""
    coords = shapely.get_coordinates(geom)
    if not len(coords) or side <= 0:
        return 0, np.zeros(2)
    cells = np.floor(coords / side).astype(np.int64)
    low = cells.min(axis=0)
    span = int(cells[:, 1].max() - low[1]) + 1
    keys = (cells[:, 0] - low[0]) * span + (cells[:, 1] - low[1])
    unique, counts = np.unique(keys, return_counts=True)
    best = int(np.argmax(counts))
    cell = np.array(divmod(int(unique[best]), span), dtype=float) + low
    return int(counts[best]), (cell + 0.5) * side


def _refuse_if_too_large(
    geom: Any,
    project: str | None,
    *,
    before: int,
    side: float,
    crs: Any,
    params: SitingParams,
    what: str,
) -> None:
    after = int(shapely.get_num_coordinates(geom))
    crowd, centre = _crowding(geom, side) if side > 0 else (0, np.zeros(2))
    if after <= params.max_vertices and crowd <= params.max_crowding:
        return
    tolerance = params.simplify_tolerance_m
    if crowd > params.max_crowding:
        lon, lat = _lonlat(centre, crs)
        where = (
            f"up to {crowd:,} of them within one {side:,.0f} m square near lon {lon:.5f}, "
            f"lat {lat:.5f} (the limit is {params.max_crowding})"
        )
    else:
        where = f"the limit is {params.max_vertices:,}"
    raise LayerError(
        f"the {what} has {before:,} vertices and still {after:,} after simplifying within "
        f"{tolerance:g} m: {where}. A geometry that zig-zags like this (a GPS trace or noisy "
        "digitising?) cannot be turned into a footprint without exhausting memory; smooth "
        "it (QGIS: Vector > Geometry Tools > Simplify with a tolerance of 1-2 m) or redraw "
        f"the {what}",
        layer="projects",
        feature=project,
        field="geometry",
    )


def _lonlat(xy: np.ndarray, crs: Any) -> tuple[float, float]:
    try:
        transformer = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
        lon, lat = transformer.transform(float(xy[0]), float(xy[1]))
    except (pyproj.exceptions.ProjError, TypeError, ValueError):  # pragma: no cover
        return float("nan"), float("nan")
    return float(lon), float(lat)


def _deviation(original: Any, simplified: Any, *, tolerance: float) -> float:
    """Largest distance (m) of an original vertex from the simplified geometry.

    Douglas–Peucker keeps a subset of the vertices in order, so each dropped vertex is
    measured against the simplified segment that replaced it (linear time). Where the kept
    vertices cannot be matched one to one (repeated coordinates), the guarantee is
    returned: the tolerance.
    """
    old = _linear_parts(original)
    new = _linear_parts(simplified)
    if len(old) != len(new):
        return tolerance
    worst = 0.0
    for a, b in zip(old, new, strict=True):
        kept = _kept_positions(a, b)
        if kept is None:
            return tolerance
        worst = max(worst, _max_distance_to_segments(a, kept))
    return worst


def _linear_parts(geom: Any) -> list[np.ndarray]:
    """Coordinates of each line or ring of a (multi)line or (multi)polygon."""
    parts = shapely.get_parts(geom)
    out: list[np.ndarray] = []
    for part in parts:
        if shapely.get_type_id(part) in (3,):  # polygon: exterior and holes
            rings = shapely.get_rings(part)
            out.extend(shapely.get_coordinates(ring) for ring in rings)
        else:
            out.append(shapely.get_coordinates(part))
    return out


def _kept_positions(original: np.ndarray, kept: np.ndarray) -> np.ndarray | None:
    """Positions in ``original`` of the vertices of ``kept`` (an ordered subset), or None."""
    if len(kept) < 2 or len(original) < len(kept):
        return None
    okey = original[:, 0] + 1j * original[:, 1]
    kkey = kept[:, 0] + 1j * kept[:, 1]
    candidates = np.flatnonzero(np.isin(okey, kkey))
    if len(candidates) == len(kept) and np.array_equal(okey[candidates], kkey):
        return candidates
    # repeated coordinates: walk the candidates in order (a subsequence match)
    positions = []
    j = 0
    for position in candidates:
        if j < len(kkey) and okey[position] == kkey[j]:
            positions.append(position)
            j += 1
    if j != len(kkey) or positions[0] != 0 or positions[-1] != len(original) - 1:
        return None
    return np.asarray(positions, dtype=np.int64)


def _max_distance_to_segments(coords: np.ndarray, kept: np.ndarray) -> float:
    """Largest distance of each vertex from the kept segment spanning it (vectorised)."""
    segment = np.clip(np.searchsorted(kept, np.arange(len(coords)), side="right") - 1, 0, None)
    segment = np.minimum(segment, len(kept) - 2)
    a = coords[kept[segment]]
    b = coords[kept[segment + 1]]
    ab = b - a
    length2 = np.einsum("ij,ij->i", ab, ab)
    t = np.divide(
        np.einsum("ij,ij->i", coords - a, ab),
        length2,
        out=np.zeros(len(coords)),
        where=length2 > 0,
    )
    nearest = a + np.clip(t, 0.0, 1.0)[:, None] * ab
    return float(np.sqrt(np.max(np.einsum("ij,ij->i", coords - nearest, coords - nearest))))
