"""What a map shows, independent of how it is drawn: layers, villages, legend, panel, tiles.

A :class:`MapDocument` is built from analysis results by :mod:`roadnet.maps.coverage` and
:mod:`roadnet.maps.access`, then drawn by :mod:`roadnet.maps.offline` (one self-contained
HTML file) or :mod:`roadnet.maps.png` (a static print version). Geometries are shapely
objects in WGS-84 (EPSG:4326); every text is plain text (the drawing code escapes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Feature layer kinds and how they are drawn.
KINDS = ("polygons", "lines", "points", "circles")


@dataclass(frozen=True)
class FeatureLayer:
    """Features drawn alike (township polygons, roads, rivers, bus lines, stops ...).

    Attributes
    ----------
    key
        Stable identifier (``townships``, ``roads`` ...); also the Leaflet pane name.
    name
        Name in the layer control.
    kind
        ``polygons``, ``lines``, ``points`` (fixed-size dots) or ``circles`` (radius in
        metres on the ground, ``radius_m``).
    geometries
        Shapely geometries in EPSG:4326.
    styles
        Leaflet path options (``color``, ``weight``, ``opacity``, ``fillColor``,
        ``fillOpacity``, ``dashArray``, ``radius``); each feature uses one.
    style_index
        Per feature, the position of its style in ``styles``.
    titles
        Per feature, the heading of its popup and hover tooltip (None: not interactive).
    fields
        Labels of the popup rows.
    rows
        Per feature, the popup values (aligned with ``fields``).
    labels
        Per feature, a permanent text label (None for no label), drawn at ``label_points``.
    label_points
        Shapely points (EPSG:4326) where the labels go.
    radius_m
        Ground radius of ``circles``, metres.
    show
        Shown when the map opens.
    z
        Stacking order (Leaflet pane z-index; vector overlays are 400).
    """

    key: str
    name: str
    kind: str
    geometries: np.ndarray
    styles: tuple[dict[str, Any], ...]
    style_index: np.ndarray
    titles: tuple[str | None, ...] | None = None
    fields: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] | None = None
    labels: tuple[str | None, ...] | None = None
    label_points: np.ndarray | None = None
    radius_m: float | None = None
    show: bool = True
    z: int = 400

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"layer kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        n = len(self.geometries)
        for name in ("style_index", "titles", "rows", "labels", "label_points"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"layer {self.key}: {name} has {len(value)} items, not {n}")

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass(frozen=True)
class VillageClass:
    """A village colour class (served, not served ...)."""

    label: str
    colour: str


@dataclass(frozen=True)
class VillageLayer:
    """Every village as a dot: coloured by class, filled when administrative, sized.

    Rows are in drawing order (natural villages first, then administrative villages from
    the most to the least populous, so that small dots stay on top).

    Attributes
    ----------
    name
        Name in the layer control.
    points
        Shapely points, EPSG:4326.
    ids, names, townships
        Village id, name and township name (for the popup heading and the search).
    class_index
        Position in ``classes`` of each village's class.
    admin
        True for administrative villages (filled dots), False for natural (rings).
    radius
        Dot radius in pixels.
    fields, rows
        Popup row labels and, per village, the values.
    classes
        The colour classes.
    """

    name: str
    points: np.ndarray
    ids: tuple[str, ...]
    names: tuple[str, ...]
    townships: tuple[str, ...]
    class_index: np.ndarray
    admin: np.ndarray
    radius: np.ndarray
    fields: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    classes: tuple[VillageClass, ...]

    def __post_init__(self) -> None:
        n = len(self.points)
        for name in ("ids", "names", "townships", "class_index", "admin", "radius", "rows"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"villages: {name} has {len(getattr(self, name))} items, not {n}")

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class LegendEntry:
    """One legend line.

    ``symbol`` is ``dot`` (filled circle), ``ring`` (hollow circle), ``line``, ``fill``
    (a polygon swatch) or ``halo`` (a wide translucent line).
    """

    symbol: str
    colour: str
    label: str
    size: float = 8.0
    dash: str | None = None
    edge: str | None = None


@dataclass(frozen=True)
class LegendSection:
    """A titled group of legend entries; ``note`` is a line of small text under it.

    ``inline`` lays the entries side by side, each symbol above its label (a colour ramp,
    dot sizes); otherwise one entry per line.
    """

    title: str
    entries: tuple[LegendEntry, ...]
    note: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class Panel:
    """The collapsible list of villages to act on (not served, not connected ...).

    ``items`` are village row positions in :class:`VillageLayer` order; ``details`` the
    small text beside each name (township, population).
    """

    title: str
    hint: str
    items: tuple[int, ...]
    details: tuple[str, ...]
    empty: str


@dataclass(frozen=True)
class TileSpec:
    """A tile layer: URL template, attribution (HTML), subdomains, whether an overlay."""

    name: str
    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay: bool = False


@dataclass(frozen=True)
class MapDocument:
    """Everything one map shows.

    Attributes
    ----------
    lang
        ``zh`` or ``en``.
    title
        The map title (county and subject).
    subtitle
        The headline figures in one sentence.
    layers
        Feature layers, bottom to top; the villages are drawn over all of them.
    villages
        The villages.
    legend
        Legend sections, top to bottom.
    panel
        The list of villages to act on, or None.
    tiles
        Tile layers (empty: the county's own layers are the base map).
    bounds
        (west, south, east, north) the map opens on, degrees.
    footer
        Small source line.
    notes
        What the data could not tell (the result's data-quality notes), one sentence each in
        the map's language; shown in a small "数据说明" / "Data notes" box.
    search
        Placeholder, label and "nothing found" text of the search box (by default those of
        a village search); a map whose markers are projects or events says so.
    """

    lang: str
    title: str
    subtitle: str
    layers: tuple[FeatureLayer, ...]
    villages: VillageLayer
    legend: tuple[LegendSection, ...]
    panel: Panel | None
    tiles: tuple[TileSpec, ...]
    bounds: tuple[float, float, float, float]
    footer: str = ""
    notes: tuple[str, ...] = ()
    search: SearchText | None = None


@dataclass(frozen=True)
class SearchText:
    """The texts of a map's search box: placeholder, accessible label, nothing found."""

    placeholder: str
    label: str
    no_match: str
