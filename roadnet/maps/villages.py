"""Villages on a map: dot order, size, popup rows, the legend section and the action list.

Shared by every map that shows villages. Administrative villages are filled dots whose area
grows with population; natural villages are smaller rings. Dots are drawn natural villages
first, then administrative villages from the most to the least populous, so small dots are
never hidden under large ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from roadnet.county import County
from roadnet.maps import style
from roadnet.maps.document import LegendEntry, LegendSection, Panel, VillageClass, VillageLayer
from roadnet.maps.geometry import to_lonlat


def population_array(villages: pd.DataFrame) -> np.ndarray:
    """Village populations as floats (NaN when unknown)."""
    if "population" not in villages.columns:
        return np.full(len(villages), np.nan)
    return villages["population"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def admin_array(villages: pd.DataFrame) -> np.ndarray:
    """True for administrative villages (a missing ``kind`` counts as administrative)."""
    if "kind" not in villages.columns:
        return np.ones(len(villages), dtype=bool)
    return (villages["kind"].fillna("administrative") == "administrative").to_numpy()


def township_names(county: County, villages: pd.DataFrame) -> list[str]:
    """The township name of each village (its ``township`` id looked up in the layer)."""
    if "township" not in villages.columns:
        return [""] * len(villages)
    lookup: dict[str, str] = {}
    townships = county.layers.get("townships")
    if townships is not None and {"id", "name"} <= set(townships.columns):
        lookup = dict(zip(townships["id"].astype(str), townships["name"].astype(str), strict=True))
    out = []
    for value in villages["township"]:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            out.append("")
        else:
            out.append(lookup.get(str(value), str(value)))
    return out


def population_scale(population: np.ndarray) -> float:
    """The population drawn with the largest dot (0 when no population is known).

    It is the 98th percentile, so that the county seat does not shrink every other village;
    villages above it get the largest dot too.
    """
    finite = population[np.isfinite(population) & (population > 0)]
    return float(np.percentile(finite, 98)) if len(finite) else 0.0


def draw_order(villages: pd.DataFrame) -> np.ndarray:
    """Row positions in drawing order: natural first, then administrative by population."""
    admin = admin_array(villages)
    population = np.nan_to_num(population_array(villages), nan=0.0)
    return np.lexsort((-population, admin.astype(int)))


def radii(villages: pd.DataFrame) -> np.ndarray:
    """Dot radius in pixels: sqrt of population for administrative villages, rings smaller.

    On a map with many villages every dot is smaller (:func:`roadnet.maps.style.density_scale`:
    1,227 villages are drawn at half size), so the dots leave the lines and roads visible.
    """
    population = population_array(villages)
    admin = admin_array(villages)
    largest = population_scale(population[admin])
    scale = style.density_scale(len(villages))
    out = np.array([style.village_radius(p, largest) for p in population]) * scale
    natural = np.maximum(out * style.NATURAL_SCALE, 3.0 * scale)
    return np.round(np.where(admin, out, natural), 1)


def village_layer(
    villages: gpd.GeoDataFrame,
    *,
    name: str,
    towns: Sequence[str],
    classes: tuple[VillageClass, ...],
    class_index: np.ndarray,
    fields: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
) -> tuple[VillageLayer, np.ndarray]:
    """The village dots, and for each input row its position in the layer.

    Parameters
    ----------
    villages
        The villages (metric CRS), in the analysis result's row order.
    name
        Layer name in the layer control.
    towns
        Township name of each village.
    classes, class_index
        Colour classes and the class of each village.
    fields, rows
        Popup row labels and per-village values.

    Returns
    -------
    tuple
        The :class:`VillageLayer` and an array mapping input row → layer position.
    """
    order = draw_order(villages)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    points = to_lonlat(villages.geometry.iloc[order])
    ids = villages["id"].astype(str).to_numpy()[order]
    names = villages["name"].astype(str).to_numpy()[order]
    layer = VillageLayer(
        name=name,
        points=points,
        ids=tuple(ids),
        names=tuple(names),
        townships=tuple(towns[i] for i in order),
        class_index=np.asarray(class_index)[order],
        admin=admin_array(villages)[order],
        radius=radii(villages)[order],
        fields=fields,
        rows=tuple(rows[i] for i in order),
        classes=classes,
    )
    return layer, position


def village_legend(
    villages: pd.DataFrame,
    *,
    lang: str,
    admin_labels: tuple[str, str],
    natural_labels: tuple[str, str],
) -> list[LegendSection]:
    """Legend of the village dots: the two classes and natural rings; then dot sizes.

    Parameters
    ----------
    villages
        The villages (for which kinds are present and the population scale).
    lang
        Label language.
    admin_labels, natural_labels
        Label keys of the good and bad class, for administrative and natural villages.
    """
    admin = admin_array(villages)
    entries = [
        LegendEntry("dot", style.GOOD, style.text(admin_labels[0], lang), size=6),
        LegendEntry("dot", style.BAD, style.text(admin_labels[1], lang), size=6),
    ]
    if (~admin).any():
        entries += [
            LegendEntry("ring", style.GOOD, style.text(natural_labels[0], lang), size=4),
            LegendEntry("ring", style.BAD, style.text(natural_labels[1], lang), size=4),
        ]
    sections = [LegendSection(title=style.text("villages", lang), entries=tuple(entries))]
    largest = population_scale(population_array(villages)[admin])
    scale = style.density_scale(len(villages))
    if largest > 0:
        sizes = tuple(
            LegendEntry(
                "dot",
                "#9a9a9a",
                style.format_people(value, lang),
                size=round(style.village_radius(value, largest) * scale, 1),
            )
            for value in _size_steps(largest)
        )
        sections.append(
            LegendSection(title=style.text("size_note", lang), entries=sizes, inline=True)
        )
    return sections


def _size_steps(largest: float) -> list[float]:
    """Two or three round populations up to the largest, for the dot-size legend."""
    magnitude = 10 ** int(np.floor(np.log10(max(largest, 1.0))))
    top = max(magnitude, np.floor(largest / magnitude) * magnitude)
    steps = sorted({top, _round_nice(top / 4), _round_nice(top / 16)})
    return [s for s in steps if s >= 1][-3:]


def _round_nice(value: float) -> float:
    if value < 1:
        return 0.0
    magnitude = 10 ** int(np.floor(np.log10(value)))
    return float(round(value / magnitude) * magnitude)


def action_panel(
    rows: np.ndarray,
    *,
    position: np.ndarray,
    populations: np.ndarray,
    details: Sequence[str],
    title: str,
    hint: str,
    empty: str,
) -> Panel:
    """The list of villages to act on, most populous first.

    Parameters
    ----------
    rows
        Input row positions of the villages to list.
    position
        Input row → village layer position (from :func:`village_layer`).
    populations
        Population of every input row (NaN last).
    details
        Small text per input row (township, population, distance ...).
    title, hint, empty
        Panel heading, the hint under it, and the text when nothing is listed.
    """
    rows = np.asarray(rows, dtype=np.int64)
    key = np.nan_to_num(populations[rows], nan=-1.0)
    ranked = rows[np.argsort(-key, kind="stable")]
    return Panel(
        title=title,
        hint=hint,
        items=tuple(int(position[r]) for r in ranked),
        details=tuple(details[r] for r in ranked),
        empty=empty,
    )
