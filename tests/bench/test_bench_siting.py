"""Siting benchmarks (`make bench`; not part of `make test`).

Target (DESIGN.md): 100 projects against 1,000,000 parcels <= 20 s in memory, time growing
linearly with the parcels. Parcels are a jittered grid of quadrilaterals (a tiling, like
三调 parcels: about 1 ha each, shared corners moved at random) in EPSG:4546; the county grows
with the parcel count, the 100 projects (polylines of 2-10 km, widths by kind) are spread
over it; basic farmland is every other cultivated parcel (~200k polygons per million
parcels), the red line a quarter of the county. Baselines in the same process:
geopandas.overlay of the footprints with the parcels (intersection only, no figures) and a
naive per-project loop intersecting every parcel without a spatial index (on 100k parcels).
The dask engine's time on an in-process LocalCluster with 1 and 2 workers is recorded too.

Figures are printed; copy them into tests/bench/RESULTS.md ("Siting").
"""

from __future__ import annotations

import math
import socket
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from roadnet.county import County
from roadnet.manifest import Manifest
from roadnet.siting import SitingParams, compute_siting, project_footprints

CRS = 4546
SPACING = 100.0  # metres: parcels of about 1 ha
CODES = np.array(["0101", "0102", "0103", "0301", "0305", "0401", "0404", "1006", "0702", "1104"])
KINDS = np.array(["network_link", "village_paving", "repair", "continuing", "other"])
_GETADDRINFO = socket.getaddrinfo  # captured before the socket guard is installed


def _parcels(n_parcels: int, *, seed: int = 0) -> gpd.GeoDataFrame:
    """About ``n_parcels`` jittered quadrilaterals tiling a square county."""
    n = round(math.sqrt(n_parcels))
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    xy = np.stack([gx, gy], -1).astype(float) * SPACING
    xy[1:-1, 1:-1] += rng.uniform(-0.3, 0.3, (n - 1, n - 1, 2)) * SPACING
    xy += [400_000.0, 4_500_000.0]
    a, b, c, d = xy[:-1, :-1], xy[1:, :-1], xy[1:, 1:], xy[:-1, 1:]
    rings = np.stack([a, b, c, d, a], axis=2).reshape(-1, 5, 2)
    geoms = shapely.polygons(rings)
    codes = CODES[rng.integers(0, len(CODES), len(geoms))]
    area = shapely.area(geoms)
    frame = pd.DataFrame(
        {
            "DLBM": codes.astype(object),
            "TBMJ": area * 1.0002,
            "KCXS": np.where(np.char.startswith(codes, "01"), 0.08, np.nan),
            "BSM": np.char.add("B", np.arange(len(geoms)).astype(str)).astype(object),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)


def _projects(parcels: gpd.GeoDataFrame, *, count: int = 100, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = parcels.total_bounds
    lines = []
    for _ in range(count):
        start = rng.uniform([x0 + 1000, y0 + 1000], [x1 - 1000, y1 - 1000])
        steps = int(rng.integers(5, 40))
        length = rng.uniform(2000, 10000)
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.2, steps))
        moves = np.c_[np.cos(heading), np.sin(heading)] * length / steps
        points = np.clip(np.r_[[start], start + moves.cumsum(0)], [x0, y0], [x1, y1])
        lines.append(shapely.LineString(points))
    return gpd.GeoDataFrame(
        {
            "id": [f"P{i:03d}" for i in range(count)],
            "name": [f"项目{i}" for i in range(count)],
            "kind": KINDS[rng.integers(0, len(KINDS), count)],
        },
        geometry=lines,
        crs=CRS,
    )


def _county(parcels: gpd.GeoDataFrame, projects: gpd.GeoDataFrame) -> County:
    """Parcels, projects, basic farmland (half the cultivated parcels) and a red line."""
    cultivated = parcels[parcels["DLBM"].str.startswith("01").to_numpy()]
    farmland = cultivated.iloc[::2][["geometry"]].reset_index(drop=True)
    x0, y0, x1, y1 = parcels.total_bounds
    redline = gpd.GeoDataFrame(
        {"name": ["红线"]},
        geometry=[shapely.box(x0, y0, x0 + (x1 - x0) / 4, y0 + (y1 - y0) / 4)],
        crs=CRS,
    )
    return County(
        name="bench",
        crs=pyproj.CRS.from_epsg(CRS),
        layers={
            "parcels": parcels,
            "projects": projects,
            "basic_farmland": farmland,
            "eco_redline": redline,
        },
        manifest=Manifest(name="bench", root=Path("."), path=None),
    )


