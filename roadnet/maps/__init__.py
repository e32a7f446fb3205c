"""Maps for county leaders: single-file HTML that works offline, and a PNG for print.

Presentation only: an analysis never draws and a map never computes (apart from
:func:`reachable_roads`, whose result a coverage map receives). folium and matplotlib are
imported only inside this package.

Public API
----------
write_coverage_map, write_access_map, write_scenario_map, write_siting_map, write_patrol_map
    One self-contained HTML file each (Leaflet inlined, nothing fetched unless a tile
    basemap is asked for), written atomically.
write_coverage_png, write_access_png, write_scenario_png, write_siting_png, write_patrol_png
    A static print version (matplotlib, Agg).
coverage_document, access_document, scenario_document, siting_document, patrol_document
    What a map shows, as a :class:`MapDocument` (for other drawings).
reachable_roads
    The roads within the service radius of a stop.
"""

from __future__ import annotations

from roadnet.maps.access import access_document, write_access_map
from roadnet.maps.coverage import coverage_document, reachable_roads, write_coverage_map
from roadnet.maps.document import MapDocument
from roadnet.maps.patrol import patrol_document, write_patrol_map, write_patrol_png
from roadnet.maps.png import write_access_png, write_coverage_png, write_map_png
from roadnet.maps.scenario import scenario_document, write_scenario_map, write_scenario_png
from roadnet.maps.siting import siting_document, write_siting_map, write_siting_png

__all__ = [
    "MapDocument",
    "access_document",
    "coverage_document",
    "patrol_document",
    "reachable_roads",
    "scenario_document",
    "siting_document",
    "write_access_map",
    "write_access_png",
    "write_coverage_map",
    "write_coverage_png",
    "write_map_png",
    "write_patrol_map",
    "write_patrol_png",
    "write_scenario_map",
    "write_scenario_png",
    "write_siting_map",
    "write_siting_png",
]
