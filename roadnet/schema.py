"""Layer schemas: canonical field names, their Chinese and English aliases, value vocabularies.

A county is a set of named layers (DESIGN.md, "The data model"). Each layer has canonical
English field names; :func:`normalize_layer` renames the aliases a bureau's files use
(村名, 所属乡镇, 人口 ...), applies a county.toml mapping, coerces values to the canonical
vocabulary (沥青 → ``paved``, 建制村 → ``administrative``) and reports every problem it finds
instead of stopping at the first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from roadnet.errors import Problem

# --------------------------------------------------------------------------- vocabularies

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

TRUE_WORDS = {"true", "yes", "y", "1", "是", "t", "1.0"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "f", "0.0", ""}

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

#: Largest whole number a count field holds (beyond it, int64 and float64 part ways).
_MAX_INT = 2**53
_LIST_SPLIT = re.compile(r"\s*[,，、;；|]\s*")
_ROUTE_CODE = re.compile(r"^\s*([GSXYCZgsxycz])\s*\d+")

# --------------------------------------------------------------------------- schemas


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a layer.

    ``kind`` is one of ``str``, ``int``, ``float``, ``bool``, ``enum``, ``list``, ``time``,
    ``code``. ``choices`` maps accepted spellings (lower-cased) to canonical values for
    ``enum`` fields. ``unit`` is the quantity of a number field (``people``, ``m``, ``m2``,
    ``wan_yuan`` …, see :data:`UNITS`): a header naming another unit of the same quantity in
    brackets (``人口(万人)``, ``图斑面积(亩)``) has its values converted to the field's unit.
    ``bounds`` (number fields) is the range ``(low, high)`` a value must lie in, in the
    field's unit; ``open_low``/``open_high`` exclude the bound itself (a width of 0 m is no
    width). A number outside it, or not finite (``inf``), is an error naming the feature.
    """

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "str"
    choices: Mapping[str, str] | None = None
    label_zh: str = ""
    unit: str | None = None
    bounds: tuple[float, float] | None = None
    open_low: bool = False
    open_high: bool = False

    def admits(self, number: float) -> bool:
        """Whether ``number`` lies within :attr:`bounds` (always, without bounds)."""
        if self.bounds is None:
            return True
        low, high = self.bounds
        above = number > low if self.open_low else number >= low
        below = number < high if self.open_high else number <= high
        return above and below

    def range_text(self) -> str:
        """The accepted range for messages: ``0 to 1,440``, ``more than 0, at most 200``."""
        if self.bounds is None:
            return "any number"
        low, high = (_number_text(b) for b in self.bounds)
        if not (self.open_low or self.open_high):
            return f"{low} to {high}"
        lower = f"more than {low}" if self.open_low else f"at least {low}"
        upper = f"less than {high}" if self.open_high else f"at most {high}"
        return f"{lower}, {upper}"


