"""Excel workbooks: one sheet per table, Chinese (or English) headers, written atomically.

openpyxl is imported here only (presentation), as folium is only in the map module.
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
        for row in frame[columns].itertuples(index=False):
            sheet.append([_cell(v) for v in row])
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


def _sheet_title(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, "_")
    return title[:31]


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
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
