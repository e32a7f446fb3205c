"""The tiny county of countyfixture, cut and edited for the issue-12 output tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from roadnet.io.atomic import write_geopackage
from tests import countyfixture

Edit = Callable[[dict[str, pd.DataFrame]], None]

#: Words that must never appear in text written for people.
PLACEHOLDER = re.compile(r"\b(None|nan|NaN|null|NULL|<NA>|NaT|inf)\b")


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
