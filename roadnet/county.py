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
- ``stops_off_their_lines``: stops more than 150 m from every line calling at them;
- ``villages_township_from_name`` / ``villages_township_from_location`` /
  ``bus_lines_stops_from_name`` / ``bus_lines_stops_unknown_dropped``: values rewritten to
  ids across layers by :func:`roadnet.resolve.resolve_layers`, with examples.

Reading a layer's files is :mod:`roadnet.io.layers`'s, the checks are :mod:`roadnet.validate`'s
and the cross-layer rewrites :mod:`roadnet.resolve`'s; this module puts them in order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from roadnet import crs as crs_module
from roadnet.errors import (
    LayerError,
    MissingLayerError,
    Problem,
    ReadError,
    RoadnetError,
    ValidationError,
)
from roadnet.geometry_parts import DroppedParts, dropped_parts_note
from roadnet.io.layers import (
    apply_classes,
    convert_web_coords,
    layer_note,
    osmnx_edge_ids,
    read_source,
    select_where,
    short_message,
    unit_notes,
)
from roadnet.manifest import LayerSource, Manifest, read_manifest
from roadnet.placement import check_extents, coords_on_crs_layer, lonlat_box, lonlat_centre
from roadnet.quality import DataQuality, QualityNote
from roadnet.resolve import resolve_layers
from roadnet.road_duplicates import merge_and_note_duplicates
from roadnet.schema import SCHEMAS, derive_road_class, normalize_layer
from roadnet.validate import (
    check_across_layers,
    check_coordinates,
    check_crs,
    check_duplicate_ids,
    check_geometries,
    formula_problems,
)

log = logging.getLogger(__name__)


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
class _Loaded:
    """A layer after reading and checks, before projection."""

    frame: pd.DataFrame
    source: LayerSource
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical field → user's column
    quality: list[QualityNote] = field(default_factory=list)
    dropped: DroppedParts | None = None
    lonlat_box: tuple[float, float, float, float] | None = None
    lonlat_centre: tuple[float, float] | None = None


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
                f"{short_message(exc)}); check that the file is complete and of the kind its name "
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
            note = dropped_parts_note(name, item.dropped, metric)
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
            roads, merged = merge_and_note_duplicates(
                roads, source=loaded["roads"].source.label, problems=problems
            )
            notes.extend(merged)
            projected["roads"] = roads
        check_duplicate_ids(
            roads,
            SCHEMAS["roads"],
            loaded["roads"].source.label,
            problems,
            columns=loaded["roads"].columns,
        )
    columns = {n: i.columns for n, i in loaded.items()}
    # Values given by name are rewritten to ids before the checks across layers read them;
    # each rewrite becomes a note, so that no analysis rests on a silent change.
    resolution = resolve_layers(projected, columns)
    projected = resolution.layers
    problems.extend(resolution.problems)
    notes.extend(resolution.notes())
    cross, cross_notes = check_across_layers(projected, columns)
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
    read = read_source(source, schema, gtfs_cache=gtfs_cache)
    frame = read.frame
    item = _Loaded(frame, source)
    item.problems.extend(
        Problem("info", note, layer=source.name, source=label) for note in read.notes
    )
    item.quality.extend(layer_note(note, source.name) for note in read.quality)
    feed_notes = frame.attrs.get("quality")  # a GTFS feed's calendar notes, keys as they are
    if isinstance(feed_notes, DataQuality):
        item.quality.extend(feed_notes)

    if len(frame) == 0:
        item.problems.append(Problem("error", "layer is empty", layer=source.name, source=label))
        return item

    if source.classes is not None:
        frame = apply_classes(frame, source, item.problems)
    frame, selected_none = select_where(frame, source)
    if selected_none is not None:
        item.problems.append(selected_none)
        item.frame = frame
        return item

    if isinstance(frame, gpd.GeoDataFrame):
        frame = check_crs(frame, source, item.problems)
        if frame.crs is not None:
            check_coordinates(frame, source, item.problems)
            if any(p.severity == "error" and p.layer == source.name for p in item.problems):
                item.frame = frame.set_crs(None, allow_override=True)
                return item
            if source.coords:
                if read.own_crs:
                    warning, note = coords_on_crs_layer(frame, source)
                    item.problems.append(warning)
                    item.quality.append(note)
                frame = convert_web_coords(frame, source)
            item.lonlat_box = lonlat_box(frame)
            item.lonlat_centre = lonlat_centre(frame)

    if schema.name == "roads":
        frame = osmnx_edge_ids(frame, source, item.problems)
    normalized = normalize_layer(frame, schema, mapping=source.fields, source=label)
    item.problems.extend(normalized.problems)
    item.columns = normalized.columns
    item.quality.extend(unit_notes(normalized, source))
    item.problems.extend(formula_problems(read.formula_cells, normalized, source))
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
        frame, item.dropped = check_geometries(
            frame, schema, source, item.problems, repair=repair, columns=item.columns
        )
    if schema.name != "roads":  # roads: after reversed duplicates are merged
        check_duplicate_ids(frame, schema, label, item.problems, columns=item.columns)
    item.frame = frame.reset_index(drop=True)
    return item


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