def _number_text(value: float) -> str:
    """A bound or value for a message: ``1,440``, ``0.5``, ``1e+20`` (never 300 digits)."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:.6g}"


@dataclass(frozen=True)
class LayerSchema:
    """The schema of one layer: geometry type and fields."""

    name: str
    label_zh: str
    geometry: str  # point | line | polygon | line_or_polygon | none
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    id_field: str | None = "id"

    def field(self, name: str) -> FieldSpec:
        """The spec of field ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required fields."""
        return tuple(f.name for f in self.fields if f.required)


ID_ALIASES = (
    "编码",
    "代码",
    "村编码",
    "村代码",
    "区划代码",
    "行政区划代码",
    "BM",
    "DM",
    "ID",
    "编号",
    "FID_1",
)
NAME_ALIASES = (
    "名称",
    "村名",
    "村庄名称",
    "村名称",
    "乡镇名称",
    "站名",
    "站点名称",
    "MC",
    "NAME",
    "线路名称",
    "项目名称",
    "路线名称",
)
TOWNSHIP_ALIASES = ("乡镇", "所属乡镇", "乡镇名称", "XZ", "乡镇代码", "所属乡镇代码", "苏木乡镇")
POPULATION_ALIASES = ("人口", "户籍人口", "常住人口", "RK", "总人口", "pop")
HOUSEHOLD_ALIASES = ("户数", "HS", "总户数")
LON_ALIASES = ("经度", "lng", "longitude", "lon", "x", "long")
LAT_ALIASES = ("纬度", "latitude", "lat", "y")


#: Largest population or household count a layer may give (a county has far fewer).
MAX_PEOPLE = 100_000_000
#: Trips per day, headways and layovers are at most a day's minutes.
MINUTES_PER_DAY = 1440
#: Operating speeds of a bus line (km/h): walking pace to an express coach.
MIN_SPEED_KMH = 5
MAX_SPEED_KMH = 200
#: Largest area of one land parcel (m², 10,000 km²).
MAX_AREA_M2 = 1e10
#: Years a project may carry.
YEARS = (1900, 2100)


def _population() -> FieldSpec:
    return FieldSpec(
        "population",
        POPULATION_ALIASES,
        kind="int",
        label_zh="人口",
        unit="people",
        bounds=(0, MAX_PEOPLE),
    )


def _id(required: bool = True) -> FieldSpec:
    return FieldSpec("id", ID_ALIASES, required=required, label_zh="编码")


def _name(required: bool = True, extra: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec("name", (*extra, *NAME_ALIASES), required=required, label_zh="名称")


SCHEMAS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "boundary",
            "县界",
            "polygon",
            (_id(required=False), _name(required=False)),
        ),
        LayerSchema(
            "townships",
            "乡镇",
            "polygon",
            (
                FieldSpec(
                    "id", ("乡镇代码", *ID_ALIASES, "XZQDM"), required=True, label_zh="区划代码"
                ),
                FieldSpec(
                    "name", ("乡镇名称", *NAME_ALIASES, "XZQMC"), required=True, label_zh="名称"
                ),
                _population(),
            ),
        ),
        LayerSchema(
            "villages",
            "村",
            "point",
            (
                _id(),
                FieldSpec(
                    "name",
                    tuple(a for a in NAME_ALIASES if a != "乡镇名称"),
                    required=True,
                    label_zh="村名",
                ),
                # Not required: taken from the townships layer by location when absent.
                FieldSpec("township", TOWNSHIP_ALIASES, label_zh="所属乡镇"),
                FieldSpec(
                    "kind",
                    ("类型", "村类型", "村庄类型", "type", "LX"),
                    kind="enum",
                    choices=VILLAGE_KINDS,
                    label_zh="类型",
                ),
                _population(),
                FieldSpec(
                    "households",
                    HOUSEHOLD_ALIASES,
                    kind="int",
                    label_zh="户数",
                    unit="households",
                    bounds=(0, MAX_PEOPLE),
                ),
                FieldSpec("seat", ("驻地", "是否驻地", "政府驻地"), kind="bool", label_zh="驻地"),
            ),
        ),
        LayerSchema(
            "roads",
            "道路",
            "line",
            (
                _id(),
                _name(required=False),
                FieldSpec(
                    "route_code",
                    ("路线编码", "路线编号", "LXBM", "ref"),
                    kind="code",
                    label_zh="路线编码",
                ),
                FieldSpec(
                    "class",
                    ("等级", "行政等级", "道路等级", "class_", "XZDJ"),
                    kind="enum",
                    choices=ROAD_CLASSES,
                    label_zh="行政等级",
                ),
                FieldSpec(
                    "surface",
                    ("路面", "路面类型", "面层类型", "LMLX"),
                    kind="enum",
                    choices=SURFACES,
                    label_zh="路面类型",
                ),
                FieldSpec(
                    "width_m",
                    ("路面宽度", "宽度", "路基宽度", "width", "LMKD"),
                    kind="float",
                    label_zh="宽度(米)",
                    unit="m",
                    bounds=(0, 200),
                    open_low=True,
                ),
                FieldSpec("oneway", ("单行", "单向"), kind="bool", label_zh="单行"),
                FieldSpec("highway", (), label_zh="OSM highway"),
            ),
        ),
        LayerSchema("rivers", "河流", "line", (_id(required=False), _name(required=False))),
        LayerSchema("bus_stops", "站点", "point", (_id(), _name(extra=("站名", "站点名称")))),
        LayerSchema(
            "bus_lines",
            "线路",
            "line",
            (
                _id(),
                _name(extra=("线路名称",)),
                FieldSpec(
                    "stops",
                    ("站点", "站点序列", "途经站点"),
                    required=True,
                    kind="list",
                    label_zh="站点序列",
                ),
                FieldSpec(
                    "trips_per_day",
                    ("班次", "日班次", "每日班次"),
                    kind="float",
                    label_zh="日班次",
                    bounds=(0, MINUTES_PER_DAY),
                ),
                FieldSpec(
                    "headway_min",
                    ("发车间隔", "间隔"),
                    kind="float",
                    label_zh="发车间隔(分)",
                    unit="min",
                    bounds=(0, MINUTES_PER_DAY),
                    open_low=True,
                ),
                FieldSpec(
                    "speed_kmh",
                    ("速度", "运营速度"),
                    kind="float",
                    label_zh="运营速度",
                    unit="kmh",
                    bounds=(MIN_SPEED_KMH, MAX_SPEED_KMH),
                ),
                FieldSpec(
                    "layover_min",
                    ("停站时间", "折返时间"),
                    kind="float",
                    label_zh="折返时间",
                    unit="min",
                    bounds=(0, MINUTES_PER_DAY),
                ),
                FieldSpec("days", ("运营日", "班期"), label_zh="运营日"),
                FieldSpec(
                    "direction",
                    ("方向", "上下行", "行向", "线路方向", "direction_id", "dir"),
                    label_zh="方向",
                ),
            ),
        ),
        LayerSchema(
            "fleet",
            "车辆",
            "none",
            (
                FieldSpec(
                    "id",
                    ("车牌号", "车牌", "车辆编号", *ID_ALIASES),
                    required=True,
                    label_zh="车牌号",
                ),
                FieldSpec("line", ("线路", "所属线路", "运营线路"), label_zh="线路"),
                FieldSpec(
                    "seats",
                    ("座位数", "核定座位", "座位"),
                    kind="int",
                    label_zh="座位数",
                    bounds=(0, 1000),
                ),
            ),
        ),
        LayerSchema(
            "parcels",
            "地类图斑",
            "polygon",
            (
                FieldSpec("DLBM", ("地类编码",), required=True, kind="code", label_zh="地类编码"),
                FieldSpec("DLMC", ("地类名称",), label_zh="地类名称"),
                FieldSpec(
                    "TBMJ",
                    ("图斑面积",),
                    kind="float",
                    label_zh="图斑面积",
                    unit="m2",
                    bounds=(0, MAX_AREA_M2),
                ),
                FieldSpec(
                    "KCXS",
                    ("扣除系数", "田坎系数"),
                    kind="float",
                    label_zh="扣除系数",
                    bounds=(0, 1),
                    open_high=True,
                ),
                FieldSpec("KCDLBM", ("扣除地类编码",), kind="code", label_zh="扣除地类编码"),
                FieldSpec("QSDWMC", ("权属单位名称",), label_zh="权属单位"),
                FieldSpec("ZLDWMC", ("坐落单位名称",), label_zh="坐落单位"),
                FieldSpec("BSM", ("标识码",), label_zh="标识码"),
                FieldSpec("TBBH", ("图斑编号",), label_zh="图斑编号"),
            ),
            id_field=None,
        ),
        LayerSchema(
            "basic_farmland",
            "永久基本农田",
            "polygon",
            (
                FieldSpec("JBNTTBBH", ("基本农田图斑编号",), label_zh="图斑编号"),
                FieldSpec("DLBM", ("地类编码",), kind="code", label_zh="地类编码"),
            ),
            id_field=None,
        ),
        LayerSchema(
            "eco_redline", "生态保护红线", "polygon", (_name(required=False),), id_field=None
        ),
        LayerSchema(
            "projects",
            "项目",
            "line_or_polygon",
            (
                FieldSpec(
                    "id", ("项目编号", "项目代码", *ID_ALIASES), required=True, label_zh="项目编号"
                ),
                _name(extra=("项目名称",)),
                FieldSpec(
                    "kind",
                    ("项目类型", "类型", "建设性质"),
                    required=True,
                    kind="enum",
                    choices=PROJECT_KINDS,
                    label_zh="项目类型",
                ),
                FieldSpec(
                    "width_m",
                    ("宽度", "路基宽度", "用地宽度"),
                    kind="float",
                    label_zh="用地宽度(米)",
                    unit="m",
                    bounds=(0, 1000),
                    open_low=True,
                ),
                FieldSpec("year", ("年度", "年份"), kind="int", label_zh="年度", bounds=YEARS),
                FieldSpec("status", ("状态", "进展"), label_zh="状态"),
                FieldSpec(
                    "investment_wan",
                    ("投资", "投资额", "总投资", "投资(万元)"),
                    kind="float",
                    label_zh="投资(万元)",
                    unit="wan_yuan",
                    bounds=(0, 1e9),
                ),
                FieldSpec("alternative", ("比选方案", "方案"), label_zh="比选方案"),
            ),
        ),
        LayerSchema(
            "patrol_events",
            "巡查事件",
            "point",
            (
                FieldSpec(
                    "time",
                    ("时间", "发生时间", "巡查时间", "定位时间"),
                    required=True,
                    kind="time",
                    label_zh="时间",
                ),
                FieldSpec(
                    "kind",
                    ("类型", "事件类型"),
                    required=True,
                    kind="enum",
                    choices=EVENT_KINDS,
                    label_zh="事件类型",
                ),
                FieldSpec("vehicle", ("车牌号", "车辆"), label_zh="车辆"),
                FieldSpec("note", ("备注", "说明", "处理情况"), label_zh="备注"),
                FieldSpec(
                    "count", ("数量", "处数"), kind="int", label_zh="数量", bounds=(0, 1_000_000)
                ),
            ),
            id_field=None,
        ),
        LayerSchema(
            "tracks",
            "巡查轨迹点",
            "point",
            (
                FieldSpec(
                    "vehicle",
                    ("车牌号", "车牌", "车辆", "车辆编号"),
                    required=True,
                    label_zh="车牌号",
                ),
                FieldSpec(
                    "time",
                    ("定位时间", "时间", "GPS时间", "gps_time", "timestamp"),
                    required=True,
                    kind="time",
                    label_zh="定位时间",
                ),
                FieldSpec(
                    "speed_kmh",
                    ("速度", "speed", "GPS速度"),
                    kind="float",
                    label_zh="速度",
                    unit="kmh",
                ),
                FieldSpec("trip", ("趟次",), label_zh="趟次"),
                FieldSpec("staff", ("人员", "执法人员"), label_zh="人员"),
                FieldSpec("source_file", (), label_zh="来源文件"),
            ),
            id_field=None,
        ),
    )
}

LAYER_NAMES: tuple[str, ...] = tuple(SCHEMAS)

# Chinese layer names accepted in county.toml and as GeoPackage layer names.
LAYER_ALIASES: dict[str, str] = {
    **{s.label_zh: s.name for s in SCHEMAS.values()},
    "县界": "boundary",
    "county": "boundary",
    "乡镇界": "townships",
    "村庄": "villages",
    "公路": "roads",
    "公交站点": "bus_stops",
    "公交线路": "bus_lines",
    "stops": "bus_stops",
    "lines": "bus_lines",
    "DLTB": "parcels",
    "地类图斑": "parcels",
    "YJJBNTTB": "basic_farmland",
    "JBNTBHTB": "basic_farmland",
    "STBHHX": "eco_redline",
    "红线": "eco_redline",
    "events": "patrol_events",
    "水系": "rivers",
}


def canonical_layer_name(name: str) -> str | None:
    """Canonical layer name for ``name`` (English or Chinese), or None when unknown."""
    if name in SCHEMAS:
        return name
    if name in LAYER_ALIASES:
        return LAYER_ALIASES[name]
    lowered = name.lower()
    for key, value in LAYER_ALIASES.items():
        if key.lower() == lowered:
            return value
    return None


# --------------------------------------------------------------------------- normalisation

#: Units a header may name in brackets (``人口(万人)``): unit → (quantity, factor to the
#: quantity's unit used by the schema: people, households, m, m2, wan_yuan, kmh, min).
UNITS: dict[str, tuple[str, float]] = {
    "人": ("people", 1.0),
    "万人": ("people", 10_000.0),
    "户": ("households", 1.0),
    "万户": ("households", 10_000.0),
    "m": ("m", 1.0),
    "米": ("m", 1.0),
    "km": ("m", 1000.0),
    "公里": ("m", 1000.0),
    "千米": ("m", 1000.0),
    "m2": ("m2", 1.0),
    "m²": ("m2", 1.0),
    "㎡": ("m2", 1.0),
    "平方米": ("m2", 1.0),
    "亩": ("m2", 10_000.0 / 15.0),
    "公顷": ("m2", 10_000.0),
    "ha": ("m2", 10_000.0),
    "km2": ("m2", 1e6),
    "km²": ("m2", 1e6),
    "平方公里": ("m2", 1e6),
    "平方千米": ("m2", 1e6),
    "万元": ("wan_yuan", 1.0),
    "元": ("wan_yuan", 1e-4),
    "千元": ("wan_yuan", 0.1),
    "亿元": ("wan_yuan", 10_000.0),
    "km/h": ("kmh", 1.0),
    "公里/小时": ("kmh", 1.0),
    "千米/小时": ("kmh", 1.0),
    "m/s": ("kmh", 3.6),
    "米/秒": ("kmh", 3.6),
    "min": ("min", 1.0),
    "分": ("min", 1.0),
    "分钟": ("min", 1.0),
    "h": ("min", 60.0),
    "小时": ("min", 60.0),
}

# A header with a note or unit in brackets at its end: 人口[人], 人口（人）, 村代码[12位].
_BRACKETED = re.compile(
    r"^(?P<base>.*?\S)\s*[\[(（【〔](?P<note>[^\[\]()（）【】〔〕]*)[\])）】〕]\s*$"
)


@dataclass(frozen=True)
class UnitConversion:
    """A number column whose header names another unit of the field's quantity."""

    column: str
    field: str
    unit: str
    factor: float


