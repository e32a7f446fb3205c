"""Exceptions raised by roadnet.

Every error a user can cause derives from :class:`RoadnetError`; the command line turns
these into one message and exit code 2. Each subclass also inherits the built-in exception
it resembles, as rasterio's ``RasterioIOError(RasterioError, OSError)`` does, so callers
that catch ``ValueError`` or ``OSError`` keep working.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class RoadnetError(Exception):
    """Root of every roadnet error."""


class ReadError(RoadnetError, OSError):
    """A file cannot be opened or parsed (missing, corrupted, wrong format, bad encoding)."""


class ConfigError(RoadnetError, ValueError):
    """A county.toml or scenario file is malformed or names something that does not exist."""


class LayerError(RoadnetError, ValueError):
    """A layer's content is unusable: missing field, bad value, bad geometry, no CRS.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    layer
        Layer name (``villages``, ``roads`` ...).
    feature
        Feature id (or row number) concerned, if one.
    field
        Field concerned, if one.
    source
        File the layer was read from, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        layer: str | None = None,
        feature: object = None,
        field: str | None = None,
        source: str | None = None,
    ) -> None:
        self.layer = layer
        self.feature = feature
        self.field = field
        self.source = source
        self.detail = message
        super().__init__(_locate(message, layer=layer, feature=feature, field=field, source=source))


class MissingLayerError(LayerError):
    """A command needs a layer the county does not define."""


@dataclass(frozen=True)
class Problem:
    """One finding of validation.

    ``severity`` is ``"error"`` (the layer cannot be used as is) or ``"warning"``
    (usable, but probably not what the planner meant).
    """

    severity: str
    message: str
    layer: str | None = None
    feature: object = None
    field: str | None = None
    source: str | None = None
    count: int = 1

    def __str__(self) -> str:
        text = _locate(
            self.message,
            layer=self.layer,
            feature=self.feature,
            field=self.field,
            source=self.source,
        )
        return text

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return {
            "severity": self.severity,
            "layer": self.layer,
            "feature": None if self.feature is None else str(self.feature),
            "field": self.field,
            "source": self.source,
            "count": self.count,
            "message": self.message,
        }


class ValidationError(RoadnetError, ValueError):
    """Input layers have errors; ``problems`` lists all of them, not only the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = errors or self.problems
        lines = [str(p) for p in shown[:20]]
        more = len(shown) - len(lines)
        head = f"{len(errors)} error(s) in the input layers:"
        tail = [f"... and {more} more (run `roadnet validate` for the full list)"] if more else []
        super().__init__("\n".join([head, *("  - " + line for line in lines), *tail]))


def _locate(
    message: str,
    *,
    layer: str | None,
    feature: object,
    field: str | None,
    source: str | None,
) -> str:
    where = []
    if source:
        where.append(str(source))
    if layer:
        where.append(f"layer '{layer}'")
    if feature is not None:
        where.append(f"feature {feature}")
    if field:
        where.append(f"field '{field}'")
    return f"{', '.join(where)}: {message}" if where else message
