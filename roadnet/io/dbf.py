"""A shapefile's attribute table (.dbf) read directly: its damage and its text encoding.

Chinese shapefiles often come without a ``.cpg`` and with names in GBK; GDAL then decodes
them as Latin-1 and the planner sees mojibake. :func:`detect_dbf_encoding` tries the DBF's
text as UTF-8, then GB18030; :func:`decode_names` reads column names that GDAL cut to the
DBF's 10 bytes in the middle of a Chinese character without the broken character.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from roadnet.errors import ReadError

_DBF_SAMPLE_BYTES = 32 * 1024 * 1024


#: First bytes of dBASE files (III, IV, 5, FoxPro, Visual FoxPro, with or without memo).
_DBF_VERSIONS = {
    0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB
}  # fmt: skip


def dbf_damage(dbf: Path) -> str | None:
    """Why a .dbf cannot be a complete dBASE table (None when its header adds up).

    Parameters
    ----------
    dbf
        The shapefile's .dbf.

    Returns
    -------
    str or None
        The damage, worded to follow "the shapefile's x.dbf (attribute table)"; None when
        the header and the file's size agree.
    """
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


def decode_names(raw: list[str], encoding: str) -> tuple[list[str], dict[str, str]]:
    """Column names read as Latin-1 decoded in ``encoding``; broken last characters dropped.

    Parameters
    ----------
    raw
        The column names as GDAL gave them, read as Latin-1 (one character a byte).
    encoding
        The encoding the DBF's text really has.

    Returns
    -------
    tuple of (list of str, dict of str to str)
        The names (unique) and, for each name that had to be cut, raw → decoded.
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
