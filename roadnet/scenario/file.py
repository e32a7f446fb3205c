"""Scenario files: reading, parsing and checking the TOML of "what if" changes.

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
the change, and suggest close matches for misspelt names). A script may give the changes as
plain dicts instead (:func:`as_changes`); they are checked the same way, and a message names
the change's place in the list (``changes[2]``) where a file's names its line.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from roadnet.bus import CoverageParams
from roadnet.errors import ConfigError, ReadError
from roadnet.manifest import toml_kind
from roadnet.parameters import require_number
from roadnet.paved import AccessParams
from roadnet.schema import MAX_SPEED_KMH, MIN_SPEED_KMH

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
    """One change: its operation, its keys, and where it stands in the file or list.

    Attributes
    ----------
    op
        The operation (one of :data:`OPS`).
    data
        The change's keys, ``op`` included (the ``[[change]]`` table or the dict).
    number
        1-based position among the file's changes (0: not from a file).
    line
        Line of the ``[[change]]`` header in the file, when known.
    index
        0-based position in the list a script gave (None for a file's changes).
    """

    op: str
    data: Mapping[str, Any]
    number: int = 0
    line: int | None = None
    index: int | None = None

    def where(self, path: Path | None) -> str:
        """``file:line (change N, op)``, or ``changes[i] (op)`` for a script's change."""
        if self.index is not None and path is None:
            return f"changes[{self.index}] ({self.op})"
        place = f"{path}" if path else "scenario"
        if self.line:
            place += f":{self.line}"
        return f"{place} (change {self.number}, {self.op})"


def as_changes(changes: Sequence[Change | Mapping[str, Any]]) -> tuple[Change, ...]:
    """Changes given as :class:`Change` objects or plain dicts, as Change objects.

    A dict holds a ``[[change]]`` table's keys (``{"op": "add_line", "stops": [...]}``).
    A Change without a file position gets its place in the list, for messages.

    Parameters
    ----------
    changes
        The changes, in order.

    Returns
    -------
    tuple of Change

    Raises
    ------
    ConfigError
        An entry is neither a Change nor a dict.
    """
    if isinstance(changes, Mapping | Change | str):
        raise ConfigError(
            'changes must be a list of changes ([{"op": "add_line", ...}, ...]), not one '
            f"{type(changes).__name__}"
        )
    out = []
    for index, entry in enumerate(changes):
        if isinstance(entry, Change):
            out.append(entry if entry.number else replace(entry, index=index, number=index + 1))
        elif isinstance(entry, Mapping):
            op = entry.get("op", "")
            out.append(Change(str(op), dict(entry), index + 1, None, index))
        else:
            raise ConfigError(
                f'changes[{index}]: a change is a dict ({{"op": "add_line", ...}}) or a '
                f"Change, not {type(entry).__name__}"
            )
    return tuple(out)


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
        check_change(change, path)
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


def check_change(change: Change, path: Path | None) -> None:
    """Check a change's op, keys and values (not yet against the county).

    Raises
    ------
    ConfigError
        Naming the change (:meth:`Change.where`) and what is wrong, with a close match.
    """
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


def _excerpt(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, list | tuple) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _coverage_params(params: Mapping[str, Any]) -> CoverageParams:
    keys = {"radius_m", "metric", "off_network_m"}
    return CoverageParams(**{k: v for k, v in params.items() if k in keys})


def _access_params(params: Mapping[str, Any]) -> AccessParams:
    keys = {"connector_m", "rai_radius_m", "unknown_surface", "seat"}
    return AccessParams(**{k: v for k, v in params.items() if k in keys})
