"""Times for tracks recorded without them: handheld units and tracks drawn on a map.

A GPX track whose points carry no ``<time>`` still gives patrol mileage: its points are in
driving order, and the day is known from the planner (``--date``), from the track's or the
file's name (``蒙AJ6017-2023-07-04.gpx``, ``track_20230704.gpx``), or from a stated start
and sampling interval (``--start``/``--interval``). Two rules, applied to every track
segment in which no point has a time:

``date``
    The points are placed on the day in file order, one second apart from local midnight
    (skipping any second the vehicle already has a point at in the ledger, so nothing is
    lost to the ledger's one-point-per-vehicle-and-time rule). The times are placeholders:
    they give the day (months, ``--from``/``--to``) and the order, nothing else.
``interval``
    Point *k* is at ``start + k × interval``; the clock runs on through the segments and
    files in the order given.

Either way the ledger marks these points (``time_source`` = ``date`` or ``interval``) and
cleaning treats them as untimed: no speed-spike rejection and no trip split at time gaps
(speeds computed from made-up times would be fiction), one trip per track segment. Without
a date from any of these sources the import stops with the fix, never a silent zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from roadnet.errors import ConfigError, ReadError
from roadnet.plates import find_date

#: Values of the ledger's ``time_source``: recorded by the device, placed on a date, or
#: computed from ``--start``/``--interval``.
TIME_SOURCES = ("recorded", "date", "interval")
_NS = 1_000_000_000
_DAY_S = 86_400


@dataclass(frozen=True)
class TimeFill:
    """How to give times to track segments recorded without them.

    Attributes
    ----------
    date
        The local day of the segments (``--date``); None to look for a date in the track's
        and then the file's name.
    start
        Time of the first untimed point (``--start``; naive means local time); with
        ``interval_s``, takes precedence over any date.
    interval_s
        Seconds between consecutive points (``--interval``).
    """

    date: dt.date | None = None
    start: dt.datetime | None = None
    interval_s: float | None = None

    def __post_init__(self) -> None:
        if (self.start is None) != (self.interval_s is None):
            raise ConfigError(
                "give --start and --interval together (the time of the first point and the "
                "seconds between points), e.g. --start 2023-07-04T08:00 --interval 5"
            )
        if self.interval_s is not None and not self.interval_s > 0:
            raise ConfigError(f"--interval must be a positive number of seconds: {self.interval_s}")

    def advanced(self, points: int) -> TimeFill:
        """The fill for the next file: the clock moved on by ``points`` intervals."""
        if self.start is None or self.interval_s is None or points == 0:
            return self
        return replace(self, start=self.start + dt.timedelta(seconds=points * self.interval_s))


@dataclass(frozen=True)
class FilledTimes:
    """What :func:`fill_times` did with one file.

    Attributes
    ----------
    points
        Points given a time.
    rule
        ``date`` or ``interval``.
    dates
        The local days used (ISO text), in order.
    date_from
        Where the day came from: ``option``, ``track_name``, ``file_name`` or ``start``.
    """

    points: int
    rule: str
    dates: tuple[str, ...]
    date_from: str


def fill_times(
    frame: pd.DataFrame,
    *,
    path: Path,
    fill: TimeFill | None,
    tz: dt.tzinfo,
    groups: pd.Series,
    names: pd.Series | None = None,
) -> tuple[pd.DataFrame, FilledTimes | None]:
    """Give times to the segments of ``frame`` in which no point has one.

    Parameters
    ----------
    frame
        Points in file order with ``time`` (UTC, NaT when absent).
    path
        The file (its name may hold the date).
    fill
        The options; None behaves as ``TimeFill()`` (dates from names only).
    tz
        The county's zone: days and naive ``start`` times are local.
    groups
        The segment of each row (rows of one segment are filled together).
    names
        The track name of each row, searched for a date; None when there are none.

    Returns
    -------
    (pandas.DataFrame, FilledTimes or None)
        ``frame`` with a ``time_source`` column (``recorded`` for rows that had a time, or
        that lack one in a segment where others have one: those stay NaT and are
        rejected), and what was filled (None when nothing was).

    Raises
    ------
    ReadError
        A segment without times and no date from the options or the names.
    """
    fill = fill or TimeFill()
    frame = frame.copy()
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    source = np.full(len(frame), "recorded", dtype=object)
    key = groups.astype("string").fillna("").to_numpy()
    codes, uniques = pd.factorize(key)
    has_time = frame["time"].notna().to_numpy()
    timed = np.bincount(codes, weights=has_time, minlength=len(uniques)) > 0
    untimed_rows = ~timed[codes]
    if not untimed_rows.any():
        frame["time_source"] = source
        return frame, None
    times = frame["time"].to_numpy(dtype="datetime64[ns]").copy()
    if fill.start is not None and fill.interval_s is not None:
        first = _utc(fill.start, tz)
        offsets = np.arange(int(untimed_rows.sum())) * fill.interval_s
        times[untimed_rows] = (first + pd.to_timedelta(offsets, unit="s")).tz_convert(None)
        source[untimed_rows] = "interval"
        day = first.tz_convert(tz).date().isoformat()
        result = FilledTimes(int(untimed_rows.sum()), "interval", (day,), "start")
    else:
        days: list[str] = []
        origins: list[str] = []
        titles = names.astype(str).to_numpy() if names is not None else None
        for code in np.flatnonzero(~timed):
            rows = codes == code
            title = str(titles[rows][0]) if titles is not None else ""
            day, origin = _day(fill, title, path)
            if day is None:
                raise ReadError(_no_time_message(path, title, len(uniques) > 1))
            midnight = pd.Timestamp(dt.datetime.combine(day, dt.time(0), tzinfo=tz))
            times[rows] = midnight.tz_convert("UTC").tz_convert(None).to_datetime64()
            source[rows] = "date"
            days.append(day.isoformat())
            origins.append(origin)
        unique_days = tuple(dict.fromkeys(days))
        result = FilledTimes(
            int(untimed_rows.sum()), "date", unique_days, "+".join(dict.fromkeys(origins))
        )
    frame["time"] = pd.to_datetime(times).tz_localize("UTC")
    frame["time_source"] = source
    return frame, result


def place_on_day(taken_ns: np.ndarray, midnight_ns: int, n: int) -> np.ndarray:
    """The first ``n`` whole seconds from ``midnight_ns`` not in ``taken_ns`` (UTC ns).

    Placeholder times of a track placed on its day: in file order, one second apart, never
    on a second the vehicle already has a point at.
    """
    taken = np.unique(taken_ns[(taken_ns >= midnight_ns) & ((taken_ns - midnight_ns) % _NS == 0)])
    taken_s = (taken - midnight_ns) // _NS
    span = n + len(taken_s) + 1
    candidates = np.arange(span, dtype=np.int64)
    free = candidates[~np.isin(candidates, taken_s)][:n]
    return midnight_ns + free * _NS


def _day(fill: TimeFill, title: str, path: Path) -> tuple[dt.date | None, str]:
    if fill.date is not None:
        return fill.date, "option"
    found = find_date(title)
    if found is not None:
        return found, "track_name"
    found = find_date(path.stem)
    return found, "file_name"


def _utc(value: dt.datetime, tz: dt.tzinfo) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return (
        stamp.tz_localize(tz).tz_convert("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    )


def _no_time_message(path: Path, title: str, several: bool) -> str:
    which = f" (track {title[:40]!r})" if several and title else ""
    return (
        f"no timestamps in {path}{which}: give --date 2023-07-04 (or put the date in the file "
        "name, e.g. 蒙AJ6017-2023-07-04.gpx), or --start 2023-07-04T08:00 --interval 5 (the "
        "time of the first point and the seconds between points)"
    )
