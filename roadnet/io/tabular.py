"""Tables (CSV, Excel) read as strings, and tables of coordinates turned into points.

Codes such as 0101 keep their leading zero. A CSV that is not UTF-8 is read as GB18030 and
says so. Excel formula cells whose value was never saved (a workbook written by a script and
never opened in Excel/WPS) read as empty; :func:`read_table` lists them so that the loader
refuses them instead of counting a population of 0.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from roadnet.errors import LayerError, ReadError
from roadnet.io.files import ReadResult, error_text
from roadnet.quality import QualityNote
from roadnet.schema import LAT_ALIASES, LON_ALIASES, columns_text, find_column

TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}


def read_table(
    path: Path, *, sheet: str | int | None = None, encoding: str | None = None
) -> ReadResult:
    """Read a CSV or Excel table as strings (codes such as 0101 keep their leading zero).

    Parameters
    ----------
    path
        A .csv/.txt, .xlsx/.xlsm or .xls file.
    sheet
        Excel only: the sheet's name or 0-based position; the first sheet when None.
    encoding
        CSV only: the text's encoding; UTF-8 (with or without BOM), then GB18030, when None.

    Returns
    -------
    ReadResult
        The table with stripped column names; for a CSV read as GB18030 a note and an
        ``encoding_guessed`` quality note; for .xlsx/.xlsm the sheet's name and its formula
        cells without a saved value.

    Raises
    ------
    ReadError
        The file is missing, a folder, empty, not a workbook or not a readable CSV, its text
        is in none of the encodings tried, or it holds NUL bytes.
    """
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder, not a table; give the CSV or Excel file")
    suffix = path.suffix.lower()
    notes: list[str] = []
    if suffix in (".xlsx", ".xlsm", ".xls"):
        chosen = 0 if sheet is None else sheet
        if path.stat().st_size == 0:
            raise ReadError(f"{path}: is empty (0 bytes); save the workbook again from Excel/WPS")
        if suffix != ".xls" and not zipfile.is_zipfile(path):
            raise ReadError(
                f"{path}: not an Excel workbook (an .xlsx file is a zip archive, this one is "
                "not: damaged, or another kind of file renamed); save it again from Excel/WPS "
                "as .xlsx"
            )
        try:
            frame = pd.read_excel(path, sheet_name=chosen, dtype=str)
        except ValueError as exc:
            raise ReadError(f"{path}: {error_text(exc)}") from exc
        except Exception as exc:
            if zipfile.is_zipfile(path):
                raise ReadError(
                    f"{path}: a zip archive without the parts of an Excel workbook "
                    f"({type(exc).__name__}: {error_text(exc)}); save it again from Excel/WPS "
                    "as .xlsx"
                ) from exc
            raise ReadError(f"{path}: not a readable Excel workbook: {error_text(exc)}") from exc
        frame.columns = [str(c).strip() for c in frame.columns]
        result = ReadResult(frame, notes)
        if suffix in (".xlsx", ".xlsm"):
            result.sheet, cells = _formulas_without_values(path, chosen)
            columns = list(frame.columns)
            for letters, refs in cells.items():
                position = _column_number(letters) - 1
                name = columns[position] if position < len(columns) else letters
                result.formula_cells[name] = refs
        return result
    encodings = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    last: Exception | None = None
    for candidate in encodings:
        try:
            frame = pd.read_csv(path, dtype=str, encoding=candidate, skipinitialspace=True)
        except UnicodeDecodeError as exc:
            last = exc
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ReadError(f"{path}: not a readable CSV table: {error_text(exc)}") from exc
        quality = []
        if candidate == "gb18030":
            notes.append(f"{path.name} is not UTF-8: read as GB18030")
            quality.append(
                QualityNote(
                    "encoding_guessed",
                    text_zh=f"{path.name} 不是 UTF-8 编码，按 GB18030（GBK）读取",
                    text_en=f"{path.name} is not UTF-8: its text was read as GB18030 (GBK)",
                    rule="GB18030",
                )
            )
        frame.columns = [str(c).strip() for c in frame.columns]
        _refuse_control_bytes(path, frame)
        return ReadResult(frame, notes, quality)
    where = ""
    if isinstance(last, UnicodeDecodeError):
        where = f" (byte {last.object[last.start]:#04x} at position {last.start:,})"
    tried = " nor ".join({"utf-8-sig": "UTF-8", "gb18030": "GB18030"}.get(e, e) for e in encodings)
    raise ReadError(
        f"{path}: text is neither {tried}{where}, or not a text table at all; save it as "
        'UTF-8 CSV, or give its encoding with encoding = "..." in its [layers.NAME] section'
    )


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(
    r"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]+)(\d+)\"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)", re.S
)
_FORMULA = re.compile(r"<(?:\w+:)?f\b")
_VALUE = re.compile(r"<(?:\w+:)?v>\s*([^<\s][^<]*)</(?:\w+:)?v>")


def _formulas_without_values(path: Path, sheet: str | int) -> tuple[str, dict[str, list[str]]]:
    """The sheet's name and its formula cells without a saved value, by column letters.

    A workbook written by a program (openpyxl, a script) holds formulas but no values until
    Excel or WPS opens and saves it; pandas then reads those cells as empty.
    """
    import xml.etree.ElementTree as ET

    try:
        with zipfile.ZipFile(path) as archive:
            book = ET.fromstring(archive.read("xl/workbook.xml"))
            rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            sheets = [
                (str(s.get("name")), str(s.get(f"{_REL_NS}id")))
                for s in book.iter(f"{_SHEET_NS}sheet")
            ]
            if isinstance(sheet, int):
                if not 0 <= sheet < len(sheets):
                    return str(sheet), {}
                name, rel = sheets[sheet]
            else:
                match = [item for item in sheets if item[0] == sheet]
                if not match:
                    return sheet, {}
                name, rel = match[0]
            target = next(
                (
                    str(r.get("Target"))
                    for r in rels.iter(f"{_PKG_REL_NS}Relationship")
                    if r.get("Id") == rel
                ),
                None,
            )
            if target is None:
                return name, {}
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            xml = archive.read(member).decode("utf-8", errors="replace")
    except (KeyError, zipfile.BadZipFile, ET.ParseError, OSError):
        return str(sheet), {}
    found: dict[str, list[str]] = {}
    if not _FORMULA.search(xml):
        return name, found
    for letters, row, body in _CELL.findall(xml):
        if body and _FORMULA.search(body) and not _VALUE.search(body) and int(row) > 1:
            found.setdefault(letters, []).append(f"{letters}{row}")
    return name, found


def _column_number(letters: str) -> int:
    """1 for A, 26 for Z, 27 for AA."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - ord("A") + 1
    return number


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

    Parameters
    ----------
    frame
        The table, as :func:`read_table` gives it.
    layer, source
        The layer and the file, as messages name them.
    lon, lat
        The coordinate columns; found among the usual names (lon, lng, x, 经度 ...) when None.
    crs
        The coordinates' CRS (anything pyproj reads); EPSG:4326 when None.

    Returns
    -------
    geopandas.GeoDataFrame
        The other columns, with Point geometries in that CRS; the index is the table's.

    Raises
    ------
    LayerError
        A coordinate column is missing, or a row's coordinates are blank or not numbers.
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
            f'{columns_text(frame.columns)}. Name the columns with lon = "..." and '
            'lat = "..." in county.toml',
            layer=layer,
            source=source,
        )
    xs = pd.to_numeric(frame[lon_col].astype(str).str.strip(), errors="coerce")
    ys = pd.to_numeric(frame[lat_col].astype(str).str.strip(), errors="coerce")
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    if bad.any():
        first = bad[bad].index[0]
        column = lon_col if not np.isfinite(xs[first]) else lat_col
        raw = frame.at[first, column]
        value = "empty" if _blank_cell(raw) else f"value {_quote(raw)}"
        raise LayerError(
            f"{int(bad.sum())} row(s) have no usable coordinates (first: row {int(first) + 2} of "
            f"the table, {value}); fill or delete them",
            layer=layer,
            feature=f"row {int(first) + 2}",
            field=column,
            source=source,
        )
    geometry = gpd.points_from_xy(xs, ys)
    out_crs = pyproj.CRS.from_user_input(crs) if crs is not None else pyproj.CRS.from_epsg(4326)
    rest = frame.drop(columns=[lon_col, lat_col])
    return gpd.GeoDataFrame(rest, geometry=geometry, crs=out_crs)


def _refuse_control_bytes(path: Path, frame: pd.DataFrame) -> None:
    """Refuse a text table holding NUL bytes: it is damaged or binary.

    Read as it is, an id would carry invisible characters and match nothing.
    """
    damaged = "holds NUL bytes: the file is damaged or not a text table; export it again as CSV"
    for column in frame.columns:
        if "\x00" in str(column):
            raise ReadError(f"{path}: its header {damaged}")
        text = frame[column].dropna().astype(str)
        bad = text.index[text.str.contains("\x00", regex=False)]
        if len(bad):
            raise ReadError(f"{path}: row {int(bad[0]) + 2}, column '{str(column)[:40]}' {damaged}")


def _blank_cell(value: Any) -> bool:
    """An empty cell: None, NaN, or only spaces."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return True
    return isinstance(value, str) and not value.strip()


def _quote(value: Any, limit: int = 40) -> str:
    """A cell quoted for a message, cut to ``limit`` characters."""
    text = str(value)
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"
