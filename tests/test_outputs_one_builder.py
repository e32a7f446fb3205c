"""One builder per workbook: the CLI and the demo write the same coverage/access/siting.xlsx.

Each workbook is its result's ``sheets()`` written by :func:`roadnet.tables.write_workbook`,
whoever calls it. The demo runs on a small sample county (scale 0.3, its analyses only), the
commands on the same county.toml; the two workbooks must hold the same sheets and cells.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roadnet.cli import main
from roadnet.demo import run_demo
from roadnet.sample import write_sample
from tests.workbooks import workbook_cells

#: The workbooks compared, and the command that writes each.
WORKBOOKS = {
    "coverage.xlsx": ["coverage"],
    "access.xlsx": ["access"],
    "siting.xlsx": ["siting"],
}


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> tuple[Path, Path]:
    """The sample county (county.toml) and the demo's output folder."""
    root = tmp_path_factory.mktemp("one-builder")
    layers = root / "layers"
    write_sample(layers, seed=0, scale=0.3)
    out = root / "demo"
    run_demo(out, layers=layers, scenarios=root / "none", only=("coverage", "access", "siting"))
    return layers / "county.toml", out


@pytest.mark.parametrize("workbook", sorted(WORKBOOKS))
def test_cli_and_demo_write_the_same_workbook(county, tmp_path, workbook):
    toml, demo = county
    target = tmp_path / workbook
    assert main([*WORKBOOKS[workbook], str(toml), "--xlsx", str(target)]) == 0
    by_cli, by_demo = workbook_cells(target), workbook_cells(demo / workbook)
    assert list(by_cli) == list(by_demo)
    assert len(by_cli) >= 2  # a summary and at least one table
    for name in by_cli:
        assert by_cli[name] == by_demo[name], name


def test_demo_refuses_an_unknown_step(tmp_path):
    from roadnet.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown demo steps"):
        run_demo(tmp_path, layers=tmp_path / "layers", only=("coverage", "maps"))
