"""Value coercion: a column's cells read as the canonical type of their field.

Each cell that cannot be read, or a number outside the field's bounds, is reported by index
and left empty, so that :func:`~roadnet.schema.normalize.normalize_layer` can name them all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from roadnet.schema.spec import FieldSpec

TRUE_WORDS = {"true", "yes", "y", "1", "是", "t", "1.0"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "f", "0.0", ""}

#: Largest whole number a count field holds (beyond it, int64 and float64 part ways).
_MAX_INT = 2**53
_LIST_SPLIT = re.compile(r"\s*[,，、;；|]\s*")


def is_blank(value: Any) -> bool:
    """Whether a cell is empty: None, NaN, NA, NaT or only white space."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def coerce(
    series: pd.Series, spec: FieldSpec, *, factor: float = 1.0
) -> tuple[pd.Series, dict[Any, Any], dict[Any, float]]:
    """Coerce a column to its canonical type.

    Returns the values, the values that cannot be read (by index) and the numbers outside
    the field's bounds (by index, in the field's unit); both are left empty (None).
    ``factor`` multiplies number fields (a header's unit converted to the field's unit).
    """
    converters: dict[str, Callable[[Any, FieldSpec], Any]] = {
        "str": _to_str,
        "code": _to_code,
        "int": _to_int,
        "float": _to_float,
        "bool": _to_bool,
        "enum": _to_enum,
        "list": _to_list,
    }
    if spec.kind == "time":
        return (*_to_time(series), {})
    convert = converters[spec.kind]
    if factor != 1.0 and spec.kind in ("int", "float"):
        scale = factor

        def convert(value: Any, spec: FieldSpec) -> Any:
            number = _to_float(value, spec) * scale
            return round(number) if spec.kind == "int" else number

    bad: dict[Any, Any] = {}
    outside: dict[Any, float] = {}
    out: list[Any] = []
    number = spec.kind in ("int", "float")
    for index, value in series.items():
        if is_blank(value):
            out.append(None)
            continue
        try:
            converted = convert(value, spec)
        except (TypeError, ValueError, OverflowError):
            bad[index] = value
            out.append(None)
            continue
        if number and (not spec.admits(float(converted)) or abs(converted) > _MAX_INT):
            outside[index] = float(converted)
            out.append(None)
            continue
        out.append(converted)
    if spec.kind == "int":
        result = pd.Series(out, index=series.index, dtype="Int64")
    elif spec.kind == "float":
        result = pd.Series(out, index=series.index, dtype="float64")
    elif spec.kind == "bool":
        result = pd.Series(out, index=series.index, dtype="boolean")
    else:
        result = pd.Series(out, index=series.index, dtype=object)
    return result, bad, outside


def _to_str(value: Any, spec: FieldSpec) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _to_code(value: Any, spec: FieldSpec) -> str:
    text = _to_str(value, spec)
    if spec.name in ("DLBM", "KCDLBM"):
        from roadnet.landuse import normalize_dlbm

        code = normalize_dlbm(value)
        if code is None:
            raise ValueError(value)
        return code
    return text.upper()


def _to_int(value: Any, spec: FieldSpec) -> int:
    return round(_to_float(value, spec))


def _to_float(value: Any, spec: FieldSpec) -> float:
    """A finite number: ``inf`` and ``nan`` are not numbers a planner wrote."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        text = re.sub(r"\s*(m|米|km/h|公里/小时|分钟|min|人|户|万元|座)$", "", text, flags=re.I)
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _to_bool(value: Any, spec: FieldSpec) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(value)


def _to_enum(value: Any, spec: FieldSpec) -> str:
    choices = spec.choices or {}
    text = str(value).strip()
    hit = choices.get(text) or choices.get(text.lower())
    if hit is None:
        raise ValueError(value)
    return hit


def _to_list(value: Any, spec: FieldSpec) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        items = [str(v).strip() for v in value]
    else:
        items = _LIST_SPLIT.split(str(value).strip())
    items = [i for i in items if i]
    if not items:
        raise ValueError(value)
    return items


def _to_time(series: pd.Series) -> tuple[pd.Series, dict[Any, Any]]:
    """Parse times; naive times are China Standard Time (UTC+8), the terminals' clock."""
    from roadnet.timeparse import parse_times

    parsed = parse_times(series)
    bad = {i: v for i, v in series.items() if not is_blank(v) and pd.isna(parsed.at[i])}
    return parsed, bad


def split_list(value: Any) -> list[str]:
    """Split a list written as text ("S1,S2", "S1，S2、S3", "S1;S2|S3") into its items."""
    if is_blank(value):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v for v in _LIST_SPLIT.split(str(value).strip()) if v]
