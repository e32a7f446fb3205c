"""Land-use codes: the DOMAIN.md table, suffixes, the three-way split, normalisation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadnet.labels import LAND_CATEGORIES
from roadnet.landuse import (
    CATEGORIES,
    HA_PER_M2,
    LAND_USES,
    MU_PER_M2,
    SPLITS,
    TIANKAN,
    LandUse,
    categorize,
    classify,
    normalize_dlbm,
)

# The table of /work/shared/domain/DOMAIN.md, written out independently of the module.
DOMAIN_TABLE = {
    "cultivated": "0101 0102 0103",
    "garden": "0201 0202 0203 0204",
    "forest": "0301 0302 0303 0304 0305 0306 0307",
    "grassland": "0401 0402 0403 0404",
    "existing_road": "1003 1004 1006",
    "construction": (
        "1001 1002 1005 1007 1008 1009 "
        "05H1 0508 0601 0602 0603 0701 0702 08H1 08H2 08H2A 0809 0810 0810A 09"
    ),
    "water": "1101 1102 1103 1104 1105 1106 1107 1108 1109 1110",
    "other": "1201 1202 1203 1204 1205 1206 1207",
}
DOMAIN_CODES = {code: cat for cat, codes in DOMAIN_TABLE.items() for code in codes.split()}

# DOMAIN.md, three-way split used in approvals.
AGRICULTURAL = [c for c in DOMAIN_CODES if c[:2] in ("01", "02", "03", "04") and c != "0404"] + [
    "1006",
    "1103",
    "1104",
    "1107",
    "1202",
    "1203",
]
CONSTRUCTION = [c for c in DOMAIN_CODES if "05" <= c[:2] <= "09"] + [
    "1001",
    "1002",
    "1003",
    "1004",
    "1005",
    "1007",
    "1008",
    "1009",
    "1109",
    "1201",
]
UNUSED = ["0404", "1101", "1102", "1105", "1106", "1108", "1110", "1204", "1205", "1206", "1207"]

K_CODES = ["0201K", "0202K", "0203K", "0204K", "0301K", "0302K", "0307K", "0403K", "1104K"]


@pytest.mark.parametrize(("code", "category"), sorted(DOMAIN_CODES.items()))
def test_every_domain_code_maps_to_its_category(code, category):
    entry = classify(code)
    assert entry is not None
    assert entry.code == code
    assert entry.category == category
    assert entry.name_zh and entry.name_en


def test_the_three_way_split_of_domain_md():
    assert len(AGRICULTURAL) + len(CONSTRUCTION) + len(UNUSED) == len(DOMAIN_CODES)
    for code in AGRICULTURAL:
        assert LAND_USES[code].split == "agricultural", code
    for code in CONSTRUCTION:
        assert LAND_USES[code].split == "construction", code
    for code in UNUSED:
        assert LAND_USES[code].split == "unused", code


def test_split_examples():
    assert LAND_USES["0404"].split == "unused"  # 其他草地, not agricultural
    assert LAND_USES["0403"].split == "agricultural"
    assert LAND_USES["1006"].split == "agricultural"  # 农村道路 is farm land
    assert LAND_USES["1006"].category == "existing_road"
    assert LAND_USES["1003"].split == "construction"
    assert LAND_USES["1109"].category == "water" and LAND_USES["1109"].split == "construction"
    assert LAND_USES["1201"].category == "other" and LAND_USES["1201"].split == "construction"
    assert LAND_USES["1203"].split == "agricultural"
    assert LAND_USES["0603"].split == "construction"  # 盐田


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # GB/T 21010-2017 names (shortened in some third-party lists)
        ("1001", "铁路用地"),
        ("1002", "轨道交通用地"),
        ("1005", "交通服务场站用地"),
        ("1007", "机场用地"),
        ("1008", "港口码头用地"),
        ("1009", "管道运输用地"),
        ("1109", "水工建筑用地"),
        ("0404", "其他草地"),
        ("1203", "田坎"),
        ("05H1", "商业服务业设施用地"),
        ("08H1", "机关团体新闻出版用地"),
        ("08H2", "科教文卫用地"),
        ("08H2A", "高教用地"),
        ("0810A", "广场用地"),
        ("1104A", "养殖坑塘"),
        ("1107A", "干渠"),
        ("1104K", "可调整养殖坑塘"),
        ("0403K", "可调整人工牧草地"),
        ("09", "特殊用地"),
    ],
)
def test_names(code, name):
    assert LAND_USES[code].name_zh == name


@pytest.mark.parametrize("code", K_CODES)
def test_k_codes_are_adjustable_with_the_base_category(code):
    entry = LAND_USES[code]
    base = LAND_USES[code[:-1]]
    assert entry.adjustable and not base.adjustable
    assert entry.base == base.code
    assert (entry.category, entry.split) == (base.category, base.split)
    assert entry.name_zh.startswith("可调整")


def test_only_the_listed_k_codes_exist():
    assert sorted(c for c in LAND_USES if c.endswith("K")) == sorted(K_CODES)
    assert classify("0101K") is None  # cultivated land has no 可调整 variant
    assert classify("0305K") is None


@pytest.mark.parametrize(
    ("code", "base", "category"),
    [
        ("1104A", "1104", "water"),
        ("1107A", "1107", "water"),
        ("0810A", "0810", "construction"),
        ("08H2A", "08H2", "construction"),
    ],
)
def test_a_subclasses(code, base, category):
    entry = LAND_USES[code]
    assert entry.base == base
    assert entry.category == category
    assert entry.split == LAND_USES[base].split
    assert not entry.adjustable


def test_plain_codes_are_their_own_base_and_not_adjustable():
    for code, entry in LAND_USES.items():
        if code[-1] not in "AK":
            assert entry.base == code
            assert not entry.adjustable


def test_every_entry_has_a_known_category_and_split():
    for entry in LAND_USES.values():
        assert entry.category in CATEGORIES
        assert entry.split in SPLITS


def test_gbt_21010_second_level_codes_are_construction():
    for code in ("0501", "0507", "0604", "0801", "0808", "0901", "0906"):
        assert LAND_USES[code].category == "construction"
        assert LAND_USES[code].split == "construction"


def test_land_use_is_frozen():
    entry = classify("0101")
    assert isinstance(entry, LandUse)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.category = "forest"  # type: ignore[misc]


# -- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (101, "0101"),
        (101.0, "0101"),
        (np.int64(1203), "1203"),
        (np.float64(103.0), "0103"),
        ("0101 ", "0101"),
        (" 0101", "0101"),
        ("101", "0101"),
        ("101.0", "0101"),
        ("0101.00", "0101"),
        ("1104k", "1104K"),
        ("1104K", "1104K"),
        ("05h1", "05H1"),
        ("08h2a", "08H2A"),
        ("09", "09"),
        (9, "09"),
        (9.0, "09"),
        ("9", "09"),
        ("０１０１", "0101"),  # full-width digits
        (1203, "1203"),
        ("9999", "9999"),
        ("abc", "ABC"),
        (101.5, "101.5"),
    ],
)
def test_normalize_dlbm(value, expected):
    assert normalize_dlbm(value) == expected


@pytest.mark.parametrize("value", [None, "", "   ", float("nan"), np.nan, pd.NA, np.float32("nan")])
def test_normalize_dlbm_missing(value):
    assert normalize_dlbm(value) is None


def test_classify_accepts_raw_values():
    assert classify(101).code == "0101"
    assert classify("1104k").adjustable
    assert classify(None) is None
    assert classify("9999") is None
    assert classify(TIANKAN).name_zh == "田坎"


# -- categorize ---------------------------------------------------------------------------


def test_unknown_codes_are_reported_not_dropped():
    codes = pd.Series(["0101", "9999", None, "XYZ", 1203, "0103K"], index=[10, 11, 12, 13, 14, 15])
    table = categorize(codes)
    assert list(table.columns) == ["code", "category", "split", "adjustable", "known"]
    assert table.index.equals(codes.index)
    assert table["known"].tolist() == [True, False, False, False, True, False]
    assert table["category"].tolist() == [
        "cultivated",
        "unclassified",
        "unclassified",
        "unclassified",
        "other",
        "unclassified",
    ]
    assert table.loc[11, "code"] == "9999"
    assert table.loc[13, "code"] == "XYZ"
    assert pd.isna(table.loc[12, "code"])
    assert pd.isna(table.loc[11, "split"])
    assert table.loc[14, "split"] == "agricultural"


def test_categorize_adjustable_and_split_columns():
    table = categorize(pd.Series(["0201K", "0201", "0404", "1104A"]))
    assert table["adjustable"].tolist() == [True, False, False, False]
    assert table["split"].tolist() == ["agricultural", "agricultural", "unused", "agricultural"]
    assert table["adjustable"].dtype == bool and table["known"].dtype == bool


def test_categorize_string_and_categorical_columns():
    strings = pd.Series(["0101", None, "1006"], dtype="string")
    assert categorize(strings)["category"].tolist() == [
        "cultivated",
        "unclassified",
        "existing_road",
    ]
    cats = pd.Series(["0301", "0301", "0401"], dtype="category")
    assert categorize(cats)["category"].tolist() == ["forest", "forest", "grassland"]
    assert len(categorize(pd.Series([], dtype=object))) == 0


def test_categorize_does_not_modify_its_input():
    codes = pd.Series([101, "1104k", None], dtype=object)
    before = codes.copy()
    categorize(codes)
    pd.testing.assert_series_equal(codes, before)


raw_values = st.one_of(
    st.sampled_from(sorted(LAND_USES)),
    st.sampled_from(["1104k", " 0101", "101", "9999", "", "0101K", "09"]),
    st.integers(-5, 20000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(raw_values, max_size=30).flatmap(
        lambda values: st.tuples(
            st.just(values),
            st.lists(st.integers(-3, 3), min_size=len(values), max_size=len(values)),
        )
    )
)
def test_categorize_never_drops_rows_and_keeps_the_index(data):
    values, index = data  # the index may repeat labels
    codes = pd.Series(values, index=index, dtype=object)
    table = categorize(codes)
    assert len(table) == len(codes)
    assert table.index.equals(codes.index)
    for raw, known, category in zip(values, table["known"], table["category"], strict=True):
        entry = classify(raw)
        assert known == (entry is not None)
        assert category == (entry.category if entry else "unclassified")


# -- constants ----------------------------------------------------------------------------


def test_constants():
    assert math.isclose(666.6666666 * MU_PER_M2, 1.0, rel_tol=1e-9)
    assert math.isclose(10_000 * HA_PER_M2, 1.0)
    assert math.isclose(10_000 * MU_PER_M2, 15.0)  # 1 ha = 15 亩
    assert TIANKAN == "1203"
    assert LAND_CATEGORIES["cultivated"] == ("耕地", "Cultivated land")
    assert LAND_CATEGORIES["unclassified"] == ("未分类", "Unclassified")
    assert set(LAND_CATEGORIES) == {*CATEGORIES, "unclassified"}
