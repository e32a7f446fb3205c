"""DataQuality notes and the one rounding rule for printed figures."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from roadnet.formatting import MISSING, format_count, format_km, format_mu, format_percent, round_km
from roadnet.quality import MAX_IDS, DataQuality, QualityNote, collect


def _note(key: str, **kw: object) -> QualityNote:
    return QualityNote(key, text_zh=f"{key} 中文", text_en=f"{key} en", **kw)  # type: ignore[arg-type]


def test_notes_keyed_and_later_note_replaces_earlier():
    q = DataQuality().with_notes(_note("a", count=1), None, _note("b", km=2.0))
    q = q.merge(DataQuality((_note("a", count=5),)))
    assert [n.key for n in q] == ["b", "a"]
    assert q.get("a").count == 5
    assert "b" in q and "c" not in q
    doc = q.to_json()
    assert doc["a"] == {"count": 5, "message": "a en", "message_zh": "a 中文"}
    json.dumps(doc, allow_nan=False)


def test_note_json_drops_unknown_figures_and_caps_ids():
    note = _note("x", km=math.nan, share=0.123456, ids=tuple(str(i) for i in range(500)))
    doc = note.to_json()
    assert "km" not in doc
    assert doc["share"] == 0.1235
    assert len(doc["ids"]) == MAX_IDS
    assert collect([None, note]).lines("en") == ["x en"]


@pytest.mark.parametrize(
    ("km", "text"),
    [
        (0.0, "0.0"),
        (0.7, "0.7"),
        (0.04, "0.0"),
        (9.94, "9.9"),
        (9.96, "10"),
        (12.4, "12"),
        (22977.3, "22,977"),
        (None, MISSING),
        (math.nan, MISSING),
        (math.inf, MISSING),
    ],
)
def test_one_length_rule(km, text):
    assert format_km(km) == text


def test_parts_and_total_agree_under_10_km():
    parts = [0.5, 0.2]
    assert format_km(sum(parts)) == "0.7"
    assert round_km(sum(parts)) == pytest.approx(sum(round_km(p) for p in parts))


def test_other_figures_never_print_none():
    assert format_count(12407) == "12,407"
    assert format_percent(0.4554) == "45.5%"
    assert format_mu(12.345) == "12.3"
    for f in (format_count, format_percent, format_mu, format_km):
        for missing in (None, float("nan"), pd.NA, pd.NaT, np.nan):
            assert f(missing) == MISSING
