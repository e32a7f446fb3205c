"""The patrol ledger: every GPS point and event ever imported, in one GeoPackage.

The ledger (``patrol-ledger.gpkg`` beside county.toml by default) is a valid GeoPackage
1.3 that QGIS opens as it is: ``points`` and ``events`` are point layers in WGS-84 (EPSG:4326)
and ``files`` an attribute table. It is written with the standard library's ``sqlite3``
(GeoPackage geometries are a small header plus WKB), so every import is one SQLite
transaction:

- ``points`` (vehicle, time, lon, lat, speed_kmh, trip, staff, source_file, time_source)
  is unique on (vehicle, time); rows are added with ``INSERT OR IGNORE``, so the same point
  imported twice, from the same file or from an overlapping export, is stored once.
  ``time_source`` is ``recorded``, or ``date``/``interval`` for points recorded without a
  time (:mod:`roadnet.patrol.timefill`); a ``date`` track already in the ledger with the same
  vehicle, day and positions is a duplicate (ledgers written before this column get it,
  ``recorded``, at their next import);
- ``files`` registers each imported file by its SHA-256: importing the same file again
  reads nothing and reports its points as duplicates;
- ``events`` (time, kind, vehicle, note, count, lon, lat) is unique on
  (time, vehicle, kind, lon, lat);
- an import either commits entirely or leaves the ledger as it was (an error, a Ctrl-C or
  a crash mid-import rolls back); a new ledger is built in a temporary file and renamed;
- imports write one at a time: each holds the ledger's lock (:mod:`roadnet.io.lock`, a
  sidecar ``.<ledger name>.lock``) from the moment it looks at what the ledger holds until it
  has committed, so two imports started together into a ledger that does not exist yet
  create it once and both keep their points; a file the other one has just imported counts
  as already imported. Temporary files left by a killed import are removed by the next;
- ``roadnet_matches`` (not a GeoPackage layer) caches matched trips for reports.

Times are stored as GeoPackage DATETIME text, UTC (``2023-06-01T00:00:05.000Z``);
coordinates as WGS-84 degrees rounded to 1e-7° (1 cm).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from roadnet.errors import ReadError
from roadnet.formatting import format_count
from roadnet.io.atomic import atomic_path
from roadnet.io.lock import exclusive_lock, remove_stale_temporaries
from roadnet.patrol.events import (
    EventFile,
    drop_repeated_events,
    looks_like_events,
    read_event_file,
    same_place,
    table_columns,
)
from roadnet.patrol.notes import import_notes
from roadnet.patrol.terminal import (
    REJECT_REASONS,
    TABLE_SUFFIXES,
    TrackFile,
    read_track_file,
)
from roadnet.patrol.timefill import TimeFill, place_on_day
from roadnet.quality import DataQuality
from roadnet.timeparse import CHINA_STANDARD_TIME

LEDGER_NAME = "patrol-ledger.gpkg"
SCHEMA_VERSION = "1"
_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10300  # GeoPackage 1.3
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)
_DIGITS = 7
_CHUNK = 1 << 20

ProgressCallback = Callable[[int, int], None]

_SCHEMA = f"""
CREATE TABLE gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
    table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
    ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian'),
    ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic'),
    ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{_WGS84_WKT}', 'longitude/latitude WGS 84');
CREATE TABLE points (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, vehicle TEXT NOT NULL,
    time DATETIME NOT NULL, lon DOUBLE NOT NULL, lat DOUBLE NOT NULL, speed_kmh DOUBLE,
    trip TEXT, staff TEXT, source_file TEXT, time_source TEXT NOT NULL DEFAULT 'recorded',
    CONSTRAINT uk_points UNIQUE (vehicle, time));
CREATE INDEX points_time ON points (time);
CREATE TABLE events (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, time DATETIME NOT NULL,
    kind TEXT NOT NULL, vehicle TEXT NOT NULL DEFAULT '', note TEXT, count INTEGER NOT NULL,
    lon DOUBLE NOT NULL, lat DOUBLE NOT NULL, source_file TEXT,
    CONSTRAINT uk_events UNIQUE (time, vehicle, kind, lon, lat));
