"""Vector files (GeoPackage, Shapefile, GeoJSON ...) read with pyogrio, in their own CRS.

Without a ``.cpg`` (and without an ``encoding`` in county.toml) a shapefile's text is tried
as UTF-8, then GB18030 (:mod:`roadnet.io.dbf`), and the choice is reported; a file that is
neither is an error, never garbled names. A ``.cpg`` that says UTF-8 over GBK text is
detected the same way, and column names that GDAL cut to the DBF's 10 bytes in the middle of
a Chinese character are read without the broken character.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from roadnet.errors import ReadError
from roadnet.io.dbf import dbf_damage, decode_names, detect_dbf_encoding
from roadnet.io.files import ReadResult, error_text
from roadnet.quality import QualityNote


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

    Raises
    ------
    ReadError
        The file is missing, incomplete (a shapefile without .shx or .dbf), damaged, or its
        text is in an encoding that cannot be told.
    """
    import pyogrio

    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(
            f'{path}: is a folder, not a file; give the file inside it (path = "folder/x.shp")'
        )
    notes: list[str] = []
    quality: list[QualityNote] = []
    shapefile = path.suffix.lower() == ".shp"
    if shapefile:
        _check_shapefile_parts(path)
    if shapefile and encoding is None and not path.with_suffix(".cpg").exists():
        encoding = detect_dbf_encoding(path.with_suffix(".dbf"))
        notes.append(f"{path.name} has no .cpg: text read as {encoding}")
        if encoding != "UTF-8":
            quality.append(_encoding_note(path, encoding, cpg=None))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            listed = pyogrio.list_layers(path)
    except Exception as exc:
        raise ReadError(f"{path}: cannot be opened as a GIS file: {_gdal_reason(exc)}") from exc
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
        decode_error = _decode_error(exc)
        if decode_error is not None and not shapefile:
            byte, start = decode_error.object[decode_error.start], decode_error.start
            raise ReadError(
                f"{path}: its text is not UTF-8 (byte 0x{byte:02x} at position {start}), which "
                "GeoJSON, KML and GML files must be: save it again as UTF-8, or give its "
                'encoding with encoding = "GBK" in its [layers.NAME] section'
            ) from exc
        if not shapefile or decode_error is None:
            raise _read_error(path, exc) from exc
        frame, more_notes, more_quality = _read_shapefile_bytes(path, layer=layer, given=encoding)
        notes.extend(more_notes)
        quality.extend(more_quality)
        return ReadResult(frame, notes, quality)
    notes.extend(f"{path.name}: {w.message}" for w in caught)
    return ReadResult(frame, notes, quality)


def _check_shapefile_parts(path: Path) -> None:
    """A shapefile is .shp + .shx + .dbf: name the part that is missing or damaged."""
    for suffix, what in ((".shx", "index"), (".dbf", "attribute table")):
        if not any(path.with_suffix(s).exists() for s in (suffix, suffix.upper())):
            raise ReadError(
                f"{path}: the shapefile's {path.with_suffix(suffix).name} ({what}) is missing; "
                "a shapefile is .shp + .shx + .dbf, usually with .prj and .cpg: copy all of them"
            )
    dbf = next(d for d in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if d.exists())
    reason = dbf_damage(dbf)
    if reason:
        # GDAL reads the geometries of a shapefile whose .dbf it cannot read, without a word
        # and without a single attribute: every id, name and code would be lost.
        raise ReadError(
            f"{path}: the shapefile's {dbf.name} (attribute table) {reason}; copy the "
            "shapefile again from its source (all of .shp, .shx, .dbf, .prj, .cpg)"
        )


def _read_error(path: Path, exc: BaseException) -> ReadError:
    """The error of a file GDAL could not read; a geometry GEOS refused is said as such."""
    text = error_text(exc)
    if "IllegalArgumentException" in text or "GEOSException" in type(exc).__name__:
        return ReadError(
            f"{path}: a feature's geometry is damaged ({text.split(':')[-1].strip()}); copy "
            "the file again from its source, or repair it (QGIS: Fix geometries)"
        )
    return ReadError(f"{path}: cannot be read: {text}")


