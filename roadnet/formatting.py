"""Numbers in text: one rounding rule for every printed or written figure, never "None".

Every headline, table cell written as text, report sentence and map label formats its
figures here, so a total and its parts are rounded alike ("总里程 0.7 公里" beside a class
table of 0.5 + 0.2 km, never "0 公里") and a figure the data does not give reads as "—"
(or a sentence saying it is not known), never ``None``, ``nan`` or ``null``.

The rule for lengths: one decimal under 10 km, whole kilometres from 10 km on (thousands
separated). Shares: one decimal of a percent. Areas in 亩: one decimal. Counts: whole numbers,
thousands separated.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

#: What a figure the data does not give prints as.
MISSING = "—"


def is_missing(value: Any) -> bool:
    """Whether ``value`` is None, NaN, NA or infinite (a figure that cannot be printed)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return not math.isfinite(number)


def is_na(value: Any) -> bool:
    """Whether a table cell is empty (None, NaN, NA, NaT); a list or other object is not."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def round_km(km: Any) -> float | None:
    """``km`` by the length rule (one decimal under 10 km, whole km above); None if missing."""
    if is_missing(km):
        return None
    value = float(km)
    return round(value, 1) if abs(value) < 10 else float(round(value))


def format_km(km: Any) -> str:
    """A length in kilometres as text by the length rule (``0.7``, ``9.9``, ``1,234``)."""
    value = round_km(km)
    if value is None:
        return MISSING
    return f"{value:.1f}" if abs(value) < 10 else f"{value:,.0f}"


def format_count(count: Any) -> str:
    """A whole number, thousands separated (``12,407``)."""
    if is_missing(count):
        return MISSING
    return f"{round(float(count)):,}"


def format_percent(share: Any, *, digits: int = 1) -> str:
    """A share (0–1) as a percentage (``45.5%``)."""
    if is_missing(share):
        return MISSING
    return f"{float(share) * 100:.{digits}f}%"


def format_mu(mu: Any) -> str:
    """An area in 亩 with one decimal (``12.3``)."""
    if is_missing(mu):
        return MISSING
    return f"{float(mu):,.1f}"


def format_number(value: Any, *, digits: int = 1) -> str:
    """Any other figure with ``digits`` decimals; :data:`MISSING` when it is not known."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"
