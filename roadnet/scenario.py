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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet.access import AccessParams, AccessResult, compute_access
from roadnet.county import County, load_county
from roadnet.coverage import CoverageParams, CoverageResult, compute_coverage
from roadnet.errors import ConfigError, LayerError, ReadError
from roadnet.network import build_graph, connect_line, shortest_route, snap_points
from roadnet.schema import ROAD_CLASSES, SURFACES

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
_PARAM_KEYS = ("radius_m", "metric", "off_network_m", "connector_m", "rai_radius_m")
_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # op: (required keys, optional keys)
    "add_line": ({"stops"}, {"id", "name", *_SERVICE_KEYS}),
    "remove_line": ({"line"}, set()),
    "extend_line": ({"line", "stops"}, {"at"}),
    "add_stop": ({"line", "stop"}, {"after", "before", "name", "id"}),
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
    baseline = Path(str(data["baseline"]))
    baseline = baseline if baseline.is_absolute() else root / baseline
    params = dict(data.get("params", {}))
    for key in params:
        if key not in _PARAM_KEYS:
            raise ConfigError(
                f"{where}: [params] has unknown key '{key}'{_suggest(key, _PARAM_KEYS)}; "
                f"known: {', '.join(_PARAM_KEYS)}"
            )
    raw = data.get("change", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: changes are written as [[change]] tables")
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
    for key in ("trips_per_day", "headway_min", "speed_kmh", "layover_min", "span_min"):
        if key in change.data and not _positive(change.data[key]):
            raise ConfigError(f"{where}: {key} must be a positive number")
    if change.op == "set" and "metric" in change.data:
        CoverageParams(metric=str(change.data["metric"]))


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------- applying


@dataclass
class _State:
    """The layers being edited, and the parameters."""

    county: County
    path: Path | None
    roads: gpd.GeoDataFrame | None
    stops: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    params: dict[str, Any]
    roads_changed: bool = False
    new_lines: list[str] = field(default_factory=list)
    new_roads: list[str] = field(default_factory=list)

    def graph(self) -> Any:
        if self.roads is None:
            raise ConfigError("this change needs the county's roads layer")
        return build_graph(self.roads)


def apply_changes(
    county: County,
    changes: Sequence[Change],
    *,
    params: Mapping[str, Any] | None = None,
    path: Path | None = None,
) -> tuple[County, dict[str, Any]]:
    """Apply changes in order to a copy of the county.

    Returns the changed county and the parameters after ``set`` changes. New lines are
    routed along roads between their stops; names of stops, villages, lines and roads that do
    not exist are errors with suggestions.
    """
    state = _State(
        county=county,
        path=path,
        roads=county.layers.get("roads"),
        stops=county.layer("bus_stops", purpose="a scenario").copy(),
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
    layers = dict(county.layers)
    layers["bus_stops"] = state.stops.reset_index(drop=True)
    layers["bus_lines"] = state.lines.reset_index(drop=True)
    if state.roads is not None:
        layers["roads"] = state.roads.reset_index(drop=True)
    changed = replace(county, layers=layers)
    info = dict(state.params)
    info["_new_lines"] = state.new_lines
    info["_new_roads"] = state.new_roads
    return changed, info


def _fail(state: _State, change: Change, message: str) -> ConfigError:
    return ConfigError(f"{change.where(state.path)}: {message}")


def _find_line(state: _State, change: Change, ref: Any) -> int:
    ids = state.lines["id"].astype(str).to_numpy()
    names = state.lines["name"].astype(str).to_numpy() if "name" in state.lines else ids
    for values in (ids, names):
        hits = np.flatnonzero(values == str(ref))
        if len(hits):
            return int(hits[0])
    raise _fail(
        state, change, f"no line '{ref}'{_suggest(ref, [*ids, *names])}; lines: {', '.join(ids)}"
    )


def _find_stop(state: _State, ref: Any) -> int | None:
    ids = state.stops["id"].astype(str).to_numpy()
    hits = np.flatnonzero(ids == str(ref))
    if len(hits):
        return int(hits[0])
    if "name" in state.stops:
        hits = np.flatnonzero(state.stops["name"].astype(str).to_numpy() == str(ref))
        if len(hits):
            return int(hits[0])
    return None


def _to_metric(state: _State, lon: float, lat: float) -> shapely.Point:
    transformer = pyproj.Transformer.from_crs(4326, state.county.crs, always_xy=True)
    x, y = transformer.transform(lon, lat)
    return shapely.Point(x, y)


def _place(state: _State, change: Change, ref: Any) -> tuple[shapely.Point, str]:
    """A point and a name for a stop given as a village name/id or [lon, lat]."""
    if isinstance(ref, list | tuple):
        if len(ref) != 2 or not all(isinstance(v, int | float) for v in ref):
            raise _fail(state, change, f"{ref!r} is not a [lon, lat] pair")
        lon, lat = float(ref[0]), float(ref[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _fail(state, change, f"{ref!r} is not a [lon, lat] pair in degrees")
        return _to_metric(state, lon, lat), f"{lat:.5f},{lon:.5f}"
    villages = state.county.layers.get("villages")
    if villages is not None:
        for column in ("name", "id"):
            if column in villages.columns:
                hits = np.flatnonzero(villages[column].astype(str).to_numpy() == str(ref))
                if len(hits):
                    village = villages.iloc[int(hits[0])]
                    return _roadside(state, village.geometry), str(village["name"])
    candidates = list(state.stops["id"].astype(str))
    if "name" in state.stops:
        candidates += list(state.stops["name"].astype(str))
    if villages is not None and "name" in villages.columns:
        candidates += list(villages["name"].astype(str))
    raise _fail(
        state,
        change,
        f"'{ref}' is neither a stop (id or name) nor a village{_suggest(ref, candidates)}",
    )


def _roadside(state: _State, point: shapely.Point) -> shapely.Point:
    """A new stop for a village stands on the nearest road (where the bus passes)."""
    if state.roads is None or len(state.roads) == 0:
        return point
    tree = shapely.STRtree(state.roads.geometry.to_numpy())
    index = tree.nearest(point)
    road = state.roads.geometry.iloc[int(index)]
    return shapely.line_interpolate_point(road, shapely.line_locate_point(road, point))


def _stop_ids(state: _State, change: Change, refs: Sequence[Any], line_id: str) -> list[str]:
    """Resolve stop references, creating stops for villages and lon/lat pairs."""
    if not isinstance(refs, list) or not refs:
        raise _fail(state, change, "stops must be a non-empty list")
    out = []
    for ref in refs:
        if not isinstance(ref, list | tuple):
            found = _find_stop(state, ref)
            if found is not None:
                out.append(str(state.stops["id"].iloc[found]))
                continue
        point, name = _place(state, change, ref)
        stop_id = _new_id(set(state.stops["id"].astype(str)), f"{line_id}-S")
        row = gpd.GeoDataFrame(
            {"id": [stop_id], "name": [f"{name}站" if not name[0].isdigit() else name]},
            geometry=[point],
            crs=state.stops.crs,
        )
        state.stops = pd.concat([state.stops, row], ignore_index=True)
        out.append(stop_id)
    return out


def _new_id(existing: set[str], prefix: str) -> str:
    n = 1
    while f"{prefix}{n}" in existing:
        n += 1
    return f"{prefix}{n}"


def _route(state: _State, change: Change, stop_ids: list[str]) -> shapely.LineString:
    points = [state.stops.geometry.iloc[_find_stop(state, s) or 0] for s in stop_ids]
    if len(points) == 1:
        return shapely.LineString([points[0], points[0]])
    if state.roads is None or len(state.roads) == 0:
        return shapely.LineString(points)
    graph = state.graph()
    snaps = snap_points(graph, np.array(points, dtype=object))
    pieces = []
    for i in range(len(points) - 1):
        route = shortest_route(graph, snaps.take(np.array([i])), snaps.take(np.array([i + 1])))
        if route is None:
            raise _fail(
                state,
                change,
                f"no road path between stops {stop_ids[i]} and {stop_ids[i + 1]}: they are on "
                "unconnected parts of the network (add_road first?)",
            )
        pieces.append(shapely.get_coordinates(route.geometry))
    coords = np.vstack(pieces)
    keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]
    coords = coords[keep]
    if len(coords) < 2:
        coords = np.vstack([coords, coords])
    return shapely.LineString(coords)


def _add_line(state: _State, change: Change) -> None:
    d = change.data
    line_id = str(d.get("id") or _new_id(set(state.lines["id"].astype(str)), "L"))
    if line_id in set(state.lines["id"].astype(str)):
        raise _fail(state, change, f"line '{line_id}' exists already (use extend_line)")
    stops = _stop_ids(state, change, d["stops"], line_id)
    row: dict[str, Any] = {"id": line_id, "name": str(d.get("name", line_id)), "stops": stops}
    for key in _SERVICE_KEYS:
        if key in d:
            row[key] = d[key]
    geometry = _route(state, change, stops)
    new = gpd.GeoDataFrame(
        {k: [v] for k, v in row.items()}, geometry=[geometry], crs=state.lines.crs
    )
    state.lines = pd.concat([state.lines, new], ignore_index=True)
    state.new_lines.append(line_id)


def _remove_line(state: _State, change: Change) -> None:
    index = _find_line(state, change, change.data["line"])
    state.lines = state.lines.drop(index=state.lines.index[index])


def _extend_line(state: _State, change: Change) -> None:
    index = _find_line(state, change, change.data["line"])
    line_id = str(state.lines["id"].iloc[index])
    new = _stop_ids(state, change, change.data["stops"], line_id)
    old = list(state.lines["stops"].iloc[index])
    at = str(change.data.get("at", "end"))
    if at not in ("start", "end"):
        raise _fail(state, change, 'at must be "start" or "end"')
    joined = [*new, *old] if at == "start" else [*old, *new]
    part = _route(state, change, [*new, old[0]] if at == "start" else [old[-1], *new])
    geometry = state.lines.geometry.iloc[index]
    coords = shapely.get_coordinates(geometry)
    extra = shapely.get_coordinates(part)
    merged = np.vstack([extra, coords]) if at == "start" else np.vstack([coords, extra])
    lines = state.lines.copy()
    lines.at[lines.index[index], "stops"] = joined
    geoms = lines.geometry.to_numpy().copy()
    geoms[index] = shapely.LineString(merged)
    state.lines = lines.set_geometry(geoms, crs=lines.crs)


def _add_stop(state: _State, change: Change) -> None:
    d = change.data
    index = _find_line(state, change, d["line"])
    line_id = str(state.lines["id"].iloc[index])
    (stop,) = _stop_ids(state, change, [d["stop"]], line_id)
    seq = list(state.lines["stops"].iloc[index])
    if "after" in d or "before" in d:
        anchor = _find_stop(state, d.get("after", d.get("before")))
        anchor_id = None if anchor is None else str(state.stops["id"].iloc[anchor])
        if anchor_id not in seq:
            raise _fail(
                state, change, f"stop '{d.get('after', d.get('before'))}' is not on {line_id}"
            )
        position = seq.index(anchor_id) + (1 if "after" in d else 0)
    else:
        position = len(seq)
    seq.insert(position, stop)
    lines = state.lines.copy()
    lines.at[lines.index[index], "stops"] = seq
    state.lines = lines


def _move_stop(state: _State, change: Change) -> None:
    index = _find_stop(state, change.data["stop"])
    if index is None:
        raise _fail(
            state,
            change,
            f"no stop '{change.data['stop']}'{_suggest(change.data['stop'], state.stops['id'])}",
        )
    point, _ = _place(state, change, change.data["to"])
    geoms = state.stops.geometry.to_numpy().copy()
    geoms[index] = point
    state.stops = state.stops.set_geometry(geoms, crs=state.stops.crs)


def _remove_stop(state: _State, change: Change) -> None:
    index = _find_stop(state, change.data["stop"])
    if index is None:
        names = list(state.stops["id"].astype(str))
        raise _fail(
            state, change, f"no stop '{change.data['stop']}'{_suggest(change.data['stop'], names)}"
        )
    stop_id = str(state.stops["id"].iloc[index])
    lines = state.lines.copy()
    targets = (
        [_find_line(state, change, change.data["line"])]
        if "line" in change.data
        else range(len(lines))
    )
    for i in targets:
        seq = [s for s in lines["stops"].iloc[i] if s != stop_id]
        lines.at[lines.index[i], "stops"] = seq
    state.lines = lines
    if "line" not in change.data:
        state.stops = state.stops.drop(index=state.stops.index[index])


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
    state.lines = lines


def _geometry(state: _State, change: Change, value: Any) -> shapely.LineString:
    if isinstance(value, list):
        try:
            coords = np.array(value, dtype=float)
        except ValueError as exc:
            raise _fail(state, change, "geometry must be a list of [lon, lat] pairs") from exc
        if coords.ndim != 2 or coords.shape[1] != 2 or len(coords) < 2:
            raise _fail(state, change, "geometry must be a list of at least two [lon, lat] pairs")
        transformer = pyproj.Transformer.from_crs(4326, state.county.crs, always_xy=True)
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
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
            transformer = pyproj.Transformer.from_crs(4326, state.county.crs, always_xy=True)
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
    state.new_roads.append(road_id)


def _pave_roads(state: _State, change: Change) -> None:
    d = change.data
    if state.roads is None:
        raise _fail(state, change, "the county has no roads layer")
    surface = SURFACES.get(str(d.get("surface", "paved")).lower())
    if surface is None:
        raise _fail(state, change, f"surface '{d.get('surface')}' is not paved, gravel or earth")
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
        state.new_roads.append(project)


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
        return delta

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
    )


def _coverage_params(params: Mapping[str, Any]) -> CoverageParams:
    keys = {"radius_m", "metric", "off_network_m"}
    return CoverageParams(**{k: v for k, v in params.items() if k in keys})


def _access_params(params: Mapping[str, Any]) -> AccessParams:
    keys = {"connector_m", "rai_radius_m"}
    return AccessParams(**{k: v for k, v in params.items() if k in keys})
