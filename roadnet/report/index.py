"""The offline index page of an output folder: every map and table, headlines and charts.

One HTML file with inline CSS and no external URL: every link is relative to the page, so
the folder can be zipped and opened on an intranet machine. All text is HTML-escaped.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from roadnet.io.atomic import write_text

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Zen Hei",
sans-serif;margin:0;background:#f5f6f8;color:#222}
header{background:#1f4e79;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:24px}header p{margin:6px 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:18px 28px}
section{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);
margin:0 0 16px;padding:14px 20px}
section h2{margin:0 0 8px;font-size:18px;color:#1f4e79}
.headline{margin:4px 0 10px;line-height:1.6}
ul.links{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:8px}
ul.links a{display:inline-block;padding:4px 10px;border:1px solid #1f4e79;border-radius:4px;
color:#1f4e79;text-decoration:none;font-size:14px}
ul.links a:hover{background:#1f4e79;color:#fff}
.note{color:#a15c00;font-size:13px;margin:6px 0 0}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.charts figure{margin:0;flex:1 1 320px}.charts img{max-width:100%;border:1px solid #ddd}
.charts figcaption{font-size:13px;color:#555;text-align:center}
footer{color:#777;font-size:12px;text-align:center;padding:10px}
"""
_SCRIPT = (
    "addEventListener('load',function(){var n=0;for(var i=0;i<document.images.length;i++)"
    "{if(document.images[i].naturalWidth>0)n++}"
    "document.documentElement.dataset.imagesLoaded=n});"
)
"""Records on ``<html data-images-loaded>`` how many charts the browser could display."""


@dataclass(frozen=True)
class IndexSection:
    """One block of the index page: a title, its headline sentence and its files.

    Attributes
    ----------
    title
        Section title.
    headline
        The analysis' headline sentence (may be empty).
    links
        (label, file) pairs; files are linked relative to the page.
    notes
        Remarks shown under the links (a map skipped, a step that failed ...).
    """

    title: str
    headline: str = ""
    links: tuple[tuple[str, Path], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexPage:
    """The content of an index page."""

    title: str
    subtitle: str = ""
    sections: tuple[IndexSection, ...] = ()
    charts: tuple[tuple[str, Path], ...] = field(default_factory=tuple)
    footer: str = ""


def write_index(page: IndexPage, path: str | Path) -> Path:
    """Write the index page as one offline HTML file (atomically); return its path.

    Parameters
    ----------
    page
        What to show.
    path
        The ``index.html`` to write; links and images are made relative to its folder.
    """
    target = Path(path)
    return write_text(target, render_index(page, folder=target.parent))


def render_index(page: IndexPage, *, folder: Path) -> str:
    """The HTML of the page, with links relative to ``folder``."""
    e = html.escape

    def href(file: Path) -> str:
        rel = os.path.relpath(Path(file).resolve(), Path(folder).resolve())
        return e(quote(Path(rel).as_posix()), quote=True)

    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(page.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{e(page.title)}</h1>",
        f"<p>{e(page.subtitle)}</p></header><main>" if page.subtitle else "</header><main>",
    ]
    if page.charts:
        parts.append('<section><h2>图表 Charts</h2><div class="charts">')
        for caption, file in page.charts:
            parts.append(
                f'<figure><a href="{href(file)}"><img src="{href(file)}" alt="{e(caption)}">'
                f"</a><figcaption>{e(caption)}</figcaption></figure>"
            )
        parts.append("</div></section>")
    for section in page.sections:
        parts.append(f"<section><h2>{e(section.title)}</h2>")
        if section.headline:
            parts.append(f'<p class="headline">{e(section.headline)}</p>')
        if section.links:
            parts.append('<ul class="links">')
            for label, file in section.links:
                parts.append(f'<li><a href="{href(file)}">{e(label)}</a></li>')
            parts.append("</ul>")
        for note in section.notes:
            parts.append(f'<p class="note">{e(note)}</p>')
        parts.append("</section>")
    parts.append("</main>")
    if page.footer:
        parts.append(f"<footer>{e(page.footer)}</footer>")
    parts.append(f"<script>{_SCRIPT}</script>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
