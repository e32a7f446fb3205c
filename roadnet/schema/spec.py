"""Field and layer specifications: what one canonical field or one layer of a county is."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a layer.

    ``kind`` is one of ``str``, ``int``, ``float``, ``bool``, ``enum``, ``list``, ``time``,
    ``code``. ``choices`` maps accepted spellings (lower-cased) to canonical values for
    ``enum`` fields. ``unit`` is the quantity of a number field (``people``, ``m``, ``m2``,
    ``wan_yuan`` …, see :data:`roadnet.schema.columns.UNITS`): a header naming another unit
    of the same quantity in brackets (``人口(万人)``, ``图斑面积(亩)``) has its values
    converted to the field's unit.
    ``bounds`` (number fields) is the range ``(low, high)`` a value must lie in, in the
    field's unit; ``open_low``/``open_high`` exclude the bound itself (a width of 0 m is no
    width). A number outside it, or not finite (``inf``), is an error naming the feature.
    """

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "str"
    choices: Mapping[str, str] | None = None
    label_zh: str = ""
    unit: str | None = None
    bounds: tuple[float, float] | None = None
    open_low: bool = False
    open_high: bool = False

    def admits(self, number: float) -> bool:
        """Whether ``number`` lies within :attr:`bounds` (always, without bounds)."""
        if self.bounds is None:
            return True
        low, high = self.bounds
        above = number > low if self.open_low else number >= low
        below = number < high if self.open_high else number <= high
        return above and below

    def range_text(self) -> str:
        """The accepted range for messages: ``0 to 1,440``, ``more than 0, at most 200``."""
        if self.bounds is None:
            return "any number"
        low, high = (number_text(b) for b in self.bounds)
        if not (self.open_low or self.open_high):
            return f"{low} to {high}"
        lower = f"more than {low}" if self.open_low else f"at least {low}"
        upper = f"less than {high}" if self.open_high else f"at most {high}"
        return f"{lower}, {upper}"


def number_text(value: float) -> str:
    """A bound or value for a message: ``1,440``, ``0.5``, ``1e+20`` (never 300 digits)."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:.6g}"


@dataclass(frozen=True)
class LayerSchema:
    """The schema of one layer: geometry type and fields."""

    name: str
    label_zh: str
    geometry: str  # point | line | polygon | line_or_polygon | none
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    id_field: str | None = "id"

    def field(self, name: str) -> FieldSpec:
        """The spec of field ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required fields."""
        return tuple(f.name for f in self.fields if f.required)

    def feature_ids(self, frame: pd.DataFrame, mask: np.ndarray) -> list[str]:
        """Ids of the masked features, for messages.

        The id field, else a 三调 标识码 (BSM) or 图斑编号 (TBBH, JBNTTBBH) when every masked
        feature has one, else the row in the layer (``row 3``, counted from 1).
        """
        positions = np.flatnonzero(mask)
        for column in (self.id_field, "BSM", "TBBH", "JBNTTBBH"):
            if column and column in frame.columns:
                values = frame[column].to_numpy()[positions]
                if not pd.isna(values).any():
                    return [str(v) for v in values]
        return [f"row {p + 1}" for p in positions]
