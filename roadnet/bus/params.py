"""The coverage rule's parameters: radius, metric, off-network distance, road joins."""

from __future__ import annotations

from dataclasses import dataclass, field

from roadnet.errors import ConfigError
from roadnet.lines import ServiceParams
from roadnet.parameters import require_number

METRICS = ("network", "straight")


#: How distance is measured: along roads (with connectors) or in a straight line.
@dataclass(frozen=True)
class CoverageParams:
    """Parameters of the coverage rule (every threshold of DESIGN.md is one).

    Attributes
    ----------
    radius_m
        A village is served when a stop is within this distance (metres).
    metric
        ``network`` (along roads, with connectors) or ``straight``.
    off_network_m
        A village whose connector to the nearest road exceeds this is flagged off-network.
    join_tolerance_m
        Join dangling road ends to a road passing within this many metres (digitising gaps)
        before routing; None leaves the network as drawn (gaps are still reported).
    service
        Defaults for line speed, layover and service span.
    """

    radius_m: float = 2000.0
    metric: str = "network"
    off_network_m: float = 1000.0
    join_tolerance_m: float | None = None
    service: ServiceParams = field(default_factory=ServiceParams)

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or self.metric not in METRICS:
            raise ConfigError(f"metric must be one of {', '.join(METRICS)}, not {self.metric!r}")
        object.__setattr__(self, "radius_m", require_number(self.radius_m, what="radius"))
        object.__setattr__(
            self, "off_network_m", require_number(self.off_network_m, what="off_network_m")
        )
        if self.join_tolerance_m is not None:
            join = require_number(self.join_tolerance_m, what="join", high=1000.0, zero=True)
            object.__setattr__(self, "join_tolerance_m", join)
