"""Bus stops and bus lines from a GTFS feed (a .zip or a folder): :func:`read_gtfs`.

A GTFS feed describes individual trips; a county bureau thinks in lines. Each GTFS route
becomes one bus line: its stops are the stop sequence of its most frequent trip pattern,
followed by every other stop any of its trips calls at (a stop serves every route whose
trips call at it), and its service figures come from its busiest service day.

Feeds found in the wild are tolerated: a UTF-8 byte-order mark, CRLF line ends, quoted
fields, extra columns, the feed inside one sub-folder of the zip, macOS debris
(``__MACOSX/``, ``._*``, ``.DS_Store``), times past midnight (``25:10:00``), blank optional
columns, ``calendar_dates.txt`` without ``calendar.txt``, and ``frequencies.txt``. A feed
with neither calendar file is read as if every trip ran on one day, and says so.

Hostile files are refused before they cost memory: a zip member that inflates more than
:attr:`GtfsLimits.max_ratio` times to more than :attr:`GtfsLimits.ratio_applies_bytes`
(a zip bomb) is refused from the zip's directory, before anything is inflated; files are read
in chunks of rows, ``stop_times.txt`` only in the columns needed, each chunk checked as it
comes (a junk file fails at its first chunk), and a line longer than
:attr:`GtfsLimits.max_line_bytes` is refused. Messages quote at most 80 characters of any
input.

What the reader could not tell travels with the lines as ``lines.attrs["quality"]`` (a
:class:`~roadnet.quality.DataQuality`: ``gtfs_calendar_missing``,
``gtfs_services_not_in_calendar``).

The modules, in reading order: ``feed`` (the files of the feed, bounded reading; ``blocks``
cuts a file into chunks of whole rows, ``excerpts`` quotes input in messages), ``checks``
(unique ids, references between files), ``stops``, ``trips``, ``calendar`` (service days,
the busiest day) and ``lines`` (routes become bus lines).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from roadnet.errors import ReadError
from roadnet.io.gtfs.calendar import Calendar
from roadnet.io.gtfs.checks import check_references, check_unique
from roadnet.io.gtfs.feed import Feed, GtfsLimits
from roadnet.io.gtfs.lines import agency_names, bus_lines, read_shapes
from roadnet.io.gtfs.stops import bus_stops, stop_points
from roadnet.io.gtfs.trips import ordered_stop_times, read_stop_times, trips_by_route

__all__ = ["GtfsLimits", "read_gtfs"]


def read_gtfs(
    path: str | Path, *, limits: GtfsLimits | None = None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read a GTFS feed into the ``bus_stops`` and ``bus_lines`` layers.

    Parameters
    ----------
    path
        The feed: a .zip (the files at its root or inside one sub-folder) or a folder.
    limits
        What a member may hold before it is refused (:class:`GtfsLimits`).

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        ``(bus_stops, bus_lines)``, both in EPSG:4326.

        ``bus_stops``: ``id`` (stop_id), ``name`` (stop_name) and ``geometry`` (Point), one
        row per stop or platform (``location_type`` empty or 0); stations and entrances are
        left out unless a trip calls at them.

        ``bus_lines``: one row per route that has trips, with ``id`` (route_id), ``name``
        (short name, else long name), ``long_name``, ``agency`` (agency name), ``stops``
        (list of stop ids: the most frequent trip pattern, then every other stop the route's
        trips call at, in first-seen order), ``trips_per_day`` (trips on the busiest service
        day), ``first_departure_min`` and ``last_departure_min`` (minutes after midnight of
        that day at the trip's first stop; above 1440 after midnight), ``span_min``,
        ``headway_min`` (median minutes between departures in the busiest direction; NaN
        with fewer than two), ``trip_times`` (each trip of that day as (start, end) minutes
        after midnight: its first and last time along the stops; end NaN when not given),
        ``directions`` (distinct ``direction_id`` values among the route's trips: 2 when
        the route's one line holds both directions, 0 when the feed does not say),
        ``geometry_source`` (``"shapes"`` for the route's longest shape, ``"stops"`` for
        straight segments through the main pattern's stops) and ``geometry`` (LineString).

        The busiest day is the date with most trips over the dates ``calendar.txt`` and
        ``calendar_dates.txt`` cover; without either file, every trip is taken to run on
        the same day (``lines.attrs["quality"]`` says so).

    Raises
    ------
    ReadError
        The path is not a zip or folder, the zip is corrupted, a member would inflate beyond
        the limits (a zip bomb), a required file or column is missing, a line is too long, or
        a time, sequence, date or coordinate cannot be read.
    LayerError
        The files disagree: a trip calls at a stop that stops.txt lacks, a trip names a
        route that routes.txt lacks, a stop_id is listed twice.
    """
    with Feed.open(Path(path), limits=limits or GtfsLimits()) as feed:
        stops_table = feed.read("stops.txt")
        routes = feed.read("routes.txt")
        trips = feed.read("trips.txt")
        stop_times = read_stop_times(feed)
        check_unique(stops_table, "stop_id", feed.source("stops.txt"))
        check_unique(routes, "route_id", feed.source("routes.txt"))
        check_unique(trips, "trip_id", feed.source("trips.txt"))

        check_references(feed, stops_table, routes, trips, stop_times)
        points = stop_points(feed, stops_table, stop_times)
        stop_times = ordered_stop_times(stop_times, trips)
        by_route = trips_by_route(feed, stop_times, trips)
        calendar = Calendar.read(feed)
        shapes = read_shapes(feed)
        agencies = agency_names(feed, routes)

    lines = bus_lines(routes, by_route, points, calendar, shapes, agencies, feed.label)
    if lines.empty:
        raise ReadError(
            f"{feed.label}: no route of the feed has a trip with stop times, so there is no "
            "bus line to read; check trips.txt and stop_times.txt"
        )
    return bus_stops(points), lines
