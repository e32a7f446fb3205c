"""Coverage on real data: three merged OSM extracts of Böblingen district and two VVS
village bus routes from GTFS (no shapes.txt, most stops outside the extracts)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from roadnet.bus import CoverageParams, compute_coverage
from roadnet.cli import main
from roadnet.county import load_county

pytestmark = pytest.mark.realdata


@pytest.fixture
def boeblingen(tmp_path, realdata):
    """A county.toml: roads from the 3 extracts, bus from VVS 764, villages from a CSV."""
    folder = realdata / "boeblingen"
    extracts = [
        folder / "otp_deufringen-minimal.osm.pbf",
        folder / "otp_ehningen-minimal.osm.pbf",
        folder / "otp_boeblingen-minimal.osm.pbf",
    ]
    from roadnet.io.osm import read_osm_roads

    # Settlement points: the middle of every residential street (as address points would be).
    roads = read_osm_roads(extracts)
    streets = roads[roads["highway"] == "residential"].to_crs(32632)
    points = gpd.GeoSeries(streets.geometry.interpolate(0.5, normalized=True), crs=32632)
    lonlat = points.to_crs(4326)
    villages = pd.DataFrame(
        {
            "村编码": [f"V{i:03d}" for i in range(len(points))],
            "村名": streets["name"].fillna("unnamed").to_numpy(),
            "人口": 100,
            "经度": lonlat.x.round(7),
            "纬度": lonlat.y.round(7),
        }
    )
    villages.to_csv(tmp_path / "villages.csv", index=False)
    paths = ", ".join(f'"{p}"' for p in extracts)
    toml = tmp_path / "county.toml"
    toml.write_text(
        f'name = "Böblingen"\n[layers.roads]\npath = [{paths}]\n'
        f'[layers.villages]\npath = "villages.csv"\n'
        f'[layers.bus_lines]\ngtfs = "{folder / "otp_vvs-bus-764-only.gtfs.zip"}"\n',
        encoding="utf-8",
    )
    return toml


def test_boeblingen_coverage(boeblingen, tmp_path):
    county = load_county(boeblingen)
    assert county.crs.to_epsg() == 32632
    assert len(county.layer("roads")) == 443
    assert len(county.layer("villages")) == 121
    network = compute_coverage(county)
    straight = compute_coverage(county, params=CoverageParams(metric="straight"))
    s = network.summary
    assert s["lines"] == 1 and s["stops"] == 17
    # Only a few of 764's stops lie inside the extracts; three are more than 1 km from any
    # of their roads (reported, and their connectors count in the distance).
    assert s["stops_off_network"] == 3
    assert (network.stops["connector_m"] > 1000).sum() == 3
    assert (
        network.network is not None and network.network["components"] == 6
    )  # 3 extracts + islands
    # Deufringen's streets are served (stops in the village); Böblingen's are not (no 764
    # stop there, and the extracts are not connected by road).
    v = network.villages
    assert (s["villages_served"], s["villages_total"]) == (82, 121)
    d = v["distance_m"].to_numpy()
    ds = straight.villages["distance_m"].to_numpy()
    finite = np.isfinite(d)
    assert (ds[finite] <= d[finite] + 1e-6).all()
    assert straight.summary["villages_served"] >= s["villages_served"]
    line = network.lines.iloc[0]
    assert line["trips_per_day"] == 25
    assert line["headway_min"] == pytest.approx(30)
    assert main(["coverage", str(boeblingen), "--json", str(tmp_path / "c.json")]) == 0
    doc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert doc["summary"]["villages_served"] == s["villages_served"]
    assert doc["summary"]["townships_total"] is None  # no townships: the roll-up is skipped


def test_boeblingen_751_and_validate(boeblingen):
    text = boeblingen.read_text(encoding="utf-8").replace("764", "751")
    boeblingen.write_text(text, encoding="utf-8")
    county = load_county(boeblingen)
    result = compute_coverage(county)
    assert result.summary["stops"] == 47
    assert result.lines.iloc[0]["trips_per_day"] == 73
    assert main(["validate", str(boeblingen)]) == 0
