"""Layer schemas: canonical field names, their Chinese and English aliases, value vocabularies.

A county is a set of named layers (DESIGN.md, "The data model"). Each layer has canonical
English field names; :func:`normalize_layer` renames the aliases a bureau's files use
(村名, 所属乡镇, 人口 ...), applies a county.toml mapping, coerces values to the canonical
vocabulary (沥青 → ``paved``, 建制村 → ``administrative``) and reports every problem it finds
instead of stopping at the first.

The package holds one concept per module: :mod:`~roadnet.schema.vocabulary` (codes, classes,
surfaces), :mod:`~roadnet.schema.spec` (what a field and a layer are),
:mod:`~roadnet.schema.catalog` (the layers), :mod:`~roadnet.schema.columns` (matching a
file's headers), :mod:`~roadnet.schema.values` (reading cells) and
:mod:`~roadnet.schema.normalize` (a layer as read → canonical). The names below are what the
rest of roadnet uses.
"""

from roadnet.schema.catalog import (
    LAYER_NAMES,
    MAX_SPEED_KMH,
    MIN_SPEED_KMH,
    SCHEMAS,
    YEARS,
    canonical_layer_name,
)
from roadnet.schema.columns import (
    LAT_ALIASES,
    LON_ALIASES,
    column_label,
    columns_text,
    find_column,
)
from roadnet.schema.normalize import Normalized, normalize_layer
from roadnet.schema.spec import FieldSpec, LayerSchema
from roadnet.schema.values import split_list
from roadnet.schema.vocabulary import (
    HIGHWAY_CLASSES,
    PROJECT_KINDS,
    ROAD_CLASSES,
    SURFACES,
    derive_road_class,
    road_class_from_code,
)

__all__ = [
    "HIGHWAY_CLASSES",
    "LAT_ALIASES",
    "LAYER_NAMES",
    "LON_ALIASES",
    "MAX_SPEED_KMH",
    "MIN_SPEED_KMH",
    "PROJECT_KINDS",
    "ROAD_CLASSES",
    "SCHEMAS",
    "SURFACES",
    "YEARS",
    "FieldSpec",
    "LayerSchema",
    "Normalized",
    "canonical_layer_name",
    "column_label",
    "columns_text",
    "derive_road_class",
    "find_column",
    "normalize_layer",
    "road_class_from_code",
    "split_list",
]
