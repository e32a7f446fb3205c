"""The files of a GTFS feed, in a zip or a folder, read in bounded chunks of rows.

Feeds found in the wild are tolerated: a UTF-8 byte-order mark, CRLF line ends, quoted
fields, extra columns, the feed inside one sub-folder of the zip, macOS debris
(``__MACOSX/``, ``._*``, ``.DS_Store``).

Hostile files are refused before they cost memory: a zip member that inflates more than
:attr:`GtfsLimits.max_ratio` times to more than :attr:`GtfsLimits.ratio_applies_bytes`
(a zip bomb) is refused from the zip's directory, before anything is inflated; files are read
in chunks of rows, each chunk checked as it comes (a junk file fails at its first chunk), and
a line longer than :attr:`GtfsLimits.max_line_bytes` is refused.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import pandas as pd

from roadnet.errors import ReadError, RoadnetError
from roadnet.formatting import format_count
from roadnet.io.gtfs.blocks import LineTooLong, clean_column, parse_csv, read_blocks, tidy
from roadnet.io.gtfs.excerpts import cut, excerpt


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


REQUIRED_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
#: The files read, required ones first, with the columns each must have.
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
_JUNK = re.compile(r"(^|/)(__MACOSX/|\._[^/]*$|\.DS_Store$|Thumbs\.db$)")
#: What opening or inflating a member of a damaged or encrypted zip raises.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError)


@dataclass
class Feed:
    """The files of a feed, in a folder or a zip, by lower-case file name.

    Open it with :meth:`Feed.open` as a context manager (the zip is closed on exit).

    Attributes
    ----------
    root
        The feed's path (a .zip or a folder).
    members
        GTFS file name (lower case) -> its path inside the feed.
    archive
        The open zip; None for a folder.
    limits
        What a member may hold before it is refused.
    """

    root: Path
    members: dict[str, str] = field(default_factory=dict)
    archive: zipfile.ZipFile | None = None
    limits: GtfsLimits = field(default_factory=GtfsLimits)

    @property
    def label(self) -> str:
        """The feed's path, as messages name it."""
        return str(self.root)

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the zip (nothing to do for a folder)."""
        if self.archive is not None:
            self.archive.close()

    def source(self, name: str) -> str:
        """Where a file of the feed is, as messages name it (``feed.zip/sub/stops.txt``)."""
        return f"{self.root}/{cut(self.members.get(name, name))}"

    @classmethod
    def open(cls, root: Path, *, limits: GtfsLimits) -> Feed:
        """Open a feed: find its files and refuse a zip bomb from the zip's directory.

        Parameters
        ----------
        root
            A .zip (the files at its root or inside one sub-folder) or a folder.
        limits
            What a member may hold before it is refused.

        Returns
        -------
        Feed
            The open feed; close it (or use it in a ``with`` block).

        Raises
        ------
        ReadError
            The path is not a zip or folder, the zip is corrupted, a member would inflate
            beyond the limits, the path holds several feeds, or a required file is missing.
        """
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
                    f"{root}: the zip file is corrupted ({cut(str(exc))}); download the feed again"
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
            found = sorted(cut(PurePosixPath(n).name, 40) for n in names if not _JUNK.search(n))
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
        for name in _COLUMNS:
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
        except _UNREADABLE as exc:
            raise _unreadable(self.source(name), exc) from exc

    def chunks(
        self, name: str, *, usecols: tuple[str, ...] | None = None
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        """The file's rows as strings, in chunks of about a block of bytes each.

        Column names are cleaned (blanks, BOM, quotes); values are stripped. Required columns
        are checked on the header, before any row is read. Memory stays within a few blocks
        whatever the file holds.

        Parameters
        ----------
        name
            The GTFS file (``"stop_times.txt"``); it must be in the feed.
        usecols
            Only these columns are kept (the others are skipped while reading); None keeps all.

        Yields
        ------
        tuple of (int, pandas.DataFrame)
            Line number of the chunk's first row, and the chunk.

        Raises
        ------
        ReadError
            A required file is empty, a column is missing, a line is too long, or the file is
            not UTF-8 CSV text or cannot be read from the zip.
        """
        columns = _COLUMNS[name]
        source = self.source(name)
        wanted = set(usecols) if usecols is not None else None
        with self._stream(name) as raw:
            try:
                blocks = read_blocks(raw, self.limits.block_bytes, self.limits.max_line_bytes)
                header = next(blocks, None)
                if header is None or not header[1].strip(b"\xef\xbb\xbf \t\r\n"):
                    if name in REQUIRED_FILES:
                        raise ReadError(f"{source}: the file is empty; a GTFS feed needs its rows")
                    yield 2, pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
                    return
                head = header[1]
                names = [clean_column(c) for c in parse_csv(head, None).columns]
                self._check_columns(name, names, columns)
                empty = True
                for line, block in blocks:
                    empty = False
                    yield line, tidy(parse_csv(head + block, wanted))
                if empty:
                    yield 2, tidy(parse_csv(head, wanted))
            except RoadnetError:
                raise
            except LineTooLong as exc:
                what = "a quoted field from line" if exc.quoted else "line"
                raise ReadError(
                    f"{source}: {what} {format_count(exc.line)} runs on for more than "
                    f"{format_count(exc.limit)} bytes (it starts {excerpt(exc.head)}); GTFS "
                    "lines are short: this is not a GTFS table (or a quote is not closed)"
                ) from None
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"{source}: is not UTF-8 text ({exc.reason}); GTFS files are UTF-8: re-save "
                    "the file as UTF-8"
                ) from None
            except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
                raise ReadError(
                    f"{source}: not a readable CSV table ({cut(str(exc).strip())}); check "
                    "quoting and the number of commas on that line"
                ) from None
            except _UNREADABLE as exc:
                raise _unreadable(source, exc) from None

    def _check_columns(self, name: str, found: list[str], required: tuple[str, ...]) -> None:
        source = self.source(name)
        absent = [c for c in required if c not in found]
        if absent:
            shown = ", ".join(cut(c, 30) for c in found[:15])
            if len(found) > 15:
                shown += f" and {len(found) - 15} more"
            raise ReadError(
                f"{source}: has no column {', '.join(absent)} (its columns: {cut(shown)}); "
                "add the column, GTFS requires it"
            )
        if name == "stop_times.txt" and not {"departure_time", "arrival_time"} & set(found):
            raise ReadError(
                f"{source}: has neither departure_time nor arrival_time; add departure_time"
            )

    def read(self, name: str) -> pd.DataFrame:
        """Read one file as strings; optional files that are absent give an empty table.

        Parameters
        ----------
        name
            The GTFS file (``"trips.txt"``).

        Returns
        -------
        pandas.DataFrame
            All its rows and columns, as stripped strings.
        """
        columns = _COLUMNS[name]
        if name not in self.members:
            return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        parts = [chunk for _, chunk in self.chunks(name)]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _unreadable(source: str, exc: BaseException) -> ReadError:
    """The error of a member the zip cannot give (damaged or encrypted)."""
    return ReadError(
        f"{source}: cannot be read from the feed ({cut(str(exc))}); the zip is corrupted or "
        "encrypted: download the feed again"
    )


def _starts_like_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


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
            f"{', '.join(cut(f, 40) + '/' for f in folders[:5])}"
            f"{' …' if len(folders) > 5 else ''}); give one of them"
        )
    folder = folders[0] if folders else "."
    members: dict[str, str] = {}
    for name in useful:
        pure = PurePosixPath(name)
        if str(pure.parent) == folder:
            members.setdefault(pure.name.lower(), name)
    return members
