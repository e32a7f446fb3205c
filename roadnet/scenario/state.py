"""The state of a scenario's edits: the layers being changed, lookups, routing, errors.

:func:`roadnet.scenario.edits.apply_changes` keeps one :class:`_State` while it applies the
changes in order; the operations (:mod:`~roadnet.scenario.edits`,
:mod:`~roadnet.scenario.roads`) and the place checks (:mod:`~roadnet.scenario.places`)
read and change it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet.county import County
from roadnet.errors import ConfigError
from roadnet.manifest import toml_kind
from roadnet.network import RoadGraph, build_graph
from roadnet.reroute import LinePath, NoRoadPath, Router
from roadnet.scenario.file import Change, _excerpt, _suggest


class _Stops:
    """The stops layer being edited: lookups by id and name, new stops kept apart.

    Edits touch Python lists and dicts only; :meth:`frame` builds the layer once at the end
    (a scenario adding 10,000 stops must not copy the layer 10,000 times).
    """

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.base = frame
        self.ids = [str(i) for i in frame["id"]]
        self.names = [str(n) for n in frame["name"]] if "name" in frame else list(self.ids)
        self.points = list(frame.geometry.to_numpy())
        self.by_id = {sid: i for i, sid in reversed(list(enumerate(self.ids)))}
        self.by_name = {name: i for i, name in reversed(list(enumerate(self.names)))}
        self.named: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            self.named.setdefault(name, []).append(i)
        self.removed: set[int] = set()
        self.moved: set[int] = set()
        self._next: dict[str, int] = {}

    def find(self, ref: Any) -> int | None:
        """Position of the stop with this id (or, failing that, name)."""
        found = self.by_id.get(str(ref))
        if found is None:
            found = self.by_name.get(str(ref))
        return None if found is None or found in self.removed else found

    def point(self, stop_id: str) -> shapely.Point:
        return self.points[self.by_id[stop_id]]

    def label(self, stop_id: str) -> str:
        """``'县城站' (S1)``: a stop as the scenario's author knows it."""
        position = self.by_id.get(stop_id)
        name = self.names[position] if position is not None else stop_id
        return f"'{name}'" if name == stop_id else f"'{name}' ({stop_id})"

    def new_id(self, prefix: str) -> str:
        n = self._next.get(prefix, 1)
        while f"{prefix}{n}" in self.by_id:
            n += 1
        self._next[prefix] = n + 1
        return f"{prefix}{n}"

    def add(self, stop_id: str, name: str, point: shapely.Point) -> None:
        position = len(self.ids)
        self.ids.append(stop_id)
        self.names.append(name)
        self.points.append(point)
        self.by_id.setdefault(stop_id, position)
        self.by_name.setdefault(name, position)
        self.named.setdefault(name, []).append(position)

    def frame(self) -> gpd.GeoDataFrame:
        """The stops layer after the edits (moved, removed and new stops)."""
        n = len(self.base)
        keep = [i for i in range(n) if i not in self.removed]
        base = self.base.copy()
        if self.moved:
            geoms = base.geometry.to_numpy().copy()
            for i in self.moved:
                geoms[i] = self.points[i]
            base = base.set_geometry(geoms, crs=self.base.crs)
        base = base.iloc[keep]
        extra = [i for i in range(n, len(self.ids)) if i not in self.removed]
        if not extra:
            return base.reset_index(drop=True)
        new = gpd.GeoDataFrame(
            {"id": [self.ids[i] for i in extra], "name": [self.names[i] for i in extra]},
            geometry=[self.points[i] for i in extra],
            crs=self.base.crs,
        )
        return pd.concat([base, new], ignore_index=True)


