"""Normalisation of a layer as read: aliases renamed, values coerced, problems collected.

:func:`normalize_layer` renames the aliases a bureau's files use (村名, 所属乡镇, 人口 ...),
applies a county.toml mapping, coerces values to the canonical vocabulary (沥青 → ``paved``,
建制村 → ``administrative``) and reports every problem it finds instead of stopping at the
first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from roadnet.errors import Problem
from roadnet.schema.columns import (
    column_label,
    columns_text,
    find_column,
    header_unit,
    split_header,
)
from roadnet.schema.spec import FieldSpec, LayerSchema, number_text
from roadnet.schema.values import coerce


@dataclass(frozen=True)
class UnitConversion:
    """A number column whose header names another unit of the field's quantity."""

    column: str
    field: str
    unit: str
    factor: float


@dataclass
class Normalized:
    """The result of :func:`normalize_layer`: the renamed frame and the problems found.

    ``renamed`` maps each source column to the (first) canonical field it became;
    ``columns`` maps each canonical field found to its column as the user's file names it
    (several fields may share one column); ``conversions`` lists the unit conversions made.
    """

    frame: pd.DataFrame
    problems: list[Problem]
    renamed: dict[str, str]  # source column → canonical field
    columns: dict[str, str] = field(default_factory=dict)  # canonical field → source column
    conversions: list[UnitConversion] = field(default_factory=list)


def normalize_layer(
    frame: pd.DataFrame,
    schema: LayerSchema,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Normalized:
    """Rename aliased columns to canonical names and coerce values; collect problems.

    Parameters
    ----------
    frame
        The layer as read (GeoDataFrame or DataFrame). Not modified.
    schema
        The layer's schema.
    mapping
        county.toml ``fields`` table: canonical field → column name in the file. One column
        may hold several fields (``{ id = "code", name = "code" }``).
    source
        File name, for messages.

    Returns
    -------
    Normalized
        A copy with canonical columns (unknown columns kept as they are) and every problem.
        Messages name each column as the file names it, with the canonical field beside it.
    """
    problems: list[Problem] = []
    mapping = dict(mapping or {})
    columns = [str(c) for c in frame.columns if c != "geometry"]
    chosen: dict[str, str] = {}  # canonical field → source column
    taken: set[str] = set()
    known = {f.name for f in schema.fields}

    for canonical, column in mapping.items():
        if canonical not in known:
            problems.append(
                Problem(
                    "warning",
                    f"county.toml maps unknown field '{canonical}'; the fields of this layer are "
                    f"{', '.join(f.name for f in schema.fields)}",
                    layer=schema.name,
                    source=source,
                )
            )
            continue
        hit = find_column(columns, [column])
        if hit is None:
            problems.append(
                Problem(
                    "error",
                    f"county.toml maps '{canonical}' to column '{column}', which the file does not "
                    f"have; its columns are: {columns_text(columns, empty='(none)')}",
                    layer=schema.name,
                    field=canonical,
                    source=source,
                )
            )
            continue
        chosen[canonical] = hit
        taken.add(hit)

    for spec in schema.fields:
        if spec.name in chosen or spec.name in mapping:
            continue
        candidates = [c for c in columns if c not in taken]
        hit = _find_field_column(candidates, spec, problems, schema=schema, source=source)
        if hit is not None:
            chosen[spec.name] = hit
            taken.add(hit)

    renamed: dict[str, str] = {}
    copies: dict[str, str] = {}  # canonical field → the field its column was renamed to
    for canonical, column in chosen.items():
        if column in renamed:
            copies[canonical] = renamed[column]
        else:
            renamed[column] = canonical

    out = frame.copy()
    # A column already carrying a canonical name but not chosen would clash after renaming.
    clashes = [c for c in out.columns if c in chosen and c not in renamed]
    out = out.rename(columns={c: f"{c}_orig" for c in clashes})
    out = out.rename(columns=renamed)
    for canonical, first in copies.items():
        out[canonical] = out[first]

    conversions: list[UnitConversion] = []
    for spec in schema.fields:
        if spec.name not in out.columns:
            if spec.required and spec.name not in mapping:
                problems.append(
                    Problem(
                        "error",
                        f"required field '{spec.name}' ({spec.label_zh}) is missing; tried "
                        f"{', '.join([spec.name, *spec.aliases])}; the file has "
                        f"{columns_text(columns)}. Rename a column or map it in "
                        f'county.toml: [layers.{schema.name}] fields = {{ {spec.name} = "..." }}',
                        layer=schema.name,
                        field=spec.name,
                        source=source,
                    )
                )
            continue
        column = chosen.get(spec.name, spec.name)
        factor = _unit_factor(column, spec)
        values, bad, outside = coerce(out[spec.name], spec, factor=factor)
        out[spec.name] = values
        if factor != 1.0:
            unit = split_header(column)[1] or ""
            conversions.append(UnitConversion(column, spec.name, unit, factor))
            problems.append(
                Problem(
                    "info",
                    f"{column_label(spec.name, column)} is in {unit}: values converted to "
                    f"{_UNIT_NAMES.get(spec.unit or '', spec.unit)} (× {factor:g})",
                    layer=schema.name,
                    field=spec.name,
                    source=source,
                )
            )
        if bad:
            ids = _feature_ids(out, schema, list(bad))
            sample = ", ".join(
                f"{i} ({_excerpt(v)})" for i, v in list(zip(ids, bad.values(), strict=True))[:5]
            )
            accepted = ""
            if spec.choices:
                accepted = f"; accepted: {', '.join(sorted(set(spec.choices.values())))}"
            problems.append(
                Problem(
                    "error",
                    f"{len(bad)} value(s) of {column_label(spec.name, column)} cannot be read "
                    f"as {_KIND_WORDS.get(spec.kind, spec.kind)}: {sample}{accepted}",
                    layer=schema.name,
                    feature=ids[0],
                    field=spec.name,
                    source=source,
                    count=len(bad),
                )
            )
        if outside:
            ids = _feature_ids(out, schema, list(outside))
            sample = ", ".join(
                f"{i} ({number_text(v)})"
                for i, v in list(zip(ids, outside.values(), strict=True))[:5]
            )
            problems.append(
                Problem(
                    "error",
                    f"{len(outside)} value(s) of {column_label(spec.name, column)} are out of "
                    f"range (allowed: {spec.range_text()}"
                    f"{' ' + _UNIT_NAMES[spec.unit] if spec.unit in _UNIT_NAMES else ''}): "
                    f"{sample}; correct them, or leave the cell empty when it is not known",
                    layer=schema.name,
                    feature=ids[0],
                    field=spec.name,
                    source=source,
                    count=len(outside),
                )
            )
    columns_of = {name: column for name, column in chosen.items() if name in out.columns}
    return Normalized(out, problems, renamed, columns_of, conversions)


_KIND_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "yes/no (是/否)",
    "enum": "one of the accepted values",
    "list": "a list",
    "code": "a code",
    "time": "a date and time",
    "str": "text",
}
_UNIT_NAMES = {
    "people": "persons (人)",
    "households": "households (户)",
    "m": "metres",
    "m2": "square metres",
    "wan_yuan": "万元",
    "kmh": "km/h",
    "min": "minutes",
}


