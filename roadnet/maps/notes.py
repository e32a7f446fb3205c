"""The "数据说明" / "Data notes" of a map: what the result's data could not tell.

Every analysis result carries its data-quality notes, as ``result.quality`` (a
:class:`roadnet.quality.DataQuality`) or in its JSON as ``data_quality`` (``{key: {...,
"message": en, "message_zh": zh}}``). A map shows them in its language as a small box; a
result that has neither shows none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def quality_notes(result: Any, lang: str) -> tuple[str, ...]:
    """The data-quality sentences of ``result`` in ``lang`` (``zh`` or ``en``), in order.

    Parameters
    ----------
    result
        An analysis result: its ``quality`` is read when it has one (an object with
        ``lines(lang)``), otherwise the ``data_quality`` entry of ``result.to_json()``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    tuple of str
        One sentence per note (empty when the data left nothing unsaid). Duplicates are
        dropped.
    """
    lines: list[str] = []
    quality = getattr(result, "quality", None)
    if quality is not None and callable(getattr(quality, "lines", None)):
        lines = [str(line) for line in quality.lines(lang)]
    elif callable(getattr(result, "to_json", None)):
        document = result.to_json()
        found = document.get("data_quality") if isinstance(document, Mapping) else None
        if isinstance(found, Mapping):
            lines = [_note_text(note, lang) for note in found.values()]
    return tuple(dict.fromkeys(line for line in lines if line))


def merged_notes(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Several results' notes in one list, each sentence once."""
    return tuple(dict.fromkeys(line for group in groups for line in group))


def _note_text(note: Any, lang: str) -> str:
    if not isinstance(note, Mapping):
        return str(note) if note else ""
    keys = ("message_zh", "text_zh", "message") if lang == "zh" else ("message", "text_en")
    for key in keys:
        value = note.get(key)
        if value:
            return str(value)
    return ""