CREATE TABLE files (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, sha256 TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    kind TEXT NOT NULL, imported_at DATETIME NOT NULL, rows_read INTEGER NOT NULL,
    added INTEGER NOT NULL, duplicate INTEGER NOT NULL, rejected INTEGER NOT NULL,
    rejected_by_reason TEXT);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
    ('points', 'features', 'patrol points', 'patrol GPS points (巡查轨迹点), UTC times', 4326),
    ('events', 'features', 'patrol events', 'patrol events (巡查事件)', 4326),
    ('files', 'attributes', 'imported files', 'files imported into the ledger', 0);
INSERT INTO gpkg_geometry_columns VALUES
    ('points', 'geom', 'POINT', 4326, 0, 0), ('events', 'geom', 'POINT', 4326, 0, 0);
CREATE TABLE roadnet_ledger (key TEXT PRIMARY KEY, value TEXT);
INSERT INTO roadnet_ledger VALUES ('schema', '{SCHEMA_VERSION}');
CREATE TABLE roadnet_matches (
    key TEXT PRIMARY KEY, config TEXT NOT NULL, created_at DATETIME NOT NULL, data BLOB);
"""


@dataclass(frozen=True)
class FileImport:
    """What one import did with one file.

    ``status`` is ``imported`` or ``already imported`` (same SHA-256 as a file in the
    ledger: nothing read, its points counted as duplicates). ``kind`` is ``tracks`` or
    ``events``. ``times_filled`` points had no time and were given one by the rule
    ``time_rule`` (``date`` or ``interval``) on the days ``dates``, the day coming from
    ``date_from`` (``option``, ``track_name``, ``file_name``, ``start``); ``vehicles_named``
    lists, for a GPX read without ``--vehicle``, each vehicle and where it was found.
    """

    name: str
    sha256: str
    kind: str
    status: str
    read: int
    added: int
    duplicate: int
    rejected: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    times_filled: int = 0
    time_rule: str = ""
    dates: tuple[str, ...] = ()
    date_from: str = ""
    vehicles_named: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        out: dict[str, Any] = {
            "name": self.name,
            "sha256": self.sha256,
            "kind": self.kind,
            "status": self.status,
            "read": self.read,
            "added": self.added,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason),
        }
        if self.times_filled:
            out["times_filled"] = self.times_filled
            out["time_rule"] = self.time_rule
            out["dates"] = list(self.dates)
            out["date_from"] = self.date_from
        if self.vehicles_named:
            out["vehicles_named"] = [{"vehicle": v, "from": f} for v, f in self.vehicles_named]
        return out


@dataclass(frozen=True)
class ImportResult:
    """The outcome of one import (DESIGN.md keys in :meth:`to_json`).

    ``notes`` are remarks on reading (encodings ...); ``housekeeping`` says what the import
    tidied (temporary files of a killed import removed); :attr:`quality` what the data
    could not tell.
    """

    ledger: Path
    files: tuple[FileImport, ...]
    notes: tuple[str, ...] = ()
    housekeeping: tuple[str, ...] = ()

    def _sum(self, kind: str, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files if f.kind == kind)

    @property
    def points_read(self) -> int:
        """GPS points read (rows of the track files)."""
        return self._sum("tracks", "read")

    @property
    def points_added(self) -> int:
        """Points new to the ledger."""
        return self._sum("tracks", "added")

    @property
    def points_duplicate(self) -> int:
        """Points already in the ledger (same vehicle and time), or repeated in the input."""
        return self._sum("tracks", "duplicate")

    @property
    def points_rejected(self) -> int:
        """Rows without a usable fix (no time, no position, (0, 0), out of range)."""
        return self._sum("tracks", "rejected")

    def rejected_by_reason(self) -> dict[str, int]:
        """Reason → points rejected, over the track files (every reason, zeros included)."""
        reasons = dict.fromkeys(REJECT_REASONS, 0)
        for f in self.files:
            if f.kind == "tracks":
                for key, value in f.rejected_by_reason.items():
                    reasons[key] = reasons.get(key, 0) + value
        return reasons

    def headline(self, *, lang: str = "zh") -> str:
        """What the import did, in one or two sentences (``zh`` or ``en``)."""
        n = format_count
        files = len(self.files)
        if lang == "en":
            text = (
                f"{n(files)} file(s) into {self.ledger}: {n(self.points_read)} points read, "
                f"{n(self.points_added)} added, {n(self.points_duplicate)} already in the "
                f"ledger, {n(self.points_rejected)} rejected."
            )
        else:
            text = (
                f"导入 {n(files)} 个文件到 {self.ledger}：读取轨迹点 {n(self.points_read)} 个，"
                f"新增 {n(self.points_added)} 个，台账中已有 {n(self.points_duplicate)} 个，"
                f"剔除 {n(self.points_rejected)} 个。"
            )
        events_read = self._sum("events", "read")
        if events_read:
            added, duplicate = self._sum("events", "added"), self._sum("events", "duplicate")
            if lang == "en":
                text += (
                    f" Events: {n(events_read)} read, {n(added)} added, {n(duplicate)} "
                    "already in the ledger."
                )
            else:
                text += (
                    f"事件：读取 {n(events_read)} 条，新增 {n(added)} 条，已有 {n(duplicate)} 条。"
                )
        return text

    @property
    def quality(self) -> DataQuality:
        """What the files could not tell: times given, points rejected, vehicles from names."""
        return import_notes(self)

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md keys, the same counts for events, and per file.

        ``files``, ``points_read``, ``points_added``, ``points_duplicate``,
        ``points_rejected``, ``rejected_by_reason``, ``events_*``, ``file_details``,
        ``notes``, ``data_quality``.
        """
        return {
            "ledger": str(self.ledger),
            "files": len(self.files),
            "points_read": self.points_read,
            "points_added": self.points_added,
            "points_duplicate": self.points_duplicate,
            "points_rejected": self.points_rejected,
            "rejected_by_reason": self.rejected_by_reason(),
            "events_read": self._sum("events", "read"),
            "events_added": self._sum("events", "added"),
            "events_duplicate": self._sum("events", "duplicate"),
            "events_rejected": self._sum("events", "rejected"),
            "file_details": [f.to_json() for f in self.files],
            "notes": [*self.notes, *self.housekeeping],
            "data_quality": self.quality.to_json(),
        }


