"""Printing an analysis's data-quality notes after its headline (``注意：…`` / ``Note: …``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from roadnet.quality import DataQuality


def print_notes(console: Console, quality: DataQuality, *, lang: str = "zh") -> None:
    """Print one line per note of ``quality``, in ``lang``.

    Parameters
    ----------
    console
        The command's console (:func:`roadnet.cli.app.make_console`: text printed literally).
    quality
        The result's notes.
    lang
        ``zh`` (``注意：<text>``) or ``en`` (``Note: <text>``).
    """
    prefix = "Note: " if lang == "en" else "注意："
    for line in quality.lines(lang):
        console.print(prefix + line, style="yellow", highlight=False, soft_wrap=True)
