"""The County: validated layers, renamed to canonical fields, in one local metric CRS.

:func:`load_county` reads a county.toml (or a GeoPackage with standard layer names),
reads each layer with the reader its file needs, checks coordinates and fields, converts
GCJ-02/BD-09 points to WGS-84, and projects every layer once into the county's metric CRS
(CGCS2000 3-degree Gauss-Krüger inside China, UTM elsewhere). Every problem found is
collected; :func:`load_county` raises them together, :func:`inspect_county` returns them
for ``roadnet validate``.
"""

from __future__ import annotations

import logging
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
from roadnet.errors import LayerError, MissingLayerError, Problem, ReadError, ValidationError
from roadnet.io.files import TABLE_SUFFIXES, points_from_table, read_table, read_vector
from roadnet.manifest import LayerSource, Manifest, read_manifest
from roadnet.quality import DataQuality
from roadnet.schema import SCHEMAS, LayerSchema, derive_road_class, normalize_layer, split_list

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
class _Loaded:
    """A layer after reading and checks, before projection."""

    frame: pd.DataFrame
    source: LayerSource
    problems: list[Problem] = field(default_factory=list)


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
        Repair invalid geometries with ``shapely.make_valid`` instead of reporting them.

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
    cannot be read at all still raise :class:`ReadError`.
    """
    manifest = county if isinstance(county, Manifest) else read_manifest(county)
    wanted = set(layers) if layers is not None else None
    sources = {n: s for n, s in manifest.layers.items() if wanted is None or n in wanted}
    problems: list[Problem] = []
    loaded: dict[str, _Loaded] = {}
    gtfs_cache: dict[Path, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]] = {}
    for name, source in sources.items():
        item = _load_layer(source, gtfs_cache=gtfs_cache, repair=repair or source.repair)
        problems.extend(item.problems)
        if item.frame is not None:
            loaded[name] = item

    spatial = {
        n: i.frame
        for n, i in loaded.items()
        if isinstance(i.frame, gpd.GeoDataFrame) and i.frame.crs is not None and len(i.frame)
    }
    if not spatial:
        if not problems and not loaded:
            problems.append(
                Problem("error", "county.toml names no layers", source=str(manifest.path))
            )
        return None, problems

    metric = _metric_crs(manifest, spatial, problems)
    projected: dict[str, pd.DataFrame] = {}
    for name, item in loaded.items():
        frame = item.frame
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None:
                continue
            frame = frame.to_crs(metric)
        projected[name] = frame
    problems.extend(_check_far_layers(projected, metric))
    problems.extend(_cross_checks(projected, manifest))
    result = County(
        name=manifest.name,
        crs=metric,
        layers=projected,
        manifest=manifest,
        problems=tuple(problems),
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
    frame, notes = _read_source(source, schema, gtfs_cache=gtfs_cache)
    item = _Loaded(frame, source)
    item.problems.extend(Problem("info", note, layer=source.name, source=label) for note in notes)

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
                f"where = {source.where!r} cannot be applied: {exc}",
                layer=source.name,
                source=label,
            ) from exc

    if isinstance(frame, gpd.GeoDataFrame):
        frame = _check_crs(frame, source, item.problems)
        if frame.crs is not None:
            _check_coordinates(frame, source, item.problems)
            if any(p.severity == "error" and p.layer == source.name for p in item.problems):
                item.frame = frame.set_crs(None, allow_override=True)
                return item
            if source.coords:
                frame = _convert_web_coords(frame, source)

    normalized = normalize_layer(frame, schema, mapping=source.fields, source=label)
    item.problems.extend(normalized.problems)
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
        frame = _check_geometries(frame, schema, source, item.problems, repair=repair)
    _check_duplicate_ids(frame, schema, label, item.problems)
    item.frame = frame.reset_index(drop=True)
    return item


def _read_source(
    source: LayerSource,
    schema: LayerSchema,
    *,
    gtfs_cache: dict[Path, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]],
) -> tuple[pd.DataFrame, list[str]]:
    if source.gtfs is not None:
        if source.name not in ("bus_stops", "bus_lines"):
            raise LayerError("gtfs = ... gives bus_stops and bus_lines only", layer=source.name)
        if source.gtfs not in gtfs_cache:
            from roadnet.io.gtfs import read_gtfs

            gtfs_cache[source.gtfs] = read_gtfs(source.gtfs)
        stops, lines = gtfs_cache[source.gtfs]
        return (stops if source.name == "bus_stops" else lines), []

    if not source.paths:
        raise LayerError("no path given", layer=source.name)
    missing = [p for p in source.paths if not p.exists()]
    if missing:
        raise ReadError(
            f"{missing[0]}: no such file (layer '{source.name}'); check path in county.toml"
        )
    first = source.paths[0]
    name = first.name.lower()
    if name.endswith(OSM_SUFFIXES):
        from roadnet.io import osm

        if source.name == "roads":
            return osm.read_osm_roads(list(source.paths)), []
        if source.name == "villages":
            return osm.read_osm_places(list(source.paths)), []
        raise LayerError(
            "an OSM extract gives roads or villages only", layer=source.name, source=str(first)
        )
    if name.endswith(".gpx"):
        from roadnet.io.gpx import read_gpx

        parts = [read_gpx(p) for p in source.paths]
        return pd.concat(parts, ignore_index=True), []

    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    for path in source.paths:
        if path.suffix.lower() in TABLE_SUFFIXES:
            table = read_table(path, sheet=source.sheet, encoding=source.encoding)
            notes.extend(table.notes)
            if schema.geometry == "none":
                frames.append(table.frame)
            else:
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
            notes.extend(vector.notes)
            frame = vector.frame
            if schema.geometry == "none" and isinstance(frame, gpd.GeoDataFrame):
                frame = pd.DataFrame(frame.drop(columns="geometry"))
            frames.append(frame)
    if len(frames) == 1:
        return frames[0], notes
    geo = [f for f in frames if isinstance(f, gpd.GeoDataFrame)]
    if geo:
        target = geo[0].crs
        frames = [f.to_crs(target) if f.crs is not None and f.crs != target else f for f in geo]
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=target), notes
    return pd.concat(frames, ignore_index=True), notes


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
            f"classes.field names '{missing[0]}', which is not a column; columns: "
            f"{', '.join(map(str, frame.columns))}",
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
    """Swapped lat/lon, projected numbers declared geographic, GK zone prefixes."""
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[present])
    crs = frame.crs
    where: dict[str, Any] = {"layer": source.name, "source": source.label}
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
                    f"coordinates ({xmin:,.0f} … {xmax:,.0f}, {ymin:,.0f} … {ymax:,.0f}) are not "
                    f"degrees although the layer is declared {crs.name}; {hint}",
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
) -> gpd.GeoDataFrame:
    where: dict[str, Any] = {"layer": schema.name, "source": source.label}
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        ids = _ids(frame, schema, missing)
        problems.append(
            Problem(
                "error",
                f"{int(missing.sum())} feature(s) have no geometry (first: {', '.join(ids[:5])}); "
                "draw them or delete them",
                feature=ids[0],
                count=int(missing.sum()),
                **where,
            )
        )
    allowed = _GEOMETRY_TYPES.get(schema.geometry)
    if allowed:
        types = shapely.get_type_id(geoms)
        names = np.array(
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
        kind = np.where(types >= 0, names[np.clip(types, 0, 7)], "")
        wrong = ~missing & ~np.isin(kind, list(allowed))
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
    invalid = ~missing & ~shapely.is_valid(geoms)
    if invalid.any():
        if repair:
            fixed = geoms.copy()
            fixed[invalid] = shapely.make_valid(geoms[invalid])
            if schema.geometry in ("polygon",):
                fixed[invalid] = _polygonal_part(fixed[invalid])
            frame = frame.set_geometry(fixed)
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
    if schema.name == "villages":
        polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
        if polygonal.any():
            points = geoms.copy()
            points[polygonal] = shapely.point_on_surface(geoms[polygonal])
            frame = frame.set_geometry(points)
    return frame


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygons of make_valid's GeometryCollections (drop stray lines and points)."""
    out = geoms.copy()
    for i, geom in enumerate(geoms):
        if geom.geom_type == "GeometryCollection":
            polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            out[i] = shapely.union_all(polys) if polys else shapely.Polygon()
    return out


