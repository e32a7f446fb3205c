"""Coverage per bus line: length, stops, villages served (alone or shared), operations."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.errors import LayerError
from roadnet.formatting import is_na
from roadnet.lines import ServiceParams, line_operations


def line_table(
    lines: gpd.GeoDataFrame,
    within: np.ndarray | None,
    admin: np.ndarray,
    service: ServiceParams,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The per-line table and its :func:`~roadnet.lines.line_operations`.

    The operations keep the trips' intervals (for the fleet); the table leaves them out.

    Parameters
    ----------
    lines
        The lines with their two directions paired (:func:`roadnet.lines.pair_directions`),
        metric CRS, with ``stops`` (stop ids in order) and, from GTFS, ``trip_times``.
    within
        Village x line: whether the line has a stop within the radius of the village (None
        when there are no lines).
    admin
        Per village: whether it is administrative (only those count as served).
    service
        Speed, layover and service span of lines without a timetable.

    Returns
    -------
    tuple
        The table (``length_km``, ``stops``, ``villages_served``,
        ``villages_only_this_line``, the operations' columns …) and the operations.

    Raises
    ------
    LayerError
        A line has no geometry.
    """
    table = lines.drop(columns=["trip_times"], errors="ignore").copy()
    geoms = table.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        bad = table["id"].astype(str).to_numpy()[missing][0]
        raise LayerError(
            "bus line has no geometry: draw it or give it from GTFS shapes",
            layer="bus_lines",
            feature=bad,
        )
    drawn_length = shapely.length(geoms)
    if "length_m" in table.columns:  # a paired line: the mean of both directions
        given = pd.to_numeric(table["length_m"], errors="coerce").to_numpy(dtype=float)
        table["length_m"] = np.where(np.isfinite(given), given, drawn_length)
    else:
        table["length_m"] = drawn_length
    if "paired_ids" not in table.columns:
        table["paired_ids"] = None
    table["length_km"] = table["length_m"] / 1000.0
    table["stop_ids"] = lines["stops"]
    table["stops"] = [len(s) for s in lines["stops"]]
    if within is None:
        within = np.zeros((len(admin), 0), bool)
    served_admin = within & admin[:, None]
    count_lines = served_admin.sum(axis=1)
    table["villages_served"] = served_admin.sum(axis=0).astype(int)
    table["villages_only_this_line"] = (served_admin & (count_lines == 1)[:, None]).sum(axis=0)
    if "days" not in table.columns:
        table["days"] = None
    table["days"] = [None if is_na(d) else d for d in table["days"]]
    timed = table.assign(trip_times=lines["trip_times"]) if "trip_times" in lines else table
    ops = line_operations(timed, params=service)
    for column in ops.columns:
        if column != "trip_intervals":
            table[column] = ops[column]
    return table, ops
