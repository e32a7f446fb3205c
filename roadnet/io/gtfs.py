"""Bus stops and bus lines from a GTFS feed (a .zip or a folder).

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
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from pandas.api.types import union_categoricals
from shapely.geometry import LineString, Point

from roadnet.errors import LayerError, ReadError, RoadnetError
from roadnet.formatting import format_count
from roadnet.quality import DataQuality, QualityNote

log = logging.getLogger(__name__)

#: Longest excerpt of the input quoted in a message (characters).
EXCERPT_CHARS = 80


@dataclass(frozen=True)
class GtfsLimits:
    """What a feed may hold before it is refused (a zip bomb, a junk file).

    Attributes
    ----------
    max_ratio
        A zip member inflating more than this many times its compressed size ...
    ratio_applies_bytes
        ... to more than this many bytes is refused (GTFS text compresses 5-20 times).
    max_line_bytes
        A line longer than this (bytes) is refused: GTFS lines are short.
    block_bytes
        Bytes of whole lines parsed at a time (memory per chunk is a few times this).
    """

    max_ratio: float = 100.0
    ratio_applies_bytes: int = 50 * 1024 * 1024
    max_line_bytes: int = 64 * 1024
    block_bytes: int = 4 * 1024 * 1024


def _excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr`` of an input value, cut to at most ``limit`` characters."""
    text = str(value)
    if len(text) > limit - 3:
        text = text[: limit - 4] + "…"
    return repr(text)


