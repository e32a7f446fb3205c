"""Column matching: a user's column headers against a field's aliases, units in brackets.

Headers are matched case-insensitively and trimmed; a header with a note or unit in
brackets at its end (``人口（万人）``, ``村代码[12位]``) matches its bare name, and its unit
says how to convert the values to the field's unit (:data:`UNITS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Column names of longitude and latitude in CSV and Excel tables.
LON_ALIASES = ("经度", "lng", "longitude", "lon", "x", "long")
LAT_ALIASES = ("纬度", "latitude", "lat", "y")

#: Units a header may name in brackets (``人口(万人)``): unit → (quantity, factor to the
#: quantity's unit used by the schema: people, households, m, m2, wan_yuan, kmh, min).
UNITS: dict[str, tuple[str, float]] = {
    "人": ("people", 1.0),
    "万人": ("people", 10_000.0),
    "户": ("households", 1.0),
    "万户": ("households", 10_000.0),
    "m": ("m", 1.0),
    "米": ("m", 1.0),
    "km": ("m", 1000.0),
    "公里": ("m", 1000.0),
    "千米": ("m", 1000.0),
    "m2": ("m2", 1.0),
    "m²": ("m2", 1.0),
    "㎡": ("m2", 1.0),
    "平方米": ("m2", 1.0),
    "亩": ("m2", 10_000.0 / 15.0),
    "公顷": ("m2", 10_000.0),
    "ha": ("m2", 10_000.0),
    "km2": ("m2", 1e6),
    "km²": ("m2", 1e6),
    "平方公里": ("m2", 1e6),
    "平方千米": ("m2", 1e6),
    "万元": ("wan_yuan", 1.0),
    "元": ("wan_yuan", 1e-4),
    "千元": ("wan_yuan", 0.1),
    "亿元": ("wan_yuan", 10_000.0),
    "km/h": ("kmh", 1.0),
    "公里/小时": ("kmh", 1.0),
    "千米/小时": ("kmh", 1.0),
    "m/s": ("kmh", 3.6),
    "米/秒": ("kmh", 3.6),
    "min": ("min", 1.0),
    "分": ("min", 1.0),
    "分钟": ("min", 1.0),
    "h": ("min", 60.0),
    "小时": ("min", 60.0),
}

# A header with a note or unit in brackets at its end: 人口[人], 人口（人）, 村代码[12位].
_BRACKETED = re.compile(
    r"^(?P<base>.*?\S)\s*[\[(（【〔](?P<note>[^\[\]()（）【】〔〕]*)[\])）】〕]\s*$"
)


def columns_text(columns: Iterable[object], *, limit: int = 200, empty: str = "no columns") -> str:
    """The column names of a file for a message, cut after about ``limit`` characters.

    A table with 300 columns (or one column header holding a whole paragraph) must not make
    a message pages long: the names are listed until ``limit`` and the rest counted.
    """
    names = [str(c) if len(str(c)) <= 40 else str(c)[:39] + "…" for c in columns]
    names = [n for n in names if n != "geometry"]
    if not names:
        return empty
    shown: list[str] = []
    length = 0
    for name in names:
        if shown and length + len(name) > limit:
            break
        shown.append(name)
        length += len(name) + 2
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" … and {rest} more" if rest else "")


def column_label(name: str, column: str | None = None) -> str:
    """``column '人口' (population)``: a field named as the user's file names it.

    Parameters
    ----------
    name
        The canonical field.
    column
        The column of the user's file holding it (None or equal: only the field is named).
    """
    if column is None or str(column) == name:
        return f"column '{name}'"
    return f"column '{column}' ({name})"


def split_header(header: str) -> tuple[str, str | None]:
    """A header and the note or unit in brackets at its end: ``人口（万人）`` → (人口, 万人)."""
    text = str(header).strip()
    match = _BRACKETED.match(text)
    if match is None:
        return text, None
    return match.group("base"), match.group("note").strip()


def header_unit(header: str) -> tuple[str, float] | None:
    """(quantity, factor) of the unit a header names in brackets, or None."""
    _, note = split_header(header)
    if not note:
        return None
    return UNITS.get(note.lower().replace(" ", ""))


def find_column(columns: Iterable[str], names: Iterable[str]) -> str | None:
    """First column among ``columns`` matching one of ``names`` (case-insensitive, trimmed).

    A header with a note or unit in brackets at its end (``人口[人]``, ``人口（人）``,
    ``村代码[12位]``) matches its name without the brackets when no column matches exactly.
    """
    columns = [str(c) for c in columns]
    lookup = {c.strip().lower(): c for c in columns}
    bare: dict[str, str] = {}
    for column in columns:
        base, note = split_header(column)
        if note is not None:
            bare.setdefault(base.lower(), column)
    names = [str(n) for n in names]
    for name in names:
        hit = lookup.get(name.strip().lower())
        if hit is not None:
            return hit
    for name in names:
        hit = bare.get(name.strip().lower())
        if hit is not None:
            return hit
    return None
