"""The report's charts (matplotlib, Agg, PNG): where people would rather look than read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from roadnet.io.atomic import atomic_path

CHART_FILES = {
    "villages_by_township": "villages-by-township",
    "patrol_by_month": "patrol-by-month",
    "land_by_project": "land-by-project",
}
"""Chart name -> file stem (``<stem>-<year>.png``, ``<stem>-<year>-en.png`` in English)."""
_MIN_MU = 0.05
"""Projects taking less farmland, forest and grassland than this (亩) are left off the chart."""


def write_charts(figures: dict[str, Any], out: str | Path, *, lang: str = "zh") -> dict[str, Path]:
    """Draw every chart the figures allow into ``out``.

    Parameters
    ----------
    figures
        :func:`roadnet.report.result.report_figures`.
    out
        Folder for the PNG files.
    lang
        ``zh`` or ``en`` labels (Chinese needs an installed CJK font; without one the
        labels are English).

    Returns
    -------
    dict
        Chart name -> the PNG written (charts without data are left out).
    """
    from roadnet.maps.png import find_cjk_font

    font = find_cjk_font()
    zh = lang != "en" and font is not None
    names = font is not None  # Chinese place names need a CJK font in any language
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    from roadnet.report.period import file_year

    year = file_year(figures.get("year")) + ("-en" if lang == "en" else "")
    written: dict[str, Path] = {}
    with _style(font):
        cov = figures.get("coverage")
        if cov and cov["townships"]:
            path = folder / f"{CHART_FILES['villages_by_township']}-{year}.png"
            written["villages_by_township"] = _villages_by_township(cov, path, zh=zh, names=names)
        pat = figures.get("patrol")
        if pat and pat["by_month"]:
            path = folder / f"{CHART_FILES['patrol_by_month']}-{year}.png"
            written["patrol_by_month"] = _patrol_by_month(pat, path, zh=zh)
        sit = figures.get("siting")
        if sit and any(
            p["cultivated_mu"] + p["forest_mu"] + p["grassland_mu"] >= _MIN_MU
            for p in sit["land_by_project"]
        ):
            path = folder / f"{CHART_FILES['land_by_project']}-{year}.png"
            written["land_by_project"] = _land_by_project(sit, path, zh=zh, names=names)
    return written


@contextmanager
def _style(font: str | None) -> Iterator[None]:
    import logging

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context

    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with rc_context({"font.family": families, "axes.unicode_minus": False}):
            yield
    finally:
        logger.setLevel(level)


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
    return path


def _villages_by_township(cov: dict[str, Any], path: Path, *, zh: bool, names: bool) -> Path:
    import matplotlib.pyplot as plt

    rows = sorted(cov["townships"], key=lambda t: t["share"] or 0.0)
    labels = [str(t["name"]) if names else f"T{i + 1}" for i, t in enumerate(rows)]
    shares = [
        100 * (t["villages_served"] / t["villages_total"]) if t["villages_total"] else 0
        for t in rows
    ]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rows) + 1.5))
    bars = ax.barh(labels, shares, color=["#2b8cbe" if s > 0 else "#d7301f" for s in shares])
    for bar, t in zip(bars, rows, strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{t['villages_served']}/{t['villages_total']}",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, 110)
    ax.set_xlabel("建制村通客车比例 (%)" if zh else "villages served (%)")
    ax.set_title("各乡镇建制村通客车比例" if zh else "Share of villages served by township")
    return _save(fig, path)


def _patrol_by_month(pat: dict[str, Any], path: Path, *, zh: bool) -> Path:
    import matplotlib.pyplot as plt

    months = [m["month"] for m in pat["by_month"]]
    km = [m["km"] for m in pat["by_month"]]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar([m[2:] for m in months], km, color="#41ab5d")
    ax.set_ylabel("公里" if zh else "km")
    ax.set_title("巡查里程（按月）" if zh else "Patrol km by month")
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    return _save(fig, path)


def _land_by_project(sit: dict[str, Any], path: Path, *, zh: bool, names: bool) -> Path:
    import matplotlib.pyplot as plt

    rows = [
        p
        for p in sit["land_by_project"]
        if p["cultivated_mu"] + p["forest_mu"] + p["grassland_mu"] >= _MIN_MU
    ]
    labels = [str(p["name"]) if names else f"P{i + 1}" for i, p in enumerate(rows)]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.5))
    left = [0.0] * len(rows)
    for key, label, color in (
        ("cultivated_mu", ("耕地", "cultivated"), "#fdae61"),
        ("forest_mu", ("林地", "forest"), "#1a9641"),
        ("grassland_mu", ("草地", "grassland"), "#a6d96a"),
    ):
        values = [p[key] for p in rows]
        ax.barh(labels, values, left=left, color=color, label=label[0 if zh else 1])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlabel("亩" if zh else "mu")
    ax.set_title("项目占用耕地、林地、草地" if zh else "Land taken by category and project")
    ax.legend(loc="lower right", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    return _save(fig, path)