def default_ledger(root: str | Path) -> Path:
    """The default ledger of a county: ``patrol-ledger.gpkg`` in the folder of county.toml."""
    return Path(root) / LEDGER_NAME


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def import_files(
    ledger: str | Path,
    files: Sequence[str | Path] = (),
    *,
    events: Sequence[str | Path] = (),
    event_layers: Sequence[EventFile] = (),
    vehicle: str | None = None,
    coords: str = "WGS-84",
    fields: Mapping[str, str] | None = None,
    tz: dt.tzinfo = CHINA_STANDARD_TIME,
    fill: TimeFill | None = None,
    progress: ProgressCallback | None = None,
    timeout_s: float = 5.0,
    lock_timeout_s: float = 600.0,
) -> ImportResult:
    """Import GPS track files and event lists into the ledger, idempotently, in one transaction.

    Parameters
    ----------
    ledger
        The ledger GeoPackage; created when it does not exist.
    files
        GPX files and terminal CSV/Excel exports. A table whose columns are those of an
        event list (it has an event-kind column, 类型/事件类型) is imported as events.
    events
        Event lists (CSV/Excel).
    event_layers
        Events already read (the county's ``patrol_events`` layer).
    vehicle, coords, fields, tz
        See :func:`roadnet.patrol.terminal.read_track_file`.
    fill
        How to give times to track segments recorded without them
        (:class:`~roadnet.patrol.timefill.TimeFill`; default: the day in the track's or the
        file's name). A ``start`` clock runs on through the files in the order given.
    progress
        Called as ``progress(files_done, files_total)`` while reading.
    timeout_s
        How long to wait for a ledger another program (QGIS) is writing (seconds).
    lock_timeout_s
        How long to wait for another import writing the same ledger (seconds).

    Returns
    -------
    ImportResult

    Raises
    ------
    ReadError, LayerError
        A file cannot be read, has no times and no date for them, or the ledger is locked,
        corrupt or not a patrol ledger. Nothing is written then.
    """
    ledger = Path(ledger)
    paths = [Path(p) for p in files]
    event_paths = [Path(p) for p in events]
    total = len(paths) + len(event_paths)
    known: dict[str, sqlite3.Row] = {}
    if ledger.exists():  # a first look, to skip reading files already imported
        known = _known_files(ledger, timeout_s=timeout_s)

    # Read everything first: a broken file stops the import before anything is written.
    staged: list[tuple[str, str, Path, TrackFile | EventFile | None]] = []
    seen: set[str] = set()
    notes: list[str] = []
    for done, (path, forced_events) in enumerate(
        [(p, False) for p in paths] + [(p, True) for p in event_paths], start=1
    ):
        if not path.is_file():
            raise ReadError(f"{path}: no such file")
        sha = file_sha256(path)
        kind = "events" if forced_events or _is_event_table(path) else "tracks"
        if sha in known or sha in seen:
            staged.append((sha, kind, path, None))
        else:
            seen.add(sha)
            item: TrackFile | EventFile
            if kind == "events":
                item = read_event_file(path, coords=coords)
            else:
                item = read_track_file(
                    path, vehicle=vehicle, coords=coords, fields=fields, tz=tz, fill=fill
                )
                if fill is not None and item.filled is not None and item.filled.rule == "interval":
                    fill = fill.advanced(item.filled.points)
            notes.extend(item.notes)
            staged.append((sha, kind, path, item))
        if progress is not None:
            progress(done, total)
    _refuse_nothing_to_import(staged, event_layers, notes)

    # Write under the ledger's lock: what it holds is looked at again, then changed at once.
    with exclusive_lock(ledger, timeout_s=lock_timeout_s):
        housekeeping = _tidy(ledger)
        if ledger.exists():
            with _connect(ledger, timeout_s=timeout_s) as conn:
                now_known = {row["sha256"]: row for row in conn.execute("SELECT * FROM files")}
                _add_time_source(conn)
                results = _write(conn, staged, event_layers, now_known)
        else:
            with (
                atomic_path(ledger) as tmp,
                _connect(tmp, timeout_s=timeout_s, create=True) as conn,
            ):
                results = _write(conn, staged, event_layers, {})
    return ImportResult(ledger, tuple(results), tuple(notes), tuple(housekeeping))


