"""Legends that stay readable on a county with many lines.

A city feed has a hundred lines or more: listing each in the legend overflows the printed
map and makes the page's legend scroll forever. :func:`line_legend` lists the lines serving
the most villages and sums up the rest as one entry ("其他 N 条线路").
"""

from __future__ import annotations

import numpy as np

from roadnet.maps import style
from roadnet.maps.document import LegendEntry

#: At most this many bus lines are listed in a legend; the rest are one "N other lines" entry.
LEGEND_LINES = 12


def line_legend(
    colours: list[str],
    names: list[str],
    served: np.ndarray | None,
    *,
    lang: str,
    entries: list[LegendEntry] | None = None,
    keep: frozenset[int] = frozenset(),
) -> list[LegendEntry]:
    """Legend entries of the bus lines: every line when few, else the top lines and the rest.

    With more than :data:`LEGEND_LINES` lines, the ``LEGEND_LINES - 1`` lines serving the
    most villages are listed (ties by name) and the others are one entry, "其他 N 条线路".

    Parameters
    ----------
    colours, names
        Each line's colour and name, in the lines table's order.
    served
        Villages each line serves (None: the table order is kept).
    lang
        ``zh`` or ``en``.
    entries
        The entries to choose from (default: a plain line of each colour and name).
    keep
        Positions of lines always listed (a scenario's new lines), before the others.
    """
    if entries is None:
        entries = [LegendEntry("line", c, n, size=4) for c, n in zip(colours, names, strict=True)]
    if len(entries) <= LEGEND_LINES:
        return entries
    shown = max(LEGEND_LINES - 1, len(keep))
    counts = np.zeros(len(names)) if served is None else np.nan_to_num(served.astype(float))
    order = sorted(range(len(names)), key=lambda i: (i not in keep, -counts[i], str(names[i]), i))
    top = sorted(order[:shown])
    rest = len(names) - shown
    other = LegendEntry("line", style.OTHER_LINES, style.text("other_lines", lang, count=rest))
    return [*(entries[i] for i in top), other]