@dataclass
class Normalized:
    """The result of :func:`normalize_layer`: the renamed frame and the problems found.

    ``renamed`` maps each source column to the (first) canonical field it became;
    ``columns`` maps each canonical field found to its column as the user's file names it
    (several fields may share one column); ``conversions`` lists the unit conversions made.
    """

    frame: pd.DataFrame
    problems: list[Problem]
    renamed: dict[str, str]  # source column → canonical field
    columns: dict[str, str] = field(default_factory=dict)  # canonical field → source column
    conversions: list[UnitConversion] = field(default_factory=list)


def columns_text(columns: Iterable[object], *, limit: int = 200, empty: str = "no columns") -> str:
    """The column names of a file for a message, cut after about ``limit`` characters.

    A table with 300 columns (or one column header holding a whole paragraph) must not make
    a message pages long: the names are listed until ``limit`` and the rest counted.
    """
    names = [str(c) if len(str(c)) <= 40 else str(c)[:39] + "…" for c in columns]
    names = [n for n in names if n != "geometry"]
    if not names:
        return empty
    shown: list[str] = []
    length = 0
    for name in names:
        if shown and length + len(name) > limit:
            break
        shown.append(name)
        length += len(name) + 2
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" … and {rest} more" if rest else "")


def column_label(name: str, column: str | None = None) -> str:
    """``column '人口' (population)``: a field named as the user's file names it.

    Parameters
    ----------
    name
        The canonical field.
    column
        The column of the user's file holding it (None or equal: only the field is named).
    """
    if column is None or str(column) == name:
        return f"column '{name}'"
    return f"column '{column}' ({name})"


