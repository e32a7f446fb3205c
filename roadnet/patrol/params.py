"""Parameters of the patrol mileage report, and how county.toml's ``[patrol]`` table sets them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from roadnet.errors import ConfigError
from roadnet.patrol.clean import CleaningParams
from roadnet.timeparse import CHINA_STANDARD_TIME

ROAD_CLASSES = ("national", "provincial", "county", "township", "village", "other")
CONFIG_KEYS = {
    # import
    "tracks": "track files or glob patterns, relative to county.toml",
    "events": "event lists (CSV/Excel), relative to county.toml",
    "coords": "WGS-84 (default), GCJ-02 or BD-09: the system of the tracks' lon/lat",
    "vehicle": "plate for GPX files and tables without one",
    "fields": "canonical field → column name of the terminal export",
    "ledger": "the ledger GeoPackage (default patrol-ledger.gpkg beside county.toml)",
    # report
    "target": "road classes of the target network (default county and township)",
    "sigma_m": 'GPS noise standard deviation (m), or "auto" to estimate it per trip',
    "beta_m": "transition scale of the map matcher (m)",
    "search_radius_m": "candidate search radius (m)",
    "max_speed_kmh": "implied speed above which a fix is a spike (km/h)",
    "max_gap_min": "time gap that ends a trip (minutes)",
    "area_buffer_m": "buffer of the county area outside which fixes are dropped (m)",
    "stop_speed_kmh": "reported speed below which a fix is stopped (km/h)",
    "patrolled_share": "share of a road's length to drive for it to count as patrolled",
}


@dataclass(frozen=True)
class MatchingParams:
    """Parameters of the hidden-Markov map matcher.

    Attributes
    ----------
    sigma_m
        Standard deviation of GPS noise (metres): 4–10 m for a good receiver, up to 50 m
        for vehicle terminals.
    beta_m
        Scale of the transition probability (metres): how much a route may differ from the
        straight distance between consecutive points.
    search_radius_m
        Edges within this distance of a point are candidates (metres); at least 2.5σ is
        used.
    max_candidates
        The nearest this many candidate edges per point are kept.
    min_spacing_m
        A point closer than this to the previous kept point is skipped (metres); None
        means 4σ.
    detour_m, detour_factor
        A route between consecutive candidates longer than
        ``max(detour_factor × straight, straight + detour_m)`` is impossible.
    window_steps
        Consecutive steps whose routes are computed on one corridor graph.
    max_fold_m
        A matched move along a road and straight back, driven twice for at most this many
        metres, is noise (a point matched just into a side road at a junction, or a point
        behind its predecessor) and is folded away; None means the search radius.
    estimate_sigma
        Estimate σ per track from the data instead of using ``sigma_m``: 1.4826 × the
        median distance of the points to their nearest road (Newson & Krumm's estimator),
        kept between 5 and 50 m.
    """

    sigma_m: float = 20.0
    beta_m: float = 50.0
    search_radius_m: float = 50.0
    max_candidates: int = 8
    min_spacing_m: float | None = None
    detour_m: float = 2000.0
    detour_factor: float = 2.0
    window_steps: int = 64
    max_fold_m: float | None = None
    estimate_sigma: bool = False

    def __post_init__(self) -> None:
        positive = {
            "sigma_m": self.sigma_m,
            "beta_m": self.beta_m,
            "search_radius_m": self.search_radius_m,
            "max_candidates": self.max_candidates,
            "detour_factor": self.detour_factor,
            "window_steps": self.window_steps,
        }
        for name, value in positive.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ConfigError(f"matching parameter {name} must be a positive number: {value!r}")
        if self.detour_m < 0 or (self.min_spacing_m is not None and self.min_spacing_m < 0):
            raise ConfigError("matching parameters detour_m and min_spacing_m must be >= 0")

    @property
    def radius_m(self) -> float:
        """The search radius used (metres): ``search_radius_m``, at least 2.5σ."""
        return max(self.search_radius_m, 2.5 * self.sigma_m)

    @property
    def fold_m(self) -> float:
        """Back-and-forth moves up to this deep are folded away (metres)."""
        return self.radius_m if self.max_fold_m is None else self.max_fold_m

    @property
    def spacing_m(self) -> float:
        """The minimum spacing of kept points (metres)."""
        return 4.0 * self.sigma_m if self.min_spacing_m is None else self.min_spacing_m


@dataclass(frozen=True)
class PatrolParams:
    """Parameters of the patrol mileage report.

    Attributes
    ----------
    matching
        Map-matching parameters (σ, β, search radius ...).
    cleaning
        Cleaning thresholds (speed, gap, area buffer).
    target_classes
        Road classes of the target network (county and township roads by default).
    patrolled_share
        A target road counts as patrolled when at least this share of its length was driven.
    min_pass_m
        A drive along a road counts as a pass when it covers at least this many metres (or
        half the road, for shorter roads).
    event_snap_m
        Events farther than this from every road (metres) get no road.
    cache
        Reuse and store matched trips in the ledger.
    """

    matching: MatchingParams = field(default_factory=MatchingParams)
    cleaning: CleaningParams = field(default_factory=CleaningParams)
    target_classes: tuple[str, ...] = ("county", "township")
    patrolled_share: float = 0.1
    min_pass_m: float = 50.0
    event_snap_m: float = 1000.0
    cache: bool = True

    def __post_init__(self) -> None:
        unknown = [c for c in self.target_classes if c not in ROAD_CLASSES]
        if unknown or not self.target_classes:
            raise ConfigError(
                f"target road classes must be among {', '.join(ROAD_CLASSES)}; got "
                f"{', '.join(self.target_classes) or 'none'}"
            )
        if not 0.0 <= self.patrolled_share <= 1.0:
            raise ConfigError(f"patrolled_share must be between 0 and 1: {self.patrolled_share}")


def params_from_config(
    table: Mapping[str, Any], *, target: str | None = None, cache: bool = True
) -> PatrolParams:
    """PatrolParams from county.toml's ``[patrol]`` table (and a ``--target`` list).

    Raises
    ------
    ConfigError
        An unknown key or a bad value.
    """
    unknown = sorted(set(table) - set(CONFIG_KEYS))
    if unknown:
        keys = "; ".join(f"{k}: {v}" for k, v in CONFIG_KEYS.items())
        raise ConfigError(f"county.toml [patrol]: unknown key '{unknown[0]}'. Keys: {keys}")
    matching: dict[str, Any] = {
        k: _number(table[k], k) for k in ("beta_m", "search_radius_m") if k in table
    }
    if str(table.get("sigma_m", "")).strip().lower() == "auto":
        matching["estimate_sigma"] = True
    elif "sigma_m" in table:
        matching["sigma_m"] = _number(table["sigma_m"], "sigma_m")
    cleaning: dict[str, Any] = {}
    if "max_speed_kmh" in table:
        cleaning["max_speed_kmh"] = _number(table["max_speed_kmh"], "max_speed_kmh")
    if "max_gap_min" in table:
        cleaning["max_gap_s"] = _number(table["max_gap_min"], "max_gap_min") * 60.0
    if "area_buffer_m" in table:
        cleaning["area_buffer_m"] = _number(table["area_buffer_m"], "area_buffer_m")
    if "stop_speed_kmh" in table:
        cleaning["stop_speed_kmh"] = _number(table["stop_speed_kmh"], "stop_speed_kmh")
    classes = target if target is not None else table.get("target")
    extra: dict[str, Any] = {}
    if classes is not None:
        items = classes.split(",") if isinstance(classes, str) else list(classes)
        extra["target_classes"] = tuple(_road_class(str(c)) for c in items if str(c).strip())
    if "patrolled_share" in table:
        extra["patrolled_share"] = _number(table["patrolled_share"], "patrolled_share")
    return PatrolParams(
        matching=MatchingParams(**matching),
        cleaning=CleaningParams(**cleaning),
        cache=cache,
        **extra,
    )


def _number(value: Any, key: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"county.toml [patrol] {key} = {value!r} is not a number") from None


def _road_class(text: str) -> str:
    from roadnet.schema import ROAD_CLASSES as ALIASES

    key = text.strip()
    hit = ALIASES.get(key) or ALIASES.get(key.lower())
    if hit is None:
        raise ConfigError(
            f"unknown road class {text!r} in the target; use {', '.join(ROAD_CLASSES)}"
        )
    return hit


def period_bounds(
    start: dt.date | None, end: dt.date | None, *, tz: dt.tzinfo = CHINA_STANDARD_TIME
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """UTC bounds ``[start 00:00, end + 1 day 00:00)`` of local dates (inclusive range)."""
    if start is not None and end is not None and end < start:
        raise ConfigError(f"--to {end} is before --from {start}")

    def midnight(day: dt.date) -> pd.Timestamp:
        local = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        return pd.Timestamp(local).tz_convert("UTC")

    return (
        None if start is None else midnight(start),
        None if end is None else midnight(end + dt.timedelta(days=1)),
    )
