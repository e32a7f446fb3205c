"""Applying a scenario's changes to a county: :func:`apply_changes` and the line changes.

Changes apply in order to a copy of the county (the baseline is not modified). Lines whose
stops change are re-routed along roads (:mod:`roadnet.reroute`): the legs next to an added,
moved or removed stop follow the shortest road path, the other legs keep their drawn
geometry. Road changes are in :mod:`~roadnet.scenario.roads`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from roadnet.county import County
from roadnet.network import RoadGraph
from roadnet.quality import DataQuality
from roadnet.reroute import LinePath
from roadnet.scenario.file import (
    _SERVICE_KEYS,
    Change,
    _excerpt,
    _suggest,
    as_changes,
    check_change,
)
from roadnet.scenario.notes import change_notes
from roadnet.scenario.places import _find_stop, _place, _stop_id, _stop_ids
from roadnet.scenario.roads import _add_road, _pave_roads
from roadnet.scenario.state import (
    _fail,
    _find_line,
    _line_id,
    _new_id,
    _path,
    _routing,
    _State,
    _Stops,
)


@dataclass(frozen=True)
class AppliedChanges:
    """What :func:`apply_changes` made: the changed county and what changed in it.

    Attributes
    ----------
    county
        The county after the changes (a copy; the baseline is not modified).
    new_lines
        Ids of the lines the changes added (and did not remove again).
    new_roads
        Ids of the roads the changes added (``add_road``, and projects paved where no road
        ran).
    paved_roads
        The roads whose surface the changes set (usually paved), as they are after the
        changes: rows of ``county``'s roads, metric CRS.
    added_roads
        The road pieces the changes added: rows of ``county``'s roads, metric CRS.
    params
        The parameters after ``set`` changes (the ``params`` given, updated).
    quality
        Notes on what the changes decided: lines re-routed, stops inserted.
    graph
        The routing graph of the changed county's roads when the changes built or were
        given one (pass it on to :func:`roadnet.coverage`); None otherwise.
    """

    county: County
    new_lines: tuple[str, ...]
    new_roads: tuple[str, ...]
    paved_roads: gpd.GeoDataFrame
    added_roads: gpd.GeoDataFrame
    params: Mapping[str, Any] = field(default_factory=dict)
    quality: DataQuality = field(default_factory=DataQuality)
    graph: RoadGraph | None = field(default=None, repr=False)


def apply_changes(
    county: County,
    changes: Sequence[Change | Mapping[str, Any]],
    *,
    graph: RoadGraph | None = None,
    params: Mapping[str, Any] | None = None,
    path: Path | None = None,
) -> AppliedChanges:
    """Apply changes in order to a copy of the county.

    Names of stops, villages, lines and roads that do not exist are errors with
    suggestions; a new stop or road outside the county, or a stop farther than the
    off-network distance from every road, is an error naming the change and the place.

    Lines whose stops change are re-routed along roads (:mod:`roadnet.reroute`): the legs
    next to an added, moved or removed stop follow the shortest road path, the other legs
    keep their drawn geometry, so length, cycle time and vehicles follow. A stop added
    without a position goes where it adds the least route length.

    Parameters
    ----------
    county
        The baseline county (:func:`roadnet.load_county`).
    changes
        :class:`Change` objects (a scenario file's) or plain dicts holding a
        ``[[change]]`` table's keys, e.g. ``{"op": "add_line", "stops": ["S1", "李家村"]}``.
    graph
        The routing graph of ``county``'s roads (:func:`roadnet.build_graph`), to reuse
        instead of building it again.
    params
        Scenario parameters (``[params]``); ``set`` changes update them.
    path
        The scenario file the changes come from (for messages and relative geometry files).

    Returns
    -------
    AppliedChanges

    Raises
    ------
    ConfigError
        A change that cannot apply, naming the change (file and line, or ``changes[i]``).
    """
    changes = as_changes(changes)
    roads = county.layers.get("roads")
    state = _State(
        county=county,
        path=path,
        roads=roads,
        stops=_Stops(county.layer("bus_stops", purpose="a scenario")),
        lines=county.layer("bus_lines", purpose="a scenario").copy(),
        params=dict(params or {}),
        graph=graph if roads is not None else None,
    )
    handlers: dict[str, Callable[[_State, Change], None]] = {
        "add_line": _add_line,
        "remove_line": _remove_line,
        "extend_line": _extend_line,
        "add_stop": _add_stop,
        "move_stop": _move_stop,
        "remove_stop": _remove_stop,
        "set_service": _set_service,
        "add_road": _add_road,
        "pave_roads": _pave_roads,
        "set": _set,
    }
    for change in changes:
        check_change(change, path)
        handlers[change.op](state, change)
    lines = _write_paths(state)
    layers = dict(county.layers)
    layers["bus_stops"] = state.stops.frame()
    layers["bus_lines"] = lines
    final = None if state.roads is None else state.roads.reset_index(drop=True)
    if final is not None:
        layers["roads"] = final
    names = (
        dict(zip(lines["id"].astype(str), lines["name"].astype(str), strict=True))
        if "name" in lines
        else {}
    )
    routed = state.routed_graph()
    paved, added = _road_changes(roads, final, county.crs)
    return AppliedChanges(
        county=replace(county, layers=layers),
        new_lines=tuple(state.new_lines),
        new_roads=tuple(state.new_roads),
        paved_roads=paved,
        added_roads=added,
        params=state.params,
        quality=change_notes(state.paths, state.inserted, new_lines=state.new_lines, names=names),
        graph=None if routed is None or final is None else replace(routed, roads=final),
    )


def _road_changes(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame | None, crs: Any
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The roads whose surface changed and the roads added (rows of ``after``).

    Changes never drop a road and append new ones, so the baseline's roads are the first
    rows of ``after``, in order.
    """
    if after is None:
        empty = gpd.GeoDataFrame(geometry=[], crs=crs)
        return empty, empty
    n = 0 if before is None else len(before)
    kept = after.iloc[:n]
    if "surface" in after.columns:
        was = (
            before["surface"].astype("string").fillna("").to_numpy(dtype=object)
            if before is not None and "surface" in before.columns
            else np.full(n, "", dtype=object)
        )
        now = kept["surface"].astype("string").fillna("").to_numpy(dtype=object)
        kept = kept[was != now]
    else:
        kept = kept.iloc[:0]
    return kept, after.iloc[n:]


def _write_paths(state: _State) -> gpd.GeoDataFrame:
    """The lines layer with the stops and geometry of every re-routed line."""
    lines = state.lines.reset_index(drop=True)
    if not state.paths:
        return lines
    ids = lines["id"].astype(str).to_numpy()
    stops = list(lines["stops"])
    geoms = lines.geometry.to_numpy().copy()
    for line_id, line_path in state.paths.items():
        for i in np.flatnonzero(ids == line_id):
            stops[i] = list(line_path.stops)
            geoms[i] = line_path.geometry(state.stops.point)
    lines = lines.copy()
    lines["stops"] = pd.Series(stops, index=lines.index, dtype=object)
    return lines.set_geometry(geoms, crs=lines.crs)


# --------------------------------------------------------------------------- line changes


def _add_line(state: _State, change: Change) -> None:
    d = change.data
    line_id = str(d.get("id") or _new_id(set(state.lines["id"].astype(str)), "L"))
    if line_id in set(state.lines["id"].astype(str)):
        raise _fail(state, change, f"line '{line_id}' exists already (use extend_line)")
    stops = _stop_ids(state, change, d["stops"], line_id)
    router = state.router()
    line_path = LinePath([stops[0]], [])
    with _routing(state, change):
        for stop in stops[1:]:
            line_path.insert(len(line_path.stops), stop, state.stops.point, router)
    line_path.rerouted = 0  # a new line is routed, not re-routed
    row: dict[str, Any] = {"id": line_id, "name": str(d.get("name", line_id)), "stops": stops}
    for key in _SERVICE_KEYS:
        if key in d:
            row[key] = d[key]
    new = gpd.GeoDataFrame(
        {k: [v] for k, v in row.items()},
        geometry=[line_path.geometry(state.stops.point)],
        crs=state.lines.crs,
    )
    state.lines = pd.concat([state.lines, new], ignore_index=True)
    state.paths[line_id] = line_path
    state.new_lines.append(line_id)


def _remove_line(state: _State, change: Change) -> None:
    index = _find_line(state, change, change.data["line"])
    line_id = _line_id(state, index)
    state.lines = state.lines.drop(index=state.lines.index[index])
    state.paths.pop(line_id, None)
    state.touched.pop(line_id, None)
    if line_id in state.new_lines:
        state.new_lines.remove(line_id)


def _extend_line(state: _State, change: Change) -> None:
    index = _find_line(state, change, change.data["line"])
    line_id = _line_id(state, index)
    at = str(change.data.get("at", "end"))
    if at not in ("start", "end"):
        raise _fail(state, change, 'at must be "start" or "end"')
    line_path = _path(state, change, index)
    new = _stop_ids(state, change, change.data["stops"], line_id)
    router = state.router()
    with _routing(state, change):
        if at == "end":
            for stop in new:
                line_path.insert(len(line_path.stops), stop, state.stops.point, router)
        else:
            for stop in reversed(new):
                line_path.insert(0, stop, state.stops.point, router)


def _add_stop(state: _State, change: Change) -> None:
    d = change.data
    index = _find_line(state, change, d["line"])
    line_id = _line_id(state, index)
    line_path = _path(state, change, index)
    stop = _stop_id(state, change, d["stop"], line_id, new_id=d.get("id"), new_name=d.get("name"))
    seq = line_path.stops
    router = state.router()
    given = [key for key in ("after", "before", "index") if key in d]
    if len(given) > 1:
        raise _fail(state, change, f"give one of after, before or index, not {' and '.join(given)}")
    if given and given[0] in ("after", "before"):
        ref = d[given[0]]
        anchor = state.stops.find(ref)
        anchor_id = None if anchor is None else state.stops.ids[anchor]
        if anchor_id not in seq:
            raise _fail(state, change, f"stop '{_excerpt(ref)}' is not on {line_id}")
        position = seq.index(anchor_id) + (1 if given[0] == "after" else 0)
    elif given:
        number = d["index"]
        if (
            not isinstance(number, int)
            or isinstance(number, bool)
            or not 1 <= number <= len(seq) + 1
        ):
            raise _fail(
                state,
                change,
                f"index must be the new stop's place in the line, 1 to {len(seq) + 1}, "
                f"not {_excerpt(number)}",
            )
        position = number - 1
    else:
        with _routing(state, change):
            position = line_path.cheapest_position(
                state.stops.point(stop), state.stops.point, router
            )
        state.inserted.append((line_id, stop, position + 1))
    with _routing(state, change):
        line_path.insert(position, stop, state.stops.point, router)


def _named_stop(state: _State, change: Change) -> int:
    """The index of the stop a change names in ``stop``; an error suggesting names if none."""
    index = _find_stop(state, change, change.data["stop"])
    if index is None:
        raise _fail(
            state,
            change,
            f"no stop '{_excerpt(change.data['stop'])}'"
            f"{_suggest(change.data['stop'], state.stops.ids)}",
        )
    return index


def _move_stop(state: _State, change: Change) -> None:
    index = _named_stop(state, change)
    stop_id = state.stops.ids[index]
    calling = [i for i in range(len(state.lines)) if stop_id in _sequence(state, i)]
    paths = [_path(state, change, i) for i in calling]  # cut with the stop where it was
    point, _ = _place(state, change, change.data["to"])
    state.stops.points[index] = point
    if index < len(state.stops.base):
        state.stops.moved.add(index)
    router = state.router()
    with _routing(state, change):
        for line_path in paths:
            line_path.moved(stop_id, state.stops.point, router)


def _sequence(state: _State, index: int) -> list[str]:
    line_id = _line_id(state, index)
    found = state.paths.get(line_id)
    return found.stops if found is not None else [str(s) for s in state.lines["stops"].iloc[index]]


def _remove_stop(state: _State, change: Change) -> None:
    index = _named_stop(state, change)
    stop_id = state.stops.ids[index]
    targets = (
        [_find_line(state, change, change.data["line"])]
        if "line" in change.data
        else [i for i in range(len(state.lines)) if stop_id in _sequence(state, i)]
    )
    router = state.router()
    for i in targets:
        if stop_id not in _sequence(state, i):
            continue
        line_path = _path(state, change, i)
        with _routing(state, change):
            while stop_id in line_path.stops:
                line_path.remove(line_path.stops.index(stop_id), state.stops.point, router)
    if "line" not in change.data:
        state.stops.removed.add(index)


def _set_service(state: _State, change: Change) -> None:
    index = _find_line(state, change, change.data["line"])
    lines = state.lines.copy()
    for key in _SERVICE_KEYS:
        if key in change.data:
            if key not in lines.columns:
                lines[key] = None
            lines[key] = lines[key].astype(object)
            lines.at[lines.index[index], key] = change.data[key]
    if (
        "trips_per_day" in change.data
        and "headway_min" not in change.data
        and "headway_min" in lines.columns
    ):
        lines["headway_min"] = lines["headway_min"].astype(object)
        lines.at[lines.index[index], "headway_min"] = None
    if "trip_times" in lines.columns and {"trips_per_day", "headway_min", "span_min"} & set(
        change.data
    ):
        # a GTFS line's timetable no longer holds: its vehicles follow the new service
        lines["trip_times"] = lines["trip_times"].astype(object)
        lines.at[lines.index[index], "trip_times"] = None
    state.lines = lines


def _set(state: _State, change: Change) -> None:
    state.params.update({k: v for k, v in change.data.items() if k != "op"})
