"""Real data: GraphHopper's Andorra map-matching track on the OSM roads of Andorra.

The GPX (21 points drawn on gpx.studio) has no time stamps: its points are taken as an
ordered track with unknown times (no speed or gap rule applies), matched anyway, and the
matched length compared with the track's geodesic length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from roadnet.county import load_county
from roadnet.io.gpx import read_gpx
from roadnet.network import build_graph
from roadnet.patrol import clean_tracks, match_tracks

pytestmark = pytest.mark.realdata


@pytest.fixture
def andorra(realdata: Path, tmp_path: Path) -> tuple[Path, Path]:
    folder = realdata / "andorra"
    pbf = folder / "graphhopper_andorra.osm.pbf"
    gpx = folder / "graphhopper_andorra_for_map_matching.gpx"
    if not pbf.is_file() or not gpx.is_file():
        pytest.skip("Andorra extract or GPX track missing from ../shared/realdata/andorra")
    toml = tmp_path / "county.toml"
    toml.write_text(f'name = "Andorra"\n[layers.roads]\npath = "{pbf.as_posix()}"\n', "utf-8")
    return toml, gpx


def test_andorra_track_matches_one_connected_path(andorra):
    toml, gpx = andorra
    county = load_county(toml, layers=["roads"])
    assert county.crs.to_epsg() == 32631  # UTM 31N, metres
    graph = build_graph(county.layer("roads"))
    points = read_gpx(gpx)
    assert len(points) == 21 and points["time"].isna().all()
    frame = pd.DataFrame(
        {
            "vehicle": points["vehicle"],
            "time": points["time"],
            "lon": points.geometry.x,
            "lat": points.geometry.y,
            "trip": points["trip"],
        }
    )
    cleaned = clean_tracks(frame, crs=county.crs)
    assert len(cleaned.trips) == 1 and len(cleaned.points) == 21
    xy = cleaned.points[["x", "y"]].to_numpy()
    (path,) = match_tracks(graph, xy, cleaned.points["trip"].to_numpy())
    assert path.breaks == 0 and set(path.segment.tolist()) == {0}
    for k in range(len(path.edge) - 1):  # consecutive pieces meet
        a, b = int(path.edge[k]), int(path.edge[k + 1])
        if a != b:
            ends_a = {int(graph.edge_u[a]), int(graph.edge_v[a])}
            assert ends_a & {int(graph.edge_u[b]), int(graph.edge_v[b])}
    geodesic = Geod(ellps="WGS84").line_length(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    assert path.length_m == pytest.approx(geodesic, rel=0.15)
    assert np.all(path.end_m > path.start_m)
