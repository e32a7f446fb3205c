"""Hardened-road access (通硬化路) of villages, and the Rural Access Index.

A village is connected (建制村通硬化路 / 公路通畅) when it reaches the county seat over roads
whose surface is ``paved`` only, with a straight connector of at most ``connector_m`` (500 m)
from the village to the paved road. The Rural Access Index (SDG 9.1.1) is the share of
population within ``rai_radius_m`` (2 km) of an all-season (paved or gravel) road.

As in coverage, the village counts and the population are those of administrative villages;
natural villages are listed apart, and the unconnected ones of either kind are ranked by
population as candidates for 通硬化路 projects.

Roads without a surface value
-----------------------------
A road whose ``surface`` is empty (no 路面类型 in the file; an OSM way with neither a
``surface`` nor a ``tracktype`` tag) is of *unknown* surface. Real extracts have many (3,159 of
12,407 roads in one OSM extract), so how they are counted is a parameter,
:attr:`AccessParams.unknown_surface`, and is always stated (the ``unknown_surface`` note of
:attr:`AccessResult.quality`, the headline):

``unpaved`` (default)
    An unknown road is neither hardened nor all-season (as an earth road): it connects no
    village and does not count for the RAI. The figures are lower bounds.
``paved``
    An unknown road is hardened (and so all-season for the RAI). Upper bounds.
``exclude``
    Unknown roads are left out of the road network altogether: they connect nothing, do not
    count for the RAI and are not in the road totals (``roads_km``, ``all_season_km``). The
    village and RAI figures equal those of ``unpaved``; only the totals are of the roads
    whose surface is known.

Gravel roads are all-season for the RAI whatever the rule; an unknown road is never taken
for gravel. When unknown roads exist, the summary's ``villages_connected_range`` gives the
administrative villages connected when they are all unpaved and when they are all paved.

The package holds one concept per module: :mod:`~roadnet.paved.params` (the rules),
:mod:`~roadnet.paved.seat` (the county seat), :mod:`~roadnet.paved.compute` (connection and
RAI), :mod:`~roadnet.paved.quality` (the notes) and :mod:`~roadnet.paved.result` (the answer
and the outputs it builds).
"""

from roadnet.paved.compute import compute_access
from roadnet.paved.params import SEAT_SOURCES, UNKNOWN_SURFACE_RULES, AccessParams
from roadnet.paved.result import AccessResult
from roadnet.paved.seat import choose_seat, find_seat

__all__ = [
    "SEAT_SOURCES",
    "UNKNOWN_SURFACE_RULES",
    "AccessParams",
    "AccessResult",
    "choose_seat",
    "compute_access",
    "find_seat",
]
