"""Land-use codes (地类编码, DLBM) of GB/T 21010-2017 and the Third National Land Survey (三调).

Each code maps to a siting category (the keys of the ``by_category`` JSON output) and to
the three-way split used in land approvals: 农用地 ``agricultural``, 建设用地
``construction``, 未利用地 ``unused``.

The table holds the 三调 working classification (第三次全国国土调查工作分类, TD/T 1055-2019),
which merges some GB/T 21010-2017 classes (05H1, 08H1, 08H2, 09) and adds suffixed codes:

* ``K`` "可调整" land: cultivated land turned into orchard, forest, pasture or fish pond
  with its plough layer intact (0201K-0204K, 0301K, 0302K, 0307K, 0403K, 1104K). Same
  category as the base code, flagged ``adjustable=True`` so it can be reported apart.
* ``A`` sub-classes: 0810A 广场用地, 08H2A 高教用地, 1104A 养殖坑塘, 1107A 干渠. Own
  entries, base category.

It also holds the second-level GB/T 21010-2017 codes that 三调 merged (0501-0507, 0604,
0801-0808, 0901-0906), all 建设用地, so cadastral data using them is not reported unknown.
Codes of the 2007 edition (three digits: 011 水田, 203 村庄 ...) are not recognised.

Area constants: 1 亩 = 10000/15 m², 1 ha = 15 亩.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

#: 亩 per square metre (1 亩 = 10000/15 m² ≈ 666.67 m²).
MU_PER_M2 = 15 / 10000
#: Hectares per square metre.
HA_PER_M2 = 1e-4
#: 田坎 (field ridges): where the KCXS deduction of a parcel's area goes.
TIANKAN = "1203"

#: Siting categories, in report order.
CATEGORIES = (
    "cultivated",
    "garden",
    "forest",
    "grassland",
    "existing_road",
    "construction",
    "water",
    "other",
)
#: Category of codes outside the table (and of missing codes).
UNCLASSIFIED = "unclassified"
#: The three-way split (三大类).
SPLITS = ("agricultural", "construction", "unused")


@dataclass(frozen=True)
class LandUse:
    """One land-use code of the table.

    Attributes
    ----------
    code
        The normalised code (``"0101"``, ``"0201K"``, ``"08H2A"``, ``"09"``).
    name_zh, name_en
        Chinese name as in GB/T 21010-2017 / 三调, and an English translation.
    category
        Siting category, one of :data:`CATEGORIES`.
    split
        Three-way split: ``"agricultural"``, ``"construction"`` or ``"unused"``.
    adjustable
        True for the 三调 ``K`` (可调整) codes.
    base
        The code without its ``K`` or ``A`` suffix (the code itself when it has none).
    """

    code: str
    name_zh: str
    name_en: str
    category: str
    split: str
    adjustable: bool
    base: str


# (code, Chinese name, English name). Names follow GB/T 21010-2017 and the 三调 working
# classification (some third-party lists shorten 铁路用地 to 铁路 and the like).
_ROWS: tuple[tuple[str, str, str], ...] = (
    # 01 耕地
    ("0101", "水田", "Paddy field"),
    ("0102", "水浇地", "Irrigated land"),
    ("0103", "旱地", "Dry land"),
    # 02 园地 (三调: 种植园用地)
    ("0201", "果园", "Orchard"),
    ("0202", "茶园", "Tea plantation"),
    ("0203", "橡胶园", "Rubber plantation"),
    ("0204", "其他园地", "Other garden land"),
    ("0201K", "可调整果园", "Adjustable orchard"),
    ("0202K", "可调整茶园", "Adjustable tea plantation"),
    ("0203K", "可调整橡胶园", "Adjustable rubber plantation"),
    ("0204K", "可调整其他园地", "Adjustable other garden land"),
    # 03 林地 (0303, 0304, 0306 are in the 三调 湿地 group; still forest land)
    ("0301", "乔木林地", "Arbor forest land"),
    ("0302", "竹林地", "Bamboo forest land"),
    ("0303", "红树林地", "Mangrove forest land"),
    ("0304", "森林沼泽", "Forest swamp"),
    ("0305", "灌木林地", "Shrub land"),
    ("0306", "灌丛沼泽", "Shrub swamp"),
    ("0307", "其他林地", "Other forest land"),
    ("0301K", "可调整乔木林地", "Adjustable arbor forest land"),
    ("0302K", "可调整竹林地", "Adjustable bamboo forest land"),
    ("0307K", "可调整其他林地", "Adjustable other forest land"),
    # 04 草地
    ("0401", "天然牧草地", "Natural pasture"),
    ("0402", "沼泽草地", "Marsh grassland"),
    ("0403", "人工牧草地", "Artificial pasture"),
    ("0404", "其他草地", "Other grassland"),
    ("0403K", "可调整人工牧草地", "Adjustable artificial pasture"),
    # 05 商业服务业用地 (三调) / 商服用地 (GB/T 21010-2017)
    ("05H1", "商业服务业设施用地", "Commercial and business facilities land"),
    ("0501", "零售商业用地", "Retail commercial land"),
    ("0502", "批发市场用地", "Wholesale market land"),
    ("0503", "餐饮用地", "Catering land"),
    ("0504", "旅馆用地", "Hotel land"),
    ("0505", "商务金融用地", "Business and finance land"),
    ("0506", "娱乐用地", "Entertainment land"),
    ("0507", "其他商服用地", "Other commercial service land"),
    ("0508", "物流仓储用地", "Logistics and warehousing land"),
    # 06 工矿用地 / 工矿仓储用地
    ("0601", "工业用地", "Industrial land"),
    ("0602", "采矿用地", "Mining land"),
    ("0603", "盐田", "Salt pan"),
    ("0604", "仓储用地", "Warehousing land"),
    # 07 住宅用地
    ("0701", "城镇住宅用地", "Urban residential land"),
    ("0702", "农村宅基地", "Rural homestead"),
    # 08 公共管理与公共服务用地
    ("08H1", "机关团体新闻出版用地", "Government, organisation, press and publishing land"),
    ("08H2", "科教文卫用地", "Science, education, culture and health land"),
    ("08H2A", "高教用地", "Higher education land"),
    ("0801", "机关团体用地", "Government and organisation land"),
    ("0802", "新闻出版用地", "Press and publishing land"),
    ("0803", "教育用地", "Education land"),
    ("0804", "科研用地", "Scientific research land"),
    ("0805", "医疗卫生用地", "Medical and health land"),
    ("0806", "社会福利用地", "Social welfare land"),
    ("0807", "文化设施用地", "Cultural facilities land"),
    ("0808", "体育用地", "Sports land"),
    ("0809", "公用设施用地", "Public utilities land"),
    ("0810", "公园与绿地", "Parks and green space"),
    ("0810A", "广场用地", "Public square land"),
    # 09 特殊用地
    ("09", "特殊用地", "Special-use land"),
    ("0901", "军事设施用地", "Military facilities land"),
    ("0902", "使领馆用地", "Embassy and consulate land"),
    ("0903", "监教场所用地", "Prison and reformatory land"),
    ("0904", "宗教用地", "Religious land"),
    ("0905", "殡葬用地", "Funeral and burial land"),
    ("0906", "风景名胜设施用地", "Scenic-spot facilities land"),
    # 10 交通运输用地
    ("1001", "铁路用地", "Railway land"),
    ("1002", "轨道交通用地", "Rail transit land"),
    ("1003", "公路用地", "Highway land"),
    ("1004", "城镇村道路用地", "Urban and village road land"),
    ("1005", "交通服务场站用地", "Transport service station land"),
    ("1006", "农村道路", "Rural road"),
    ("1007", "机场用地", "Airport land"),
    ("1008", "港口码头用地", "Port and wharf land"),
    ("1009", "管道运输用地", "Pipeline transport land"),
    # 11 水域及水利设施用地
    ("1101", "河流水面", "River water surface"),
    ("1102", "湖泊水面", "Lake water surface"),
    ("1103", "水库水面", "Reservoir water surface"),
    ("1104", "坑塘水面", "Pond water surface"),
    ("1104A", "养殖坑塘", "Aquaculture pond"),
    ("1104K", "可调整养殖坑塘", "Adjustable aquaculture pond"),
    ("1105", "沿海滩涂", "Coastal tidal flat"),
    ("1106", "内陆滩涂", "Inland tidal flat"),
    ("1107", "沟渠", "Ditch"),
    ("1107A", "干渠", "Main canal"),
    ("1108", "沼泽地", "Swamp"),
    ("1109", "水工建筑用地", "Hydraulic structures land"),
    ("1110", "冰川及永久积雪", "Glacier and permanent snow"),
    # 12 其他土地
    ("1201", "空闲地", "Vacant land"),
    ("1202", "设施农用地", "Agricultural facilities land"),
    ("1203", "田坎", "Field ridge (tiankan)"),
    ("1204", "盐碱地", "Saline-alkali land"),
    ("1205", "沙地", "Sandy land"),
    ("1206", "裸土地", "Bare soil land"),
    ("1207", "裸岩石砾地", "Bare rock and gravel land"),
)

# Three-way split (GB/T 21010-2017 appendix, as used in approvals): 01-04 are agricultural
# except 0404; 05-09 construction; 10-12 by second-level code: those below are agricultural
# or unused, the rest (1001-1005, 1007-1009, 1109, 1201) construction.
_AGRICULTURAL_CODES = frozenset({"1006", "1103", "1104", "1107", "1202", "1203"})
_UNUSED_CODES = frozenset(
    {"0404", "1101", "1102", "1105", "1106", "1108", "1110", "1204", "1205", "1206", "1207"}
)
_EXISTING_ROAD_CODES = frozenset({"1003", "1004", "1006"})
_CLASS_CATEGORY = {
    "01": "cultivated",
    "02": "garden",
    "03": "forest",
    "04": "grassland",
    "05": "construction",
    "06": "construction",
    "07": "construction",
    "08": "construction",
    "09": "construction",
    "10": "construction",
    "11": "water",
    "12": "other",
}


def _category(base: str) -> str:
    if base in _EXISTING_ROAD_CODES:
        return "existing_road"
    return _CLASS_CATEGORY[base[:2]]


def _split(base: str) -> str:
    if base in _UNUSED_CODES:
        return "unused"
    if base in _AGRICULTURAL_CODES or base[:2] in ("01", "02", "03", "04"):
        return "agricultural"
    return "construction"  # 05-09 and the remaining codes of 10, 11 and 12


def _entry(code: str, name_zh: str, name_en: str) -> LandUse:
    base = code[:-1] if code[-1] in "AK" else code
    return LandUse(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        category=_category(base),
        split=_split(base),
        adjustable=code.endswith("K"),
        base=base,
    )


#: Every known code -> its :class:`LandUse`.
LAND_USES: Mapping[str, LandUse] = MappingProxyType(
    {code: _entry(code, zh, en) for code, zh, en in _ROWS}
)

_DECIMAL_ZERO = re.compile(r"(\d+)\.0*")


def normalize_dlbm(value: object) -> str | None:
    """Normalise a land-use code as read from a shapefile, GeoPackage, CSV or Excel file.

    Numbers lose their leading zero in many files, so integers and integral floats are
    zero-padded: ``101`` and ``101.0`` give ``"0101"``, ``9`` gives ``"09"``. Strings are
    stripped, upper-cased and NFKC-normalised (full-width digits), ``"101"`` is padded to
    ``"0101"`` and ``"0101.0"`` loses its decimals; ``"1104k"`` gives ``"1104K"``.

    Parameters
    ----------
    value
        The raw field value.

    Returns
    -------
    str or None
        The code, or None when the value is missing (None, empty or blank string, NaN,
        ``pd.NA``). A code that is not in the table is still returned (see :func:`classify`).
    """
    if value is None or isinstance(value, bool | np.bool_):
        return None if value is None else str(value)
    if isinstance(value, numbers.Integral):
        return _pad(str(int(value)))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        return _pad(str(int(number))) if number.is_integer() else str(value)
    if not isinstance(value, str):
        try:
            if pd.isna(value):  # pd.NA, pd.NaT
                return None
        except (TypeError, ValueError):
            pass
        value = str(value)
    text = unicodedata.normalize("NFKC", value).strip().upper()
    if not text:
        return None
    match = _DECIMAL_ZERO.fullmatch(text)
    if match:
        text = match.group(1)
    return _pad(text) if text.isdigit() else text


def _pad(digits: str) -> str:
    if len(digits) == 1:
        return digits.zfill(2)
    if len(digits) == 3:
        return digits.zfill(4)
    return digits


def classify(code: object) -> LandUse | None:
    """Look up a land-use code.

    Parameters
    ----------
    code
        A code in any form :func:`normalize_dlbm` accepts (``"0101"``, ``101``, ``"1104k"``).

    Returns
    -------
    LandUse or None
        The table entry, or None when the code is missing or not in GB/T 21010-2017 / 三调.
    """
    normalized = normalize_dlbm(code)
    return None if normalized is None else LAND_USES.get(normalized)


def categorize(codes: pd.Series) -> pd.DataFrame:
    """Classify a column of land-use codes, keeping every row and the index.

    Parameters
    ----------
    codes
        Raw DLBM values (strings, numbers, missing values mixed freely).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``codes``, with columns ``code`` (normalised code, missing when the
        value is missing), ``category`` (one of :data:`CATEGORIES`, or ``"unclassified"``
        for unknown and missing codes), ``split`` (``"agricultural"``, ``"construction"``,
        ``"unused"``; missing when unknown), ``adjustable`` (bool) and ``known`` (bool:
        False for unknown or missing codes, which are reported, never dropped).
    """
    series = codes if isinstance(codes, pd.Series) else pd.Series(codes)
    positions, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    count = len(uniques)
    # One slot per distinct raw value, plus a last slot for missing values.
    code = np.empty(count + 1, dtype=object)
    category = np.full(count + 1, UNCLASSIFIED, dtype=object)
    split = np.full(count + 1, None, dtype=object)
    adjustable = np.zeros(count + 1, dtype=bool)
    known = np.zeros(count + 1, dtype=bool)
    for i, raw in enumerate(uniques):
        normalized = normalize_dlbm(raw)
        code[i] = normalized
        entry = None if normalized is None else LAND_USES.get(normalized)
        if entry is not None:
            category[i] = entry.category
            split[i] = entry.split
            adjustable[i] = entry.adjustable
            known[i] = True
    take = np.where(positions < 0, count, positions)
    return pd.DataFrame(
        {
            "code": pd.Series(code[take], index=series.index, dtype=object),
            "category": pd.Series(category[take], index=series.index, dtype=object),
            "split": pd.Series(split[take], index=series.index, dtype=object),
            "adjustable": pd.Series(adjustable[take], index=series.index, dtype=bool),
            "known": pd.Series(known[take], index=series.index, dtype=bool),
        },
        index=series.index,
    )
