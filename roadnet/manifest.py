"""The county manifest, ``county.toml``: where each layer comes from and how to read it.

::

    name = "示范县"
    crs = "auto"                 # or an EPSG code of the metric CRS used in analysis
    [layers.townships]
    path = "乡镇.shp"             # relative to this file
    encoding = "GBK"
    fields = { id = "XZQDM", name = "XZQMC" }
    [layers.villages]
    path = "村庄.xlsx"
    coords = "GCJ-02"
    [layers.bus_lines]
    gtfs = "bus.zip"             # gives bus_stops and bus_lines

A COUNTY argument may also be a folder holding a county.toml, or a GeoPackage whose layer
names are the standard ones (English or Chinese). When a command is given no COUNTY, it
uses :data:`DEFAULT_COUNTY`, which is looked for where it is read: ``./county.toml`` first,
then ``layers/county.toml`` (where ``roadnet sample`` writes the sample county).
"""

from __future__ import annotations

import difflib
import pathlib
import sys
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadnet.errors import ConfigError, ReadError
from roadnet.schema import LAYER_NAMES, canonical_layer_name

MANIFEST_NAME = "county.toml"

#: Where a command without a COUNTY looks for one, in this order.
DEFAULT_PLACES: tuple[Path, ...] = (Path(MANIFEST_NAME), Path("layers") / MANIFEST_NAME)

_LAYER_KEYS = {
    "path": "file (or list of files) relative to county.toml",
    "layer": "layer name inside a GeoPackage or other multi-layer file",
    "encoding": "text encoding of a shapefile without .cpg or of a CSV (e.g. GBK)",
    "fields": "table mapping canonical field → column name in the file",
    "crs": "CRS of the file when it has none or a wrong one (EPSG code)",
    "coords": "WGS-84 (default), GCJ-02 or BD-09 for points from Chinese web maps",
    "gtfs": "GTFS feed (zip or folder) giving bus_stops and bus_lines",
    "sheet": "sheet name or number of an Excel workbook",
    "lon": "longitude / x column of a CSV or Excel table",
    "lat": "latitude / y column of a CSV or Excel table",
    "repair": "true to repair invalid geometries with make_valid",
    "classes": 'parcels only: { field = "...", map = { value = "DLBM" } } for non-三调 data',
    "where": "pandas query selecting features, e.g. \"kind == 'administrative'\"",
}
_TOP_KEYS = {"name", "crs", "layers", "patrol", "params", "code", "timezone", "seat"}
_GTFS_LAYERS = ("bus_stops", "bus_lines")
#: Keys a ``gtfs = ...`` section takes: ``where`` selects features of its own layer (for
#: instance the routes of one agency), ``coords`` says the feed's stops and shapes are
#: GCJ-02/BD-09 (both layers), ``repair`` repairs invalid shapes.
_GTFS_KEYS = {"gtfs", "where", "coords", "repair"}
_GTFS_WHY = {
    "path": "the feed is the file: gtfs = ... replaces path",
    "layer": "a feed has no layers to choose from",
    "encoding": "GTFS text is UTF-8 by the standard",
    "fields": "GTFS columns have standard names, read as such",
    "crs": "GTFS coordinates are WGS-84 by the standard; use coords for GCJ-02/BD-09",
    "sheet": "a feed is not a workbook",
    "lon": "stops.txt has stop_lon",
    "lat": "stops.txt has stop_lat",
    "classes": "classes is for parcels",
}


@dataclass(frozen=True)
class LayerSource:
    """How to read one layer (a ``[layers.NAME]`` section of county.toml)."""

    name: str
    paths: tuple[Path, ...] = ()
    layer: str | None = None
    encoding: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    crs: Any = None
    coords: str | None = None
    gtfs: Path | None = None
    sheet: str | int | None = None
    lon: str | None = None
    lat: str | None = None
    repair: bool = False
    classes: Mapping[str, Any] | None = None
    where: str | None = None

    @property
    def label(self) -> str:
        """Short description of the source for messages."""
        if self.gtfs is not None:
            return str(self.gtfs)
        text = ", ".join(str(p) for p in self.paths)
        return f"{text} (layer {self.layer})" if self.layer else text


