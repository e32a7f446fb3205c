"""The service calendar: which service_ids run on which dates, and a route's busiest day.

``calendar.txt`` gives weekly patterns over a date range, ``calendar_dates.txt`` adds and
removes single dates (it may come without ``calendar.txt``). A feed with neither file is read
as if every trip ran on one day, and says so (:func:`calendar_note`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from roadnet.errors import ReadError
from roadnet.formatting import format_count
from roadnet.io.gtfs.excerpts import cut, excerpt
from roadnet.io.gtfs.feed import Feed
from roadnet.io.gtfs.trips import Trip
from roadnet.quality import QualityNote

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Calendar:
    """Which service_ids run on which dates; ``dates`` is empty when the feed has no calendar.

    Attributes
    ----------
    dates
        Every date from the first to the last the calendar files name.
    active
        service_id -> whether it runs on each of ``dates`` (booleans).
    """

    dates: list[dt.date]
    active: dict[str, np.ndarray]

    @classmethod
    def read(cls, feed: Feed) -> Calendar:
        """Read calendar.txt and calendar_dates.txt (either may be absent).

        Parameters
        ----------
        feed
            The open feed.

        Returns
        -------
        Calendar
            The service days; no dates when the feed has neither file.

        Raises
        ------
        ReadError
            A date is not YYYYMMDD.
        """
        calendar = feed.read("calendar.txt")
        exceptions = feed.read("calendar_dates.txt")
        if calendar.empty and exceptions.empty:
            return cls([], {})
        cal_source = feed.source("calendar.txt")
        exc_source = feed.source("calendar_dates.txt")
        starts = _dates(calendar["start_date"], cal_source, "start_date")
        ends = _dates(calendar["end_date"], cal_source, "end_date")
        changed = _dates(exceptions["date"], exc_source, "date")
        known = [*starts, *ends, *changed]
        first, last = min(known), max(known)
        days = (last - first).days + 1
        dates = [first + dt.timedelta(days=i) for i in range(days)]
        weekday = np.array([d.weekday() for d in dates])
        active: dict[str, np.ndarray] = {}
        for i, row in enumerate(calendar.itertuples(index=False)):
            start, end = starts[i], ends[i]
            runs = np.array([getattr(row, day) == "1" for day in _WEEKDAYS])
            mask = runs[weekday]
            span = np.arange(days)
            mask &= (span >= (start - first).days) & (span <= (end - first).days)
            active[row.service_id] = active.get(row.service_id, np.zeros(days, bool)) | mask
        kinds = exceptions["exception_type"]
        for service, date, kind in zip(exceptions["service_id"], changed, kinds, strict=True):
            mask = active.setdefault(service, np.zeros(days, bool))
            if kind == "1":
                mask[(date - first).days] = True
            elif kind == "2":
                mask[(date - first).days] = False
        return cls(dates, active)


def _dates(values: pd.Series, source: str, column: str) -> list[dt.date]:
    out: list[dt.date] = []
    for row, value in enumerate(values):
        try:
            out.append(dt.datetime.strptime(value, "%Y%m%d").date())
        except ValueError as exc:
            raise ReadError(
                f"{source}: row {row + 2} has {column} {excerpt(value)}, not a date; write "
                "YYYYMMDD, e.g. 20240301"
            ) from exc
    return out


def busiest_day(trips: list[Trip], calendar: Calendar) -> tuple[list[Trip], set[str]]:
    """A route's trips on its busiest day, and the service_ids the calendar does not know.

    Parameters
    ----------
    trips
        The route's trips.
    calendar
        The feed's service days.

    Returns
    -------
    tuple of (list of Trip, set of str)
        The trips running on the date with most departures (the earliest of equally busy
        dates; every trip that departs when the feed has no calendar), and the trips'
        service_ids that neither calendar file names.
    """
    per_service: dict[str, int] = {}
    for trip in trips:
        per_service[trip.service] = per_service.get(trip.service, 0) + len(trip.departures)
    if not calendar.dates:  # no calendar at all: every trip is taken to run (and noted)
        return [trip for trip in trips if trip.departures], set()
    missing = {s for s in per_service if s not in calendar.active}
    counts = np.zeros(len(calendar.dates))
    for service, weight in per_service.items():
        if service in calendar.active:
            counts += weight * calendar.active[service]
    if counts.max() == 0:
        return [], missing
    day = int(np.argmax(counts))  # the earliest of equally busy dates
    running = {s for s in per_service if s in calendar.active and calendar.active[s][day]}
    return [trip for trip in trips if trip.service in running], missing


def calendar_note(calendar: Calendar, label: str, n_lines: int) -> QualityNote | None:
    """The note ``gtfs_calendar_missing`` when the feed has no calendar file at all.

    Parameters
    ----------
    calendar
        The feed's service days.
    label
        The feed, as messages name it.
    n_lines
        Bus lines read from the feed.

    Returns
    -------
    QualityNote or None
        None when the feed has a calendar or no line.
    """
    if calendar.dates or n_lines == 0:
        return None
    return QualityNote(
        "gtfs_calendar_missing",
        text_zh=(
            f"GTFS 数据（{cut(label, 60)}）既无 calendar.txt 也无 calendar_dates.txt：不知道"
            "各班次在哪天运行，按所有班次在同一天运行计（日班次和需配车辆可能偏多）"
        ),
        text_en=(
            f"the GTFS feed ({cut(label, 60)}) has neither calendar.txt nor "
            "calendar_dates.txt: which days its trips run is unknown, so every trip is counted "
            "as running on the same day (trips per day and vehicles may be too high)"
        ),
        layer="bus_lines",
        count=n_lines,
        rule="all_trips_run",
    )


def unscheduled_note(services: set[str], label: str) -> QualityNote | None:
    """The note ``gtfs_services_not_in_calendar`` for service_ids no calendar file names.

    Parameters
    ----------
    services
        The service_ids of trips that neither calendar file names.
    label
        The feed, as messages name it.

    Returns
    -------
    QualityNote or None
        None when every service_id is known.
    """
    if not services:
        return None
    ids = tuple(cut(s, 40) for s in sorted(services))
    return QualityNote(
        "gtfs_services_not_in_calendar",
        text_zh=(
            f"GTFS 数据（{cut(label, 60)}）中 {format_count(len(ids))} 个 service_id 既不在 "
            "calendar.txt 也不在 calendar_dates.txt 中，其班次按不运行计"
        ),
        text_en=(
            f"{format_count(len(ids))} service_id(s) of the GTFS feed ({cut(label, 60)}) are in "
            "neither calendar.txt nor calendar_dates.txt: their trips are counted as not running"
        ),
        layer="bus_lines",
        count=len(ids),
        rule="never_run",
        ids=ids,
    )
