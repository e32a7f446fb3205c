"""Scenarios: "what if" changes to lines, stops and roads, compared with today.

- :mod:`~roadnet.scenario.file`: reading, parsing and checking a scenario file
  (:func:`read_scenario`, :func:`parse_scenario`, :class:`Scenario`, :class:`Change`);
- :mod:`~roadnet.scenario.edits`: applying changes to a county (:func:`apply_changes`,
  :class:`AppliedChanges`), with :mod:`~roadnet.scenario.roads` (road changes),
  :mod:`~roadnet.scenario.places` (where a change may put things) and
  :mod:`~roadnet.scenario.state` (the edits in progress);
- :mod:`~roadnet.scenario.compare`: the comparison with the baseline (:func:`run_scenario`,
  :class:`ScenarioResult`), with :mod:`~roadnet.scenario.notes` (its data-quality notes).
"""

from roadnet.scenario.compare import ScenarioResult, run_scenario
from roadnet.scenario.edits import AppliedChanges, apply_changes
from roadnet.scenario.file import Change, Scenario, as_changes, parse_scenario, read_scenario

__all__ = [
    "AppliedChanges",
    "Change",
    "Scenario",
    "ScenarioResult",
    "apply_changes",
    "as_changes",
    "parse_scenario",
    "read_scenario",
    "run_scenario",
]