@dataclass(frozen=True)
class Manifest:
    """A parsed county.toml (or a GeoPackage read as one)."""

    name: str
    root: Path
    path: Path | None
    crs: Any = "auto"
    layers: Mapping[str, LayerSource] = field(default_factory=dict)
    patrol: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


if sys.platform == "win32":  # pragma: no cover - the concrete Path class of the platform

    class _ConcretePath(pathlib.WindowsPath):
        pass

else:

    class _ConcretePath(pathlib.PosixPath):
        pass


class _DefaultCounty(_ConcretePath):
    """The COUNTY of a command given none: found where it is read, not where it is defined.

    ``exists()`` and ``is_file()`` answer for the places of :data:`DEFAULT_PLACES`;
    :func:`locate_manifest` turns it into the first of them that exists.
    """

    def exists(self, *, follow_symlinks: bool = True) -> bool:
        """Whether ./county.toml or layers/county.toml exists."""
        return find_default_county() is not None

    def is_file(self) -> bool:
        """Whether ./county.toml or layers/county.toml exists."""
        return find_default_county() is not None

    def is_dir(self) -> bool:
        """Never a folder."""
        return False


#: The default COUNTY of every command: ./county.toml, else layers/county.toml. Commands use
#: this very object as their default; :func:`locate_manifest` recognises it (by identity),
#: resolves it and says on stderr which file was used.
DEFAULT_COUNTY: Path = _DefaultCounty(MANIFEST_NAME)


def find_default_county(cwd: Path | None = None) -> Path | None:
    """The first of ./county.toml and layers/county.toml that exists in ``cwd``, or None."""
    for place in DEFAULT_PLACES:
        candidate = place if cwd is None else cwd / place
        if candidate.is_file():
            return candidate
    return None


def resolve_county(county: str | Path) -> Path:
    """Resolve the COUNTY argument of a command: the default is looked for where it is used.

    Parameters
    ----------
    county
        A path, or :data:`DEFAULT_COUNTY` (a command given no COUNTY): then ./county.toml,
        else layers/county.toml, and one line on stderr says which one is used.

    Raises
    ------
    ReadError
        When the default is asked for and neither file exists.
    """
    if county is not DEFAULT_COUNTY:
        return Path(county)
    found = find_default_county()
    if found is None:
        tried = " nor ".join(f"./{p.as_posix()}" for p in DEFAULT_PLACES)
        raise ReadError(
            f"no county given and none here: neither {tried} exists in {Path.cwd()}. Give the "
            "COUNTY (a county.toml, a folder holding one, or a GeoPackage), or run "
            "`roadnet sample` to write the sample county into layers/"
        )
    shown = f"./{found.name}" if found.parent == Path() else found.as_posix()
    print(f"roadnet: county: {shown}", file=sys.stderr)
    return found


def locate_manifest(county: str | Path) -> Path:
    """Resolve a COUNTY argument to a county.toml or GeoPackage path.

    :data:`DEFAULT_COUNTY` is looked for in ./county.toml, then layers/county.toml.

    Raises
    ------
    ReadError
        When nothing usable is there, with a hint of what is expected.
    """
    path = resolve_county(county)
    if path.is_dir():
        candidate = path / MANIFEST_NAME
        if candidate.is_file():
            return candidate
        gpkgs = sorted(path.glob("*.gpkg"))
        hint = f"; it holds {gpkgs[0].name}: pass that GeoPackage instead" if gpkgs else ""
        raise ReadError(f"{path}: folder has no {MANIFEST_NAME}{hint}")
    if not path.exists():
        raise ReadError(
            f"{path}: no such file. Give a county.toml, a folder holding one, or a GeoPackage "
            "(run `roadnet sample` to create the sample county in layers/)"
        )
    return path


