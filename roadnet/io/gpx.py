"""GPS points from GPX files (patrol vehicles' tracks) with gpxpy.

Track points are read; a file without tracks gives its route points instead. GPX times are
UTC (a time without a zone is taken as UTC, as the GPX schema says); a point without a time
keeps NaT here (the patrol import decides what to do with it). Speeds come from the GPX 1.0
``<speed>`` element or a Garmin ``TrackPointExtension`` ``speed``, both in metres per second.

The vehicle of a track is the plate in its ``<name>`` ("蒙A·J6017 2023-07-04" is 蒙A·J6017),
else the plate in the file name, else the track name without its date part, else the file
name without it (:func:`roadnet.plates.vehicle_from_names`): a unit that names each day's
track after the vehicle and the day must not turn one vehicle into one per day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd

from roadnet.errors import ReadError
from roadnet.plates import vehicle_from_names

_MS_TO_KMH = 3.6
_CHUNK = 64 * 1024
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_GPXPoint = gpxpy.gpx.GPXTrackPoint | gpxpy.gpx.GPXRoutePoint


def read_gpx(path: str | Path, *, vehicle: str | None = None) -> gpd.GeoDataFrame:
    """Read the track points (or, without tracks, the route points) of a GPX file.

    Parameters
    ----------
    path
        The .gpx file.
    vehicle
        The vehicle the file belongs to; by default the plate in each track's ``<name>``,
        else in the file name, else the track's name (else the file name) without a date.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per point in file order, in EPSG:4326, with columns ``vehicle``, ``trip``
        (``"<file stem>#<track>-<segment>"``, both counted from 1; routes count as tracks
        with one segment), ``time`` (``datetime64[ns, UTC]``; NaT when the point has none),
        ``speed_kmh`` (km/h from the file, NaN when absent), ``ele`` (metres, NaN when
        absent), ``source_file`` (file name), ``track_name`` (the track's ``<name>`` as
        written, ``""`` when it has none) and ``geometry`` (Point).

    Raises
    ------
    ReadError
        The file is missing, is not GPX (or not XML), has an unreadable value, or holds no
        track or route point.
    """
    path = Path(path)
    text = _read_text(path)
    gpx = _parse(path, text)
    rows: list[tuple[Any, ...]] = []
    tracks: list[tuple[str | None, list[list[_GPXPoint]]]] = [
        (track.name, [list(segment.points) for segment in track.segments]) for track in gpx.tracks
    ]
    kind = "trkpt"
    if not any(points for _, segments in tracks for points in segments):
        tracks = [(route.name, [list(route.points)]) for route in gpx.routes]
        kind = "rtept"
    # GPX 1.1 has no <speed>, yet many terminals write one: gpxpy drops it, read it here.
    direct = _direct_speeds(text, kind) if "speed>" in text else []
    if len(direct) != sum(len(points) for _, segments in tracks for points in segments):
        direct = []  # not aligned with gpxpy's points: do without
    for t, (name, segments) in enumerate(tracks, start=1):
        title = name.strip() if name else ""
        owner = vehicle or vehicle_from_names(title, path.stem).vehicle
        for s, points in enumerate(segments, start=1):
            trip = f"{path.stem}#{t}-{s}"
            for point in points:
                rows.append(
                    (
                        owner,
                        trip,
                        _utc(point.time),
                        _speed_kmh(point, direct[len(rows)] if direct else None),
                        math.nan if point.elevation is None else float(point.elevation),
                        point.longitude,
                        point.latitude,
                        title,
                    )
                )
    if not rows:
        raise ReadError(
            f"{path}: the GPX file holds no track or route point (only "
            f"{len(gpx.waypoints)} waypoint(s)); export the vehicle's track, not its waypoints"
        )
    vehicles, trips, times, speeds, eles, lons, lats, titles = zip(*rows, strict=True)
    frame = pd.DataFrame(
        {
            "vehicle": list(vehicles),
            "trip": list(trips),
            "time": pd.to_datetime(pd.Series(times, dtype=object), utc=True).astype(
                "datetime64[ns, UTC]"
            ),
            "speed_kmh": np.asarray(speeds, dtype="float64"),
            "ele": np.asarray(eles, dtype="float64"),
            "source_file": path.name,
            "track_name": list(titles),
        }
    )
    geometry = gpd.points_from_xy(np.asarray(lons, float), np.asarray(lats, float))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _read_text(path: Path) -> str:
    """The file's text in its declared encoding (UTF-8 by default), declaration removed."""
    if not path.is_file():
        raise ReadError(f"{path}: no such file; check the path of the GPX track")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path}: cannot be opened ({exc.strerror})") from exc
    encoding = _declared_encoding(data)
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        raise ReadError(
            f"{path}: declares the unknown encoding {encoding!r}; save the file as UTF-8"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{path}: not an XML file (its bytes are not {encoding} text); a GPX track is "
            "XML starting with <gpx"
        ) from exc
    return _DECLARATION.sub("", text, count=1)


def _parse(path: Path, text: str) -> gpxpy.gpx.GPX:
    root = _root_name(path, text)
    if root != "gpx":
        raise ReadError(
            f"{path}: an XML file whose root element is <{root}>, not <gpx>; export the "
            "track as GPX (GPS Exchange Format)"
        )
    try:
        return gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise ReadError(f"{path}: not a readable GPX file ({_first_line(exc)})") from exc


def _root_name(path: Path, text: str) -> str:
    """Local name of the document's root element, or a ReadError when it is not XML."""
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start",))
    try:
        for start in range(0, len(text), _CHUNK):
            parser.feed(text[start : start + _CHUNK])
            for event in parser.read_events():
                element = event[-1]
                if isinstance(element, ET.Element):
                    return _local(element.tag)
        parser.close()
    except ET.ParseError as exc:
        raise ReadError(
            f"{path}: not an XML file ({exc}); a GPX track is XML starting with <gpx"
        ) from exc
    raise ReadError(f"{path}: an empty XML document; a GPX track is XML starting with <gpx")


def _declared_encoding(data: bytes) -> str:
    head = data[:200].decode("ascii", errors="replace")
    marker = head.find("encoding=")
    if head.startswith("<?xml") and marker > 0:
        quote = head[marker + 9 : marker + 10]
        end = head.find(quote, marker + 10)
        if quote in "\"'" and end > 0:
            return head[marker + 10 : end]
    return "utf-8-sig"


def _utc(value: dt.datetime | None) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _direct_speeds(text: str, kind: str) -> list[float | None]:
    """The ``<speed>`` child (m/s) of every ``kind`` element, in document order."""
    speeds: list[float | None] = []
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("end",))
    parser.feed(text)
    for event in parser.read_events():
        element = event[-1]
        if not isinstance(element, ET.Element) or _local(element.tag) != kind:
            continue
        value: float | None = None
        for child in element:
            if _local(child.tag) == "speed" and child.text:
                try:
                    value = float(child.text.strip())
                except ValueError:
                    value = None
        speeds.append(value)
        element.clear()
    return speeds


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _speed_kmh(point: _GPXPoint, direct: float | None) -> float:
    """Speed in km/h: GPX 1.0 ``<speed>``, a 1.1 file's stray ``<speed>``, an extension's."""
    speed = getattr(point, "speed", None)  # route points have none
    if speed is None:
        speed = direct
    if speed is not None:
        return float(speed) * _MS_TO_KMH
    for extension in point.extensions or []:
        for element in extension.iter():
            if _local(element.tag).lower() == "speed" and element.text:
                try:
                    return float(element.text.strip()) * _MS_TO_KMH
                except ValueError:
                    return math.nan
    return math.nan


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0][:300]
