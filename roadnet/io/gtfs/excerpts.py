"""Quoting a feed's input in a message: never more than :data:`EXCERPT_CHARS` characters.

A hostile or broken feed may hold a line of megabytes; a message quotes a short excerpt of it.
"""

from __future__ import annotations

#: Longest excerpt of the input quoted in a message (characters).
EXCERPT_CHARS = 80


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr`` of an input value, cut to at most ``limit`` characters.

    Parameters
    ----------
    value
        A value read from the feed (an id, a time, a coordinate ...).
    limit
        Most characters of the result, quotes included.

    Returns
    -------
    str
        The value's text, shortened with "…" when too long, in quotes.
    """
    text = str(value)
    if len(text) > limit - 3:
        text = text[: limit - 4] + "…"
    return repr(text)


def cut(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Plain text cut to at most ``limit`` characters.

    Parameters
    ----------
    text
        Any text (a file name, an id, an exception's message); runs of blanks become one space.
    limit
        Most characters of the result.

    Returns
    -------
    str
        The text, shortened with "…" when too long.
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
