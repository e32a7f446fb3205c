"""Cross-layer fixes: values one layer gives by name, rewritten to the ids of another layer.

Villages may give their township by id, by name, or not at all (then the township they lie
in is taken); bus lines may list their stops by id or by a stop's (unique) name. Analyses
join by id, so :func:`resolve_layers` rewrites those values to ids. It never does so
silently: with the fixed layers it returns a :class:`Rewrite` for each kind of value it
changed (how many, which features, examples), which :func:`roadnet.county.load_county` adds
to ``County.quality`` so that every analysis says what was rewritten. A value it cannot
resolve is an error naming the feature.

Note keys: ``villages_township_from_name``, ``villages_township_from_location``,
``bus_lines_stops_from_name``, ``bus_lines_stops_unknown_dropped``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from roadnet.errors import Problem
from roadnet.quality import QualityNote
from roadnet.schema import column_label

#: Rewritten values a note quotes (its count says how many there are).
EXAMPLES = 5


@dataclass(frozen=True)
class Rewrite:
    """The values of one field :func:`resolve_layers` rewrote, for one reason.

    Attributes
    ----------
    key
        The data-quality note's key (``villages_township_from_name`` …).
    layer, field
        Where the values were rewritten (``villages``/``township``, ``bus_lines``/``stops``).
    rule
        Why: ``name_to_id`` (a name replaced by the id it names), ``by_location`` (an empty
        township taken from the township the village lies in) or ``unknown_dropped`` (a stop
        bus_stops lacks left out of the line's list; also an error).
    count
        Values rewritten (a line may have several stops rewritten).
    features
        Ids of the features whose value changed, in layer order.
    examples
        (feature id, value before, value after) of the first :data:`EXAMPLES` rewrites;
        ``before`` is empty for a value filled in, ``after`` for a value dropped.
    text_en, text_zh
        The sentence for people, with the figures and the examples.
    """

    key: str
    layer: str
    field: str
    rule: str
    count: int
    features: tuple[str, ...]
    examples: tuple[tuple[str, str, str], ...]
    text_en: str
    text_zh: str

    def note(self) -> QualityNote:
        """The rewrite as a data-quality note of the county."""
        return QualityNote(
            self.key,
            text_zh=self.text_zh,
            text_en=self.text_en,
            layer=self.layer,
            count=self.count,
            rule=self.rule,
            ids=self.features,
        )


@dataclass(frozen=True)
class Resolution:
    """What :func:`resolve_layers` returns.

    Attributes
    ----------
    layers
        Every layer given; those rewritten are new frames (the input is not modified).
    problems
        Values that could not be resolved (errors) and the villages given no township
        (info), in the order found.
    rewrites
        What was rewritten, one entry per key; empty when nothing was.
    """

    layers: dict[str, pd.DataFrame]
    problems: tuple[Problem, ...] = ()
    rewrites: tuple[Rewrite, ...] = ()

    def notes(self) -> list[QualityNote]:
        """One data-quality note per rewrite."""
        return [rewrite.note() for rewrite in self.rewrites]


def resolve_layers(
    layers: Mapping[str, pd.DataFrame],
    columns: Mapping[str, Mapping[str, str]] | None = None,
) -> Resolution:
    """Rewrite villages' townships and lines' stops to the ids of their layers.

    Parameters
    ----------
    layers
        The county's layers by canonical name, in its metric CRS. Not modified.
    columns
        Per layer, canonical field → the user's column, so that messages name fields as the
        user's files do.

    Returns
    -------
    Resolution
        The layers with ``villages.township`` holding township ids (a unique township name
        replaced by its id; an empty one taken from the township the village lies in, within
        1 m) and ``bus_lines.stops`` holding stop ids (a unique stop name replaced by its
        id; a stop bus_stops lacks left out), the problems, and what was rewritten.
    """
    columns = columns or {}
    out = dict(layers)
    problems: list[Problem] = []
    rewrites: list[Rewrite] = []

    def label(layer: str, name: str) -> tuple[str, str]:
        """The field as messages name it (``column '所属乡镇' (township)``), and its column."""
        column = columns.get(layer, {}).get(name)
        return column_label(name, column), str(column or name)

    townships = layers.get("townships")
    villages = layers.get("villages")
    if villages is not None and townships is not None and {"id", "name"} <= set(townships.columns):
        villages = villages.copy()
        if "township" in villages.columns:
            problems.extend(
                _townships_by_name(villages, townships, rewrites, label("villages", "township"))
            )
        problems.extend(_townships_by_location(villages, townships, rewrites))
        out["villages"] = villages
    stops = layers.get("bus_stops")
    lines = layers.get("bus_lines")
    if (
        stops is not None
        and lines is not None
        and {"id", "stops"} <= set(lines.columns)
        and "id" in stops.columns
    ):
        lines = lines.copy()
        problems.extend(_line_stops(lines, stops, rewrites, label("bus_lines", "stops")))
        out["bus_lines"] = lines
    return Resolution(out, tuple(problems), tuple(rewrites))


def _examples(examples: list[tuple[str, str, str]], *, zh: bool) -> str:
    colon = "：" if zh else ": "
    shown = []
    for feature, before, after in examples[:EXAMPLES]:
        text = feature + (f"{colon}{before}" if before else "") + (f" → {after}" if after else "")
        shown.append(text)
    more = len(examples) > EXAMPLES
    return ("、" if zh else ", ").join(shown) + (" …" if more else "")


def _townships_by_name(
    villages: pd.DataFrame,
    townships: pd.DataFrame,
    rewrites: list[Rewrite],
    label: tuple[str, str],
) -> list[Problem]:
    """Villages name their township by id or name; store the id. Unknown ones are errors."""
    column, header = label
    ids = set(townships["id"].astype(str))
    by_name: dict[str, list[str]] = {}
    for tid, tname in zip(townships["id"].astype(str), townships["name"].astype(str), strict=True):
        by_name.setdefault(tname, []).append(tid)
    resolved = []
    unknown: list[tuple[str, str]] = []
    renamed: list[tuple[str, str, str]] = []
    for vid, value in zip(villages.get("id", villages.index), villages["township"], strict=True):
        text = None if value is None or pd.isna(value) else str(value)
        if text is None or text in ids:
            resolved.append(text)
        elif len(by_name.get(text, [])) == 1:
            resolved.append(by_name[text][0])
            renamed.append((str(vid), text, by_name[text][0]))
        else:
            unknown.append((str(vid), text))
            resolved.append(text)
    villages["township"] = resolved
    if renamed:
        rewrites.append(
            Rewrite(
                "villages_township_from_name",
                "villages",
                "township",
                "name_to_id",
                len(renamed),
                tuple(v for v, _, _ in renamed),
                tuple(renamed[:EXAMPLES]),
                text_en=f"{len(renamed)} village(s) give their township by name in {column}: "
                f"the name was replaced by the township's id "
                f"(e.g. {_examples(renamed, zh=False)})",
                text_zh=f"{len(renamed)} 个村的“{header}”填的是乡镇名称，已换为乡镇编码"
                f"（如 {_examples(renamed, zh=True)}）",
            )
        )
    if not unknown:
        return []
    sample = ", ".join(f"{v} ({t!r})" for v, t in unknown[:5])
    return [
        Problem(
            "error",
            f"{len(unknown)} village(s) name a township in {column} that the townships layer "
            f"does not have (by id or name): {sample}",
            layer="villages",
            feature=unknown[0][0],
            field="township",
            count=len(unknown),
        )
    ]


def _townships_by_location(
    villages: pd.DataFrame, townships: pd.DataFrame, rewrites: list[Rewrite]
) -> list[Problem]:
    """Villages without a township get the one they lie in."""
    if "township" not in villages.columns:
        villages["township"] = None
    blank = villages["township"].isna().to_numpy()
    if not blank.any() or not isinstance(villages, gpd.GeoDataFrame):
        return []
    tree = shapely.STRtree(shapely.make_valid(townships.geometry.to_numpy()))
    points = villages.geometry.to_numpy()[blank]
    hits, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    values = villages["township"].astype(object).to_numpy().copy()
    positions = np.flatnonzero(blank)
    ids = townships["id"].astype(str).to_numpy()
    found = hits[0][dist <= 1.0]
    values[positions[found]] = ids[hits[1][dist <= 1.0]]
    villages["township"] = values
    if len(found):
        village_ids = np.asarray(villages.get("id", villages.index)).astype(str)
        filled = [(str(village_ids[p]), "", str(values[p])) for p in np.sort(positions[found])]
        rewrites.append(
            Rewrite(
                "villages_township_from_location",
                "villages",
                "township",
                "by_location",
                len(filled),
                tuple(v for v, _, _ in filled),
                tuple(filled[:EXAMPLES]),
                text_en=f"{len(filled)} village(s) have no township: it was taken from the "
                f"township each lies in (e.g. {_examples(filled, zh=False)})",
                text_zh=f"{len(filled)} 个村未填所属乡镇，已按位置取所在乡镇"
                f"（如 {_examples(filled, zh=True)}）",
            )
        )
    return [
        Problem(
            "info",
            f"{int(blank.sum())} village(s) have no township field value: taken from the "
            f"townships layer by location ({len(found)} found)",
            layer="villages",
            field="township",
            count=int(blank.sum()),
        )
    ]


def _line_stops(
    lines: pd.DataFrame, stops: pd.DataFrame, rewrites: list[Rewrite], label: tuple[str, str]
) -> list[Problem]:
    """Line stop lists hold stop ids; unique stop names are accepted and turned into ids."""
    column, header = label
    ids = set(stops["id"].astype(str))
    names: dict[str, list[str]] = {}
    if "name" in stops.columns:
        for sid, sname in zip(stops["id"].astype(str), stops["name"].astype(str), strict=True):
            names.setdefault(sname, []).append(sid)
    problems = []
    resolved_all = []
    renamed: list[tuple[str, str, str]] = []
    dropped: list[tuple[str, str, str]] = []
    for line_id, seq in zip(lines["id"], lines["stops"], strict=True):
        resolved = []
        missing = []
        for stop in seq or []:
            if stop in ids:
                resolved.append(stop)
            elif len(names.get(stop, [])) == 1:
                resolved.append(names[stop][0])
                renamed.append((str(line_id), stop, names[stop][0]))
            else:
                missing.append(stop)
                dropped.append((str(line_id), stop, ""))
        resolved_all.append(resolved)
        if missing:
            problems.append(
                Problem(
                    "error",
                    f"{len(missing)} stop(s) of the line ({column}) are not in bus_stops: "
                    f"{', '.join(missing[:5])}",
                    layer="bus_lines",
                    feature=line_id,
                    field="stops",
                    count=len(missing),
                )
            )
    lines["stops"] = resolved_all
    for key, rule, found, text_en, text_zh in (
        (
            "bus_lines_stops_from_name",
            "name_to_id",
            renamed,
            "given by name: each was replaced by the stop's id",
            "填的是站名，已换为站点编码",
        ),
        (
            "bus_lines_stops_unknown_dropped",
            "unknown_dropped",
            dropped,
            "not in bus_stops: they were left out of the lists",
            "不在站点图层中，已从序列中去掉",
        ),
    ):
        if not found:
            continue
        lines_hit = tuple(dict.fromkeys(line for line, _, _ in found))
        rewrites.append(
            Rewrite(
                key,
                "bus_lines",
                "stops",
                rule,
                len(found),
                lines_hit,
                tuple(found[:EXAMPLES]),
                text_en=f"{len(found)} stop(s) in the stop lists of {len(lines_hit)} line(s) "
                f"({column}) are {text_en} (e.g. {_examples(found, zh=False)})",
                text_zh=f"{len(lines_hit)} 条线路的“{header}”中有 {len(found)} 个站点{text_zh}"
                f"（如 {_examples(found, zh=True)}）",
            )
        )
    return problems