def split_header(header: str) -> tuple[str, str | None]:
    """A header and the note or unit in brackets at its end: ``人口（万人）`` → (人口, 万人)."""
    text = str(header).strip()
    match = _BRACKETED.match(text)
    if match is None:
        return text, None
    return match.group("base"), match.group("note").strip()


def header_unit(header: str) -> tuple[str, float] | None:
    """(quantity, factor) of the unit a header names in brackets, or None."""
    _, note = split_header(header)
    if not note:
        return None
    return UNITS.get(note.lower().replace(" ", ""))


def find_column(columns: Iterable[str], names: Iterable[str]) -> str | None:
    """First column among ``columns`` matching one of ``names`` (case-insensitive, trimmed).

    A header with a note or unit in brackets at its end (``人口[人]``, ``人口（人）``,
    ``村代码[12位]``) matches its name without the brackets when no column matches exactly.
    """
    columns = [str(c) for c in columns]
    lookup = {c.strip().lower(): c for c in columns}
    bare: dict[str, str] = {}
    for column in columns:
        base, note = split_header(column)
        if note is not None:
            bare.setdefault(base.lower(), column)
    names = [str(n) for n in names]
    for name in names:
        hit = lookup.get(name.strip().lower())
        if hit is not None:
            return hit
    for name in names:
        hit = bare.get(name.strip().lower())
        if hit is not None:
            return hit
    return None