def _refuse_nothing_to_import(
    staged: Sequence[tuple[str, str, Path, TrackFile | EventFile | None]],
    event_layers: Sequence[EventFile],
    notes: list[str],
) -> None:
    """Say which track files hold no row; refuse an import where no file holds one.

    A terminal export of a day the vehicle did not drive is only its header: importing it
    adds nothing, and says so. When every file given is such an export (no point, no event,
    nothing imported before), the import fails: "0 points added" would read as a success.
    """
    empty = [
        path.name
        for _, kind, path, item in staged
        if kind == "tracks" and isinstance(item, TrackFile) and item.rows == 0
    ]
    if not empty:
        return
    notes.append(
        f"{len(empty)} track file(s) hold no GPS point (only a header row): "
        f"{', '.join(empty[:5])}{' …' if len(empty) > 5 else ''}; nothing was imported from them"
    )
    if len(empty) == len(staged) and not event_layers:
        others = " (nor do the others given)" if len(empty) > 1 else ""
        raise ReadError(
            f"{empty[0]}: holds no GPS point (only a header row){others}; export the "
            "vehicle's track again with its points"
        )


def _known_files(ledger: Path, *, timeout_s: float) -> dict[str, sqlite3.Row]:
    with _connect(ledger, timeout_s=timeout_s) as conn:
        return {row["sha256"]: row for row in conn.execute("SELECT * FROM files")}


def _tidy(ledger: Path) -> list[str]:
    """Remove what killed imports left beside the ledger; say what was removed."""
    removed = remove_stale_temporaries(ledger)
    if not removed:
        return []
    size_mb = sum(size for _, size in removed) / 1e6
    return [
        f"removed {len(removed)} temporary file(s) ({size_mb:.1f} MB) left beside the ledger "
        "by an import that was interrupted"
    ]


