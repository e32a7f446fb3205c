"""Vehicle plates and dates in names: "蒙A·J6017 2023-07-04" is 蒙A·J6017 on 4 July 2023.

GPS units name a track after the vehicle and the day ("蒙A·J6017 2023-07-04"), and files are
saved as ``蒙AJ6017-2023-07-04.gpx`` or ``track_20230704.gpx``. The plate and the date are
two facts: the plate identifies the vehicle (one vehicle, whatever the day), the date places
a track recorded without time stamps.

A Chinese plate (GA 36-2018) is a province character, a letter, an optional separator
(``·``, space, ``-``) and 5 alphanumerics (6 for new-energy vehicles), or 4 followed by 学,
警, 挂, 港, 澳, 试, 超 or 领. Plates are written in one form, ``省A·XXXXX``, so that
``蒙AJ6017``, ``蒙A J6017`` and ``蒙a·j6017`` are one vehicle.

Examples
--------
>>> find_plate("蒙A·J6017 2023-07-04")
'蒙A·J6017'
>>> find_plate("蒙aj6017-20230704.gpx")
'蒙A·J6017'
>>> find_date("蒙AJ6017-2023-07-04")
datetime.date(2023, 7, 4)
>>> strip_date("巡查一队 2023-07-04")
'巡查一队'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

#: Province characters that start a plate.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SUFFIXES = "学警挂港澳试超领"
_PLATE = re.compile(
    rf"([{PROVINCES}])\s*([A-Z])\s*[·•・.\-_\s]?\s*"
    rf"([A-Z0-9]{{5,6}}|[A-Z0-9]{{4}}[{_SUFFIXES}])(?![A-Z0-9])"
)
_DATE = re.compile(
    r"(?<!\d)(\d{4})(?:\s*[-_./年]\s*(\d{1,2})\s*[-_./月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))(?!\d)"
)
_FIRST_YEAR, _LAST_YEAR = 1990, 2100
_SEPARATORS = " \t_-.·/,，;；()（）[]【】"


def _normal(text: str) -> str:
    """Full-width letters and digits as ASCII, letters upper case."""
    return unicodedata.normalize("NFKC", text).upper()


def find_plate(text: str | None) -> str | None:
    """The first plate in ``text``, written ``省A·XXXXX``; None when there is none."""
    if not text:
        return None
    match = _PLATE.search(_normal(text))
    if match is None:
        return None
    return f"{match.group(1)}{match.group(2)}·{match.group(3)}"


def find_date(text: str | None) -> dt.date | None:
    """The first calendar date in ``text`` between 1990 and 2100; None when there is none.

    Written ``2023-07-04``, ``2023_7_4``, ``2023.07.04``, ``20230704`` or ``2023年7月4日``.
    """
    if not text:
        return None
    for match in _DATE.finditer(_normal(text)):
        year = int(match.group(1))
        month = int(match.group(2) or match.group(4))
        day = int(match.group(3) or match.group(5))
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            continue
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None


def strip_date(text: str) -> str:
    """``text`` without its date part and the separators left around it."""
    normal = unicodedata.normalize("NFKC", text)
    for match in _DATE.finditer(normal):
        if find_date(match.group(0)) is not None:
            left = normal[: match.start()].rstrip(_SEPARATORS)
            right = normal[match.end() :].lstrip(_SEPARATORS)
            normal = f"{left} {right}" if left and right else left or right
            break
    return " ".join(normal.split()).strip(_SEPARATORS)


def vehicle_key(value: str) -> str:
    """The plate in a vehicle name, else the name as it is (stripped)."""
    return find_plate(value) or value.strip()


@dataclass(frozen=True)
class NamedVehicle:
    """A vehicle found in a track's or a file's name.

    Attributes
    ----------
    vehicle
        The plate (``省A·XXXXX``) or, without one, the name without its date part.
    source
        Where it came from: ``track_plate``, ``file_plate``, ``track_name`` or ``file_name``.
    """

    vehicle: str
    source: str


def vehicle_from_names(track_name: str | None, file_stem: str) -> NamedVehicle:
    """The vehicle of a track: the plate in its name, else in the file name, else a name.

    Parameters
    ----------
    track_name
        The track's ``<name>`` (None or blank when it has none).
    file_stem
        The file name without its extension.
    """
    plate = find_plate(track_name)
    if plate is not None:
        return NamedVehicle(plate, "track_plate")
    plate = find_plate(file_stem)
    if plate is not None:
        return NamedVehicle(plate, "file_plate")
    if track_name and strip_date(track_name):
        return NamedVehicle(strip_date(track_name), "track_name")
    return NamedVehicle(strip_date(file_stem) or file_stem, "file_name")
