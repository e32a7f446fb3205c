"""Project siting: the land each proposed road project takes (项目用地预审).

For every project the footprint (alignment buffered by width/2 with flat ends, or the
project polygon) is cut by the land parcels (三调 地类图斑 or a foreign land-use layer mapped
to DLBM codes in county.toml), and the land taken is reported per land-use code, per
category (耕地, 园地, 林地, 草地, existing road land, 建设用地, 水域, 其他, unclassified), per
农用地/建设用地/未利用地 split, in m², 亩 and hectares; with the overlaps with permanent
basic farmland and the ecological red line, the flags a planner acts on (林地审批, 占补平衡
...), the per-parcel table of the pre-approval file and the ranking of alternative
alignments. DESIGN.md "Siting" states the rule; :func:`compute_siting` documents it.

::

    from roadnet import load_county
    from roadnet.siting import SitingParams, compute_siting

    county = load_county("layers/county.toml", layers=["projects", "parcels",
                                                       "basic_farmland", "eco_redline"])
    result = compute_siting(county, params=SitingParams(overlaps="smallest"))
    result.summary["compensation_mu"], result.to_json()
"""

from roadnet.siting.compute import CATEGORY_KEYS, FLAGS, SPLIT_KEYS, compute_siting
from roadnet.siting.footprints import project_footprints
from roadnet.siting.params import DEFAULT_WIDTHS, SitingParams
from roadnet.siting.projects import load_projects
from roadnet.siting.result import NO_CODE, SitingResult

__all__ = [
    "CATEGORY_KEYS",
    "DEFAULT_WIDTHS",
    "FLAGS",
    "NO_CODE",
    "SPLIT_KEYS",
    "SitingParams",
    "SitingResult",
    "compute_siting",
    "load_projects",
    "project_footprints",
]
