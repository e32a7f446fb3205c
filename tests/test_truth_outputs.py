"""Every command on a county that lacks what it can lack: no placeholder, and data_quality.

Issue 12, "Tests and done": the tiny county of countyfixture without fleet and townships
layers, without population, route codes or trips per day, with a road of unknown surface,
projects without year and parcels without TBMJ, is run through every command in Chinese
and English, with every output they write (JSON, Excel, HTML maps, the report's Markdown,
Word and JSON). Nothing printed or written for people may read None/nan/null/inf or a
Python repr, and every command's JSON carries ``data_quality`` naming what the data could
not tell.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, box

from roadnet.cli import main
from tests.truthcounty import assert_no_placeholder, assert_outputs_clean, write_tiny

X0, Y0 = 500_000.0, 4_540_000.0  # CGCS2000 / GK CM 111E, inside the tiny county


def _degrade(layers: dict[str, pd.DataFrame]) -> None:
    layers["villages"] = layers["villages"].drop(columns="人口")
    roads = layers["roads"].drop(columns="路线编码")
    roads["路面类型"] = roads["路面类型"].astype(object)
    roads.loc[1, "路面类型"] = None  # R2: surface not known
    layers["roads"] = roads
    layers["bus_lines"] = layers["bus_lines"].drop(columns="trips_per_day")


def _land() -> dict[str, gpd.GeoDataFrame]:
    parcels = gpd.GeoDataFrame(
        {"DLBM": ["0103", "0301"]},
        geometry=[box(X0, Y0 - 50, X0 + 50, Y0 + 50), box(X0 + 50, Y0 - 50, X0 + 100, Y0 + 50)],
        crs=4546,
    )
    projects = gpd.GeoDataFrame(
        {"id": ["P1"], "name": ["联网路"], "kind": ["联网路"]},
        geometry=[LineString([(X0, Y0), (X0 + 100, Y0)])],
        crs=4546,
    )
    return {"parcels": parcels, "projects": projects}


def _track(path: Path) -> Path:
    """40 fixes 10 s apart along R1 (lat 41°N, eastwards from 110.95°E)."""
    times = pd.Timestamp("2023-06-01 08:00:00") + pd.to_timedelta(range(0, 400, 10), unit="s")
    pd.DataFrame(
        {
            "车牌号": "蒙A·00001",
            "定位时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "经度": [110.95 + i * 0.0013 for i in range(40)],
            "纬度": 41.0,
        }
    ).to_csv(path, index=False)
    return path


@dataclass
class Run:
    """The printed text of each command and the files they wrote."""

    printed: dict[str, str] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    out: Path = Path()
    jsons: dict[str, Path] = field(default_factory=dict)


def _run(run: Run, name: str, *argv: str) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        run.codes[name] = main(list(argv))
    run.printed[name] = stdout.getvalue() + stderr.getvalue()


@pytest.fixture(scope="module", params=["zh", "en"])
def degraded(request, tmp_path_factory) -> Run:
    lang = request.param
    folder = tmp_path_factory.mktemp(f"degraded-{lang}")
    toml = write_tiny(folder / "c", drop=("fleet", "townships"), edit=_degrade, extra=_land())
    track = _track(folder / "c" / "gps.csv")
    scenario = folder / "s.toml"
    scenario.write_text(
        'name = "新线"\nbaseline = "c/county.toml"\n[[change]]\nop = "add_line"\n'
        'name = "2路"\nstops = ["S1", "李家窑"]\n',
        encoding="utf-8",
    )
    out = folder / "out"
    out.mkdir()
    run = Run(out=out)
    c, o = str(toml), str(out)
    ledger = str(folder / "ledger.gpkg")
    o = f"{o}/"
    commands = {
        "validate": ["validate", c, "--json", o + "validate.json"],
        "coverage": ["coverage", c, "--json", o + "coverage.json", "--xlsx", o + "c.xlsx"],
        "access": ["access", c, "--json", o + "access.json", "--map", o + "access.html"],
        "patrol import": ["patrol", "import", c, str(track), "--ledger", ledger],
        "patrol report": ["patrol", "report", c, "--ledger", ledger, "--xlsx", o + "p.xlsx"],
        "siting": ["siting", c, "--json", o + "siting.json", "--map", o + "siting.html"],
        "scenario": ["scenario", str(scenario), "--json", o + "scenario.json"],
        "report": ["report", c, "--ledger", ledger, "--out", o + "report"],
        "coverage map": ["coverage", c, "--metric", "straight", "--map", o + "coverage.html"],
    }
    commands["patrol import"] += ["--json", o + "patrol-import.json"]
    commands["patrol report"] += ["--json", o + "patrol-report.json", "--map", o + "p.html"]
    commands["scenario"] += ["--map", o + "scenario.html"]
    for name, argv in commands.items():
        _run(run, name, *argv, "--lang", lang)
    run.jsons = {
        "validate": out / "validate.json",
        "coverage": out / "coverage.json",
        "access": out / "access.json",
        "patrol import": out / "patrol-import.json",
        "patrol report": out / "patrol-report.json",
        "siting": out / "siting.json",
        "scenario": out / "scenario.json",
        "report": next((out / "report").glob("report-*.json")),
    }
    return run


def test_every_command_runs_on_the_degraded_county(degraded):
    assert degraded.codes == dict.fromkeys(degraded.codes, 0), degraded.printed


def test_nothing_printed_or_written_holds_a_placeholder(degraded):
    for name, text in degraded.printed.items():
        assert_no_placeholder(text, f"printed by {name}")
    files = [
        p
        for p in degraded.out.rglob("*")
        if p.suffix in {".json", ".md", ".docx", ".xlsx", ".html"}
    ]
    kinds = {p.suffix for p in files}
    assert kinds == {".json", ".md", ".docx", ".xlsx", ".html"}, kinds
    assert assert_outputs_clean(files) > 30


#: Notes the degraded county must raise, per command (what its data could not tell).
EXPECTED_NOTES = {
    "coverage": {"population_missing", "lines_without_timetable"},
    "access": {"unknown_surface", "rai_population_missing"},
    "patrol import": set(),
    "patrol report": {"target_network_empty"},
    "siting": set(),
    "scenario": {"population_missing", "unknown_surface"},
    "report": {"unknown_surface", "target_network_empty"},
    "validate": set(),
}


@pytest.mark.parametrize("command", list(EXPECTED_NOTES))
def test_every_command_json_has_data_quality(degraded, command):
    document = json.loads(degraded.jsons[command].read_text(encoding="utf-8"))
    quality = document["data_quality"]
    assert isinstance(quality, dict)
    assert EXPECTED_NOTES[command] <= set(quality), (command, sorted(quality))
    for key, note in quality.items():
        assert note["message"] and note["message_zh"], key
    printed = degraded.printed[command]
    prefix = "注意：" if "注意：" in printed else "Note: "
    for key in EXPECTED_NOTES[command] - {"population_missing"}:
        note = quality[key]
        text = note["message_zh"] if prefix == "注意：" else note["message"]
        if command != "report":  # the report lists them in its text, not on the terminal
            assert prefix + text in printed, (command, key)