def read_points(
    ledger: str | Path,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    timeout_s: float = 5.0,
) -> pd.DataFrame:
    """GPS points of the ledger with ``start <= time < end`` (UTC), in import order.

    Returns
    -------
    pandas.DataFrame
        ``vehicle``, ``time`` (UTC), ``lon``, ``lat`` (WGS-84), ``speed_kmh``, ``trip``,
        ``staff``, ``source_file``, ``time_source`` (``recorded``, ``date`` or
        ``interval``: see :mod:`roadnet.patrol.timefill`).
    """
    where, args = _time_range(start, end)
    with _connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn:
        source = "time_source" if _has_time_source(conn) else "'recorded' AS time_source"
        query = (
            f"SELECT vehicle, time, lon, lat, speed_kmh, trip, staff, source_file, {source} "
            f"FROM points{where} ORDER BY fid"
        )
        frame = pd.read_sql_query(query, conn, params=args)
    frame["time"] = pd.to_datetime(frame["time"], format="ISO8601", utc=True).dt.as_unit("ns")
    return frame


def read_events(
    ledger: str | Path,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    timeout_s: float = 5.0,
) -> pd.DataFrame:
    """Patrol events of the ledger with ``start <= time < end`` (UTC)."""
    where, args = _time_range(start, end)
    query = (
        "SELECT time, kind, vehicle, note, count, lon, lat, source_file FROM events"
        f"{where} ORDER BY fid"
    )
    with _connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn:
        frame = pd.read_sql_query(query, conn, params=args)
    frame["time"] = pd.to_datetime(frame["time"], format="ISO8601", utc=True).dt.as_unit("ns")
    return frame


def read_matches(
    ledger: str | Path, keys: Sequence[str], *, config: str, timeout_s: float = 5.0
) -> dict[str, bytes]:
    """Cached matched trips: key → payload, for the keys stored under ``config``."""
    out: dict[str, bytes] = {}
    with _connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, data FROM roadnet_matches WHERE config = ? AND key IN ({marks})",
                [config, *chunk],
            )
            out.update((row["key"], bytes(row["data"])) for row in rows)
    return out


def write_matches(
    ledger: str | Path, entries: Mapping[str, bytes], *, config: str, timeout_s: float = 5.0
) -> None:
    """Store matched trips under ``config``, dropping entries of any other configuration."""
    now = _now()
    with _connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn, _transaction(conn):
        conn.execute("DELETE FROM roadnet_matches WHERE config != ?", (config,))
        conn.executemany(
            "INSERT OR REPLACE INTO roadnet_matches (key, config, created_at, data) "
            "VALUES (?, ?, ?, ?)",
            [(key, config, now, sqlite3.Binary(data)) for key, data in entries.items()],
        )


# --------------------------------------------------------------------------- internals


def _is_event_table(path: Path) -> bool:
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return False
    return looks_like_events(table_columns(path))


@contextlib.contextmanager
def _connect(
    path: Path, *, timeout_s: float, create: bool = False, must_exist: bool = False
) -> Iterator[sqlite3.Connection]:
    if path.is_dir():
        raise ReadError(
            f"{path}: is a folder, not a patrol ledger; give the ledger's .gpkg file (a new "
            "name creates one on import)"
        )
    if must_exist and not path.is_file():
        raise ReadError(
            f"{path}: no patrol ledger here; import tracks first with `roadnet patrol import`"
        )
    try:
        conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
    except sqlite3.Error as exc:
        raise ReadError(f"{path}: the patrol ledger cannot be opened: {exc}") from exc
    conn.row_factory = sqlite3.Row
    try:
        if create:  # a new, temporary file: renamed onto the ledger only when all went well
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {_USER_VERSION}")
        else:
            _check(conn, path)
        yield conn
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ReadError(
                f"{path}: the patrol ledger is locked by another program (QGIS, another "
                "import?); close it and try again. Nothing was changed"
            ) from exc
        raise ReadError(f"{path}: the patrol ledger cannot be used: {exc}") from exc
    except sqlite3.IntegrityError as exc:
        raise ReadError(
            f"{path}: another program imported the same file or points into this ledger at "
            f"the same moment ({exc}); the ledger is fine and nothing was changed by this "
            "import: run it again and these points count as already imported"
        ) from exc
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
        # pandas wraps sqlite's error ("no such column: vehicle") when a query it ran fails:
        # tables edited by another program are as unreadable as a damaged file
        reason = (
            str(exc).rsplit(":", 2)[-2:] if isinstance(exc, pd.errors.DatabaseError) else [str(exc)]
        )
        raise ReadError(
            f"{path}: not a readable patrol ledger ({':'.join(reason).strip()[:120]}); give "
            "another --ledger, or move the damaged file away and import again"
        ) from exc
    finally:
        conn.close()


