"""Excel workbooks: one sheet per table, Chinese (or English) headers, written atomically.

openpyxl is imported here only (presentation), as folium is only in the map module.

Every workbook the tool writes goes through :func:`write_workbook`, which keeps text as
text: a name starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) would
be taken by a spreadsheet for a formula ("formula injection"), so such a cell is stored as a
string cell with Excel's quote prefix, exactly as Excel stores ``'=x`` typed by hand. Empty
values (None, NaN, NA) are empty cells, never the text "None" or "nan".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from roadnet.io.atomic import atomic_path

# column → (Chinese, English) header
HEADERS: dict[str, tuple[str, str]] = {
    "id": ("编码", "ID"),
    "name": ("名称", "Name"),
    "township": ("所属乡镇", "Township"),
    "kind": ("类型", "Kind"),
    "population": ("人口", "Population"),
    "served": ("通客车", "Served"),
    "distance_m": ("至最近站点距离(米)", "Distance to stop (m)"),
    "nearest_stop": ("最近站点", "Nearest stop"),
    "lines": ("服务线路", "Lines"),
    "connector_m": ("距道路距离(米)", "Distance to road (m)"),
    "off_network": ("远离路网", "Off network"),
    "villages_total": ("建制村数", "Villages"),
    "villages_served": ("通客车建制村数", "Villages served"),
    "share": ("通客车率", "Share served"),
    "population_total": ("人口", "Population"),
    "population_served": ("服务人口", "Population served"),
    "length_km": ("线路长度(公里)", "Length (km)"),
    "stops": ("站点数", "Stops"),
    "villages_only_this_line": ("仅本线服务建制村数", "Villages only this line"),
    "cycle_min": ("周转时间(分)", "Cycle (min)"),
    "headway_min": ("发车间隔(分)", "Headway (min)"),
    "trips_per_day": ("日班次", "Trips per day"),
    "days": ("运营日", "Days"),
    "vehicles_required": ("需配车辆", "Vehicles required"),
    "connected": ("通硬化路", "Hardened-road access"),
    "paved_distance_m": ("硬化路距离(米)", "Paved distance (m)"),
    "paved_connector_m": ("距硬化路(米)", "Distance to paved road (m)"),
    "all_season": ("2公里内有全天候道路", "All-season road within 2 km"),
    "item": ("指标", "Item"),
    "value": ("数值", "Value"),
    # siting (项目用地预审)
    "project_id": ("项目编号", "Project ID"),
    "project_name": ("项目名称", "Project"),
    "alternative": ("比选方案", "Alternative"),
    "rank": ("方案排序", "Rank"),
    "width_m": ("用地宽度(米)", "Width (m)"),
    "length_m": ("长度(米)", "Length (m)"),
    "footprint_m2": ("占地面积(平方米)", "Footprint (m²)"),
    "footprint_mu": ("占地(亩)", "Footprint (mu)"),
    "cultivated_mu": ("耕地(亩)", "Cultivated (mu)"),
    "garden_mu": ("园地(亩)", "Garden (mu)"),
    "forest_mu": ("林地(亩)", "Forest (mu)"),
    "grassland_mu": ("草地(亩)", "Grassland (mu)"),
    "existing_road_mu": ("现状道路用地(亩)", "Existing road land (mu)"),
    "construction_mu": ("建设用地(亩)", "Construction land (mu)"),
    "water_mu": ("水域及水利设施用地(亩)", "Water (mu)"),
    "other_mu": ("其他土地(亩)", "Other land (mu)"),
    "unclassified_mu": ("未分类(亩)", "Unclassified (mu)"),
    "split_agricultural_mu": ("三大类·农用地(亩)", "Agricultural land (mu)"),
    "split_construction_mu": ("三大类·建设用地(亩)", "Construction land, split (mu)"),
    "split_unused_mu": ("三大类·未利用地(亩)", "Unused land (mu)"),
    "adjustable_mu": ("可调整地类(亩)", "Adjustable land (mu)"),
    "basic_farmland_mu": ("永久基本农田(亩)", "Basic farmland (mu)"),
    "eco_redline_mu": ("生态保护红线(亩)", "Ecological red line (mu)"),
    "compensation_mu": ("需补充耕地(亩)", "Compensation owed (mu)"),
    "uncovered_m2": ("无图斑覆盖(平方米)", "Uncovered (m²)"),
    "flags": ("提示", "Flags"),
    "DLBM": ("地类编码", "Land-use code"),
    "DLMC": ("地类名称", "Land-use name"),
    "land_category": ("地类类别", "Category"),
    "land_split": ("三大类", "Split"),
    "adjustable": ("可调整地类", "Adjustable"),
    "area_m2": ("面积(平方米)", "Area (m²)"),
    "area_mu": ("面积(亩)", "Area (mu)"),
    "area_ha": ("面积(公顷)", "Area (ha)"),
    "projects_touching": ("涉及项目数", "Projects"),
    "BSM": ("标识码", "BSM"),
    "TBBH": ("图斑编号", "Parcel number"),
    "QSDWMC": ("权属单位名称", "Owner"),
    "ZLDWMC": ("坐落单位名称", "Location"),
    "deduction_m2": ("扣除田坎面积(平方米)", "Ridge deduction (m²)"),
    "basic_farmland_m2": ("其中永久基本农田(平方米)", "In basic farmland (m²)"),
    "in_basic_farmland": ("涉及永久基本农田", "In basic farmland"),
    # patrol (路政巡查)
    "month": ("月份", "Month"),
    "km": ("巡查里程(公里)", "Patrolled (km)"),
    "trips": ("出车台次", "Vehicle trips"),
    "class": ("行政等级", "Road class"),
    "road_id": ("道路编码", "Road ID"),
    "route_code": ("路线编码", "Route code"),
    "target": ("目标路网", "Target network"),
    "road_length_km": ("道路长度(公里)", "Road length (km)"),
    "passes": ("巡查遍数", "Passes"),
    "patrolled_km": ("已巡查长度(公里)", "Distinct length patrolled (km)"),
    "patrolled_share": ("巡查覆盖率", "Share patrolled"),
    "vehicle": ("车牌号", "Vehicle"),
    "gps_km": ("GPS轨迹里程(公里)", "GPS track (km)"),
    "matched_km": ("匹配路网里程(公里)", "Matched on roads (km)"),
    "start": ("开始时间", "Start"),
    "end": ("结束时间", "End"),
    "points": ("轨迹点数", "GPS points"),
    "breaks": ("匹配中断", "Matching breaks"),
    "time": ("时间", "Time"),
    "note": ("备注", "Note"),
    "count": ("数量", "Count"),
    "events": ("事件条数", "Events"),
}


def header(column: str, *, lang: str = "zh") -> str:
    """The header of a column in the chosen language (the column name when unknown)."""
    labels = HEADERS.get(column)
    if labels is None:
        return column
    return labels[0] if lang == "zh" else labels[1]


def write_workbook(
    target: str | Path,
    sheets: Mapping[str, pd.DataFrame],
    *,
    lang: str = "zh",
) -> Path:
    """Write tables to an .xlsx, one sheet each, with translated headers.

    Lists become comma-separated text; NaN and infinities become empty cells. The file is
    written to a temporary name and renamed, so a failed write leaves no half workbook.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in sheets.items():
        sheet = workbook.create_sheet(title=_sheet_title(title))
        columns = [c for c in frame.columns if c != "geometry"]
        sheet.append([header(str(c), lang=lang) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            _keep_text(cell)
        for row in frame[columns].itertuples(index=False):
            sheet.append([_cell(v) for v in row])
            for cell in sheet[sheet.max_row]:
                _keep_text(cell)
        for i, column in enumerate(columns, start=1):
            width = max(len(header(str(column), lang=lang)) * 2, 10)
            sheet.column_dimensions[get_column_letter(i)].width = min(width, 40)
        sheet.freeze_panes = "A2"
    target = Path(target)
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target


def summary_frame(summary: Mapping[str, Any], labels: Mapping[str, str]) -> pd.DataFrame:
    """A two-column table (item, value) of a summary dict, items labelled."""
    return pd.DataFrame(
        {"item": [labels.get(k, k) for k in summary], "value": [summary[k] for k in summary]}
    )


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and not math.isfinite(value)


def _sheet_title(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, "_")
    return title[:31]


#: First characters that make a spreadsheet read a text as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _keep_text(cell: Any) -> None:
    """Store a text cell that looks like a formula as a string (quote-prefixed)."""
    value = cell.value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value if not _blank(v))
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
