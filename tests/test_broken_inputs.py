"""Broken files of every input kind, through the command line (issue 12, "Tests and done").

Each case writes a small broken variant of one input (a layer in one format, county.toml,
a scenario, a patrol file or ledger, an option value) and runs the command that reads it
in-process: a traceback fails the test, and the answer must be exit 2 (1 for validate's
findings) with one short message naming the file, layer, feature or field and the fix —
no placeholder, no Python repr, no long quote of the input.

Kinds already covered elsewhere are not repeated here: tests/test_truth_loading.py (a cut
GeoPackage, shapefile without .shx/.dbf, cut GeoJSON, binary CSV, xlsx not a zip, a folder
as a GeoPackage layer, cut GPX/OSM, a bad where, broken COUNTY arguments), tests/test_cli.py,
tests/test_truth_gtfs.py (zip bombs, endless lines) and tests/test_patrol_cli.py (broken
terminal CSV, cut GPX, junk ledger).
"""

from __future__ import annotations

import bz2
import re
import sqlite3
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import LineString, box

from roadnet.cli import main
from roadnet.io.atomic import write_geopackage
from tests import countyfixture
from tests.truthcounty import PLACEHOLDER

X0, Y0 = 500_000.0, 4_540_000.0  # CGCS2000 / GK CM 111E, near the tiny county


# --------------------------------------------------------------------------- the county


def _county(folder: Path, sections: dict[str, str] | None = None, top: str = "") -> Path:
    """The tiny county, with ``sections`` replacing (or adding) ``[layers.NAME]`` bodies."""
    toml = countyfixture.write_county(folder)
    text = toml.read_text(encoding="utf-8")
    for name, body in (sections or {}).items():
        header = f"[layers.{name}]\n"
        if header in text:
            start = text.index(header)
            end = text.find("[layers.", start + 1)
            text = text[:start] + (text[end:] if end >= 0 else "")
        text += f"\n{header}{body}"
    for line in top.splitlines():  # a key of ``top`` replaces the county's own
        key = line.split("=")[0].strip()
        text = re.sub(rf"(?m)^{key} = .*\n", "", text, count=1)
    toml.write_text(top + text, encoding="utf-8")
    return toml


def _layer(name: str) -> pd.DataFrame:
    layers = countyfixture.layers()
    return layers["乡镇" if name == "townships" else name].copy()


def _siting_layers() -> dict[str, gpd.GeoDataFrame]:
    def frame(data: dict, geoms: list) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(data, geometry=geoms, crs=4546)

    return {
        "parcels": frame(
            {"DLBM": ["0103", "0301"], "KCXS": [0.1, 0.0]},
            [box(X0, Y0 - 50, X0 + 50, Y0 + 50), box(X0 + 50, Y0 - 50, X0 + 100, Y0 + 50)],
        ),
        "projects": frame(
            {"id": ["P1"], "name": ["联网路"], "kind": ["联网路"], "width_m": [10.0]},
            [LineString([(X0, Y0), (X0 + 100, Y0)])],
        ),
    }


