"""Road changes of a scenario: ``add_road`` and ``pave_roads``.

A new road's ends join the network where they come within ``snap_m`` of a road
(:func:`roadnet.network.connect_line`); a project paved along its alignment paves the roads
it follows, and becomes a new road where it follows none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.manifest import toml_kind
from roadnet.network import connect_line
from roadnet.scenario.file import Change, _excerpt, _suggest
from roadnet.scenario.places import _check_road_place
from roadnet.scenario.state import _fail, _new_id, _State
from roadnet.schema import ROAD_CLASSES, SURFACES


def _geometry(state: _State, change: Change, value: Any) -> shapely.LineString:
    if isinstance(value, list):
        try:
            coords = np.array(value, dtype=float)
        except ValueError as exc:
            raise _fail(state, change, "geometry must be a list of [lon, lat] pairs") from exc
        if coords.ndim != 2 or coords.shape[1] != 2 or len(coords) < 2:
            raise _fail(state, change, "geometry must be a list of at least two [lon, lat] pairs")
        degrees = np.isfinite(coords).all(axis=1)
        degrees &= (np.abs(coords[:, 0]) <= 180) & (np.abs(coords[:, 1]) <= 90)
        if not degrees.all():
            first = value[int(np.flatnonzero(~degrees)[0])]
            raise _fail(
                state,
                change,
                f"geometry point {_excerpt(first)} is not a [lon, lat] pair in degrees",
            )
        x, y = state.to_metric().transform(coords[:, 0], coords[:, 1])
        return shapely.LineString(np.column_stack([x, y]))
    text = str(value)
    candidate = (state.path.parent if state.path else Path.cwd()) / text
    if candidate.suffix and candidate.exists():
        import pyogrio

        try:
            frame = pyogrio.read_dataframe(candidate)
        except Exception as exc:
            raise _fail(state, change, f"cannot read {candidate}: {exc}") from exc
        if frame.crs is None:
            raise _fail(state, change, f"{candidate} has no CRS")
        geom = shapely.line_merge(shapely.union_all(frame.to_crs(state.county.crs).geometry))
    else:
        try:
            geom = shapely.from_wkt(text)
        except shapely.errors.GEOSException as exc:
            raise _fail(
                state, change, "geometry is neither a file, WKT, nor a list of [lon, lat]"
            ) from exc
        lon_lat = shapely.get_coordinates(geom)
        if np.abs(lon_lat).max() <= 180:
            transformer = state.to_metric()
            geom = shapely.transform(
                geom, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
            )
    if shapely.get_type_id(geom) != 1:
        raise _fail(state, change, f"geometry must be one line, not a {geom.geom_type}")
    return geom


def _add_road(state: _State, change: Change) -> None:
    d = change.data
    if state.roads is None:
        raise _fail(state, change, "the county has no roads layer to add to")
    line = _geometry(state, change, d["geometry"])
    road_class = ROAD_CLASSES.get(str(d.get("class", "village")).lower())
    surface = SURFACES.get(str(d.get("surface", "paved")).lower())
    if road_class is None or surface is None:
        raise _fail(state, change, "class or surface is not a known value")
    _check_road_place(state, change, line)
    road_id = str(d.get("id") or _new_id(set(state.roads["id"].astype(str)), "NEW-"))
    roads, line = connect_line(state.roads, line, tolerance=float(d.get("snap_m", 100.0)))
    row = gpd.GeoDataFrame(
        {
            "id": [road_id],
            "name": [d.get("name", road_id)],
            "route_code": [d.get("route_code")],
            "class": [road_class],
            "surface": [surface],
        },
        geometry=[line],
        crs=roads.crs,
    )
    state.roads = pd.concat([roads, row], ignore_index=True)
    state.roads_changed()
    state.new_roads.append(road_id)


def _pave_roads(state: _State, change: Change) -> None:
    d = change.data
    if state.roads is None:
        raise _fail(state, change, "the county has no roads layer")
    surface = SURFACES.get(str(d.get("surface", "paved")).lower())
    if surface is None:
        raise _fail(state, change, f"surface '{d.get('surface')}' is not paved, gravel or earth")
    for key in ("roads", "projects"):
        if key in d and not isinstance(d[key], list):
            raise _fail(
                state, change, f'{key} must be a list ({key} = ["..."]), not {toml_kind(d[key])}'
            )
    roads = state.roads.copy()
    ids = roads["id"].astype(str).to_numpy()
    for ref in d.get("roads", []):
        hits = np.flatnonzero(ids == str(ref))
        if not len(hits):
            raise _fail(state, change, f"no road '{ref}'{_suggest(ref, ids)}")
        roads.loc[roads.index[hits], "surface"] = surface
    state.roads = roads
    if "projects" in d:
        projects = state.county.layer("projects", purpose="pave_roads with projects")
        pids = projects["id"].astype(str).to_numpy()
        for ref in d["projects"]:
            hits = np.flatnonzero(pids == str(ref))
            if not len(hits):
                raise _fail(state, change, f"no project '{ref}'{_suggest(ref, pids)}")
            _pave_along(state, projects.geometry.iloc[int(hits[0])], str(ref), surface)


def _pave_along(state: _State, alignment: Any, project: str, surface: str) -> None:
    """Pave the roads a project follows; an alignment on no road becomes a new road."""
    if state.roads is None:
        return
    roads = state.roads.copy()
    if shapely.get_type_id(alignment) in (3, 6):  # a polygon project: its centre line is unknown
        hits = shapely.STRtree(roads.geometry.to_numpy()).query(alignment, predicate="intersects")
        roads.loc[roads.index[hits], "surface"] = surface
        state.roads = roads
        return
    # a project drawn with a million vertices: simplify before buffering (as siting does)
    if shapely.get_num_coordinates(alignment) > _MAX_ALIGNMENT_VERTICES:
        alignment = shapely.simplify(alignment, 0.5, preserve_topology=False)
    corridor = shapely.buffer(alignment, 15.0)
    geoms = roads.geometry.to_numpy()
    hits = shapely.STRtree(geoms).query(corridor, predicate="intersects")
    covered = 0.0
    for j in hits:
        inside = shapely.length(shapely.intersection(geoms[j], corridor))
        if inside >= 0.5 * shapely.length(geoms[j]) or inside >= 200.0:
            roads.loc[roads.index[j], "surface"] = surface
            covered += inside
    state.roads = roads
    if covered < 0.5 * shapely.length(alignment):
        for part in shapely.get_parts(alignment):
            roads, line = connect_line(state.roads, part, tolerance=100.0)
            row = gpd.GeoDataFrame(
                {"id": [project], "name": [project], "class": ["village"], "surface": [surface]},
                geometry=[line],
                crs=roads.crs,
            )
            state.roads = pd.concat([roads, row], ignore_index=True)
        state.roads_changed()
        state.new_roads.append(project)


#: A project alignment with more vertices than this is simplified (0.5 m) before buffering.
_MAX_ALIGNMENT_VERTICES = 2_000
