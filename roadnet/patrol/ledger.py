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

Modules: :mod:`~roadnet.patrol.store` (the GeoPackage schema, connections, rows read and
written), :mod:`~roadnet.patrol.registry` (imported files by SHA-256); this module imports.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadnet.errors import ReadError
from roadnet.formatting import format_count
from roadnet.io.atomic import atomic_path
from roadnet.io.lock import exclusive_lock, remove_stale_temporaries
from roadnet.io.tabular import TABLE_SUFFIXES
from roadnet.patrol import store
from roadnet.patrol.events import EventFile, looks_like_events, read_event_file, table_columns
from roadnet.patrol.notes import import_notes
from roadnet.patrol.registry import FileImport, already_imported, file_sha256, known_files
from roadnet.patrol.terminal import REJECT_REASONS, TrackFile, read_track_file
from roadnet.patrol.timefill import TimeFill
from roadnet.quality import DataQuality
from roadnet.timeparse import CHINA_STANDARD_TIME

LEDGER_NAME = "patrol-ledger.gpkg"

ProgressCallback = Callable[[int, int], None]


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
        return import_notes(self.files, self.rejected_by_reason())

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
        known = known_files(ledger, timeout_s=timeout_s)

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
            with store.connect(ledger, timeout_s=timeout_s) as conn:
                now_known = {row["sha256"]: row for row in conn.execute("SELECT * FROM files")}
                store.add_time_source(conn)
                results = _write(conn, staged, event_layers, now_known)
        else:
            with (
                atomic_path(ledger) as tmp,
                store.connect(tmp, timeout_s=timeout_s, create=True) as conn,
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


def _is_event_table(path: Path) -> bool:
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return False
    return looks_like_events(table_columns(path))


def _write(
    conn: sqlite3.Connection,
    staged: list[tuple[str, str, Path, TrackFile | EventFile | None]],
    event_layers: Sequence[EventFile],
    known: Mapping[str, sqlite3.Row],
) -> list[FileImport]:
    results: list[FileImport] = []
    now = store.utc_now()
    registered: dict[str, FileImport] = {}
    with store.transaction(conn):
        for sha, kind, path, item in staged:
            if item is None or sha in known or sha in registered:
                # imported before, earlier in this import, or by an import that held the
                # lock while this one was reading: its points are duplicates
                results.append(
                    already_imported(sha, kind, path, known.get(sha), registered.get(sha))
                )
                continue
            if isinstance(item, TrackFile):
                added = store.insert_points(conn, item.points)
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
                added = store.insert_events(conn, item.events)
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
            added = store.insert_events(conn, layer.events)
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
        store.update_extent(conn, "points")
        store.update_extent(conn, "events")
    return results
