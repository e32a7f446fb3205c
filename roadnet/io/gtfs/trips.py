"""The feed's trips: each trip's stop pattern, departures and duration, by route.

Times past midnight (``25:10:00``) and blank times are read; ``stop_times.txt`` is read chunk
by chunk in the columns needed only; ``frequencies.txt`` repeats a trip at its headway.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from roadnet.errors import ReadError
from roadnet.io.gtfs.excerpts import excerpt
from roadnet.io.gtfs.feed import Feed

_TIME = re.compile(r"^(\d{1,3}):([0-5]?\d)(?::([0-5]?\d))?$")
#: stop_times.txt columns read (the others are skipped while reading).
_STOP_TIME_COLUMNS = ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time")


@dataclass(frozen=True)
class Trip:
    """What one trip contributes to its line."""

    trip_id: str
    service: str
    direction: str
    shape: str
    pattern: tuple[str, ...]
    departures: tuple[float, ...]  # minutes after midnight; several with frequencies.txt
    duration: float = math.nan  # minutes from the first to the last time along the trip
    direction_id: str = ""  # as the feed gives it ("" when it does not)


def read_stop_times(feed: Feed) -> pd.DataFrame:
    """stop_times.txt read chunk by chunk in the columns needed, each chunk parsed as it comes.

    Parameters
    ----------
    feed
        The open feed.

    Returns
    -------
    pandas.DataFrame
        ``trip_id``, ``stop_id`` (categorical strings), ``sequence``, ``start`` (departure,
        else arrival: minutes) and ``end`` (arrival, else departure: minutes); NaN where blank.

    Raises
    ------
    ReadError
        A stop_sequence is not a number, or a time is not a time.
    """
    source = feed.source("stop_times.txt")
    parts = []
    for line, chunk in feed.chunks("stop_times.txt", usecols=_STOP_TIME_COLUMNS):
        sequence = _by_unique(chunk["stop_sequence"], _number)
        bad = np.isnan(sequence)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ReadError(
                f"{source}: row {line + row} (trip {excerpt(chunk['trip_id'].iloc[row])}) has "
                f"stop_sequence {excerpt(chunk['stop_sequence'].iloc[row])}, not a number; "
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


def ordered_stop_times(stop_times: pd.DataFrame, trips: pd.DataFrame) -> pd.DataFrame:
    """Stop times sorted by trip (trips.txt order) and sequence.

    Parameters
    ----------
    stop_times
        The table :func:`read_stop_times` returns.
    trips
        trips.txt as strings.

    Returns
    -------
    pandas.DataFrame
        The stop times in that order, ``start`` renamed ``time``, with ``trip_order``.
    """
    order = pd.Series(np.arange(len(trips)), index=trips["trip_id"].to_numpy())
    trip_ids = stop_times["trip_id"].astype("category").array
    by_category = order.reindex(trip_ids.categories.astype(object)).to_numpy(dtype=float)
    trip_order = np.where(trip_ids.codes >= 0, by_category[trip_ids.codes], np.nan)
    table = stop_times.assign(trip_order=trip_order)
    table = table.sort_values(["trip_order", "sequence"], kind="stable").reset_index(drop=True)
    return table.rename(columns={"start": "time"})


def trips_by_route(
    feed: Feed, stop_times: pd.DataFrame, trips: pd.DataFrame
) -> dict[str, list[Trip]]:
    """Each route's trips that have stop times, in trips.txt order.

    Parameters
    ----------
    feed
        The open feed (frequencies.txt is read from it).
    stop_times
        The table :func:`ordered_stop_times` returns.
    trips
        trips.txt as strings.

    Returns
    -------
    dict of str to list of Trip
        route_id -> its trips.

    Raises
    ------
    ReadError
        A row of frequencies.txt lacks a time or a positive headway.
    """
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
    by_route: dict[str, list[Trip]] = {}
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
            Trip(
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


def _frequencies(feed: Feed) -> dict[str, tuple[float, ...]]:
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
            f"{source}: row {row + 2} (trip {excerpt(frequencies['trip_id'].iloc[row])}) needs "
            "start_time, end_time and a headway_secs above 0"
        )
    expanded: dict[str, list[float]] = {}
    for trip, a, b, h in zip(frequencies["trip_id"], start, end, headway / 60.0, strict=True):
        expanded.setdefault(trip, []).extend(np.arange(a, b, h).tolist())
    return {trip: tuple(sorted(times)) for trip, times in expanded.items()}


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
            f" (trip {excerpt(trips.iloc[row])})" if trips is not None else ""
        )
        raise ReadError(
            f"{source}: {where} has {column} {excerpt(values.iloc[row])}, not a time; write "
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