def _best(fn, repeat: int = 2):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def test_siting_100_projects_scales_linearly_to_1m_parcels():
    rows = []
    for size in (100_000, 300_000, 1_000_000):
        parcels = _parcels(size)
        projects = _projects(parcels)
        county = _county(parcels, projects)
        seconds, result = _best(lambda county=county: compute_siting(county))
        footprints = project_footprints(projects)
        t_overlay, overlay = _best(
            lambda p=parcels, f=footprints: gpd.overlay(
                f[["id", "geometry"]], p[["DLBM", "geometry"]], how="intersection"
            ),
            repeat=1,
        )
        s = result.summary
        total = sum(s["by_category"].values()) + s["uncovered_m2"]
        rows.append((len(parcels), seconds, t_overlay, len(result.parcels)))
        print(
            f"\nsiting: 100 projects x {len(parcels):,} parcels: {seconds:.2f} s "
            f"({len(result.parcels):,} pieces, {s['footprint_m2'] / 1e6:.2f} km² of footprint); "
            f"geopandas.overlay (intersection only): {t_overlay:.2f} s, {len(overlay):,} pieces"
        )
        # TBMJ = 1.0002 x the geometry area: the shares are 0.02 % above the planar areas
        assert total == pytest.approx(s["footprint_m2"], rel=3e-4)
        assert len(overlay) == len(result.parcels)
    per_parcel = [t / n for n, t, _, _ in rows]
    print("per million parcels: " + ", ".join(f"{p * 1e6:.2f} s" for p in per_parcel))
    assert rows[-1][1] <= 20.0
    assert per_parcel[-1] <= 2.0 * per_parcel[0]  # linear (a tree build is n log n)


def test_naive_per_project_loop_baseline_100k():
    parcels = _parcels(100_000)
    projects = _projects(parcels)
    county = _county(parcels, projects)
    fast, result = _best(lambda: compute_siting(county))
    footprints = project_footprints(projects).geometry.to_numpy()
    geoms = parcels.geometry.to_numpy()

    def naive() -> float:
        total = 0.0
        for footprint in footprints:
            total += float(shapely.area(shapely.intersection(footprint, geoms)).sum())
        return total

    slow, covered = _best(naive, repeat=1)
    print(
        f"\nnaive loop (every parcel intersected with every footprint, no index), 100 x 100k: "
        f"{slow:.2f} s vs compute_siting {fast:.2f} s ({slow / fast:.0f}x)"
    )
    assert covered == pytest.approx(result.summary["covered_m2"], rel=1e-9)
    assert fast < slow


def _loopback_bind_only(host, port, *args, **kwargs):
    flags = args[3] if len(args) > 3 else kwargs.get("flags", 0)
    if host == "127.0.0.1" and flags & socket.AI_PASSIVE:
        return _GETADDRINFO(host, port, *args, **kwargs)
    raise RuntimeError(f"network access attempted: {host!r}, {port!r}")


@pytest.mark.parametrize("workers", [1, 2])
def test_dask_engine_1m_parcels(workers, monkeypatch):
    pytest.importorskip("dask_geopandas")
    distributed = pytest.importorskip("distributed")
    from distributed.comm import inproc

    monkeypatch.setattr(socket, "getaddrinfo", _loopback_bind_only)
    monkeypatch.setattr(inproc.global_manager, "_ip", "127.0.0.1")
    parcels = _parcels(1_000_000)
    county = _county(parcels, _projects(parcels))
    expected = compute_siting(county).summary
    params = SitingParams(engine="dask", npartitions=16)
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=False,
            dashboard_address="127.0.0.1:0",
            worker_dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster),
    ):
        seconds, result = _best(lambda: compute_siting(county, params=params), repeat=1)
    print(
        f"\ndask engine, {workers} in-process worker(s), 16 partitions, 100 x 1M parcels: "
        f"{seconds:.2f} s"
    )
    assert result.summary["by_dlbm"] == pytest.approx(expected["by_dlbm"])