def normalize_layer(
    frame: pd.DataFrame,
    schema: LayerSchema,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Normalized:
    """Rename aliased columns to canonical names and coerce values; collect problems.

    Parameters
    ----------
    frame
        The layer as read (GeoDataFrame or DataFrame). Not modified.
    schema
        The layer's schema.
    mapping
        county.toml ``fields`` table: canonical field → column name in the file. One column
        may hold several fields (``{ id = "code", name = "code" }``).
    source
        File name, for messages.

    Returns
    -------
    Normalized
        A copy with canonical columns (unknown columns kept as they are) and every problem.
        Messages name each column as the file names it, with the canonical field beside it.
    """
    problems: list[Problem] = []
    mapping = dict(mapping or {})
    columns = [str(c) for c in frame.columns if c != "geometry"]
    chosen: dict[str, str] = {}  # canonical field → source column
    taken: set[str] = set()
    known = {f.name for f in schema.fields}

    for canonical, column in mapping.items():
        if canonical not in known:
            problems.append(
                Problem(
                    "warning",
                    f"county.toml maps unknown field '{canonical}'; the fields of this layer are "
                    f"{', '.join(f.name for f in schema.fields)}",
                    layer=schema.name,
                    source=source,
                )
            )
            continue
        hit = find_column(columns, [column])
        if hit is None:
            problems.append(
                Problem(
                    "error",
                    f"county.toml maps '{canonical}' to column '{column}', which the file does not "
                    f"have; its columns are: {columns_text(columns, empty='(none)')}",
                    layer=schema.name,
                    field=canonical,
                    source=source,
                )
            )
            continue
        chosen[canonical] = hit
        taken.add(hit)

    for spec in schema.fields:
        if spec.name in chosen or spec.name in mapping:
            continue
        candidates = [c for c in columns if c not in taken]
        hit = _find_field_column(candidates, spec, problems, schema=schema, source=source)
        if hit is not None:
            chosen[spec.name] = hit
            taken.add(hit)

    renamed: dict[str, str] = {}
    copies: dict[str, str] = {}  # canonical field → the field its column was renamed to
    for canonical, column in chosen.items():
        if column in renamed:
            copies[canonical] = renamed[column]
        else:
            renamed[column] = canonical

    out = frame.copy()
    # A column already carrying a canonical name but not chosen would clash after renaming.
    clashes = [c for c in out.columns if c in chosen and c not in renamed]
    out = out.rename(columns={c: f"{c}_orig" for c in clashes})
    out = out.rename(columns=renamed)
    for canonical, first in copies.items():
        out[canonical] = out[first]

    conversions: list[UnitConversion] = []
    for spec in schema.fields:
        if spec.name not in out.columns:
            if spec.required and spec.name not in mapping:
                problems.append(
                    Problem(
                        "error",
                        f"required field '{spec.name}' ({spec.label_zh}) is missing; tried "
                        f"{', '.join([spec.name, *spec.aliases])}; the file has "
                        f"{columns_text(columns)}. Rename a column or map it in "
                        f'county.toml: [layers.{schema.name}] fields = {{ {spec.name} = "..." }}',
                        layer=schema.name,
                        field=spec.name,
                        source=source,
                    )
                )
            continue
        column = chosen.get(spec.name, spec.name)
        factor = _unit_factor(column, spec)
        values, bad, outside = _coerce(out[spec.name], spec, factor=factor)
        out[spec.name] = values
        if factor != 1.0:
            unit = split_header(column)[1] or ""
            conversions.append(UnitConversion(column, spec.name, unit, factor))
            problems.append(
                Problem(
                    "info",
                    f"{column_label(spec.name, column)} is in {unit}: values converted to "
                    f"{_UNIT_NAMES.get(spec.unit or '', spec.unit)} (× {factor:g})",
                    layer=schema.name,
                    field=spec.name,
                    source=source,
                )
            )
        if bad:
            ids = _feature_ids(out, schema, list(bad))
            sample = ", ".join(
                f"{i} ({_excerpt(v)})" for i, v in list(zip(ids, bad.values(), strict=True))[:5]
            )
            accepted = ""
            if spec.choices:
                accepted = f"; accepted: {', '.join(sorted(set(spec.choices.values())))}"
            problems.append(
                Problem(
                    "error",
                    f"{len(bad)} value(s) of {column_label(spec.name, column)} cannot be read "
                    f"as {_KIND_WORDS.get(spec.kind, spec.kind)}: {sample}{accepted}",
                    layer=schema.name,
                    feature=ids[0],
                    field=spec.name,
                    source=source,
                    count=len(bad),
                )
            )
        if outside:
            ids = _feature_ids(out, schema, list(outside))
            sample = ", ".join(
                f"{i} ({_number_text(v)})"
                for i, v in list(zip(ids, outside.values(), strict=True))[:5]
            )
            problems.append(
                Problem(
                    "error",
                    f"{len(outside)} value(s) of {column_label(spec.name, column)} are out of "
                    f"range (allowed: {spec.range_text()}"
                    f"{' ' + _UNIT_NAMES[spec.unit] if spec.unit in _UNIT_NAMES else ''}): "
                    f"{sample}; correct them, or leave the cell empty when it is not known",
                    layer=schema.name,
                    feature=ids[0],
                    field=spec.name,
                    source=source,
                    count=len(outside),
                )
            )
    columns_of = {name: column for name, column in chosen.items() if name in out.columns}
    return Normalized(out, problems, renamed, columns_of, conversions)


_KIND_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "yes/no (是/否)",
    "enum": "one of the accepted values",
    "list": "a list",
    "code": "a code",
    "time": "a date and time",
    "str": "text",
}
_UNIT_NAMES = {
    "people": "persons (人)",
    "households": "households (户)",
    "m": "metres",
    "m2": "square metres",
    "wan_yuan": "万元",
    "kmh": "km/h",
    "min": "minutes",
}


