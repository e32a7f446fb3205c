"""Where a change may put things: stops and villages named by a change, new stops and roads.

A change names a stop by id or name, a village, or a ``[lon, lat]`` pair; a name shared by
places farther apart than :data:`SAME_PLACE_M` is refused. A new stop or road must lie in
the county (within :data:`EXTENT_MARGIN_M` of its extent) and near a road.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from roadnet.bus import CoverageParams
from roadnet.county import County
from roadnet.formatting import format_km
from roadnet.manifest import toml_kind
from roadnet.scenario.file import Change, _excerpt, _suggest
from roadnet.scenario.state import _fail, _State

#: A new stop or road may lie this far (m) outside the county's extent (a terminus just
#: across the county line); farther is an error.
EXTENT_MARGIN_M = 2_000.0


def _place(state: _State, change: Change, ref: Any) -> tuple[shapely.Point, str]:
    """A point and a name for a stop given as a village name/id or [lon, lat]."""
    if isinstance(ref, list | tuple):
        if len(ref) != 2 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in ref
        ):
            raise _fail(state, change, f"{_excerpt(ref)} is not a [lon, lat] pair")
        lon, lat = float(ref[0]), float(ref[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            swapped = -90 <= lon <= 90 and -180 <= lat <= 180
            hint = f" (latitude first? write [{lat:g}, {lon:g}])" if swapped else ""
            raise _fail(state, change, f"{_excerpt(ref)} is not a [lon, lat] pair in degrees{hint}")
        x, y = state.to_metric().transform(lon, lat)
        point = shapely.Point(x, y)
        _check_stop_place(state, change, point, lon=lon, lat=lat)
        return point, f"{lat:.5f},{lon:.5f}"
    villages = state.county.layers.get("villages")
    if villages is not None:
        if "villages" not in state.cache:
            # an id names one village (the first, ids are checked unique); a name all of its
            lookup: dict[str, list[int]] = {}
            if "name" in villages.columns:
                for i, value in enumerate(villages["name"].astype(str)):
                    lookup.setdefault(value, []).append(i)
            if "id" in villages.columns:
                for i, value in reversed(list(enumerate(villages["id"].astype(str)))):
                    lookup[value] = [i]
            state.cache["villages"] = lookup
        hits = state.cache["villages"].get(str(ref))
        if hits is not None:
            _refuse_ambiguous(
                state,
                change,
                ref,
                villages.geometry.to_numpy()[hits],
                [str(v) for v in villages["id"].to_numpy()[hits]] if "id" in villages else [],
                "villages",
            )
            village = villages.iloc[int(hits[0])]
            return _roadside(state, village.geometry), str(village["name"])
    candidates = list(state.stops.ids) + list(state.stops.names)
    if villages is not None and "name" in villages.columns:
        candidates += list(villages["name"].astype(str))
    raise _fail(
        state,
        change,
        f"'{_excerpt(ref)}' is neither a stop (id or name) nor a village"
        f"{_suggest(ref, candidates)}",
    )


#: Stops or villages of one name farther apart than this (metres) are different places: a
#: change naming them must use an id (two stops of one name facing each other across the
#: road, a few metres apart, are one place).
SAME_PLACE_M = 150.0


def _find_stop(state: _State, change: Change, ref: Any) -> int | None:
    """The stop with this id, else this name (refused when the name is several places)."""
    found = state.stops.find(ref)
    if found is None or str(ref) in state.stops.by_id:
        return found
    same = [i for i in state.stops.named.get(str(ref), []) if i not in state.stops.removed]
    _refuse_ambiguous(
        state,
        change,
        ref,
        np.array([state.stops.points[i] for i in same], dtype=object),
        [state.stops.ids[i] for i in same],
        "stops",
    )
    return found


def _refuse_ambiguous(
    state: _State, change: Change, ref: Any, points: np.ndarray, ids: list[str], what: str
) -> None:
    """Refuse a name shared by several places more than :data:`SAME_PLACE_M` apart."""
    if len(points) < 2:
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(points)
    spread = float(np.hypot(xmax - xmin, ymax - ymin))
    if spread <= SAME_PLACE_M:
        return
    listed = ", ".join(ids[:5]) + (f" … ({len(ids)} in all)" if len(ids) > 5 else "")
    raise _fail(
        state,
        change,
        f"'{_excerpt(ref)}' names {len(points)} {what} up to {_distance_text(spread)} apart "
        f"({listed}); give the id of the one you mean",
    )


def _roadside(state: _State, point: shapely.Point) -> shapely.Point:
    """A new stop for a village stands on the nearest road (where the bus passes)."""
    tree = state.road_tree()
    if tree is None or state.roads is None:
        return point
    index = tree.nearest(point)
    road = state.roads.geometry.iloc[int(index)]
    return shapely.line_interpolate_point(road, shapely.line_locate_point(road, point))


def _stop_ids(state: _State, change: Change, refs: Sequence[Any], line_id: str) -> list[str]:
    """Resolve stop references, creating stops for villages and lon/lat pairs."""
    if not isinstance(refs, list) or not refs:
        raise _fail(state, change, "stops must be a non-empty list")
    return [_stop_id(state, change, ref, line_id) for ref in refs]


def _stop_id(
    state: _State,
    change: Change,
    ref: Any,
    line_id: str,
    *,
    new_id: Any = None,
    new_name: Any = None,
) -> str:
    """The id of a stop given by id or name; a new stop for a village or [lon, lat].

    ``new_id`` and ``new_name`` name the stop when one is created (``add_stop``'s ``id`` and
    ``name``); by default ``<line>-S<n>`` and the village's name + 站 (or the lat,lon).
    """
    if isinstance(ref, Mapping | bool):
        raise _fail(
            state,
            change,
            f"a stop is a stop's id or name, a village, or [lon, lat], not {toml_kind(ref)}",
        )
    if not isinstance(ref, list | tuple):
        found = _find_stop(state, change, ref)
        if found is not None:
            return state.stops.ids[found]
    point, name = _place(state, change, ref)
    if new_id is not None and str(new_id) in state.stops.by_id:
        raise _fail(state, change, f"stop id '{_excerpt(new_id)}' exists already")
    stop_id = state.stops.new_id(f"{line_id}-S") if new_id is None else str(new_id)
    label = f"{name}站" if not name[0].isdigit() else name
    state.stops.add(stop_id, label if new_name is None else str(new_name), point)
    return stop_id


# ------------------------------------------------------------ where a change may put things


def county_extent(county: County) -> tuple[Any, str]:
    """The county's extent (metric CRS) and what it is, for checking new stops and roads.

    The boundary layer when there is one, else the union of the townships, else the
    bounding box of all layers; the caller allows :data:`EXTENT_MARGIN_M` around it.
    """
    for name, label in (("boundary", "boundary"), ("townships", "townships")):
        frame = county.layers.get(name)
        if isinstance(frame, gpd.GeoDataFrame) and len(frame):
            geoms = frame.geometry.to_numpy()
            geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
            if len(geoms):
                return shapely.union_all(shapely.make_valid(geoms)), label
    boxes = [
        frame.total_bounds
        for frame in county.layers.values()
        if isinstance(frame, gpd.GeoDataFrame) and len(frame)
    ]
    if not boxes:
        return None, "none"
    stacked = np.array(boxes)
    bounds = (*stacked[:, :2].min(axis=0), *stacked[:, 2:].max(axis=0))
    return shapely.box(*bounds), "bounds of its layers"


def _extent(state: _State) -> tuple[Any, str]:
    if "extent" not in state.cache:
        extent, label = county_extent(state.county)
        if extent is not None:
            shapely.prepare(extent)
        state.cache["extent"] = (extent, label)
    found: tuple[Any, str] = state.cache["extent"]
    return found


def _outside(state: _State, geom: Any) -> float:
    """How far (m) ``geom`` lies outside the county's extent (0 inside)."""
    extent, _ = _extent(state)
    if extent is None or shapely.contains(extent, geom):
        return 0.0
    return float(shapely.distance(extent, geom))


