"""What the data could not tell: notes that travel with every result.

A figure a planner reads must be right, or say what it rests on. When an analysis meets data
it cannot read for certain — roads without a surface, villages on a road piece cut off from
the network, stops far from every road, geometry parts dropped by a repair, two directions of
one route merged into one line — it does not guess silently: it counts what it met, states
the rule it applied and records a :class:`QualityNote`. The notes of a run form a
:class:`DataQuality`; every command's JSON carries it as ``data_quality`` (keyed by
:attr:`QualityNote.key`), the printed output lists it and the maps show it as a note.

Examples
--------
>>> note = QualityNote(
...     "unknown_surface",
...     text_zh="312.4 公里道路无路面类型，按未硬化计",
...     text_en="312.4 km of road have no surface value; counted as unpaved",
...     km=312.4,
...     share=0.25,
...     rule="unpaved",
... )
>>> DataQuality((note,)).to_json()["unknown_surface"]["km"]
312.4
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: At most this many feature ids are kept in a note (the count says how many there are).
MAX_IDS = 100


@dataclass(frozen=True)
class QualityNote:
    """One thing the data could not tell, and how it was counted.

    Attributes
    ----------
    key
        Stable machine name (``unknown_surface``, ``villages_disconnected`` …); unique within
        a :class:`DataQuality`. Checks and scripts read the JSON by this key.
    text_zh, text_en
        One sentence for people, in Chinese and English, with the figures in it and, where
        there is one, the fix (an option or a county.toml key).
    layer
        The layer concerned, if one.
    count
        Number of features (villages, stops, roads, rows …) concerned.
    km
        Length concerned, kilometres in the county's metric CRS.
    area_m2
        Area concerned, square metres in the county's metric CRS.
    share
        Fraction (0–1) of the layer's total (features, length or area) concerned.
    rule
        How the analysis counted them (``"unpaved"``, ``"merged"``, ``"excluded"`` …).
    ids
        Ids of the features concerned (at most :data:`MAX_IDS`; ``count`` has the total).
    """

    key: str
    text_zh: str
    text_en: str
    layer: str | None = None
    count: int | None = None
    km: float | None = None
    area_m2: float | None = None
    share: float | None = None
    rule: str | None = None
    ids: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.ids) > MAX_IDS:
            object.__setattr__(self, "ids", tuple(self.ids[:MAX_IDS]))

    def text(self, lang: str = "zh") -> str:
        """The sentence in ``lang`` (``zh`` or ``en``)."""
        return self.text_en if lang == "en" else self.text_zh

    def to_json(self) -> dict[str, Any]:
        """Plain dict for JSON: the figures that are known and both sentences; never NaN."""
        out: dict[str, Any] = {}
        if self.layer is not None:
            out["layer"] = self.layer
        if self.count is not None:
            out["count"] = int(self.count)
        for name in ("km", "area_m2", "share"):
            value = getattr(self, name)
            if value is not None and math.isfinite(float(value)):
                out[name] = round(float(value), 4 if name == "share" else 3)
        if self.rule is not None:
            out["rule"] = self.rule
        if self.ids:
            out["ids"] = [str(i) for i in self.ids]
        out["message"] = self.text_en
        out["message_zh"] = self.text_zh
        return out


@dataclass(frozen=True)
class DataQuality:
    """The notes of one run, in the order they were found.

    Immutable: :meth:`with_notes` and :meth:`merge` return new objects. A later note with
    the key of an earlier one replaces it (the later step knows more).
    """

    notes: tuple[QualityNote, ...] = ()

    def __iter__(self) -> Iterator[QualityNote]:
        return iter(self.notes)

    def __len__(self) -> int:
        return len(self.notes)

    def __bool__(self) -> bool:
        return bool(self.notes)

    def __contains__(self, key: object) -> bool:
        return any(note.key == key for note in self.notes)

    def get(self, key: str) -> QualityNote | None:
        """The note with ``key``, or None."""
        for note in self.notes:
            if note.key == key:
                return note
        return None

    def with_notes(self, *notes: QualityNote | None) -> DataQuality:
        """A copy with ``notes`` added (None entries are skipped)."""
        return self.merge(DataQuality(tuple(n for n in notes if n is not None)))

    def merge(self, *others: DataQuality | None) -> DataQuality:
        """A copy with the notes of ``others`` added; a repeated key keeps the later note."""
        merged: dict[str, QualityNote] = {note.key: note for note in self.notes}
        for other in others:
            if other is None:
                continue
            for note in other.notes:
                merged.pop(note.key, None)
                merged[note.key] = note
        return DataQuality(tuple(merged.values()))

    def lines(self, lang: str = "zh") -> list[str]:
        """The sentences, one per note, in ``lang``."""
        return [note.text(lang) for note in self.notes]

    def to_json(self) -> dict[str, dict[str, Any]]:
        """``{key: note}`` for the ``data_quality`` entry of a command's JSON."""
        return {note.key: note.to_json() for note in self.notes}


def collect(notes: Iterable[QualityNote | None]) -> DataQuality:
    """A :class:`DataQuality` of the notes that are not None."""
    return DataQuality().with_notes(*notes)
