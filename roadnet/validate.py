"""The checks of a county's layers: what ``roadnet validate`` lists.

Each check appends :class:`~roadnet.errors.Problem` s to a list instead of raising, so that
a planner fixing a file sees every problem at once (STYLE.md, "Validate at the door"): the
CRS a layer declares against its coordinates (degrees declared projected, swapped lat/lon,
Gauss-Krüger zone prefixes, coordinates that are not numbers), its geometries (missing,
of the wrong kind, GeometryCollections, invalid; with ``repair``, fixed and the dropped
parts counted), unique ids, Excel formula cells without a saved value, and the checks across
layers (points outside every township, stops far from their lines, buses on unknown lines,
land-use codes outside 三调). Rewriting values across layers is :mod:`roadnet.resolve`'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from roadnet import crs as crs_module
from roadnet.errors import Problem
from roadnet.geometry_parts import DroppedParts, keep_layer_parts
from roadnet.io.layers import formula_text
from roadnet.manifest import LayerSource
from roadnet.placement import stops_off_their_lines
from roadnet.quality import QualityNote
from roadnet.schema import SCHEMAS, LayerSchema, Normalized, column_label, split_list

_GEOMETRY_TYPES = {
    "point": {"Point", "MultiPoint"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
    "line_or_polygon": {"LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}


def formula_problems(
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
                f"{where.split(', ', 1)[-1]}, {label}: {formula_text(cells)}"
                + ("" if canonical else " (roadnet does not use this column)"),
                layer=source.name,
                field=canonical,
                source=where.split(", ", 1)[0],
                count=len(cells),
                feature=cells[0],
            )
        )
    return problems


def check_crs(
    frame: gpd.GeoDataFrame, source: LayerSource, problems: list[Problem]
) -> gpd.GeoDataFrame:
    """The layer with the CRS county.toml declares (a warning when it overrides the file's).

    A layer with no CRS at all is an error: its coordinates cannot be placed.
    """
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


def check_coordinates(
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


def check_geometries(
    frame: gpd.GeoDataFrame,
    schema: LayerSchema,
    source: LayerSource,
    problems: list[Problem],
    *,
    repair: bool,
    columns: Mapping[str, str],
) -> tuple[gpd.GeoDataFrame, DroppedParts | None]:
    """Missing, mixed, wrong-typed and invalid geometries; with ``repair``, fix what can be.

    With ``repair``, GeometryCollections (in the file, or made by ``make_valid``) keep the
    parts of the layer's dimension; the other parts are dropped and returned for counting.
    A feature left with no part of the dimension is removed.
    """
    where: dict[str, Any] = {"layer": schema.name, "source": source.label}
    geoms = frame.geometry.to_numpy().copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        ids = schema.feature_ids(frame, missing)
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
            geoms, parts, index = keep_layer_parts(geoms, collection, schema)
            dropped_parts.append(parts)
            lost[index] = True
        else:
            ids = schema.feature_ids(frame, collection)
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
                    geoms, parts, index = keep_layer_parts(geoms, mixed, schema)
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
            ids = schema.feature_ids(frame, invalid)
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
    dropped: DroppedParts | None = None
    if lost.any() or removed.any():
        dropped = DroppedParts(
            parts=np.concatenate(dropped_parts) if dropped_parts else np.array([], dtype=object),
            crs=frame.crs,
            features=schema.feature_ids(frame, lost | removed),
            removed=schema.feature_ids(frame, removed),
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
            ids = schema.feature_ids(frame, wrong)
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


def check_duplicate_ids(
    frame: pd.DataFrame,
    schema: LayerSchema,
    label: str,
    problems: list[Problem],
    *,
    columns: Mapping[str, str] | None = None,
) -> None:
    """Ids used more than once, or missing: errors naming the ids and the user's column.

    Projects may repeat an id with another ``alternative`` (alignments compared).
    """
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


def check_across_layers(
    layers: Mapping[str, pd.DataFrame],
    columns: Mapping[str, Mapping[str, str]],
) -> tuple[list[Problem], list[QualityNote]]:
    """Checks across layers, on the layers as :func:`roadnet.resolve.resolve_layers` left them.

    Parameters
    ----------
    layers
        The county's layers by canonical name, in its metric CRS.
    columns
        Per layer, canonical field → the user's column: messages name fields as the user's
        files do.

    Returns
    -------
    tuple
        The problems (points outside every township, stops more than 150 m from every line
        calling at them, buses on lines bus_lines lacks, land-use codes outside 三调) and the
        data-quality note on stops off their lines, if any.
    """
    problems: list[Problem] = []
    notes: list[QualityNote] = []

    def label(layer: str, name: str) -> str:
        return column_label(name, columns.get(layer, {}).get(name))

    townships = layers.get("townships")
    if townships is not None and isinstance(townships, gpd.GeoDataFrame) and len(townships):
        area = shapely.union_all(shapely.make_valid(townships.geometry.to_numpy())).buffer(1.0)
        for name in ("villages", "bus_stops"):
            frame = layers.get(name)
            if isinstance(frame, gpd.GeoDataFrame) and len(frame):
                outside = ~shapely.contains(area, frame.geometry.to_numpy())
                outside &= ~shapely.is_empty(frame.geometry.to_numpy())
                if outside.any():
                    ids = SCHEMAS[name].feature_ids(frame, outside)
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