def read_manifest(county: str | Path) -> Manifest:
    """Parse a county.toml, a folder holding one, or a GeoPackage with standard layer names."""
    path = locate_manifest(county)
    if path.suffix.lower() == ".gpkg":
        return _manifest_from_geopackage(path)
    if path.suffix.lower() != ".toml":
        raise ReadError(
            f"{path}: a COUNTY is a county.toml, a folder holding one or a GeoPackage, "
            f"not a '{path.suffix}' file"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{path}: not UTF-8 text ({exc.reason}); save county.toml as UTF-8"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    return parse_manifest(data, root=path.parent, path=path)


def parse_manifest(data: Mapping[str, Any], *, root: Path, path: Path | None = None) -> Manifest:
    """Build a :class:`Manifest` from parsed TOML; every unknown key is an error with a hint."""
    where = str(path) if path else "county.toml"
    unknown = set(data) - _TOP_KEYS
    if unknown:
        key = sorted(unknown)[0]
        hint = _suggest(key, _TOP_KEYS)
        if {"baseline", "change"} & unknown:
            hint = (
                " (this is a scenario file: run it with `roadnet scenario`; its baseline "
                "must be a county.toml)"
            )
        raise ConfigError(f"{where}: unknown key '{_short(key)}'{hint}")
    _check_top_values(data, where)
    layers_data = data.get("layers", {})
    if not isinstance(layers_data, Mapping):
        raise ConfigError(f"{where}: [layers] must be a table of [layers.NAME] sections")
    layers: dict[str, LayerSource] = {}
    from_feed: dict[str, LayerSource] = {}  # the other bus layer of a gtfs = ... section
    for raw_name, section in layers_data.items():
        name = canonical_layer_name(raw_name)
        if name is None:
            raise ConfigError(
                f"{where}: [layers.{raw_name}] is not a layer roadnet knows"
                f"{_suggest(raw_name, LAYER_NAMES)}; layers are {', '.join(LAYER_NAMES)}"
            )
        if not isinstance(section, Mapping):
            raise ConfigError(f"{where}: [layers.{raw_name}] must be a table")
        source = _layer_source(name, section, root=root, where=f"{where} [layers.{raw_name}]")
        layers[name] = source
        if source.gtfs is not None and name in _GTFS_LAYERS:
            # The feed gives both bus layers; the section's `where` is its own layer's,
            # `coords` is the feed's (both layers).
            other = next(n for n in _GTFS_LAYERS if n != name)
            from_feed[other] = LayerSource(other, gtfs=source.gtfs, coords=source.coords)
    for name, source in from_feed.items():
        layers.setdefault(name, source)
    crs = data.get("crs", "auto")
    name = data.get("name") or (path.parent.name if path else "county")
    return Manifest(
        name=str(name),
        root=root,
        path=path,
        crs=crs,
        layers=layers,
        patrol=dict(data.get("patrol", {})),
        params=dict(data.get("params", {})),
        extra={k: data[k] for k in ("code", "timezone", "seat") if k in data},
    )


def _check_top_values(data: Mapping[str, Any], where: str) -> None:
    """Refuse top-level values of the wrong kind now, before any layer is read.

    ``[patrol]`` and ``[params]`` are tables, ``name``, ``code`` and ``seat`` plain values,
    ``crs`` "auto" or a metric CRS, ``timezone`` a zone: a wrong one would otherwise end in
    a traceback, or be met only by the one command that reads it.
    """
    from roadnet import crs as crs_module
    from roadnet.timeparse import county_timezone

    for key in ("patrol", "params"):
        if key in data and not isinstance(data[key], Mapping):
            raise ConfigError(
                f"{where}: {key} must be a table ([{key}] followed by its keys), not "
                f"{toml_kind(data[key])}"
            )
    for key in ("name", "code", "seat"):
        value = data.get(key, "")
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ConfigError(
                f'{where}: {key} must be a text ({key} = "..."), not {toml_kind(data[key])}'
            )
    crs = data.get("crs", "auto")
    if crs not in (None, "auto"):
        chosen = crs_module.parse_crs(crs, what=f"{where}: crs")
        crs_module.check_metric(chosen, what=f"{where}: crs")
    if "timezone" in data:
        try:
            county_timezone(data["timezone"])
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from exc


def toml_kind(value: object) -> str:
    """What a TOML value is, for messages: ``a table``, ``a list``, ``the number 5``."""
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"'{_short(str(value))}'"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _layer_source(name: str, section: Mapping[str, Any], *, root: Path, where: str) -> LayerSource:
    unknown = set(section) - set(_LAYER_KEYS)
    if unknown:
        key = sorted(unknown)[0]
        options = "; ".join(f"{k}: {v}" for k, v in _LAYER_KEYS.items())
        raise ConfigError(
            f"{where}: unknown key '{key}'{_suggest(key, _LAYER_KEYS)}. Keys: {options}"
        )
    if "gtfs" in section:
        if name not in _GTFS_LAYERS:
            raise ConfigError(
                f"{where}: gtfs = ... gives the bus_stops and bus_lines layers only; use "
                'path = "..." for this layer'
            )
        refused = sorted(set(section) - _GTFS_KEYS)
        if refused:
            key = refused[0]
            raise ConfigError(
                f"{where}: key '{key}' does not apply to a GTFS feed ({_GTFS_WHY.get(key, '')}"
                f"); remove it. With gtfs = ..., a section takes only "
                f"{', '.join(sorted(_GTFS_KEYS))}"
            )
    raw_paths = section.get("path")
    if raw_paths is None and "gtfs" not in section:
        raise ConfigError(f'{where}: give path = "file" (or gtfs = "feed.zip" for bus layers)')
    if isinstance(raw_paths, str):
        raw_paths = [raw_paths]
    if raw_paths is not None and not (
        isinstance(raw_paths, list) and all(isinstance(p, str) for p in raw_paths)
    ):
        raise ConfigError(f"{where}: path must be a string or a list of strings")
    fields = section.get("fields", {})
    if not isinstance(fields, Mapping) or not all(isinstance(v, str) for v in fields.values()):
        raise ConfigError(f'{where}: fields must be a table like {{ id = "XZQDM" }}')
    classes = section.get("classes")
    if classes is not None and (
        not isinstance(classes, Mapping) or "field" not in classes or "map" not in classes
    ):
        raise ConfigError(
            f'{where}: classes must be {{ field = "landuse", map = {{ forest = "0301", ... }} }}'
        )
    gtfs = section.get("gtfs")
    return LayerSource(
        name=name,
        paths=tuple(_resolve(root, p) for p in raw_paths or ()),
        layer=section.get("layer"),
        encoding=section.get("encoding"),
        fields=dict(fields),
        crs=section.get("crs"),
        coords=section.get("coords"),
        gtfs=_resolve(root, gtfs) if gtfs else None,
        sheet=section.get("sheet"),
        lon=section.get("lon"),
        lat=section.get("lat"),
        repair=bool(section.get("repair", False)),
        classes=classes,
        where=section.get("where"),
    )


def _resolve(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def _manifest_from_geopackage(path: Path) -> Manifest:
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's own complaints; the error says it all
            listed = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ReadError(f"{path}: not a readable GeoPackage: {text}") from exc
    layers: dict[str, LayerSource] = {}
    for row in listed:
        layer_name = str(row[0])
        name = canonical_layer_name(layer_name)
        if name is not None and name not in layers:
            layers[name] = LayerSource(name, paths=(path,), layer=layer_name)
    if not layers:
        found = ", ".join(str(r[0]) for r in listed) or "none"
        raise ReadError(
            f"{path}: no layer has a standard name ({', '.join(LAYER_NAMES)}); found {found}. "
            "Write a county.toml naming the layers instead"
        )
    return Manifest(name=path.stem, root=path.parent, path=None, layers=layers)


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
