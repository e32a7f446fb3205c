"""Patrol GPS points from vehicle-terminal exports (CSV, Excel) and GPX files.

Terminal exports name their columns in Chinese (车牌号, 定位时间, 经度, 纬度, 速度) or
English (vehicle, time, lon, lat, speed); the aliases are those of the ``tracks`` schema
and of ``LON_ALIASES``/``LAT_ALIASES``, and county.toml's ``[patrol] fields`` can name
others. Naive time stamps are local time (UTC+8 unless told otherwise), in any of the
formats :func:`roadnet.timeparse.parse_times` reads. Coordinates are WGS-84 unless
``coords`` says GCJ-02 or BD-09 (terminals using AMap or Baidu SDKs).

Rows that carry no usable fix are rejected and counted (``missing_time``,
``missing_position``, ``invalid_fix``, ``zero_fix``); a value that is present but cannot
be read (a time in an unknown format, a coordinate that is not a number) is an error naming
the file, row and field, so that nothing is imported from a file read wrongly. A track
segment in which *no* point has a time (a handheld unit's GPX) is given times by
:mod:`roadnet.patrol.timefill` (the day from ``--date`` or the names, or ``--start`` and
``--interval``), or stops the import with the fix.

Plates are written in one form (``蒙A·J6017``, :mod:`roadnet.plates`) whether the file says
``蒙AJ6017``, ``蒙A J6017`` or names a GPX track "蒙A·J6017 2023-07-04".
"""

from __future__ import annotations

import datetime as dt
import glob
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from roadnet.errors import LayerError, ReadError
from roadnet.io.tabular import TABLE_SUFFIXES
from roadnet.patrol.timefill import FilledTimes, TimeFill, fill_times
from roadnet.plates import NamedVehicle, find_plate, vehicle_from_names
from roadnet.schema import LAT_ALIASES, LON_ALIASES, SCHEMAS, columns_text, find_column
from roadnet.timeparse import CHINA_STANDARD_TIME, parse_times
from roadnet.timeparse import county_timezone as county_timezone  # re-exported

TRACK_COLUMNS = (
    "vehicle",
    "time",
    "lon",
    "lat",
    "speed_kmh",
    "trip",
    "staff",
    "source_file",
    "time_source",
)
GPX_SUFFIXES = (".gpx",)
REJECT_REASONS = ("missing_time", "missing_position", "invalid_fix", "zero_fix")
_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


@dataclass(frozen=True)
class TrackFile:
    """The points of one file, ready for the ledger.

    Attributes
    ----------
    path
        The file.
    points
        Accepted rows with :data:`TRACK_COLUMNS`: ``time`` UTC, ``lon``/``lat`` WGS-84
        degrees, ``speed_kmh`` (NaN when absent), ``time_source`` (``recorded``, or
        ``date``/``interval`` for times given by :mod:`roadnet.patrol.timefill`).
    rows
        Rows (points) read from the file.
    rejected
        Reason → rows rejected (:data:`REJECT_REASONS`).
    notes
        Remarks for the planner (encoding used ...).
    filled
        What was done for segments without times (None when every segment had times).
    named
        For a GPX read without ``vehicle``: the vehicle of each track and where it was
        found (plate in the track name, in the file name, or a name).
    """

    path: Path
    points: pd.DataFrame
    rows: int
    rejected: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    filled: FilledTimes | None = None
    named: tuple[NamedVehicle, ...] = ()


