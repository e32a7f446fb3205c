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
names are the standard ones (English or Chinese).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadnet.errors import ConfigError, ReadError
from roadnet.schema import LAYER_NAMES, canonical_layer_name

MANIFEST_NAME = "county.toml"

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


def locate_manifest(county: str | Path) -> Path:
    """Resolve a COUNTY argument to a county.toml or GeoPackage path.

    Raises
    ------
    ReadError
        When nothing usable is there, with a hint of what is expected.
    """
    path = Path(county)
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
        raise ConfigError(f"{where}: unknown key '{key}'{_suggest(key, _TOP_KEYS)}")
    layers_data = data.get("layers", {})
    if not isinstance(layers_data, Mapping):
        raise ConfigError(f"{where}: [layers] must be a table of [layers.NAME] sections")
    layers: dict[str, LayerSource] = {}
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
        if source.gtfs is not None and name in ("bus_stops", "bus_lines"):
            for bus_layer in ("bus_stops", "bus_lines"):
                layers[bus_layer] = LayerSource(bus_layer, gtfs=source.gtfs)
        else:
            layers[name] = source
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


def _layer_source(name: str, section: Mapping[str, Any], *, root: Path, where: str) -> LayerSource:
    unknown = set(section) - set(_LAYER_KEYS)
    if unknown:
        key = sorted(unknown)[0]
        options = "; ".join(f"{k}: {v}" for k, v in _LAYER_KEYS.items())
        raise ConfigError(
            f"{where}: unknown key '{key}'{_suggest(key, _LAYER_KEYS)}. Keys: {options}"
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
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise ReadError(f"{path}: not a readable GeoPackage: {exc}") from exc
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
