"""The siting rule: land taken by each project, per land-use code, category and split.

See :func:`compute_siting`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.county import County
from roadnet.errors import LayerError
from roadnet.landuse import CATEGORIES, HA_PER_M2, MU_PER_M2, SPLITS, UNCLASSIFIED, classify
from roadnet.quality import DataQuality, collect
from roadnet.siting import notes
from roadnet.siting.footprints import project_footprints
from roadnet.siting.overlay import Pieces, cut_parcels, polygonal, resolve_overlaps
from roadnet.siting.params import SitingParams
from roadnet.siting.result import NO_CODE, SitingResult

#: Category keys of the JSON ``by_category`` (DESIGN.md), in report order.
CATEGORY_KEYS = (*CATEGORIES, UNCLASSIFIED)
#: Split keys of ``by_split``.
SPLIT_KEYS = (*SPLITS, UNCLASSIFIED)
#: Leftovers of overlap resolution smaller than this (m²) are dropped.
_DUST_M2 = 1e-4
#: Flags a project may raise, in report order.
FLAGS = (
    "basic_farmland",
    "eco_redline",
    "cultivated",
    "adjustable",
    "forest",
    "grassland",
    "unknown_dlbm",
    "uncovered",
    "parcel_overlap",
)


def compute_siting(
    county: County,
    *,
    params: SitingParams | None = None,
    projects: gpd.GeoDataFrame | None = None,
    parcels: Any = None,
) -> SitingResult:
    """Check project footprints against land parcels, basic farmland and the red line.

    The rule (DESIGN.md "Siting"): a line project's footprint is its alignment buffered by
    width/2 with flat ends, a polygon project's is the polygon; parts of one project are
    unioned. Each footprint is cut by the parcels; a piece's share is its planar overlap
    area, or, when the parcel has a TBMJ, TBMJ × overlap / parcel geometry area (m²), and
    the parcel's KCXS moves that fraction of the share to KCDLBM (田坎 1203 by default).
    Shares are summed per land-use code (DLBM), category (耕地, 园地, 林地, 草地, existing
    road land 1003/1004/1006 apart, 建设用地, 水域, 其他, and ``unclassified`` for unknown or
    missing codes, never dropped) and the 农用地/建设用地/未利用地 split. Footprint land
    not covered by any parcel is ``uncovered_m2``. Overlaps with permanent basic farmland
    and the ecological red line are planar areas of the footprint. Cultivated land newly
    occupied is the compensation owed (占补平衡).

    Parameters
    ----------
    county
        A loaded county with ``parcels`` and, unless ``projects`` is given, ``projects``
        (``basic_farmland`` and ``eco_redline`` are checked when present).
    params
        Widths, overlap handling, TBMJ use, engine; defaults when None.
    projects
        Projects to check instead of the county's (e.g. another file's layer, read with
        :func:`roadnet.siting.load_projects`); reprojected to the county's CRS if needed.
    parcels
        Parcels to use instead of the county's layer: a GeoDataFrame, or with the dask
        engine a ``dask_geopandas.GeoDataFrame`` that never has to fit in memory.

    Returns
    -------
    SitingResult
        Per project, per land-use code and per parcel figures (m², 亩), flags, the
        ranking of alternative alignments and the summary.

    Raises
    ------
    MissingLayerError
        The county has no projects or parcels layer.
    LayerError
        A project cannot be turned into a footprint (no geometry, invalid polygon, no
        width), or a touched parcel has a KCXS outside [0, 1).
    ConfigError
        The dask engine is asked for without dask-geopandas installed.
    """
    params = params or SitingParams()
    warnings: list[str] = []
    given = projects is not None
    if projects is None:
        projects = county.layer("projects", purpose="siting")
    projects = _in_crs(projects, county, layer="projects")
    if parcels is None:
        parcels = county.layer("parcels", purpose="siting")
        parcels = _in_crs(parcels, county, layer="parcels")
    footprints = _footprints(projects, county, params=params, given=given)

    cut = _cut(footprints, parcels, params=params)
    resolved = resolve_overlaps(cut.frame, mode=params.overlaps)
    # a piece wholly given to a higher-priority parcel takes nothing (its overlap is kept);
    # what a difference leaves of it is floating-point dust
    area = resolved["area_m2"].to_numpy()
    dust = (resolved["overlap_m2"].to_numpy() > 0) & (area <= _DUST_M2)
    pieces = resolved[(area > 0) & ~dust].reset_index(drop=True)
    if cut.repaired:
        warnings.append(
            f"{cut.repaired} touched parcel(s) had invalid geometry and were repaired with "
            "make_valid before the overlay"
        )
    checked = {name: county.has(name) for name in ("basic_farmland", "eco_redline")}
    for name, present in checked.items():
        if not present:
            label = "永久基本农田 basic farmland" if name == "basic_farmland" else "生态保护红线"
            warnings.append(
                f"the county has no {name} layer ({label}): that check was not made; add a "
                f"[layers.{name}] section to county.toml"
            )
    shapes = np.asarray(footprints.geometry.to_numpy(), dtype=object)
    basic = _layer_geoms(county, "basic_farmland")
    redline = _layer_geoms(county, "eco_redline")
    pieces["basic_farmland_m2"] = _area_within(
        np.asarray(pieces.geometry.to_numpy(), dtype=object), basic
    )

    disagreeing: list[str] = []
    land, share, deducted = _allocate(
        pieces, params=params, warnings=warnings, disagreeing=disagreeing
    )
    pieces["share_m2"] = share
    pieces["deduction_m2"] = deducted
    table = _project_table(footprints, resolved, land, params=params)
    table["basic_farmland_m2"] = _area_within(shapes, basic)
    table["eco_redline_m2"] = _area_within(shapes, redline)
    table["flags"] = _flags(table, params=params)
    ranks, counted = _rank_alternatives(table)
    table["rank"] = pd.Series(ranks, index=table.index, dtype=object)
    table["counted"] = np.array(counted, dtype=bool)
    parcel_table = _parcel_table(pieces, footprints)
    summary = _summary(table, land, parcel_table, checked=checked, repaired=cut.repaired)
    summary["engine"] = params.engine
    summary["overlaps"] = params.overlaps
    _warn_uncovered(table, params=params, warnings=warnings)
    _warn_unclassified(land, warnings=warnings)
    own = collect(
        [
            notes.simplified_note(footprints, tolerance_m=params.simplify_tolerance_m),
            *notes.uncovered_notes(table, flag_min_m2=params.flag_min_m2),
            *notes.unclassified_notes(land, np.flatnonzero(table["counted"].to_numpy())),
            notes.repaired_note(cut.repaired),
            notes.tbmj_note(disagreeing, tolerance=params.tbmj_tolerance),
            *(notes.not_checked_note(name) for name, ok in checked.items() if not ok),
        ]
    )
    loaded = projects.attrs.get("data_quality") if isinstance(projects, pd.DataFrame) else None
    quality = county.quality.merge(loaded if isinstance(loaded, DataQuality) else None, own)
    return SitingResult(
        params=params,
        county=county.name,
        crs=county.crs,
        projects=table,
        land=land,
        parcels=parcel_table,
        summary=summary,
        warnings=tuple(warnings),
        quality=quality,
    )


def _footprints(
    projects: gpd.GeoDataFrame, county: County, *, params: SitingParams, given: bool
) -> gpd.GeoDataFrame:
    """The footprints; a project error names the file the projects came from."""
    try:
        return project_footprints(projects, params=params)
    except LayerError as exc:
        source = projects.attrs.get("source") if given else None
        layer = county.manifest.layers.get("projects")
        if source is None and not given and layer is not None:
            source = layer.label
        if exc.source is not None or source is None:
            raise
        raise LayerError(
            exc.detail, layer=exc.layer, feature=exc.feature, field=exc.field, source=str(source)
        ) from exc


# --------------------------------------------------------------------------- overlay


def _cut(footprints: gpd.GeoDataFrame, parcels: Any, *, params: SitingParams) -> Pieces:
    if params.engine == "dask":
        from roadnet.siting.dask_engine import cut_parcels_dask

        return cut_parcels_dask(footprints, parcels, npartitions=params.npartitions)
    if not isinstance(parcels, gpd.GeoDataFrame):
        raise LayerError(
            "the in-memory engine needs the parcels as a GeoDataFrame; use engine = 'dask' "
            "for a dask_geopandas.GeoDataFrame",
            layer="parcels",
        )
    return cut_parcels(footprints, parcels)


def _in_crs(frame: gpd.GeoDataFrame, county: County, *, layer: str) -> gpd.GeoDataFrame:
    """The frame in the county's metric CRS (a frame without CRS is an error)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return frame  # a dask frame: the caller is responsible for its CRS
    if frame.crs is None:
        raise LayerError("layer has no CRS; load it with load_county or set its CRS", layer=layer)
    if not frame.crs.equals(county.crs):
        return frame.to_crs(county.crs)
    return frame


