"""The ledger's store: its GeoPackage schema, connections, and the rows read and written.

The ledger (:mod:`roadnet.patrol.ledger`) is written with the standard library's ``sqlite3``:
GeoPackage geometries are a small header plus WKB. Times are stored as GeoPackage DATETIME
text, UTC (``2023-06-01T00:00:05.000Z``); coordinates as WGS-84 degrees rounded to 1e-7°
(1 cm). ``roadnet_matches`` (not a GeoPackage layer) caches matched trips for reports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from roadnet.errors import ReadError
from roadnet.patrol.events import drop_repeated_events, same_place
from roadnet.patrol.timefill import place_on_day

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
    with connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn:
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
    with connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn:
        frame = pd.read_sql_query(query, conn, params=args)
    frame["time"] = pd.to_datetime(frame["time"], format="ISO8601", utc=True).dt.as_unit("ns")
    return frame


def read_matches(
    ledger: str | Path, keys: Sequence[str], *, config: str, timeout_s: float = 5.0
) -> dict[str, bytes]:
    """Cached matched trips: key → payload, for the keys stored under ``config``."""
    out: dict[str, bytes] = {}
    with connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn:
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
    now = utc_now()
    with connect(Path(ledger), timeout_s=timeout_s, must_exist=True) as conn, transaction(conn):
        conn.execute("DELETE FROM roadnet_matches WHERE config != ?", (config,))
        conn.executemany(
            "INSERT OR REPLACE INTO roadnet_matches (key, config, created_at, data) "
            "VALUES (?, ?, ?, ?)",
            [(key, config, now, sqlite3.Binary(data)) for key, data in entries.items()],
        )


@contextlib.contextmanager
def connect(
    path: Path, *, timeout_s: float, create: bool = False, must_exist: bool = False
) -> Iterator[sqlite3.Connection]:
    """An open connection to the ledger at ``path``, closed on exit.

    Parameters
    ----------
    path
        The ledger GeoPackage.
    timeout_s
        How long to wait for a ledger another program is writing (seconds).
    create
        Write the schema into ``path`` (a new, temporary file).
    must_exist
        Refuse a path with no ledger (reading) instead of creating one.

    Raises
    ------
    ReadError
        The ledger is missing (``must_exist``), a folder, locked, damaged, of another
        schema, or written to by another program at the same moment.
    """
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


def add_time_source(conn: sqlite3.Connection) -> None:
    """Give a ledger written before ``time_source`` existed the column (all ``recorded``)."""
    if not _has_time_source(conn):
        conn.execute("ALTER TABLE points ADD COLUMN time_source TEXT NOT NULL DEFAULT 'recorded'")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
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


def insert_points(conn: sqlite3.Connection, points: pd.DataFrame) -> int:
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


def insert_events(conn: sqlite3.Connection, events: pd.DataFrame) -> int:
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


def update_extent(conn: sqlite3.Connection, table: str) -> None:
    """Set a layer's extent and last change in ``gpkg_contents`` (QGIS zooms to it)."""
    row = conn.execute(f"SELECT min(lon), min(lat), max(lon), max(lat) FROM {table}").fetchone()
    conn.execute(
        "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, "
        "last_change = ? WHERE table_name = ?",
        (row[0], row[1], row[2], row[3], utc_now(), table),
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


def utc_now() -> str:
    """The time now as GeoPackage DATETIME text (UTC, milliseconds)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
