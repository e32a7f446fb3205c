"""Project footprints: the land a project takes, one polygon per project alignment.

A line project takes its alignment buffered by half its width on each side, with flat ends
(the land take stops where the road stops) and round (or mitre) joins; a polygon project
takes the polygon as it is. Parts of one project (a multi-part line, several features of
one id and alternative) are unioned, so land crossed twice is counted once.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.errors import LayerError
from roadnet.formatting import is_na
from roadnet.siting.params import SitingParams
from roadnet.siting.simplify import simplify_projects

_LINE_TYPES = (1, 5)  # LineString, MultiLineString
_POLYGON_TYPES = (3, 6)  # Polygon, MultiPolygon
_PASSTHROUGH = ("year", "status", "investment_wan")


def project_footprints(
    projects: gpd.GeoDataFrame, *, params: SitingParams | None = None
) -> gpd.GeoDataFrame:
    """Footprints of the projects layer, one row per project alignment.

    Parameters
    ----------
    projects
        The ``projects`` layer with canonical fields (``id``, ``name``, ``kind``, optional
        ``width_m`` in metres and ``alternative``) in a metric CRS. Not modified.
    params
        Default widths by kind and the join style.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (``id``, ``alternative``), in input order: ``id``, ``name``, ``kind``,
        ``alternative`` (None when absent), ``width_m`` (metres; None for polygon
        projects), ``length_m`` (alignment length, metres; 0 for polygons),
        ``footprint_m2`` (planar area, m²), the optional ``year``, ``status`` and
        ``investment_wan``, and the footprint polygon as geometry; same CRS.

    Raises
    ------
    LayerError
        A project without geometry, of a geometry type that is not a line or polygon, an
        invalid polygon, a line without length, or a line project with no usable width
        (``width_m`` missing and a kind without default width, or a width <= 0). All
        offending features are listed; the first is named as ``feature``.
    """
    params = params or SitingParams()
    if len(projects) == 0:
        raise LayerError("the projects layer has no features", layer="projects")
    if "id" not in projects.columns:
        raise LayerError("projects need an 'id' field (项目编号)", layer="projects", field="id")
    crs = projects.crs
    if crs is None or not crs.is_projected:
        raise LayerError(
            "projects must be in a projected metric CRS (load them with load_county)",
            layer="projects",
        )
    ids = [_text(v) for v in projects["id"].to_numpy()]
    geoms = np.asarray(projects.geometry.to_numpy(), dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    _fail_if(missing, ids, "project(s) without geometry; draw them or delete them", "geometry")
    types = shapely.get_type_id(geoms)
    is_line = np.isin(types, _LINE_TYPES)
    is_polygon = np.isin(types, _POLYGON_TYPES)
    _fail_if(
        ~missing & ~is_line & ~is_polygon,
        ids,
        "project(s) are neither lines nor polygons (a project is an alignment or a land-take "
        "polygon)",
        "geometry",
    )
    invalid = is_polygon & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        listed = "; ".join(
            f"{i}: {r}" for i, r in zip(np.array(ids)[invalid][:5], reasons[:5], strict=True)
        )
        raise LayerError(
            f"{int(invalid.sum())} invalid project polygon(s) ({listed}); repair them "
            "(e.g. QGIS Fix geometries) or set repair = true in [layers.projects]",
            layer="projects",
            feature=np.array(ids)[invalid][0],
            field="geometry",
        )
    lengths = np.where(is_line, shapely.length(geoms), 0.0)
    _fail_if(is_line & ~(lengths > 0), ids, "line project(s) of zero length", "geometry")

    widths = _widths(projects, is_line=is_line, ids=ids, params=params)
    drawn = geoms.copy()
    if is_line.any():
        drawn[is_line] = shapely.line_merge(geoms[is_line])
    guarded = simplify_projects(
        drawn, is_line=is_line, widths=widths, ids=ids, crs=crs, params=params
    )
    shapes = guarded.geometry.copy()
    # a simplified alignment is measured as simplified: the zig-zag of noise is not road
    lengths = np.where(is_line, shapely.length(shapes), 0.0)
    for position in np.flatnonzero(is_line):
        shapes[position] = _buffer(
            shapes[position], widths[position] / 2.0, join_style=params.join_style
        )
    alternative: list[str | None] = [None] * len(projects)
    if "alternative" in projects.columns:
        alternative = [_text(v) for v in projects["alternative"].to_numpy()]
    frame = _group(projects, ids, alternative, shapes, widths, lengths, is_line, crs)
    positions = [np.asarray(rows, dtype=np.int64) for rows in _order(ids, alternative)]
    frame["vertices_drawn"] = [int(guarded.vertices_before[p].sum()) for p in positions]
    frame["vertices_used"] = [int(guarded.vertices_after[p].sum()) for p in positions]
    frame["simplified"] = [bool(guarded.simplified[p].any()) for p in positions]
    frame["deviation_m"] = [float(guarded.deviation_m[p].max()) for p in positions]
    return frame


#: An alignment with more vertices than this is buffered in pieces of this many segments.
_CHUNK = 1_000


def _buffer(line: Any, distance: float, *, join_style: str) -> Any:
    """Buffer an alignment with flat ends; a long one in overlapping pieces, unioned.

    Pieces share one segment: each vertex is inside some piece, where its join is built,
    and each flat cut between pieces lies inside the neighbouring piece, so the union is the
    buffer of the whole line. Memory then grows with the piece, not with the line.
    """
    parts = shapely.get_parts(line)
    if all(shapely.get_num_coordinates(part) <= _CHUNK + 1 for part in parts):
        return shapely.buffer(line, distance, cap_style="flat", join_style=join_style)
    pieces = []
    for part in parts:
        coords = shapely.get_coordinates(part)
        for start in range(0, max(len(coords) - 1, 1), _CHUNK):
            piece = coords[start : start + _CHUNK + 2]
            if len(piece) >= 2:
                pieces.append(shapely.LineString(piece))
    buffers = shapely.buffer(
        np.asarray(pieces, dtype=object), distance, cap_style="flat", join_style=join_style
    )
    return shapely.union_all(buffers)


def _widths(
    projects: pd.DataFrame, *, is_line: np.ndarray, ids: list[str | None], params: SitingParams
) -> np.ndarray:
    """Width (m) of every line project: ``width_m`` where given, else the kind's default."""
    given = (
        pd.to_numeric(projects["width_m"], errors="coerce").to_numpy(dtype=float)
        if "width_m" in projects.columns
        else np.full(len(projects), np.nan)
    )
    kinds = projects["kind"].to_numpy() if "kind" in projects.columns else [None] * len(projects)
    defaults = np.array([params.width_for(k) or np.nan for k in kinds], dtype=float)
    width = np.where(np.isnan(given), defaults, given)
    unknown = is_line & np.isnan(width)
    if unknown.any():
        shown = sorted({str(k) for k, u in zip(kinds, unknown, strict=True) if u})
        raise LayerError(
            f"{int(unknown.sum())} line project(s) have no width_m and a kind without default "
            f"width ({', '.join(shown)}); give width_m (用地宽度, metres) or a kind among "
            f"{', '.join(params.default_widths)}",
            layer="projects",
            feature=np.array(ids, dtype=object)[unknown][0],
            field="width_m",
        )
    _fail_if(
        is_line & ~(width > 0),
        ids,
        "line project(s) have a width_m of zero or less; give the land-take width in metres",
        "width_m",
    )
    return width


