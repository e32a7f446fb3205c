"""Reading a written workbook back, for tests that compare two writers of one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def workbook_cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Sheet name → its rows of cell values, in the workbook's sheet order."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return {
            name: [tuple(row) for row in book[name].iter_rows(values_only=True)]
            for name in book.sheetnames
        }
    finally:
        book.close()
