"""roadnet: bus coverage, road access, patrol mileage and project siting for county bureaus.

The scripting API (``docs/api.md`` has a complete script)::

    import roadnet as rn

    county = rn.load_county("layers/county.toml")
    graph = rn.build_graph(county.layer("roads"))          # build once, pass it on
    today = rn.coverage(county, radius=2000, graph=graph)
    line = {"op": "add_line", "stops": ["县城汽车站", "德窑社区"], "trips_per_day": 2}
    applied = rn.apply_changes(county, [line], graph=graph)   # changed county, new lines ...
    result = rn.run_scenario(county, [line])
    print(result.headline())

Names are imported on first use (PEP 562), so ``import roadnet`` stays light: geopandas,
scipy and pandas load only when an analysis runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from roadnet.errors import (
    ConfigError,
    LayerError,
    MissingLayerError,
    Problem,
    ReadError,
    RoadnetError,
    ValidationError,
)

if TYPE_CHECKING:
    from roadnet.api import access, coverage
    from roadnet.bus import CoverageResult
    from roadnet.county import County, inspect_county, load_county
    from roadnet.network import RoadGraph, build_graph
    from roadnet.paved import AccessResult, find_seat
    from roadnet.scenario import (
        AppliedChanges,
        Change,
        Scenario,
        ScenarioResult,
        apply_changes,
        read_scenario,
        run_scenario,
    )

#: Public name → the module it lives in (imported when the name is first used).
_LAZY = {
    "County": "roadnet.county",
    "load_county": "roadnet.county",
    "inspect_county": "roadnet.county",
    "coverage": "roadnet.api",
    "access": "roadnet.api",
    "CoverageResult": "roadnet.bus",
    "AccessResult": "roadnet.paved",
    "find_seat": "roadnet.paved",
    "build_graph": "roadnet.network",
    "RoadGraph": "roadnet.network",
    "apply_changes": "roadnet.scenario",
    "AppliedChanges": "roadnet.scenario",
    "run_scenario": "roadnet.scenario",
    "ScenarioResult": "roadnet.scenario",
    "read_scenario": "roadnet.scenario",
    "Scenario": "roadnet.scenario",
    "Change": "roadnet.scenario",
}

__all__ = [
    "AccessResult",
    "AppliedChanges",
    "Change",
    "ConfigError",
    "County",
    "CoverageResult",
    "LayerError",
    "MissingLayerError",
    "Problem",
    "ReadError",
    "RoadGraph",
    "RoadnetError",
    "Scenario",
    "ScenarioResult",
    "ValidationError",
    "access",
    "apply_changes",
    "build_graph",
    "coverage",
    "find_seat",
    "inspect_county",
    "load_county",
    "read_scenario",
    "run_scenario",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'roadnet' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazy ones included."""
    return sorted(set(globals()) | set(__all__))