def _group(
    projects: pd.DataFrame,
    ids: list[str | None],
    alternative: list[str | None],
    shapes: np.ndarray,
    widths: np.ndarray,
    lengths: np.ndarray,
    is_line: np.ndarray,
    crs: Any,
) -> gpd.GeoDataFrame:
    """Union the rows of each (id, alternative) into one footprint, in input order."""
    rows: list[dict[str, Any]] = []
    footprints: list[Any] = []
    for positions in _order(ids, alternative):
        project_id, alt = ids[positions[0]], alternative[positions[0]]
        first = positions[0]
        lines = [p for p in positions if is_line[p]]
        shape = (
            shapes[first]
            if len(positions) == 1
            else shapely.union_all(np.asarray(shapes[positions], dtype=object))
        )
        footprints.append(shape)
        row: dict[str, Any] = {
            "id": project_id,
            "name": _text(projects["name"].iat[first]) if "name" in projects else project_id,
            "kind": _text(projects["kind"].iat[first]) if "kind" in projects else None,
            "alternative": alt,
            "width_m": float(max(widths[lines])) if lines else None,
            "length_m": float(lengths[positions].sum()),
        }
        for column in _PASSTHROUGH:
            if column in projects.columns:
                value = projects[column].iat[first]
                row[column] = None if is_na(value) else value
        rows.append(row)
    columns = {key: [row.get(key) for row in rows] for key in rows[0]} if rows else {}
    data = pd.DataFrame(
        {
            key: pd.Series(values, dtype=float if key in ("width_m", "length_m") else object)
            for key, values in columns.items()
        }
    )
    frame = gpd.GeoDataFrame(data, geometry=np.asarray(footprints, dtype=object), crs=crs)
    frame["footprint_m2"] = shapely.area(frame.geometry.to_numpy())
    return frame


def _order(ids: list[str | None], alternative: list[str | None]) -> list[list[int]]:
    """Row positions of each (id, alternative), in order of first appearance."""
    order: dict[tuple[str | None, str | None], list[int]] = {}
    for position, key in enumerate(zip(ids, alternative, strict=True)):
        order.setdefault(key, []).append(position)
    return list(order.values())


def _fail_if(mask: np.ndarray, ids: list[str | None], what: str, field: str) -> None:
    if not mask.any():
        return
    bad = [str(i) for i, m in zip(ids, mask, strict=True) if m]
    raise LayerError(
        f"{len(bad)} {what} (first: {', '.join(bad[:5])})",
        layer="projects",
        feature=bad[0],
        field=field,
    )


def _text(value: Any) -> str | None:
    """A field value as text (None when blank; 12.0 → "12")."""
    if is_na(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