def _layer_geoms(county: County, name: str) -> np.ndarray:
    if not county.has(name):
        return np.array([], dtype=object)
    frame = county.layer(name)
    if frame.crs is not None and not frame.crs.equals(county.crs):
        frame = frame.to_crs(county.crs)
    return np.asarray(frame.geometry.to_numpy(), dtype=object)


def _area_within(shapes: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Area (m²) of each shape inside the union of the zone polygons.

    Zones that overlap each other are not counted twice: a shape meeting several zones
    takes the area of the union of its cuts.
    """
    area = np.zeros(len(shapes))
    if not len(shapes) or not len(zones):
        return area
    tree = shapely.STRtree(zones)
    shape, zone = tree.query(shapes, predicate="intersects")
    if not len(shape):
        return area
    geoms = zones[zone]
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = polygonal(shapely.make_valid(geoms[invalid]))
    cuts = polygonal(shapely.intersection(shapes[shape], geoms))
    counts = np.bincount(shape, minlength=len(shapes))
    single = counts[shape] == 1
    np.add.at(area, shape[single], shapely.area(cuts[single]))
    for position in np.unique(shape[~single]):
        area[position] = shapely.area(shapely.union_all(cuts[shape == position]))
    return area


# --------------------------------------------------------------------------- shares


def _allocate(
    pieces: gpd.GeoDataFrame,
    *,
    params: SitingParams,
    warnings: list[str],
    disagreeing: list[str],
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Shares of each piece per land-use code: the DLBM part and the KCXS deduction.

    Returns one row per (piece, code) with ``project``, ``parcel``, ``code`` (NO_CODE
    when the parcel has none), ``area_m2`` (TBMJ-scaled share, m²), ``source_class`` (for
    unclassified rows) and the code's ``name``, ``category``, ``split``, ``adjustable``;
    and per piece its whole share and its KCXS deduction (m²). The labels of parcels whose
    TBMJ was not used (it disagrees with the geometry) are appended to ``disagreeing``.
    """
    area = pieces["area_m2"].to_numpy(dtype=float)
    scale = np.ones(len(pieces))
    if params.use_tbmj and len(pieces):
        tbmj = pieces["TBMJ"].to_numpy(dtype=float)
        parcel = pieces["parcel_m2"].to_numpy(dtype=float)
        usable = np.isfinite(tbmj) & (tbmj > 0) & (parcel > 0)
        ratio = np.divide(tbmj, parcel, out=np.ones(len(pieces)), where=usable)
        agree = usable
        if params.tbmj_tolerance is not None:
            agree = usable & (np.abs(ratio - 1.0) <= params.tbmj_tolerance)
        scale = np.where(agree, ratio, 1.0)
        disagree = usable & ~agree
        if disagree.any():
            examples = _parcel_labels(pieces[disagree])
            disagreeing.extend(examples)
            warnings.append(
                f"{len(set(examples))} parcel(s) have a TBMJ more than "
                f"{params.tbmj_tolerance:.0%} away from their geometry area (first: "
                f"{', '.join(examples[:3])}): TBMJ in another unit or stale? Their planar "
                "area was used"
            )
    share = area * scale
    kcxs = pieces["KCXS"].to_numpy(dtype=float)
    given = np.isfinite(kcxs) & (kcxs != 0)
    bad = given & ((kcxs < 0) | (kcxs >= 1))
    if bad.any():
        labels = _parcel_labels(pieces[bad])
        raise LayerError(
            f"{int(bad.sum())} parcel piece(s) have a KCXS outside [0, 1) (first: "
            f"{', '.join(labels[:5])}, KCXS = {kcxs[bad][0]}); KCXS is a fraction "
            "(0.1 for 10 %)",
            layer="parcels",
            feature=labels[0],
            field="KCXS",
        )
    deducted = np.where(given, share * np.where(given, kcxs, 0.0), 0.0)
    code = pieces["DLBM"].to_numpy(dtype=object)
    deduction_code = np.array(
        [c if c else params.deduction_code for c in pieces["KCDLBM"].to_numpy(dtype=object)],
        dtype=object,
    )
    main = pd.DataFrame(
        {
            "project": pieces["project"].to_numpy(),
            "parcel": pieces["parcel"].to_numpy(),
            "code": np.where(pd.isna(code), NO_CODE, code),
            "area_m2": share - deducted,
            "source_class": pieces["source_class"].to_numpy(dtype=object),
            "deduction": False,
        }
    )
    taken = deducted > 0
    kc = pd.DataFrame(
        {
            "project": pieces["project"].to_numpy()[taken],
            "parcel": pieces["parcel"].to_numpy()[taken],
            "code": deduction_code[taken],
            "area_m2": deducted[taken],
            "source_class": None,
            "deduction": True,
        }
    )
    land = pd.concat([main, kc], ignore_index=True) if len(kc) else main
    lookup = {c: classify(c) if c != NO_CODE else None for c in land["code"].unique()}
    names = land["code"].map({c: (u.name_zh if u else None) for c, u in lookup.items()})
    recorded = pd.Series(
        np.r_[pieces["DLMC"].to_numpy(dtype=object), np.full(len(land) - len(pieces), None)],
        index=land.index,
        dtype=object,
    )
    land["name"] = names.astype(object).where(names.notna(), recorded)
    land["category"] = land["code"].map(
        {c: (u.category if u else UNCLASSIFIED) for c, u in lookup.items()}
    )
    land["split"] = land["code"].map(
        {c: (u.split if u else UNCLASSIFIED) for c, u in lookup.items()}
    )
    land["adjustable"] = (
        land["code"]
        .map({c: bool(u.adjustable) if u else False for c, u in lookup.items()})
        .astype(bool)
    )
    known = (land["category"] != UNCLASSIFIED).to_numpy()
    classes = land["source_class"].to_numpy(dtype=object).copy()
    classes[known] = None
    land["source_class"] = pd.Series(classes, index=land.index, dtype=object)
    return land, share, deducted


def _parcel_labels(pieces: pd.DataFrame) -> list[str]:
    labels = []
    for row in pieces.itertuples(index=False):
        label = row.BSM or row.TBBH
        labels.append(str(label) if label else f"parcel row {int(row.parcel) + 1}")
    return labels


# --------------------------------------------------------------------------- tables


def _project_table(
    footprints: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    land: pd.DataFrame,
    *,
    params: SitingParams,
) -> gpd.GeoDataFrame:
    table = footprints.copy()
    n = len(table)
    positions = np.arange(n)

    def per_project(frame: pd.DataFrame, column: str) -> np.ndarray:
        sums = frame.groupby("project")[column].sum()
        return sums.reindex(positions, fill_value=0.0).to_numpy(dtype=float)

    covered = per_project(pieces, "resolved_m2")
    table["covered_m2"] = covered
    table["uncovered_m2"] = np.clip(table["footprint_m2"].to_numpy() - covered, 0.0, None)
    table["parcel_overlap_m2"] = per_project(pieces, "overlap_m2")
    table["parcels"] = (
        land.groupby("project")["parcel"].nunique().reindex(positions, fill_value=0).to_numpy()
    )
    by_category = land.pivot_table(
        index="project", columns="category", values="area_m2", aggfunc="sum", fill_value=0.0
    ).reindex(index=positions, columns=list(CATEGORY_KEYS), fill_value=0.0)
    for key in CATEGORY_KEYS:
        table[f"{key}_m2"] = by_category[key].to_numpy(dtype=float)
    by_split = land.pivot_table(
        index="project", columns="split", values="area_m2", aggfunc="sum", fill_value=0.0
    ).reindex(index=positions, columns=list(SPLIT_KEYS), fill_value=0.0)
    for key in SPLIT_KEYS:
        table[f"split_{key}_m2"] = by_split[key].to_numpy(dtype=float)
    table["land_m2"] = per_project(land, "area_m2")
    table["adjustable_m2"] = per_project(land[land["adjustable"]], "area_m2")
    table["new_occupation_m2"] = table["land_m2"] - table["existing_road_m2"]
    compensation = table["cultivated_m2"].to_numpy(dtype=float)
    if params.adjustable_in_compensation:
        compensation = compensation + table["adjustable_m2"].to_numpy(dtype=float)
    table["compensation_m2"] = compensation
    return table


def _flags(table: pd.DataFrame, *, params: SitingParams) -> list[tuple[str, ...]]:
    limit = params.flag_min_m2
    columns = {
        "basic_farmland": "basic_farmland_m2",
        "eco_redline": "eco_redline_m2",
        "cultivated": "cultivated_m2",
        "adjustable": "adjustable_m2",
        "forest": "forest_m2",
        "grassland": "grassland_m2",
        "unknown_dlbm": "unclassified_m2",
        "uncovered": "uncovered_m2",
        "parcel_overlap": "parcel_overlap_m2",
    }
    raised = {flag: table[column].to_numpy(dtype=float) > limit for flag, column in columns.items()}
    return [tuple(f for f in FLAGS if raised[f][i]) for i in range(len(table))]


def _rank_alternatives(table: pd.DataFrame) -> tuple[list[int | None], list[bool]]:
    """Rank the alignments sharing an id: least basic farmland, then least cultivated land.

    Areas are compared to the centimetre² so that floating-point noise decides nothing;
    remaining ties go to the smaller footprint, then the alternative's name. A project
    with a single alignment has no rank. The rank-1 alignment of each id is ``counted``
    in the summary (alternatives are not added up).
    """
    ranks: list[int | None] = [None] * len(table)
    counted = [True] * len(table)
    key = table["id"].astype(object).to_numpy()
    for value in pd.unique(key):
        members = np.flatnonzero(key == value)
        if len(members) < 2:
            continue
        order = sorted(
            members,
            key=lambda i: (
                round(float(table["basic_farmland_m2"].iat[i]), 2),
                round(float(table["cultivated_m2"].iat[i]), 2),
                round(float(table["footprint_m2"].iat[i]), 2),
                str(table["alternative"].iat[i]),
            ),
        )
        for rank, position in enumerate(order, start=1):
            ranks[position] = rank
            counted[position] = rank == 1
    return ranks, counted


def _parcel_table(pieces: gpd.GeoDataFrame, footprints: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Per (project, parcel): the pre-approval table (m², 亩)."""
    out = pieces.copy()
    project = out["project"].to_numpy()
    out.insert(1, "id", footprints["id"].to_numpy(dtype=object)[project])
    out.insert(2, "alternative", footprints["alternative"].to_numpy(dtype=object)[project])
    return out


def _summary(
    table: pd.DataFrame,
    land: pd.DataFrame,
    parcels: pd.DataFrame,
    *,
    checked: dict[str, bool],
    repaired: int,
) -> dict[str, Any]:
    counted = table[table["counted"]]
    positions = set(np.flatnonzero(table["counted"].to_numpy()))
    counted_land = land[land["project"].isin(positions)]

    def total(column: str) -> float:
        return float(counted[column].sum())

    by_dlbm = counted_land.groupby("code")["area_m2"].sum().sort_index()
    summary: dict[str, Any] = {
        "projects": int(table["id"].nunique()),
        "alignments": len(table),
        "projects_with_alternatives": int((table["id"].value_counts() > 1).sum()),
        "projects_by_kind": {
            str(k): int(v) for k, v in counted["kind"].fillna("other").value_counts().items()
        },
        "footprint_m2": total("footprint_m2"),
        "by_dlbm": {str(k): float(v) for k, v in by_dlbm.items()},
        "by_category": {k: total(f"{k}_m2") for k in CATEGORY_KEYS},
        "by_split": {k: total(f"split_{k}_m2") for k in SPLIT_KEYS},
        "basic_farmland_m2": total("basic_farmland_m2"),
        "eco_redline_m2": total("eco_redline_m2"),
        "adjustable_m2": total("adjustable_m2"),
        "new_occupation_m2": total("new_occupation_m2"),
        "compensation_m2": total("compensation_m2"),
        "covered_m2": total("covered_m2"),
        "uncovered_m2": total("uncovered_m2"),
        "parcel_overlap_m2": total("parcel_overlap_m2"),
    }
    for key, column in (
        ("cultivated", "cultivated_m2"),
        ("forest", "forest_m2"),
        ("grassland", "grassland_m2"),
        ("compensation", "compensation_m2"),
        ("footprint", "footprint_m2"),
        ("basic_farmland", "basic_farmland_m2"),
        ("eco_redline", "eco_redline_m2"),
        ("adjustable", "adjustable_m2"),
    ):
        summary[f"{key}_mu"] = total(column) * MU_PER_M2
        summary[f"{key}_ha"] = total(column) * HA_PER_M2
    summary["by_category_mu"] = {k: v * MU_PER_M2 for k, v in summary["by_category"].items()}
    flags = counted["flags"].tolist()
    summary["flags"] = {flag: sum(flag in f for f in flags) for flag in FLAGS}
    for flag in ("basic_farmland", "eco_redline", "forest", "grassland", "cultivated"):
        summary[f"projects_{flag}"] = summary["flags"][flag]
    counted_parcels = parcels[parcels["project"].isin(positions)]
    summary["parcels_touched"] = int(counted_parcels["parcel"].nunique())
    summary["parcels_repaired"] = repaired
    summary["layers_checked"] = dict(checked)
    return summary


def _warn_unclassified(land: pd.DataFrame, *, warnings: list[str]) -> None:
    unclassified = land[land["category"] == UNCLASSIFIED]
    codes = sorted({str(c) for c in unclassified["code"] if c != NO_CODE})
    if codes:
        warnings.append(
            "land-use code(s) not in GB/T 21010-2017 / 三调, reported as unclassified: "
            + ", ".join(codes)
        )
    uncoded = unclassified[unclassified["code"] == NO_CODE]
    if len(uncoded):
        classes = sorted({str(c) for c in uncoded["source_class"] if c is not None})
        named = f" (classes: {', '.join(classes[:10])})" if classes else ""
        warnings.append(
            f"parcels without a land-use code{named} reported as unclassified; map their "
            "classes to DLBM codes in [layers.parcels] classes"
        )


def _warn_uncovered(table: pd.DataFrame, *, params: SitingParams, warnings: list[str]) -> None:
    uncovered = table[table["uncovered_m2"] > max(params.flag_min_m2, 1.0)]
    if len(uncovered):
        listed = ", ".join(
            f"{r.id} ({r.uncovered_m2:,.0f} m²)" for r in uncovered.head(5).itertuples()
        )
        warnings.append(
            f"{len(uncovered)} project(s) reach beyond the parcels layer (land not covered by "
            f"any parcel: {listed}); that land is reported as uncovered_m2"
        )
