"""Maps for county leaders: single-file HTML that works offline, and a PNG for print.

Presentation only: an analysis never draws and a map never computes. A map is built in two
steps: a ``*_document`` function turns a result into a :class:`MapDocument` (what the map
shows, in one language), then :func:`write_map` writes it as one self-contained HTML file
(Leaflet inlined, nothing fetched unless a tile basemap is asked for) or :func:`write_png`
draws it for print. folium and matplotlib are imported only inside this package.

::

    from roadnet.maps import coverage_document, print_language, write_map, write_png

    write_map(coverage_document(result, county, lang="zh"), "coverage.html")
    write_png(coverage_document(result, county, lang=print_language("zh")), "coverage.png")

Public API
----------
coverage_document, access_document, scenario_document, siting_document, patrol_document
    What each map shows, as a :class:`MapDocument`.
write_map, write_png
    The one HTML writer and the one PNG writer, for every document.
print_language, find_cjk_font
    The language a PNG can be printed in here (Chinese needs a font with its glyphs).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from roadnet.maps.access import access_document
from roadnet.maps.coverage import coverage_document
from roadnet.maps.document import MapDocument
from roadnet.maps.patrol import patrol_document
from roadnet.maps.scenario import scenario_document
from roadnet.maps.siting import siting_document

if TYPE_CHECKING:
    from roadnet.maps.offline import write_map
    from roadnet.maps.png import find_cjk_font, print_language, write_png

# The writers import folium and matplotlib: loaded when first used (PEP 562), so building
# a document (or importing roadnet.maps) stays light.
_LAZY = {
    "write_map": "roadnet.maps.offline",
    "write_png": "roadnet.maps.png",
    "print_language": "roadnet.maps.png",
    "find_cjk_font": "roadnet.maps.png",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'roadnet.maps' has no attribute {name!r}")

__all__ = [
    "MapDocument",
    "access_document",
    "coverage_document",
    "find_cjk_font",
    "patrol_document",
    "print_language",
    "scenario_document",
    "siting_document",
    "write_map",
    "write_png",
]
