"""Readers for ordinary GIS files and tables: GeoPackage, Shapefile, GeoJSON, CSV, Excel.

Chinese shapefiles often come without a ``.cpg`` and with names in GBK; GDAL then decodes
them as Latin-1 and the planner sees mojibake. Without a ``.cpg`` (and without an
``encoding`` in county.toml) the DBF's text is tried as UTF-8, then GB18030, and the choice
is reported; a file that is neither is an error, never garbled names.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from roadnet.errors import LayerError, ReadError
from roadnet.schema import LAT_ALIASES, LON_ALIASES, find_column

VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
_DBF_SAMPLE_BYTES = 32 * 1024 * 1024


@dataclass
class ReadResult:
    """A frame as read from a file, plus notes for the planner (encoding used ...)."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def read_vector(path: Path, *, layer: str | None = None, encoding: str | None = None) -> ReadResult:
    """Read a vector file with pyogrio into a GeoDataFrame in its own CRS.

    Parameters
    ----------
    path
        GeoPackage, Shapefile, GeoJSON, FlatGeobuf ...
    layer
        Layer inside a multi-layer file; required when the file has several.
    encoding
        Text encoding for a shapefile without ``.cpg``.
    """
    import pyogrio

    if not path.exists():
        raise ReadError(f"{path}: no such file")
    notes: list[str] = []
    if path.suffix.lower() == ".shp" and encoding is None and not path.with_suffix(".cpg").exists():
        encoding = detect_dbf_encoding(path.with_suffix(".dbf"))
        notes.append(f"{path.name} has no .cpg: text read as {encoding}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            listed = pyogrio.list_layers(path)
    except Exception as exc:
        raise ReadError(f"{path}: cannot be opened as a GIS file: {_clean(exc)}") from exc
    notes.extend(f"{path.name}: {w.message}" for w in caught)
    names = [str(row[0]) for row in listed]
    if layer is None and len(names) > 1:
        raise ReadError(
            f'{path}: holds {len(names)} layers ({", ".join(names)}); say which with layer = "..."'
        )
    if layer is not None and layer not in names:
        raise ReadError(f"{path}: has no layer '{layer}'; its layers are {', '.join(names)}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except Exception as exc:
        raise ReadError(f"{path}: cannot be read: {_clean(exc)}") from exc
    notes.extend(f"{path.name}: {w.message}" for w in caught)
    return ReadResult(frame, notes)


def detect_dbf_encoding(dbf: Path) -> str:
    """Guess the encoding of a shapefile's DBF text: UTF-8 when it decodes, else GB18030.

    Raises
    ------
    ReadError
        When the text is neither (give ``encoding = "..."`` in county.toml).
    """
    try:
        with dbf.open("rb") as handle:
            header = handle.read(32)
            if len(header) < 32:
                raise ReadError(f"{dbf}: truncated DBF header")
            n_records, header_len, record_len = struct.unpack("<IHH", header[4:12])
            descriptors = handle.read(header_len - 32)
            handle.seek(header_len)
            body = handle.read(min(n_records * record_len, _DBF_SAMPLE_BYTES))
    except FileNotFoundError as exc:
        raise ReadError(
            f"{dbf.with_suffix('.shp')}: the shapefile's {dbf.name} is missing (a shapefile is "
            ".shp + .shx + .dbf, usually with .prj and .cpg: copy all of them)"
        ) from exc
    spans = []
    offset = 1  # deletion flag
    for start in range(0, len(descriptors) - 31, 32):
        desc = descriptors[start : start + 32]
        if desc[0] == 0x0D:
            break
        length = desc[16]
        if desc[11:12] == b"C":
            spans.append((offset, length))
        offset += length
    if record_len <= 0 or not spans:
        return "UTF-8"
    records = np.frombuffer(body[: len(body) - len(body) % record_len], dtype=np.uint8)
    records = records.reshape(-1, record_len)
    text = b"".join(records[:, a : a + n].tobytes() for a, n in spans)
    for candidate in ("UTF-8", "GB18030"):
        try:
            text.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise ReadError(
        f'{dbf}: text is neither UTF-8 nor GB18030; add encoding = "..." to its '
        "[layers.NAME] section in county.toml (or a .cpg file beside the .shp)"
    )


def read_table(
    path: Path, *, sheet: str | int | None = None, encoding: str | None = None
) -> ReadResult:
    """Read a CSV or Excel table as strings (codes such as 0101 keep their leading zero)."""
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str)
        except ValueError as exc:
            raise ReadError(f"{path}: {exc}") from exc
        except Exception as exc:
            raise ReadError(f"{path}: not a readable Excel workbook: {_clean(exc)}") from exc
        return ReadResult(frame, notes)
    encodings = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    last: Exception | None = None
    for candidate in encodings:
        try:
            frame = pd.read_csv(path, dtype=str, encoding=candidate, skipinitialspace=True)
        except UnicodeDecodeError as exc:
            last = exc
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ReadError(f"{path}: not a readable CSV table: {_clean(exc)}") from exc
        if candidate == "gb18030":
            notes.append(f"{path.name} is not UTF-8: read as GB18030")
        frame.columns = [str(c).strip() for c in frame.columns]
        return ReadResult(frame, notes)
    raise ReadError(
        f"{path}: text is neither UTF-8 nor GB18030 ({last}); save it as UTF-8 or give encoding"
    )


def points_from_table(
    frame: pd.DataFrame,
    *,
    layer: str,
    source: str,
    lon: str | None = None,
    lat: str | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Turn a table with lon/lat (or x/y) columns into points.

    Coordinates are WGS-84 unless ``crs`` says otherwise. Rows whose coordinates are
    missing or not numbers are an error naming the row and the column.
    """
    lon_col = find_column(frame.columns, [lon] if lon else LON_ALIASES)
    lat_col = find_column(frame.columns, [lat] if lat else LAT_ALIASES)
    if lon_col is None or lat_col is None:
        missing = "longitude" if lon_col is None else "latitude"
        tried = (
            [lon]
            if lon
            else list(LON_ALIASES)
            if lon_col is None
            else [lat]
            if lat
            else list(LAT_ALIASES)
        )
        raise LayerError(
            f"no {missing} column (tried {', '.join(str(t) for t in tried)}); the table has "
            f'{", ".join(map(str, frame.columns))}. Name the columns with lon = "..." and '
            'lat = "..." in county.toml',
            layer=layer,
            source=source,
        )
    xs = pd.to_numeric(frame[lon_col].astype(str).str.strip(), errors="coerce")
    ys = pd.to_numeric(frame[lat_col].astype(str).str.strip(), errors="coerce")
    bad = xs.isna() | ys.isna()
    if bad.any():
        first = bad[bad].index[0]
        column = lon_col if pd.isna(xs[first]) else lat_col
        raise LayerError(
            f"{int(bad.sum())} row(s) have no usable coordinates (first: row {int(first) + 2} of "
            f"the table, value {frame.at[first, column]!r}); fill or delete them",
            layer=layer,
            feature=f"row {int(first) + 2}",
            field=column,
            source=source,
        )
    geometry = gpd.points_from_xy(xs, ys)
    out_crs = pyproj.CRS.from_user_input(crs) if crs is not None else pyproj.CRS.from_epsg(4326)
    rest = frame.drop(columns=[lon_col, lat_col])
    return gpd.GeoDataFrame(rest, geometry=geometry, crs=out_crs)


def _clean(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
