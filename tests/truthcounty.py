"""The tiny county of countyfixture, cut and edited for the issue-12 output tests."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from roadnet.io.atomic import write_geopackage
from tests import countyfixture

Edit = Callable[[dict[str, pd.DataFrame]], None]

#: Words that must never appear in text written for people.
PLACEHOLDER = re.compile(r"\b(None|nan|NaN|null|NULL|<NA>|NaT|inf)\b")
#: Python reprs and tracebacks that must never reach people either.
PYTHON_REPR = re.compile(r"\[\s*'|\{\s*'|Traceback \(most recent|object at 0x|<class '")


def assert_no_placeholder(text: str, where: str = "") -> None:
    """Fail when ``text`` (meant for people) holds a placeholder or a Python repr.

    The failure quotes the words around the first one found and says ``where`` it was.
    """
    for pattern in (PLACEHOLDER, PYTHON_REPR):
        found = pattern.search(text)
        if found is not None:
            context = text[max(0, found.start() - 80) : found.end() + 40]
            raise AssertionError(f"{where}: {found.group(0)!r} in …{context}…")


def output_texts(path: Path) -> list[tuple[str, str]]:
    """(where, text) of everything a person reads in an output file.

    JSON: every string value (a JSON ``null`` is fine, a *string* "None" is not) and the raw
    text for ``NaN``/``Infinity``; Markdown and text files whole; .docx paragraphs and
    tables; .xlsx cells and sheet names; HTML: the visible text and every string of the
    page's data (labels, popups, legends, notes).
    """
    suffix = path.suffix.lower()
    name = path.name
    if suffix == ".json":
        raw = path.read_text(encoding="utf-8")
        found = [(f"{name} (raw)", m.group(0)) for m in re.finditer(r"\bNaN\b|Infinity", raw)]
        return found + [(f"{name}: {key}", text) for key, text in _strings(json.loads(raw))]
    if suffix in (".md", ".txt", ".csv"):
        return [(name, path.read_text(encoding="utf-8"))]
    if suffix == ".docx":
        from docx import Document

        document = Document(str(path))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return [(name, docx_text(path)), (f"{name} tables", "\n".join(cells))]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path)
        return [(f"{name} sheets", " ".join(book.sheetnames)), (name, "\n".join(xlsx_texts(path)))]
    if suffix == ".html":
        page = path.read_text(encoding="utf-8")
        data = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
        texts = [
            (f"{name}: {key}", text) for block in data for key, text in _strings(json.loads(block))
        ]
        body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
        visible = html.unescape(re.sub(r"<[^>]+>", " ", body))
        return [(f"{name} (visible)", visible), *texts]
    return []


def _strings(value: object, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{key}.{k}")]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, f"{key}[]")]
    return [(key, value)] if isinstance(value, str) else []


def assert_outputs_clean(paths: Iterable[Path]) -> int:
    """:func:`assert_no_placeholder` over every output file; returns the texts checked."""
    checked = 0
    for path in paths:
        for where, text in output_texts(path):
            assert_no_placeholder(text, where)
            checked += 1
    return checked


def write_tiny(
    folder: Path,
    *,
    drop: Iterable[str] = (),
    edit: Edit | None = None,
    extra: Mapping[str, pd.DataFrame] | None = None,
    toml_extra: str = "",
) -> Path:
    """Write the tiny county without the layers in ``drop``; return its county.toml.

    ``edit`` changes the layers (a dict of frames, keyed by their GeoPackage layer name)
    before they are written; ``extra`` adds layers (each also gets a ``[layers.<name>]``).
    """
    toml = countyfixture.write_county(folder, toml_extra=toml_extra)
    layers = countyfixture.layers()
    if edit is not None:
        edit(layers)
    layers.update(extra or {})
    write_geopackage(folder / "tiny.gpkg", layers)
    text = toml.read_text(encoding="utf-8")
    for name in drop:
        start = text.index(f"[layers.{name}]")
        end = text.find("[layers.", start + 1)
        text = text[:start] + (text[end:] if end >= 0 else "")
    for name in extra or {}:
        text += f'\n[layers.{name}]\npath = "tiny.gpkg"\nlayer = "{name}"\n'
    toml.write_text(text, encoding="utf-8")
    return toml


def rename_villages(names: Mapping[int, str]) -> Edit:
    """An edit giving village rows new names."""

    def edit(layers: dict[str, pd.DataFrame]) -> None:
        for row, name in names.items():
            layers["villages"].loc[row, "村名"] = name

    return edit


def xlsx_texts(path: Path) -> list[str]:
    """The text of every cell of a workbook."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def docx_text(path: Path) -> str:
    """The text of every paragraph of a .docx."""
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)
