"""The result of a siting check: tables, JSON (DESIGN.md keys), headline, workbook sheets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from roadnet.formatting import format_mu
from roadnet.labels import LAND_CATEGORIES, LAND_SPLITS, PROJECT_FLAGS, PROJECT_KINDS
from roadnet.landuse import (
    CATEGORIES,
    HA_PER_M2,
    MU_PER_M2,
    SPLITS,
    UNCLASSIFIED,
)
from roadnet.quality import DataQuality
from roadnet.sheets import notes_sheet
from roadnet.siting.params import SitingParams

#: ``by_dlbm`` key of land whose parcel has no land-use code (a foreign class left out of
#: ``classes.map``); it is counted as ``unclassified``.
NO_CODE = "none"

_CATEGORY_KEYS = (*CATEGORIES, UNCLASSIFIED)
_SPLIT_KEYS = (*SPLITS, UNCLASSIFIED)


@dataclass(frozen=True)
class SitingResult:
    """The answer of :func:`~roadnet.siting.compute_siting`.

    Attributes
    ----------
    params
        The parameters used.
    county
        County name.
    crs
        The metric CRS of every geometry here.
    projects
        One row per project alignment (``id``, ``alternative``): ``name``, ``kind``,
        ``width_m``, ``length_m`` (m), ``footprint_m2``, ``covered_m2`` and
        ``uncovered_m2`` (planar, m²; they add up to the footprint), ``parcel_overlap_m2``,
        ``parcels`` (count), ``<category>_m2`` for each category, ``split_<split>_m2``,
        ``land_m2`` (all shares), ``adjustable_m2``, ``new_occupation_m2`` (all but
        existing road land), ``compensation_m2``, ``basic_farmland_m2``,
        ``eco_redline_m2``, ``flags`` (tuple), ``rank`` (among alignments of one id; None
        when alone) and ``counted`` (in the summary); geometry: the footprint.
    land
        Shares per (project, parcel, land-use code): ``project`` (row of ``projects``),
        ``parcel``, ``code``, ``area_m2``, ``deduction`` (the KCXS part), ``name``,
        ``category``, ``split``, ``adjustable``, ``source_class`` (unclassified rows).
    parcels
        One row per (project, parcel) piece for the pre-approval file: ``project``,
        ``id``, ``alternative``, the parcel's DLTB fields, ``parcel_m2``, ``raw_m2``,
        ``area_m2`` (planar overlap counted), ``share_m2`` (TBMJ-scaled share),
        ``deduction_m2`` (its KCXS part), ``basic_farmland_m2``; geometry: the piece.
    summary
        Totals over the counted alignments (DESIGN.md keys and more).
    warnings
        Things the planner should know (layers not checked, repaired parcels, TBMJ
        disagreeing with geometry, unknown codes, land outside the parcels).
    quality
        What the data could not tell: the county's loading notes merged with this check's
        (geometries simplified, projects without parcels, unknown codes …); the JSON's
        ``data_quality``.
    """

    params: SitingParams
    county: str
    crs: pyproj.CRS
    projects: gpd.GeoDataFrame
    land: pd.DataFrame
    parcels: gpd.GeoDataFrame
    summary: dict[str, Any]
    warnings: tuple[str, ...] = ()
    quality: DataQuality = field(default_factory=DataQuality)

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON document of DESIGN.md: ``summary`` and ``projects``.

        Areas are m² rounded to 0.01, 亩 to 0.0001 and hectares to 0.000001.
        """
        codes_of: dict[int, dict[str, float]] = {}
        for (position, code), area in (
            self.land.groupby(["project", "code"])["area_m2"].sum().items()
        ):
            codes_of.setdefault(int(position), {})[str(code)] = float(area)
        unclassified = self.land[self.land["category"] == UNCLASSIFIED]
        projects = []
        for position, row in enumerate(self.projects.itertuples(index=False)):
            codes = codes_of.get(position, {})
            item: dict[str, Any] = {
                "id": row.id,
                "name": row.name,
                "kind": row.kind,
                "alternative": row.alternative,
                "rank": row.rank,
                "width_m": _round(row.width_m, 2),
                "length_m": _round(row.length_m, 2),
                "footprint_m2": _round(row.footprint_m2, 2),
                "footprint_mu": _mu(row.footprint_m2),
                "by_dlbm": {k: _round(v, 2) for k, v in codes.items()},
                "by_category": {k: _round(getattr(row, f"{k}_m2"), 2) for k in _CATEGORY_KEYS},
                "by_split": {k: _round(getattr(row, f"split_{k}_m2"), 2) for k in _SPLIT_KEYS},
                "basic_farmland_m2": _round(row.basic_farmland_m2, 2),
                "eco_redline_m2": _round(row.eco_redline_m2, 2),
                "flags": list(row.flags),
                "adjustable_m2": _round(row.adjustable_m2, 2),
                "new_occupation_m2": _round(row.new_occupation_m2, 2),
                "compensation_m2": _round(row.compensation_m2, 2),
                "compensation_mu": _mu(row.compensation_m2),
                "cultivated_mu": _mu(row.cultivated_m2),
                "forest_mu": _mu(row.forest_m2),
                "grassland_mu": _mu(row.grassland_m2),
                "basic_farmland_mu": _mu(row.basic_farmland_m2),
                "covered_m2": _round(row.covered_m2, 2),
                "uncovered_m2": _round(row.uncovered_m2, 2),
                "parcel_overlap_m2": _round(row.parcel_overlap_m2, 2),
                "parcels": int(row.parcels),
                "counted": bool(row.counted),
                "unclassified": _unclassified(unclassified, position),
            }
            for column in ("year", "status", "investment_wan"):
                if column in self.projects.columns:
                    item[column] = _plain(getattr(row, column))
            projects.append(item)
        return {
            "county": self.county,
            "crs": self.crs.to_string(),
            "summary": _json_summary(self.summary),
            "projects": projects,
            "warnings": list(self.warnings),
            "data_quality": self.quality.to_json(),
        }

    def headline(self, *, lang: str = "zh") -> str:
        """The sentence leaders read, in Chinese (default) or English.

        Example: "27 个项目，占用耕地 12.3 亩、林地 5.0 亩、草地 3.2 亩；
        2 个项目涉及永久基本农田，需补充耕地 12.3 亩" (亩 by
        :func:`~roadnet.formatting.format_mu`).
        """
        s = self.summary
        checked = s["layers_checked"]
        if lang == "en":
            text = (
                f"{s['projects']} projects take {format_mu(s['cultivated_mu'])} mu of cultivated "
                f"land, {format_mu(s['forest_mu'])} mu of forest and "
                f"{format_mu(s['grassland_mu'])} mu of grassland; "
                f"{s['projects_basic_farmland']} touch permanent basic farmland; "
                f"{format_mu(s['compensation_mu'])} mu of farmland must be compensated"
            )
            if s["projects_eco_redline"]:
                text += f"; {s['projects_eco_redline']} touch the ecological red line"
            missing = [k for k, v in checked.items() if not v]
            if missing:
                text += f" (not checked: {', '.join(missing)})"
            return text
        text = (
            f"{s['projects']} 个项目，占用耕地 {format_mu(s['cultivated_mu'])} 亩、林地 "
            f"{format_mu(s['forest_mu'])} 亩、草地 {format_mu(s['grassland_mu'])} 亩；"
            f"{s['projects_basic_farmland']} 个项目涉及永久基本农田，需补充耕地 "
            f"{format_mu(s['compensation_mu'])} 亩"
        )
        if s["projects_eco_redline"]:
            text += f"；{s['projects_eco_redline']} 个项目涉及生态保护红线"
        missing_zh = [
            label
            for key, label in (("basic_farmland", "永久基本农田"), ("eco_redline", "生态保护红线"))
            if not checked[key]
        ]
        if missing_zh:
            text += f"（未提供{'、'.join(missing_zh)}图层，未核查）"
        return text

    def sheets(self, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """Tables for the workbook: summary, per project, per code, per category, per parcel.

        The data-quality notes follow as a last sheet (``注意``/``Notes``) when there are any.

        亩 figures are rounded to 2 decimals, m² to 2, hectares to 4; column names are the
        keys of :data:`roadnet.labels.COLUMNS`, translated when written.
        """
        zh = lang == "zh"
        names = (
            ("汇总", "项目", "地类", "分类汇总", "图斑")
            if zh
            else ("Summary", "Projects", "Land-use codes", "Categories", "Parcels")
        )
        return dict(
            zip(
                names,
                (
                    self._summary_sheet(zh),
                    self._project_sheet(zh),
                    self._code_sheet(zh),
                    self._category_sheet(zh),
                    self._parcel_sheet(zh),
                ),
                strict=True,
            )
        ) | notes_sheet(self.quality, lang=lang)

    def project_rows(self, *, lang: str = "zh") -> list[tuple[str, ...]]:
        """Rows of the printed table, one per project alignment.

        Name, kind, footprint, cultivated, forest, grassland (亩, 2 decimals), basic
        farmland and red line (亩, or "—" when not touched).
        """
        zh = lang == "zh"
        rows: list[tuple[str, ...]] = []
        for r in self.projects.itertuples(index=False):
            name = str(r.name)
            if r.alternative is not None:
                name += f" [{r.alternative}{'' if r.rank is None else f' #{r.rank}'}]"
            rows.append(
                (
                    name,
                    _label(PROJECT_KINDS, r.kind, zh),
                    f"{r.footprint_m2 * MU_PER_M2:.2f}",
                    f"{r.cultivated_m2 * MU_PER_M2:.2f}",
                    f"{r.forest_m2 * MU_PER_M2:.2f}",
                    f"{r.grassland_m2 * MU_PER_M2:.2f}",
                    _touched(r.basic_farmland_m2, "basic_farmland" in r.flags),
                    _touched(r.eco_redline_m2, "eco_redline" in r.flags),
                )
            )
        return rows

    # ----------------------------------------------------------------------- sheets

    def _summary_sheet(self, zh: bool) -> pd.DataFrame:
        s = self.summary
        items = [
            ("项目数", "Projects", s["projects"]),
            ("比选方案数", "Alignments", s["alignments"]),
            ("占地(亩)", "Footprint (mu)", _mu2(s["footprint_m2"])),
            *(
                (f"{LAND_CATEGORIES[k][0]}(亩)", f"{LAND_CATEGORIES[k][1]} (mu)", _mu2(v))
                for k, v in s["by_category"].items()
            ),
            *(
                (
                    f"三大类·{_split_label(k, True)}(亩)",
                    f"Split: {_split_label(k, False)} (mu)",
                    _mu2(v),
                )
                for k, v in s["by_split"].items()
            ),
            ("可调整地类(亩)", "Adjustable land (mu)", _mu2(s["adjustable_m2"])),
            ("永久基本农田(亩)", "Basic farmland (mu)", _mu2(s["basic_farmland_m2"])),
            ("生态保护红线(亩)", "Ecological red line (mu)", _mu2(s["eco_redline_m2"])),
            ("需补充耕地(亩)", "Compensation owed (mu)", _mu2(s["compensation_m2"])),
            ("无图斑覆盖(平方米)", "Uncovered (m²)", round(s["uncovered_m2"], 2)),
            ("图斑重叠(平方米)", "Parcel overlap (m²)", round(s["parcel_overlap_m2"], 2)),
            ("涉及永久基本农田项目数", "Projects in basic farmland", s["projects_basic_farmland"]),
            ("涉及生态保护红线项目数", "Projects in red line", s["projects_eco_redline"]),
            ("占用林地项目数", "Projects taking forest", s["projects_forest"]),
            ("涉及图斑数", "Parcels touched", s["parcels_touched"]),
        ]
        return pd.DataFrame(
            {
                "item": [i[0] if zh else i[1] for i in items],
                "value": pd.Series([i[2] for i in items], dtype=object),
            }
        )

    def _project_sheet(self, zh: bool) -> pd.DataFrame:
        p = self.projects
        out = pd.DataFrame(
            {
                "project_id": p["id"].to_numpy(),
                "project_name": p["name"].to_numpy(),
                "kind": [_label(PROJECT_KINDS, k, zh) for k in p["kind"]],
                "alternative": p["alternative"].to_numpy(),
                "rank": p["rank"].to_numpy(),
                "width_m": p["width_m"].to_numpy(),
                "length_m": p["length_m"].round(1).to_numpy(),
                "footprint_m2": p["footprint_m2"].round(2).to_numpy(),
                "footprint_mu": _mu2(p["footprint_m2"]),
            }
        )
        for key in _CATEGORY_KEYS:
            out[f"{key}_mu"] = _mu2(p[f"{key}_m2"])
        for key in SPLITS:
            out[f"split_{key}_mu"] = _mu2(p[f"split_{key}_m2"])
        out["adjustable_mu"] = _mu2(p["adjustable_m2"])
        out["basic_farmland_mu"] = _mu2(p["basic_farmland_m2"])
        out["eco_redline_mu"] = _mu2(p["eco_redline_m2"])
        out["compensation_mu"] = _mu2(p["compensation_m2"])
        out["uncovered_m2"] = p["uncovered_m2"].round(2).to_numpy()
        out["flags"] = [
            "、".join(_label(PROJECT_FLAGS, f, zh) for f in flags) if zh else ", ".join(flags)
            for flags in p["flags"]
        ]
        return out

    def _code_sheet(self, zh: bool) -> pd.DataFrame:
        if not len(self.land):
            return pd.DataFrame(columns=["project_id", "DLBM", "area_m2", "area_mu"])
        grouped = (
            self.land.groupby(["project", "code"], sort=True)
            .agg(
                area_m2=("area_m2", "sum"),
                name=("name", "first"),
                category=("category", "first"),
                split=("split", "first"),
                adjustable=("adjustable", "first"),
            )
            .reset_index()
        )
        position = grouped["project"].to_numpy()
        return pd.DataFrame(
            {
                "project_id": self.projects["id"].to_numpy(dtype=object)[position],
                "project_name": self.projects["name"].to_numpy(dtype=object)[position],
                "alternative": self.projects["alternative"].to_numpy(dtype=object)[position],
                "DLBM": grouped["code"].to_numpy(),
                "DLMC": grouped["name"].to_numpy(),
                "land_category": [_label(LAND_CATEGORIES, c, zh) for c in grouped["category"]],
                "land_split": [_split_label(s, zh) for s in grouped["split"]],
                "adjustable": grouped["adjustable"].to_numpy(),
                "area_m2": grouped["area_m2"].round(2).to_numpy(),
                "area_mu": _mu2(grouped["area_m2"]),
                "area_ha": (grouped["area_m2"] * HA_PER_M2).round(4).to_numpy(),
            }
        )

    def _category_sheet(self, zh: bool) -> pd.DataFrame:
        totals = self.summary["by_category"]
        values = np.array([totals[k] for k in _CATEGORY_KEYS], dtype=float)
        return pd.DataFrame(
            {
                "land_category": [_label(LAND_CATEGORIES, k, zh) for k in _CATEGORY_KEYS],
                "area_m2": values.round(2),
                "area_mu": _mu2(values),
                "area_ha": (values * HA_PER_M2).round(4),
                "projects_touching": [
                    int((self.projects.loc[self.projects["counted"], f"{k}_m2"] > 0).sum())
                    for k in _CATEGORY_KEYS
                ],
            }
        )

    def _parcel_sheet(self, zh: bool) -> pd.DataFrame:
        t = self.parcels
        name = self.projects["name"].to_numpy(dtype=object)[t["project"].to_numpy()]
        return pd.DataFrame(
            {
                "project_id": t["id"].to_numpy(),
                "project_name": name,
                "alternative": t["alternative"].to_numpy(),
                "BSM": t["BSM"].to_numpy(),
                "TBBH": t["TBBH"].to_numpy(),
                "DLBM": t["DLBM"].to_numpy(),
                "DLMC": t["DLMC"].to_numpy(),
                "QSDWMC": t["QSDWMC"].to_numpy(),
                "ZLDWMC": t["ZLDWMC"].to_numpy(),
                "area_m2": t["share_m2"].round(2).to_numpy(),
                "area_mu": _mu2(t["share_m2"]),
                "deduction_m2": t["deduction_m2"].round(2).to_numpy(),
                "basic_farmland_m2": t["basic_farmland_m2"].round(2).to_numpy(),
                "in_basic_farmland": (t["basic_farmland_m2"] > self.params.flag_min_m2).to_numpy(),
            }
        )


def _unclassified(land: pd.DataFrame, position: int) -> list[dict[str, Any]]:
    """Unclassified land of one project by code and foreign class (m²)."""
    rows = land[land["project"] == position]
    if not len(rows):
        return []
    keys = rows["source_class"].astype(object).where(rows["source_class"].notna(), "")
    sums = rows.assign(_class=keys).groupby(["code", "_class"])["area_m2"].sum()
    return [
        {
            "dlbm": None if code == NO_CODE else str(code),
            "source_class": str(cls) if cls != "" else None,
            "m2": _round(area, 2),
        }
        for (code, cls), area in sums.items()
    ]


def _json_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, Mapping):
            digits = 4 if key.endswith("_mu") else 2
            out[key] = {
                k: _round(v, digits) if isinstance(v, float) else v for k, v in value.items()
            }
        elif isinstance(value, float):
            out[key] = _round(value, 4 if key.endswith("_mu") else 6 if key.endswith("_ha") else 2)
        else:
            out[key] = value
    return out


def _round(value: Any, digits: int) -> float | None:
    if value is None:
        return None
    number = float(value)
    if number != number:
        return None
    return round(number, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def _mu(m2: Any) -> float | None:
    return _round(float(m2) * MU_PER_M2, 4)


def _mu2(m2: Any) -> Any:
    """亩 rounded to 2 decimals (a number or an array)."""
    if isinstance(m2, pd.Series | np.ndarray):
        return np.round(np.asarray(m2, dtype=float) * MU_PER_M2, 2)
    return round(float(m2) * MU_PER_M2, 2)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _label(labels: Mapping[str, tuple[str, str]], key: Any, zh: bool) -> str:
    pair = labels.get(str(key))
    if pair is None:
        return "" if key is None else str(key)
    return pair[0] if zh else pair[1]


def _split_label(key: str, zh: bool) -> str:
    if key == UNCLASSIFIED:
        return _label(LAND_CATEGORIES, key, zh)
    return _label(LAND_SPLITS, key, zh)


def _touched(m2: float, flagged: bool) -> str:
    return f"{m2 * MU_PER_M2:.2f}" if flagged else "—"