def _ids(frame: pd.DataFrame, schema: LayerSchema, mask: np.ndarray) -> list[str]:
    positions = np.flatnonzero(mask)
    if schema.id_field and schema.id_field in frame.columns:
        return [str(v) for v in frame[schema.id_field].to_numpy()[positions]]
    return [f"row {p + 1}" for p in positions]


def _check_duplicate_ids(
    frame: pd.DataFrame, schema: LayerSchema, label: str, problems: list[Problem]
) -> None:
    if not schema.id_field or schema.id_field not in frame.columns:
        return
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
                f"{len(values)} id(s) used more than once: {', '.join(values[:5])}"
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
                f"{int(blank.sum())} feature(s) have no {schema.id_field}",
                layer=schema.name,
                field=schema.id_field,
                source=label,
                count=int(blank.sum()),
                feature=f"row {int(np.flatnonzero(blank.to_numpy())[0]) + 1}",
            )
        )


# --------------------------------------------------------------------------- the county


def _metric_crs(
    manifest: Manifest, spatial: Mapping[str, gpd.GeoDataFrame], problems: list[Problem]
) -> pyproj.CRS:
    if manifest.crs not in (None, "auto"):
        chosen = crs_module.parse_crs(manifest.crs, what="county.toml crs")
        return crs_module.check_metric(chosen, what="county.toml crs")
    for preferred in ("boundary", "townships", "roads"):
        if preferred in spatial:
            frame = spatial[preferred]
            break
    else:
        frame = next(iter(spatial.values()))
    lon0, lat0, lon1, lat1 = frame.to_crs(4326).total_bounds
    return crs_module.metric_crs_for((lon0 + lon1) / 2, (lat0 + lat1) / 2)


