"""A CSV file of the feed read in bounded blocks of whole rows, as tables of strings.

Memory stays within a few blocks whatever a file holds: a junk file without line breaks, or a
quote that is never closed, is refused as soon as a line runs on past the limit
(:class:`LineTooLong`), before it is held in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO

import numpy as np
import pandas as pd

from roadnet.io.gtfs.excerpts import EXCERPT_CHARS


class LineTooLong(Exception):
    """A line (or a quoted field) runs on past the limit: not a GTFS table.

    Parameters
    ----------
    line
        Line number (1-based) where the long line starts.
    limit
        The limit it passed (bytes).
    head
        Its first bytes; a few hundred are kept for the message.
    quoted
        True when a quoted field runs on over several lines.
    """

    def __init__(self, line: int, limit: int, head: bytes, *, quoted: bool = False) -> None:
        super().__init__(limit)
        self.line = line
        self.limit = limit
        self.quoted = quoted
        self.head = head[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")


def read_blocks(raw: IO[bytes], block_bytes: int, max_line: int) -> Iterator[tuple[int, bytes]]:
    """The header line, then blocks of whole rows of about ``block_bytes`` each.

    A block ends at a newline outside quotes (a quoted field may hold a line break). Memory
    stays within a few blocks.

    Parameters
    ----------
    raw
        The file's bytes.
    block_bytes
        Bytes read at a time.
    max_line
        Longest line allowed (bytes).

    Yields
    ------
    tuple of (int, bytes)
        Line number of the block's first line, and the block.

    Raises
    ------
    LineTooLong
        As soon as a line longer than ``max_line`` bytes, or a quoted field running on for
        several blocks, is seen.
    """
    buffer = b""
    while (end := buffer.find(b"\n")) < 0:
        if len(buffer) > max_line:
            raise LineTooLong(1, max_line, buffer)
        data = raw.read(max_line + 1)
        if not data:
            if buffer:
                yield 1, buffer + b"\n"
            return
        buffer += data
    yield 1, buffer[: end + 1]
    carry = buffer[end + 1 :]
    line = 2
    while True:
        data = raw.read(block_bytes)
        buffer = carry + data
        if not data:
            if buffer.strip():
                yield line, buffer
            return
        tail = len(buffer) - (buffer.rfind(b"\n") + 1)
        if tail > max_line:
            start = len(buffer) - tail
            raise LineTooLong(line + buffer.count(b"\n"), max_line, buffer[start:])
        end = _last_row_end(buffer)
        if end < 0:
            if len(buffer) > 4 * block_bytes:
                raise LineTooLong(line, 4 * block_bytes, buffer, quoted=True)
            carry = buffer
            continue
        yield line, buffer[: end + 1]
        line += buffer.count(b"\n", 0, end + 1)
        carry = buffer[end + 1 :]


def _last_row_end(buffer: bytes) -> int:
    """Position of the last newline of ``buffer`` outside quotes; -1 if none.

    ``buffer`` starts outside quotes; a doubled quote inside a field keeps the parity.
    """
    end = buffer.rfind(b"\n")
    if end >= 0 and buffer.count(b'"', 0, end) % 2:
        # the last quote before it opens a field still open there: end before that quote
        end = buffer.rfind(b"\n", 0, buffer.rfind(b'"', 0, end))
    return end


def parse_csv(data: bytes, wanted: set[str] | None) -> pd.DataFrame:
    """A block of CSV text (with its header line) as a table of strings.

    Parameters
    ----------
    data
        The header line followed by whole rows, UTF-8 (a byte-order mark is dropped).
    wanted
        Columns to keep, by cleaned name (:func:`clean_column`); None keeps all.

    Returns
    -------
    pandas.DataFrame
        Plain Python strings, blanks as "" (no NaN).
    """
    return pd.read_csv(
        io.BytesIO(data),
        dtype=object,  # plain Python strings: hashing and isin stay fast
        keep_default_na=False,
        na_filter=False,
        skipinitialspace=True,
        encoding="utf-8-sig",
        usecols=(lambda c: clean_column(c) in wanted) if wanted else None,
    )


def tidy(chunk: pd.DataFrame) -> pd.DataFrame:
    """Clean column names (blanks, BOM, quotes), drop repeated ones, strip the values.

    Parameters
    ----------
    chunk
        A table of strings from :func:`parse_csv`; its columns are renamed in place.

    Returns
    -------
    pandas.DataFrame
        The table with a fresh 0-based index.
    """
    chunk.columns = [clean_column(c) for c in chunk.columns]
    chunk = chunk.loc[:, ~chunk.columns.duplicated()]
    for column in chunk.columns:
        chunk[column] = _stripped(chunk[column])
    return chunk.reset_index(drop=True)


def clean_column(name: object) -> str:
    """A column name without blanks, byte-order mark and quotes around it.

    Parameters
    ----------
    name
        The name as the CSV header gives it.

    Returns
    -------
    str
        The cleaned name.
    """
    return str(name).strip().strip("\ufeff").strip('"').strip()


def _stripped(values: pd.Series) -> pd.Series:
    """Values without surrounding blanks; each distinct value is stripped once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    clean = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return pd.Series(clean[codes], index=values.index, dtype=object)
