"""Comparing a scenario with its baseline: :class:`ScenarioResult` and :func:`run_scenario`.

Coverage (and access, when the roads have surfaces) run on the baseline county and on the
changed one; the result holds both and builds its own outputs: :meth:`~ScenarioResult.to_json`
(the JSON of ``roadnet scenario --json``), :meth:`~ScenarioResult.headline` (the one sentence
the map, the demo and scripts show) and :meth:`~ScenarioResult.sheets` (the workbook).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from roadnet.bus import CoverageResult, compute_coverage
from roadnet.county import County, load_county
from roadnet.errors import ConfigError, LayerError, ReadError
from roadnet.labels import MAP_TEXT, SCENARIO_FIGURES, label
from roadnet.network import RoadGraph, build_graph
from roadnet.paved import AccessResult, compute_access
from roadnet.quality import DataQuality
from roadnet.scenario.edits import apply_changes
from roadnet.scenario.file import (
    Change,
    Scenario,
    _access_params,
    _coverage_params,
    read_scenario,
)
from roadnet.scenario.notes import merge_notes
from roadnet.sheets import notes_sheet


def _empty_roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[])


@dataclass(frozen=True)
class ScenarioResult:
    """Baseline against scenario: coverage and access of both, and the difference.

    Attributes
    ----------
    scenario
        The scenario run (for a script's changes, one without a file).
    baseline_county, scenario_county
        The county before and after the changes.
    baseline_coverage, scenario_coverage
        Coverage of each.
    baseline_access, scenario_access
        Access of each (None when the roads have no surfaces or the seat is not near one).
    new_lines, new_roads
        Ids of the lines and roads the changes added.
    quality
        The run's data-quality notes (the county's, both runs', and the changes').
    paved_roads, added_roads
        The roads whose surface the changes set, and the roads they added (rows of the
        scenario county's roads, metric CRS): what the scenario map highlights.
    """

    scenario: Scenario
    baseline_county: County
    scenario_county: County
    baseline_coverage: CoverageResult
    scenario_coverage: CoverageResult
    baseline_access: AccessResult | None
    scenario_access: AccessResult | None
    new_lines: tuple[str, ...]
    new_roads: tuple[str, ...]
    quality: DataQuality = field(default_factory=DataQuality)
    paved_roads: gpd.GeoDataFrame = field(default_factory=_empty_roads, repr=False)
    added_roads: gpd.GeoDataFrame = field(default_factory=_empty_roads, repr=False)

    @property
    def delta(self) -> dict[str, Any]:
        """Villages gained and lost, population and other differences."""
        before = self.baseline_coverage.villages.set_index("id")
        after = self.scenario_coverage.villages.set_index("id")
        admin = before["kind"] == "administrative"
        gained = [str(i) for i in before.index[admin & ~before["served"] & after["served"]]]
        lost = [str(i) for i in before.index[admin & before["served"] & ~after["served"]]]
        b, s = self.baseline_coverage.summary, self.scenario_coverage.summary
        delta: dict[str, Any] = {
            "villages_gained": gained,
            "villages_lost": lost,
            "population_delta": s["population_served"] - b["population_served"],
            "villages_served_delta": s["villages_served"] - b["villages_served"],
            "townships_served_delta": None
            if b["townships_total"] is None
            else s["townships_served"] - b["townships_served"],
            "vehicles_required_delta": s["vehicles_required"] - b["vehicles_required"],
        }
        bt, st = self.baseline_coverage.townships, self.scenario_coverage.townships
        if not bt.empty:
            tb = bt.set_index("id")["served"]
            ts = st.set_index("id")["served"]
            delta["townships_gained"] = [
                str(i) for i in tb.index[~tb & ts.reindex(tb.index).fillna(False).astype(bool)]
            ]
            delta["townships_lost"] = [
                str(i) for i in tb.index[tb & ~ts.reindex(tb.index).fillna(False).astype(bool)]
            ]
        if self.baseline_access is not None and self.scenario_access is not None:
            va = self.baseline_access.villages.set_index("id")
            vb = self.scenario_access.villages.set_index("id")
            newly = va.index[~va["connected"] & vb["connected"]]
            delta["villages_connected_gained"] = [str(i) for i in newly]
            delta["villages_connected_delta"] = (
                self.scenario_access.summary["villages_connected"]
                - self.baseline_access.summary["villages_connected"]
            )
            ra, rb = self.baseline_access.summary["rai"], self.scenario_access.summary["rai"]
            delta["rai_delta"] = None if ra is None or rb is None else round(rb - ra, 4)
        delta["lines_changed"] = self.lines_changed()
        return delta

    def lines_changed(self) -> list[dict[str, Any]]:
        """Lines of both runs whose length, cycle time or vehicles changed, before and after."""
        columns = ["length_km", "cycle_min", "vehicles_required", "stops"]
        before = self.baseline_coverage.lines.set_index(
            self.baseline_coverage.lines["id"].astype(str)
        )
        after = self.scenario_coverage.lines.set_index(
            self.scenario_coverage.lines["id"].astype(str)
        )
        out: list[dict[str, Any]] = []
        for line_id in [i for i in after.index if i in before.index]:
            b, a = before.loc[line_id], after.loc[line_id]
            if isinstance(b, pd.DataFrame) or isinstance(a, pd.DataFrame):
                continue  # a duplicated id: no one-to-one comparison
            figures = {c: (_plain_number(b[c]), _plain_number(a[c])) for c in columns}
            if all(x == y for x, y in figures.values()):
                continue
            row: dict[str, Any] = {"id": line_id, "name": str(a.get("name", line_id))}
            for column, (x, y) in figures.items():
                row[f"{column}_before"] = x
                row[f"{column}_after"] = y
            out.append(row)
        return out

    @property
    def summary(self) -> dict[str, Any]:
        """The comparison in figures: each figure today, in the scenario, and the change.

        ``{key: {"baseline": b, "scenario": s, "change": s - b}}`` for the keys of
        :data:`SCENARIO_FIGURES` either run has, then the counts ``villages_gained``,
        ``villages_lost``, ``villages_connected_gained`` (with access), ``lines_changed``,
        ``new_lines`` and ``new_roads``.
        """
        doc_before = _summary(self.baseline_coverage, self.baseline_access)
        doc_after = _summary(self.scenario_coverage, self.scenario_access)
        out: dict[str, Any] = {}
        for key in SCENARIO_FIGURES:
            before, after = doc_before.get(key), doc_after.get(key)
            if before is None and after is None:
                continue
            change = None if before is None or after is None else after - before
            if isinstance(change, float):
                change = round(change, 4)
            out[key] = {"baseline": before, "scenario": after, "change": change}
        delta = self.delta
        out["villages_gained"] = len(delta["villages_gained"])
        out["villages_lost"] = len(delta["villages_lost"])
        if "villages_connected_gained" in delta:
            out["villages_connected_gained"] = len(delta["villages_connected_gained"])
        out["lines_changed"] = len(delta["lines_changed"])
        out["new_lines"] = len(self.new_lines)
        out["new_roads"] = len(self.new_roads)
        return out

    def headline(self, *, lang: str = "zh") -> str:
        """The change in one sentence: villages gained and lost, population served.

        The one wording of the scenario's outcome: the map's subtitle, the demo's and the
        scripts' line. Example: "新增通客车建制村 5 个，失去 0 个，服务人口 +3,200".

        Parameters
        ----------
        lang
            ``zh`` (default) or ``en``.
        """
        delta = self.delta
        text = label(
            MAP_TEXT,
            "scenario_headline",
            lang,
            gained=len(delta["villages_gained"]),
            lost=len(delta["villages_lost"]),
            population=f"{int(delta['population_delta']):+,}",
        )
        connected = delta.get("villages_connected_gained") or []
        if connected:
            text += label(MAP_TEXT, "scenario_connected", lang, count=len(connected))
        description = self.scenario.description.strip()
        if description:
            text += f"（{description}）" if lang == "zh" else f" ({description})"
        return text

    def sheets(self, *, lang: str = "zh") -> dict[str, pd.DataFrame]:
        """Tables for the workbook: the comparison, the changed lines, and the notes.

        Parameters
        ----------
        lang
            ``zh`` (default) or ``en``: sheet names and the comparison's item names.

        Returns
        -------
        dict of str to pandas.DataFrame
            Sheet name → table; column names are keys of :data:`roadnet.labels.COLUMNS`,
            translated when written (a key it does not hold is written as it is).
        """
        zh = lang == "zh"
        summary = self.summary
        rows = [
            (
                SCENARIO_FIGURES[key][0 if zh else 1],
                value["baseline"],
                value["scenario"],
                value["change"],
            )
            for key, value in summary.items()
            if key in SCENARIO_FIGURES
        ]
        comparison = pd.DataFrame(rows, columns=["item", "baseline", "scenario", "change"])
        lines = pd.DataFrame(self.delta["lines_changed"])
        sheets = {
            ("对比" if zh else "Comparison"): comparison,
            ("线路变化" if zh else "Lines changed"): lines,
            ("新增通客车建制村" if zh else "Villages gained"): self._villages("villages_gained"),
            ("失去公交服务建制村" if zh else "Villages lost"): self._villages("villages_lost"),
        }
        sheets |= notes_sheet(self.quality, lang=lang)
        return sheets

    def _villages(self, key: str) -> pd.DataFrame:
        villages = self.scenario_coverage.villages
        ids = set(self.delta[key])
        columns = [c for c in ("id", "name", "township", "population") if c in villages]
        return villages.loc[villages["id"].astype(str).isin(ids), columns].reset_index(drop=True)

    def to_json(self) -> dict[str, Any]:
        """JSON document: ``baseline``, ``scenario`` (coverage and access summaries), ``delta``."""
        return {
            "name": self.scenario.name,
            "description": self.scenario.description,
            "baseline": _summary(self.baseline_coverage, self.baseline_access),
            "scenario": _summary(self.scenario_coverage, self.scenario_access),
            "delta": self.delta,
            "new_lines": list(self.new_lines),
            "new_roads": list(self.new_roads),
            "data_quality": self.quality.to_json(),
        }


def _summary(coverage: CoverageResult, access: AccessResult | None) -> dict[str, Any]:
    out = dict(coverage.summary)
    if access is not None:
        for key, value in access.summary.items():
            out.setdefault(key, value)
    return out


def run_scenario(
    scenario: Scenario | str | Path | County,
    changes: Sequence[Change | Mapping[str, Any]] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    name: str = "scenario",
    description: str = "",
) -> ScenarioResult:
    """Apply a scenario's changes and compare coverage and access with the baseline.

    Parameters
    ----------
    scenario
        A scenario file (path), a parsed :class:`Scenario`, or a baseline
        :class:`~roadnet.county.County` with ``changes``.
    changes
        With a County: the changes, as :class:`Change` objects or plain dicts
        (``{"op": "add_line", "stops": [...]}``); not given with a file.
    params
        With a County: the scenario parameters (``[params]``: ``radius_m``, ``metric`` …).
    name, description
        With a County: the scenario's name and description (for the JSON and headline).

    Returns
    -------
    ScenarioResult
        ``summary``, ``headline()``, ``sheets()``, ``to_json()``.

    Raises
    ------
    ConfigError
        A change that cannot apply, or changes given with a file.
    ReadError
        The file or its baseline cannot be read.
    """
    if isinstance(scenario, County):
        if changes is None:
            raise ConfigError(
                "run_scenario(county, changes): give the changes to apply to the county "
                '(a list of {"op": ...} dicts)'
            )
        county = scenario
        scenario = Scenario(
            name=name,
            baseline=county.manifest.path or county.manifest.root,
            changes=(),
            params=dict(params or {}),
            description=description,
        )
        return _compare(scenario, county, changes)
    if changes is not None or params is not None:
        raise ConfigError(
            "run_scenario: a scenario file holds its own changes and [params]; give changes "
            "and params only with a County"
        )
    if not isinstance(scenario, Scenario):
        scenario = read_scenario(scenario)
    try:
        county = load_county(scenario.baseline)
    except ReadError as exc:
        raise ReadError(f"{scenario.path}: baseline {scenario.baseline}: {exc}") from exc
    return _compare(scenario, county, scenario.changes)


def _compare(
    scenario: Scenario, county: County, changes: Sequence[Change | Mapping[str, Any]]
) -> ScenarioResult:
    baseline_graph: RoadGraph | None = (
        build_graph(county.layer("roads")) if county.has("roads") else None
    )
    applied = apply_changes(
        county, changes, graph=baseline_graph, params=scenario.params, path=scenario.path
    )
    changed, params = applied.county, applied.params
    base_params = dict(scenario.params)
    cov_base = _coverage_params(base_params)
    cov_new = _coverage_params(params)
    scenario_graph = applied.graph
    if scenario_graph is None and changed.has("roads"):
        scenario_graph = build_graph(changed.layer("roads"))
    base_cov = compute_coverage(county, params=cov_base, graph=baseline_graph)
    new_cov = compute_coverage(changed, params=cov_new, graph=scenario_graph)
    base_acc = new_acc = None
    if county.has("roads") and county.layers["roads"]["surface"].notna().any():
        # Access needs surfaces and a county seat near a paved road; without them the
        # scenario still compares coverage.
        try:
            base_acc = compute_access(
                county, params=_access_params(base_params), graph=baseline_graph
            )
            new_acc = compute_access(changed, params=_access_params(params), graph=scenario_graph)
        except LayerError:
            base_acc = new_acc = None
    quality = merge_notes(county.quality, [base_cov, base_acc], [new_cov, new_acc], applied.quality)
    return ScenarioResult(
        scenario=scenario,
        baseline_county=county,
        scenario_county=changed,
        baseline_coverage=base_cov,
        scenario_coverage=new_cov,
        baseline_access=base_acc,
        scenario_access=new_acc,
        new_lines=applied.new_lines,
        new_roads=applied.new_roads,
        quality=quality,
        paved_roads=applied.paved_roads,
        added_roads=applied.added_roads,
    )


def _plain_number(value: Any) -> float | int | None:
    """A figure for JSON: lengths to the metre, minutes to 0.1, counts whole; None if unknown."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    return round(float(value), 3)
