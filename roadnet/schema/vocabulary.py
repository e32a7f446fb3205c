"""Value vocabularies of the layers: the spellings a bureau writes and their canonical value.

Village kinds (建制村 → ``administrative``), road classes (县道 → ``county``, route codes'
first letters G/S/X/Y/C/Z), surfaces (沥青 → ``paved``), project and patrol event kinds, and
the road class derived from a route code or an OSM ``highway`` tag.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from roadnet.schema.values import is_blank

VILLAGE_KINDS: dict[str, str] = {
    "administrative": "administrative",
    "建制村": "administrative",
    "行政村": "administrative",
    "嘎查": "administrative",
    "村委会": "administrative",
    "社区": "administrative",
    "居委会": "administrative",
    "admin": "administrative",
    "natural": "natural",
    "自然村": "natural",
    "浩特": "natural",
    "自然屯": "natural",
    "组": "natural",
    "村民小组": "natural",
}

ROAD_CLASSES: dict[str, str] = {
    "national": "national",
    "国道": "national",
    "g": "national",
    "provincial": "provincial",
    "省道": "provincial",
    "s": "provincial",
    "county": "county",
    "县道": "county",
    "x": "county",
    "township": "township",
    "乡道": "township",
    "y": "township",
    "village": "village",
    "村道": "village",
    "c": "village",
    "other": "other",
    "专用公路": "other",
    "专用道路": "other",
    "z": "other",
    "其他": "other",
}

SURFACES: dict[str, str] = {
    "paved": "paved",
    "沥青": "paved",
    "水泥": "paved",
    "沥青混凝土": "paved",
    "水泥混凝土": "paved",
    "硬化": "paved",
    "硬化路": "paved",
    "asphalt": "paved",
    "concrete": "paved",
    "油路": "paved",
    "砼": "paved",
    "铺装": "paved",
    "gravel": "gravel",
    "砂石": "gravel",
    "沙石": "gravel",
    "砂砾": "gravel",
    "碎石": "gravel",
    "砂石路": "gravel",
    "简易铺装": "gravel",
    "compacted": "gravel",
    "earth": "earth",
    "土": "earth",
    "土路": "earth",
    "土质": "earth",
    "无路面": "earth",
    "未铺装": "earth",
    "dirt": "earth",
    "unpaved": "earth",
    "ground": "earth",
}

PROJECT_KINDS: dict[str, str] = {
    "network_link": "network_link",
    "联网路": "network_link",
    "联网路建设": "network_link",
    "village_paving": "village_paving",
    "通硬化路": "village_paving",
    "自然村通硬化路": "village_paving",
    "较大人口自然村通硬化路": "village_paving",
    "repair": "repair",
    "修复性养护": "repair",
    "养护": "repair",
    "修复养护": "repair",
    "continuing": "continuing",
    "续建": "continuing",
    "续建项目": "continuing",
    "other": "other",
    "其他": "other",
}

EVENT_KINDS: dict[str, str] = {
    "obstacle": "obstacle",
    "路障": "obstacle",
    "打麦晒场": "obstacle",
    "障碍物": "obstacle",
    "公路障碍物": "obstacle",
    "overload": "overload",
    "超限": "overload",
    "超载": "overload",
    "超限超载": "overload",
    "illegal_operation": "illegal_operation",
    "非法营运": "illegal_operation",
    "违规经营": "illegal_operation",
    "encroachment": "encroachment",
    "占用公路": "encroachment",
    "侵占公路": "encroachment",
    "other": "other",
    "其他": "other",
}

# OSM highway tag → road class, for roads layers that carry `highway` but no class.
HIGHWAY_CLASSES: dict[str, str] = {
    "motorway": "national",
    "trunk": "national",
    "primary": "provincial",
    "secondary": "county",
    "tertiary": "township",
    "unclassified": "village",
    "residential": "village",
    "living_street": "village",
    "road": "village",
    "service": "other",
    "track": "other",
}

_ROUTE_CODE = re.compile(r"^\s*([GSXYCZgsxycz])\s*\d+")


def road_class_from_code(route_code: Any) -> str | None:
    """Road class from a route code's first letter: G national ... C village, Z other."""
    if is_blank(route_code):
        return None
    match = _ROUTE_CODE.match(str(route_code))
    if not match:
        return None
    return ROAD_CLASSES[match.group(1).lower()]


def derive_road_class(frame: pd.DataFrame) -> pd.Series:
    """Fill the roads' ``class`` from ``route_code`` (G/S/X/Y/C/Z) or OSM ``highway``.

    An explicit class wins; then the route code; then the OSM tag; else ``other``.
    """
    explicit = frame["class"] if "class" in frame.columns else pd.Series(None, index=frame.index)
    from_code = (
        frame["route_code"].map(road_class_from_code)
        if "route_code" in frame.columns
        else pd.Series(None, index=frame.index)
    )
    from_osm = (
        frame["highway"].map(lambda h: HIGHWAY_CLASSES.get(str(h).removesuffix("_link")))
        if "highway" in frame.columns
        else pd.Series(None, index=frame.index)
    )
    result = explicit.astype(object).where(explicit.notna(), from_code)
    result = result.where(result.notna(), from_osm)
    return result.where(result.notna(), "other").astype(object)
