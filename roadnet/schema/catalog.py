"""The catalog of layers: each layer's schema, its aliases and the bounds of its values.

DESIGN.md, "The data model": a county is a set of named layers, each with canonical English
field names and the Chinese and English aliases readers accept without a county.toml mapping.
"""

from __future__ import annotations

from roadnet.schema.spec import FieldSpec, LayerSchema
from roadnet.schema.vocabulary import (
    EVENT_KINDS,
    PROJECT_KINDS,
    ROAD_CLASSES,
    SURFACES,
    VILLAGE_KINDS,
)

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
