"""Linework for the sample county: meandering polylines, noding and splitting.

Roads and rivers are drawn as the graph of a random smooth function over the chord between
two points (a sum of sine modes that vanish at both ends), so they curve like real roads,
never cross themselves and end exactly where they are asked to. Noding (``node_lines``)
snap-rounds all roads together so that every junction is a shared vertex and every road is
split there.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely import LineString

_KEY_UNIT = 1000.0  # millimetres: vertex keys for exact matching


def meander(
    rng: np.random.Generator,
    start: tuple[float, float] | np.ndarray,
    end: tuple[float, float] | np.ndarray,
    *,
    step: float = 100.0,
    bend: float = 0.05,
    wiggle: float = 0.006,
    finest: float = 1200.0,
) -> np.ndarray:
    """Vertices of a curved path from ``start`` to ``end`` (both kept exactly).

    Parameters
    ----------
    rng
        The random generator.
    start, end
        End points (metres).
    step
        Vertex spacing along the chord (metres).
    bend
        Standard deviation of the broad bends, as a fraction of the chord length.
    wiggle
        Standard deviation of the small meanders, as a fraction of the chord length.
    finest
        Shortest meander wavelength (m).

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` vertex array, ``n >= 2``.
    """
    a = np.asarray(start, dtype=float)
    b = np.asarray(end, dtype=float)
    chord = b - a
    length = float(math.hypot(chord[0], chord[1]))
    n = max(2, int(math.ceil(length / step)))
    t = np.linspace(0.0, 1.0, n + 1)
    if length == 0.0:
        return np.vstack([a, b])
    k_broad = np.arange(1, 7)
    amp_broad = rng.normal(0.0, 1.0, size=k_broad.size) * bend * length / k_broad**1.3
    k_fine_top = max(8, int(2.0 * length / max(finest, 2.0 * step)))
    k_fine = np.arange(7, k_fine_top + 1)
    amp_fine = rng.normal(0.0, 1.0, size=k_fine.size) * wiggle * length / k_fine**0.8
    ks = np.concatenate([k_broad, k_fine])
    amps = np.concatenate([amp_broad, amp_fine])
    offset = np.sin(np.pi * np.outer(t, ks)) @ amps
    direction = chord / length
    normal = np.array([-direction[1], direction[0]])
    coords = a + np.outer(t, chord) + np.outer(offset, normal)
    coords[0] = a
    coords[-1] = b
    return coords


def nearest_on(line: LineString, x: float, y: float) -> tuple[float, float]:
    """The point of ``line`` nearest to ``(x, y)``."""
    point = line.interpolate(line.project(shapely.Point(x, y)))
    return float(point.x), float(point.y)


def vertex_keys(coords: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    """Integer keys of vertices rounded to the millimetre (for exact matching)."""
    xi = np.rint((coords[:, 0] - origin[0]) * _KEY_UNIT).astype(np.int64)
    yi = np.rint((coords[:, 1] - origin[1]) * _KEY_UNIT).astype(np.int64)
    return xi * (1 << 31) + yi


def split_at_vertices(
    lines: np.ndarray, split_keys: np.ndarray, origin: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Split lines at interior vertices whose key is in ``split_keys``.

    Parameters
    ----------
    lines
        Array of LineStrings.
    split_keys
        Vertex keys (see :func:`vertex_keys`) where lines must be split.
    origin
        Origin used for the keys.

    Returns
    -------
    pieces, parent
        The resulting LineStrings and, for each, the index of the line it came from.
    """
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if len(coords) == 0:
        return np.asarray([], dtype=object), np.asarray([], dtype=np.int64)
    return split_marked(coords, index, np.isin(vertex_keys(coords, origin), split_keys))


def chop_lines(lines: np.ndarray, max_length: float) -> tuple[np.ndarray, np.ndarray]:
    """Split lines at vertices into pieces of about ``max_length`` metres or less.

    Returns
    -------
    pieces, parent
        The pieces and the index of the line each came from.
    """
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if len(coords) == 0:
        return np.asarray([], dtype=object), np.asarray([], dtype=np.int64)
    step = np.zeros(len(coords))
    same = index[1:] == index[:-1]
    step[1:] = np.where(same, np.hypot(*np.diff(coords, axis=0).T), 0.0)
    cumulative = np.cumsum(step)
    starts = np.r_[0, np.flatnonzero(~same) + 1]
    along = cumulative - np.repeat(cumulative[starts], np.diff(np.r_[starts, len(coords)]))
    total = np.repeat(
        along[np.r_[starts[1:] - 1, len(coords) - 1]], np.diff(np.r_[starts, len(coords)])
    )
    count = np.maximum(1, np.round(total / max_length))
    bucket = np.floor(along / np.maximum(total, 1e-9) * count)
    mark = np.zeros(len(coords), dtype=bool)
    mark[1:] = same & (bucket[1:] != bucket[:-1])
    return split_marked(coords, index, mark)


def split_marked(
    coords: np.ndarray, index: np.ndarray, mark: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split lines given as ``(coords, index)`` at interior vertices where ``mark`` is set."""
    first = np.ones(len(index), dtype=bool)
    first[1:] = index[1:] != index[:-1]
    last = np.ones(len(index), dtype=bool)
    last[:-1] = index[1:] != index[:-1]
    mark = np.asarray(mark, dtype=bool) & ~first & ~last
    repeat = 1 + mark.astype(np.int64)
    new_coords = np.repeat(coords, repeat, axis=0)
    new_index = np.repeat(index, repeat)
    # a new piece starts at each line start and at the second copy of each split vertex
    start = np.repeat(first, repeat)
    second_copy = np.zeros(len(new_coords), dtype=bool)
    positions = np.cumsum(repeat) - 1  # last copy of each original vertex
    second_copy[positions[mark]] = True
    piece = np.cumsum(start | second_copy) - 1
    pieces = shapely.linestrings(new_coords, indices=piece)
    parent = new_index[np.r_[0, np.flatnonzero(np.diff(piece)) + 1]]
    return np.asarray(pieces, dtype=object), parent


def node_lines(
    lines: list[LineString] | np.ndarray, *, grid: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """Node a set of lines: every crossing and every end touching a line becomes a vertex.

    All lines are snap-rounded together on a ``grid`` metres precision grid (GEOS OverlayNG),
    so a line ending on another one splits it there and both share the exact vertex.

    Returns
    -------
    pieces, parent
        The noded pieces (each between two junctions or ends) and, for each piece, the
        index of the input line it lies on.
    """
    array = np.asarray(lines, dtype=object)
    merged = shapely.union_all(array, grid_size=grid)
    parts = shapely.get_parts(merged)
    parts = parts[shapely.get_type_id(parts) == 1]
    parts = parts[shapely.length(parts) > 0]
    # union keeps the pieces of one input apart only at junctions: split at input ends too
    ends = np.vstack(
        [
            shapely.get_coordinates(shapely.get_point(array, 0)),
            shapely.get_coordinates(shapely.get_point(array, -1)),
        ]
    )
    ends = np.round(ends / grid) * grid
    xmin, ymin = np.min(shapely.get_coordinates(parts), axis=0)
    origin = (float(xmin) - 1.0, float(ymin) - 1.0)
    parts, _ = split_at_vertices(parts, np.unique(vertex_keys(ends, origin)), origin)
    tree = shapely.STRtree(array)
    middles = shapely.line_interpolate_point(parts, 0.5, normalized=True)
    found = tree.query_nearest(middles, all_matches=False)
    parent = np.full(len(parts), -1, dtype=np.int64)
    parent[found[0]] = found[1]
    return parts, parent
