"""One self-contained HTML file per map: folium's document with Leaflet inlined, no CDN.

folium's default :class:`folium.Map` links Leaflet, jQuery, Bootstrap and Font Awesome from
CDNs, so it is blank on an intranet machine. Here the map class links nothing
(``default_js``/``default_css`` are empty); Leaflet 1.9.3's JS and CSS are read from the
``xstatic-leaflet`` package and written into the page, with the CSS images as data URIs.
The legend, search box and village list are plain HTML/CSS/JS (:mod:`roadnet.maps.runtime`).

The data is one JSON document inside ``<script type="application/json">``, with ``<``, ``>``
and ``&`` written as JSON unicode escapes, so no text in the data can end the script
element. Text written as HTML (title, legend, list) goes through
:func:`html.escape`. Only tile layers, when asked for, make the page reach the network.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from jinja2 import Template

from roadnet.errors import ConfigError
from roadnet.io.atomic import write_text
from roadnet.maps import style
from roadnet.maps.document import FeatureLayer, LegendEntry, MapDocument, Panel
from roadnet.maps.geometry import encode_geometry, encode_lines
from roadnet.maps.runtime import error_hook_js, runtime_css, runtime_js

LEAFLET_VERSION = "1.9.3"
DATA_ELEMENT_ID = "rn-data"


# --------------------------------------------------------------------------- assets


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from the xstatic-leaflet package, ready to inline.

    The CSS images become data URIs and CSS comments are dropped; the JS loses its
    ``sourceMappingURL`` line (a browser's developer tools would try to fetch it).

    Raises
    ------
    ConfigError
        xstatic-leaflet is missing or is not Leaflet 1.9.3.
    """
    try:
        from xstatic.pkg import leaflet as xstatic_leaflet
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ConfigError("xstatic-leaflet is not installed (pip install xstatic-leaflet)") from exc
    base = Path(xstatic_leaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    if f'version="{LEAFLET_VERSION}"' not in js:
        raise ConfigError(
            f"xstatic-leaflet at {base} is not Leaflet {LEAFLET_VERSION}; "
            f"pip install 'xstatic-leaflet=={LEAFLET_VERSION}.*'"
        )
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)

    def inline(match: re.Match[str]) -> str:
        image = base / match.group(1)
        if not image.is_file():
            return "none"
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    return js, css


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (``<``, ``>``, ``&``, U+2028/9 escaped)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# --------------------------------------------------------------------------- data


