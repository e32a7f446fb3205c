"""What a county's ``[patrol]`` table names: the ledger, the track files and the event lists.

::

    [patrol]
    ledger = "patrol-ledger.gpkg"                 # default: beside county.toml
    tracks = ["patrol/terminal-2023.csv", "patrol/*.gpx"]
    events = ["patrol/events-2023.csv"]
    coords = "GCJ-02"                            # optional, for terminal exports

The command line, the annual report and the demo all import a county's patrol files through
:func:`import_county`, so they agree on what is imported and where.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roadnet.errors import ConfigError
from roadnet.manifest import Manifest
from roadnet.patrol.events import EventFile, events_from_layer
from roadnet.patrol.ledger import ImportResult, ProgressCallback, default_ledger, import_files
from roadnet.patrol.terminal import county_timezone, resolve_inputs
from roadnet.patrol.timefill import TimeFill


def county_ledger(manifest: Manifest, *, ledger: str | Path | None = None) -> Path:
    """The patrol ledger: ``ledger`` if given, else ``[patrol] ledger``, else the default."""
    if ledger is not None:
        return Path(ledger)
    configured = manifest.patrol.get("ledger")
    if configured is not None and not isinstance(configured, str):
        raise ConfigError(
            f'county.toml [patrol] ledger must be a file name (ledger = "patrol-ledger.gpkg"), '
            f"not {str(configured)[:60]}"
        )
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_absolute() else manifest.root / path
    return default_ledger(manifest.root)


@dataclass(frozen=True)
class PatrolSources:
    """The files and layers a county's ``[patrol]`` table (and its layers) name."""

    tracks: list[Path] = field(default_factory=list)
    events: list[Path] = field(default_factory=list)
    event_layers: list[EventFile] = field(default_factory=list)


def county_sources(manifest: Manifest) -> PatrolSources:
    """Resolve the ``[patrol]`` tracks, events and the ``patrol_events`` layer.

    Globs are relative to county.toml; the layer is read when county.toml names one.
    """
    table = manifest.patrol
    tracks = resolve_inputs(_as_list(table.get("tracks"), "tracks"), root=manifest.root)
    events = resolve_inputs(_as_list(table.get("events"), "events"), root=manifest.root)
    layers = []
    if "patrol_events" in manifest.layers:
        from roadnet.county import load_county

        layer = load_county(manifest, layers=["patrol_events"]).layer("patrol_events")
        layers.append(events_from_layer(layer, source="layer patrol_events"))
    return PatrolSources(tracks, events, layers)


def import_county(
    manifest: Manifest,
    ledger: str | Path,
    *,
    files: Sequence[str | Path] | None = None,
    events: Sequence[str | Path] = (),
    vehicle: str | None = None,
    coords: str | None = None,
    fill: TimeFill | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import a county's patrol files into the ledger (idempotent, one transaction).

    Parameters
    ----------
    manifest
        The county; its ``[patrol]`` table gives the files, ``vehicle``, ``coords`` and
        ``fields``, and its ``timezone`` the zone of naive times.
    ledger
        The ledger GeoPackage (created when missing).
    files
        Track files to import instead of the ``[patrol] tracks`` (the county's event lists
        and layer are then not imported either).
    events
        Further event lists.
    vehicle, coords
        Override ``[patrol] vehicle`` / ``coords``.
    fill
        Times for tracks recorded without them (:class:`~roadnet.patrol.timefill.TimeFill`).
    """
    table = manifest.patrol
    if files is None:
        sources = county_sources(manifest)
    else:
        sources = PatrolSources(resolve_inputs([str(f) for f in files]))
    return import_files(
        ledger,
        sources.tracks,
        events=[*sources.events, *(Path(e) for e in events)],
        event_layers=sources.event_layers,
        vehicle=vehicle or table.get("vehicle"),
        coords=coords or str(table.get("coords", "WGS-84")),
        fields=table.get("fields"),
        tz=county_timezone(manifest.extra.get("timezone")),
        fill=fill,
        progress=progress,
    )


def _as_list(value: Any, key: str) -> list[str]:
    """A ``[patrol]`` list of file names or patterns (one name alone is a list of one)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(
        f"county.toml [patrol] {key} must be a file name or a list of them ({key} = "
        f'["patrol/*.csv", "patrol/*.gpx"]), not {str(value)[:60]}'
    )
