"""The County: validated layers, renamed to canonical fields, in one local metric CRS.

:func:`load_county` reads a county.toml (or a GeoPackage with standard layer names),
reads each layer with the reader its file needs, checks coordinates and fields, converts
GCJ-02/BD-09 points to WGS-84, and projects every layer once into the county's metric CRS
(CGCS2000 3-degree Gauss-Krüger inside China, UTM elsewhere). Every problem found is
collected; :func:`load_county` raises them together, :func:`inspect_county` returns them
for ``roadnet validate``.

What loading changed or had to guess is recorded in :attr:`County.quality`, one
:class:`~roadnet.quality.QualityNote` per key (every analysis carries them on):

- ``geometry_parts_dropped_<layer>``: parts of another kind dropped from GeometryCollections
  (with ``repair``): features, km of lines, m² of polygons, ids; features left empty removed;
- ``roads_reversed_duplicates_merged`` / ``roads_exact_duplicates_merged``: roads drawn
  twice (a directed layer) merged into one two-way road: count, km removed, share of km;
- ``coords_on_crs_layer_<layer>``: ``coords`` applied to a file with its own CRS;
- ``encoding_guessed_<layer>``: a shapefile/CSV text encoding told from the bytes;
- ``column_names_truncated_<layer>``: shapefile column names cut mid-character;
- ``units_converted_<layer>_<field>``: a header's unit converted (``人口(万人)``);
- ``stops_off_their_lines``: stops more than 150 m from every line calling at them.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet import crs as crs_module
from roadnet.errors import (
    LayerError,
    MissingLayerError,
    Problem,
    ReadError,
    RoadnetError,
    ValidationError,
)
from roadnet.formatting import format_count, format_km, format_mu
from roadnet.io.files import ReadResult
from roadnet.io.tabular import TABLE_SUFFIXES, points_from_table, read_table
from roadnet.io.vector import read_vector
from roadnet.manifest import LayerSource, Manifest, read_manifest
from roadnet.placement import (
    check_extents,
    coords_on_crs_layer,
    lonlat_box,
    lonlat_centre,
    stops_off_their_lines,
)
from roadnet.quality import DataQuality, QualityNote
from roadnet.schema import (
    SCHEMAS,
    LayerSchema,
    Normalized,
    column_label,
    columns_text,
    derive_road_class,
    normalize_layer,
    split_list,
)

log = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm", ".pbf", ".osm.bz2", ".osm.gz", ".bz2")
_GEOMETRY_TYPES = {
    "point": {"Point", "MultiPoint"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
    "line_or_polygon": {"LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}


@dataclass(frozen=True)
class County:
    """A county's layers in one metric CRS.

    Attributes
    ----------
    name
        County name from county.toml.
    crs
        The metric CRS every layer is in (CGCS2000 GK zone or UTM).
    layers
        Canonical layer name → GeoDataFrame (``fleet`` is a plain DataFrame).
    manifest
        Where the layers came from.
    problems
        Warnings (and, from :func:`inspect_county`, errors) found while loading.
    quality
        What loading could not tell or changed (geometry parts dropped, duplicate roads
        merged …); every analysis adds these to its own ``data_quality``.
    """

    name: str
    crs: pyproj.CRS
    layers: Mapping[str, pd.DataFrame]
    manifest: Manifest
    problems: tuple[Problem, ...] = ()
    quality: DataQuality = field(default_factory=DataQuality)

    def has(self, name: str) -> bool:
        """Whether the county has layer ``name`` (and it is not empty)."""
        frame = self.layers.get(name)
        return frame is not None and len(frame) > 0

    def layer(self, name: str, *, purpose: str | None = None) -> gpd.GeoDataFrame:
        """Layer ``name``; a clear :class:`MissingLayerError` when the county lacks it."""
        frame = self.layers.get(name)
        if frame is None:
            schema = SCHEMAS[name]
            why = f" {purpose} needs it." if purpose else ""
            where = self.manifest.path or self.manifest.root
            raise MissingLayerError(
                f"county '{self.name}' has no {name} ({schema.label_zh}) layer.{why} Add a "
                f'[layers.{name}] section with path = "..." to {where}',
                layer=name,
            )
        return frame

    @property
    def root(self) -> Path:
        """Folder of county.toml (relative paths and default outputs live there)."""
        return self.manifest.root

    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """Bounds of all layers in WGS-84 (min lon, min lat, max lon, max lat)."""
        boxes = [
            f.to_crs(4326).total_bounds
            for f in self.layers.values()
            if isinstance(f, gpd.GeoDataFrame) and len(f)
        ]
        stacked = np.array(boxes)
        return (
            float(stacked[:, 0].min()),
            float(stacked[:, 1].min()),
            float(stacked[:, 2].max()),
            float(stacked[:, 3].max()),
        )


@dataclass
class _Dropped:
    """Parts of another dimension dropped from a layer's features (measured once projected)."""

    parts: np.ndarray
    crs: Any
    features: list[str]  # ids of the features that lost parts
    removed: list[str]  # ids of the features left with no part at all
    kept: str  # what was kept: "points", "lines" or "polygons"


@dataclass
class _Loaded:
    """A layer after reading and checks, before projection."""

    frame: pd.DataFrame
    source: LayerSource
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical field → user's column
    quality: list[QualityNote] = field(default_factory=list)
    dropped: _Dropped | None = None
    lonlat_box: tuple[float, float, float, float] | None = None
    lonlat_centre: tuple[float, float] | None = None


