"""Every label people read beside a figure, in Chinese and English, in one place.

Tables, printed summaries, maps, charts and the report name things with these labels, so a
column is called the same in coverage.xlsx, on the map and in the report, and a translation
is fixed once. Each table maps a key (a column, a summary key, a class …) to a
:data:`Label` ``(Chinese, English)``; :func:`label` picks one.

Sentences with figures in them (the report's paragraphs, headlines, data-quality notes) are
written where their figures are computed; their fixed words, when shared, are here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

#: A label in Chinese and English.
Label = tuple[str, str]


def label(table: Mapping[str, Label], key: str, lang: str = "zh", **values: Any) -> str:
    """The label of ``key`` in ``table`` in ``lang`` (``zh`` or ``en``), placeholders filled.

    A key the table does not hold is returned as it is (a column the tool does not know,
    kept from the user's file).
    """
    pair = table.get(key)
    if pair is None:
        return key
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**values) if values else template


#: Names of the workbooks' sheets (the report names the analyses' sheets it takes apart).
SHEETS: Mapping[str, Label] = MappingProxyType(
    {
        "summary": ("汇总", "Summary"),
        "villages": ("建制村", "Villages"),
        "natural_villages": ("自然村", "Natural villages"),
        "townships": ("乡镇", "Townships"),
        "lines": ("线路", "Lines"),
        "candidates": ("通硬化路候选", "Candidates"),
        "notes": ("注意", "Notes"),
        # patrol.xlsx, in its order after the summary
        "by_month": ("按月", "By month"),
        "by_class": ("按道路等级", "By class"),
        "by_township": ("按乡镇", "By township"),
        "by_road": ("按道路", "By road"),
        "unpatrolled": ("未巡查道路", "Not patrolled"),
        "vehicles": ("车辆", "Vehicles"),
        "trips": ("趟次", "Trips"),
        "events": ("事件", "Events"),
    }
)


#: The figures a scenario compares, baseline against scenario (summary keys).
SCENARIO_FIGURES: Mapping[str, Label] = MappingProxyType(
    {
        "townships_served": ("通客车乡镇", "townships served"),
        "villages_served": ("通客车建制村", "villages served"),
        "population_served": ("服务人口", "population served"),
        "lines": ("线路", "lines"),
        "vehicles_required": ("需配车辆", "vehicles required"),
        "vehicles": ("现有车辆", "vehicles"),
        "natural_villages_served": ("通客车自然村", "natural villages served"),
        "villages_connected": ("通硬化路建制村", "villages with hardened road"),
        "natural_villages_connected": ("通硬化路自然村", "natural villages with hardened road"),
        "rai": ("农村公路可达指数", "Rural Access Index"),
    }
)


#: Column headers of every table the tool writes or prints (xlsx sheets, console tables).
COLUMNS: Mapping[str, Label] = MappingProxyType(
    {
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
        "baseline": ("现状", "Today"),
        "scenario": ("方案", "Scenario"),
        "change": ("变化", "Change"),
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
)


#: Items of the coverage summary (``roadnet coverage``).
COVERAGE_SUMMARY: Mapping[str, Label] = MappingProxyType(
    {
        "radius_m": ("服务半径(米)", "Radius (m)"),
        "metric": ("距离口径", "Metric"),
        "lines": ("线路数", "Lines"),
        "stops": ("站点数", "Stops"),
        "stops_off_network": ("远离路网站点", "Stops off network"),
        "stops_disconnected": ("断开路段站点", "Stops on disconnected pieces"),
        "vehicles": ("车辆数", "Vehicles"),
        "vehicles_required": ("需配车辆", "Vehicles required"),
        "vehicles_short": ("车辆缺口", "Vehicles short"),
        "townships_total": ("乡镇数", "Townships"),
        "townships_served": ("通客车乡镇", "Townships served"),
        "villages_total": ("建制村数", "Administrative villages"),
        "villages_served": ("通客车建制村", "Villages served"),
        "village_rate": ("建制村通客车率", "Share served"),
        "villages_off_network": ("远离路网建制村", "Villages off network"),
        "villages_disconnected": ("断开路段建制村", "Villages on disconnected pieces"),
        "villages_disconnected_near_stop": ("其中直线有站点", "Of them near a stop (straight)"),
        "population_total": ("人口", "Population"),
        "population_served": ("服务人口", "Population served"),
        "natural_villages_total": ("自然村数", "Natural villages"),
        "natural_villages_served": ("通客车自然村", "Natural villages served"),
    }
)


#: Items of the access summary (``roadnet access``).
ACCESS_SUMMARY: Mapping[str, Label] = MappingProxyType(
    {
        "villages_total": ("建制村数", "Administrative villages"),
        "villages_connected": ("通硬化路建制村", "Villages connected"),
        "connected_rate": ("建制村公路通畅率", "Share connected"),
        "natural_villages_total": ("自然村数", "Natural villages"),
        "natural_villages_connected": ("通硬化路自然村", "Natural villages connected"),
        "population_total": ("人口", "Population"),
        "population_connected": ("通硬化路人口", "Population connected"),
        "rai": ("农村公路可达指数", "Rural Access Index"),
        "rai_radius_m": ("RAI 半径(米)", "Radius (m)"),
        "paved_km": ("硬化路里程(公里)", "Paved km"),
        "all_season_km": ("全天候道路(公里)", "All-season km"),
        "roads_km": ("道路总里程(公里)", "Roads km"),
        "unknown_surface_km": ("路面类型不详(公里)", "Unknown surface km"),
        "unknown_surface_share": ("路面类型不详占比", "Unknown surface share"),
        "unknown_surface_rule": ("路面不详道路计法", "Unknown surface counted as"),
        "villages_connected_range": ("通硬化路建制村范围", "Villages connected, range"),
    }
)


#: Items of the patrol summary (``roadnet patrol report``).
PATROL_SUMMARY: Mapping[str, Label] = MappingProxyType(
    {
        "headline": ("摘要", "Headline"),
        "vehicles": ("巡查车辆", "Vehicles"),
        "trips": ("出车台次", "Vehicle trips"),
        "vehicle_days": ("车辆·日", "Vehicle-days"),
        "staff_trips": ("出动人次", "Staff trips"),
        "points": ("轨迹点", "GPS points"),
        "points_used": ("有效轨迹点", "Points after cleaning"),
        "gps_km": ("GPS轨迹里程(公里)", "GPS km"),
        "matched_km": ("匹配路网里程(公里)", "Matched km"),
        "target_km": ("目标路网巡查里程(公里)", "Km on target roads"),
        "target_network_km": ("目标路网总长(公里)", "Target network km"),
        "patrolled_network_km": ("已巡查路网长度(公里)", "Distinct km patrolled"),
        "coverage": ("路网覆盖率", "Coverage"),
        "unpatrolled_roads": ("未巡查道路", "Roads not patrolled"),
        "events": ("巡查事件", "Events"),
    }
)


#: Road classes (行政等级).
ROAD_CLASS_LABELS: Mapping[str, Label] = MappingProxyType(
    {
        "national": ("国道", "national"),
        "provincial": ("省道", "provincial"),
        "county": ("县道", "county"),
        "township": ("乡道", "township"),
        "village": ("村道", "village"),
        "other": ("其他道路", "other"),
    }
)


#: Project kinds, short (tables, maps).
PROJECT_KINDS: Mapping[str, Label] = MappingProxyType(
    {
        "network_link": ("联网路", "Network link"),
        "village_paving": ("通硬化路", "Village paving"),
        "repair": ("修复性养护", "Repair"),
        "continuing": ("续建", "Continuing"),
        "other": ("其他", "Other"),
    }
)


#: Project kinds as the annual report words them.
PROJECT_KIND_PHRASES: Mapping[str, Label] = MappingProxyType(
    {
        "network_link": ("农村公路联网路建设项目", "network-link projects"),
        "village_paving": ("较大人口自然村通硬化路项目", "village hardened-road projects"),
        "repair": ("修复性养护工程项目", "repair projects"),
        "continuing": ("续建项目", "continuing projects"),
        "other": ("其他项目", "other projects"),
    }
)


#: Siting flags: what the planner has to do about a project.
PROJECT_FLAGS: Mapping[str, Label] = MappingProxyType(
    {
        "basic_farmland": ("涉及永久基本农田", "touches permanent basic farmland"),
        "eco_redline": ("涉及生态保护红线", "touches the ecological red line"),
        "cultivated": ("占用耕地（占补平衡）", "takes cultivated land (compensation)"),
        "adjustable": ("占用可调整地类", "takes adjustable (K) land"),
        "forest": ("占用林地（林地审批）", "takes forest land (forest-land approval)"),
        "grassland": ("占用草地（草原审批）", "takes grassland (grassland approval)"),
        "unknown_dlbm": ("含未知地类编码", "unknown land-use codes"),
        "uncovered": ("部分用地无图斑", "land outside the parcels layer"),
        "parcel_overlap": ("图斑重叠", "overlapping parcels"),
    }
)


#: Land-use categories (GB/T 21010-2017 / 三调).
LAND_CATEGORIES: Mapping[str, Label] = MappingProxyType(
    {
        "cultivated": ("耕地", "Cultivated land"),
        "garden": ("园地", "Garden land"),
        "forest": ("林地", "Forest land"),
        "grassland": ("草地", "Grassland"),
        "existing_road": ("现状道路用地", "Existing road land"),
        "construction": ("建设用地", "Construction land"),
        "water": ("水域及水利设施用地", "Water and water-works land"),
        "other": ("其他土地", "Other land"),
        "unclassified": ("未分类", "Unclassified"),
    }
)


#: The three-way split used in land approvals.
LAND_SPLITS: Mapping[str, Label] = MappingProxyType(
    {
        "agricultural": ("农用地", "Agricultural land"),
        "construction": ("建设用地", "Construction land"),
        "unused": ("未利用地", "Unused land"),
    }
)


#: Patrol events counted in a sentence (``{n}`` is the count).
EVENT_PHRASES: Mapping[str, Label] = MappingProxyType(
    {
        "obstacle": ("清理公路障碍物{n}处", "{n} road obstacles cleared"),
        "overload": ("查处超限超载车辆{n}起", "{n} overloaded trucks stopped"),
        "illegal_operation": ("查处非法营运车辆{n}起", "{n} illegal operators stopped"),
        "encroachment": ("制止占用公路行为{n}处", "{n} encroachments stopped"),
        "other": ("处理其他路域事件{n}起", "{n} other events handled"),
    }
)


#: Sections of the annual report.
REPORT_SECTIONS: Mapping[str, Label] = MappingProxyType(
    {
        "coverage": ("城乡客运一体化", "Urban-rural bus service"),
        "access": ("农村公路路网", "Rural road network"),
        "patrol": ("路政巡查", "Road patrol"),
        "siting": ("农村公路项目", "Rural road projects"),
    }
)


#: Captions of the annual report's charts.
CHART_CAPTIONS: Mapping[str, Label] = MappingProxyType(
    {
        "villages_by_township": ("各乡镇建制村通客车比例", "Share of villages served by township"),
        "patrol_by_month": ("巡查里程（按月）", "Patrol km by month"),
        "land_by_project": ("项目占地（按地类、项目）", "Land taken by category and project"),
    }
)


#: Text of the maps: titles, legends, layer names, popups (``{…}`` placeholders).
MAP_TEXT: Mapping[str, Label] = MappingProxyType(
    {
        "title_coverage": ("{county}公交覆盖图", "{county}: rural bus coverage"),
        "title_access": ("{county}通硬化路图", "{county}: hardened-road access"),
        "villages": ("村庄", "Villages"),
        "served_admin": ("通客车建制村", "Administrative village, served"),
        "unserved_admin": ("未通客车建制村", "Administrative village, not served"),
        "served_natural": ("自然村（通客车）", "Natural village, served"),
        "unserved_natural": ("自然村（未通客车）", "Natural village, not served"),
        "connected_admin": ("通硬化路建制村", "Administrative village, connected"),
        "unconnected_admin": ("未通硬化路建制村", "Administrative village, not connected"),
        "connected_natural": ("自然村（通硬化路）", "Natural village, connected"),
        "unconnected_natural": ("自然村（未通硬化路）", "Natural village, not connected"),
        "size_note": ("人口（圆点大小）", "Population (dot size)"),
        "seat": ("县城", "County seat"),
        "townships": ("乡镇", "Townships"),
        "township_share": ("乡镇建制村通客车比例", "Share of villages served, by township"),
        "no_villages": ("无建制村", "no villages"),
        "bus_lines": ("公交线路", "Bus lines"),
        "stops": ("公交站点", "Bus stops"),
        "reach": ("站点{radius}米路网范围内道路", "Roads within {radius} m of a stop"),
        "reach_straight": ("站点{radius}米直线范围", "Within {radius} m of a stop (straight line)"),
        "roads": ("道路", "Roads"),
        "roads_surface": ("道路（按路面）", "Roads (by surface)"),
        "rivers": ("河流", "Rivers"),
        "boundary": ("县界", "County boundary"),
        "national": ("国道", "National road"),
        "provincial": ("省道", "Provincial road"),
        "county": ("县道", "County road"),
        "township": ("乡道", "Township road"),
        "village": ("村道", "Village road"),
        "other": ("其他道路", "Other road"),
        "paved": ("硬化路（沥青/水泥）", "Paved (asphalt/concrete)"),
        "gravel": ("砂石路", "Gravel"),
        "earth": ("土路", "Earth"),
        "unknown": ("路面不详", "Surface unknown"),
        "field_id": ("编码", "Id"),
        "field_township": ("乡镇", "Township"),
        "field_kind": ("类型", "Kind"),
        "field_population": ("人口", "Population"),
        "field_nearest_stop": ("最近站点", "Nearest stop"),
        "field_distance": ("到站距离", "Distance to stop"),
        "field_lines": ("服务线路", "Lines"),
        "field_connector": ("到路距离", "Distance to road"),
        "field_connected": ("通硬化路", "Hardened road"),
        "field_paved_distance": ("硬化路到县城", "Paved route to seat"),
        "field_route_code": ("路线编码", "Route code"),
        "field_class": ("行政等级", "Class"),
        "field_surface": ("路面", "Surface"),
        "field_length": ("长度", "Length"),
        "field_stop_count": ("站点数", "Stops"),
        "field_villages_served": ("通客车建制村", "Villages served"),
        "field_only_this_line": ("仅本线服务", "Served only by this line"),
        "field_trips": ("日班次", "Trips per day"),
        "field_vehicles": ("需配车辆", "Vehicles required"),
        "field_share": ("通客车比例", "Share served"),
        "field_population_served": ("服务人口", "Population served"),
        "field_villages_total": ("建制村", "Administrative villages"),
        "administrative": ("建制村", "administrative"),
        "natural": ("自然村", "natural"),
        "yes": ("是", "yes"),
        "no": ("否", "no"),
        "unreachable": ("不可达", "unreachable"),
        "metres": ("{value} 米", "{value} m"),
        "km": ("{value} 公里", "{value} km"),
        "people": ("{value} 人", "{value}"),
        "search": ("搜索村庄…", "Search a village…"),
        "search_label": ("村庄搜索", "Village search"),
        "no_match": ("没有找到", "No village found"),
        "legend": ("图例", "Legend"),
        "notes": ("数据说明", "Data notes"),
        "search_projects": ("搜索项目…", "Search a project…"),
        "search_projects_label": ("项目搜索", "Project search"),
        "no_project_match": ("没有找到项目", "No project found"),
        "search_events": ("搜索事件…", "Search an event…"),
        "search_events_label": ("事件搜索", "Event search"),
        "no_event_match": ("没有找到事件", "No event found"),
        "other_lines": ("其他 {count} 条线路", "{count} other lines"),
        "field_unserved_reason": ("未通客车原因", "Why not served"),
        "reason_disconnected": (
            "所在道路段与有站点的路网不连通",
            "on a road piece not connected to any stop",
        ),
        "reason_off_network": (
            "距最近道路超过 {distance} 米",
            "more than {distance} m from any road",
        ),
        "reason_too_far": ("超出 {radius} 米服务半径", "beyond the {radius} m radius"),
        "unserved_disconnected": (
            "未通客车（道路段不连通）",
            "Not served: road piece not connected",
        ),
        "unserved_off_network": ("未通客车（远离道路）", "Not served: far from any road"),
        "unserved_too_far": ("未通客车（超出服务半径）", "Not served: beyond the radius"),
        "panel_unserved": ("未通客车建制村（{count}个）", "Villages not served ({count})"),
        "panel_unconnected": (
            "未通硬化路村庄（{count}个）",
            "Villages without hardened road ({count})",
        ),
        "panel_empty": ("全部通达", "None"),
        "panel_hint": ("按人口排序，点击定位", "By population; click to zoom"),
        "panel_hint_top": (
            "人口最多的{shown}个，点击定位",
            "The {shown} most populous; click to zoom",
        ),
        "source": ("数据：{county} · roadnet", "Data: {county} · roadnet"),
        "field_change": ("变化", "Change"),
        "field_served_before": ("现状通客车", "Served today"),
        "field_served_after": ("方案通客车", "Served in the scenario"),
        "field_lines_after": ("方案服务线路", "Lines (scenario)"),
        "change_gained": ("新增通客车", "gains service"),
        "change_lost": ("失去公交服务", "loses service"),
        "change_none": ("不变", "unchanged"),
        "gained_admin": ("新增通客车建制村", "Village gaining service"),
        "lost_admin": ("失去公交服务建制村", "Village losing service"),
        "kept_admin": ("通客车（不变）", "Served, unchanged"),
        "never_admin": ("未通客车（不变）", "Not served, unchanged"),
        "served_ring": ("所选状态下通客车", "Served in the state shown"),
        "state_before": ("现状：", "Today: "),
        "state_after": ("方案：", "Scenario: "),
        "new_lines": ("新增线路", "new lines"),
        "new_suffix": ("（新）", " (new)"),
        "changed_roads": ("新建/新硬化道路", "New or newly paved roads"),
        "new_road": ("新建道路", "new road"),
        "paved_road": ("路面改变（硬化）", "surface changed (paved)"),
        "toggle_note": (
            "图层控件中切换“现状”与“方案”",
            "Switch between Today and Scenario in the layer control",
        ),
        "panel_changed": (
            "服务变化的村庄（{count}个）",
            "Villages whose service changes ({count})",
        ),
        "panel_no_change": ("无变化", "No change"),
        "scenario_headline": (
            "新增通客车建制村 {gained} 个，失去 {lost} 个，服务人口 {population}",
            "{gained} villages gain bus service, {lost} lose it; population served {population}",
        ),
        "scenario_connected": (
            "；新通硬化路村庄 {count} 个",
            "; {count} villages newly reach the seat by hardened road",
        ),
        "connected_gained": (
            "新通硬化路村庄（{count}个）",
            "Newly connected by hardened road ({count})",
        ),
        "title_siting": ("{county}项目用地图", "{county}: land taken by road projects"),
        "projects": ("项目", "Projects"),
        "footprints": ("项目用地范围", "Project footprints"),
        "flag_eco_redline": ("涉及生态保护红线", "Touches the ecological red line"),
        "flag_basic_farmland": ("涉及永久基本农田", "Touches permanent basic farmland"),
        "flag_forest": ("占用林地", "Takes forest land"),
        "flag_clear": ("不涉及上述情形", "No flag raised"),
        "flag_none": ("无", "none"),
        "parcel_pieces": ("占用图斑（按地类）", "Parcels taken (by land use)"),
        "zones": ("管控范围（项目附近）", "Protected areas (near the projects)"),
        "zone_basic_farmland": ("永久基本农田", "Permanent basic farmland"),
        "zone_eco_redline": ("生态保护红线", "Ecological red line"),
        "field_footprint": ("占地", "Footprint"),
        "field_cultivated": ("耕地", "Cultivated"),
        "field_forest": ("林地", "Forest"),
        "field_grassland": ("草地", "Grassland"),
        "field_basic_farmland": ("永久基本农田", "Basic farmland"),
        "field_eco_redline": ("生态保护红线", "Red line"),
        "field_compensation": ("需补充耕地", "Farmland to compensate"),
        "field_flags": ("需办理", "Flags"),
        "field_category": ("地类", "Land use"),
        "field_area": ("占用面积", "Area taken"),
        "field_owner": ("权属单位", "Owner"),
        "field_project": ("项目", "Project"),
        "mu": ("{value} 亩", "{value} mu"),
        "panel_projects": ("项目清单（{count}个）", "Projects ({count})"),
        "panel_projects_hint": (
            "按红线、基本农田、林地排序，点击定位",
            "Red line, basic farmland, forest first; click to zoom",
        ),
        "panel_no_projects": ("无项目", "No projects"),
        "title_patrol": ("{county}巡查里程图", "{county}: road patrol"),
        "passes": ("巡查遍数", "Patrol passes"),
        "passes_value": ("{value} 遍", "{value}"),
        "unpatrolled_title": ("未巡查目标道路", "Target roads not patrolled"),
        "unpatrolled": ("未巡查目标道路（{count}条）", "Target roads not patrolled ({count})"),
        "vehicles": ("巡查车辆", "Patrol vehicles"),
        "vehicles_note": ("每台车辆一个图层，在图层控件中打开", "One layer per vehicle: tick it"),
        "vehicle": ("车辆 ", "Vehicle "),
        "events": ("巡查事件", "Patrol events"),
        "event_obstacle": ("清理障碍物", "Obstacle"),
        "event_overload": ("超限超载", "Overloading"),
        "event_illegal_operation": ("非法营运", "Illegal operation"),
        "event_encroachment": ("占用公路", "Encroachment"),
        "event_other": ("其他事件", "Other"),
        "event_on_road": ("{road}（位置取道路中点）", "{road} (placed mid-road)"),
        "field_passes": ("巡查遍数", "Passes"),
        "field_patrol_km": ("巡查里程", "Patrolled"),
        "field_share_patrolled": ("已巡查比例", "Share patrolled"),
        "field_road": ("道路", "Road"),
        "field_time": ("时间", "Time"),
        "field_event_kind": ("事件类型", "Kind"),
        "field_vehicle": ("车辆", "Vehicle"),
        "field_note": ("说明", "Note"),
        "field_count": ("数量", "Count"),
        "panel_events": ("巡查事件（{count}起）", "Patrol events ({count})"),
        "panel_events_hint": ("按时间倒序，点击定位", "Most recent first; click to zoom"),
        "panel_no_events": ("本期无事件", "No events in the period"),
        "png_no_font": (
            "未找到中文字体，改用英文标注",
            "no Chinese font found, labels in English",
        ),
    }
)
