"""Messages print user text and hints literally: no Rich markup anywhere (issue 12, item 3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
from shapely import Point

from tests import countyfixture

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "roadnet", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_bracketed_header_and_section_hint_print_literally(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    villages = gpd.GeoDataFrame(
        {"code[/b]": ["V1", "V2"], "[bold]名称": ["甲村", "乙村"]},
        geometry=[Point(111.0, 41.0), Point(111.01, 41.0)],
        crs=4326,
    )
    villages.to_file(tmp_path / "broken.geojson", driver="GeoJSON")
    text = toml.read_text(encoding="utf-8")
    start = text.index("[layers.villages]")
    end = text.find("\n[", start + 1)
    section = '[layers.villages]\npath = "broken.geojson"\n'
    toml.write_text(text[:start] + section + (text[end + 1 :] if end > 0 else ""), "utf-8")
    result = _run("validate", str(toml))
    assert "Traceback" not in result.stderr
    assert "MarkupError" not in result.stderr
    assert result.returncode == 1
    assert "code[/b]" in result.stdout
    assert "[bold]名称" in result.stdout
    # a message is one line whatever the terminal's width (piped into a file or a chat)
    narrow = _run("validate", str(toml), columns=40)
    assert any(
        line.startswith("error") and "code[/b]" in line for line in narrow.stdout.splitlines()
    )


def test_section_hint_in_validate_keeps_its_brackets(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    roads = countyfixture.layers()["roads"][["id", "geometry"]]
    roads.to_file(tmp_path / "roads.shp", engine="pyogrio", encoding="UTF-8")
    (tmp_path / "roads.prj").unlink()
    text = toml.read_text(encoding="utf-8")
    text = text.replace(
        '[layers.roads]\npath = "tiny.gpkg"\nlayer = "roads"', '[layers.roads]\npath = "roads.shp"'
    )
    toml.write_text(text, "utf-8")
    result = _run("validate", str(toml))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[layers.NAME]" in result.stdout or "[layers.roads]" in result.stdout
