"""The feed's stops: where each is, and which of them make the ``bus_stops`` layer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from roadnet.errors import ReadError
from roadnet.io.gtfs.excerpts import excerpt
from roadnet.io.gtfs.feed import Feed


def stop_points(feed: Feed, stops: pd.DataFrame, stop_times: pd.DataFrame) -> pd.DataFrame:
    """Stops indexed by stop_id with name, lon, lat and ``keep`` (a stop of the layer).

    A stop is kept when it is a stop or platform (``location_type`` empty or 0) or when a
    trip calls at it; stations and entrances are otherwise left out.

    Parameters
    ----------
    feed
        The open feed (it names stops.txt in messages).
    stops
        stops.txt as strings.
    stop_times
        stop_times.txt with ``stop_id``.

    Returns
    -------
    pandas.DataFrame
        ``name`` (None when blank), ``keep``, ``lon`` and ``lat`` (degrees, WGS-84).

    Raises
    ------
    ReadError
        A kept stop's coordinate is not a number within range.
    """
    kind = stops["location_type"] if "location_type" in stops.columns else ""
    called = stops["stop_id"].isin(stop_times["stop_id"])
    keep = pd.Series(kind, index=stops.index).isin(["", "0"]) | called
    table = pd.DataFrame(
        {
            "name": stops["stop_name"].to_numpy() if "stop_name" in stops.columns else "",
            "keep": keep.to_numpy(),
        },
        index=pd.Index(stops["stop_id"], name="stop_id"),
    )
    table["name"] = table["name"].where(table["name"] != "", None)
    for axis, column, limit in (("lon", "stop_lon", 180.0), ("lat", "stop_lat", 90.0)):
        values = pd.to_numeric(stops[column], errors="coerce").to_numpy(dtype=float)
        bad = keep.to_numpy() & ~(np.abs(np.nan_to_num(values, nan=np.inf)) <= limit)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ReadError(
                f"{feed.source('stops.txt')}: row {row + 2} (stop_id "
                f"{excerpt(stops['stop_id'].iloc[row])}) has {column} "
                f"{excerpt(stops[column].iloc[row])}, "
                f"not a number between -{limit:g} and {limit:g} ({int(bad.sum())} such "
                "row(s)); give decimal degrees (WGS-84)"
            )
        table[axis] = values
    return table


def bus_stops(points: pd.DataFrame) -> gpd.GeoDataFrame:
    """The ``bus_stops`` layer: the kept stops of :func:`stop_points`.

    Parameters
    ----------
    points
        The table :func:`stop_points` returns.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (stop_id), ``name`` and ``geometry`` (Point), EPSG:4326.
    """
    located = points[points["keep"]]
    return gpd.GeoDataFrame(
        {"id": located.index.to_numpy(), "name": located["name"].to_numpy()},
        geometry=[Point(x, y) for x, y in zip(located["lon"], located["lat"], strict=True)],
        crs="EPSG:4326",
    )