def resolve_inputs(patterns: Iterable[str | Path], *, root: Path | None = None) -> list[Path]:
    """Expand file names and glob patterns (relative to ``root``) into existing files.

    Raises
    ------
    ReadError
        A plain file name that does not exist, or a pattern matching nothing.
    """
    out: list[Path] = []
    for pattern in patterns:
        text = str(pattern)
        path = Path(text).expanduser()
        if root is not None and not path.is_absolute():
            path = root / path
        if any(ch in text for ch in "*?["):
            hits = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
            hits = [p for p in hits if p.is_file()]
            if not hits:
                raise ReadError(f"{path}: no file matches this pattern")
            out.extend(hits)
        elif path.is_file():
            out.append(path)
        elif path.is_dir():
            raise ReadError(
                f"{path}: is a folder, not a track file; give the files in it "
                f"({path / '*.gpx'}, quoted so that roadnet expands it)"
            )
        else:
            raise ReadError(f"{path}: no such file")
    seen: set[Path] = set()
    unique = []
    for path in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def read_track_file(
    path: str | Path,
    *,
    vehicle: str | None = None,
    coords: str = "WGS-84",
    fields: Mapping[str, str] | None = None,
    tz: dt.tzinfo = CHINA_STANDARD_TIME,
    encoding: str | None = None,
    sheet: str | int | None = None,
    fill: TimeFill | None = None,
) -> TrackFile:
    """Read a GPX file or a terminal CSV/Excel export.

    Parameters
    ----------
    path
        ``.gpx``, ``.csv``/``.txt`` (UTF-8 or GB18030) or ``.xlsx``/``.xls``.
    vehicle
        Plate for every point of a GPX file (instead of the plate in the track or file
        name), and for the rows of a table that have no plate (no plate column, or blank
        cells).
    coords
        ``WGS-84`` (default), ``GCJ-02`` or ``BD-09``: the system of the file's lon/lat.
    fields
        Canonical field → column name, for columns without a known alias.
    tz
        Zone of naive time stamps (default China Standard Time, UTC+8).
    encoding, sheet
        Text encoding of a CSV; sheet of a workbook.
    fill
        How to give times to segments recorded without them (default: the day found in
        the track's or the file's name).

    Returns
    -------
    TrackFile

    Raises
    ------
    ReadError, LayerError
        The file cannot be read, lacks a time, vehicle or coordinate column, holds a
        value that cannot be read, or has a segment without times and no date for it; the
        message names the file, row and field, or says which option to give.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    named: tuple[NamedVehicle, ...] = ()
    names: pd.Series | None = None
    if suffix in GPX_SUFFIXES:
        frame, notes, names = _read_gpx(path, vehicle=vehicle)
        if vehicle is None:
            named = tuple(
                vehicle_from_names(str(title), path.stem) for title in dict.fromkeys(names)
            )
    elif suffix in TABLE_SUFFIXES:
        frame, notes = _read_table(
            path, vehicle=vehicle, fields=fields or {}, tz=tz, encoding=encoding, sheet=sheet
        )
    else:
        raise ReadError(
            f"{path}: not a GPS track file; give GPX (.gpx) or a terminal export "
            "(.csv, .xlsx, .xls)"
        )
    frame, filled = fill_times(
        frame, path=path, fill=fill, tz=tz, groups=frame["trip"], names=names
    )
    track = _accept(path, frame, coords=coords, notes=notes)
    return TrackFile(
        track.path, track.points, track.rows, track.rejected, track.notes, filled, named
    )


def _read_gpx(path: Path, *, vehicle: str | None) -> tuple[pd.DataFrame, list[str], pd.Series]:
    from roadnet.io.gpx import read_gpx

    points = read_gpx(path, vehicle=vehicle)
    frame = pd.DataFrame(
        {
            "vehicle": points["vehicle"].astype(str).to_numpy(),
            "time": points["time"].to_numpy(),
            "lon": points.geometry.x.to_numpy(),
            "lat": points.geometry.y.to_numpy(),
            "speed_kmh": points["speed_kmh"].to_numpy(dtype=float),
            "trip": points["trip"].astype(str).to_numpy(),
            "staff": None,
        }
    )
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame, [], points["track_name"].astype(str).reset_index(drop=True)


def _read_table(
    path: Path,
    *,
    vehicle: str | None,
    fields: Mapping[str, str],
    tz: dt.tzinfo,
    encoding: str | None,
    sheet: str | int | None,
) -> tuple[pd.DataFrame, list[str]]:
    from roadnet.io.tabular import read_table

    table = read_table(path, sheet=sheet, encoding=encoding)
    raw = table.frame
    columns = [str(c) for c in raw.columns]
    schema = SCHEMAS["tracks"]
    found: dict[str, str | None] = {}
    for spec in schema.fields:
        if spec.name == "source_file":
            continue
        names = [fields[spec.name]] if spec.name in fields else [spec.name, *spec.aliases]
        found[spec.name] = find_column(columns, names)
    found["lon"] = find_column(columns, [fields["lon"]] if "lon" in fields else LON_ALIASES)
    found["lat"] = find_column(columns, [fields["lat"]] if "lat" in fields else LAT_ALIASES)
    listed = columns_text(columns)
    for name, aliases in (
        ("time", schema.field("time").aliases),
        ("lon", LON_ALIASES),
        ("lat", LAT_ALIASES),
    ):
        if found[name] is None:
            tried = [fields[name]] if name in fields else [name, *aliases]
            raise LayerError(
                f"no {name} column (tried {', '.join(tried)}); the file has {listed}. Rename "
                f'the column or name it in county.toml: [patrol] fields = {{ {name} = "..." }}',
                layer="tracks",
                field=name,
                source=str(path),
            )
    if found["vehicle"] is None and vehicle is None:
        tried = (
            [fields["vehicle"]]
            if "vehicle" in fields
            else ["vehicle", *schema.field("vehicle").aliases]
        )
        raise LayerError(
            f"no vehicle (plate) column (tried {', '.join(tried)}); the file has {listed}. "
            "Add a 车牌号 column or give the plate with --vehicle",
            layer="tracks",
            field="vehicle",
            source=str(path),
        )

    def column(name: str) -> pd.Series:
        col = found[name]
        return raw[col] if col is not None else pd.Series(None, index=raw.index, dtype=object)

    frame = pd.DataFrame(index=raw.index)
    if found["vehicle"] is None:
        frame["vehicle"] = pd.Series(vehicle, index=raw.index, dtype="string")
    else:
        plates = column("vehicle").astype("string").str.strip()
        if vehicle is not None:
            plates = plates.fillna(vehicle).mask(plates == "", vehicle)
        frame["vehicle"] = _canonical_plates(plates)
    frame["time"] = _times(column("time"), path=path, column=str(found["time"]), tz=tz)
    frame["lon"] = _numbers(column("lon"), path=path, column=str(found["lon"]), field="lon")
    frame["lat"] = _numbers(column("lat"), path=path, column=str(found["lat"]), field="lat")
    speed = column("speed_kmh").astype("string").str.extract(_NUMBER, expand=False)
    frame["speed_kmh"] = pd.to_numeric(speed, errors="coerce").astype(float)
    frame["trip"] = column("trip").astype("string").str.strip()
    frame["staff"] = column("staff").astype("string").str.strip()
    blank_plate = frame["vehicle"].isna() | (frame["vehicle"].astype("string") == "")
    if blank_plate.any():
        row = int(np.flatnonzero(blank_plate.to_numpy())[0]) + 2
        raise LayerError(
            f"{int(blank_plate.sum())} row(s) have no plate (first: row {row}); fill them or "
            "give the plate with --vehicle",
            layer="tracks",
            feature=f"row {row}",
            field=str(found["vehicle"] or "vehicle"),
            source=str(path),
        )
    return frame.reset_index(drop=True), list(table.notes)


def _canonical_plates(plates: pd.Series) -> pd.Series:
    """Each value that holds a plate written ``省A·XXXXX``; other values as they are."""
    unique = plates.dropna().unique()
    mapping = {value: find_plate(str(value)) or value for value in unique}
    return plates.map(mapping).astype("string")


def _blank(values: pd.Series) -> np.ndarray:
    text = values.astype("string").str.strip()
    return (text.isna() | (text == "")).to_numpy(dtype=bool)


def _times(values: pd.Series, *, path: Path, column: str, tz: dt.tzinfo) -> pd.Series:
    parsed = parse_times(values, tz=tz)
    bad = parsed.isna().to_numpy() & ~_blank(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise LayerError(
            f"{int(bad.sum())} time value(s) cannot be read (first: row {first + 2}, "
            f"{values.iloc[first]!r}); write times like 2023-06-01 08:00:05 (local time) or "
            "2023-06-01T00:00:05Z",
            layer="tracks",
            feature=f"row {first + 2}",
            field=column,
            source=str(path),
        )
    return parsed


def _numbers(values: pd.Series, *, path: Path, column: str, field: str) -> pd.Series:
    numbers = pd.to_numeric(values.astype("string").str.strip(), errors="coerce").astype(float)
    bad = numbers.isna().to_numpy() & ~_blank(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise LayerError(
            f"{int(bad.sum())} {field} value(s) are not numbers (first: row {first + 2}, "
            f"{values.iloc[first]!r}); coordinates are decimal degrees",
            layer="tracks",
            feature=f"row {first + 2}",
            field=column,
            source=str(path),
        )
    return numbers


def _accept(path: Path, frame: pd.DataFrame, *, coords: str, notes: list[str]) -> TrackFile:
    """Reject rows without a usable fix; convert web-map coordinates to WGS-84."""
    from roadnet.chinacoords import normalize_coords, to_wgs84

    rows = len(frame)
    rejected = dict.fromkeys(REJECT_REASONS, 0)
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    no_time = frame["time"].isna().to_numpy()
    no_position = ~no_time & ~(np.isfinite(lon) & np.isfinite(lat))
    with np.errstate(invalid="ignore"):
        invalid = ~no_time & ~no_position & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
        zero = ~no_time & ~no_position & ~invalid & (np.abs(lon) < 1e-6) & (np.abs(lat) < 1e-6)
    for reason, mask in (
        ("missing_time", no_time),
        ("missing_position", no_position),
        ("invalid_fix", invalid),
        ("zero_fix", zero),
    ):
        rejected[reason] = int(mask.sum())
    keep = ~(no_time | no_position | invalid | zero)
    out = frame[keep].copy()
    if normalize_coords(coords) != "WGS-84" and len(out):
        x, y = to_wgs84(out["lon"].to_numpy(), out["lat"].to_numpy(), coords=coords)
        out["lon"], out["lat"] = x, y
    out["source_file"] = path.name
    if "time_source" not in out.columns:
        out["time_source"] = "recorded"
    out = out.reindex(columns=list(TRACK_COLUMNS)).reset_index(drop=True)
    return TrackFile(path, out, rows, rejected, tuple(notes))