@dataclass
class _Read:
    """A layer as read from its file(s), before any check."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    quality: list[QualityNote] = field(default_factory=list)
    formula_cells: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    own_crs: bool = False  # geometry and CRS come from the file itself (not a lon/lat table)


def load_county(
    county: str | Path | Manifest,
    *,
    layers: Iterable[str] | None = None,
    repair: bool = False,
) -> County:
    """Load and validate a county; raise on any error.

    Parameters
    ----------
    county
        A county.toml, a folder holding one, a GeoPackage with standard layer names, or a
        parsed :class:`~roadnet.manifest.Manifest`.
    layers
        Load only these layers (others are not read at all: a coverage run does not pay for
        a million parcels). Layers named but absent from the county are simply missing;
        :meth:`County.layer` reports them when asked for.
    repair
        Repair invalid geometries with ``shapely.make_valid`` instead of reporting them, and
        keep the parts of the layer's dimension of GeometryCollections (dropping the rest,
        counted in :attr:`County.quality`).

    Raises
    ------
    ReadError, ConfigError
        A file or county.toml cannot be read.
    ValidationError
        The layers have errors; all of them are listed.
    """
    result, problems = inspect_county(county, layers=layers, repair=repair)
    if result is None or any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return result


def inspect_county(
    county: str | Path | Manifest,
    *,
    layers: Iterable[str] | None = None,
    repair: bool = False,
) -> tuple[County | None, list[Problem]]:
    """Load a county collecting every problem (errors and warnings) instead of raising.

    Returns the County (None when no layer could be projected) and the problems. Files that
    cannot be read at all still raise :class:`ReadError`. What loading changed or had to
    guess (parts dropped, duplicate roads merged, an encoding guessed …) is in the County's
    ``quality``.
    """
    manifest = county if isinstance(county, Manifest) else read_manifest(county)
    wanted = set(layers) if layers is not None else None
    sources = {n: s for n, s in manifest.layers.items() if wanted is None or n in wanted}
    problems: list[Problem] = []
    loaded: dict[str, _Loaded] = {}
    gtfs_cache: dict[Path, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]] = {}
    for name, source in sources.items():
        try:
            item = _load_layer(source, gtfs_cache=gtfs_cache, repair=repair or source.repair)
        except RoadnetError:
            raise
        except Exception as exc:  # a damaged file met where no reader expected it
            raise ReadError(
                f"{source.label}: layer '{name}' cannot be read ({type(exc).__name__}: "
                f"{_short(exc)}); check that the file is complete and of the kind its name "
                "says (run with --debug for the details)"
            ) from exc
        problems.extend(item.problems)
        if item.frame is not None:
            loaded[name] = item

    # layers with a CRS and at least one geometry (a box): they place the county
    spatial = {
        n: i.frame
        for n, i in loaded.items()
        if isinstance(i.frame, gpd.GeoDataFrame)
        and i.frame.crs is not None
        and i.lonlat_box is not None
    }
    if not spatial:
        if not problems and not loaded:
            problems.append(
                Problem("error", "county.toml names no layers", source=str(manifest.path))
            )
        return None, problems

    boxes = {n: i.lonlat_box for n, i in loaded.items() if i.lonlat_box is not None}
    extent_problems = check_extents(
        boxes,
        {n: i.source for n, i in loaded.items()},
        manifest,
        centres={n: i.lonlat_centre for n, i in loaded.items() if i.lonlat_centre is not None},
    )
    problems.extend(extent_problems)
    # A layer thousands of kilometres off is not projected with the others (nor used to
    # choose the county's CRS).
    far = {p.layer for p in extent_problems if p.severity == "error"}
    spatial = {n: f for n, f in spatial.items() if n not in far} or spatial
    metric = _metric_crs(manifest, {n: loaded[n] for n in spatial})
    projected: dict[str, pd.DataFrame] = {}
    notes: list[QualityNote] = []
    for name, item in loaded.items():
        notes.extend(item.quality)
        frame = item.frame
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None or name in far:
                continue
            frame = frame.to_crs(metric)
        projected[name] = frame
        if item.dropped is not None:
            note = _dropped_note(name, item.dropped, metric)
            notes.append(note)
            problems.append(
                Problem(
                    "info",
                    note.text_en,
                    layer=name,
                    source=item.source.label,
                    count=note.count or 0,
                )
            )
    if "roads" in loaded:
        roads = projected.get("roads", loaded["roads"].frame)
        if "roads" in projected and isinstance(roads, gpd.GeoDataFrame):
            roads, merged = _merge_roads(roads, loaded["roads"], problems)
            notes.extend(merged)
            projected["roads"] = roads
        _check_duplicate_ids(
            roads,
            SCHEMAS["roads"],
            loaded["roads"].source.label,
            problems,
            columns=loaded["roads"].columns,
        )
    columns = {n: i.columns for n, i in loaded.items()}
    cross, cross_notes = _cross_checks(projected, manifest, columns)
    problems.extend(cross)
    notes.extend(cross_notes)
    result = County(
        name=manifest.name,
        crs=metric,
        layers=projected,
        manifest=manifest,
        problems=tuple(problems),
        quality=DataQuality().with_notes(*notes),
    )
    return result, problems


# --------------------------------------------------------------------------- one layer


def _load_layer(
    source: LayerSource,
    *,
    gtfs_cache: dict[Path, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]],
    repair: bool,
) -> _Loaded:
    schema = SCHEMAS[source.name]
    label = source.label
    read = _read_source(source, schema, gtfs_cache=gtfs_cache)
    frame = read.frame
    item = _Loaded(frame, source)
    item.problems.extend(
        Problem("info", note, layer=source.name, source=label) for note in read.notes
    )
    item.quality.extend(_layer_note(note, source.name) for note in read.quality)
    feed_notes = frame.attrs.get("quality")  # a GTFS feed's calendar notes, keys as they are
    if isinstance(feed_notes, DataQuality):
        item.quality.extend(feed_notes)

    if len(frame) == 0:
        item.problems.append(Problem("error", "layer is empty", layer=source.name, source=label))
        return item

    if source.classes is not None:
        frame = _apply_classes(frame, source, item.problems)
    if source.where:
        try:
            frame = frame.query(source.where)
        except Exception as exc:
            raise LayerError(
                f"where = {_excerpt(source.where)} cannot be applied: {_short(exc)}; the "
                f"layer's columns are {columns_text(frame.columns)}",
                layer=source.name,
                source=label,
            ) from exc
        if len(frame) == 0:
            item.problems.append(
                Problem(
                    "error",
                    f"where = {_excerpt(source.where)} selects no feature",
                    layer=source.name,
                    source=label,
                )
            )
            item.frame = frame
            return item

    if isinstance(frame, gpd.GeoDataFrame):
        frame = _check_crs(frame, source, item.problems)
        if frame.crs is not None:
            _check_coordinates(frame, source, item.problems)
            if any(p.severity == "error" and p.layer == source.name for p in item.problems):
                item.frame = frame.set_crs(None, allow_override=True)
                return item
            if source.coords:
                if read.own_crs:
                    warning, note = coords_on_crs_layer(frame, source)
                    item.problems.append(warning)
                    item.quality.append(note)
                frame = _convert_web_coords(frame, source)
            item.lonlat_box = lonlat_box(frame)
            item.lonlat_centre = lonlat_centre(frame)

    if schema.name == "roads":
        frame = _osmnx_edge_ids(frame, source, item.problems)
    normalized = normalize_layer(frame, schema, mapping=source.fields, source=label)
    item.problems.extend(normalized.problems)
    item.columns = normalized.columns
    item.quality.extend(_unit_notes(normalized, source))
    item.problems.extend(_formula_problems(read.formula_cells, normalized, source))
    frame = normalized.frame
    if schema.name == "roads":
        frame["class"] = derive_road_class(frame)
    if schema.name == "villages" and "kind" not in frame.columns:
        frame["kind"] = "administrative"
        item.problems.append(
            Problem(
                "warning",
                "no 'kind' field (建制村/自然村): every village is counted as administrative",
                layer="villages",
                field="kind",
                source=label,
            )
        )
    if isinstance(frame, gpd.GeoDataFrame):
        frame, item.dropped = _check_geometries(
            frame, schema, source, item.problems, repair=repair, columns=item.columns
        )
    if schema.name != "roads":  # roads: after reversed duplicates are merged
        _check_duplicate_ids(frame, schema, label, item.problems, columns=item.columns)
    item.frame = frame.reset_index(drop=True)
    return item


def _read_source(
    source: LayerSource,
    schema: LayerSchema,
    *,
    gtfs_cache: dict[Path, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]],
) -> _Read:
    if source.gtfs is not None:
        if source.name not in ("bus_stops", "bus_lines"):
            raise LayerError("gtfs = ... gives bus_stops and bus_lines only", layer=source.name)
        if source.gtfs not in gtfs_cache:
            from roadnet.io.gtfs import read_gtfs

            gtfs_cache[source.gtfs] = read_gtfs(source.gtfs)
        stops, lines = gtfs_cache[source.gtfs]
        return _Read(stops if source.name == "bus_stops" else lines)

    if not source.paths:
        raise LayerError("no path given", layer=source.name)
    missing = [p for p in source.paths if not p.exists()]
    if missing:
        raise ReadError(
            f"{missing[0]}: no such file (layer '{source.name}'); check path in county.toml"
        )
    folders = [p for p in source.paths if p.is_dir()]
    if folders:
        raise ReadError(
            f"{folders[0]}: is a folder, not a file (layer '{source.name}'); give the file "
            "itself as path in county.toml"
        )
    first = source.paths[0]
    name = first.name.lower()
    if name.endswith(OSM_SUFFIXES):
        from roadnet.io import osm

        if source.name == "roads":
            return _Read(osm.read_osm_roads(list(source.paths)), own_crs=True)
        if source.name == "villages":
            return _Read(osm.read_osm_places(list(source.paths)), own_crs=True)
        raise LayerError(
            "an OSM extract gives roads or villages only", layer=source.name, source=str(first)
        )
    if name.endswith(".gpx"):
        from roadnet.io.gpx import read_gpx

        parts = [read_gpx(p) for p in source.paths]
        return _Read(pd.concat(parts, ignore_index=True), own_crs=True)

    frames: list[pd.DataFrame] = []
    read = _Read(pd.DataFrame())
    for path in source.paths:
        if path.suffix.lower() in TABLE_SUFFIXES:
            table = read_table(path, sheet=source.sheet, encoding=source.encoding)
            read.notes.extend(table.notes)
            read.quality.extend(table.quality)
            for column, cells in table.formula_cells.items():
                read.formula_cells[column] = (f"{path.name}, sheet '{table.sheet}'", cells)
            if schema.geometry == "none":
                frames.append(table.frame)
            else:
                _refuse_formula_coordinates(table, source, path)
                frames.append(
                    points_from_table(
                        table.frame,
                        layer=source.name,
                        source=str(path),
                        lon=source.lon,
                        lat=source.lat,
                        crs=source.crs,
                    )
                )
        else:
            vector = read_vector(path, layer=source.layer, encoding=source.encoding)
            read.notes.extend(vector.notes)
            read.quality.extend(vector.quality)
            frame = vector.frame
            if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
                read.own_crs = True
            if schema.geometry == "none" and isinstance(frame, gpd.GeoDataFrame):
                frame = pd.DataFrame(frame.drop(columns="geometry"))
            frames.append(frame)
    if len(frames) == 1:
        read.frame = frames[0]
        return read
    geo = [f for f in frames if isinstance(f, gpd.GeoDataFrame)]
    if geo:
        target = geo[0].crs
        frames = [f.to_crs(target) if f.crs is not None and f.crs != target else f for f in geo]
        read.frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=target)
        return read
    read.frame = pd.concat(frames, ignore_index=True)
    return read


def _layer_note(note: QualityNote, layer: str) -> QualityNote:
    """A reader's note made the layer's own (key suffixed with the layer name)."""
    return dataclasses.replace(note, key=f"{note.key}_{layer}", layer=layer)


def _refuse_formula_coordinates(table: ReadResult, source: LayerSource, path: Path) -> None:
    """Coordinates computed by formulas never saved by Excel: say so before anything else."""
    from roadnet.schema import LAT_ALIASES, LON_ALIASES, find_column

    for wanted, aliases in ((source.lon, LON_ALIASES), (source.lat, LAT_ALIASES)):
        column = find_column(table.frame.columns, [wanted] if wanted else aliases)
        if column is not None and column in table.formula_cells:
            cells = table.formula_cells[column]
            raise LayerError(
                f"sheet '{table.sheet}', column '{column}': {_formula_text(cells)}",
                layer=source.name,
                field=column,
                source=str(path),
            )


def _formula_text(cells: list[str]) -> str:
    shown = ", ".join(cells[:10]) + (" …" if len(cells) > 10 else "")
    return (
        f"{len(cells)} formula cell(s) have no saved value ({shown}): open the file in "
        "Excel/WPS and save it, or replace the formulas by values"
    )


def _formula_problems(
    formula_cells: Mapping[str, tuple[str, list[str]]],
    normalized: Normalized,
    source: LayerSource,
) -> list[Problem]:
    """Formula cells without a saved value read as empty: an error in a field roadnet uses."""
    problems = []
    used = {column: name for name, column in normalized.columns.items()}
    for column, (where, cells) in formula_cells.items():
        canonical = used.get(column)
        label = column_label(canonical, column) if canonical else f"column '{column}'"
        problems.append(
            Problem(
                "error" if canonical else "warning",
                f"{where.split(', ', 1)[-1]}, {label}: {_formula_text(cells)}"
                + ("" if canonical else " (roadnet does not use this column)"),
                layer=source.name,
                field=canonical,
                source=where.split(", ", 1)[0],
                count=len(cells),
                feature=cells[0],
            )
        )
    return problems


def _unit_notes(normalized: Normalized, source: LayerSource) -> list[QualityNote]:
    return [
        QualityNote(
            f"units_converted_{source.name}_{c.field}",
            text_zh=f"{source.name} 图层的“{c.column}”按 {c.unit} 读取，已换算（× {c.factor:g}）",
            text_en=f"{source.name}: column '{c.column}' ({c.field}) is in {c.unit}; values "
            f"converted (× {c.factor:g})",
            layer=source.name,
            rule=f"x{c.factor:g}",
        )
        for c in normalized.conversions
    ]


def _osmnx_edge_ids(
    frame: pd.DataFrame, source: LayerSource, problems: list[Problem]
) -> pd.DataFrame:
    """Roads exported from an osmnx graph have no id: make one of the edge key u-v-key."""
    from roadnet.schema import find_column

    spec = SCHEMAS["roads"].field("id")
    if "id" in source.fields or find_column(frame.columns, [spec.name, *spec.aliases]):
        return frame
    if not {"u", "v"} <= set(map(str, frame.columns)):
        return frame
    out = frame.copy()
    ids = out["u"].astype(str) + "-" + out["v"].astype(str)
    if "key" in out.columns:
        ids = ids + "-" + out["key"].astype(str)
    out["id"] = ids
    problems.append(
        Problem(
            "info",
            "roads have no id column: ids made of the osmnx edge keys u-v-key",
            layer=source.name,
            field="id",
            source=source.label,
        )
    )
    return out


def _apply_classes(
    frame: pd.DataFrame, source: LayerSource, problems: list[Problem]
) -> pd.DataFrame:
    """Parcels from a foreign land-use scheme: map ``classes.field`` values to DLBM codes.

    ``field`` may name several columns (OSM's ``landuse`` and ``natural``): the first one
    with a value is used.
    """
    if source.classes is None:
        return frame
    fields = source.classes["field"]
    columns = [str(fields)] if isinstance(fields, str) else [str(f) for f in fields]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LayerError(
            f"classes.field names '{_excerpt(missing[0])}', which is not a column; columns: "
            f"{columns_text(frame.columns)}",
            layer=source.name,
            field=missing[0],
            source=source.label,
        )
    mapping = {str(k): str(v) for k, v in dict(source.classes["map"]).items()}
    values = frame[columns[0]].astype(object)
    for column in columns[1:]:
        values = values.where(values.notna() & (values.astype(str) != ""), frame[column])
    values = values.astype(str)
    out = frame.copy()
    out["DLBM"] = values.map(mapping)
    out["source_class"] = values
    unmapped = values[out["DLBM"].isna()].value_counts()
    if len(unmapped):
        listed = ", ".join(f"{k} ({v})" for k, v in unmapped.head(10).items())
        problems.append(
            Problem(
                "warning",
                f"{int(unmapped.sum())} parcel(s) have a {'/'.join(columns)} value with no entry "
                f"in classes.map: {listed}; they are reported as unclassified (DLBM left empty)",
                layer=source.name,
                field=columns[0],
                source=source.label,
                count=int(unmapped.sum()),
            )
        )
    return out


def _check_crs(
    frame: gpd.GeoDataFrame, source: LayerSource, problems: list[Problem]
) -> gpd.GeoDataFrame:
    if source.crs is not None:
        declared = crs_module.parse_crs(source.crs, what=f"[layers.{source.name}] crs")
        if frame.crs is not None and not frame.crs.equals(declared):
            problems.append(
                Problem(
                    "warning",
                    f"file says its CRS is {frame.crs.name}; county.toml overrides it with "
                    f"{declared.name}",
                    layer=source.name,
                    source=source.label,
                )
            )
        return frame.set_crs(declared, allow_override=True)
    if frame.crs is None:
        problems.append(
            Problem(
                "error",
                "layer has no CRS (a shapefile without .prj?); add crs = 4490 (CGCS2000 lon/lat), "
                "4326 (WGS-84) or the projected EPSG code to its [layers.NAME] section",
                layer=source.name,
                source=source.label,
            )
        )
    return frame


def _false_easting(crs: pyproj.CRS) -> float | None:
    operation = crs.coordinate_operation
    if operation is None:
        return None
    for param in operation.params:
        if param.name.lower() == "false easting":
            return float(param.value)
    return None


def _check_coordinates(
    frame: gpd.GeoDataFrame, source: LayerSource, problems: list[Problem]
) -> None:
    """Check coordinates: not numbers, swapped lat/lon, degrees declared projected, GK prefixes."""
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return
    where: dict[str, Any] = {"layer": source.name, "source": source.label}
    if _check_coordinate_values(geoms, present, problems, where):
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[present])
    crs = frame.crs
    if crs.is_geographic:
        if max(abs(xmin), abs(xmax)) > 180 or max(abs(ymin), abs(ymax)) > 90:
            zone = int(xmin // 1_000_000)
            if xmin > 1e7 and 25 <= zone <= 45:
                hint = (
                    f"they look like CGCS2000 Gauss-Krüger eastings with zone prefix {zone}: "
                    f"set crs = {4513 + zone - 25}"
                )
            elif xmin > 1e7 and 13 <= zone <= 23:
                hint = (
                    f"they look like 6-degree Gauss-Krüger eastings with zone prefix {zone}: "
                    f"set crs = {4491 + zone - 13}"
                )
            elif abs(xmax) <= 90 and abs(ymax) <= 180:
                hint = "latitude and longitude look swapped: exchange the two columns"
            else:
                hint = "they look projected (metres): set crs to the projected EPSG code"
            problems.append(
                Problem(
                    "error",
                    f"coordinates ({_coord(xmin)} … {_coord(xmax)}, {_coord(ymin)} … "
                    f"{_coord(ymax)}) are not degrees although the layer is declared "
                    f"{crs.name}; {hint}",
                    **where,
                )
            )
            return
        inside = crs_module.in_china((xmin + xmax) / 2, (ymin + ymax) / 2)
        swapped_inside = crs_module.in_china((ymin + ymax) / 2, (xmin + xmax) / 2)
        if swapped_inside and not inside:
            problems.append(
                Problem(
                    "error",
                    f"coordinates look like (latitude, longitude): x {xmin:.3f}…{xmax:.3f}, "
                    f"y {ymin:.3f}…{ymax:.3f}; exchange the longitude and latitude columns",
                    **where,
                )
            )
        return
    if crs.is_projected:
        if max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90:
            problems.append(
                Problem(
                    "error",
                    f"coordinates look like degrees ({xmin:.4f}, {ymin:.4f}) but the layer is "
                    f"declared projected ({crs.name}); set crs = 4490 or 4326",
                    **where,
                )
            )
            return
        false_easting = _false_easting(crs)
        zone = int(xmin // 1_000_000)
        if false_easting is not None and false_easting < 1e6 and xmin > 1e7:
            suggestion = ""
            if 25 <= zone <= 45:
                suggestion = f" (3-degree zone {zone}: EPSG:{4513 + zone - 25})"
            elif 13 <= zone <= 23:
                suggestion = f" (6-degree zone {zone}: EPSG:{4491 + zone - 13})"
            problems.append(
                Problem(
                    "error",
                    f"eastings ({xmin:,.0f} …) carry a zone prefix {zone}, but {crs.name} has "
                    f"none; declare the CRS with the zone prefix{suggestion} or strip the prefix",
                    **where,
                )
            )


#: No coordinate system in use has coordinates beyond this (metres or degrees): Gauss-Krüger
#: eastings with a zone prefix reach about 4.6e7.
_MAX_COORDINATE = 1e8


def _check_coordinate_values(
    geoms: np.ndarray,
    present: np.ndarray,
    problems: list[Problem],
    where: dict[str, Any],
) -> bool:
    """Features with coordinates that are not finite numbers or beyond every CRS.

    A GIS package writes NaN for an empty cell of a coordinate column, a broken export
    ``inf`` or 1e300; such a feature cannot be placed, measured or drawn. Returns whether a
    problem was found (an error naming the first features, by row in the file).
    """
    rows = np.flatnonzero(present)
    coords, index = shapely.get_coordinates(geoms[present], return_index=True)
    finite = np.isfinite(coords).all(axis=1)
    too_big = finite & (np.abs(coords) > _MAX_COORDINATE).any(axis=1)
    for bad, what in (
        (~finite, "coordinates that are not numbers (missing or infinite)"),
        (too_big, f"coordinates beyond any coordinate system (beyond ±{_MAX_COORDINATE:.0e})"),
    ):
        if not bad.any():
            continue
        features = np.unique(rows[index[bad]])
        first = coords[bad][0]
        shown = ", ".join(f"row {r + 1}" for r in features[:5])
        problems.append(
            Problem(
                "error",
                f"{len(features)} feature(s) have {what} (first: {shown}; e.g. x "
                f"{_coord(first[0])}, y {_coord(first[1])}); fix or delete them in the file "
                "(an empty coordinate cell, or a broken export?)",
                feature=f"row {features[0] + 1}",
                count=len(features),
                **where,
            )
        )
        return True
    return False


def _coord(value: float) -> str:
    """A coordinate for a message, never hundreds of digits: 111.5, 4,540,000, 1e+300."""
    if not math.isfinite(value):
        return "not a number" if math.isnan(value) else "infinite"
    if abs(value) >= 1e9:
        return f"{value:.3g}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}"


def _convert_web_coords(frame: gpd.GeoDataFrame, source: LayerSource) -> gpd.GeoDataFrame:
    from roadnet.chinacoords import convert_geometries, normalize_coords

    if normalize_coords(str(source.coords)) == "WGS-84":
        return frame
    lonlat = frame.to_crs(4326)
    converted = convert_geometries(lonlat.geometry.to_numpy(), coords=str(source.coords))
    return gpd.GeoDataFrame(
        lonlat.drop(columns="geometry"), geometry=converted, crs=4326, index=lonlat.index
    )


def _check_geometries(
    frame: gpd.GeoDataFrame,
    schema: LayerSchema,
    source: LayerSource,
    problems: list[Problem],
    *,
    repair: bool,
    columns: Mapping[str, str],
) -> tuple[gpd.GeoDataFrame, _Dropped | None]:
    """Missing, mixed, wrong-typed and invalid geometries; with ``repair``, fix what can be.

    With ``repair``, GeometryCollections (in the file, or made by ``make_valid``) keep the
    parts of the layer's dimension; the other parts are dropped and returned for counting.
    A feature left with no part of the dimension is removed.
    """
    where: dict[str, Any] = {"layer": schema.name, "source": source.label}
    geoms = frame.geometry.to_numpy().copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        ids = _ids(frame, schema, missing)
        problems.append(
            Problem(
                "error",
                f"{int(missing.sum())} feature(s) have no geometry (first: {', '.join(ids[:5])}); "
                + (
                    "none has: the file's geometry may be damaged or missing (a .shp cut "
                    "short?): copy it again from its source"
                    if missing.all()
                    else "draw them or delete them"
                ),
                feature=ids[0],
                count=int(missing.sum()),
                **where,
            )
        )
    kept_word = _KEPT_WORDS.get(schema.geometry, "parts")
    collection = ~missing & (shapely.get_type_id(geoms) == 7)
    dropped_parts: list[np.ndarray] = []
    lost = np.zeros(len(geoms), dtype=bool)
    if collection.any():
        if repair:
            geoms, parts, index = _keep_layer_parts(geoms, collection, schema)
            dropped_parts.append(parts)
            lost[index] = True
        else:
            ids = _ids(frame, schema, collection)
            problems.append(
                Problem(
                    "error",
                    f"{int(collection.sum())} feature(s) are GeometryCollections (shapes of "
                    "several kinds in one feature, as QGIS 'Fix geometries', ST_MakeValid or "
                    f"make_valid write them; first: {', '.join(ids[:5])}); set repair = true in "
                    f"[layers.{source.name}] (or run roadnet validate --repair) to keep their "
                    f"{kept_word} and drop the other parts, which are counted",
                    feature=ids[0],
                    count=int(collection.sum()),
                    **where,
                )
            )
    present = ~shapely.is_missing(geoms) & ~missing
    invalid = present & ~collection if not repair else present.copy()
    invalid[invalid] = ~shapely.is_valid(geoms[invalid])
    if invalid.any():
        if repair:
            geoms[invalid] = shapely.make_valid(geoms[invalid])
            allowed_ids = _ALLOWED_TYPE_IDS.get(schema.geometry)
            if allowed_ids is not None:
                mixed = invalid & ~np.isin(shapely.get_type_id(geoms), allowed_ids)
                if schema.name == "villages":
                    mixed &= ~np.isin(shapely.get_type_id(geoms), [3, 6])
                if mixed.any():
                    geoms, parts, index = _keep_layer_parts(geoms, mixed, schema)
                    dropped_parts.append(parts)
                    lost[index] = True
            problems.append(
                Problem(
                    "info",
                    f"{int(invalid.sum())} invalid geometries repaired with make_valid",
                    count=int(invalid.sum()),
                    **where,
                )
            )
        else:
            ids = _ids(frame, schema, invalid)
            reasons = shapely.is_valid_reason(geoms[invalid][:3])
            problems.append(
                Problem(
                    "error",
                    f"{int(invalid.sum())} invalid geometries (first: "
                    f"{'; '.join(f'{i}: {r}' for i, r in zip(ids, reasons, strict=False))}); "
                    "repair them with `roadnet validate --repair` or repair = true in county.toml",
                    feature=ids[0],
                    count=int(invalid.sum()),
                    **where,
                )
            )
    removed = shapely.is_missing(geoms) & ~missing
    dropped: _Dropped | None = None
    if lost.any() or removed.any():
        dropped = _Dropped(
            parts=np.concatenate(dropped_parts) if dropped_parts else np.array([], dtype=object),
            crs=frame.crs,
            features=_ids(frame, schema, lost | removed),
            removed=_ids(frame, schema, removed),
            kept=kept_word,
        )
    frame = frame.set_geometry(geoms)
    if removed.any():
        frame = frame.loc[~removed]
        geoms = geoms[~removed]
        missing = missing[~removed]
        collection = collection[~removed]

    allowed = _GEOMETRY_TYPES.get(schema.geometry)
    if allowed:
        kind = np.where(
            missing,
            "",
            _TYPE_NAMES[np.clip(shapely.get_type_id(np.where(missing, None, geoms)), 0, 7)],
        )
        wrong = ~missing & ~np.isin(kind, list(allowed))
        if not repair:
            wrong &= ~collection  # reported above
        if wrong.any() and not (
            schema.name == "villages" and set(kind[wrong]) <= {"Polygon", "MultiPolygon"}
        ):
            ids = _ids(frame, schema, wrong)
            problems.append(
                Problem(
                    "error",
                    f"{int(wrong.sum())} feature(s) are {sorted(set(kind[wrong]))[0]}s but this "
                    f"layer holds {schema.geometry}s (first: {', '.join(ids[:5])})",
                    feature=ids[0],
                    count=int(wrong.sum()),
                    **where,
                )
            )
    if schema.name == "villages":
        polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
        if polygonal.any():
            points = geoms.copy()
            points[polygonal] = shapely.point_on_surface(geoms[polygonal])
            frame = frame.set_geometry(points)
    return frame, dropped


_TYPE_NAMES = np.array(
    [
        "Point",
        "LineString",
        "LinearRing",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
    ]
)
_ALLOWED_TYPE_IDS = {
    "point": [0, 4],
    "line": [1, 5],
    "polygon": [3, 6],
    "line_or_polygon": [1, 5, 3, 6],
}
_KEPT_WORDS = {
    "point": "points",
    "line": "lines",
    "polygon": "polygons",
    "line_or_polygon": "lines or polygons",
}


def _keep_layer_parts(
    geoms: np.ndarray, mask: np.ndarray, schema: LayerSchema
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the parts of the layer's dimension of the masked geometries.

    Returns the geometries (None where nothing is left), the dropped parts and the
    positions of the features that lost parts.
    """
    from roadnet.geometry_parts import highest_dimension, keep_dimension, lowest_dimension

    subset = geoms[mask]
    if schema.geometry == "line_or_polygon":
        dimension: int | np.ndarray = highest_dimension(subset)
    elif schema.name == "villages":
        lowest = lowest_dimension(subset)
        dimension = np.where(lowest == 0, 0, highest_dimension(subset))
    else:
        dimension = {"point": 0, "line": 1, "polygon": 2}[schema.geometry]
    kept = keep_dimension(subset, dimension)
    out = geoms.copy()
    out[mask] = kept.geometries
    positions = np.flatnonzero(mask)
    return out, kept.dropped, np.unique(positions[kept.dropped_index])


def _dropped_note(layer: str, dropped: _Dropped, metric: pyproj.CRS) -> QualityNote:
    """Count and measure (in the metric CRS) the parts dropped from a layer's features."""
    parts = gpd.GeoSeries(dropped.parts, crs=dropped.crs).to_crs(metric).to_numpy()
    dims = shapely.get_dimensions(parts) if len(parts) else np.array([], dtype=int)
    km = float(shapely.length(parts[dims == 1]).sum()) / 1000.0 if len(parts) else 0.0
    area = float(shapely.area(parts[dims == 2]).sum()) if len(parts) else 0.0
    points = int((dims == 0).sum())
    lines = int((dims == 1).sum())
    polygons = int((dims == 2).sum())
    what_en = []
    what_zh = []
    if polygons:
        what_en.append(f"{polygons} polygon(s) ({format_mu(area / MU_M2)} mu, {area:,.0f} m²)")
        what_zh.append(f"面 {polygons} 个（{format_mu(area / MU_M2)} 亩）")
    if lines:
        what_en.append(f"{lines} line(s) ({_length_text(km)})")
        what_zh.append(f"线 {lines} 条（{_length_text(km, zh=True)}）")
    if points:
        what_en.append(f"{points} point(s)")
        what_zh.append(f"点 {points} 个")
    n = len(dropped.features)
    removed = len(dropped.removed)
    text_en = (
        f"{layer}: {n} feature(s) held shapes of another kind (GeometryCollections from a repair "
        f"or in the file): their {dropped.kept} were kept and "
        f"{', '.join(what_en) or 'empty parts'} dropped"
    )
    text_zh = (
        f"{layer} 图层有 {n} 个要素含其他类型的图形（几何集合）：保留其"
        f"{_KEPT_ZH.get(dropped.kept, '图形')}，舍弃{'、'.join(what_zh) or '空的部分'}"
    )
    if removed:
        text_en += (
            f"; {removed} feature(s) had no {dropped.kept} left and were removed "
            f"(first: {', '.join(dropped.removed[:5])})"
        )
        text_zh += (
            f"；{removed} 个要素无可保留的图形，已删除（如 {', '.join(dropped.removed[:5])}）"
        )
    return QualityNote(
        f"geometry_parts_dropped_{layer}",
        text_zh=text_zh,
        text_en=text_en,
        layer=layer,
        count=n,
        km=km,
        area_m2=area,
        rule=f"kept {dropped.kept}",
        ids=tuple(dropped.features),
    )


_KEPT_ZH = {"points": "点", "lines": "线", "polygons": "面", "lines or polygons": "线或面"}
MU_M2 = 10_000.0 / 15.0


def _merge_roads(
    roads: gpd.GeoDataFrame, item: _Loaded, problems: list[Problem]
) -> tuple[gpd.GeoDataFrame, list[QualityNote]]:
    """Merge reversed (and repeated) duplicate roads; count them and the km removed."""
    from roadnet.road_duplicates import TOLERANCE_M, merge_duplicate_roads

    merged, found = merge_duplicate_roads(roads)
    notes = []
    lengths = roads.geometry.length.to_numpy()
    total_km = float(lengths.sum()) / 1000.0
    for key, mask, what_en, what_zh, rule in (
        (
            "roads_reversed_duplicates_merged",
            found.reversed_removed,
            "the same line drawn in the other direction (a directed layer, such as an osmnx "
            "graph exported edge by edge): each pair was merged into one two-way road",
            "为同一道路的反方向重复线（有向图层，如 osmnx 逐边导出），已合并为一条双向道路",
            "merged_two_way",
        ),
        (
            "roads_exact_duplicates_merged",
            found.exact_removed,
            "the same line drawn twice in the same direction: one copy was kept",
            "为同方向重复绘制的线，仅保留一条",
            "merged",
        ),
    ):
        count = int(mask.sum())
        if not count:
            continue
        km = float(lengths[mask].sum()) / 1000.0
        ids = _ids(roads, SCHEMAS["roads"], mask)
        text_en = (
            f"{format_count(count)} road(s) ({format_km(km)} km of {format_km(total_km)} km) were "
            f"{what_en} (endpoints and shape within {TOLERANCE_M:g} m)"
        )
        text_zh = (
            f"{format_count(count)} 条道路（{format_km(km)} 公里，共 {format_km(total_km)} 公里）"
            f"{what_zh}"
        )
        notes.append(
            QualityNote(
                key,
                text_zh=text_zh,
                text_en=text_en,
                layer="roads",
                count=count,
                km=km,
                share=km / total_km if total_km else None,
                rule=rule,
                ids=tuple(ids),
            )
        )
        problems.append(
            Problem("info", text_en, layer="roads", source=item.source.label, count=count)
        )
    if found.overlaps.shape[1]:
        road_ids = _ids(roads, SCHEMAS["roads"], np.ones(len(roads), dtype=bool))
        pairs = [f"{road_ids[a]} / {road_ids[b]}" for a, b in found.overlaps.T[:5]]
        count = found.overlaps.shape[1]
        problems.append(
            Problem(
                "info",
                f"{count} pair(s) of roads lie on the same line but differ in name, class or "
                f"surface ({', '.join(pairs)}{' …' if count > 5 else ''}): both are kept; if "
                "they are one road, delete one (its length counts twice)",
                layer="roads",
                source=item.source.label,
                count=count,
            )
        )
    return merged, notes


def _ids(frame: pd.DataFrame, schema: LayerSchema, mask: np.ndarray) -> list[str]:
    """Ids of the masked features: the id field, a 三调 标识码/图斑编号, else the row."""
    positions = np.flatnonzero(mask)
    for column in (schema.id_field, "BSM", "TBBH", "JBNTTBBH"):
        if column and column in frame.columns:
            values = frame[column].to_numpy()[positions]
            if not pd.isna(values).any():
                return [str(v) for v in values]
    return [f"row {p + 1}" for p in positions]


def _length_text(km: float, *, zh: bool = False) -> str:
    """A dropped or merged length: metres under 1 km, else km by the rounding rule."""
    if km < 1.0:
        return f"{km * 1000:,.0f} {'米' if zh else 'm'}"
    return f"{format_km(km)} {'公里' if zh else 'km'}"


def _check_duplicate_ids(
    frame: pd.DataFrame,
    schema: LayerSchema,
    label: str,
    problems: list[Problem],
    *,
    columns: Mapping[str, str] | None = None,
) -> None:
    if not schema.id_field or schema.id_field not in frame.columns:
        return
    column = column_label(schema.id_field, (columns or {}).get(schema.id_field))
    ids = frame[schema.id_field]
    if schema.name == "projects":
        # Alternative alignments share a project id.
        key = (
            ids.astype(str)
            + "|"
            + frame.get("alternative", pd.Series("", index=frame.index)).fillna("").astype(str)
        )
    else:
        key = ids.astype(str)
    dup = key.duplicated(keep=False) & ids.notna()
    if dup.any():
        values = sorted(set(ids[dup].astype(str)))
        problems.append(
            Problem(
                "error",
                f"{len(values)} id(s) used more than once in {column}: {', '.join(values[:5])}"
                f"{' …' if len(values) > 5 else ''}; ids must be unique",
                layer=schema.name,
                feature=values[0],
                field=schema.id_field,
                source=label,
                count=int(dup.sum()),
            )
        )
    blank = ids.isna()
    if blank.any():
        problems.append(
            Problem(
                "error",
                f"{int(blank.sum())} feature(s) have no value in {column}",
                layer=schema.name,
                field=schema.id_field,
                source=label,
                count=int(blank.sum()),
                feature=f"row {int(np.flatnonzero(blank.to_numpy())[0]) + 1}",
            )
        )


# --------------------------------------------------------------------------- the county


def _metric_crs(manifest: Manifest, loaded: Mapping[str, _Loaded]) -> pyproj.CRS:
    """The county's metric CRS: county.toml's, else the GK/UTM zone of the county's centre.

    The centre is that of the boundary's (else townships', roads', first layer's) bounds in
    lon/lat; a layer spread over more than 10° (a stray point at 0°, 0°) is placed by the
    median of its features instead.
    """
    if manifest.crs not in (None, "auto"):
        chosen = crs_module.parse_crs(manifest.crs, what="county.toml crs")
        return crs_module.check_metric(chosen, what="county.toml crs")
    for preferred in ("boundary", "townships", "roads"):
        if preferred in loaded:
            item = loaded[preferred]
            break
    else:
        item = next(iter(loaded.values()))
    box = item.lonlat_box
    if box is None:  # pragma: no cover - every layer given here has one
        raise LayerError("layer has no geometry to place the county", layer=item.source.name)
    lon, lat = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    if max(box[2] - box[0], box[3] - box[1]) > 10.0 and item.lonlat_centre is not None:
        lon, lat = item.lonlat_centre
    return crs_module.metric_crs_for(lon, lat)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excerpt(value: Any, limit: int = 80) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 2] + "…'"


