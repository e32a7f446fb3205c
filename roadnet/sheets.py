"""Sheets every result's workbook shares: a labelled summary and the data-quality notes.

Results build their own workbook sheets (``result.sheets(lang)``) as DataFrames; these two
shapes recur in all of them. Writing the workbook is :func:`roadnet.tables.write_workbook`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from roadnet.labels import SHEETS, Label, label

if TYPE_CHECKING:
    import pandas as pd

    from roadnet.quality import QualityNote


def summary_frame(
    summary: Mapping[str, Any], labels: Mapping[str, Label] | None = None, *, lang: str = "zh"
) -> pd.DataFrame:
    """A two-column table (item, value) of a summary dict, items labelled in ``lang``.

    Parameters
    ----------
    summary
        The figures, in the order the sheet lists them.
    labels
        Labels of the summary's keys (a key without a label is shown as it is).
    lang
        ``zh`` or ``en``.

    Returns
    -------
    pandas.DataFrame
        Columns ``item`` and ``value``, one row per key of ``summary``.
    """
    # pandas is imported here so that reading a label stays as light as the labels themselves
    import pandas as pd

    table = labels or {}
    return pd.DataFrame(
        {"item": [label(table, k, lang) for k in summary], "value": [*summary.values()]}
    )


def notes_sheet(notes: Iterable[QualityNote], *, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The data-quality sheet of a workbook: ``{"注意"/"Notes": (key, text) rows}``.

    Empty when ``notes`` (a :class:`roadnet.quality.DataQuality`) is; ``lang`` (``zh`` or
    ``en``) names the sheet and picks the notes' text.
    """
    rows = {note.key: note.text(lang) for note in notes}
    if not rows:
        return {}
    return {label(SHEETS, "notes", lang): summary_frame(rows, {})}