def _table(fields: Sequence[str], rows: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Popup rows dictionary-encoded: each distinct string stored once."""
    strings: list[str] = []
    index: dict[str, int] = {}
    cols: list[list[int]] = [[] for _ in fields]
    for row in rows:
        for k, value in enumerate(row):
            text = "" if value is None else str(value)
            at = index.get(text)
            if at is None:
                at = index[text] = len(strings)
                strings.append(text)
            cols[k].append(at)
    return {"fields": list(fields), "strings": strings, "cols": cols}


def _point(geom: Any) -> list[int] | None:
    if geom is None or shapely.is_empty(geom):
        return None
    return encode_geometry(geom)


def _layer_data(layer: FeatureLayer) -> dict[str, Any]:
    geoms: list[Any]
    if layer.kind in ("points", "circles"):
        geoms = [_point(g) or [] for g in layer.geometries]
    elif layer.kind == "lines":
        geoms = encode_lines(layer.geometries)
    else:
        geoms = [encode_geometry(g) for g in layer.geometries]
    data: dict[str, Any] = {
        "key": layer.key,
        "kind": layer.kind,
        "z": layer.z,
        "styles": list(layer.styles),
        "s": [int(i) for i in layer.style_index],
        "g": geoms,
        "t": list(layer.titles) if layer.titles is not None else None,
        "p": _table(layer.fields, layer.rows) if layer.rows is not None else None,
    }
    if layer.radius_m is not None:
        data["radius"] = float(layer.radius_m)
    if layer.labels is not None and layer.label_points is not None:
        data["l"] = list(layer.labels)
        data["lp"] = [_point(p) for p in layer.label_points]
    return data


def document_data(doc: MapDocument) -> dict[str, Any]:
    """The JSON the page's script draws from (coordinates in 1e-5 degree)."""
    v = doc.villages
    xy = np.round(shapely.get_coordinates(v.points) * 100_000).astype(np.int64)
    if len(xy) != len(v):
        raise ValueError("every village needs a point geometry to be drawn")
    towns = sorted(set(v.townships))
    town_at = {t: i for i, t in enumerate(towns)}
    return {
        "lang": doc.lang,
        "bounds": [round(b, 5) for b in doc.bounds],
        "paper": not doc.tiles,
        "footer": html.escape(doc.footer),
        "text": {
            "noMatch": doc.search.no_match if doc.search else style.text("no_match", doc.lang)
        },
        "layers": [_layer_data(layer) for layer in doc.layers],
        "villages": {
            "ids": list(v.ids),
            "names": list(v.names),
            "x": xy[:, 0].tolist(),
            "y": xy[:, 1].tolist(),
            "c": [int(c) for c in v.class_index],
            "a": [1 if a else 0 for a in v.admin],
            "r": [round(float(r), 1) for r in v.radius],
            "towns": towns,
            "town": [town_at[t] for t in v.townships],
            "classes": [{"label": c.label, "colour": c.colour} for c in v.classes],
            "table": _table(v.fields, v.rows),
        },
    }


# --------------------------------------------------------------------------- HTML parts


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _symbol(entry: LegendEntry) -> str:
    c = _e(entry.colour)
    dash = f' stroke-dasharray="{_e(entry.dash)}"' if entry.dash else ""
    if entry.symbol in ("dot", "ring"):
        r = max(2.0, min(entry.size, 13.0))
        w = int(2 * r + 4)
        if entry.symbol == "dot":
            paint = f'fill="{c}" stroke="{_e(entry.edge or "#ffffff")}" stroke-width="1"'
        else:
            paint = f'fill="#ffffff" stroke="{c}" stroke-width="2"'
        return (
            f'<svg width="{max(w, 28)}" height="{w}" aria-hidden="true">'
            f'<circle cx="{max(w, 28) / 2}" cy="{w / 2}" r="{r}" {paint}/></svg>'
        )
    if entry.symbol == "fill":
        edge = _e(entry.edge or "#7a7a7a")
        return (
            '<svg width="28" height="16" aria-hidden="true"><rect x="1" y="2" width="26" '
            f'height="12" fill="{c}" fill-opacity="0.8" stroke="{edge}" '
            f'stroke-width="1"{dash}/></svg>'
        )
    width = entry.size
    opacity = "0.55" if entry.symbol == "halo" else "1"
    return (
        '<svg width="28" height="16" aria-hidden="true"><line x1="2" y1="8" x2="26" y2="8" '
        f'stroke="{c}" stroke-width="{width}" stroke-opacity="{opacity}" '
        f'stroke-linecap="round"{dash}/></svg>'
    )


def _legend_html(doc: MapDocument) -> str:
    sections = []
    for section in doc.legend:
        if section.inline:
            chips = "".join(
                f'<span class="rn-chip">{_symbol(entry)}<span>{_e(entry.label)}</span></span>'
                for entry in section.entries
            )
            rows = f'<div class="rn-chips">{chips}</div>'
        else:
            cls = ' class="rn-two"' if len(section.entries) > 12 else ""
            rows = (
                f"<div{cls}>"
                + "".join(
                    f"<div>{_symbol(entry)}{_e(entry.label)}</div>" for entry in section.entries
                )
                + "</div>"
            )
        note = f'<div class="rn-note">{_e(section.note)}</div>' if section.note else ""
        sections.append(
            f'<div class="rn-sec"><div class="rn-sec-title">{_e(section.title)}</div>'
            f"{rows}{note}</div>"
        )
    return (
        f'<details id="rn-legend" class="rn-box" open><summary>'
        f"{_e(style.text('legend', doc.lang))}</summary>"
        f'<div class="rn-legend-body">{"".join(sections)}</div></details>'
    )


def _panel_html(panel: Panel, names: Sequence[str]) -> str:
    items = "".join(
        f'<li data-i="{i}"><b>{_e(names[i])}</b><span class="rn-sub">{_e(detail)}</span></li>'
        for i, detail in zip(panel.items, panel.details, strict=True)
    )
    body = f"<ol>{items}</ol>" if items else f'<div class="rn-note">{_e(panel.empty)}</div>'
    return (
        f'<details id="rn-panel" class="rn-box"><summary>{_e(panel.title)}</summary>'
        f'<div class="rn-note">{_e(panel.hint)}</div>{body}</details>'
    )


def _notes_html(doc: MapDocument) -> str:
    """The "数据说明" box: one item per data-quality note (empty when there is none)."""
    if not doc.notes:
        return ""
    items = "".join(f"<li>{_e(note)}</li>" for note in doc.notes)
    return (
        f'<details id="rn-notes" class="rn-box" open><summary>'
        f"{_e(style.text('notes', doc.lang))}</summary><ul>{items}</ul></details>"
    )


def _ui_html(doc: MapDocument) -> str:
    lang = doc.lang
    title = (
        f'<details id="rn-title" class="rn-box" open><summary>{_e(doc.title)}</summary>'
        f"<p>{_e(doc.subtitle)}</p></details>"
    )
    placeholder = doc.search.placeholder if doc.search else style.text("search", lang)
    label = doc.search.label if doc.search else style.text("search_label", lang)
    finder = (
        f'<div id="rn-search" class="rn-box" role="search">'
        f'<input type="search" placeholder="{_e(placeholder)}" '
        f'aria-label="{_e(label)}" autocomplete="off">'
        f"<ul hidden></ul></div>"
    )
    panel = _panel_html(doc.panel, doc.villages.names) if doc.panel is not None else ""
    notes = _notes_html(doc)
    return f'<div id="rn-ui" hidden>{title}{finder}{panel}{_legend_html(doc)}{notes}</div>'


# --------------------------------------------------------------------------- folium


class _Raw(Element):
    """Markup written as it is (no Jinja: Leaflet's source contains ``{{``-like text)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._markup = markup

    def render(self, **kwargs: Any) -> str:
        return self._markup


class _OfflineMap(folium.Map):
    """A folium Map that links no CDN resource (Leaflet is inlined by :func:`render_html`)."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


class _Runtime(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var roadnet = RoadnetMap({{ this._parent.get_name() }}, JSON.parse(
            document.getElementById({{ this.element_id|tojson }}).textContent));
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "RoadnetRuntime"
        self.element_id = DATA_ELEMENT_ID


class _DataLayer(Layer):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = roadnet.layer({{ this.index|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, index: int, *, name: str, show: bool) -> None:
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "RoadnetLayer"
        self.index = index


class _VillageLayer(Layer):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = roadnet.villages();
        {% endmacro %}
        """
    )

    def __init__(self, *, name: str) -> None:
        super().__init__(name=html.escape(name), overlay=True, control=True, show=True)
        self._name = "RoadnetVillages"


class _Finish(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        roadnet.finish();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "RoadnetFinish"


def _zoom_for(bounds: tuple[float, float, float, float]) -> int:
    west, south, east, north = bounds
    span = max(east - west, north - south, 1e-4)
    return int(max(3, min(16, round(math.log2(360.0 / span)))))


def render_html(doc: MapDocument) -> str:
    """The map as one self-contained HTML document.

    Parameters
    ----------
    doc
        What the map shows (:mod:`roadnet.maps.coverage`, :mod:`roadnet.maps.access`).

    Returns
    -------
    str
        HTML with Leaflet, the data and the script inlined; it fetches nothing unless the
        document has tile layers.
    """
    west, south, east, north = doc.bounds
    fmap = _OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=_zoom_for(doc.bounds),
        tiles=None,
        zoom_control=False,
        control_scale=False,
        zoom_snap=0.25,
    )
    figure = fmap.get_root()
    if not isinstance(figure, Figure):  # pragma: no cover - folium.Map always makes one
        raise TypeError("folium.Map is not inside a Figure")
    figure.title = html.escape(doc.title)
    js, css = leaflet_assets()
    figure.header.add_child(
        _Raw(
            f"<script>{error_hook_js()}</script>\n<style>{css}</style>\n<script>{js}</script>\n"
            f"<style>{runtime_css()}</style>\n<script>{runtime_js()}</script>\n"
        ),
        name="roadnet_assets",
    )
    figure.html.add_child(
        _Raw(
            f'<script type="application/json" id="{DATA_ELEMENT_ID}">'
            f"{script_json(document_data(doc))}</script>\n{_ui_html(doc)}\n"
        ),
        name="roadnet_data",
    )
    for tile in doc.tiles:
        folium.TileLayer(
            tiles=tile.url,
            attr=tile.attribution,
            name=html.escape(tile.name),
            subdomains=tile.subdomains or "abc",
            max_zoom=tile.max_zoom,
            overlay=tile.overlay,
            control=True,
        ).add_to(fmap)
    _Runtime().add_to(fmap)
    for index, layer in enumerate(doc.layers):
        _DataLayer(index, name=layer.name, show=layer.show).add_to(fmap)
    _VillageLayer(name=doc.villages.name).add_to(fmap)
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    _Finish().add_to(fmap)
    return str(figure.render())


def write_map(doc: MapDocument, path: str | Path) -> Path:
    """Write the map of ``doc`` as one self-contained HTML file, atomically; return the path.

    Every map of the tool is written here: build its document first (``coverage_document``,
    ``access_document`` …), then ``write_map(document, path)``.
    """
    return write_text(Path(path), render_html(doc))