def _cross_checks(
    layers: Mapping[str, pd.DataFrame],
    manifest: Manifest,
    columns: Mapping[str, Mapping[str, str]],
) -> tuple[list[Problem], list[QualityNote]]:
    """Checks across layers; the user's column names (``columns``) name fields in messages."""
    problems: list[Problem] = []
    notes: list[QualityNote] = []

    def label(layer: str, name: str) -> str:
        return column_label(name, columns.get(layer, {}).get(name))

    townships = layers.get("townships")
    villages = layers.get("villages")
    if villages is not None and townships is not None and {"id", "name"} <= set(townships.columns):
        if "township" in villages.columns:
            problems.extend(_resolve_townships(villages, townships, label("villages", "township")))
        problems.extend(_townships_by_location(villages, townships))
    if townships is not None and isinstance(townships, gpd.GeoDataFrame) and len(townships):
        area = shapely.union_all(shapely.make_valid(townships.geometry.to_numpy())).buffer(1.0)
        for name in ("villages", "bus_stops"):
            frame = layers.get(name)
            if isinstance(frame, gpd.GeoDataFrame) and len(frame):
                outside = ~shapely.contains(area, frame.geometry.to_numpy())
                outside &= ~shapely.is_empty(frame.geometry.to_numpy())
                if outside.any():
                    ids = _ids(frame, SCHEMAS[name], outside)
                    problems.append(
                        Problem(
                            "warning",
                            f"{int(outside.sum())} point(s) lie outside every township "
                            f"(first: {', '.join(ids[:5])})",
                            layer=name,
                            feature=ids[0],
                            count=int(outside.sum()),
                        )
                    )
    stops = layers.get("bus_stops")
    lines = layers.get("bus_lines")
    if (
        stops is not None
        and lines is not None
        and {"id", "stops"} <= set(lines.columns)
        and "id" in stops.columns
    ):
        problems.extend(_resolve_line_stops(lines, stops, label("bus_lines", "stops")))
        off, note = stops_off_their_lines(lines, stops)
        problems.extend(off)
        notes.extend([note] if note is not None else [])
    fleet = layers.get("fleet")
    if (
        fleet is not None
        and lines is not None
        and "line" in fleet.columns
        and "id" in lines.columns
    ):
        known = set(lines["id"].astype(str))
        for _, bus in fleet.iterrows():
            if bus.get("line") is None or pd.isna(bus.get("line")):
                continue
            for line_id in split_list(bus["line"]):
                if line_id not in known:
                    problems.append(
                        Problem(
                            "warning",
                            f"bus assigned to line '{line_id}' ({label('fleet', 'line')}), "
                            "which bus_lines lacks",
                            layer="fleet",
                            feature=bus.get("id"),
                            field="line",
                        )
                    )
    parcels = layers.get("parcels")
    if parcels is not None and "DLBM" in parcels.columns:
        problems.extend(_check_dlbm(parcels, label("parcels", "DLBM")))
    return problems, notes