def _cut(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Plain text cut to at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


REQUIRED_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
OPTIONAL_FILES = (
    "shapes.txt",
    "calendar.txt",
    "calendar_dates.txt",
    "agency.txt",
    "frequencies.txt",
)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "agency.txt": (),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(\d{1,3}):([0-5]?\d)(?::([0-5]?\d))?$")
_JUNK = re.compile(r"(^|/)(__MACOSX/|\._[^/]*$|\.DS_Store$|Thumbs\.db$)")

STOP_COLUMNS = ("id", "name", "geometry")
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
#: stop_times.txt columns read (the others are skipped while reading).
_STOP_TIME_COLUMNS = ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time")
_GEOD = pyproj.Geod(ellps="WGS84")


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
    with _Feed.open(Path(path), limits=limits or GtfsLimits()) as feed:
        stops_table = feed.read("stops.txt")
        routes = feed.read("routes.txt")
        trips = feed.read("trips.txt")
        stop_times = _read_stop_times(feed)
        _check_unique(stops_table, "stop_id", feed.source("stops.txt"))
        _check_unique(routes, "route_id", feed.source("routes.txt"))
        _check_unique(trips, "trip_id", feed.source("trips.txt"))

        _check_references(feed, stops_table, routes, trips, stop_times)
        stop_points = _stop_points(feed, stops_table, stop_times)
        stop_times = _ordered_stop_times(stop_times, trips)
        by_route = _trips_by_route(feed, stop_times, trips)
        calendar = _Calendar.read(feed)
        shapes = _read_shapes(feed)
        agencies = _agency_names(feed, routes)

    lines = _bus_lines(routes, by_route, stop_points, calendar, shapes, agencies, feed.label)
    if lines.empty:
        raise ReadError(
            f"{feed.label}: no route of the feed has a trip with stop times, so there is no "
            "bus line to read; check trips.txt and stop_times.txt"
        )
    located = stop_points[stop_points["keep"]]
    stops = gpd.GeoDataFrame(
        {"id": located.index.to_numpy(), "name": located["name"].to_numpy()},
        geometry=[Point(x, y) for x, y in zip(located["lon"], located["lat"], strict=True)],
        crs="EPSG:4326",
    )
    return stops, lines


# --------------------------------------------------------------------------- the feed's files


@dataclass
class _Feed:
    """The files of a feed, in a folder or a zip, by lower-case file name."""

    root: Path
    members: dict[str, str] = field(default_factory=dict)
    archive: zipfile.ZipFile | None = None
    limits: GtfsLimits = field(default_factory=GtfsLimits)

    @property
    def label(self) -> str:
        return str(self.root)

    def __enter__(self) -> _Feed:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def source(self, name: str) -> str:
        return f"{self.root}/{_cut(self.members.get(name, name))}"

    @classmethod
    def open(cls, root: Path, *, limits: GtfsLimits) -> _Feed:
        if root.is_dir():
            names = [
                p.relative_to(root).as_posix()
                for p in [
                    *root.iterdir(),
                    *(q for d in root.iterdir() if d.is_dir() for q in d.iterdir()),
                ]
                if p.is_file()
            ]
            feed = cls(root, limits=limits)
        elif root.is_file():
            if not zipfile.is_zipfile(root):
                if _starts_like_zip(root):
                    raise ReadError(
                        f"{root}: the zip file is truncated or corrupted (its directory is "
                        "missing); download the feed again"
                    )
                raise ReadError(
                    f"{root}: not a GTFS feed; give the feed's .zip file or the folder holding "
                    "stops.txt, routes.txt, trips.txt and stop_times.txt"
                )
            try:
                archive = zipfile.ZipFile(root)
                names = [info.filename for info in archive.infolist() if not info.is_dir()]
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise ReadError(
                    f"{root}: the zip file is corrupted ({_cut(str(exc))}); download the feed again"
                ) from exc
            feed = cls(root, archive=archive, limits=limits)
        else:
            raise ReadError(f"{root}: no such file or folder; check the path of the GTFS feed")
        try:
            feed.members = _locate_members(root, names)
            feed._check_sizes()
        except ReadError:
            feed.close()
            raise
        missing = [name for name in REQUIRED_FILES if name not in feed.members]
        if missing:
            feed.close()
            found = sorted(_cut(PurePosixPath(n).name, 40) for n in names if not _JUNK.search(n))
            shown = ", ".join(found[:20]) + (
                f" and {len(found) - 20} more" if len(found) > 20 else ""
            )
            raise ReadError(
                f"{root}: the GTFS feed has no {', '.join(missing)} (found: "
                f"{shown or 'no files'}); a feed needs {', '.join(REQUIRED_FILES)}"
            )
        return feed

    def _check_sizes(self) -> None:
        """Refuse a zip member that would inflate like a zip bomb, from the zip's directory."""
        if self.archive is None:
            return
        limits = self.limits
        for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
            if name not in self.members:
                continue
            info = self.archive.getinfo(self.members[name])
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_applies_bytes and ratio > limits.max_ratio:
                raise ReadError(
                    f"{self.source(name)}: would inflate from "
                    f"{format_count(info.compress_size)} to {format_count(info.file_size)} bytes "
                    f"({format_count(ratio)} times; GTFS text compresses 5-20 times): this looks "
                    "like a zip bomb, not a feed, and is not read. If the feed is genuine, unzip "
                    'it and give the folder (gtfs = "folder/" in county.toml)'
                )

    def _stream(self, name: str) -> IO[bytes]:
        """The member's bytes as a stream; a read error names the file."""
        try:
            if self.archive is not None:
                return self.archive.open(self.members[name])
            return (self.root / self.members[name]).open("rb")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            raise ReadError(
                f"{self.source(name)}: cannot be read from the feed ({_cut(str(exc))}); the zip "
                "is corrupted or encrypted: download the feed again"
            ) from exc

    def chunks(
        self, name: str, *, usecols: tuple[str, ...] | None = None
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        """The file's rows as strings, in chunks of about a block of bytes each.

        Yields (line number of the chunk's first row, chunk). Column names are cleaned
        (blanks, BOM, quotes); values are stripped; only ``usecols`` are kept when given.
        Required columns are checked on the header, before any row is read. Memory stays
        within a few blocks whatever the file holds.
        """
        columns = _COLUMNS[name]
        source = self.source(name)
        wanted = set(usecols) if usecols is not None else None
        with self._stream(name) as raw:
            try:
                blocks = _blocks(raw, self.limits.block_bytes, self.limits.max_line_bytes)
                header = next(blocks, None)
                if header is None or not header[1].strip(b"\xef\xbb\xbf \t\r\n"):
                    if name in REQUIRED_FILES:
                        raise ReadError(f"{source}: the file is empty; a GTFS feed needs its rows")
                    yield 2, pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
                    return
                head = header[1]
                names = [_clean_column(c) for c in _parse(head, None).columns]
                self._check_columns(name, names, columns)
                empty = True
                for line, block in blocks:
                    empty = False
                    yield line, _tidy(_parse(head + block, wanted))
                if empty:
                    yield 2, _tidy(_parse(head, wanted))
            except RoadnetError:
                raise
            except _LineTooLong as exc:
                what = "a quoted field from line" if exc.quoted else "line"
                raise ReadError(
                    f"{source}: {what} {format_count(exc.line)} runs on for more than "
                    f"{format_count(exc.limit)} bytes (it starts {_excerpt(exc.head)}); GTFS "
                    "lines are short: this is not a GTFS table (or a quote is not closed)"
                ) from None
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"{source}: is not UTF-8 text ({exc.reason}); GTFS files are UTF-8: re-save "
                    "the file as UTF-8"
                ) from None
            except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
                raise ReadError(
                    f"{source}: not a readable CSV table ({_cut(str(exc).strip())}); check "
                    "quoting and the number of commas on that line"
                ) from None
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
                raise ReadError(
                    f"{source}: cannot be read from the feed ({_cut(str(exc))}); the zip is "
                    "corrupted or encrypted: download the feed again"
                ) from None

    def _check_columns(self, name: str, found: list[str], required: tuple[str, ...]) -> None:
        source = self.source(name)
        absent = [c for c in required if c not in found]
        if absent:
            shown = ", ".join(_cut(c, 30) for c in found[:15])
            if len(found) > 15:
                shown += f" and {len(found) - 15} more"
            raise ReadError(
                f"{source}: has no column {', '.join(absent)} (its columns: {_cut(shown)}); "
                "add the column, GTFS requires it"
            )
        if name == "stop_times.txt" and not {"departure_time", "arrival_time"} & set(found):
            raise ReadError(
                f"{source}: has neither departure_time nor arrival_time; add departure_time"
            )

    def read(self, name: str) -> pd.DataFrame:
        """Read one file as strings; optional files that are absent give an empty table."""
        columns = _COLUMNS[name]
        if name not in self.members:
            return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        parts = [chunk for _, chunk in self.chunks(name)]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


class _LineTooLong(Exception):
    def __init__(self, line: int, limit: int, head: bytes, *, quoted: bool = False) -> None:
        super().__init__(limit)
        self.line = line
        self.limit = limit
        self.quoted = quoted
        self.head = head[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")


def _blocks(raw: IO[bytes], block_bytes: int, max_line: int) -> Iterator[tuple[int, bytes]]:
    """The header line, then blocks of whole rows of about ``block_bytes`` each.

    Yields (line number of the block's first line, bytes). A block ends at a newline
    outside quotes (a quoted field may hold a line break). A line longer than ``max_line``
    bytes, or a quoted field running on for several blocks, raises :class:`_LineTooLong`
    as soon as it is seen: memory stays within a few blocks.
    """
    buffer = b""
    while (cut := buffer.find(b"\n")) < 0:
        if len(buffer) > max_line:
            raise _LineTooLong(1, max_line, buffer)
        data = raw.read(max_line + 1)
        if not data:
            if buffer:
                yield 1, buffer + b"\n"
            return
        buffer += data
    yield 1, buffer[: cut + 1]
    carry = buffer[cut + 1 :]
    line = 2
    while True:
        data = raw.read(block_bytes)
        buffer = carry + data
        if not data:
            if buffer.strip():
                yield line, buffer
            return
        tail = len(buffer) - (buffer.rfind(b"\n") + 1)
        if tail > max_line:
            start = len(buffer) - tail
            raise _LineTooLong(line + buffer.count(b"\n"), max_line, buffer[start:])
        cut = _last_row_end(buffer)
        if cut < 0:
            if len(buffer) > 4 * block_bytes:
                raise _LineTooLong(line, 4 * block_bytes, buffer, quoted=True)
            carry = buffer
            continue
        yield line, buffer[: cut + 1]
        line += buffer.count(b"\n", 0, cut + 1)
        carry = buffer[cut + 1 :]


def _last_row_end(buffer: bytes) -> int:
    """Position of the last newline of ``buffer`` outside quotes; -1 if none.

    ``buffer`` starts outside quotes; a doubled quote inside a field keeps the parity.
    """
    cut = buffer.rfind(b"\n")
    if cut >= 0 and buffer.count(b'"', 0, cut) % 2:
        # the last quote before it opens a field still open there: end before that quote
        cut = buffer.rfind(b"\n", 0, buffer.rfind(b'"', 0, cut))
    return cut


def _tidy(chunk: pd.DataFrame) -> pd.DataFrame:
    """Clean column names (blanks, BOM, quotes), drop repeated ones, strip the values."""
    chunk.columns = [_clean_column(c) for c in chunk.columns]
    chunk = chunk.loc[:, ~chunk.columns.duplicated()]
    for column in chunk.columns:
        chunk[column] = _stripped(chunk[column])
    return chunk.reset_index(drop=True)


def _parse(data: bytes, wanted: set[str] | None) -> pd.DataFrame:
    """A block of CSV text (with its header line) as a table of strings."""
    return pd.read_csv(
        io.BytesIO(data),
        dtype=object,  # plain Python strings: hashing and isin stay fast
        keep_default_na=False,
        na_filter=False,
        skipinitialspace=True,
        encoding="utf-8-sig",
        usecols=(lambda c: _clean_column(c) in wanted) if wanted else None,
    )


def _clean_column(name: object) -> str:
    return str(name).strip().strip("\ufeff").strip('"').strip()


def _starts_like_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _stripped(values: pd.Series) -> pd.Series:
    """Values without surrounding blanks; each distinct value is stripped once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    clean = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return pd.Series(clean[codes], index=values.index, dtype=object)


def _locate_members(root: Path, names: list[str]) -> dict[str, str]:
    """Map each GTFS file name to its path inside the feed; the feed may sit in a sub-folder."""
    useful = [n for n in names if not _JUNK.search(n)]
    folders = sorted(
        {
            str(PurePosixPath(n).parent)
            for n in useful
            if PurePosixPath(n).name.lower() == "stops.txt"
        }
    )
    if len(folders) > 1:
        raise ReadError(
            f"{root}: holds several GTFS feeds (in "
            f"{', '.join(_cut(f, 40) + '/' for f in folders[:5])}"
            f"{' …' if len(folders) > 5 else ''}); give one of them"
        )
    folder = folders[0] if folders else "."
    members: dict[str, str] = {}
    for name in useful:
        pure = PurePosixPath(name)
        if str(pure.parent) == folder:
            members.setdefault(pure.name.lower(), name)
    return members


def _check_unique(frame: pd.DataFrame, column: str, source: str) -> None:
    duplicated = frame[column][frame[column].duplicated()]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise LayerError(
            f"{column} {_excerpt(first)} is listed {int((frame[column] == first).sum())} times "
            f"({duplicated.nunique()} duplicated id(s) in all); each id must be unique",
            feature=_cut(first, 40),
            field=column,
            source=source,
        )


def _check_references(
    feed: _Feed,
    stops: pd.DataFrame,
    routes: pd.DataFrame,
    trips: pd.DataFrame,
    stop_times: pd.DataFrame,
) -> None:
    unknown_stop = ~stop_times["stop_id"].isin(stops["stop_id"])
    if unknown_stop.any():
        bad = stop_times[unknown_stop]
        first = bad.iloc[0]
        raise LayerError(
            f"trip {_excerpt(first['trip_id'])} calls at stop_id {_excerpt(first['stop_id'])}, "
            f"which stops.txt does not list ({len(bad)} such row(s), "
            f"{bad['stop_id'].nunique()} unknown stop id(s)); add the stops to stops.txt or "
            "remove the rows",
            layer="bus_lines",
            feature=_cut(first["trip_id"], 40),
            field="stop_id",
            source=feed.source("stop_times.txt"),
        )
    unknown_trip = ~stop_times["trip_id"].isin(trips["trip_id"])
    if unknown_trip.any():
        first_trip = stop_times.loc[unknown_trip, "trip_id"].iloc[0]
        raise LayerError(
            f"trip_id {_excerpt(first_trip)} is not in trips.txt "
            f"({int(unknown_trip.sum())} row(s)); add the trip to trips.txt or remove its "
            "stop times",
            layer="bus_lines",
            feature=_cut(first_trip, 40),
            field="trip_id",
            source=feed.source("stop_times.txt"),
        )
    unknown_route = ~trips["route_id"].isin(routes["route_id"])
    if unknown_route.any():
        first_row = trips[unknown_route].iloc[0]
        raise LayerError(
            f"trip {_excerpt(first_row['trip_id'])} belongs to route_id "
            f"{_excerpt(first_row['route_id'])}, which routes.txt does not list "
            f"({int(unknown_route.sum())} trip(s)); add the route to routes.txt",
            layer="bus_lines",
            feature=_cut(first_row["trip_id"], 40),
            field="route_id",
            source=feed.source("trips.txt"),
        )


# --------------------------------------------------------------------------- stops


def _stop_points(feed: _Feed, stops: pd.DataFrame, stop_times: pd.DataFrame) -> pd.DataFrame:
    """Stops indexed by stop_id with name, lon, lat and ``keep`` (a stop of the layer)."""
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
                f"{_excerpt(stops['stop_id'].iloc[row])}) has {column} "
                f"{_excerpt(stops[column].iloc[row])}, "
                f"not a number between -{limit:g} and {limit:g} ({int(bad.sum())} such "
                "row(s)); give decimal degrees (WGS-84)"
            )
        table[axis] = values
    return table


# --------------------------------------------------------------------------- trips


@dataclass(frozen=True)
class _Trip:
    """What one trip contributes to its line."""

    trip_id: str
    service: str
    direction: str
    shape: str
    pattern: tuple[str, ...]
    departures: tuple[float, ...]  # minutes after midnight; several with frequencies.txt
    duration: float = math.nan  # minutes from the first to the last time along the trip
    direction_id: str = ""  # as the feed gives it ("" when it does not)


def _read_stop_times(feed: _Feed) -> pd.DataFrame:
    """stop_times.txt read chunk by chunk in the columns needed, each chunk parsed as it comes.

    Returns ``trip_id``, ``stop_id`` (strings), ``sequence``, ``start`` (departure, else
    arrival: minutes) and ``end`` (arrival, else departure: minutes); NaN where blank.
    """
    source = feed.source("stop_times.txt")
    parts = []
    for line, chunk in feed.chunks("stop_times.txt", usecols=_STOP_TIME_COLUMNS):
        sequence = _by_unique(chunk["stop_sequence"], _number)
        bad = np.isnan(sequence)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ReadError(
                f"{source}: row {line + row} (trip {_excerpt(chunk['trip_id'].iloc[row])}) has "
                f"stop_sequence {_excerpt(chunk['stop_sequence'].iloc[row])}, not a number; "
                "give whole numbers increasing along the trip"
            )
        departure = _times(chunk, "departure_time", source, line)
        arrival = _times(chunk, "arrival_time", source, line)
        parts.append(
            {
                # categorical: a few bytes a row, whatever the ids
                "trip_id": pd.Categorical(chunk["trip_id"].to_numpy(dtype=object)),
                "stop_id": pd.Categorical(chunk["stop_id"].to_numpy(dtype=object)),
                "sequence": sequence,
                "start": np.where(np.isnan(departure), arrival, departure),
                "end": np.where(np.isnan(arrival), departure, arrival),
            }
        )
        del chunk
    columns: dict[str, Any] = {}
    for column in list(parts[0]):  # one column at a time, freeing the parts' copies
        pieces = [part.pop(column) for part in parts]
        if column in ("trip_id", "stop_id"):
            columns[column] = union_categoricals(pieces) if len(pieces) > 1 else pieces[0]
        else:
            columns[column] = np.concatenate(pieces)
        del pieces
    return pd.DataFrame(columns, copy=False)


def _ordered_stop_times(stop_times: pd.DataFrame, trips: pd.DataFrame) -> pd.DataFrame:
    """Stop times sorted by trip (trips.txt order) and sequence."""
    order = pd.Series(np.arange(len(trips)), index=trips["trip_id"].to_numpy())
    trip_ids = stop_times["trip_id"].astype("category").array
    by_category = order.reindex(trip_ids.categories.astype(object)).to_numpy(dtype=float)
    trip_order = np.where(trip_ids.codes >= 0, by_category[trip_ids.codes], np.nan)
    table = stop_times.assign(trip_order=trip_order)
    table = table.sort_values(["trip_order", "sequence"], kind="stable").reset_index(drop=True)
    return table.rename(columns={"start": "time"})


def _times(frame: pd.DataFrame, column: str, source: str, first_line: int = 2) -> np.ndarray:
    """Minutes after midnight from ``H:MM:SS`` (hours may pass 24); NaN where blank."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return _parse_times(frame[column], source, column, frame.get("trip_id"), first_line)


def _parse_times(
    values: pd.Series,
    source: str,
    column: str,
    trips: pd.Series | None,
    first_line: int = 2,
) -> np.ndarray:
    minutes = _by_unique(values, _minutes)
    bad = np.isinf(minutes)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        where = f"row {first_line + row}" + (
            f" (trip {_excerpt(trips.iloc[row])})" if trips is not None else ""
        )
        raise ReadError(
            f"{source}: {where} has {column} {_excerpt(values.iloc[row])}, not a time; write "
            f"H:MM:SS, e.g. 07:05:00, or 25:10:00 for 1:10 after midnight ({int(bad.sum())} "
            "such row(s))"
        )
    return minutes


def _by_unique(values: pd.Series, parse: Callable[[str], float]) -> np.ndarray:
    """Apply ``parse`` to each distinct value once (a feed repeats its times and sequences)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    parsed = np.array([parse(str(u)) for u in uniques] + [np.nan], dtype=float)
    return parsed[codes]  # code -1 (missing) takes the trailing NaN


def _minutes(text: str) -> float:
    """Minutes after midnight; NaN when blank, inf when not a time."""
    if text == "":
        return math.nan
    match = _TIME.match(text)
    if match is None:
        return math.inf
    hours, minutes, seconds = match.groups()
    return int(hours) * 60.0 + int(minutes) + int(seconds or 0) / 60.0


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _trips_by_route(
    feed: _Feed, stop_times: pd.DataFrame, trips: pd.DataFrame
) -> dict[str, list[_Trip]]:
    """Each route's trips that have stop times, in trips.txt order."""
    trip_cat = stop_times["trip_id"].astype("category").array
    stop_cat = stop_times["stop_id"].astype("category").array
    trip_codes = trip_cat.codes
    trip_names = trip_cat.categories.to_numpy(dtype=object)
    stop_names = stop_cat.categories.to_numpy(dtype=object)
    # stop_times is sorted by trip: each trip is one run of rows
    starts = np.flatnonzero(np.r_[True, trip_codes[1:] != trip_codes[:-1]])[: len(trip_codes)]
    ends = np.r_[starts[1:], len(trip_codes)][: len(starts)]
    patterns = {
        trip_names[trip_codes[a]]: tuple(stop_names[stop_cat.codes[a:b]])
        for a, b in zip(starts, ends, strict=True)
    }
    # the first time given along the trip, and the last
    grouped = stop_times.groupby("trip_id", sort=False, observed=True)
    first_times = grouped["time"].first().to_dict()
    last_times = grouped["end"].last().to_dict()
    repeated = _frequencies(feed)
    blank = [""] * len(trips)
    by_route: dict[str, list[_Trip]] = {}
    for trip_id, route, service, direction, shape in zip(
        trips["trip_id"],
        trips["route_id"],
        trips["service_id"],
        trips["direction_id"] if "direction_id" in trips.columns else blank,
        trips["shape_id"] if "shape_id" in trips.columns else blank,
        strict=True,
    ):
        pattern = patterns.get(trip_id)
        if pattern is None:
            continue  # a trip without stop times does not run
        first = first_times[trip_id]
        departures = repeated.get(trip_id) or ((first,) if not np.isnan(first) else ())
        by_route.setdefault(route, []).append(
            _Trip(
                trip_id=trip_id,
                service=service,
                # without a direction_id, trips leaving from the same stop go the same way
                direction=direction or f"from {pattern[0]}",
                shape=shape,
                pattern=pattern,
                departures=tuple(departures),
                duration=float(last_times.get(trip_id, math.nan)) - float(first),
                direction_id=direction,
            )
        )
    return by_route


def _frequencies(feed: _Feed) -> dict[str, tuple[float, ...]]:
    """Departures of the trips frequencies.txt repeats (the trip's own time is a template)."""
    frequencies = feed.read("frequencies.txt")
    if frequencies.empty:
        return {}
    source = feed.source("frequencies.txt")
    start = _parse_times(frequencies["start_time"], source, "start_time", frequencies["trip_id"])
    end = _parse_times(frequencies["end_time"], source, "end_time", frequencies["trip_id"])
    headway = pd.to_numeric(frequencies["headway_secs"], errors="coerce").to_numpy(dtype=float)
    bad = ~(headway > 0) | np.isnan(start) | np.isnan(end)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ReadError(
            f"{source}: row {row + 2} (trip {_excerpt(frequencies['trip_id'].iloc[row])}) needs "
            "start_time, end_time and a headway_secs above 0"
        )
    expanded: dict[str, list[float]] = {}
    for trip, a, b, h in zip(frequencies["trip_id"], start, end, headway / 60.0, strict=True):
        expanded.setdefault(trip, []).extend(np.arange(a, b, h).tolist())
    return {trip: tuple(sorted(times)) for trip, times in expanded.items()}


# --------------------------------------------------------------------------- service days


@dataclass
class _Calendar:
    """Which service_ids run on which dates; ``dates`` is empty when the feed has no calendar."""

    dates: list[dt.date]
    active: dict[str, np.ndarray]

    @classmethod
    def read(cls, feed: _Feed) -> _Calendar:
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
                f"{source}: row {row + 2} has {column} {_excerpt(value)}, not a date; write "
                "YYYYMMDD, e.g. 20240301"
            ) from exc
    return out


# --------------------------------------------------------------------------- shapes and agencies


def _read_shapes(feed: _Feed) -> dict[str, tuple[LineString, float]]:
    """Each shape's line and its length in metres (WGS-84 ellipsoid)."""
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
                f"{source}: row {row + 2} (shape {_excerpt(shapes['shape_id'].iloc[row])}) has "
                f"{column} {_excerpt(shapes[column].iloc[row])}, not a number"
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


def _agency_names(feed: _Feed, routes: pd.DataFrame) -> pd.Series:
    """Agency name of each route (index route_id); missing when the feed does not say."""
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


# --------------------------------------------------------------------------- lines


def _bus_lines(
    routes: pd.DataFrame,
    trips: dict[str, list[_Trip]],
    stops: pd.DataFrame,
    calendar: _Calendar,
    shapes: dict[str, tuple[LineString, float]],
    agencies: pd.Series,
    label: str,
) -> gpd.GeoDataFrame:
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

        day_trips, missing_services = _busiest_day(mine, calendar)
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
                f"{label}/stop_times.txt: route '{_cut(route_id)}' ({_cut(short or long_name)}) "
                f"calls at one place only ({_cut(', '.join(seen))}) in every trip, and has no "
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
        _calendar_note(calendar, label, len(rows)),
        _unscheduled_note(unscheduled, label),
    )
    return lines


