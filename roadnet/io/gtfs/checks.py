"""The feed's files agree: ids are unique, and every reference names a row that exists.

A disagreement is a :class:`~roadnet.errors.LayerError` naming the file, the first offending
id and how many rows share the problem.
"""

from __future__ import annotations

import pandas as pd

from roadnet.errors import LayerError
from roadnet.io.gtfs.excerpts import cut, excerpt
from roadnet.io.gtfs.feed import Feed


def check_unique(frame: pd.DataFrame, column: str, source: str) -> None:
    """Refuse an id listed twice.

    Parameters
    ----------
    frame
        A file of the feed as strings.
    column
        Its id column (``"stop_id"``).
    source
        The file, as messages name it.

    Raises
    ------
    LayerError
        An id is listed more than once.
    """
    duplicated = frame[column][frame[column].duplicated()]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise LayerError(
            f"{column} {excerpt(first)} is listed {int((frame[column] == first).sum())} times "
            f"({duplicated.nunique()} duplicated id(s) in all); each id must be unique",
            feature=cut(first, 40),
            field=column,
            source=source,
        )


def check_references(
    feed: Feed,
    stops: pd.DataFrame,
    routes: pd.DataFrame,
    trips: pd.DataFrame,
    stop_times: pd.DataFrame,
) -> None:
    """Refuse a stop time or trip that names a stop, trip or route the feed does not list.

    Parameters
    ----------
    feed
        The open feed (it names the files in messages).
    stops, routes, trips
        stops.txt, routes.txt and trips.txt as strings.
    stop_times
        stop_times.txt with ``trip_id`` and ``stop_id``.

    Raises
    ------
    LayerError
        A stop time calls at a stop stops.txt lacks, or belongs to a trip trips.txt lacks; a
        trip belongs to a route routes.txt lacks.
    """
    unknown_stop = ~stop_times["stop_id"].isin(stops["stop_id"])
    if unknown_stop.any():
        bad = stop_times[unknown_stop]
        first = bad.iloc[0]
        raise LayerError(
            f"trip {excerpt(first['trip_id'])} calls at stop_id {excerpt(first['stop_id'])}, "
            f"which stops.txt does not list ({len(bad)} such row(s), "
            f"{bad['stop_id'].nunique()} unknown stop id(s)); add the stops to stops.txt or "
            "remove the rows",
            layer="bus_lines",
            feature=cut(first["trip_id"], 40),
            field="stop_id",
            source=feed.source("stop_times.txt"),
        )
    unknown_trip = ~stop_times["trip_id"].isin(trips["trip_id"])
    if unknown_trip.any():
        first_trip = stop_times.loc[unknown_trip, "trip_id"].iloc[0]
        raise LayerError(
            f"trip_id {excerpt(first_trip)} is not in trips.txt "
            f"({int(unknown_trip.sum())} row(s)); add the trip to trips.txt or remove its "
            "stop times",
            layer="bus_lines",
            feature=cut(first_trip, 40),
            field="trip_id",
            source=feed.source("stop_times.txt"),
        )
    unknown_route = ~trips["route_id"].isin(routes["route_id"])
    if unknown_route.any():
        first_row = trips[unknown_route].iloc[0]
        raise LayerError(
            f"trip {excerpt(first_row['trip_id'])} belongs to route_id "
            f"{excerpt(first_row['route_id'])}, which routes.txt does not list "
            f"({int(unknown_route.sum())} trip(s)); add the route to routes.txt",
            layer="bus_lines",
            feature=cut(first_row["trip_id"], 40),
            field="route_id",
            source=feed.source("trips.txt"),
        )