def _check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        row = conn.execute("SELECT value FROM roadnet_ledger WHERE key = 'schema'").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        row = None
    if row is None:
        raise ReadError(
            f"{path}: not a roadnet patrol ledger (no roadnet_ledger table); give another "
            "--ledger path"
        )
    if row["value"] != SCHEMA_VERSION:
        raise ReadError(
            f"{path}: patrol ledger of schema {row['value']}, this roadnet reads schema "
            f"{SCHEMA_VERSION}"
        )


def _has_time_source(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "time_source" for row in conn.execute("PRAGMA table_info(points)"))


def _add_time_source(conn: sqlite3.Connection) -> None:
    """Give a ledger written before ``time_source`` existed the column (all ``recorded``)."""
    if not _has_time_source(conn):
        conn.execute("ALTER TABLE points ADD COLUMN time_source TEXT NOT NULL DEFAULT 'recorded'")


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; roll back on any exception (Ctrl-C included)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _write(
    conn: sqlite3.Connection,
    staged: list[tuple[str, str, Path, TrackFile | EventFile | None]],
    event_layers: Sequence[EventFile],
    known: Mapping[str, sqlite3.Row],
) -> list[FileImport]:
    results: list[FileImport] = []
    now = _now()
    registered: dict[str, FileImport] = {}
    with _transaction(conn):
        for sha, kind, path, item in staged:
            if item is None or sha in known or sha in registered:
                # imported before, earlier in this import, or by an import that held the
                # lock while this one was reading: its points are duplicates
                results.append(_again(sha, kind, path, known.get(sha), registered.get(sha)))
                continue
            if isinstance(item, TrackFile):
                added = _insert_points(conn, item.points)
                accepted = len(item.points)
                filled = item.filled
                result = FileImport(
                    name=path.name,
                    sha256=sha,
                    kind="tracks",
                    status="imported",
                    read=item.rows,
                    added=added,
                    duplicate=accepted - added,
                    rejected=sum(item.rejected.values()),
                    rejected_by_reason=dict(item.rejected),
                    times_filled=0 if filled is None else filled.points,
                    time_rule="" if filled is None else filled.rule,
                    dates=() if filled is None else filled.dates,
                    date_from="" if filled is None else filled.date_from,
                    vehicles_named=tuple((n.vehicle, n.source) for n in item.named),
                )
            else:
                added = _insert_events(conn, item.events)
                result = FileImport(
                    name=path.name,
                    sha256=sha,
                    kind="events",
                    status="imported",
                    read=item.rows,
                    added=added,
                    duplicate=len(item.events) - added,
                    rejected=item.rejected,
                    rejected_by_reason={"missing_value": item.rejected} if item.rejected else {},
                )
            conn.execute(
                "INSERT INTO files (sha256, name, kind, imported_at, rows_read, added, "
                "duplicate, rejected, rejected_by_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sha,
                    result.name,
                    result.kind,
                    now,
                    result.read,
                    result.added,
                    result.duplicate,
                    result.rejected,
                    json.dumps(result.rejected_by_reason),
                ),
            )
            registered[sha] = result
            results.append(result)
        for layer in event_layers:
            added = _insert_events(conn, layer.events)
            results.append(
                FileImport(
                    name=layer.source,
                    sha256="",
                    kind="events",
                    status="imported",
                    read=layer.rows,
                    added=added,
                    duplicate=len(layer.events) - added,
                    rejected=layer.rejected,
                )
            )
        _update_extent(conn, "points")
        _update_extent(conn, "events")
    return results


