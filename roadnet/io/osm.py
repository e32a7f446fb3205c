"""Roads and settlements from OpenStreetMap extracts (.osm, .osm.bz2, .osm.gz, .osm.pbf).

Every format is read with pyosmium, so the ``.pbf`` and the ``.osm.bz2`` of one extract
give the same rows. Extracts cut from a larger file ("clipped" extracts) contain ways whose
nodes lie partly outside the cut: such a way keeps its longest run of consecutive nodes that
have a location, and a way with fewer than two located nodes is skipped. Both are counted in
the result's ``attrs`` (``clipped_ways``, ``skipped_ways``) and logged, never fatal.

Tag conventions follow the OSM wiki (``highway``, ``surface``, ``tracktype``, ``width``,
``oneway``, ``junction``, ``place``, ``population``); osmnx makes the same choices for
``oneway`` (motorways and roundabouts are one-way unless tagged ``oneway=no``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from roadnet.errors import ReadError
from roadnet.schema import HIGHWAY_CLASSES, road_class_from_code

log = logging.getLogger(__name__)

#: ``highway`` values read as roads a vehicle can drive on (``_link`` ramps included).
DRIVABLE_HIGHWAYS: frozenset[str] = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "motorway_link",
        "trunk_link",
        "primary_link",
        "secondary_link",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "track",
        "road",
    }
)

#: ``place`` values read as settlements, and the village ``kind`` each one gets.
#: ``neighbourhood``, ``quarter``, ``locality`` (a named place without population),
#: ``farm`` and larger units (``county``, ``state`` ...) are not settlements here.
PLACE_KINDS: dict[str, str] = {
    "city": "administrative",
    "town": "administrative",
    "suburb": "administrative",
    "village": "administrative",
    "hamlet": "natural",
    "isolated_dwelling": "natural",
}
_SEAT_PLACES = frozenset({"city", "town"})

_SURFACE_PAVED = frozenset(
    {
        "paved",
        "asphalt",
        "concrete",
        "paving_stones",
        "sett",
        "cobblestone",
        "unhewn_cobblestone",
        "chipseal",
        "metal",
        "wood",
        "bricks",
    }
)
_SURFACE_GRAVEL = frozenset({"gravel", "fine_gravel", "compacted", "pebblestone", "shells"})
_SURFACE_EARTH = frozenset(
    {"unpaved", "dirt", "earth", "ground", "grass", "sand", "mud", "soil", "rock"}
)
_TRACKTYPE_SURFACE = {
    "grade1": "paved",
    "grade2": "gravel",
    "grade3": "gravel",
    "grade4": "earth",
    "grade5": "earth",
}
_ONEWAY_TRUE = frozenset({"yes", "1", "true", "-1"})
_ONEWAY_FALSE = frozenset({"no", "0", "false", "reversible", "alternating"})
_ROUNDABOUTS = frozenset({"roundabout", "circular"})

_CHINESE_ROUTE_CODE = re.compile(r"^[GSXYCZ]\d+")
_WIDTH = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(m|meters?|metres?|米|ft|feet|')?\s*$", re.IGNORECASE)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")

# Suffix -> pyosmium format string. Longest suffixes first.
_FORMATS: tuple[tuple[str, str], ...] = (
    (".osm.pbf", "pbf"),
    (".osm.bz2", "osm.bz2"),
    (".osm.gz", "osm.gz"),
    (".xml.bz2", "osm.bz2"),
    (".xml.gz", "osm.gz"),
    (".pbf", "pbf"),
    (".bz2", "osm.bz2"),
    (".gz", "osm.gz"),
    (".osm", "osm"),
    (".xml", "osm"),
)

ROAD_COLUMNS = (
    "id",
    "name",
    "route_code",
    "ref",
    "highway",
    "class",
    "surface",
    "width_m",
    "oneway",
    "geometry",
)
PLACE_COLUMNS = ("id", "name", "place", "kind", "population", "seat", "geometry")

PathsLike = str | Path | Sequence[str | Path]


@dataclass
class _Way:
    """A road way as read from one file, before it becomes a row."""

    tags: dict[str, str]
    coords: list[tuple[float, float]]
    located: int
    total: int


def read_osm_roads(paths: PathsLike) -> gpd.GeoDataFrame:
    """Read the drivable roads of one or more OSM extracts.

    Parameters
    ----------
    paths
        One extract or several (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``). Ways found
        in several extracts are read once: the copy with the most located nodes is kept.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per way whose ``highway`` is in :data:`DRIVABLE_HIGHWAYS`, in EPSG:4326, with
        columns ``id`` (``"w<way id>"``), ``name``, ``route_code`` (the ``ref`` when it is a
        Chinese route code such as ``X012``, else missing), ``ref``, ``highway``, ``class``
        (from the route code's letter, else from ``highway``), ``surface`` (``paved``,
        ``gravel``, ``earth`` or missing), ``width_m`` (metres, NaN when untagged),
        ``oneway`` (bool) and ``geometry`` (LineString). A way tagged ``oneway=-1`` is
        reversed so that its geometry runs in the direction of travel. ``attrs`` holds
        ``clipped_ways`` and ``skipped_ways`` (ways cut by the extract's boundary).

    Raises
    ------
    ReadError
        A file is missing, has an unknown extension or cannot be parsed, or the extracts
        hold no drivable road.
    """
    files = _as_paths(paths)
    best: dict[int, _Way] = {}
    found: dict[str, int] = {}
    for path in files:
        for way_id, way in _scan_roads(path, found):
            kept = best.get(way_id)
            if kept is None or way.located > kept.located:
                best[way_id] = way

    if not best:
        raise ReadError(_no_roads_message(files, found))

    clipped = sum(1 for w in best.values() if w.located < w.total and len(w.coords) >= 2)
    skipped = sum(1 for w in best.values() if len(w.coords) < 2)
    rows: list[list[object]] = []
    geometry: list[LineString] = []
    for way_id, way in best.items():
        if len(way.coords) >= 2:
            row, line = _road_row(way_id, way)
            rows.append(row)
            geometry.append(line)
    if clipped or skipped:
        log.warning(
            "%s: %d road way(s) cut by the extract's boundary kept in part, %d skipped "
            "(fewer than two nodes inside the extract)",
            _names(files),
            clipped,
            skipped,
        )
    if not rows:
        raise ReadError(
            f"{_names(files)}: none of the {len(best)} drivable road way(s) has two nodes inside "
            "the extract; the file holds the ways but not their nodes. Export the extract with "
            "complete ways (osmium extract --strategy complete_ways)"
        )
    frame = pd.DataFrame(rows, columns=list(ROAD_COLUMNS[:-1]))
    frame["width_m"] = frame["width_m"].astype("float64")
    frame["oneway"] = frame["oneway"].astype(bool)
    result = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    result.attrs["clipped_ways"] = clipped
    result.attrs["skipped_ways"] = skipped
    return result


def read_osm_places(paths: PathsLike) -> gpd.GeoDataFrame:
    """Read the settlements (``place`` nodes and areas) of one or more OSM extracts.

    Parameters
    ----------
    paths
        One extract or several (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per node, closed way or multipolygon whose ``place`` is in
        :data:`PLACE_KINDS`, in EPSG:4326, with columns ``id`` (``"n<id>"``, ``"w<id>"`` or
        ``"r<id>"``), ``name``, ``place``, ``kind`` (``administrative`` for city, town,
        suburb and village; ``natural`` for hamlet and isolated dwelling), ``population``
        (nullable integer from the ``population`` tag), ``seat`` (True for city and town)
        and ``geometry`` (the node, or a point inside the area). The result may be empty.

    Raises
    ------
    ReadError
        A file is missing, has an unknown extension or cannot be parsed.
    """
    files = _as_paths(paths)
    rows: dict[str, dict[str, object]] = {}
    for path in files:
        for row in _scan_places(path):
            rows.setdefault(str(row["id"]), row)
    frame = pd.DataFrame(list(rows.values()), columns=list(PLACE_COLUMNS))
    frame["population"] = frame["population"].astype("Int64")
    frame["seat"] = frame["seat"].astype(bool)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def normalize_surface(surface: str | None, tracktype: str | None = None) -> str | None:
    """Map OSM ``surface`` (or, failing that, ``tracktype``) to ``paved``/``gravel``/``earth``.

    Parameters
    ----------
    surface
        The ``surface`` tag (``asphalt``, ``concrete:plates``, ``fine_gravel`` ...).
    tracktype
        The ``tracktype`` tag, used when ``surface`` is absent or not recognised.

    Returns
    -------
    str or None
        The roadnet surface, or None when neither tag says.
    """
    if surface:
        value = surface.strip().lower().split(";")[0].strip()
        base = value.split(":")[0]
        for group, label in (
            (_SURFACE_PAVED, "paved"),
            (_SURFACE_GRAVEL, "gravel"),
            (_SURFACE_EARTH, "earth"),
        ):
            if value in group or base in group:
                return label
    if tracktype:
        return _TRACKTYPE_SURFACE.get(tracktype.strip().lower())
    return None


def parse_width(value: str | None) -> float:
    """Width in metres from an OSM ``width`` tag (``"5"``, ``"5 m"``, ``"5,5"``, ``"12 ft"``).

    Returns NaN when the tag is absent or not a plain length.
    """
    if not value:
        return math.nan
    match = _WIDTH.match(value)
    if not match:
        return math.nan
    number = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "m").lower()
    if unit in ("ft", "feet", "'"):
        number *= 0.3048
    return number


def parse_population(value: str | None) -> int | None:
    """Population from an OSM ``population`` tag (``"1234"``, ``"1 234"``, ``"1,234"``).

    Returns None when the tag is absent or not a number.
    """
    if not value:
        return None
    text = re.sub(r"[\s\u00a0\u202f'_]", "", value)
    if _THOUSANDS.match(text):
        return int(re.sub(r"[.,]", "", text))
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return round(number)


# --------------------------------------------------------------------------- internals


def _as_paths(paths: PathsLike) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise ReadError("no OSM extract given: pass the path of a .osm, .osm.bz2 or .osm.pbf file")
    files = [Path(p) for p in items]
    for path in files:
        if not path.is_file():
            raise ReadError(f"{path}: no such file; check the path of the OSM extract")
        _osm_format(path)
    return files


def _osm_format(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in _FORMATS:
        if name.endswith(suffix):
            return fmt
    raise ReadError(
        f"{path}: unknown extension for an OSM extract; use .osm (XML), .osm.bz2, .osm.gz "
        "or .osm.pbf (rename the file if it is one of these)"
    )


def _open(path: Path) -> osmium.FileProcessor:
    return osmium.FileProcessor(
        osmium.io.File(str(path), _osm_format(path)), osmium.osm.NODE | osmium.osm.WAY
    ).with_locations()


def _parse_error(path: Path, exc: BaseException) -> ReadError:
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0][:300]
    hint = (
        "the file is truncated or corrupted: download or export it again"
        if path.name.lower().endswith(".pbf") or "EOF" in text or "compression" in text.lower()
        else "it is not well-formed OSM XML: export it again, e.g. with osmium cat"
    )
    return ReadError(f"{path}: cannot be read as an OSM extract ({text}); {hint}")


def _scan_roads(path: Path, found: dict[str, int]) -> list[tuple[int, _Way]]:
    processor = _open(path).with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
    processor = processor.with_filter(osmium.filter.KeyFilter("highway"))
    ways: list[tuple[int, _Way]] = []
    try:
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            highway = obj.tags.get("highway") or ""
            found[highway] = found.get(highway, 0) + 1
            if highway in DRIVABLE_HIGHWAYS:
                ways.append((obj.id, _way_from(obj)))
    except Exception as exc:  # pyosmium raises RuntimeError for every parse failure
        raise _parse_error(path, exc) from exc
    return ways


def _way_from(obj: osmium.osm.Way) -> _Way:
    runs: list[list[tuple[float, float]]] = [[]]
    located = 0
    total = 0
    for node in obj.nodes:
        total += 1
        try:
            point = (node.lon, node.lat)
        except osmium.InvalidLocationError:
            if runs[-1]:
                runs.append([])
            continue
        located += 1
        if not runs[-1] or runs[-1][-1] != point:
            runs[-1].append(point)
    runs = [run for run in runs if len(run) >= 2]
    coords = max(runs, key=_run_length) if runs else []
    return _Way(
        tags={tag.k: tag.v for tag in obj.tags},
        coords=coords,
        located=located,
        total=total,
    )


def _run_length(run: list[tuple[float, float]]) -> float:
    return float(shapely.length(LineString(run)))


def _road_row(way_id: int, way: _Way) -> tuple[list[object], LineString]:
    tags = way.tags
    highway = tags["highway"]
    ref = tags.get("ref") or None
    route_code = _route_code(ref)
    road_class = road_class_from_code(route_code) if route_code else None
    if road_class is None:
        road_class = HIGHWAY_CLASSES.get(highway.removesuffix("_link"), "other")
    oneway_tag = (tags.get("oneway") or "").strip().lower()
    if oneway_tag in _ONEWAY_TRUE:
        oneway = True
    elif oneway_tag in _ONEWAY_FALSE:
        oneway = False
    else:
        oneway = highway == "motorway" or tags.get("junction", "").lower() in _ROUNDABOUTS
    coords = way.coords[::-1] if oneway_tag == "-1" else way.coords
    row: list[object] = [
        f"w{way_id}",
        tags.get("name") or None,
        route_code,
        ref,
        highway,
        road_class,
        normalize_surface(tags.get("surface"), tags.get("tracktype")),
        parse_width(tags.get("width")),
        oneway,
    ]
    return row, LineString(coords)


def _route_code(ref: str | None) -> str | None:
    if not ref:
        return None
    for part in ref.split(";"):
        code = part.strip()
        if _CHINESE_ROUTE_CODE.match(code):
            return code
    return None


def _scan_places(path: Path) -> list[dict[str, object]]:
    processor = (
        osmium.FileProcessor(osmium.io.File(str(path), _osm_format(path)))
        .with_locations()
        .with_areas(osmium.filter.KeyFilter("place"))
        .with_filter(osmium.filter.KeyFilter("place"))
    )
    factory = osmium.geom.WKBFactory()
    rows: list[dict[str, object]] = []
    try:
        for obj in processor:
            place = obj.tags.get("place") or ""
            if place not in PLACE_KINDS:
                continue
            if isinstance(obj, osmium.osm.Node):
                if not obj.location.valid():
                    continue
                oid = f"n{obj.id}"
                point = Point(obj.location.lon, obj.location.lat)
            elif isinstance(obj, osmium.osm.Area):
                try:
                    wkb = factory.create_multipolygon(obj)
                except (RuntimeError, osmium.InvalidLocationError):
                    continue  # broken or clipped outline: no usable point
                oid = f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
                point = shapely.from_wkb(bytes.fromhex(wkb)).representative_point()
            else:
                continue  # a way's area arrives separately
            rows.append(
                {
                    "id": oid,
                    "name": obj.tags.get("name") or None,
                    "place": place,
                    "kind": PLACE_KINDS[place],
                    "population": parse_population(obj.tags.get("population")),
                    "seat": place in _SEAT_PLACES,
                    "geometry": point,
                }
            )
    except Exception as exc:  # pyosmium raises RuntimeError for every parse failure
        raise _parse_error(path, exc) from exc
    return rows


def _no_roads_message(files: list[Path], found: dict[str, int]) -> str:
    where = _names(files)
    if not found:
        return (
            f"{where}: no way has a highway tag, so there are no roads to read; check that "
            "the extract covers the county and was not filtered to other features"
        )
    listed = ", ".join(f"{k or '(empty)'} ({n})" for k, n in sorted(found.items(), key=_by_count))
    return (
        f"{where}: no drivable road found; the highway values present are {listed}. "
        f"Drivable values are {', '.join(sorted(DRIVABLE_HIGHWAYS))}"
    )


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def _names(files: list[Path]) -> str:
    return ", ".join(str(p) for p in files)