def _find_field_column(
    candidates: list[str],
    spec: FieldSpec,
    problems: list[Problem],
    *,
    schema: LayerSchema,
    source: str | None,
) -> str | None:
    """The column holding ``spec`` among ``candidates``.

    A header whose bracketed unit is of another quantity (``宽度(亩)``) is not taken for the
    field, and a warning says so.
    """
    hit = find_column(candidates, [spec.name, *spec.aliases])
    if hit is None or spec.unit is None:
        return hit
    unit = header_unit(hit)
    if unit is None or unit[0] == spec.unit:
        return hit
    problems.append(
        Problem(
            "warning",
            f"column '{hit}' looks like '{spec.name}' ({spec.label_zh}) but its unit "
            f"{split_header(hit)[1]} is not one of {_UNIT_NAMES.get(spec.unit, spec.unit)}; "
            f'it is not used: map it with fields = {{ {spec.name} = "..." }} after converting it',
            layer=schema.name,
            field=spec.name,
            source=source,
        )
    )
    return None


def _unit_factor(column: str, spec: FieldSpec) -> float:
    if spec.unit is None or spec.kind not in ("int", "float"):
        return 1.0
    unit = header_unit(column)
    if unit is None or unit[0] != spec.unit:
        return 1.0
    return unit[1]


