"""Parsing of the time stamps found in GPS terminal exports, GPX files and event lists.

Terminals write local time without a zone ("2023-06-01 08:00:05", "2023/6/1 8:00:05",
"20230601080005"), GPX writes UTC ("2023-06-01T00:00:05Z"), some exports give Unix seconds
or milliseconds. Everything is returned as timezone-aware UTC; naive times are taken in the
county's local offset (China Standard Time, UTC+8, unless told otherwise).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from roadnet.errors import ConfigError

CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")

#: Times outside these years are no clock reading (a year 9999, a 20-digit "epoch"): they
#: are left unread, so that the caller names them, rather than overflow pandas' clock.
_EARLIEST = pd.Timestamp("1900-01-01", tz="UTC")
_LATEST = pd.Timestamp("2200-01-01", tz="UTC")
_EARLIEST_NAIVE = _EARLIEST.tz_localize(None)
_LATEST_NAIVE = _LATEST.tz_localize(None)

_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H时%M分%S秒",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


def parse_times(values: pd.Series, *, tz: dt.tzinfo = CHINA_STANDARD_TIME) -> pd.Series:
    """Parse a column of time stamps into UTC.

    Parameters
    ----------
    values
        Strings, datetimes, or numbers (Unix seconds, or milliseconds when > 1e11).
    tz
        Zone of naive time stamps (default UTC+8).

    Returns
    -------
    pandas.Series
        ``datetime64[ns, UTC]`` aligned to ``values``; NaT where a value cannot be read.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        series = pd.to_datetime(values)
        if series.dt.tz is None:
            series = series.dt.tz_localize(tz)
        return series.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")

    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    numeric = pd.to_numeric(values, errors="coerce")
    is_epoch = numeric.notna() & (numeric > 1e8) & ~values.astype(str).str.fullmatch(r"\d{14}")
    if is_epoch.any():
        seconds = numeric[is_epoch].where(numeric[is_epoch] < 1e11, numeric[is_epoch] / 1000.0)
        # beyond the years a GPS clock gives is no time: left NaT (the caller names the row)
        seconds = seconds[(seconds >= _EARLIEST.timestamp()) & (seconds < _LATEST.timestamp())]
        result[seconds.index] = pd.to_datetime(seconds, unit="s", utc=True)

    text = values[~is_epoch & values.notna()].astype(str).str.strip()
    text = text[text != ""]
    remaining = text
    for fmt in _FORMATS:
        if remaining.empty:
            break
        parsed = pd.to_datetime(remaining, format=fmt, errors="coerce")
        ok = parsed.notna() & (parsed >= _EARLIEST_NAIVE) & (parsed < _LATEST_NAIVE)
        if ok.any():
            result[ok[ok].index] = parsed[ok].dt.tz_localize(tz).dt.tz_convert("UTC")
            remaining = remaining[~ok]
    if not remaining.empty:
        # ISO 8601 with an offset or Z, and other forms pandas can read.
        for index, raw in remaining.items():
            try:
                stamp = pd.Timestamp(raw)
            except (ValueError, TypeError, OverflowError):
                continue
            if pd.isna(stamp):
                continue
            stamp = stamp.tz_localize(tz) if stamp.tzinfo is None else stamp
            if not _EARLIEST <= stamp < _LATEST:
                continue
            result[index] = stamp.tz_convert("UTC")
    return result


def to_local(times: pd.Series, *, tz: dt.tzinfo = CHINA_STANDARD_TIME) -> pd.Series:
    """Convert UTC times to the county's local time (for months and dates in reports)."""
    return times.dt.tz_convert(tz)


def month_keys(times: pd.Series, *, tz: dt.tzinfo = CHINA_STANDARD_TIME) -> np.ndarray:
    """``YYYY-MM`` of each time in local time."""
    return to_local(times, tz=tz).dt.strftime("%Y-%m").to_numpy()


def county_timezone(value: object) -> dt.tzinfo:
    """The zone of a county.toml ``timezone`` value; China Standard Time (UTC+8) when None.

    Accepted: ``"+08:00"``, ``"UTC+8"``, ``"Asia/Shanghai"``.

    Raises
    ------
    ConfigError
        An unknown zone.
    """
    import re
    import zoneinfo

    if value is None or str(value).strip() == "":
        return CHINA_STANDARD_TIME
    text = str(value).strip()
    match = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", text, flags=re.I)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        return dt.timezone(dt.timedelta(minutes=sign * minutes))
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f'county.toml timezone = {text!r} is not a time zone; write "+08:00" or "Asia/Shanghai"'
        ) from exc
