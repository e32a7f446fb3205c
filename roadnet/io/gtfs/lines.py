"""Routes become bus lines: stops, service figures of the busiest day, and a geometry.

Each GTFS route becomes one bus line: its stops are the stop sequence of its most frequent
trip pattern, followed by every other stop any of its trips calls at (a stop serves every
route whose trips call at it), and its service figures come from its busiest service day.
Its geometry is the route's longest shape, else straight segments through its stops.
"""

from __future__ import annotations

import logging
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from shapely.geometry import LineString

from roadnet.errors import ReadError
from roadnet.io.gtfs.calendar import Calendar, busiest_day, calendar_note, unscheduled_note
from roadnet.io.gtfs.excerpts import cut, excerpt
from roadnet.io.gtfs.feed import Feed
from roadnet.io.gtfs.trips import Trip
from roadnet.quality import DataQuality

# the package's logger: what the reader logs is named roadnet.io.gtfs, whichever module says it
log = logging.getLogger(__package__)

LINE_COLUMNS = (
    "id",
    "name",
    "long_name",
    "agency",
    "stops",
    "trips_per_day",
    "first_departure_min",
    "last_departure_min",
    "span_min",
    "headway_min",
    "trip_times",
    "directions",
    "geometry_source",
    "geometry",
)
_GEOD = pyproj.Geod(ellps="WGS84")


def bus_lines(
    routes: pd.DataFrame,
    trips: dict[str, list[Trip]],
    stops: pd.DataFrame,
    calendar: Calendar,
    shapes: dict[str, tuple[LineString, float]],
    agencies: pd.Series,
    label: str,
) -> gpd.GeoDataFrame:
    """The ``bus_lines`` layer: one row per route that has trips (see ``read_gtfs``).

    Parameters
    ----------
    routes
        routes.txt as strings.
    trips
        route_id -> its trips.
    stops
        Stops by stop_id with ``lon`` and ``lat`` (degrees).
    calendar
        The feed's service days.
    shapes
        shape_id -> (line, length in metres), from :func:`read_shapes`.
    agencies
        Agency name by route_id, from :func:`agency_names`.
    label
        The feed, as messages name it.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`LINE_COLUMNS`, EPSG:4326; ``attrs["routes_without_trips"]`` lists the routes
        left out and ``attrs["quality"]`` holds the calendar's notes.

    Raises
    ------
    ReadError
        A route calls at one place only in every trip and has no shape.
    """
    coords = dict(
        zip(
            stops.index, zip(stops["lon"].tolist(), stops["lat"].tolist(), strict=True), strict=True
        )
    )
    rows: list[dict[str, object]] = []
    without_trips: list[str] = []
    unscheduled: set[str] = set()
    for route in routes.itertuples(index=False):
        route_id = str(route.route_id)
        mine = trips.get(route_id, [])
        if not mine:
            without_trips.append(route_id)
            continue
        main = _main_pattern([trip.pattern for trip in mine])
        seen = dict.fromkeys(main)
        for trip in mine:
            seen.update(dict.fromkeys(trip.pattern))
        listed = set(main)
        stop_list = [*main, *(s for s in seen if s not in listed)]

        day_trips, missing_services = busiest_day(mine, calendar)
        unscheduled |= missing_services
        short = getattr(route, "route_short_name", "") or ""
        long_name = getattr(route, "route_long_name", "") or ""
        geometry, geometry_source = _route_geometry(
            [trip.shape for trip in mine], shapes, main, coords
        )
        if geometry is None:  # the usual pattern stands still: try the longest one
            longest = max((trip.pattern for trip in mine), key=lambda p: len(set(p)))
            geometry, geometry_source = _route_geometry([], shapes, longest, coords)
        if geometry is None:
            raise ReadError(
                f"{label}/stop_times.txt: route '{cut(route_id)}' ({cut(short or long_name)}) "
                f"calls at one place only ({cut(', '.join(seen))}) in every trip, and has no "
                "shape: a bus line needs two stops; fix its trips in stop_times.txt or remove "
                "the route from routes.txt"
            )
        rows.append(
            {
                "id": route_id,
                "name": short or long_name or route_id,
                "long_name": long_name or None,
                "agency": agencies.get(route_id),
                "stops": stop_list,
                "trips_per_day": sum(len(trip.departures) for trip in day_trips),
                **_service_summary(day_trips),
                "trip_times": [
                    (start, start + trip.duration)
                    for trip in day_trips
                    for start in trip.departures
                ],
                "directions": len({trip.direction_id for trip in mine if trip.direction_id}),
                "geometry_source": geometry_source,
                "geometry": geometry,
            }
        )
    if without_trips:
        log.info("GTFS routes without trips left out: %s", ", ".join(without_trips))
    if unscheduled:
        log.warning(
            "GTFS service_id(s) %s are in neither calendar.txt nor calendar_dates.txt: their "
            "trips never run",
            ", ".join(sorted(unscheduled)),
        )
    frame = pd.DataFrame(rows, columns=list(LINE_COLUMNS))
    frame["trips_per_day"] = frame["trips_per_day"].astype("int64")
    frame["directions"] = frame["directions"].astype("int64")
    for column in ("first_departure_min", "last_departure_min", "span_min", "headway_min"):
        frame[column] = frame[column].astype("float64")
    lines = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    lines.attrs["routes_without_trips"] = without_trips
    lines.attrs["quality"] = DataQuality().with_notes(
        calendar_note(calendar, label, len(rows)),
        unscheduled_note(unscheduled, label),
    )
    return lines


