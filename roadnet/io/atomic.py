"""Atomic writes: every output is written to a temporary file beside the target, then renamed.

An interrupted run therefore never leaves a half-written map, workbook or ledger behind,
and a previous good file survives a failed write.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    The temporary file keeps the target's suffix (GDAL picks drivers by it). On any
    exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite an existing empty file
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        for leftover in (
            tmp,
            tmp.with_name(tmp.name + "-journal"),
            tmp.with_name(tmp.name + "-wal"),
        ):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def write_text(target: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def write_json(target: str | os.PathLike[str], document: object) -> Path:
    """Write ``document`` as JSON (UTF-8, indented) to ``target`` atomically.

    The file is standard JSON whatever the document holds: a float that is not finite (a
    distance never reached, a share of nothing) is written as ``null`` — Python's ``json``
    would write ``NaN``/``Infinity``, which no other JSON reader accepts. Other objects
    (paths, dates) are written as their text.
    """
    text = json.dumps(_finite(document), ensure_ascii=False, indent=2, allow_nan=False, default=str)
    return write_text(target, text + "\n")


def _finite(value: object) -> object:
    """``value`` with every non-finite float (NaN, ±inf) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_geopackage(
    target: str | os.PathLike[str], layers: Mapping[str, gpd.GeoDataFrame]
) -> Path:
    """Write several layers into one new GeoPackage atomically.

    Parameters
    ----------
    target
        The ``.gpkg`` to create or replace.
    layers
        Layer name to GeoDataFrame (non-spatial tables are written as attribute tables).
    """
    import pyogrio

    with atomic_path(target) as tmp:
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG")
    return Path(target)