def _siting_county(folder: Path, edit: Callable[[dict], None] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    layers = _siting_layers()
    if edit is not None:
        edit(layers)
    write_geopackage(folder / "land.gpkg", layers)
    body = "".join(
        f'[layers.{n}]\npath = "land.gpkg"\nlayer = "{n}"\n' for n in ("parcels", "projects")
    )
    (folder / "county.toml").write_text(f'name = "测试县"\ncrs = 4546\n{body}', "utf-8")
    return folder / "county.toml"


def _write_layer(folder: Path, name: str, frame: pd.DataFrame, fmt: str) -> str:
    """``frame`` written as ``name.<fmt>``; the ``[layers.NAME]`` body that reads it."""
    path = folder / f"{name}.{fmt}"
    if fmt == "gpkg":
        write_geopackage(path, {name: frame})
        return f'path = "{path.name}"\nlayer = "{name}"\n'
    if fmt == "csv":
        table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        if isinstance(frame, gpd.GeoDataFrame):
            points = [g if g is not None and not g.is_empty else None for g in frame.geometry]
            table["经度"] = [g.x if g is not None else None for g in points]
            table["纬度"] = [g.y if g is not None else None for g in points]
        table.to_csv(path, index=False)
        return f'path = "{path.name}"\n'
    if fmt == "shp":  # a DBF holds 10-byte names: the usual short aliases
        frame = frame.rename(columns=_SHP_NAMES)
        frame.to_file(path, engine="pyogrio", encoding="UTF-8")
        return f'path = "{path.name}"\n'
    frame.to_file(path, engine="pyogrio")
    return f'path = "{path.name}"\n'


_SHP_NAMES = {"乡镇代码": "XZQDM", "乡镇名称": "XZQMC", "人口": "RK", "名称": "NAME"}
_SHP_NAMES |= {"路线编码": "LXBM", "路面类型": "LMLX"}


def _with_layer(name: str, fmt: str, edit: Callable[[pd.DataFrame], pd.DataFrame]):
    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        return _county(folder, {name: _write_layer(folder, name, edit(_layer(name)), fmt)})

    return build


def _with_file(name: str, fmt: str, spoil: Callable[[Path], None], part: str | None = None):
    """A layer written in ``fmt``, then its file (or its ``part``: ``.dbf``) spoilt."""

    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        body = _write_layer(folder, name, _layer(name), fmt)
        target = folder / f"{name}.{part or fmt}"
        spoil(target)
        return _county(folder, {name: body})

    return build


def _set_geometry(row: int, wkt: str | None) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """An edit putting the geometry ``wkt`` (NaN and Inf allowed) on ``row``."""

    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        with warnings.catch_warnings():  # shapely warns about the NaN it is asked to make
            warnings.simplefilter("ignore", RuntimeWarning)
            geometry = None if wkt is None else shapely.from_wkt(wkt)
        frame.loc[frame.index[row], "geometry"] = geometry
        return frame

    return edit


def _set_value(column: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame[column] = frame[column].astype(object)
        frame.loc[frame.index[0], column] = value
        return frame

    return edit


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _junk(path: Path) -> None:
    path.write_bytes(bytes(np.random.default_rng(7).integers(0, 256, 3000, dtype=np.uint8)))


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _nul(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\x00" * 50 + data[len(data) // 2 :])


def _gbk(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))


def _text(name: str, content: str | bytes, section: str, body: str = ""):
    def build(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
        return _county(folder, {section: f'path = "{name}"\n{body}'})

    return build


def _gtfs_one_stop(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    feed = {
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,县城站,41.0009,110.9405\n",
        "routes.txt": "route_id,route_short_name,route_type\nR1,1,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR1,WK,T1\n",
        "stop_times.txt": "trip_id,departure_time,stop_id,stop_sequence\nT1,08:00:00,S1,1\n",
    }
    with zipfile.ZipFile(folder / "bus.zip", "w") as archive:
        for member, text in feed.items():
            archive.writestr(member, text)
    toml = _county(folder, {"bus_lines": 'gtfs = "bus.zip"\n'})
    text = toml.read_text(encoding="utf-8")
    start = text.index("[layers.bus_stops]")
    end = text.index("[layers.", start + 1)
    toml.write_text(text[:start] + text[end:], encoding="utf-8")
    return toml


_OSM_NODES_ONLY = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
    "<node id='1' lat='41.0' lon='111.0'/><node id='2' lat='41.01' lon='111.01'/>\n</osm>\n"
)


# --------------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Case:
    """One broken input: how to write it, the command, the exit code, words of the message."""

    build: Callable[[Path], Path]
    command: tuple[str, ...]
    code: int = 2
    words: tuple[str, ...] = ()


def _patrol(*args: str) -> tuple[str, ...]:
    return ("patrol", *args)


LAYER_FILES: dict[str, Case] = {
    # a shapefile whose .dbf GDAL silently ignores: its ids and names would all be lost
    "shp, .dbf junk": Case(
        _with_file("roads", "shp", _junk, part="dbf"),
        ("validate",),
        words=("roads.dbf", "attribute table", "copy the shapefile again"),
    ),
    "shp, .dbf cut": Case(
        _with_file("roads", "shp", _cut, part="dbf"),
        ("coverage",),
        words=("roads.dbf", "cut short", "copy the shapefile again"),
    ),
    "shp, .dbf empty": Case(
        _with_file("townships", "shp", _empty, part="dbf"), ("validate",), words=("0 bytes",)
    ),
    "geojson in GBK": Case(
        _with_file("villages", "geojson", _gbk),
        ("validate",),
        words=("villages.geojson", "not UTF-8", 'encoding = "GBK"'),
    ),
    "csv with NUL bytes": Case(
        _with_file("villages", "csv", _nul),
        ("validate",),
        words=("villages.csv", "NUL bytes", "export it again"),
    ),
    "shp geometry damaged": Case(
        _with_file("townships", "shp", _nul),
        ("coverage",),
        words=("townships.shp", "geometry is damaged", "Fix geometries"),
    ),
    "csv is a folder": Case(
        _with_file("villages", "csv", _folder), ("coverage",), words=("is a folder",)
    ),
    "shp is a folder": Case(
        _with_file("roads", "shp", _folder), ("access",), words=("is a folder", "'roads'")
    ),
    "xlsx empty": Case(
        _text("村.xlsx", b"", "villages"), ("validate",), words=("村.xlsx", "0 bytes")
    ),
    "xlsx of junk": Case(
        _text("fleet.xlsx", b"\x00\x01junk" * 50, "fleet"),
        ("coverage",),
        words=("fleet.xlsx", "not an Excel workbook"),
    ),
    "osm.bz2 of junk": Case(
        _text("roads.osm.bz2", b"BZh91AY&SY" + b"\x00" * 200, "roads"),
        ("validate",),
        words=("roads.osm.bz2",),
    ),
    "osm.pbf of junk": Case(
        _text("roads.osm.pbf", b"\x00\x00\x00\x0dOSMHeader" + b"\xff" * 300, "roads"),
        ("access",),
        words=("roads.osm.pbf",),
    ),
    "osm without ways": Case(
        _text("roads.osm.bz2", bz2.compress(_OSM_NODES_ONLY.encode()), "roads"),
        ("validate",),
        words=("roads.osm.bz2", "no way has a highway"),
    ),
    "gtfs route at one stop": Case(
        _gtfs_one_stop, ("coverage",), words=("route 'R1'", "one place only", "stop_times.txt")
    ),
}

LAYER_VALUES: dict[str, Case] = {
    "csv coordinate empty": Case(
        _with_layer("villages", "csv", _set_geometry(1, None)),
        ("validate",),
        words=("row 3 of the table, empty", "'经度'"),
    ),
    "point at infinity": Case(
        _with_layer("villages", "gpkg", _set_geometry(0, "POINT (Inf 41)")),
        ("validate",),
        code=1,
        words=("not numbers (missing or infinite)", "row 1", "x infinite"),
    ),
    "polygon with NaN": Case(
        _with_layer(
            "townships", "gpkg", _set_geometry(0, "POLYGON ((111 41, NaN 41, 111 42, 111 41))")
        ),
        ("coverage",),
        words=("'townships'", "not numbers", "x not a number"),
    ),
    "road with NaN": Case(
        _with_layer("roads", "gpkg", _set_geometry(0, "LINESTRING (111 41, NaN NaN)")),
        ("access",),
        words=("'roads'", "row 1", "not numbers"),
    ),
    "road at 1e300": Case(
        _with_layer("roads", "gpkg", _set_geometry(1, "LINESTRING (111 41, 1e300 41)")),
        ("validate",),
        code=1,
        words=("beyond any coordinate system", "1e+300", "row 2"),
    ),
    "population 1e20": Case(
        _with_layer("villages", "gpkg", _set_value("人口", 1e20)),
        ("coverage",),
        words=("column '人口' (population)", "out of range", "150125100201", "1e+20"),
    ),
    "population negative": Case(
        _with_layer("villages", "csv", _set_value("人口", -5)),
        ("validate",),
        code=1,
        words=("column '人口' (population)", "out of range", "(-5)"),
    ),
    "trips per day 1e20": Case(
        _with_layer("bus_lines", "gpkg", _set_value("trips_per_day", 1e20)),
        ("coverage",),
        words=("'trips_per_day'", "0 to 1440", "L1"),
    ),
    "seats 1e20": Case(
        _with_layer("fleet", "csv", _set_value("座位数", 1e20)),
        ("validate",),
        code=1,
        words=("column '座位数' (seats)", "out of range"),
    ),
    "stop ids twice": Case(
        _with_layer("bus_stops", "gpkg", lambda f: pd.concat([f, f.iloc[[0]]])),
        ("validate",),
        code=1,
        words=("S1", "more than once"),
    ),
    "line without id column": Case(
        _with_layer("bus_lines", "gpkg", lambda f: f.drop(columns="id")),
        ("coverage",),
        words=("'bus_lines'", "required field 'id'"),
    ),
    "KCXS 1.5 (validate sees it)": Case(
        lambda folder: _siting_county(
            folder, lambda layers: layers["parcels"].__setitem__("KCXS", [1.5, 0.0])
        ),
        ("validate",),
        code=1,
        words=("'KCXS'", "out of range", "less than 1"),
    ),
    "project width negative (validate sees it)": Case(
        lambda folder: _siting_county(
            folder, lambda layers: layers["projects"].__setitem__("width_m", [-3.0])
        ),
        ("validate",),
        code=1,
        words=("'width_m'", "P1", "more than 0"),
    ),
}


def _top(top: str, sections: dict[str, str] | None = None):
    return lambda folder: _county(folder, sections, top=top)


def _patrol_table(body: str):
    def build(folder: Path) -> Path:
        toml = _county(folder)
        toml.write_text(toml.read_text(encoding="utf-8") + f"\n[patrol]\n{body}", "utf-8")
        return toml

    return build


def _scenario_as_county(folder: Path) -> Path:
    _county(folder / "c")
    path = folder / "s.toml"
    path.write_text('baseline = "c/county.toml"\n[[change]]\nop = "set"\n', "utf-8")
    return path


COUNTY_TOML: dict[str, Case] = {
    "patrol = 5": Case(_top("patrol = 5\n"), ("coverage",), words=("patrol must be a table",)),
    "params = 'x'": Case(
        _top('params = "x"\n'), ("validate",), words=("params must be a table", "'x'")
    ),
    "name is a table": Case(
        _top("name = { a = 1 }\n"), ("access",), words=("name must be a text", "a table")
    ),
    # every command fails at the door (the report used to skip all four sections, exit 0)
    "crs foo": Case(
        _top('crs = "foo"\n'), ("report", "--out", "{tmp}/out"), words=("crs = 'foo'",)
    ),
    "crs 3857": Case(_top("crs = 3857\n"), ("report", "--out", "{tmp}/out"), words=("Mercator",)),
    "timezone": Case(
        _top('timezone = "Mars/Base"\n'), ("validate",), words=("'Mars/Base'", "Asia/Shanghai")
    ),
    "[patrol] tracks = 5": Case(
        _patrol_table("tracks = 5\n"), _patrol("import"), words=("[patrol] tracks", "file name")
    ),
    "[patrol] ledger = 5": Case(
        _patrol_table("ledger = 5\n"), _patrol("report"), words=("[patrol] ledger",)
    ),
    "a scenario as COUNTY": Case(
        _scenario_as_county, ("validate",), words=("scenario file", "roadnet scenario")
    ),
}


def _options(*args: str, code: int = 2, words: tuple[str, ...] = ()) -> Case:
    return Case(lambda folder: _county(folder), args, code=code, words=words)


OPTIONS: dict[str, Case] = {
    "--radius -5": _options("coverage", "--radius", "-5", words=("radius", "-5")),
    "--radius inf": _options("coverage", "--radius", "inf", words=("radius", "inf")),
    "--metric foo": _options("coverage", "--metric", "foo", words=("metric", "'foo'")),
    "--join -1": _options("coverage", "--join", "-1", words=("--join",)),
    "--lang xx (coverage)": _options("coverage", "--lang", "xx", words=("--lang", "zh or en")),
    "--lang xx (patrol)": _options("patrol", "report", "--lang", "xx", words=("--lang",)),
    "--basemap foo": _options("access", "--basemap", "foo", words=("--basemap", "tianditu")),
    "--connector -1": _options("access", "--connector", "-1", words=("connector", "-1")),
    "--connector nan": _options("access", "--connector", "nan", words=("connector", "nan")),
    "--unknown-surface maybe": _options(
        "access", "--unknown-surface", "maybe", words=("--unknown-surface", "'maybe'")
    ),
    "--seat naming nothing": _options(
        "access", "--seat", "无此村", words=("'无此村'", "neither a village id nor")
    ),
    "--from 2023-13-01": _options(
        "patrol", "report", "--from", "2023-13-01", words=("--from", "YYYY-MM-DD")
    ),
    "--year -5": _options("report", "--year", "-5", words=("year", "1900")),
    "--year 99999": _options("report", "--year", "99999", words=("year", "99999")),
}


def _scenario(body: str, name: str = "s.toml"):
    def build(folder: Path) -> Path:
        _county(folder / "c")
        path = folder / name
        path.write_text(f'baseline = "c/county.toml"\n{body}', encoding="utf-8")
        return path

    return build


def _scenario_folder(folder: Path) -> Path:
    (folder / "scenario").mkdir(parents=True)
    return folder / "scenario"


def _scenario_same_names(folder: Path) -> Path:
    def edit(layers: dict) -> None:  # two villages 张家营子, 8 km apart
        layers["villages"].loc[2, "村名"] = "张家营子"

    from tests.truthcounty import write_tiny

    write_tiny(folder / "c", edit=edit)
    path = folder / "s.toml"
    path.write_text(
        'baseline = "c/county.toml"\n[[change]]\nop = "add_line"\nstops = ["S1", "张家营子"]\n',
        encoding="utf-8",
    )
    return path


_LINE = '[[change]]\nop = "add_line"\nstops = ["S1", "王家湾站"]\n'
SCENARIOS: dict[str, Case] = {
    "params = 5": Case(_scenario("params = 5\n" + _LINE), (), words=("params must be a table",)),
    "radius as text": Case(
        _scenario('[params]\nradius_m = "abc"\n' + _LINE), (), words=("[params] radius", "'abc'")
    ),
    "connector -1": Case(
        _scenario("[params]\nconnector_m = -1\n" + _LINE), (), words=("connector", "-1")
    ),
    "change = [5]": Case(_scenario("change = [5]\n"), (), words=("[[change]] tables",)),
    "no op": Case(
        _scenario('[[change]]\nstops = ["S1"]\n'), (), words=('starts with op = "..."', "s.toml:")
    ),
    "trips inf": Case(
        _scenario(_LINE + "trips_per_day = inf\n"), (), words=("trips_per_day", "inf", "change 1")
    ),
    "trips 1e300": Case(
        _scenario(_LINE + "trips_per_day = 1e300\n"), (), words=("trips_per_day", "1e+300")
    ),
    "speed 1e-300": Case(
        _scenario(_LINE + "speed_kmh = 1e-300\n"), (), words=("speed_kmh", "from 5 to 200")
    ),
    "road with nan": Case(
        _scenario('[[change]]\nop = "add_road"\ngeometry = [[111.0, 41.0], [nan, 41.0]]\n'),
        (),
        words=("add_road", "[nan, 41.0]", "degrees"),
    ),
    "snap_m -5": Case(
        _scenario(
            '[[change]]\nop = "add_road"\ngeometry = [[111.0, 41.0], [111.01, 41.0]]\nsnap_m = -5\n'
        ),
        (),
        words=("snap_m", "-5"),
    ),
    "line as a list": Case(
        _scenario('[[change]]\nop = "remove_line"\nline = ["L1"]\n'),
        (),
        words=("line must be one line's id or name", "a list"),
    ),
    "roads as a text": Case(
        _scenario('[[change]]\nop = "pave_roads"\nroads = "R2"\n'),
        (),
        words=("roads must be a list", "'R2'"),
    ),
    "stop as a table": Case(
        _scenario('[[change]]\nop = "add_line"\nstops = [{ a = 1 }, "S1"]\n'),
        (),
        words=("a table",),
    ),
    "name as a table": Case(
        _scenario("name = { a = 1 }\n" + _LINE), (), words=("name must be a text", "a table")
    ),
    "a folder": Case(_scenario_folder, (), words=("is a folder",)),
    "a name of two villages far apart": Case(
        _scenario_same_names, (), words=("'张家营子' names 2 villages", "150125100201", "id")
    ),
}


def _track(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _import(name: str, content: str | bytes, *extra: str):
    def build(folder: Path) -> Path:
        toml = _county(folder)
        _track(folder, name, content)
        return toml

    return build, _patrol("import", "{tmp}/" + name, *extra)


_HEADER = "车牌号,定位时间,经度,纬度\n"
_ROW = "蒙A·00001,{time},110.96,41.0\n"


def _ledger_edited(folder: Path) -> Path:
    toml = _county(folder)
    track = _track(folder, "t.csv", _HEADER + _ROW.format(time="2023-06-01 08:00:00") * 1)
    assert main(["patrol", "import", str(toml), str(track)]) == 0
    with sqlite3.connect(folder / "patrol-ledger.gpkg") as conn:
        conn.execute('ALTER TABLE events RENAME COLUMN "vehicle" TO "veh"')
    return toml


PATROL: dict[str, Case] = {
    "a folder of tracks": Case(
        lambda folder: (_county(folder), (folder / "gps").mkdir())[0],
        _patrol("import", "{tmp}/gps"),
        words=("is a folder", "*.gpx"),
    ),
    "header only": Case(
        *_import("empty.csv", _HEADER), words=("empty.csv", "no GPS point", "header")
    ),
    "a 20-digit time": Case(
        *_import("t.csv", _HEADER + _ROW.format(time="1" + "0" * 19)),
        words=("t.csv", "row 2", "'定位时间'", "cannot be read"),
    ),
    "year 9999": Case(
        *_import("t.csv", _HEADER + _ROW.format(time="9999-12-31 23:59:59")),
        words=("t.csv", "9999-12-31"),
    ),
    "xlsx of junk": Case(
        *_import("t.xlsx", b"not a workbook" * 20), words=("t.xlsx", "not an Excel workbook")
    ),
    "gpx of html": Case(
        *_import("t.gpx", "<html><body>404</body></html>"), words=("t.gpx", "<html>")
    ),
    "ledger with edited tables": Case(
        _ledger_edited, _patrol("report"), words=("not a readable patrol ledger", "vehicle")
    ),
    "ledger is a folder": Case(
        lambda folder: (_county(folder), (folder / "l.gpkg").mkdir())[0],
        _patrol("report", "--ledger", "{tmp}/l.gpkg"),
        words=("is a folder", "l.gpkg"),
    ),
    "report --ledger junk": Case(
        lambda folder: (_county(folder), (folder / "l.gpkg").write_bytes(b"junk" * 99))[0],
        ("report", "--ledger", "{tmp}/l.gpkg", "--out", "{tmp}/out"),
        words=("l.gpkg", "not a readable patrol ledger"),
    ),
}

MATRIX = {
    **{f"layer file: {k}": v for k, v in LAYER_FILES.items()},
    **{f"layer values: {k}": v for k, v in LAYER_VALUES.items()},
    **{f"county.toml: {k}": v for k, v in COUNTY_TOML.items()},
    **{f"option: {k}": v for k, v in OPTIONS.items()},
    **{f"scenario: {k}": v for k, v in SCENARIOS.items()},
    **{f"patrol: {k}": v for k, v in PATROL.items()},
}

#: A Python repr or a traceback in a message meant for people.
_REPR = re.compile(r"\[\s*'|\{\s*'|Traceback|Errno|object at 0x|codec can't")


@pytest.mark.parametrize("name", list(MATRIX))
def test_broken_input_is_refused_with_one_clear_message(tmp_path, capsys, name):
    case = MATRIX[name]
    target = case.build(tmp_path)
    command = [part.replace("{tmp}", str(tmp_path)) for part in case.command]
    if name.startswith("scenario: "):
        argv = ["scenario", str(target)]
    elif command[:1] == ["patrol"]:
        argv = [*command[:2], str(target), *command[2:]]
    else:
        argv = [command[0], str(target), *command[1:]]
    code = main(argv)  # a traceback here fails the test
    printed = capsys.readouterr()
    message = printed.err if code == 2 else printed.out
    assert code == case.code, (code, printed.err[-500:], printed.out[-500:])
    if code == 2:
        usage = "Invalid value" in message  # typer's own check of an option
        assert message.startswith("roadnet: error: ") or usage, message
        assert len(message) < 700, message
    for word in case.words:
        assert word in message, (word, message)
    shown = "\n".join(line for line in message.splitlines() if "error" in line.lower())
    quoted = any(re.search(r"\b(nan|inf)\b", word) for word in case.words)  # the value given
    assert quoted or PLACEHOLDER.search(shown) is None, shown
    assert _REPR.search(shown) is None, shown


def test_stderr_is_the_message_alone_in_a_real_process(tmp_path):
    """In a process of its own (no pytest warning filters), a damaged shapefile's GDAL
    warnings do not leak onto the terminal before the message."""
    import subprocess
    import sys

    # Chinese headers cut at the DBF's 10 bytes mid-character: the file is read a second
    # time as bytes, where the damaged ring is met (and GDAL warned on stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _layer("townships").to_file(tmp_path / "t.shp", engine="pyogrio", encoding="UTF-8")
    _nul(tmp_path / "t.shp")
    toml = _county(tmp_path, {"townships": 'path = "t.shp"\n'})
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "roadnet", "validate", str(toml)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("roadnet: error: "), result.stderr
    assert "geometry is damaged" in lines[0]
