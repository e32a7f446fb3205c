"""What a siting check could not tell, as :class:`~roadnet.quality.QualityNote` entries.

Each function looks at one thing the data left open and returns a note (or None when there
is nothing to say): project geometries simplified before the overlay, projects with no
parcel under them or reaching beyond the parcels layer, land-use codes the classification
does not know, parcels without a code, parcels repaired, TBMJ not used, and the layers
that were not there to check (basic farmland, the ecological red line). The keys are part
of the JSON contract (``data_quality`` of ``roadnet siting --json``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from roadnet.formatting import format_count, format_mu, format_number
from roadnet.landuse import MU_PER_M2, UNCLASSIFIED
from roadnet.quality import QualityNote
from roadnet.siting.result import NO_CODE

#: How many project or parcel names a sentence lists before "…".
_LISTED = 3


def simplified_note(footprints: pd.DataFrame, *, tolerance_m: float) -> QualityNote | None:
    """``projects_simplified``: geometries simplified within the tolerance before buffering."""
    done = footprints[footprints["simplified"].to_numpy(dtype=bool)]
    if not len(done):
        return None
    items_zh, items_en = [], []
    for row in done.head(_LISTED).itertuples(index=False):
        before, after = format_count(row.vertices_drawn), format_count(row.vertices_used)
        deviation = format_number(row.deviation_m, digits=2)
        items_zh.append(f"{row.id}：{before} 个节点简化为 {after} 个，最大偏移 {deviation} 米")
        items_en.append(f"{row.id}: {before} vertices to {after}, largest shift {deviation} m")
    more = len(done) - _LISTED
    tail_zh = f"等 {len(done)} 个" if more > 0 else ""
    tail_en = f" and {more} more" if more > 0 else ""
    tol = format_number(tolerance_m, digits=1)
    return QualityNote(
        "projects_simplified",
        text_zh=(
            f"项目线形节点过密，已在 {tol} 米容差内简化后计算用地（{'；'.join(items_zh)}"
            f"{tail_zh}）；{tol} 米远小于三调图斑边界的精度"
        ),
        text_en=(
            f"project geometries too dense to buffer were simplified within {tol} m before "
            f"the overlay ({'; '.join(items_en)}{tail_en}); {tol} m is far below the accuracy "
            "of 三调 parcel boundaries"
        ),
        layer="projects",
        count=int(len(done)),
        rule=f"douglas_peucker_{tolerance_m:g}m",
        ids=tuple(str(i) for i in done["id"]),
    )


def uncovered_notes(
    table: pd.DataFrame, *, flag_min_m2: float
) -> tuple[QualityNote | None, QualityNote | None]:
    """``projects_without_parcels`` (no parcel at all) and ``land_uncovered`` (partly)."""
    counted = table[table["counted"].to_numpy(dtype=bool)]
    uncovered = counted["uncovered_m2"].to_numpy(dtype=float)
    none = (counted["parcels"].to_numpy() == 0) & (uncovered > flag_min_m2)
    partly = ~none & (uncovered > max(flag_min_m2, 1.0))
    without = None
    if none.any():
        rows = counted[none]
        area = float(rows["uncovered_m2"].sum())
        zh_names, en_names = _listed(rows["id"], zh=True), _listed(rows["id"], zh=False)
        mu = format_mu(area * MU_PER_M2)
        without = QualityNote(
            "projects_without_parcels",
            text_zh=(
                f"{int(none.sum())} 个项目下没有任何图斑（{zh_names}），其 {mu} 亩用地无法分类，"
                "计为无图斑覆盖；图斑图层是否覆盖了项目所在地？"
            ),
            text_en=(
                f"{int(none.sum())} project(s) have no parcel under them ({en_names}): their "
                f"{mu} mu are not classified and are reported as uncovered; does the parcels "
                "layer cover the project area?"
            ),
            layer="parcels",
            count=int(none.sum()),
            area_m2=area,
            rule="uncovered",
            ids=tuple(str(i) for i in rows["id"]),
        )
    partial = None
    if partly.any():
        rows = counted[partly]
        area = float(rows["uncovered_m2"].sum())
        zh_names, en_names = _listed(rows["id"], zh=True), _listed(rows["id"], zh=False)
        partial = QualityNote(
            "land_uncovered",
            text_zh=(
                f"{int(partly.sum())} 个项目部分超出图斑图层范围（{zh_names}），"
                f"{format_mu(area * MU_PER_M2)} 亩用地无图斑覆盖，未分类"
            ),
            text_en=(
                f"{int(partly.sum())} project(s) reach beyond the parcels layer ({en_names}): "
                f"{format_mu(area * MU_PER_M2)} mu are covered by no parcel and not classified"
            ),
            layer="parcels",
            count=int(partly.sum()),
            area_m2=area,
            rule="uncovered",
            ids=tuple(str(i) for i in rows["id"]),
        )
    return without, partial


def unclassified_notes(
    land: pd.DataFrame, counted: np.ndarray
) -> tuple[QualityNote | None, QualityNote | None]:
    """``unknown_dlbm`` (codes not in GB/T 21010 / 三调) and ``parcels_without_code``."""
    rows = land[(land["category"] == UNCLASSIFIED) & land["project"].isin(counted)]
    coded = rows[rows["code"] != NO_CODE]
    unknown = None
    if len(coded):
        area = float(coded["area_m2"].sum())
        codes = sorted({str(c) for c in coded["code"]})
        shown = "、".join(codes[:5]) + ("…" if len(codes) > 5 else "")
        unknown = QualityNote(
            "unknown_dlbm",
            text_zh=(
                f"{format_mu(area * MU_PER_M2)} 亩用地的地类编码不在 GB/T 21010-2017/三调分类中"
                f"（{shown}），计为未分类"
            ),
            text_en=(
                f"{format_mu(area * MU_PER_M2)} mu of land have codes not in GB/T "
                f"21010-2017 / 三调 ({', '.join(codes[:5])}): reported as unclassified"
            ),
            layer="parcels",
            count=int(coded["parcel"].nunique()),
            area_m2=area,
            rule="unclassified",
        )
    uncoded = rows[rows["code"] == NO_CODE]
    missing = None
    if len(uncoded):
        area = float(uncoded["area_m2"].sum())
        classes = sorted({str(c) for c in uncoded["source_class"] if c is not None})
        named_zh = f"（类别：{'、'.join(classes[:5])}）" if classes else ""
        named_en = f" (classes: {', '.join(classes[:5])})" if classes else ""
        missing = QualityNote(
            "parcels_without_code",
            text_zh=(
                f"{format_count(uncoded['parcel'].nunique())} 个图斑没有地类编码{named_zh}，"
                f"其 {format_mu(area * MU_PER_M2)} 亩计为未分类；在 [layers.parcels] 的 "
                "classes 中把类别对应到地类编码"
            ),
            text_en=(
                f"{format_count(uncoded['parcel'].nunique())} parcel(s) have no land-use "
                f"code{named_en}: their {format_mu(area * MU_PER_M2)} mu are unclassified; "
                "map their classes to DLBM codes in [layers.parcels] classes"
            ),
            layer="parcels",
            count=int(uncoded["parcel"].nunique()),
            area_m2=area,
            rule="unclassified",
        )
    return unknown, missing


def repaired_note(repaired: int) -> QualityNote | None:
    """``parcels_repaired``: touched parcels with invalid geometry repaired before the overlay."""
    if not repaired:
        return None
    return QualityNote(
        "parcels_repaired",
        text_zh=f"{format_count(repaired)} 个相关图斑几何无效，已用 make_valid 修复后计算",
        text_en=(
            f"{format_count(repaired)} touched parcel(s) had invalid geometry and were "
            "repaired with make_valid before the overlay"
        ),
        layer="parcels",
        count=int(repaired),
        rule="make_valid",
    )


def tbmj_note(labels: list[str], *, tolerance: float | None) -> QualityNote | None:
    """``tbmj_not_used``: parcels whose TBMJ disagrees with their geometry area."""
    distinct = sorted(set(labels))
    if not distinct:
        return None
    share = "—" if tolerance is None else f"{tolerance:.0%}"
    zh_names = _listed(pd.Series(distinct), zh=True)
    en_names = _listed(pd.Series(distinct), zh=False)
    return QualityNote(
        "tbmj_not_used",
        text_zh=(
            f"{len(distinct)} 个图斑的图斑面积（TBMJ）与其几何面积相差超过 {share}（{zh_names}），"
            "单位不同或已过时？按几何面积计"
        ),
        text_en=(
            f"{len(distinct)} parcel(s) have a TBMJ more than {share} away from their geometry "
            f"area ({en_names}): TBMJ in another unit or stale? Their planar area was used"
        ),
        layer="parcels",
        count=len(distinct),
        rule="planar_area",
        ids=tuple(distinct),
    )


def not_checked_note(name: str) -> QualityNote:
    """``basic_farmland_not_checked`` / ``eco_redline_not_checked``: a layer not given."""
    zh, en = (
        ("永久基本农田", "permanent basic farmland")
        if name == "basic_farmland"
        else ("生态保护红线", "the ecological red line")
    )
    return QualityNote(
        f"{name}_not_checked",
        text_zh=f"未提供{zh}图层，未核查；在 county.toml 中添加 [layers.{name}]",
        text_en=(
            f"the county has no {name} layer: {en} was not checked; add a [layers.{name}] "
            "section to county.toml"
        ),
        layer=name,
        rule="not_checked",
    )


def _listed(ids: pd.Series, *, zh: bool) -> str:
    values = [str(v) for v in ids]
    more = len(values) - _LISTED
    if zh:
        return "、".join(values[:_LISTED]) + (f" 等 {len(values)} 个" if more > 0 else "")
    return ", ".join(values[:_LISTED]) + (f" and {more} more" if more > 0 else "")
