"""Reading ordinary GIS files: GeoPackage, Shapefile, GeoJSON … (tables: roadnet.io.tables).

Chinese shapefiles often come without a ``.cpg`` and with names in GBK; GDAL then decodes
them as Latin-1 and the planner sees mojibake. Without a ``.cpg`` (and without an
``encoding`` in county.toml) the DBF's text is tried as UTF-8, then GB18030, and the choice
is reported; a file that is neither is an error, never garbled names. A ``.cpg`` that says
UTF-8 over GBK text is detected the same way, and column names that GDAL cut to the DBF's
10 bytes in the middle of a Chinese character are read without the broken character.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from roadnet.errors import ReadError
from roadnet.quality import QualityNote

VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite", ".zip"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
_DBF_SAMPLE_BYTES = 32 * 1024 * 1024


@dataclass
class ReadResult:
    """A frame as read from a file, plus notes for the planner (encoding used ...).

    Attributes
    ----------
    frame
        The table or layer as read.
    notes
        Sentences for the planner (encoding used, GDAL warnings).
    quality
        What reading had to guess or repair (an encoding, cut column names), as
        :class:`~roadnet.quality.QualityNote` without a layer (the loader adds it).
    formula_cells
        Excel only: column → cells (``D2``) holding a formula without a saved value.
    sheet
        Excel only: the name of the sheet read.
    """

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    quality: list[QualityNote] = field(default_factory=list)
    formula_cells: dict[str, list[str]] = field(default_factory=dict)
    sheet: str | None = None


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
        if _is_decode_error(exc) and not shapefile:
            raise ReadError(
                f"{path}: its text is not UTF-8 ({_decode_reason(exc)}), which GeoJSON, KML "
                "and GML files must be: save it again as UTF-8, or give its encoding with "
                'encoding = "GBK" in its [layers.NAME] section'
            ) from exc
        if not shapefile or not _is_decode_error(exc):
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
    reason = _dbf_damage(dbf)
    if reason:
        # GDAL reads the geometries of a shapefile whose .dbf it cannot read, without a word
        # and without a single attribute: every id, name and code would be lost.
        raise ReadError(
            f"{path}: the shapefile's {dbf.name} (attribute table) {reason}; copy the "
            "shapefile again from its source (all of .shp, .shx, .dbf, .prj, .cpg)"
        )


#: First bytes of dBASE files (III, IV, 5, FoxPro, Visual FoxPro, with or without memo).
_DBF_VERSIONS = {
    0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB
}  # fmt: skip


def _dbf_damage(dbf: Path) -> str | None:
    """Why a .dbf cannot be a complete dBASE table (None when its header adds up)."""
    if dbf.is_dir():
        return "is a folder"
    size = dbf.stat().st_size
    with dbf.open("rb") as handle:
        header = handle.read(32)
        n_records, header_len, record_len = (
            struct.unpack("<IHH", header[4:12]) if len(header) == 32 else (0, 0, 0)
        )
        descriptors = handle.read(max(0, min(header_len, size) - 32))
    if len(header) < 32:
        return f"is {size} bytes long, too short for a dBASE header (the file is damaged)"
    # field descriptors are 32 bytes each, ended by 0x0D (Visual FoxPro adds 263 bytes)
    ends = {header_len - 33, header_len - 33 - 263}
    ended = any(0 <= e < len(descriptors) and descriptors[e] == 0x0D for e in ends)
    if header[0] not in _DBF_VERSIONS or header_len < 33 or record_len < 1:
        return "is not a dBASE table (its header is damaged)"
    if header_len <= size and not ended:
        return "is not a dBASE table (its header is damaged)"
    needed = header_len + n_records * record_len
    if size < needed:
        return (
            f"is cut short: its header announces {n_records:,} records ({needed:,} bytes) but "
            f"the file has {size:,} bytes"
        )
    return None


def _read_error(path: Path, exc: BaseException) -> ReadError:
    """The error of a file GDAL could not read; a geometry GEOS refused is said as such."""
    text = first_line(exc)
    if "IllegalArgumentException" in text or "GEOSException" in type(exc).__name__:
        return ReadError(
            f"{path}: a feature's geometry is damaged ({text.split(':')[-1].strip()}); copy "
            "the file again from its source, or repair it (QGIS: Fix geometries)"
        )
    return ReadError(f"{path}: cannot be read: {text}")


def _decode_reason(exc: BaseException | None) -> str:
    """``byte 0xb2 at position 0`` of the UnicodeDecodeError behind ``exc``."""
    while exc is not None:
        if isinstance(exc, UnicodeDecodeError):
            return f"byte 0x{exc.object[exc.start]:02x} at position {exc.start}"
        exc = exc.__cause__ or exc.__context__
    return "bytes that are not UTF-8"


def _is_decode_error(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, UnicodeDecodeError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


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
    names, cut = _decode_names([str(c) for c in frame.columns], actual)
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


def _decode_names(raw: list[str], encoding: str) -> tuple[list[str], dict[str, str]]:
    """Column names read as Latin-1 decoded in ``encoding``; broken last characters dropped.

    Returns the names (unique) and, for each name that had to be cut, raw → decoded.
    """
    names: list[str] = []
    cut: dict[str, str] = {}
    for name in raw:
        if name == "geometry":
            names.append(name)
            continue
        data = name.encode("latin-1", errors="replace")
        decoded: str | None = None
        for trim in range(4):
            try:
                decoded = data[: len(data) - trim].decode(encoding)
            except UnicodeDecodeError:
                continue
            if trim:
                cut[name] = decoded
            break
        if decoded is None:
            decoded = data.decode(encoding, errors="replace")
            cut[name] = decoded
        base, n = decoded, 2
        while decoded in names:
            decoded = f"{base}_{n}"
            n += 1
        if name in cut:
            cut[name] = decoded
        names.append(decoded)
    return names, cut


def detect_dbf_encoding(dbf: Path, *, first: str | None = None) -> str:
    """Guess the encoding of a shapefile's DBF text: UTF-8 when it decodes, else GB18030.

    Parameters
    ----------
    dbf
        The shapefile's .dbf.
    first
        An encoding to try before UTF-8 and GB18030 (the one county.toml gives).

    Raises
    ------
    ReadError
        When the text is none of them (give ``encoding = "..."`` in county.toml).
    """
    text = _dbf_text(dbf)
    candidates = [c for c in (first, "UTF-8", "GB18030") if c]
    if text is None:
        return candidates[0]
    for candidate in candidates:
        try:
            text.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        return candidate
    raise ReadError(
        f'{dbf}: text is neither {" nor ".join(candidates)}; add encoding = "..." to its '
        "[layers.NAME] section in county.toml (or a .cpg file beside the .shp)"
    )


def _dbf_text(dbf: Path) -> bytes | None:
    """The bytes of the DBF's text (C) fields, up to 32 MB; None when it has none."""
    try:
        with dbf.open("rb") as handle:
            header = handle.read(32)
            if len(header) < 32:
                raise ReadError(f"{dbf}: truncated DBF header (the file is damaged)")
            n_records, header_len, record_len = struct.unpack("<IHH", header[4:12])
            descriptors = handle.read(max(header_len - 32, 0))
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
    if record_len <= 0 or not spans or offset > record_len:
        return None
    records = np.frombuffer(body[: len(body) - len(body) % record_len], dtype=np.uint8)
    records = records.reshape(-1, record_len)
    return b"".join(records[:, a : a + n].tobytes() for a, n in spans)


def _gdal_reason(exc: BaseException) -> str:
    """GDAL's reason, without the SQL it ran: 'the file is damaged' rather than a query."""
    text = first_line(exc)
    if "sqlite" in text.lower() or "failed:" in text:
        reason = text.rsplit("failed:", 1)[-1].split(";")[0].strip()
        return (
            f"{reason} (a damaged or incomplete copy, or not a GeoPackage at all: copy the file "
            "again from its source)"
        )
    return text


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 300 characters), for a message."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