def read_shapes(feed: Feed) -> dict[str, tuple[LineString, float]]:
    """Each shape's line and its length in metres (WGS-84 ellipsoid).

    Parameters
    ----------
    feed
        The open feed (shapes.txt may be absent).

    Returns
    -------
    dict of str to (LineString, float)
        shape_id -> (line in degrees, length in metres); shapes of fewer than two distinct
        points are left out.

    Raises
    ------
    ReadError
        A coordinate or sequence is not a number.
    """
    shapes = feed.read("shapes.txt")
    if shapes.empty:
        return {}
    source = feed.source("shapes.txt")
    table = pd.DataFrame({"shape_id": shapes["shape_id"]})
    for axis, column in (
        ("lon", "shape_pt_lon"),
        ("lat", "shape_pt_lat"),
        ("seq", "shape_pt_sequence"),
    ):
        values = pd.to_numeric(shapes[column], errors="coerce")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise ReadError(
                f"{source}: row {row + 2} (shape {excerpt(shapes['shape_id'].iloc[row])}) has "
                f"{column} {excerpt(shapes[column].iloc[row])}, not a number"
            )
        table[axis] = values.to_numpy(dtype=float)
    table = table.sort_values(["shape_id", "seq"], kind="stable")
    out: dict[str, tuple[LineString, float]] = {}
    for shape_id, group in table.groupby("shape_id", sort=False):
        coords = list(zip(group["lon"], group["lat"], strict=True))
        if len(set(coords)) < 2:
            continue
        line = LineString(coords)
        out[str(shape_id)] = (line, float(_GEOD.geometry_length(line)))
    return out


def agency_names(feed: Feed, routes: pd.DataFrame) -> pd.Series:
    """Agency name of each route (index route_id); missing when the feed does not say.

    Parameters
    ----------
    feed
        The open feed (agency.txt may be absent).
    routes
        routes.txt as strings.

    Returns
    -------
    pandas.Series
        The agency's name, else its id, else the feed's only agency, else None.
    """
    agency = feed.read("agency.txt")
    ids = (
        routes["agency_id"] if "agency_id" in routes.columns else pd.Series("", index=routes.index)
    )
    names: dict[str, str] = {}
    if "agency_name" in agency.columns:
        agency_ids = agency["agency_id"] if "agency_id" in agency.columns else [""] * len(agency)
        names = {str(a): str(n) for a, n in zip(agency_ids, agency["agency_name"], strict=True)}
    single = next(iter(names.values())) if len(names) == 1 else None
    result = [names.get(a) or (single if a == "" else a or None) for a in ids]
    return pd.Series(result, index=routes["route_id"].to_numpy(), dtype=object)


def _main_pattern(patterns: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The most frequent stop pattern; the first seen among equally frequent ones."""
    counts = Counter(patterns)
    best = max(counts.values())
    return next(p for p in patterns if counts[p] == best)


def _service_summary(trips: list[Trip]) -> dict[str, float]:
    times = sorted(t for trip in trips for t in trip.departures)
    if not times:
        return {
            "first_departure_min": np.nan,
            "last_departure_min": np.nan,
            "span_min": np.nan,
            "headway_min": np.nan,
        }
    by_direction: dict[str, list[float]] = {}
    for trip in trips:
        by_direction.setdefault(trip.direction, []).extend(trip.departures)
    direction = min(by_direction, key=lambda d: (-len(by_direction[d]), d))
    gaps = np.diff(sorted(by_direction[direction]))
    return {
        "first_departure_min": times[0],
        "last_departure_min": times[-1],
        "span_min": times[-1] - times[0],
        "headway_min": float(np.median(gaps)) if len(gaps) else np.nan,
    }


def _route_geometry(
    shape_ids: list[str],
    shapes: dict[str, tuple[LineString, float]],
    main: tuple[str, ...],
    stops: dict[str, tuple[float, float]],
) -> tuple[LineString | None, str | None]:
    candidates = [shapes[s] for s in dict.fromkeys(shape_ids) if s and s in shapes]
    if candidates:
        return max(candidates, key=lambda item: item[1])[0], "shapes"
    coords: list[tuple[float, float]] = []
    for stop in main:
        point = stops[stop]
        if not coords or coords[-1] != point:
            coords.append(point)
    if len(coords) < 2:
        return None, None
    return LineString(coords), "stops"
