"""Imports flow one way (DESIGN.md): analyses never import presentation or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "roadnet"
PRESENTATION = ("roadnet.maps", "roadnet.report", "roadnet.tables", "roadnet.demo", "roadnet.cli")
LIBRARIES = ("folium", "openpyxl", "matplotlib", "docx", "typer", "rich")
#: Every module and package of roadnet that is not presentation: the analyses and their inputs.
ANALYSIS = sorted(
    path.stem if path.is_file() else path.name
    for path in PACKAGE.iterdir()
    if (
        (path.suffix == ".py" and path.stem not in ("__init__", "__main__"))
        or (path / "__init__.py").exists()
    )
    and f"roadnet.{path.stem}" not in PRESENTATION
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(name: str) -> list[Path]:
    target = PACKAGE / name
    return sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]


@pytest.mark.parametrize("module", ANALYSIS)
def test_analysis_never_imports_presentation(module):
    for path in _files(module):
        bad = {
            name
            for name in _imports(path)
            if name.startswith(PRESENTATION) or name.split(".")[0] in LIBRARIES
        }
        # progress bars reach the analyses as callbacks from the CLI, so not even rich is here
        assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {sorted(bad)}"


def test_folium_only_in_maps():
    for path in PACKAGE.rglob("*.py"):
        if "maps" in path.parts:
            continue
        assert "folium" not in {n.split(".")[0] for n in _imports(path)}, path


#: Routing belongs to the analyses: maps and the report draw and write what results hold.
ROUTING = ("scipy.sparse.csgraph",)
GRAPH_BUILDERS = ("build_graph", "distances_from_sources", "snap_points", "shortest_route")


@pytest.mark.parametrize("package", ["maps", "report"])
def test_presentation_never_routes(package):
    for path in _files(package):
        imports = _imports(path)
        assert not any(name.startswith(ROUTING) for name in imports), path
        tree = ast.parse(path.read_text(encoding="utf-8"))
        called = {
            node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
        }
        assert not called & set(GRAPH_BUILDERS), (path, sorted(called & set(GRAPH_BUILDERS)))
