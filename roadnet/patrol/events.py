"""Patrol events: what the patrols found and did, from a list or the county's layer.

Obstacles cleared, overloads, illegal operators, encroachments: from a CSV/Excel list or
the county's ``patrol_events`` layer.

Each event has a time, a kind (``obstacle`` 路障/打麦晒场, ``overload`` 超限超载,
``illegal_operation`` 非法营运, ``encroachment`` 占用公路, ``other``), a position and
optionally the vehicle, a note and a count (default 1: "31 obstacles" may be 31 rows or one
row with count 31).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from roadnet.errors import LayerError
from roadnet.schema import LAT_ALIASES, LON_ALIASES, SCHEMAS, find_column, normalize_layer

EVENT_COLUMNS = ("time", "kind", "vehicle", "note", "count", "lon", "lat", "source_file")
EVENT_KINDS = ("obstacle", "overload", "illegal_operation", "encroachment", "other")
SAME_PLACE_M = 10.0
"""Events of one kind, vehicle and time closer than this (metres) are the same event."""


@dataclass(frozen=True)
class EventFile:
    """The events of one file (or layer).

    Attributes
    ----------
    source
        File name (or ``layer patrol_events``).
    events
        Rows with :data:`EVENT_COLUMNS`: ``time`` UTC, ``lon``/``lat`` WGS-84 degrees,
        ``count`` an integer (1 when absent), ``vehicle`` and ``note`` text ("" when absent).
    rows
        Rows read.
    rejected
        Rows without a time or a kind (not imported).
    notes
        Remarks for the planner.
    """

    source: str
    events: pd.DataFrame
    rows: int
    rejected: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


def looks_like_events(columns: Iterable[str]) -> bool:
    """Whether a table's columns are those of an event list (it has an event-kind column)."""
    spec = SCHEMAS["patrol_events"].field("kind")
    return find_column([str(c) for c in columns], [spec.name, *spec.aliases]) is not None


def same_place(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Whether WGS-84 positions lie within :data:`SAME_PLACE_M` of (lon0, lat0)."""
    dx = (np.asarray(lon) - lon0) * 111_320.0 * np.cos(np.radians(lat0))
    dy = (np.asarray(lat) - lat0) * 110_574.0
    return np.hypot(dx, dy) <= SAME_PLACE_M


def drop_repeated_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events without repeats: same time, vehicle and kind within :data:`SAME_PLACE_M`.

    The same event read from a CSV and from a GeoPackage layer differs in the last digits
    of its coordinates; the first occurrence is kept.
    """
    if events.empty:
        return events
    key = pd.DataFrame(
        {
            "t": events["time"].dt.as_unit("ns").astype("int64"),
            "v": events["vehicle"].fillna("").astype(str),
            "k": events["kind"].astype(str),
        }
    )
    keep = np.ones(len(events), dtype=bool)
    lon = events["lon"].to_numpy(dtype=float)
    lat = events["lat"].to_numpy(dtype=float)
    for rows in key.groupby(["t", "v", "k"], sort=False).indices.values():
        if len(rows) < 2:
            continue
        kept: list[int] = []
        for r in rows:
            if kept and same_place(lon[kept], lat[kept], lon[r], lat[r]).any():
                keep[r] = False
            else:
                kept.append(int(r))
    return events[keep].reset_index(drop=True)


def table_columns(path: str | Path) -> list[str]:
    """The column names of a CSV or Excel table (header only); [] when unreadable."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return [str(c).strip() for c in pd.read_excel(path, nrows=0).columns]
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                header = pd.read_csv(path, nrows=0, encoding=encoding)
            except UnicodeDecodeError:
                continue
            return [str(c).strip() for c in header.columns]
    except Exception:  # unreadable here: the full read reports it properly
        return []
    return []


def read_event_file(
    path: str | Path,
    *,
    coords: str = "WGS-84",
    fields: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> EventFile:
    """Read an event list: CSV or Excel with 时间, 类型, 经度, 纬度 (车牌号, 备注, 数量 optional).

    Parameters
    ----------
    path
        The table.
    coords
        System of its lon/lat: ``WGS-84`` (default), ``GCJ-02`` or ``BD-09``.
    fields
        Canonical field → column name for columns without a known alias.
    encoding, sheet
        Text encoding of a CSV; sheet of a workbook.

    Raises
    ------
    ReadError, LayerError
        The file cannot be read, lacks a required column, or holds an unreadable value.
    """
    from roadnet.chinacoords import normalize_coords, to_wgs84
    from roadnet.io.tabular import points_from_table, read_table

    path = Path(path)
    table = read_table(path, sheet=sheet, encoding=encoding)
    mapping = dict(fields or {})
    lon = mapping.pop("lon", None)
    lat = mapping.pop("lat", None)
    points = points_from_table(
        table.frame,
        layer="patrol_events",
        source=str(path),
        lon=lon or find_column(table.frame.columns, LON_ALIASES),
        lat=lat or find_column(table.frame.columns, LAT_ALIASES),
    )
    normalized = normalize_layer(
        points, SCHEMAS["patrol_events"], mapping=mapping, source=str(path)
    )
    errors = [p for p in normalized.problems if p.severity == "error"]
    if errors:
        first = errors[0]
        raise LayerError(
            first.message,
            layer=first.layer,
            feature=first.feature,
            field=first.field,
            source=first.source,
        )
    frame = normalized.frame
    x = frame.geometry.x.to_numpy()
    y = frame.geometry.y.to_numpy()
    if normalize_coords(coords) != "WGS-84":
        x, y = to_wgs84(x, y, coords=coords)
    events = _standard(frame, lon=x, lat=y, source=path.name)
    return EventFile(path.name, events, len(frame), len(frame) - len(events), tuple(table.notes))


def events_from_layer(layer: gpd.GeoDataFrame, *, source: str = "patrol_events") -> EventFile:
    """Events from a County's ``patrol_events`` layer (already validated, any CRS)."""
    lonlat = layer.to_crs(4326)
    points = lonlat.geometry.representative_point()
    events = _standard(lonlat, lon=points.x.to_numpy(), lat=points.y.to_numpy(), source=source)
    return EventFile(source, events, len(layer), len(layer) - len(events))


def _standard(
    frame: pd.DataFrame, *, lon: np.ndarray, lat: np.ndarray, source: str
) -> pd.DataFrame:
    def text(name: str) -> np.ndarray:
        if name not in frame.columns:
            return np.full(len(frame), "", dtype=object)
        values = frame[name].astype("string").fillna("").str.strip()
        return values.to_numpy(dtype=object)

    count = (
        pd.to_numeric(frame["count"], errors="coerce").fillna(1)
        if "count" in frame.columns
        else pd.Series(1, index=frame.index)
    )
    out = pd.DataFrame(
        {
            "time": pd.to_datetime(frame["time"], utc=True).to_numpy(),
            "kind": frame["kind"].astype(str).to_numpy(),
            "vehicle": text("vehicle"),
            "note": text("note"),
            "count": count.astype("int64").to_numpy(),
            "lon": np.asarray(lon, dtype=float),
            "lat": np.asarray(lat, dtype=float),
            "source_file": source,
        }
    )
    out["time"] = pd.to_datetime(out["time"], utc=True).dt.as_unit("ns")
    usable = out["time"].notna() & frame["kind"].notna().to_numpy()
    usable &= np.isfinite(out["lon"]) & np.isfinite(out["lat"])
    return out[usable].reset_index(drop=True)
