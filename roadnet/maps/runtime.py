"""The map's own JavaScript and CSS: plain Leaflet, no jQuery, Bootstrap or Font Awesome.

They are package data files in ``roadnet/maps/static/`` (``error-hook.js``, ``runtime.js``,
``runtime.css``), read once when a map is written; the CSS takes the page background and
font stack of :mod:`roadnet.maps.style`.

The script reads the map's data from one ``<script type="application/json">`` element and
draws every layer from it. Every text taken from the data is put into the page with
``textContent`` (never ``innerHTML``), so a village named ``<script>`` is shown, never run.

When the map is set up, the script records on ``<html>``: ``data-village-markers`` (the
village dots on the map), ``data-ready-ms`` (milliseconds from navigation start to the end
of setup) and ``data-paint-ms`` (to the first frame after it); any JavaScript error is
appended to ``data-js-errors``. Headless browser checks read these from the DOM.

``#v=<village id>`` at the end of the file's address opens the map on that village.
"""

from __future__ import annotations

import functools
from importlib import resources

from roadnet.maps.style import BACKGROUND, FONT_STACK


@functools.cache
def _static(name: str) -> str:
    return (resources.files("roadnet.maps") / "static" / name).read_text(encoding="utf-8")


def error_hook_js() -> str:
    """Runs first: records JavaScript errors on ``<html data-js-errors="...">``."""
    return _static("error-hook.js")


def runtime_js() -> str:
    """The script that draws the map from its data element."""
    return _static("runtime.js")


def runtime_css() -> str:
    """The page's CSS, with the background colour and font stack filled in."""
    return _static("runtime.css").replace("FONT_STACK", FONT_STACK).replace("BACKGROUND", BACKGROUND)