def _check_far_layers(layers: Mapping[str, pd.DataFrame], metric: pyproj.CRS) -> list[Problem]:
    """A layer hundreds of kilometres from the rest usually has a wrong CRS or coordinates."""
    boxes = {
        n: f.total_bounds for n, f in layers.items() if isinstance(f, gpd.GeoDataFrame) and len(f)
    }
    if len(boxes) < 2:
        return []
    problems = []
    for name, box in boxes.items():
        others = np.array([b for n, b in boxes.items() if n != name])
        gap_x = max(others[:, 0].min() - box[2], box[0] - others[:, 2].max(), 0.0)
        gap_y = max(others[:, 1].min() - box[3], box[1] - others[:, 3].max(), 0.0)
        gap = float(np.hypot(gap_x, gap_y))
        if gap > 100_000:
            problems.append(
                Problem(
                    "warning",
                    f"layer lies {gap / 1000:,.0f} km from the other layers: a wrong CRS, a "
                    "GCJ-02/BD-09 offset or swapped coordinates?",
                    layer=name,
                )
            )
    return problems


def _cross_checks(layers: Mapping[str, pd.DataFrame], manifest: Manifest) -> list[Problem]:
    problems: list[Problem] = []
    townships = layers.get("townships")
    villages = layers.get("villages")
    if villages is not None and townships is not None and {"id", "name"} <= set(townships.columns):
        if "township" in villages.columns:
            problems.extend(_resolve_townships(villages, townships))
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
        and "stops" in lines.columns
        and "id" in stops.columns
    ):
        problems.extend(_resolve_line_stops(lines, stops))
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
                            f"bus assigned to line '{line_id}', which bus_lines lacks",
                            layer="fleet",
                            feature=bus.get("id"),
                            field="line",
                        )
                    )
    parcels = layers.get("parcels")
    if parcels is not None and "DLBM" in parcels.columns:
        problems.extend(_check_dlbm(parcels))
    return problems


def _resolve_townships(villages: pd.DataFrame, townships: pd.DataFrame) -> list[Problem]:
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
            f"{len(unknown)} village(s) name a township that the townships layer does not have "
            f"(by id or name): {sample}",
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


def _resolve_line_stops(lines: pd.DataFrame, stops: pd.DataFrame) -> list[Problem]:
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
                    f"{len(missing)} stop(s) of the line are not in bus_stops: "
                    f"{', '.join(missing[:5])}",
                    layer="bus_lines",
                    feature=line_id,
                    field="stops",
                    count=len(missing),
                )
            )
    lines["stops"] = resolved_all
    return problems


def _check_dlbm(parcels: pd.DataFrame) -> list[Problem]:
    from roadnet.landuse import categorize

    table = categorize(parcels["DLBM"])
    unknown = parcels.loc[~table["known"].to_numpy(), "DLBM"].astype(str).value_counts()
    if not len(unknown):
        return []
    listed = ", ".join(f"{k} ({v})" for k, v in unknown.head(10).items())
    return [
        Problem(
            "warning",
            f"{int(unknown.sum())} parcel(s) have a land-use code (DLBM) outside GB/T 21010-2017 / "
            f"三调: {listed}; they are reported as unclassified, never dropped",
            layer="parcels",
            field="DLBM",
            count=int(unknown.sum()),
        )
    ]
