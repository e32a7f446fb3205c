"""Which village is the county seat: named, marked as seat, or the most populous."""

from __future__ import annotations

import numpy as np
import pandas as pd

from roadnet.errors import ConfigError, LayerError


def find_seat(villages: pd.DataFrame, *, seat: str | None = None) -> int:
    """Row position of the county seat among the villages.

    ``seat`` names it by id or name; otherwise the ``seat`` village with the largest
    population, otherwise the most populous village.
    """
    return choose_seat(villages, seat=seat)[0]


def choose_seat(
    villages: pd.DataFrame, *, seat: str | None = None, source: str = "option"
) -> tuple[int, str]:
    """Row position of the county seat, and how it was chosen (a key of :data:`SEAT_SOURCES`).

    Parameters
    ----------
    villages
        The villages layer.
    seat
        Id or name of the seat, if one was given.
    source
        Where ``seat`` came from (``option`` or ``county_toml``).

    Raises
    ------
    ConfigError
        ``seat`` is neither a village id nor a village name.
    LayerError
        There are no villages.
    """
    if seat is not None:
        for column in ("id", "name"):
            if column in villages.columns:
                hits = np.flatnonzero(villages[column].astype(str).to_numpy() == str(seat))
                if len(hits):
                    return int(hits[0]), source
        where = "--seat" if source == "option" else 'seat = "..." in county.toml'
        raise ConfigError(
            f"county seat '{str(seat)[:80]}' ({where}) is neither a village id nor a village "
            "name; give the id or the exact name of a village"
        )
    if len(villages) == 0:
        raise LayerError("no villages to find the county seat among", layer="villages")
    known = (
        villages["population"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if "population" in villages.columns
        else np.full(len(villages), np.nan)
    )
    population = np.nan_to_num(known, nan=-1.0)
    if "seat" in villages.columns:
        flagged = villages["seat"].fillna(False).astype(bool).to_numpy()
        if flagged.any():
            candidates = np.flatnonzero(flagged)
            if len(candidates) > 1 and not np.isfinite(known[candidates]).any():
                return int(candidates[0]), "seat_flag_first"
            return int(candidates[np.argmax(population[candidates])]), "seat_flag"
    if not np.isfinite(known).any():
        return 0, "first_village"
    return int(np.argmax(population)), "most_populous"
