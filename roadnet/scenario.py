"""Scenario files: "what if" changes to lines, stops and roads, compared with today.

A scenario is a TOML file naming its baseline county, parameters and an ordered list of
``[[change]]`` entries::

    name = "8路：县城—东部三乡"
    baseline = "../layers/county.toml"      # relative to this file
    [params]
    radius_m = 2000
    [[change]]
    op = "add_line"
    id = "L8"
    stops = ["县城汽车站", "李家村", [111.2, 41.1]]   # stop ids/names, village names, lon/lat
    trips_per_day = 2

:func:`read_scenario` validates the whole file first (messages name the file, the line and
the change, and suggest close matches for misspelt names); :func:`apply_changes` returns a
new :class:`~roadnet.county.County` (the baseline is not modified); :func:`run_scenario`
computes coverage and access for both and their difference.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet.bus import CoverageParams, CoverageResult, compute_coverage
from roadnet.county import County, load_county
from roadnet.errors import ConfigError, LayerError, ReadError
from roadnet.formatting import format_km
from roadnet.manifest import toml_kind
from roadnet.network import build_graph, connect_line
from roadnet.parameters import require_number
from roadnet.paved import AccessParams, AccessResult, compute_access
from roadnet.quality import DataQuality
from roadnet.reroute import LinePath, NoRoadPath, Router
from roadnet.scenario_notes import change_notes, merge_notes
from roadnet.schema import MAX_SPEED_KMH, MIN_SPEED_KMH, ROAD_CLASSES, SURFACES

OPS = (
    "add_line",
    "remove_line",
    "extend_line",
    "add_stop",
    "move_stop",
    "remove_stop",
    "set_service",
    "add_road",
    "pave_roads",
    "set",
)
_SERVICE_KEYS = ("trips_per_day", "headway_min", "days", "speed_kmh", "layover_min", "span_min")
_PARAM_KEYS = (
    "radius_m",
    "metric",
    "off_network_m",
    "connector_m",
    "rai_radius_m",
    "unknown_surface",
    "seat",
)
_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # op: (required keys, optional keys)
    "add_line": ({"stops"}, {"id", "name", *_SERVICE_KEYS}),
    "remove_line": ({"line"}, set()),
    "extend_line": ({"line", "stops"}, {"at"}),
    "add_stop": ({"line", "stop"}, {"after", "before", "index", "name", "id"}),
    "move_stop": ({"stop", "to"}, set()),
    "remove_stop": ({"stop"}, {"line"}),
    "set_service": ({"line"}, set(_SERVICE_KEYS)),
    "add_road": ({"geometry"}, {"id", "name", "class", "surface", "route_code", "snap_m"}),
    "pave_roads": (set(), {"roads", "projects", "surface"}),
    "set": (set(), set(_PARAM_KEYS)),
}


@dataclass(frozen=True)
class Change:
    """One ``[[change]]`` entry: its operation, its keys, and where it stands in the file."""

    op: str
    data: Mapping[str, Any]
    number: int
    line: int | None = None

    def where(self, path: Path | None) -> str:
        """``file:line (change N, op)`` for messages."""
        place = f"{path}" if path else "scenario"
        if self.line:
            place += f":{self.line}"
        return f"{place} (change {self.number}, {self.op})"


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file."""

    name: str
    baseline: Path
    changes: tuple[Change, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None


def read_scenario(path: str | Path) -> Scenario:
    """Parse and check a scenario file (not yet against the county: see apply_changes)."""
    path = Path(path)
    if path.is_dir():
        raise ReadError(f"{path}: is a folder, not a scenario file; give the .toml file")
    if not path.is_file():
        raise ReadError(f"{path}: no such scenario file")
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ReadError(f"{path}: not UTF-8 text; save the scenario as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_scenario(data, root=path.parent, path=path, text=text)


def parse_scenario(
    data: Mapping[str, Any],
    *,
    root: Path,
    path: Path | None = None,
    text: str | None = None,
) -> Scenario:
    """Build a :class:`Scenario` from parsed TOML, checking every change's keys."""
    where = str(path) if path else "scenario"
    known = {"name", "description", "baseline", "params", "change"}
    unknown = set(data) - known
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{where}: unknown key '{key}'{_suggest(key, known)}")
    if "baseline" not in data:
        raise ConfigError(f'{where}: give baseline = "path/to/county.toml" (relative to the file)')
    for key in ("baseline", "name", "description"):
        if key in data and not isinstance(data[key], str):
            raise ConfigError(
                f'{where}: {key} must be a text ({key} = "..."), not {toml_kind(data[key])}'
            )
    baseline = Path(data["baseline"])
    baseline = baseline if baseline.is_absolute() else root / baseline
    raw_params = data.get("params", {})
    if not isinstance(raw_params, Mapping):
        raise ConfigError(
            f"{where}: params must be a table ([params] followed by radius_m = ..., ...), not "
            f"{toml_kind(raw_params)}"
        )
    params = dict(raw_params)
    for key in params:
        if key not in _PARAM_KEYS:
            raise ConfigError(
                f"{where}: [params] has unknown key '{_excerpt(key)}'{_suggest(key, _PARAM_KEYS)}; "
                f"known: {', '.join(_PARAM_KEYS)}"
            )
    try:
        check_params(params)
    except ConfigError as exc:
        raise ConfigError(f"{where}: [params] {exc}") from exc
    raw = data.get("change", [])
    if not isinstance(raw, list) or not all(isinstance(entry, Mapping) for entry in raw):
        raise ConfigError(
            f'{where}: changes are written as [[change]] tables (op = "...", then its keys)'
        )
    lines = _change_lines(text) if text else []
    changes = []
    for number, entry in enumerate(raw, start=1):
        line = lines[number - 1] if number - 1 < len(lines) else None
        change = Change(str(entry.get("op", "")), dict(entry), number, line)
        _check_change(change, path)
        changes.append(change)
    return Scenario(
        name=str(data.get("name", path.stem if path else "scenario")),
        baseline=baseline,
        changes=tuple(changes),
        params=params,
        description=str(data.get("description", "")),
        path=path,
    )


def _change_lines(text: str) -> list[int]:
    return [
        i
        for i, line in enumerate(text.splitlines(), start=1)
        if re.match(r"^\s*\[\[\s*change\s*\]\]", line)
    ]


def _check_change(change: Change, path: Path | None) -> None:
    where = change.where(path)
    if not change.op:
        raise ConfigError(
            f'{where}: every [[change]] starts with op = "..." (one of {", ".join(OPS)})'
        )
    if change.op not in OPS:
        raise ConfigError(
            f"{where}: unknown op '{change.op}'{_suggest(change.op, OPS)}; ops are {', '.join(OPS)}"
        )
    required, optional = _KEYS[change.op]
    keys = set(change.data) - {"op"}
    missing = required - keys
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(sorted(missing))}")
    extra = keys - required - optional
    if extra:
        key = sorted(extra)[0]
        raise ConfigError(
            f"{where}: unknown key '{key}'{_suggest(key, required | optional)}; this op takes "
            f"{', '.join(sorted(required | optional))}"
        )
    if change.op == "pave_roads" and not ({"roads", "projects"} & keys):
        raise ConfigError(f"{where}: give roads = [...] or projects = [...]")
    for key, (low, high, unit) in _SERVICE_RANGES.items():
        if key in change.data:
            try:
                require_number(
                    change.data[key], what=key, unit=unit, low=low, high=high, zero=low > 0
                )
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from exc
    if "snap_m" in change.data:
        try:
            require_number(change.data["snap_m"], what="snap_m", high=1000.0, zero=True)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    if change.op == "set":
        try:
            check_params(change.data)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from exc


#: A line's service figures: the range each may take (the low end excluded when 0) and its
#: unit. A bus slower than walking pace is no bus.
_SERVICE_RANGES: dict[str, tuple[float, float, str]] = {
    "trips_per_day": (0.0, 1440.0, "trips"),
    "headway_min": (0.0, 1440.0, "minutes"),
    "speed_kmh": (MIN_SPEED_KMH, MAX_SPEED_KMH, "km/h"),
    "layover_min": (0.0, 1440.0, "minutes"),
    "span_min": (0.0, 1440.0, "minutes"),
}


def check_params(params: Mapping[str, Any]) -> None:
    """Refuse scenario parameters (``[params]``, ``op = "set"``) the analyses cannot use.

    Raises
    ------
    ConfigError
        Naming the parameter and the value.
    """
    _coverage_params(params)
    _access_params(params)


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------- applying

#: A new stop or road may lie this far (m) outside the county's extent (a terminus just
#: across the county line); farther is an error.
EXTENT_MARGIN_M = 2_000.0


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

    def router(self) -> Router:
        """Shortest paths on the current roads (rebuilt after a road is added)."""
        if "router" not in self.cache:
            roads = self.roads
            graph = build_graph(roads) if roads is not None and len(roads) else None
            self.cache["router"] = Router(graph)
        router: Router = self.cache["router"]
        return router

    def roads_changed(self) -> None:
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


def apply_changes(
    county: County,
    changes: Sequence[Change],
    *,
    params: Mapping[str, Any] | None = None,
    path: Path | None = None,
) -> tuple[County, dict[str, Any]]:
    """Apply changes in order to a copy of the county.

    Returns the changed county and the parameters after ``set`` changes (with ``_new_lines``,
    ``_new_roads`` and ``_quality``: the notes on what the changes did). Names of stops,
    villages, lines and roads that do not exist are errors with suggestions; a new stop or
    road outside the county, or a stop farther than the off-network distance from every
    road, is an error naming the change and the place.

    Lines whose stops change are re-routed along roads (:mod:`roadnet.reroute`): the legs
    next to an added, moved or removed stop follow the shortest road path, the other legs
    keep their drawn geometry, so length, cycle time and vehicles follow. A stop added
    without a position goes where it adds the least route length.
    """
    state = _State(
        county=county,
        path=path,
        roads=county.layers.get("roads"),
        stops=_Stops(county.layer("bus_stops", purpose="a scenario")),
        lines=county.layer("bus_lines", purpose="a scenario").copy(),
        params=dict(params or {}),
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
        _check_change(change, path)
        handlers[change.op](state, change)
    lines = _write_paths(state)
    layers = dict(county.layers)
    layers["bus_stops"] = state.stops.frame()
    layers["bus_lines"] = lines
    if state.roads is not None:
        layers["roads"] = state.roads.reset_index(drop=True)
    changed = replace(county, layers=layers)
    info = dict(state.params)
    info["_new_lines"] = state.new_lines
    info["_new_roads"] = state.new_roads
    names = (
        dict(zip(lines["id"].astype(str), lines["name"].astype(str), strict=True))
        if "name" in lines
        else {}
    )
    info["_quality"] = change_notes(
        state.paths, state.inserted, new_lines=state.new_lines, names=names
    )
    return changed, info


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


def _excerpt(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, list | tuple) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _new_id(existing: set[str], prefix: str) -> str:
    n = 1
    while f"{prefix}{n}" in existing:
        n += 1
    return f"{prefix}{n}"


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


def _move_stop(state: _State, change: Change) -> None:
    index = _find_stop(state, change, change.data["stop"])
    if index is None:
        raise _fail(
            state,
            change,
            f"no stop '{_excerpt(change.data['stop'])}'"
            f"{_suggest(change.data['stop'], state.stops.ids)}",
        )
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
    index = _find_stop(state, change, change.data["stop"])
    if index is None:
        raise _fail(
            state,
            change,
            f"no stop '{_excerpt(change.data['stop'])}'"
            f"{_suggest(change.data['stop'], state.stops.ids)}",
        )
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


def _set(state: _State, change: Change) -> None:
    state.params.update({k: v for k, v in change.data.items() if k != "op"})


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class ScenarioResult:
    """Baseline against scenario: coverage and access of both, and the difference."""

    scenario: Scenario
    baseline_county: County
    scenario_county: County
    baseline_coverage: CoverageResult
    scenario_coverage: CoverageResult
    baseline_access: AccessResult | None
    scenario_access: AccessResult | None
    new_lines: tuple[str, ...]
    new_roads: tuple[str, ...]
    quality: DataQuality = field(default_factory=DataQuality)

    @property
    def delta(self) -> dict[str, Any]:
        """Villages gained and lost, population and other differences."""
        before = self.baseline_coverage.villages.set_index("id")
        after = self.scenario_coverage.villages.set_index("id")
        admin = before["kind"] == "administrative"
        gained = [str(i) for i in before.index[admin & ~before["served"] & after["served"]]]
        lost = [str(i) for i in before.index[admin & before["served"] & ~after["served"]]]
        b, s = self.baseline_coverage.summary, self.scenario_coverage.summary
        delta: dict[str, Any] = {
            "villages_gained": gained,
            "villages_lost": lost,
            "population_delta": s["population_served"] - b["population_served"],
            "villages_served_delta": s["villages_served"] - b["villages_served"],
            "townships_served_delta": None
            if b["townships_total"] is None
            else s["townships_served"] - b["townships_served"],
            "vehicles_required_delta": s["vehicles_required"] - b["vehicles_required"],
        }
        bt, st = self.baseline_coverage.townships, self.scenario_coverage.townships
        if not bt.empty:
            tb = bt.set_index("id")["served"]
            ts = st.set_index("id")["served"]
            delta["townships_gained"] = [
                str(i) for i in tb.index[~tb & ts.reindex(tb.index).fillna(False).astype(bool)]
            ]
            delta["townships_lost"] = [
                str(i) for i in tb.index[tb & ~ts.reindex(tb.index).fillna(False).astype(bool)]
            ]
        if self.baseline_access is not None and self.scenario_access is not None:
            va = self.baseline_access.villages.set_index("id")
            vb = self.scenario_access.villages.set_index("id")
            newly = va.index[~va["connected"] & vb["connected"]]
            delta["villages_connected_gained"] = [str(i) for i in newly]
            delta["villages_connected_delta"] = (
                self.scenario_access.summary["villages_connected"]
                - self.baseline_access.summary["villages_connected"]
            )
            ra, rb = self.baseline_access.summary["rai"], self.scenario_access.summary["rai"]
            delta["rai_delta"] = None if ra is None or rb is None else round(rb - ra, 4)
        delta["lines_changed"] = self.lines_changed()
        return delta

    def lines_changed(self) -> list[dict[str, Any]]:
        """Lines of both runs whose length, cycle time or vehicles changed, before and after."""
        columns = ["length_km", "cycle_min", "vehicles_required", "stops"]
        before = self.baseline_coverage.lines.set_index(
            self.baseline_coverage.lines["id"].astype(str)
        )
        after = self.scenario_coverage.lines.set_index(
            self.scenario_coverage.lines["id"].astype(str)
        )
        out: list[dict[str, Any]] = []
        for line_id in [i for i in after.index if i in before.index]:
            b, a = before.loc[line_id], after.loc[line_id]
            if isinstance(b, pd.DataFrame) or isinstance(a, pd.DataFrame):
                continue  # a duplicated id: no one-to-one comparison
            figures = {c: (_plain_number(b[c]), _plain_number(a[c])) for c in columns}
            if all(x == y for x, y in figures.values()):
                continue
            row: dict[str, Any] = {"id": line_id, "name": str(a.get("name", line_id))}
            for column, (x, y) in figures.items():
                row[f"{column}_before"] = x
                row[f"{column}_after"] = y
            out.append(row)
        return out

    def to_json(self) -> dict[str, Any]:
        """JSON document: ``baseline``, ``scenario`` (coverage and access summaries), ``delta``."""
        return {
            "name": self.scenario.name,
            "description": self.scenario.description,
            "baseline": _summary(self.baseline_coverage, self.baseline_access),
            "scenario": _summary(self.scenario_coverage, self.scenario_access),
            "delta": self.delta,
            "new_lines": list(self.new_lines),
            "new_roads": list(self.new_roads),
            "data_quality": self.quality.to_json(),
        }


def _summary(coverage: CoverageResult, access: AccessResult | None) -> dict[str, Any]:
    out = dict(coverage.summary)
    if access is not None:
        for key, value in access.summary.items():
            out.setdefault(key, value)
    return out


def run_scenario(scenario: Scenario | str | Path) -> ScenarioResult:
    """Load the baseline, apply the changes, and compare coverage and access."""
    if not isinstance(scenario, Scenario):
        scenario = read_scenario(scenario)
    try:
        county = load_county(scenario.baseline)
    except ReadError as exc:
        raise ReadError(f"{scenario.path}: baseline {scenario.baseline}: {exc}") from exc
    changed, params = apply_changes(
        county, scenario.changes, params=scenario.params, path=scenario.path
    )
    base_params = dict(scenario.params)
    cov_base = _coverage_params(base_params)
    cov_new = _coverage_params(params)
    baseline_graph = build_graph(county.layer("roads")) if county.has("roads") else None
    scenario_graph = (
        build_graph(changed.layer("roads"))
        if changed.has("roads") and changed.layers["roads"] is not county.layers.get("roads")
        else baseline_graph
    )
    base_cov = compute_coverage(county, params=cov_base, graph=baseline_graph)
    new_cov = compute_coverage(changed, params=cov_new, graph=scenario_graph)
    base_acc = new_acc = None
    if county.has("roads") and county.layers["roads"]["surface"].notna().any():
        # Access needs surfaces and a county seat near a paved road; without them the
        # scenario still compares coverage.
        try:
            base_acc = compute_access(
                county, params=_access_params(base_params), graph=baseline_graph
            )
            new_acc = compute_access(changed, params=_access_params(params), graph=scenario_graph)
        except LayerError:
            base_acc = new_acc = None
    changes = params.get("_quality")
    quality = merge_notes(
        county.quality,
        [base_cov, base_acc],
        [new_cov, new_acc],
        changes if isinstance(changes, DataQuality) else None,
    )
    return ScenarioResult(
        scenario=scenario,
        baseline_county=county,
        scenario_county=changed,
        baseline_coverage=base_cov,
        scenario_coverage=new_cov,
        baseline_access=base_acc,
        scenario_access=new_acc,
        new_lines=tuple(params.get("_new_lines", [])),
        new_roads=tuple(params.get("_new_roads", [])),
        quality=quality,
    )


def _plain_number(value: Any) -> float | int | None:
    """A figure for JSON: lengths to the metre, minutes to 0.1, counts whole; None if unknown."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    return round(float(value), 3)


def _coverage_params(params: Mapping[str, Any]) -> CoverageParams:
    keys = {"radius_m", "metric", "off_network_m"}
    return CoverageParams(**{k: v for k, v in params.items() if k in keys})


def _access_params(params: Mapping[str, Any]) -> AccessParams:
    keys = {"connector_m", "rai_radius_m", "unknown_surface", "seat"}
    return AccessParams(**{k: v for k, v in params.items() if k in keys})