def _again(
    sha: str, kind: str, path: Path, row: sqlite3.Row | None, earlier: FileImport | None
) -> FileImport:
    """A file already in the ledger (or twice in this import): its points are duplicates."""
    if row is not None:
        read, rejected = int(row["rows_read"]), int(row["rejected"])
        reasons = json.loads(row["rejected_by_reason"] or "{}")
        kind = str(row["kind"])
    elif earlier is not None:
        read, rejected, reasons, kind = (
            earlier.read,
            earlier.rejected,
            dict(earlier.rejected_by_reason),
            earlier.kind,
        )
    else:
        read, rejected, reasons = 0, 0, {}
    return FileImport(
        name=path.name,
        sha256=sha,
        kind=kind,
        status="already imported",
        read=read,
        added=0,
        duplicate=read - rejected,
        rejected=rejected,
        rejected_by_reason=reasons,
    )


def _iso(times: pd.Series) -> np.ndarray:
    """UTC times as GeoPackage DATETIME text (millisecond precision)."""
    values = pd.to_datetime(times, utc=True).dt.tz_convert(None).to_numpy("datetime64[ms]")
    return np.char.add(np.datetime_as_string(values, unit="ms"), "Z")


def _blobs(lon: np.ndarray, lat: np.ndarray) -> list[bytes]:
    """GeoPackage point geometries: 8-byte header (SRS 4326, no envelope) + WKB, little-endian."""
    layout = np.dtype(
        [
            ("magic", "S2"),
            ("version", "u1"),
            ("flags", "u1"),
            ("srs", "<i4"),
            ("order", "u1"),
            ("type", "<u4"),
            ("x", "<f8"),
            ("y", "<f8"),
        ]
    )
    records = np.zeros(len(lon), dtype=layout)
    records["magic"] = b"GP"
    records["flags"] = 1
    records["srs"] = 4326
    records["order"] = 1
    records["type"] = 1
    records["x"] = lon
    records["y"] = lat
    raw = records.tobytes()
    size = layout.itemsize
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def _text(values: pd.Series) -> list[str | None]:
    out = values.astype(object).where(values.notna(), None).tolist()
    return [None if v is None or v == "" else str(v) for v in out]


def _insert_points(conn: sqlite3.Connection, points: pd.DataFrame) -> int:
    """Insert the points; those placed on a day (``time_source`` = date) get their times."""
    if points.empty:
        return 0
    dated = (points["time_source"] == "date").to_numpy()
    added = _insert_rows(conn, points[~dated])
    if dated.any():
        part = points[dated]
        key = (
            part["vehicle"].astype(str)
            + "\x00"
            + part["time"].astype("int64").astype(str)
            + "\x00"
            + part["trip"].astype("string").fillna("")
        )
        for _, track in part.groupby(key.to_numpy(), sort=False):
            placed = _place_track(conn, track)
            if placed is not None:
                added += _insert_rows(conn, placed)
    return added


def _place_track(conn: sqlite3.Connection, track: pd.DataFrame) -> pd.DataFrame | None:
    """A track placed on its day: the vehicle's free seconds from midnight, in file order.

    None when the ledger already holds this vehicle's track of that day at the same
    positions (the same track imported from another file).
    """
    vehicle = str(track["vehicle"].iloc[0])
    midnight = pd.Timestamp(track["time"].iloc[0])
    span = max(86_400, len(track) + 1)
    lo, hi = _iso(pd.Series([midnight, midnight + pd.Timedelta(seconds=2 * span)]))
    stored = pd.read_sql_query(
        "SELECT time, lon, lat, trip, time_source FROM points "
        "WHERE vehicle = ? AND time >= ? AND time < ? ORDER BY fid",
        conn,
        params=[vehicle, str(lo), str(hi)],
    )
    lon = np.round(track["lon"].to_numpy(dtype=float), _DIGITS)
    lat = np.round(track["lat"].to_numpy(dtype=float), _DIGITS)
    same_day = stored[stored["time_source"] == "date"]
    for _, other in same_day.groupby(same_day["trip"].fillna(""), sort=False):
        if (
            len(other) == len(track)
            and np.array_equal(other["lon"].to_numpy(dtype=float), lon)
            and np.array_equal(other["lat"].to_numpy(dtype=float), lat)
        ):
            return None
    taken = (
        pd.to_datetime(stored["time"], format="ISO8601", utc=True)
        .dt.as_unit("ns")
        .astype("int64")
        .to_numpy()
    )
    times = place_on_day(taken, int(midnight.value), len(track))
    return track.assign(time=pd.to_datetime(times, utc=True))


