"""The analyses as plain functions for scripts: ``rn.coverage(county)``, ``rn.access(county)``.

Each wraps the analysis of its module (:func:`roadnet.bus.compute_coverage`,
:func:`roadnet.paved.compute_access`) with the parameters as keywords, so a script needs
no parameter dataclass::

    import roadnet as rn
    county = rn.load_county("layers/county.toml")
    graph = rn.build_graph(county.layer("roads"))
    result = rn.coverage(county, radius=3000, graph=graph)
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import TYPE_CHECKING, Any

from roadnet.errors import ConfigError

if TYPE_CHECKING:
    from roadnet.bus import CoverageResult
    from roadnet.county import County
    from roadnet.network import RoadGraph
    from roadnet.paved import AccessResult


def coverage(
    county: County,
    *,
    radius: float = 2000.0,
    metric: str = "network",
    graph: RoadGraph | None = None,
    **params: Any,
) -> CoverageResult:
    """Bus coverage of a county's villages: which are within ``radius`` of a stop.

    Parameters
    ----------
    county
        The county (:func:`roadnet.load_county`); needs villages, bus stops and lines, and
        roads for the network metric.
    radius
        Service radius around a stop, in metres.
    metric
        ``network`` (along roads, the default) or ``straight``.
    graph
        The routing graph of the county's roads (:func:`roadnet.build_graph`), to reuse one
        across calls instead of building it each time.
    **params
        Other fields of :class:`roadnet.bus.CoverageParams` (``off_network_m``,
        ``join_tolerance_m``, ``service``).

    Returns
    -------
    roadnet.bus.CoverageResult
        ``summary``, ``headline()``, ``sheets()``, ``to_json()``, ``villages``, ``lines`` …

    Raises
    ------
    ConfigError
        A parameter the analysis does not know, or a value it cannot use.
    """
    from roadnet.bus import CoverageParams, compute_coverage

    options = _params(CoverageParams, {"radius_m": radius, "metric": metric, **params})
    return compute_coverage(county, params=options, graph=graph)


def access(county: County, *, graph: RoadGraph | None = None, **params: Any) -> AccessResult:
    """Which villages reach the county seat by hardened road, and the Rural Access Index.

    Parameters
    ----------
    county
        The county (:func:`roadnet.load_county`); needs roads with ``surface`` and villages.
    graph
        The routing graph of the county's roads (:func:`roadnet.build_graph`), to reuse.
    **params
        Fields of :class:`roadnet.paved.AccessParams`: ``connector_m``, ``rai_radius_m``,
        ``hardened``, ``all_season``, ``seat`` (a village id or name),
        ``unknown_surface``.

    Returns
    -------
    roadnet.paved.AccessResult
        ``summary``, ``headline()``, ``sheets()``, ``to_json()``, ``villages`` …

    Raises
    ------
    ConfigError
        A parameter the analysis does not know, or a value it cannot use.
    LayerError
        No road has a surface, or the seat is far from every paved road.
    """
    from roadnet.paved import AccessParams, compute_access

    return compute_access(county, params=_params(AccessParams, params), graph=graph)


def _params(kind: Any, values: dict[str, Any]) -> Any:
    """The parameter dataclass ``kind`` from keywords; an unknown keyword is a ConfigError."""
    known = [f.name for f in dataclasses.fields(kind)]
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(
                f"unknown parameter '{key}'{hint}; known: {', '.join(known)}",
            )
    return kind(**values)
