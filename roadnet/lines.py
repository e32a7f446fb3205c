"""Bus-line operating figures: cycle time, headway and the vehicles a timetable needs.

Cycle time C = 2 x length / speed + layover; vehicles N = ceil(C / h) for headway h
(TCRP Report 30: a 72-minute cycle at a 15-minute headway needs 5 buses). Headway comes from
``headway_min``, else from the service span divided by the trips per day. Rural lines with a
few trips a day share buses: when the fleet assigns one bus to several lines, those lines
need ceil(sum of trips x cycle / span) buses together, not one each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from roadnet.schema import split_list


@dataclass(frozen=True)
class ServiceParams:
    """Defaults for lines that do not state them."""

    speed_kmh: float = 30.0
    layover_min: float = 10.0
    service_span_min: float = 720.0  # 06:00-18:00 when a line gives trips but no times


def line_operations(lines: pd.DataFrame, *, params: ServiceParams) -> pd.DataFrame:
    """Cycle time, headway, trips and vehicles required per line.

    Parameters
    ----------
    lines
        ``bus_lines`` with ``length_m`` added (metres along the line).
    params
        Defaults for speed, layover and service span.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``lines``: ``speed_kmh``, ``layover_min``, ``cycle_min``,
        ``span_min``, ``trips_per_day``, ``headway_min``, ``vehicles_required``.
    """
    out = pd.DataFrame(index=lines.index)
    speed = _column(lines, "speed_kmh", params.speed_kmh)
    layover = _column(lines, "layover_min", params.layover_min)
    span = _column(lines, "span_min", params.service_span_min)
    out["speed_kmh"] = speed
    out["layover_min"] = layover
    out["cycle_min"] = 2.0 * lines["length_m"].astype(float) / 1000.0 / speed * 60.0 + layover
    out["span_min"] = span
    trips = _column(lines, "trips_per_day", np.nan)
    headway = _column(lines, "headway_min", np.nan)
    headway = headway.where(headway.notna() & (headway > 0), span / trips.where(trips > 0))
    trips = trips.where(trips.notna(), span / headway)
    out["trips_per_day"] = trips
    out["headway_min"] = headway
    needed = np.ceil(out["cycle_min"] / headway)
    out["vehicles_required"] = needed.where(needed.notna(), 1).clip(lower=1).astype(int)
    return out


def fleet_requirement(
    operations: pd.DataFrame,
    line_ids: pd.Series,
    fleet: pd.DataFrame | None,
) -> int:
    """Vehicles the whole network needs, counting buses shared across lines once.

    Lines linked by a bus assigned to several of them (fleet ``line`` = "L1,L2") form a
    group that needs ceil(sum of trips x cycle / span) buses (at least its largest single
    line's need); every other line needs its own ``vehicles_required``.
    """
    ids = [str(i) for i in line_ids]
    parent = {i: i for i in ids}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if fleet is not None and "line" in fleet.columns:
        for value in fleet["line"].dropna():
            members = [m for m in split_list(value) if m in parent]
            for other in members[1:]:
                parent[find(other)] = find(members[0])
    groups: dict[str, list[int]] = {}
    for position, line_id in enumerate(ids):
        groups.setdefault(find(line_id), []).append(position)
    total = 0
    for positions in groups.values():
        rows = operations.iloc[positions]
        single = int(rows["vehicles_required"].max())
        if len(positions) == 1:
            total += single
            continue
        minutes = (rows["trips_per_day"].fillna(1) * rows["cycle_min"]).sum()
        span = float(rows["span_min"].max())
        total += max(single, math.ceil(minutes / span))
    return total


def _column(frame: pd.DataFrame, name: str, default: float) -> pd.Series:
    if name in frame.columns:
        values = pd.to_numeric(frame[name], errors="coerce").astype(float)
        return values.fillna(default)
    return pd.Series(default, index=frame.index, dtype=float)