def _resolve_townships(
    villages: pd.DataFrame, townships: pd.DataFrame, column: str
) -> list[Problem]:
    """Villages name their township by id or name; store the id. Unknown ones are errors."""
    ids = set(townships["id"].astype(str))
    by_name: dict[str, list[str]] = {}
    for tid, tname in zip(townships["id"].astype(str), townships["name"].astype(str), strict=True):
        by_name.setdefault(tname, []).append(tid)
    resolved = []
    unknown: list[tuple[str, str]] = []
    for vid, value in zip(villages.get("id", villages.index), villages["township"], strict=True):
        text = None if value is None or pd.isna(value) else str(value)
        if text is None or text in ids:
            resolved.append(text)
        elif len(by_name.get(text, [])) == 1:
            resolved.append(by_name[text][0])
        else:
            unknown.append((str(vid), text))
            resolved.append(text)
    villages["township"] = resolved
    if not unknown:
        return []
    sample = ", ".join(f"{v} ({t!r})" for v, t in unknown[:5])
    return [
        Problem(
            "error",
            f"{len(unknown)} village(s) name a township in {column} that the townships layer "
            f"does not have (by id or name): {sample}",
            layer="villages",
            feature=unknown[0][0],
            field="township",
            count=len(unknown),
        )
    ]


