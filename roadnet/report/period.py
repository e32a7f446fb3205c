"""The annual report's year, taken from the data (never silently from the calendar on the wall).

In order: the year given (``--year``); the latest year of the patrol ledger (the patrol
figures are filtered to it); the latest year of the road projects (their ``year`` field);
the year the bus timetable runs in (the GTFS feed's ``calendar.txt`` / ``calendar_dates.txt``:
the year with the most days of service). When none of them has a year, the year is not known:
the report says so and its files are named ``report-undated``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roadnet.manifest import Manifest

#: Where the report's year came from: zh, en (``AnnualReport.year_source``).
YEAR_SOURCES: dict[str, tuple[str, str]] = {
    "option": ("由 --year 指定", "given with --year"),
    "patrol": ("取自巡查台账中最近的年度", "the latest year of the patrol ledger"),
    "projects": ("取自项目的年度字段", "the latest year of the road projects"),
    "timetable": (
        "取自公交时刻表 GTFS calendar 中运营天数最多的年度",
        "the year the bus timetable runs most days in",
    ),
}
_CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
_MAX_CALENDAR_BYTES = 32 * 1024 * 1024
"""A calendar file larger than this (uncompressed) is not read for its dates."""


def project_year(projects: Any) -> int | None:
    """The latest ``year`` of a projects table, or None when it has none."""
    if projects is None or "year" not in getattr(projects, "columns", ()):
        return None
    import pandas as pd

    years = pd.to_numeric(projects["year"], errors="coerce").dropna()
    years = years[(years >= 1900) & (years <= 2999)]
    return int(years.max()) if len(years) else None


def timetable_year(manifest: Manifest) -> int | None:
    """The year the county's GTFS timetable runs in most days, or None.

    Parameters
    ----------
    manifest
        The county.toml; its ``[layers.bus_lines] gtfs`` feed (a zip or a folder) is read for
        ``calendar.txt`` (start_date, end_date) and ``calendar_dates.txt`` (dates added).

    Returns
    -------
    int or None
        The year with the most service days (the latest of equals); None without a GTFS feed,
        a calendar, or readable dates.
    """
    source = manifest.layers.get("bus_lines")
    feed = None if source is None else source.gtfs
    if feed is None:
        return None
    days: Counter[int] = Counter()
    for name, text in _calendar_texts(Path(feed)):
        rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        rows.fieldnames = [f.strip().lower() for f in rows.fieldnames or []]
        for row in rows:
            if name == "calendar.txt":
                start, end = _date(row.get("start_date")), _date(row.get("end_date"))
                if start is not None and end is not None and start <= end:
                    _count_days(days, start, end)
            elif (row.get("exception_type") or "").strip() == "1":
                added = _date(row.get("date"))
                if added is not None:
                    days[added.year] += 1
    if not days:
        return None
    return max(days, key=lambda year: (days[year], year))


def _count_days(days: Counter[int], start: dt.date, end: dt.date) -> None:
    year = start.year
    while year <= end.year:
        first = max(start, dt.date(year, 1, 1))
        last = min(end, dt.date(year, 12, 31))
        days[year] += (last - first).days + 1
        year += 1


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime((value or "").strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _calendar_texts(feed: Path) -> Iterator[tuple[str, str]]:
    """(file name, text) of the feed's calendar files that can be read safely."""
    if feed.is_dir():
        nested = (q for d in feed.iterdir() if d.is_dir() for q in d.iterdir())
        for path in [*feed.iterdir(), *nested]:
            name = path.name.lower()
            small = path.is_file() and path.stat().st_size <= _MAX_CALENDAR_BYTES
            if name in _CALENDAR_FILES and small:
                yield name, path.read_text(encoding="utf-8-sig", errors="replace")
        return
    try:
        with zipfile.ZipFile(feed) as archive:
            for info in archive.infolist():
                name = PurePosixPath(info.filename).name.lower()
                if name not in _CALENDAR_FILES or info.is_dir():
                    continue
                if info.file_size > _MAX_CALENDAR_BYTES:
                    continue
                with archive.open(info) as member:
                    data = member.read(_MAX_CALENDAR_BYTES + 1)
                if len(data) <= _MAX_CALENDAR_BYTES:
                    yield name, data.decode("utf-8-sig", errors="replace")
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return


def file_year(year: int | None) -> str:
    """The year part of the report's file names (``undated`` when the year is not known)."""
    return "undated" if year is None else str(year)