def _calendar_note(calendar: _Calendar, label: str, n_lines: int) -> QualityNote | None:
    if calendar.dates or n_lines == 0:
        return None
    return QualityNote(
        "gtfs_calendar_missing",
        text_zh=(
            f"GTFS 数据（{_cut(label, 60)}）既无 calendar.txt 也无 calendar_dates.txt：不知道"
            "各班次在哪天运行，按所有班次在同一天运行计（日班次和需配车辆可能偏多）"
        ),
        text_en=(
            f"the GTFS feed ({_cut(label, 60)}) has neither calendar.txt nor "
            "calendar_dates.txt: which days its trips run is unknown, so every trip is counted "
            "as running on the same day (trips per day and vehicles may be too high)"
        ),
        layer="bus_lines",
        count=n_lines,
        rule="all_trips_run",
    )


def _unscheduled_note(services: set[str], label: str) -> QualityNote | None:
    if not services:
        return None
    ids = tuple(_cut(s, 40) for s in sorted(services))
    return QualityNote(
        "gtfs_services_not_in_calendar",
        text_zh=(
            f"GTFS 数据（{_cut(label, 60)}）中 {format_count(len(ids))} 个 service_id 既不在 "
            "calendar.txt 也不在 calendar_dates.txt 中，其班次按不运行计"
        ),
        text_en=(
            f"{format_count(len(ids))} service_id(s) of the GTFS feed ({_cut(label, 60)}) are in "
            "neither calendar.txt nor calendar_dates.txt: their trips are counted as not running"
        ),
        layer="bus_lines",
        count=len(ids),
        rule="never_run",
        ids=ids,
    )


def _main_pattern(patterns: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The most frequent stop pattern; the first seen among equally frequent ones."""
    counts = Counter(patterns)
    best = max(counts.values())
    return next(p for p in patterns if counts[p] == best)


def _busiest_day(trips: list[_Trip], calendar: _Calendar) -> tuple[list[_Trip], set[str]]:
    """A route's trips on its busiest day, and the service_ids the calendar does not know."""
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


def _service_summary(trips: list[_Trip]) -> dict[str, float]:
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
