"""The dask engine: the footprint/parcel overlay partition by partition (dask-geopandas).

For parcel sets too big for one machine's memory. The parcels are spatially partitioned
(Hilbert-curve order, each partition a compact area with known bounds: ``spatial_shuffle``
for a dask frame; a GeoDataFrame already in memory is sorted by Hilbert distance before
partitioning, the same order without a dask shuffle, which costs ten times the overlay),
joined with the footprints (``dask_geopandas.sjoin``, which only pairs the partitions whose
bounds meet a footprint's), and intersected inside each partition, since dask-geopandas has
no overlay. Only the touched parcels' pieces come back: the same pieces, hence the same
figures, as the in-memory engine.

dask-geopandas is an optional extra (``pip install 'roadnet[dask]'``) imported only when
this engine runs. The computation uses the current dask scheduler: a
``distributed.Client`` when one is active, else dask's default.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from roadnet.errors import ConfigError
from roadnet.siting.overlay import PARCEL_FIELDS, Pieces, pieces_from_pairs

#: Parcels per partition when the number of partitions is not given.
PARCELS_PER_PARTITION = 100_000


def cut_parcels_dask(
    footprints: gpd.GeoDataFrame, parcels: Any, *, npartitions: int | None = None
) -> Pieces:
    """Cut the footprints by the parcels with dask-geopandas.

    Parameters
    ----------
    footprints
        One footprint polygon per project, in the parcels' metric CRS.
    parcels
        The ``parcels`` layer: a GeoDataFrame (partitioned here) or a
        ``dask_geopandas.GeoDataFrame`` (e.g. from ``dask_geopandas.read_parquet``) with
        canonical fields and a unique integer index, which then identifies the parcels.
    npartitions
        Partitions of a GeoDataFrame input (default: one per 100,000 parcels).

    Returns
    -------
    Pieces
        The same pieces as :func:`roadnet.siting.overlay.cut_parcels`.

    Raises
    ------
    ConfigError
        dask-geopandas is not installed.
    """
    dask, dask_geopandas = _import_dask()
    with dask.config.set({"dataframe.convert-string": False}), warnings.catch_warnings():
        # An in-memory GeoDataFrame travels inside the task graph: expected, not a mistake.
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        if isinstance(parcels, gpd.GeoDataFrame):
            columns = [c for c in PARCEL_FIELDS if c in parcels.columns]
            frame = gpd.GeoDataFrame(
                parcels[columns].reset_index(drop=True),
                geometry=np.asarray(parcels.geometry.to_numpy(), dtype=object),
                crs=parcels.crs,
            )
            frame["_parcel"] = np.arange(len(frame), dtype=np.int64)
            # In memory already: Hilbert order here is the spatial shuffle without moving
            # the data through dask's shuffle (which costs ~10x the whole overlay).
            order = np.argsort(frame.geometry.hilbert_distance().to_numpy(), kind="stable")
            count = npartitions or max(1, math.ceil(len(frame) / PARCELS_PER_PARTITION))
            distributed = dask_geopandas.from_geopandas(
                frame.iloc[order], npartitions=min(count, len(frame)), sort=False
            )
            distributed.calculate_spatial_partitions()
        else:
            distributed = parcels.map_partitions(_with_position)
            if distributed.geometry.name != "geometry":
                distributed = distributed.rename_geometry("geometry")
            distributed = distributed.spatial_shuffle()
        crs = distributed.crs
        right = gpd.GeoDataFrame(
            {"_project": np.arange(len(footprints), dtype=np.int64)},
            geometry=np.asarray(footprints.geometry.to_numpy(), dtype=object),
            crs=crs,
        )
        right_parts = dask_geopandas.from_geopandas(right, npartitions=1)
        right_parts.calculate_spatial_partitions()
        joined = dask_geopandas.sjoin(distributed, right_parts, predicate="intersects")
        shapes = np.asarray(footprints.geometry.to_numpy(), dtype=object)
        meta = _partition_pieces(joined._meta, shapes, crs)
        pieces = joined.map_partitions(_partition_pieces, shapes, crs, meta=meta).compute()
    frame = gpd.GeoDataFrame(pd.DataFrame(pieces), geometry="geometry", crs=crs)
    frame = frame.sort_values(["project", "parcel"], kind="stable").reset_index(drop=True)
    frame["repaired"] = frame["repaired"].astype(bool)
    repaired = int(frame.loc[frame["repaired"], "parcel"].nunique())
    return Pieces(frame, repaired)


def _partition_pieces(part: pd.DataFrame, shapes: np.ndarray, crs: Any) -> gpd.GeoDataFrame:
    """The pieces of one joined partition (parcels paired with the footprints they meet)."""
    pairs = pd.DataFrame(part.drop(columns="index_right", errors="ignore"))
    pairs = pairs.reset_index(drop=True)
    return pieces_from_pairs(pairs, shapes, crs=crs).frame


def _with_position(part: pd.DataFrame) -> pd.DataFrame:
    return part.assign(_parcel=np.asarray(part.index, dtype=np.int64))


def _import_dask() -> tuple[Any, Any]:
    try:
        import dask
        import dask_geopandas
    except ImportError as exc:
        raise ConfigError(
            "the dask engine needs dask-geopandas, an optional extra: "
            "pip install 'roadnet[dask]' (or use the default in-memory engine)"
        ) from exc
    return dask, dask_geopandas