def _excerpt(value: Any, limit: int = 40) -> str:
    """A value quoted for a message, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _feature_ids(frame: pd.DataFrame, schema: LayerSchema, index: list[Any]) -> list[str]:
    if schema.id_field and schema.id_field in frame.columns:
        return [str(frame.at[i, schema.id_field]) for i in index]
    return [f"row {frame.index.get_loc(i) + 1}" for i in index]


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def _coerce(
    series: pd.Series, spec: FieldSpec, *, factor: float = 1.0
) -> tuple[pd.Series, dict[Any, Any], dict[Any, float]]:
    """Coerce a column to its canonical type.

    Returns the values, the values that cannot be read (by index) and the numbers outside
    the field's bounds (by index, in the field's unit); both are left empty (None).
    ``factor`` multiplies number fields (a header's unit converted to the field's unit).
    """
    converters: dict[str, Callable[[Any, FieldSpec], Any]] = {
        "str": _to_str,
        "code": _to_code,
        "int": _to_int,
        "float": _to_float,
        "bool": _to_bool,
        "enum": _to_enum,
        "list": _to_list,
    }
    if spec.kind == "time":
        return (*_to_time(series), {})
    convert = converters[spec.kind]
    if factor != 1.0 and spec.kind in ("int", "float"):
        scale = factor

        def convert(value: Any, spec: FieldSpec) -> Any:
            number = _to_float(value, spec) * scale
            return round(number) if spec.kind == "int" else number

    bad: dict[Any, Any] = {}
    outside: dict[Any, float] = {}
    out: list[Any] = []
    number = spec.kind in ("int", "float")
    for index, value in series.items():
        if _is_blank(value):
            out.append(None)
            continue
        try:
            converted = convert(value, spec)
        except (TypeError, ValueError, OverflowError):
            bad[index] = value
            out.append(None)
            continue
        if number and (not spec.admits(float(converted)) or abs(converted) > _MAX_INT):
            outside[index] = float(converted)
            out.append(None)
            continue
        out.append(converted)
    if spec.kind == "int":
        result = pd.Series(out, index=series.index, dtype="Int64")
    elif spec.kind == "float":
        result = pd.Series(out, index=series.index, dtype="float64")
    elif spec.kind == "bool":
        result = pd.Series(out, index=series.index, dtype="boolean")
    else:
        result = pd.Series(out, index=series.index, dtype=object)
    return result, bad, outside


def _to_str(value: Any, spec: FieldSpec) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _to_code(value: Any, spec: FieldSpec) -> str:
    text = _to_str(value, spec)
    if spec.name in ("DLBM", "KCDLBM"):
        from roadnet.landuse import normalize_dlbm

        code = normalize_dlbm(value)
        if code is None:
            raise ValueError(value)
        return code
    return text.upper()


def _to_int(value: Any, spec: FieldSpec) -> int:
    return round(_to_float(value, spec))


def _to_float(value: Any, spec: FieldSpec) -> float:
    """A finite number: ``inf`` and ``nan`` are not numbers a planner wrote."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        text = re.sub(r"\s*(m|米|km/h|公里/小时|分钟|min|人|户|万元|座)$", "", text, flags=re.I)
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _to_bool(value: Any, spec: FieldSpec) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(value)


