"""Scenarios from a script: dict changes, AppliedChanges, run_scenario(county, changes), sheets."""

from __future__ import annotations

import textwrap

import numpy as np
import openpyxl
import pytest

from roadnet.cli import main
from roadnet.county import load_county
from roadnet.errors import ConfigError
from roadnet.network import build_graph
from roadnet.scenario import AppliedChanges, Change, apply_changes, run_scenario
from tests import countyfixture

ADD_L2 = {"op": "add_line", "id": "L2", "name": "2路", "stops": ["县城站", "李家窑"]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("county")
    countyfixture.write_county(path)
    return path


@pytest.fixture(scope="module")
def county(folder):
    return load_county(folder / "county.toml")


def _write(folder, body, name="s.toml"):
    path = folder / name
    text = f'name = "测试"\nbaseline = "county.toml"\n{textwrap.dedent(body)}'
    path.write_text(text, encoding="utf-8")
    return path


def test_dict_changes_give_the_file_result(folder, county):
    path = _write(
        folder,
        """
        [[change]]
        op = "add_line"
        id = "L2"
        name = "2路"
        stops = ["县城站", "李家窑"]
        [[change]]
        op = "pave_roads"
        roads = ["R2"]
    """,
    )
    from_file = run_scenario(path).to_json()
    from_dicts = run_scenario(
        county, [ADD_L2, {"op": "pave_roads", "roads": ["R2"]}], name="测试"
    ).to_json()
    assert from_dicts == from_file


def test_dict_change_messages_name_the_position(county):
    with pytest.raises(ConfigError, match=r"^changes\[1\] \(remove_line\): no line 'L9'"):
        apply_changes(county, [ADD_L2, {"op": "remove_line", "line": "L9"}])
    with pytest.raises(ConfigError, match=r"^changes\[0\] \(add_line\): missing stops"):
        apply_changes(county, [{"op": "add_line", "id": "L3"}])
    with pytest.raises(ConfigError, match=r"changes\[0\]: a change is a dict"):
        apply_changes(county, ["add_line"])
    # a Change built in a script, without a file position, is named by its place too
    with pytest.raises(ConfigError, match=r"^changes\[0\] \(remove_line\)"):
        apply_changes(county, [Change("remove_line", {"op": "remove_line", "line": "L9"})])


def test_applied_changes_hold_new_lines_paved_and_added_roads(county):
    graph = build_graph(county.layer("roads"))
    applied = apply_changes(
        county,
        [
            ADD_L2,
            {"op": "pave_roads", "roads": ["R2"]},
            {"op": "set", "radius_m": 3000},
        ],
        graph=graph,
    )
    assert isinstance(applied, AppliedChanges)
    assert applied.new_lines == ("L2",)
    assert applied.new_roads == ()
    assert list(applied.paved_roads["id"]) == ["R2"]
    assert set(applied.paved_roads["surface"]) == {"paved"}
    assert applied.added_roads.empty
    assert applied.params == {"radius_m": 3000}
    assert "L2" in set(applied.county.layer("bus_lines")["id"])
    # the graph given serves the changed county (same roads geometry, surfaces changed)
    assert applied.graph is not None
    assert applied.graph.roads is applied.county.layers["roads"]
    again = build_graph(applied.county.layer("roads"))
    assert np.array_equal(applied.graph.edge_length, again.edge_length)
    assert county.layer("roads").set_index("id").loc["R2", "surface"] != "paved"


def test_added_road_is_an_added_road_not_a_paved_one(county):
    applied = apply_changes(
        county,
        [
            {
                "op": "add_road",
                "id": "NEW1",
                "geometry": [[111.0952, 41.0], [111.0952, 40.97]],
                "surface": "paved",
            }
        ],
    )
    assert applied.new_roads == ("NEW1",)
    assert list(applied.added_roads["id"]) == ["NEW1"]
    assert applied.paved_roads.empty
    assert applied.added_roads.crs == county.crs


def test_run_scenario_result_summary_and_headline(county):
    result = run_scenario(county, [ADD_L2])
    assert result.summary["villages_gained"] == 1
    assert result.summary["lines"] == {"baseline": 1, "scenario": 2, "change": 1}
    assert result.headline() == "新增通客车建制村 1 个，失去 0 个，服务人口 +0"
    assert result.headline(lang="en").startswith("1 villages gain bus service")
    sheets = result.sheets(lang="en")
    assert list(sheets)[:4] == ["Comparison", "Lines changed", "Villages gained", "Villages lost"]
    with pytest.raises(ConfigError, match="give the changes"):
        run_scenario(county)


def test_cli_and_demo_write_the_same_scenario_workbook(folder, tmp_path):
    from roadnet.demo import DemoStep, _scenario

    path = _write(folder, '[[change]]\nop = "pave_roads"\nroads = ["R2"]\n', name="pave.toml")
    cli = tmp_path / "cli.xlsx"
    assert main(["scenario", str(path), "--xlsx", str(cli)]) == 0
    demo = tmp_path / "demo"
    demo.mkdir()
    step = DemoStep("scenarios", "方案比选")
    _scenario(step, path, demo, lang="zh")
    assert step.headline == run_scenario(path).headline()
    books = [openpyxl.load_workbook(p) for p in (cli, demo / "scenario-pave.xlsx")]
    assert books[0].sheetnames == books[1].sheetnames
    for name in books[0].sheetnames:
        rows = [list(book[name].iter_rows(values_only=True)) for book in books]
        assert rows[0] == rows[1], name
    # the comparison's headers are COLUMNS labels, translated when written
    assert next(books[0]["对比"].iter_rows(values_only=True)) == ("指标", "现状", "方案", "变化")


def test_paving_only_passes_the_given_graph_on(county):
    graph = build_graph(county.layer("roads"))
    applied = apply_changes(county, [{"op": "pave_roads", "roads": ["R2"]}], graph=graph)
    assert applied.graph is not None
    assert applied.graph.roads is applied.county.layers["roads"]
    assert np.array_equal(applied.graph.edge_u, graph.edge_u)
    # a road added changes the geometry: the graph given no longer holds
    added = apply_changes(
        county,
        [{"op": "add_road", "id": "NEW1", "geometry": [[111.0952, 41.0], [111.0952, 40.97]]}],
        graph=graph,
    )
    assert added.graph is None