def _find_field_column(
    candidates: list[str],
    spec: FieldSpec,
    problems: list[Problem],
    *,
    schema: LayerSchema,
    source: str | None,
) -> str | None:
    """The column holding ``spec`` among ``candidates``.

    A header whose bracketed unit is of another quantity (``宽度(亩)``) is not taken for the
    field, and a warning says so.
    """
    hit = find_column(candidates, [spec.name, *spec.aliases])
    if hit is None or spec.unit is None:
        return hit
    unit = header_unit(hit)
    if unit is None or unit[0] == spec.unit:
        return hit
    problems.append(
        Problem(
            "warning",
            f"column '{hit}' looks like '{spec.name}' ({spec.label_zh}) but its unit "
            f"{split_header(hit)[1]} is not one of {_UNIT_NAMES.get(spec.unit, spec.unit)}; "
            f'it is not used: map it with fields = {{ {spec.name} = "..." }} after converting it',
            layer=schema.name,
            field=spec.name,
            source=source,
        )
    )
    return None


def _unit_factor(column: str, spec: FieldSpec) -> float:
    if spec.unit is None or spec.kind not in ("int", "float"):
        return 1.0
    unit = header_unit(column)
    if unit is None or unit[0] != spec.unit:
        return 1.0
    return unit[1]


def _excerpt(value: Any, limit: int = 40) -> str:
    """A value quoted for a message, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _feature_ids(frame: pd.DataFrame, schema: LayerSchema, index: list[Any]) -> list[str]:
    if schema.id_field and schema.id_field in frame.columns:
        return [str(frame.at[i, schema.id_field]) for i in index]
    return [f"row {frame.index.get_loc(i) + 1}" for i in index]
