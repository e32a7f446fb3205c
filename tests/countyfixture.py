"""A tiny hand-built county (two townships, five villages, three roads) with known answers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely import LineString, Point, box

from roadnet.io.atomic import write_geopackage

LON0, LAT0 = 111.0, 41.0


def _at(dx_km: float, dy_km: float) -> tuple[float, float]:
    """Lon/lat of a point dx_km east and dy_km north of (111°E, 41°N) (≈ locally)."""
    return LON0 + dx_km / 84.0, LAT0 + dy_km / 111.0


def layers() -> dict[str, pd.DataFrame]:
    west = box(*_at(-10, -10), *_at(0, 10))
    east = box(*_at(0, -10), *_at(10, 10))
    townships = gpd.GeoDataFrame(
        {
            "乡镇代码": ["150125100", "150125200"],
            "乡镇名称": ["城关镇", "东乡"],
            "人口": [9000, 3000],
        },
        geometry=[west, east],
        crs=4490,
    )
    villages = gpd.GeoDataFrame(
        {
            "村编码": [
                "150125100201",
                "150125100202",
                "150125200201",
                "150125200202",
                "150125200203",
            ],
            "村名": ["张家营子", "二道沟", "王家湾", "乌素村", "李家窑"],
            "所属乡镇": ["城关镇", "150125100", "东乡", "东乡", "150125200"],
            "类型": ["建制村", "行政村", "嘎查", "自然村", "建制村"],
            "人口": ["1,200", 800, 450, 120, None],
            "驻地": ["是", "否", "否", "否", "否"],
        },
        geometry=[
            Point(_at(-5, 0)),
            Point(_at(-2, 3)),
            Point(_at(4, 0.2)),
            Point(_at(6, -2)),
            Point(_at(8, 5)),
        ],
        crs=4490,
    )
    roads = gpd.GeoDataFrame(
        {
            "id": ["R1", "R2", "R3"],
            "名称": ["县道一", "乡道二", "村道三"],
            "路线编码": ["X001", "Y002", "C003"],
            "路面类型": ["沥青", "砂石", "土路"],
        },
        geometry=[
            LineString([_at(-8, 0), _at(0, 0), _at(8, 0)]),
            LineString([_at(0, 0), _at(-2, 3)]),
            LineString([_at(8, 0), _at(8, 5)]),
        ],
        crs=4490,
    )
    stops = gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["县城站", "王家湾站"]},
        geometry=[Point(_at(-5, 0.1)), Point(_at(4, 0.1))],
        crs=4490,
    )
    lines = gpd.GeoDataFrame(
        {"id": ["L1"], "name": ["1路"], "stops": ["S1,王家湾站"], "trips_per_day": [4]},
        geometry=[LineString([_at(-5, 0), _at(4, 0)])],
        crs=4490,
    )
    fleet = pd.DataFrame({"车牌号": ["蒙A·00001"], "线路": ["L1"], "座位数": [30]})
    return {
        "乡镇": townships,
        "villages": villages,
        "roads": roads,
        "bus_stops": stops,
        "bus_lines": lines,
        "fleet": fleet,
    }


def write_county(folder: Path, *, toml_extra: str = "") -> Path:
    """Write the tiny county to ``folder`` (a GeoPackage and a county.toml); return the toml."""
    folder.mkdir(parents=True, exist_ok=True)
    write_geopackage(folder / "tiny.gpkg", layers())
    sections = "\n".join(
        f'[layers.{name}]\npath = "tiny.gpkg"\nlayer = "{layer}"\n'
        for name, layer in [
            ("townships", "乡镇"),
            ("villages", "villages"),
            ("roads", "roads"),
            ("bus_stops", "bus_stops"),
            ("bus_lines", "bus_lines"),
            ("fleet", "fleet"),
        ]
    )
    toml = folder / "county.toml"
    toml.write_text(f'name = "测试县"\ncrs = "auto"\n{toml_extra}\n{sections}', encoding="utf-8")
    return toml
