"""Patrol mileage: GPS tracks imported into a ledger, cleaned, matched to the roads, reported.

::

    from roadnet.patrol import import_files, compute_patrol

    import_files("layers/patrol-ledger.gpkg", ["terminal-2023.csv", "a.gpx"])
    report = compute_patrol(county, ledger="layers/patrol-ledger.gpkg")
    report.summary["matched_km"], report.headline()

Modules: :mod:`~roadnet.patrol.terminal` (reading terminal exports and GPX),
:mod:`~roadnet.patrol.events` (event lists), :mod:`~roadnet.patrol.ledger` (the GeoPackage
ledger, its :mod:`~roadnet.patrol.store` and file :mod:`~roadnet.patrol.registry`),
:mod:`~roadnet.patrol.clean` (cleaning), :mod:`~roadnet.patrol.matching` (HMM map
matching), :mod:`~roadnet.patrol.params` (the report's parameters),
:mod:`~roadnet.patrol.cache` (matched trips kept in the ledger),
:mod:`~roadnet.patrol.aggregate` (km per road, month, class, township, vehicle),
:mod:`~roadnet.patrol.event_snap` (events placed on roads and townships),
:mod:`~roadnet.patrol.mileage` (:func:`compute_patrol`), :mod:`~roadnet.patrol.result`
(:class:`PatrolResult`: JSON, headline, sheets), :mod:`~roadnet.patrol.simulate` (synthetic
tracks with known truth).
"""

from roadnet.patrol.clean import CleanedTracks, CleaningParams, clean_tracks, county_area
from roadnet.patrol.events import EventFile, events_from_layer, read_event_file
from roadnet.patrol.ledger import LEDGER_NAME, ImportResult, default_ledger, import_files
from roadnet.patrol.matching import MatchedPath, match_track, match_tracks
from roadnet.patrol.mileage import compute_patrol
from roadnet.patrol.params import MatchingParams, PatrolParams, params_from_config, period_bounds
from roadnet.patrol.registry import FileImport
from roadnet.patrol.result import PatrolResult
from roadnet.patrol.store import read_events, read_points
from roadnet.patrol.terminal import (
    TrackFile,
    county_timezone,
    read_track_file,
    resolve_inputs,
)

__all__ = [
    "LEDGER_NAME",
    "CleanedTracks",
    "CleaningParams",
    "EventFile",
    "FileImport",
    "ImportResult",
    "MatchedPath",
    "MatchingParams",
    "PatrolParams",
    "PatrolResult",
    "TrackFile",
    "clean_tracks",
    "compute_patrol",
    "county_area",
    "county_timezone",
    "default_ledger",
    "events_from_layer",
    "import_files",
    "match_track",
    "match_tracks",
    "params_from_config",
    "period_bounds",
    "read_event_file",
    "read_events",
    "read_points",
    "read_track_file",
    "resolve_inputs",
]
