"""Overlay of project footprints with land parcels: the pieces each project takes.

The in-memory engine builds a shapely 2 STRtree over the parcels, queries it with the
footprints (``predicate="intersects"``, the footprint prepared once) and intersects the
pairs in one vectorised :func:`shapely.intersection` call: only the parcels a project
touches are ever intersected, cut or copied, so a million parcels cost one tree build.
The dask engine (:mod:`roadnet.siting.dask_engine`) produces the same pieces partition
by partition.

Where parcels overlap each other (OSM land use is not a tiling), :func:`resolve_overlaps`
gives each square metre of a footprint to one parcel (the smallest, or the first), so no
land is counted twice; the double-counted area is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Parcel fields carried into the pieces (the 三调 DLTB fields and the foreign class).
PARCEL_FIELDS = (
    "DLBM",
    "DLMC",
    "TBMJ",
    "KCXS",
    "KCDLBM",
    "QSDWMC",
    "ZLDWMC",
    "BSM",
    "TBBH",
    "source_class",
)
_NUMERIC_FIELDS = ("TBMJ", "KCXS")
#: Intersections of pieces smaller than this (m²) are boundary noise, not overlaps.
_OVERLAP_NOISE_M2 = 1e-6
_POLYGONAL = (3, 6)
_COLLECTION = 7


@dataclass(frozen=True)
class Pieces:
    """Pieces of footprints cut by parcels.

    Attributes
    ----------
    frame
        One row per (project, parcel) with a positive overlap, sorted by project then
        parcel: ``project`` (position of the footprint), ``parcel`` (position of the parcel
        in its layer), the :data:`PARCEL_FIELDS`, ``parcel_m2`` (planar area of the
        parcel's geometry, m²), ``raw_m2`` (planar overlap, m²), ``repaired`` (the parcel's
        geometry was invalid and repaired with make_valid) and the piece geometry.
    repaired
        Number of distinct touched parcels whose invalid geometry was repaired.
    """

    frame: gpd.GeoDataFrame
    repaired: int


def cut_parcels(footprints: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame) -> Pieces:
    """Cut the footprints by the parcels in memory (STRtree + vectorised intersection).

    Parameters
    ----------
    footprints
        One footprint polygon per project, in the parcels' metric CRS.
    parcels
        The ``parcels`` layer (canonical fields), metric CRS.

    Returns
    -------
    Pieces
        The pieces with a positive area.
    """
    geoms = np.asarray(parcels.geometry.to_numpy(), dtype=object)
    tree = shapely.STRtree(geoms)
    project, rows = tree.query(
        np.asarray(footprints.geometry.to_numpy(), dtype=object), predicate="intersects"
    )
    frame = _attributes(parcels, rows)
    frame["_parcel"] = rows.astype(np.int64)
    frame["_project"] = project.astype(np.int64)
    frame["geometry"] = geoms[rows]
    return pieces_from_pairs(frame, footprints.geometry.to_numpy(), crs=parcels.crs)


def pieces_from_pairs(pairs: pd.DataFrame, footprints: np.ndarray, *, crs: Any) -> Pieces:
    """Intersect candidate (project, parcel) pairs; keep the pieces with a positive area.

    Parameters
    ----------
    pairs
        One row per candidate pair: ``_project`` (footprint position), ``_parcel``
        (parcel position), the parcel's fields and its geometry (column ``geometry``).
    footprints
        The footprint polygons, indexed by ``_project``.
    crs
        CRS of the result.

    Returns
    -------
    Pieces
        Sorted by project then parcel.
    """
    parcel_geoms = np.asarray(pairs["geometry"].to_numpy(), dtype=object)
    invalid = ~shapely.is_valid(parcel_geoms)
    if invalid.any():
        parcel_geoms = parcel_geoms.copy()
        parcel_geoms[invalid] = polygonal(shapely.make_valid(parcel_geoms[invalid]))
    project = pairs["_project"].to_numpy(dtype=np.int64)
    cut = polygonal(
        shapely.intersection(np.asarray(footprints, dtype=object)[project], parcel_geoms)
    )
    area = shapely.area(cut)
    keep = area > 0
    frame = pd.DataFrame(
        {
            "project": project[keep],
            "parcel": pairs["_parcel"].to_numpy(dtype=np.int64)[keep],
        }
    )
    for column in PARCEL_FIELDS:
        values = pairs[column].to_numpy()[keep] if column in pairs.columns else None
        frame[column] = _clean(values, column, len(frame))
    frame["parcel_m2"] = shapely.area(parcel_geoms[keep])
    frame["raw_m2"] = area[keep]
    frame["repaired"] = invalid[keep]
    result = gpd.GeoDataFrame(frame, geometry=np.asarray(cut[keep], dtype=object), crs=crs)
    result = result.sort_values(["project", "parcel"], kind="stable").reset_index(drop=True)
    repaired = int(result.loc[result["repaired"], "parcel"].nunique())
    return Pieces(result, repaired)


def resolve_overlaps(pieces: gpd.GeoDataFrame, *, mode: str) -> gpd.GeoDataFrame:
    """Give each part of a footprint to one parcel where parcels overlap each other.

    Parameters
    ----------
    pieces
        :attr:`Pieces.frame`.
    mode
        ``smallest`` (the smallest parcel keeps the shared area), ``first`` (the parcel
        earlier in the layer keeps it) or ``sum`` (nobody gives anything up: the shared
        area is counted once per parcel).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``resolved_m2`` (the piece minus the higher-priority pieces it
        overlaps, m²; the pieces of a project are then disjoint), ``area_m2`` (the area
        counted: ``raw_m2`` in ``sum`` mode, else ``resolved_m2``) and ``overlap_m2``
        (``raw_m2 - resolved_m2``: area the piece shares with a higher-priority one). The
        geometry is the resolved piece, except in ``sum`` mode.
    """
    out = pieces.copy()
    geoms = np.asarray(out.geometry.to_numpy(), dtype=object)
    resolved = geoms.copy()
    raw = out["raw_m2"].to_numpy(dtype=float)
    first, second = _overlapping_pairs(geoms, out["project"].to_numpy())
    if len(first):
        if mode == "smallest":
            order = np.lexsort((out["parcel"].to_numpy(), out["parcel_m2"].to_numpy()))
        else:
            order = np.argsort(out["parcel"].to_numpy(), kind="stable")
        priority = np.empty(len(out), dtype=np.int64)
        priority[order] = np.arange(len(out))
        loser = np.where(priority[first] > priority[second], first, second)
        winner = np.where(priority[first] > priority[second], second, first)
        frame = pd.DataFrame({"loser": loser, "winner": winner})
        for position, group in frame.groupby("loser", sort=True)["winner"]:
            cover = shapely.union_all(geoms[group.to_numpy()])
            resolved[position] = shapely.difference(geoms[position], cover)
        resolved = polygonal(resolved)
    resolved_m2 = np.minimum(shapely.area(resolved), raw)
    out["resolved_m2"] = resolved_m2
    out["overlap_m2"] = raw - resolved_m2
    out["area_m2"] = raw if mode == "sum" else resolved_m2
    if mode != "sum":
        out = out.set_geometry(np.asarray(resolved, dtype=object), crs=pieces.crs)
    return out


def _overlapping_pairs(geoms: np.ndarray, project: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of pieces of one project whose interiors overlap (not merely touch)."""
    if len(geoms) < 2:
        empty = np.array([], dtype=np.int64)
        return empty, empty
    tree = shapely.STRtree(geoms)
    first, second = tree.query(geoms, predicate="intersects")
    same = (first < second) & (project[first] == project[second])
    first, second = first[same], second[same]
    if not len(first):
        return first, second
    shared = shapely.area(shapely.intersection(geoms[first], geoms[second]))
    overlapping = shared > _OVERLAP_NOISE_M2
    return first[overlapping], second[overlapping]


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygonal part of each geometry (GeometryCollections from intersections).

    Lines and points left by an intersection along a shared boundary carry no area; they
    are dropped so that later overlays see polygons only.
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    mixed = np.flatnonzero(types == _COLLECTION)
    if not len(mixed):
        return geoms
    out = geoms.copy()
    for position in mixed:
        parts = shapely.get_parts(geoms[position])
        parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
        out[position] = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    return out


def _attributes(parcels: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    present = [c for c in PARCEL_FIELDS if c in parcels.columns]
    return pd.DataFrame(
        {c: parcels[c].to_numpy()[rows] for c in present}, index=pd.RangeIndex(len(rows))
    )


def _clean(values: np.ndarray | None, column: str, size: int) -> np.ndarray:
    """A field as plain numpy: floats for TBMJ/KCXS, objects (None for blanks) otherwise."""
    if column in _NUMERIC_FIELDS:
        if values is None:
            return np.full(size, np.nan)
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    out = np.full(size, None, dtype=object)
    if values is None:
        return out
    for i, value in enumerate(values):
        out[i] = _text(value)
    return out


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value)
    return text if text.strip() else None