@dataclass
class _State:
    """The layers being edited, the parameters, and what the changes did."""

    county: County
    path: Path | None
    roads: gpd.GeoDataFrame | None
    stops: _Stops
    lines: gpd.GeoDataFrame
    params: dict[str, Any]
    new_lines: list[str] = field(default_factory=list)
    new_roads: list[str] = field(default_factory=list)
    paths: dict[str, LinePath] = field(default_factory=dict)
    touched: dict[str, Change] = field(default_factory=dict)
    inserted: list[tuple[str, str, int]] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    graph: RoadGraph | None = None

    def router(self) -> Router:
        """Shortest paths on the current roads (rebuilt after a road is added).

        The caller's graph of the baseline roads serves until a change adds a road.
        """
        if "router" not in self.cache:
            roads = self.roads
            graph = self.graph
            if graph is None and roads is not None and len(roads):
                graph = build_graph(roads)
            self.cache["router"] = Router(graph)
        router: Router = self.cache["router"]
        return router

    def routed_graph(self) -> RoadGraph | None:
        """The graph of the current road geometry, if routing built one or the caller gave it."""
        router: Router | None = self.cache.get("router")
        return self.graph if router is None else router.graph

    def roads_changed(self) -> None:
        """Forget what was built on the roads' geometry (a road was added or joined)."""
        self.graph = None
        for key in ("router", "road_tree"):
            self.cache.pop(key, None)

    def road_tree(self) -> shapely.STRtree | None:
        if self.roads is None or not len(self.roads):
            return None
        if "road_tree" not in self.cache:
            self.cache["road_tree"] = shapely.STRtree(self.roads.geometry.to_numpy())
        tree: shapely.STRtree = self.cache["road_tree"]
        return tree

    def to_metric(self) -> pyproj.Transformer:
        if "to_metric" not in self.cache:
            self.cache["to_metric"] = pyproj.Transformer.from_crs(
                4326, self.county.crs, always_xy=True
            )
        transformer: pyproj.Transformer = self.cache["to_metric"]
        return transformer

    def to_lonlat(self) -> pyproj.Transformer:
        if "to_lonlat" not in self.cache:
            self.cache["to_lonlat"] = pyproj.Transformer.from_crs(
                self.county.crs, 4326, always_xy=True
            )
        transformer: pyproj.Transformer = self.cache["to_lonlat"]
        return transformer


def _fail(state: _State, change: Change, message: str) -> ConfigError:
    return ConfigError(f"{change.where(state.path)}: {message}")


def _line_keys(state: _State) -> tuple[np.ndarray, np.ndarray]:
    """Ids and names of the lines as text (cached while the lines frame is the same)."""
    cached = state.cache.get("lines")
    if cached is None or cached[0] is not state.lines:
        ids = state.lines["id"].astype(str).to_numpy()
        names = state.lines["name"].astype(str).to_numpy() if "name" in state.lines else ids
        cached = (state.lines, ids, names)
        state.cache["lines"] = cached
    return cached[1], cached[2]


def _line_id(state: _State, index: int) -> str:
    return str(_line_keys(state)[0][index])


def _find_line(state: _State, change: Change, ref: Any) -> int:
    ids, names = _line_keys(state)
    if not isinstance(ref, str | int) or isinstance(ref, bool):
        raise _fail(
            state,
            change,
            f'line must be one line\'s id or name (line = "L1"), not {toml_kind(ref)}',
        )
    for values in (ids, names):
        hits = np.flatnonzero(values == str(ref))
        if len(hits):
            return int(hits[0])
    raise _fail(
        state,
        change,
        f"no line '{_excerpt(ref)}'{_suggest(str(ref), [*ids, *names])}; "
        + (f"lines: {_excerpt(', '.join(ids), 200)}" if len(ids) else "no line is left"),
    )


def _path(state: _State, change: Change, index: int) -> LinePath:
    """The editable path of the line at ``index`` (cut from its drawn geometry once)."""
    line_id = _line_id(state, index)
    state.touched[line_id] = change
    found = state.paths.get(line_id)
    if found is None:
        sequence = [str(s) for s in state.lines["stops"].iloc[index]]
        unknown = [s for s in sequence if s not in state.stops.by_id]
        if unknown:
            raise _fail(
                state,
                change,
                f"line {line_id} calls at stop '{unknown[0]}', which is not in the stops layer",
            )
        with _routing(state, change):
            found = LinePath.from_drawn(
                state.lines.geometry.iloc[index], sequence, state.stops.point, state.router()
            )
        state.paths[line_id] = found
    return found


@contextmanager
def _routing(state: _State, change: Change) -> Iterator[None]:
    """Turn a missing road path into an error naming the change."""
    try:
        yield
    except NoRoadPath as exc:
        raise _fail(
            state,
            change,
            f"no road path between stops {state.stops.label(exc.first)} and "
            f"{state.stops.label(exc.second)}: they are on unconnected parts of the network "
            "(add_road first?)",
        ) from exc


def _new_id(existing: set[str], prefix: str) -> str:
    n = 1
    while f"{prefix}{n}" in existing:
        n += 1
    return f"{prefix}{n}"
