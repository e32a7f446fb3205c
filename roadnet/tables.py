"""Excel workbooks: one sheet per table, Chinese (or English) headers, written atomically.

openpyxl is imported here only (presentation), as folium is only in the map module.

Every workbook the tool writes goes through :func:`write_workbook`, which keeps text as
text: a name starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) would
be taken by a spreadsheet for a formula ("formula injection"), so such a cell is stored as a
string cell with Excel's quote prefix, exactly as Excel stores ``'=x`` typed by hand. Empty
values (None, NaN, NA) are empty cells, never the text "None" or "nan".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from roadnet.io.atomic import atomic_path
from roadnet.labels import COLUMNS, label


def header(column: str, *, lang: str = "zh") -> str:
    """The header of a column in the chosen language (the column name when unknown)."""
    return label(COLUMNS, column, lang)


def write_workbook(
    target: str | Path,
    sheets: Mapping[str, pd.DataFrame],
    *,
    lang: str = "zh",
) -> Path:
    """Write tables to an .xlsx, one sheet each, with translated headers.

    Lists become comma-separated text; NaN and infinities become empty cells. The file is
    written to a temporary name and renamed, so a failed write leaves no half workbook.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in sheets.items():
        sheet = workbook.create_sheet(title=_sheet_title(title))
        columns = [c for c in frame.columns if c != "geometry"]
        sheet.append([header(str(c), lang=lang) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            _keep_text(cell)
        for row in frame[columns].itertuples(index=False):
            sheet.append([_cell(v) for v in row])
            for cell in sheet[sheet.max_row]:
                _keep_text(cell)
        for i, column in enumerate(columns, start=1):
            width = max(len(header(str(column), lang=lang)) * 2, 10)
            sheet.column_dimensions[get_column_letter(i)].width = min(width, 40)
        sheet.freeze_panes = "A2"
    target = Path(target)
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and not math.isfinite(value)


def _sheet_title(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, "_")
    return title[:31]


#: First characters that make a spreadsheet read a text as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _keep_text(cell: Any) -> None:
    """Store a text cell that looks like a formula as a string (quote-prefixed)."""
    value = cell.value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value if not _blank(v))
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
