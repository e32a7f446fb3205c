"""Reading a layer's sources: the file(s) county.toml names, with the reader each needs.

A layer comes from a GeoPackage, shapefile, GeoJSON …, a CSV or Excel table of lon/lat
points, an OSM extract, GPX tracks or a GTFS feed (bus stops and lines). :func:`read_source`
reads it as it is, before any check; the helpers here apply what county.toml asks of the
frame (``classes``, ``where``, ``coords``) and turn what the readers noticed into problems
and data-quality notes. The checks themselves are :mod:`roadnet.validate`'s.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from roadnet.errors import LayerError, Problem, ReadError
from roadnet.io.files import (
    TABLE_SUFFIXES,
    ReadResult,
    points_from_table,
    read_table,
    read_vector,
)
from roadnet.manifest import LayerSource
from roadnet.quality import QualityNote
from roadnet.schema import (
    LAT_ALIASES,
    LON_ALIASES,
    SCHEMAS,
    LayerSchema,
    Normalized,
    columns_text,
    find_column,
)

#: File endings read as OpenStreetMap extracts.
OSM_SUFFIXES = (".osm", ".pbf", ".osm.bz2", ".osm.gz", ".bz2")


@dataclass
class LayerRead:
    """A layer as read from its file(s), before any check."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    quality: list[QualityNote] = field(default_factory=list)
    formula_cells: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    own_crs: bool = False  # geometry and CRS come from the file itself (not a lon/lat table)


def read_source(
    source: LayerSource,
    schema: LayerSchema,
    *,
    gtfs_cache: dict[Path, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]],
) -> LayerRead:
    """Read layer ``source`` from its file(s) as it is, before any check.

    Parameters
    ----------
    source
        The layer's county.toml section.
    schema
        The layer's schema (a layer without geometry drops the file's).
    gtfs_cache
        GTFS feeds read so far, by path: bus_stops and bus_lines read one feed once.

    Returns
    -------
    LayerRead
        The frame (several files concatenated, in the first one's CRS), the readers' notes
        and the Excel formula cells without a saved value.

    Raises
    ------
    ReadError, LayerError
        A file is missing, is a folder, or cannot give this layer.
    """
    if source.gtfs is not None:
        if source.name not in ("bus_stops", "bus_lines"):
            raise LayerError("gtfs = ... gives bus_stops and bus_lines only", layer=source.name)
        if source.gtfs not in gtfs_cache:
            from roadnet.io.gtfs import read_gtfs

            gtfs_cache[source.gtfs] = read_gtfs(source.gtfs)
        stops, lines = gtfs_cache[source.gtfs]
        return LayerRead(stops if source.name == "bus_stops" else lines)

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
            return LayerRead(osm.read_osm_roads(list(source.paths)), own_crs=True)
        if source.name == "villages":
            return LayerRead(osm.read_osm_places(list(source.paths)), own_crs=True)
        raise LayerError(
            "an OSM extract gives roads or villages only", layer=source.name, source=str(first)
        )
    if name.endswith(".gpx"):
        from roadnet.io.gpx import read_gpx

        parts = [read_gpx(p) for p in source.paths]
        return LayerRead(pd.concat(parts, ignore_index=True), own_crs=True)

    frames: list[pd.DataFrame] = []
    read = LayerRead(pd.DataFrame())
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


def layer_note(note: QualityNote, layer: str) -> QualityNote:
    """A reader's note made the layer's own (key suffixed with the layer name)."""
    return dataclasses.replace(note, key=f"{note.key}_{layer}", layer=layer)


def _refuse_formula_coordinates(table: ReadResult, source: LayerSource, path: Path) -> None:
    """Coordinates computed by formulas never saved by Excel: say so before anything else."""
    for wanted, aliases in ((source.lon, LON_ALIASES), (source.lat, LAT_ALIASES)):
        column = find_column(table.frame.columns, [wanted] if wanted else aliases)
        if column is not None and column in table.formula_cells:
            cells = table.formula_cells[column]
            raise LayerError(
                f"sheet '{table.sheet}', column '{column}': {formula_text(cells)}",
                layer=source.name,
                field=column,
                source=str(path),
            )


def formula_text(cells: list[str]) -> str:
    """What to do about formula cells without a saved value (the first ten named)."""
    shown = ", ".join(cells[:10]) + (" …" if len(cells) > 10 else "")
    return (
        f"{len(cells)} formula cell(s) have no saved value ({shown}): open the file in "
        "Excel/WPS and save it, or replace the formulas by values"
    )


def unit_notes(normalized: Normalized, source: LayerSource) -> list[QualityNote]:
    """A note for each column whose header's unit was converted (``人口(万人)``)."""
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


def osmnx_edge_ids(
    frame: pd.DataFrame, source: LayerSource, problems: list[Problem]
) -> pd.DataFrame:
    """Roads exported from an osmnx graph have no id: make one of the edge key u-v-key."""
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


def apply_classes(
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


def convert_web_coords(frame: gpd.GeoDataFrame, source: LayerSource) -> gpd.GeoDataFrame:
    """Points picked from a Chinese web map (``coords`` GCJ-02/BD-09) moved to WGS-84."""
    from roadnet.chinacoords import convert_geometries, normalize_coords

    if normalize_coords(str(source.coords)) == "WGS-84":
        return frame
    lonlat = frame.to_crs(4326)
    converted = convert_geometries(lonlat.geometry.to_numpy(), coords=str(source.coords))
    return gpd.GeoDataFrame(
        lonlat.drop(columns="geometry"), geometry=converted, crs=4326, index=lonlat.index
    )


def select_where(frame: pd.DataFrame, source: LayerSource) -> tuple[pd.DataFrame, Problem | None]:
    """The features county.toml's ``where`` selects, and an error when it selects none.

    Raises
    ------
    LayerError
        The expression cannot be applied to the layer's columns.
    """
    if not source.where:
        return frame, None
    try:
        frame = frame.query(source.where)
    except Exception as exc:
        raise LayerError(
            f"where = {_excerpt(source.where)} cannot be applied: {short_message(exc)}; the "
            f"layer's columns are {columns_text(frame.columns)}",
            layer=source.name,
            source=source.label,
        ) from exc
    if len(frame):
        return frame, None
    return frame, Problem(
        "error",
        f"where = {_excerpt(source.where)} selects no feature",
        layer=source.name,
        source=source.label,
    )


def short_message(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message, cut to ``limit`` characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excerpt(value: Any, limit: int = 80) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 2] + "…'"