def _townships_by_location(villages: pd.DataFrame, townships: pd.DataFrame) -> list[Problem]:
    """Villages without a township get the one they lie in."""
    if "township" not in villages.columns:
        villages["township"] = None
    blank = villages["township"].isna().to_numpy()
    if not blank.any() or not isinstance(villages, gpd.GeoDataFrame):
        return []
    tree = shapely.STRtree(shapely.make_valid(townships.geometry.to_numpy()))
    points = villages.geometry.to_numpy()[blank]
    hits, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    values = villages["township"].astype(object).to_numpy().copy()
    positions = np.flatnonzero(blank)
    ids = townships["id"].astype(str).to_numpy()
    found = hits[0][dist <= 1.0]
    values[positions[found]] = ids[hits[1][dist <= 1.0]]
    villages["township"] = values
    return [
        Problem(
            "info",
            f"{int(blank.sum())} village(s) have no township field value: taken from the "
            f"townships layer by location ({len(found)} found)",
            layer="villages",
            field="township",
            count=int(blank.sum()),
        )
    ]


def _resolve_line_stops(lines: pd.DataFrame, stops: pd.DataFrame, column: str) -> list[Problem]:
    """Line stop lists hold stop ids; unique stop names are accepted and turned into ids."""
    ids = set(stops["id"].astype(str))
    names: dict[str, list[str]] = {}
    if "name" in stops.columns:
        for sid, sname in zip(stops["id"].astype(str), stops["name"].astype(str), strict=True):
            names.setdefault(sname, []).append(sid)
    problems = []
    resolved_all = []
    for line_id, seq in zip(lines["id"], lines["stops"], strict=True):
        resolved = []
        missing = []
        for stop in seq or []:
            if stop in ids:
                resolved.append(stop)
            elif len(names.get(stop, [])) == 1:
                resolved.append(names[stop][0])
            else:
                missing.append(stop)
        resolved_all.append(resolved)
        if missing:
            problems.append(
                Problem(
                    "error",
                    f"{len(missing)} stop(s) of the line ({column}) are not in bus_stops: "
                    f"{', '.join(missing[:5])}",
                    layer="bus_lines",
                    feature=line_id,
                    field="stops",
                    count=len(missing),
                )
            )
    lines["stops"] = resolved_all
    return problems


def _check_dlbm(parcels: pd.DataFrame, column: str) -> list[Problem]:
    from roadnet.landuse import categorize

    table = categorize(parcels["DLBM"])
    unknown = parcels.loc[~table["known"].to_numpy(), "DLBM"].astype(str).value_counts()
    if not len(unknown):
        return []
    listed = ", ".join(f"{k} ({v})" for k, v in unknown.head(10).items())
    return [
        Problem(
            "warning",
            f"{int(unknown.sum())} parcel(s) have a land-use code in {column} outside "
            f"GB/T 21010-2017 / 三调: {listed}; they are reported as unclassified, never dropped",
            layer="parcels",
            field="DLBM",
            count=int(unknown.sum()),
        )
    ]