def _insert_rows(conn: sqlite3.Connection, points: pd.DataFrame) -> int:
    if points.empty:
        return 0
    lon = np.round(points["lon"].to_numpy(dtype=float), _DIGITS)
    lat = np.round(points["lat"].to_numpy(dtype=float), _DIGITS)
    speed = points["speed_kmh"].to_numpy(dtype=float)
    rows = zip(
        _blobs(lon, lat),
        points["vehicle"].astype(str).tolist(),
        _iso(points["time"]).tolist(),
        lon.tolist(),
        lat.tolist(),
        [None if np.isnan(s) else s for s in speed.tolist()],
        _text(points["trip"]),
        _text(points["staff"]),
        _text(points["source_file"]),
        points["time_source"].fillna("recorded").astype(str).tolist(),
        strict=True,
    )
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO points (geom, vehicle, time, lon, lat, speed_kmh, trip, staff, "
        "source_file, time_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return conn.total_changes - before


def _insert_events(conn: sqlite3.Connection, events: pd.DataFrame) -> int:
    """Insert events not yet in the ledger (same time, vehicle and kind within 10 m)."""
    events = drop_repeated_events(events)
    if events.empty:
        return 0
    times = _iso(events["time"])
    vehicles = events["vehicle"].fillna("").astype(str).to_numpy()
    kinds = events["kind"].astype(str).to_numpy()
    new = np.ones(len(events), dtype=bool)
    for i in range(len(events)):
        stored = conn.execute(
            "SELECT lon, lat FROM events WHERE time = ? AND vehicle = ? AND kind = ?",
            (str(times[i]), str(vehicles[i]), str(kinds[i])),
        ).fetchall()
        if stored:
            lons = np.array([row[0] for row in stored], dtype=float)
            lats = np.array([row[1] for row in stored], dtype=float)
            new[i] = not same_place(
                lons, lats, float(events["lon"].iloc[i]), float(events["lat"].iloc[i])
            ).any()
    events = events[new]
    if events.empty:
        return 0
    lon = np.round(events["lon"].to_numpy(dtype=float), _DIGITS)
    lat = np.round(events["lat"].to_numpy(dtype=float), _DIGITS)
    rows = zip(
        _blobs(lon, lat),
        _iso(events["time"]).tolist(),
        events["kind"].astype(str).tolist(),
        events["vehicle"].fillna("").astype(str).tolist(),
        _text(events["note"]),
        events["count"].astype("int64").tolist(),
        lon.tolist(),
        lat.tolist(),
        _text(events["source_file"]),
        strict=True,
    )
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO events (geom, time, kind, vehicle, note, count, lon, lat, "
        "source_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return conn.total_changes - before


def _update_extent(conn: sqlite3.Connection, table: str) -> None:
    row = conn.execute(f"SELECT min(lon), min(lat), max(lon), max(lat) FROM {table}").fetchone()
    conn.execute(
        "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
        "last_change = ? WHERE table_name = ?",
        (row[0], row[1], row[2], row[3], _now(), table),
    )


def _time_range(start: pd.Timestamp | None, end: pd.Timestamp | None) -> tuple[str, list[str]]:
    clauses, args = [], []
    if start is not None:
        clauses.append("time >= ?")
        args.append(_iso(pd.Series([start]))[0])
    if end is not None:
        clauses.append("time < ?")
        args.append(_iso(pd.Series([end]))[0])
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), [str(a) for a in args]


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
