"""One builder for patrol.xlsx: ``roadnet patrol report --xlsx`` and the demo write the same.

Both write :meth:`roadnet.patrol.PatrolResult.sheets` through
:func:`roadnet.tables.write_workbook`. The demo runs its patrol step on a small sample county
(scale 0.1: it imports the county's tracks into the ledger beside county.toml and reports);
the command then reports from that ledger. The two workbooks must hold the same sheets, in
the same order, with the same cells.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roadnet.cli import main
from roadnet.demo import run_demo
from roadnet.sample import write_sample
from tests.workbooks import workbook_cells

#: The command's sheets, in order (the 注意 sheet follows when the result has notes).
SHEETS = ["汇总", "按月", "按道路等级", "按乡镇", "按道路", "未巡查道路", "车辆", "趟次", "事件"]


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> tuple[Path, Path]:
    """The sample county (county.toml) and the demo's output folder (its patrol step only)."""
    root = tmp_path_factory.mktemp("patrol-outputs")
    layers = root / "layers"
    write_sample(layers, seed=0, scale=0.1)
    out = root / "demo"
    run_demo(out, layers=layers, scenarios=root / "none", only=("patrol",))
    return layers / "county.toml", out


def test_cli_and_demo_write_the_same_patrol_workbook(county, tmp_path):
    toml, demo = county
    target = tmp_path / "patrol.xlsx"
    assert main(["patrol", "report", str(toml), "--xlsx", str(target)]) == 0
    by_cli, by_demo = workbook_cells(target), workbook_cells(demo / "patrol.xlsx")
    assert list(by_cli) == list(by_demo)
    assert list(by_cli)[: len(SHEETS)] == SHEETS
    assert list(by_cli)[len(SHEETS) :] in ([], ["注意"])
    for name in by_cli:
        assert by_cli[name] == by_demo[name], name
    # the tables are not empty: the sample county's vehicles drove its roads
    assert len(by_cli["按道路"]) > 1
    assert len(by_cli["趟次"]) > 1


def test_sheets_in_english_name_the_same_tables(county):
    from roadnet.county import load_county
    from roadnet.patrol import compute_patrol
    from roadnet.patrol.sources import county_ledger

    toml, _ = county
    loaded = load_county(toml, layers=["roads", "townships", "boundary", "patrol_events"])
    result = compute_patrol(loaded, ledger=county_ledger(loaded.manifest))
    zh, en = result.sheets(lang="zh"), result.sheets(lang="en")
    assert list(en)[:3] == ["Summary", "By month", "By class"]
    assert ("Notes" in en) == ("注意" in zh) == bool(result.quality)
    for (_, a), (_, b) in zip(zh.items(), en.items(), strict=True):
        assert list(a.columns) == list(b.columns)
        assert len(a) == len(b)
    summary = en["Summary"]
    assert summary["value"].iloc[0] == result.headline(lang="en")
