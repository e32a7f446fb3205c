"""What reading a GIS file or a table gives: the frame, and what the reader had to guess.

The readers are :func:`roadnet.io.vector.read_vector` (GeoPackage, Shapefile, GeoJSON ...)
and :func:`roadnet.io.tabular.read_table` (CSV, Excel); :mod:`roadnet.io.dbf` reads a
shapefile's attribute table directly to tell its text encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from roadnet.quality import QualityNote


@dataclass
class ReadResult:
    """A frame as read from a file, plus notes for the planner (encoding used ...).

    Attributes
    ----------
    frame
        The table or layer as read.
    notes
        Sentences for the planner (encoding used, GDAL warnings).
    quality
        What reading had to guess or repair (an encoding, cut column names), as
        :class:`~roadnet.quality.QualityNote` without a layer (the loader adds it).
    formula_cells
        Excel only: column → cells (``D2``) holding a formula without a saved value.
    sheet
        Excel only: the name of the sheet read.
    """

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    quality: list[QualityNote] = field(default_factory=list)
    formula_cells: dict[str, list[str]] = field(default_factory=dict)
    sheet: str | None = None


def error_text(exc: BaseException) -> str:
    """The first line of an exception's message (at most 300 characters), for a message.

    Parameters
    ----------
    exc
        What a library raised (GDAL, pandas, openpyxl ...).

    Returns
    -------
    str
        Its message's first line, or the exception's type when it has no message.
    """
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