def _to_enum(value: Any, spec: FieldSpec) -> str:
    choices = spec.choices or {}
    text = str(value).strip()
    hit = choices.get(text) or choices.get(text.lower())
    if hit is None:
        raise ValueError(value)
    return hit


def _to_list(value: Any, spec: FieldSpec) -> list[str]:
    if isinstance(value, list | tuple | np.ndarray):
        items = [str(v).strip() for v in value]
    else:
        items = _LIST_SPLIT.split(str(value).strip())
    items = [i for i in items if i]
    if not items:
        raise ValueError(value)
    return items


def _to_time(series: pd.Series) -> tuple[pd.Series, dict[Any, Any]]:
    """Parse times; naive times are China Standard Time (UTC+8), the terminals' clock."""
    from roadnet.timeparse import parse_times

    parsed = parse_times(series)
    bad = {i: v for i, v in series.items() if not _is_blank(v) and pd.isna(parsed.at[i])}
    return parsed, bad


def split_list(value: Any) -> list[str]:
    """Split a list written as text ("S1,S2", "S1，S2、S3", "S1;S2|S3") into its items."""
    if _is_blank(value):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v for v in _LIST_SPLIT.split(str(value).strip()) if v]


def road_class_from_code(route_code: Any) -> str | None:
    """Road class from a route code's first letter: G national ... C village, Z other."""
    if _is_blank(route_code):
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
