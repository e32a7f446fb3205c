"""The scripting API: ``import roadnet as rn`` stays light, every public name resolves, the
script of docs/api.md runs, and scenarios/rank_routes.py uses only ``roadnet.__all__``."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import roadnet as rn
from roadnet.errors import ConfigError
from tests import countyfixture

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("geopandas", "scipy", "pandas", "shapely", "pyproj")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("county")
    countyfixture.write_county(path)
    return path


def _run(args, cwd):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_import_roadnet_stays_light(tmp_path):
    code = (
        "import sys, roadnet\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "roadnet.RoadnetError, roadnet.ConfigError\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = _run(["-c", code], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "[]"]


@pytest.mark.parametrize("name", rn.__all__)
def test_every_public_name_resolves_and_is_documented(name):
    value = getattr(rn, name)
    assert value is not None
    doc = getattr(value, "__doc__", None) or ""
    assert doc.strip(), f"roadnet.{name} has no docstring"


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = rn.nothing_here
    assert "coverage" in dir(rn)


def test_coverage_and_access_take_keywords(folder):
    county = rn.load_county(folder / "county.toml")
    graph = rn.build_graph(county.layer("roads"))
    wide = rn.coverage(county, radius=3000, graph=graph)
    assert wide.params.radius_m == 3000
    assert rn.coverage(county, radius=3000).to_json() == wide.to_json()
    assert rn.access(county, graph=graph).to_json() == rn.access(county).to_json()
    with pytest.raises(ConfigError, match="unknown parameter 'radius_mm'"):
        rn.access(county, radius_mm=3)
    with pytest.raises(ConfigError, match="did you mean 'off_network_m'"):
        rn.coverage(county, off_network=3)


def _api_script() -> str:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    found = re.search(r"## A complete script\n\n```python\n(.*?)```", text, re.S)
    assert found, "docs/api.md has no complete script"
    return found.group(1)


def test_docs_api_script_runs_on_the_tiny_county(folder, tmp_path):
    script = tmp_path / "script.py"
    script.write_text(_api_script(), encoding="utf-8")
    done = _run([str(script), str(folder / "county.toml")], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # the tiny county: 张家营子 (the seat, 1,200 people) and 王家湾 served today; 二道沟
    # (800) the most populous unserved (李家窑 has no population figure: NaN sorts last)
    assert lines[1] == "('NEW',): +1 villages served"
    assert lines[2] == "{'baseline': 2, 'scenario': 3, 'change': 1}"
    assert lines[3].startswith("1 villages gain bus service, 0 lose it")


def _roadnet_names(path: Path) -> tuple[set[str], list[str]]:
    """Attributes the script takes from ``roadnet`` and any other roadnet import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: set[str] = set()
    other: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "roadnet":
                    aliases.add(alias.asname or "roadnet")
                elif alias.name.startswith("roadnet."):
                    other.append(alias.name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("roadnet"):
            if node.module == "roadnet":
                aliases.update(f"from:{a.name}" for a in node.names)
            else:
                other.append(node.module or "")
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
    }
    used |= {a.removeprefix("from:") for a in aliases if a.startswith("from:")}
    return used, other


def test_rank_routes_uses_only_the_public_api(folder, tmp_path):
    path = ROOT / "scenarios" / "rank_routes.py"
    used, other = _roadnet_names(path)
    assert not other, f"rank_routes imports {other}"
    assert used, "rank_routes uses no roadnet name"
    assert used <= set(rn.__all__), sorted(used - set(rn.__all__))
    assert "Change(" not in path.read_text(encoding="utf-8")
    done = _run([str(path), str(folder / "county.toml"), "--top", "2"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "李家窑" in done.stdout