def _decode_error(exc: BaseException | None) -> UnicodeDecodeError | None:
    """The UnicodeDecodeError behind ``exc`` (itself, its cause or context); None if none."""
    while exc is not None:
        if isinstance(exc, UnicodeDecodeError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _encoding_note(path: Path, encoding: str, *, cpg: str | None) -> QualityNote:
    said = f"its .cpg says {cpg}" if cpg else "it has no .cpg"
    said_zh = f".cpg 文件标为 {cpg}" if cpg else "缺少 .cpg 文件"
    return QualityNote(
        "encoding_guessed",
        text_zh=f"{path.name} {said_zh}，文字按 {encoding} 读取；如有乱码请在该图层设置 "
        'encoding = "GBK"',
        text_en=f"{path.name}: {said}; its text was read as {encoding} (set encoding = "
        '"GBK" or another in its [layers.NAME] section if names look wrong)',
        rule=encoding,
    )


def _read_shapefile_bytes(
    path: Path, *, layer: str | None, given: str | None
) -> tuple[pd.DataFrame, list[str], list[QualityNote]]:
    """Read a shapefile whose text does not decode as its .cpg (or county.toml) says.

    The DBF is read as bytes (Latin-1 maps every byte to one character), then its column
    names and values are decoded in the encoding the text really has (UTF-8, else
    GB18030); names cut in the middle of a character lose the broken bytes.
    """
    import pyogrio

    cpg_file = path.with_suffix(".cpg")
    cpg = (
        cpg_file.read_text(encoding="ascii", errors="replace").strip()
        if cpg_file.exists()
        else None
    )
    actual = detect_dbf_encoding(path.with_suffix(".dbf"), first=given)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # GDAL's complaints become notes, not stderr
            frame = pyogrio.read_dataframe(path, layer=layer, encoding="latin1")
    except Exception as exc:
        raise _read_error(path, exc) from exc
    notes: list[str] = [f"{path.name}: {w.message}" for w in caught]
    quality: list[QualityNote] = []
    names, cut = decode_names([str(c) for c in frame.columns], actual)
    frame.columns = names
    for column in frame.columns:
        values = frame[column]
        if column == "geometry" or not pd.api.types.is_string_dtype(values.dtype):
            continue
        decoded = values.str.encode("latin-1").str.decode(actual, errors="replace")
        frame[column] = decoded.where(decoded.notna(), values)
    said = given or cpg
    if said is not None and _codec(said) != _codec(actual):
        notes.append(
            f"{path.name}: text is not {said} (as its "
            f"{'county.toml encoding' if given else '.cpg'} says) but {actual}: read as {actual}"
        )
        quality.append(_encoding_note(path, actual, cpg=said))
    if cut:
        listed = ", ".join(f"'{new}'" for new in cut.values())
        notes.append(
            f"{path.name}: {len(cut)} column name(s) were cut by the shapefile's 10-byte limit "
            f"in the middle of a character and are read without it: {listed}; map them with "
            'fields = { ... = "..." } if they are not recognised'
        )
        quality.append(
            QualityNote(
                "column_names_truncated",
                text_zh=f"{path.name} 有 {len(cut)} 个字段名被 shapefile 的 10 字节限制"
                f"从汉字中间截断，已去掉残缺字节读取：{listed}",
                text_en=f"{path.name}: {len(cut)} column name(s) cut mid-character by the "
                f"shapefile's 10-byte limit were read without the broken bytes: {listed}",
                count=len(cut),
                rule="trimmed",
            )
        )
    return frame, notes, quality


def _codec(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _gdal_reason(exc: BaseException) -> str:
    """GDAL's reason, without the SQL it ran: 'the file is damaged' rather than a query."""
    text = error_text(exc)
    if "sqlite" in text.lower() or "failed:" in text:
        reason = text.rsplit("failed:", 1)[-1].split(";")[0].strip()
        return (
            f"{reason} (a damaged or incomplete copy, or not a GeoPackage at all: copy the file "
            "again from its source)"
        )
    return text
