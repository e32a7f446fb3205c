"""The command line: exit codes, one clear message for bad input, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from roadnet.cli import main
from roadnet.io.atomic import write_geopackage
from tests import countyfixture

ROADNET = [sys.executable, "-m", "roadnet"]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [*ROADNET, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_help_is_fast_and_lists_commands():
    result = _run("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout and "sample" in result.stdout


def test_validate_clean_county(tmp_path, capsys):
    toml = countyfixture.write_county(tmp_path)
    out = tmp_path / "v.json"
    assert main(["validate", str(toml), "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["errors"] == 0
    assert report["crs"] == "EPSG:4546"
    assert report["layers"]["villages"] == 5
    assert "0 error(s)" in capsys.readouterr().out


def test_validate_problems_exit_1(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    layers = countyfixture.layers()
    layers["villages"].loc[1, "村编码"] = layers["villages"].loc[0, "村编码"]
    layers["bus_lines"].loc[0, "stops"] = "S1,S404"
    write_geopackage(tmp_path / "tiny.gpkg", layers)
    out = tmp_path / "v.json"
    assert main(["validate", str(toml), "--json", str(out)]) == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["errors"] == 2
    fields = {(p["layer"], p["field"]) for p in report["problems"] if p["severity"] == "error"}
    assert fields == {("villages", "id"), ("bus_lines", "stops")}


def test_unreadable_input_exit_2_without_traceback(tmp_path):
    (tmp_path / "roads.geojson").write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    (tmp_path / "county.toml").write_text('[layers.roads]\npath = "roads.geojson"\n', "utf-8")
    result = _run("validate", str(tmp_path / "county.toml"))
    assert result.returncode == 2
    assert "roads.geojson" in result.stderr
    assert "Traceback" not in result.stderr
    debug = _run("--debug", "validate", str(tmp_path / "county.toml"))
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_missing_county_exit_2(tmp_path):
    result = _run("validate", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "nope.toml" in result.stderr and "roadnet sample" in result.stderr


def test_bad_toml_exit_2(tmp_path):
    (tmp_path / "county.toml").write_text("[layers.roads\n", "utf-8")
    assert main(["validate", str(tmp_path)]) == 2


def test_usage_error_exit_2():
    assert main(["validate", "--no-such-option"]) == 2