def _road_distance(state: _State, geom: Any) -> float | None:
    """Distance (m) from ``geom`` to the nearest road; None without roads."""
    tree = state.road_tree()
    if tree is None:
        return None
    _, distance = tree.query_nearest(geom, return_distance=True, all_matches=False)
    return float(distance[0]) if len(distance) else None


def _off_network_m(state: _State) -> float:
    value = state.params.get("off_network_m", CoverageParams().off_network_m)
    return float(value)


def _check_stop_place(
    state: _State, change: Change, point: shapely.Point, *, lon: float, lat: float
) -> None:
    """A new stop must be in the county and within the off-network distance of a road."""
    outside = _outside(state, point)
    road = _road_distance(state, point)
    limit = _off_network_m(state)
    far = road is not None and road > limit
    if outside <= EXTENT_MARGIN_M and not far:
        return
    _, label = _extent(state)
    problems = []
    if outside > EXTENT_MARGIN_M:
        problems.append(f"{_distance_text(outside)} outside the county (its {label})")
    if road is not None:
        problems.append(
            f"{_distance_text(road)} from the nearest road (off-network distance "
            f"{_distance_text(limit)})"
        )
    hint = "check the coordinates: [lon, lat], WGS-84 degrees"
    swapped = shapely.Point(*state.to_metric().transform(lat, lon))
    if -90 <= lon <= 90 and _outside(state, swapped) <= EXTENT_MARGIN_M:
        hint = f"longitude and latitude swapped? [{lat:g}, {lon:g}] is in the county"
    raise _fail(
        state,
        change,
        f"the stop at lon {lon:.5f}, lat {lat:.5f} is {' and '.join(problems)}: a stop must "
        f"stand in the county within reach of a road; {hint}",
    )


def _check_road_place(state: _State, change: Change, line: shapely.LineString) -> None:
    """A new road must be in the county and come within the off-network distance of a road."""
    coords = shapely.get_coordinates(line)
    points = shapely.points(coords)
    outside = np.array([_outside(state, p) for p in points])
    worst = int(np.argmax(outside))
    road = _road_distance(state, line)
    limit = _off_network_m(state)
    problems = []
    at = worst
    if outside[worst] > EXTENT_MARGIN_M:
        problems.append(
            f"{_distance_text(outside[worst])} outside the county ({_extent(state)[1]})"
        )
    if road is not None and road > limit:
        problems.append(
            f"{_distance_text(road)} from every road (off-network distance "
            f"{_distance_text(limit)}): it would join nothing"
        )
    if not problems:
        return
    lon, lat = state.to_lonlat().transform(coords[at, 0], coords[at, 1])
    raise _fail(
        state,
        change,
        f"the new road (vertex {at + 1} at lon {lon:.5f}, lat {lat:.5f}) is "
        f"{' and '.join(problems)}; check its coordinates ([lon, lat], WGS-84 degrees) or CRS",
    )


def _distance_text(metres: float) -> str:
    if metres < 1000:
        return f"{metres:,.0f} m"
    return f"{format_km(metres / 1000)} km"
