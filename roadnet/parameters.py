"""Checks of the numbers that parameterise an analysis (radii, distances, widths).

A radius comes from the command line (``--radius``), a scenario's ``[params]`` or a script;
wherever it comes from it must be a finite number in a sensible range, or the analysis
would run on nonsense (``inf`` serves every village, ``nan`` none, a negative one crashes
a spatial index). Each parameter dataclass calls :func:`require_number` in its
``__post_init__``, so a bad value is refused with one message naming it.
"""

from __future__ import annotations

import math
from typing import Any

from roadnet.errors import ConfigError

#: Largest distance parameter accepted, metres (100 km: beyond any rule of a county).
MAX_DISTANCE_M = 100_000.0


def require_number(
    value: Any,
    *,
    what: str,
    unit: str = "metres",
    low: float = 0.0,
    high: float = MAX_DISTANCE_M,
    zero: bool = False,
) -> float:
    """``value`` as a float when it is a finite number in ``(low, high]``, else ConfigError.

    Parameters
    ----------
    value
        The parameter as given (a number; text, booleans and ``inf``/``nan`` are refused).
    what
        Its name for the message (``radius``, ``--connector``, ``[params] radius_m``).
    unit
        Its unit for the message.
    low, high
        The accepted range; ``low`` itself only when ``zero`` is true.
    zero
        Whether ``low`` is accepted.

    Raises
    ------
    ConfigError
        Naming the parameter, the range and the value given.
    """
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    number = float(value) if numeric else None
    ok = (
        number is not None
        and math.isfinite(number)
        and (number >= low if zero else number > low)
        and number <= high
    )
    if ok and number is not None:
        return number
    shown = repr(value) if isinstance(value, str) else str(value)
    if low == 0 and not zero:
        wanted = f"a positive number of {unit} (at most {high:,.0f})"
    else:
        wanted = f"a number of {unit} from {low:g}{'' if zero else ' (excluded)'} to {high:,.0f}"
    raise ConfigError(f"{what} must be {wanted}, not {shown[:40]}")
