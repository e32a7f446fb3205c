"""The hardened-road and RAI rules' parameters, and how a county seat may be chosen."""

from __future__ import annotations

from dataclasses import dataclass

from roadnet.errors import ConfigError
from roadnet.parameters import require_number

#: How roads without a surface value may be counted (see the module docstring).
UNKNOWN_SURFACE_RULES = ("unpaved", "paved", "exclude")

#: How the county seat was chosen (``AccessResult.seat["source"]``): zh, en.
SEAT_SOURCES: dict[str, tuple[str, str]] = {
    "option": ("由 --seat 指定", "given with --seat"),
    "county_toml": ("由 county.toml 的 seat 指定", "named by seat in county.toml"),
    "seat_flag": (
        "标为驻地（seat）的村（多个时取人口最多者）",
        "the village marked as seat (the most populous one when several are)",
    ),
    "seat_flag_first": (
        "标为驻地（seat）的村均无人口，取第一个",
        "the first village marked as seat (none has a population)",
    ),
    "most_populous": (
        "没有村标为驻地（seat），取人口最多的村",
        "no village is marked as seat: the most populous village",
    ),
    "first_village": (
        "没有村标为驻地（seat），也没有人口，取第一个村",
        "no village is marked as seat and none has a population: the first village",
    ),
}


@dataclass(frozen=True)
class AccessParams:
    """Parameters of the hardened-road and RAI rules.

    Attributes
    ----------
    connector_m
        Largest straight distance (metres) from a village to the paved road.
    rai_radius_m
        Rural Access Index radius (metres) around all-season roads.
    hardened
        Surfaces that count as hardened.
    all_season
        Surfaces that count as all-season for the RAI.
    seat
        Id or name of the county seat village; by default the ``seat`` village with the
        largest population (or the county.toml ``seat`` key).
    unknown_surface
        How roads without a surface value count: ``unpaved`` (default), ``paved`` or
        ``exclude`` (see the module docstring).
    """

    connector_m: float = 500.0
    rai_radius_m: float = 2000.0
    hardened: tuple[str, ...] = ("paved",)
    all_season: tuple[str, ...] = ("paved", "gravel")
    seat: str | None = None
    unknown_surface: str = "unpaved"

    def __post_init__(self) -> None:
        object.__setattr__(self, "connector_m", require_number(self.connector_m, what="connector"))
        object.__setattr__(
            self, "rai_radius_m", require_number(self.rai_radius_m, what="rai_radius_m")
        )
        if self.seat is not None and not isinstance(self.seat, str):
            object.__setattr__(self, "seat", str(self.seat))
        if self.unknown_surface not in UNKNOWN_SURFACE_RULES:
            raise ConfigError(
                f"unknown_surface must be one of {', '.join(UNKNOWN_SURFACE_RULES)}, "
                f"not {str(self.unknown_surface)[:40]!r}"
            )
