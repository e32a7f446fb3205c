"""The parameters of the siting rule (every threshold of DESIGN.md "Siting" is one)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from roadnet.errors import ConfigError
from roadnet.landuse import TIANKAN

#: Land-take width (metres) of a line project without ``width_m``, by kind.
DEFAULT_WIDTHS: Mapping[str, float] = MappingProxyType(
    {
        "network_link": 7.5,
        "village_paving": 4.5,
        "repair": 6.5,
        "continuing": 6.5,
        "other": 6.0,
    }
)
#: Ways to count parcels that overlap each other (OSM land use is not a tiling).
OVERLAP_MODES = ("smallest", "first", "sum")
#: Overlay engines: in memory (shapely STRtree) or partition by partition (dask-geopandas).
ENGINES = ("memory", "dask")
JOIN_STYLES = ("round", "mitre")


@dataclass(frozen=True)
class SitingParams:
    """Parameters of :func:`~roadnet.siting.compute_siting`.

    Attributes
    ----------
    default_widths
        Land-take width in metres of a line project whose ``width_m`` is missing, by project
        kind (``network_link`` 7.5, ``village_paving`` 4.5, ``repair`` 6.5, ``continuing``
        6.5, ``other`` 6.0). Entries given here replace the defaults of their kind.
    join_style
        Joins of the line buffer: ``round`` (default) or ``mitre``. Ends are always flat:
        the footprint stops where the alignment stops.
    overlaps
        What to do where parcels overlap each other (OSM land use; 三调 parcels tile the
        county and never do): ``smallest`` (default: the smallest parcel wins, the more
        specific mapping such as a pond inside a forest), ``first`` (the parcel earlier in
        the layer wins) or ``sum`` (every parcel counts its whole overlap: the categories
        may then add up to more than the footprint). The double-counted area is always
        reported as ``parcel_overlap_m2``.
    use_tbmj
        Scale each parcel's share to its recorded area: share = TBMJ × overlap / parcel
        geometry area (m²), the 三调 rule. Off: shares are planar overlap areas.
    tbmj_tolerance
        TBMJ is used only when it agrees with the parcel's geometry area within this
        relative difference (0.05 = 5 %); a TBMJ in 亩 or hectares, or a stale one, falls
        back to the planar area and is reported in the warnings. None uses TBMJ always.
    deduction_code
        Where the KCXS deduction goes when a parcel has no KCDLBM: ``1203`` 田坎.
    adjustable_in_compensation
        Count 三调 ``K`` (可调整) land in the farmland compensation owed. Off by default:
        K land is reported apart as ``adjustable_m2``.
    flag_min_m2
        An overlap smaller than this (m²) raises no flag (digitising slivers along shared
        boundaries); the area is still reported.
    engine
        ``memory`` (shapely STRtree, default) or ``dask`` (dask-geopandas, spatially
        partitioned parcels; the optional extra ``roadnet[dask]``).
    npartitions
        Number of parcel partitions of the dask engine (None: one per 100,000 parcels).
    simplify_tolerance_m
        A project geometry that is too large or too crowded (below) is simplified with
        Douglas–Peucker within this distance (metres; 0.5 m, below what 三调 parcel
        boundaries, digitised on ~1 m imagery, can tell). Reported in ``data_quality``.
    simplify_above_vertices
        Project geometries with more vertices than this are simplified; smaller ones are
        used as drawn unless crowded.
    max_vertices
        A project geometry with more vertices than this after simplification is refused
        (exit 2): no designed alignment needs it, and the overlay would not end.
    max_crowding
        An alignment with more vertices than this in one square as wide as its footprint
        (at least 10 m) is simplified, and refused if it still has after simplification:
        buffering a line that zig-zags within its own width costs time and memory growing
        with the square of the crowding.
    """

    default_widths: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WIDTHS)
    join_style: str = "round"
    overlaps: str = "smallest"
    use_tbmj: bool = True
    tbmj_tolerance: float | None = 0.05
    deduction_code: str = TIANKAN
    adjustable_in_compensation: bool = False
    flag_min_m2: float = 0.01
    engine: str = "memory"
    npartitions: int | None = None
    simplify_tolerance_m: float = 0.5
    simplify_above_vertices: int = 2_000
    max_vertices: int = 20_000
    max_crowding: int = 24

    def __post_init__(self) -> None:
        widths = {**DEFAULT_WIDTHS, **dict(self.default_widths)}
        for kind, width in widths.items():
            if isinstance(width, bool) or not (isinstance(width, int | float) and width > 0):
                raise ConfigError(
                    f"default width of {kind!r} projects must be a positive number of metres, "
                    f"not {width!r}"
                )
        object.__setattr__(self, "default_widths", MappingProxyType(widths))
        choices = {
            "overlaps": (self.overlaps, OVERLAP_MODES),
            "engine": (self.engine, ENGINES),
            "join_style": (self.join_style, JOIN_STYLES),
        }
        for name, (value, allowed) in choices.items():
            if value not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        if self.tbmj_tolerance is not None and not self.tbmj_tolerance >= 0:
            raise ConfigError(f"tbmj_tolerance must be >= 0, not {self.tbmj_tolerance}")
        if not self.flag_min_m2 >= 0:
            raise ConfigError(f"flag_min_m2 must be >= 0 m², not {self.flag_min_m2}")
        if self.npartitions is not None and self.npartitions < 1:
            raise ConfigError(f"npartitions must be at least 1, not {self.npartitions}")
        if not self.simplify_tolerance_m > 0:
            raise ConfigError(
                f"simplify_tolerance_m must be > 0 metres, not {self.simplify_tolerance_m}"
            )
        for name in ("simplify_above_vertices", "max_vertices", "max_crowding"):
            if not getattr(self, name) >= 2:
                raise ConfigError(f"{name} must be at least 2, not {getattr(self, name)}")

    def width_for(self, kind: object) -> float | None:
        """Default width (m) of a project kind; None for a kind without one."""
        if not isinstance(kind, str):
            return None
        return self.default_widths.get(kind)
