"""Loading benchmarks (`make bench`; not part of `make test`).

Issue 12, item 11: merging reversed duplicate roads must stay cheap on a county of 250,000
roads (DESIGN.md: coverage end to end, loading included, <= 5 s on 250k roads). Printed
figures are recorded in the report of the change.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from roadnet.county import load_county
from roadnet.road_duplicates import find_duplicate_roads, merge_duplicate_roads

CRS = 4546


def _directed_grid(n: int, *, spacing: float = 200.0, seed: int = 0) -> gpd.GeoDataFrame:
    """An n x n jittered grid of 3-vertex roads, every street drawn in both directions."""
    rng = np.random.default_rng(seed)
    xy = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2)
    xy = xy * spacing + rng.normal(0, spacing * 0.15, xy.shape) + [400_000, 4_500_000]
    idx = np.arange(n * n).reshape(n, n)
    pairs = np.r_[
        np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()],
        np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()],
    ]
    a, b = xy[pairs[:, 0]], xy[pairs[:, 1]]
    mid = (a + b) / 2 + rng.normal(0, spacing * 0.05, a.shape)
    coords = np.stack([a, mid, b], axis=1).reshape(-1, 2)
    lines = shapely.linestrings(coords, indices=np.repeat(np.arange(len(pairs)), 3))
    both = np.concatenate([lines, shapely.reverse(lines)])
    order = rng.permutation(len(both))
    u = np.concatenate([pairs[:, 0], pairs[:, 1]])[order]
    v = np.concatenate([pairs[:, 1], pairs[:, 0]])[order]
    return gpd.GeoDataFrame(
        {
            "u": u,
            "v": v,
            "key": 0,
            "name": [f"路{i % 997}" for i in np.concatenate([np.arange(len(pairs))] * 2)[order]],
            "highway": "residential",
            "oneway": False,
        },
        geometry=both[order],
        crs=CRS,
    )


def _best(fn, repeat=3):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), max(times), out


def test_reversed_duplicates_on_250k_roads():
    roads = _directed_grid(250)  # 2 x 124,500 = 249,000 directed roads
    assert len(roads) > 240_000
    lo, hi, found = _best(lambda: find_duplicate_roads(roads.geometry.to_numpy()))
    assert int((~found.keep).sum()) == len(roads) // 2
    print(f"\nfind_duplicate_roads, {len(roads):,} roads: {lo:.2f}-{hi:.2f} s")
    lo, hi, (merged, _) = _best(lambda: merge_duplicate_roads(roads))
    assert len(merged) == len(roads) // 2
    print(f"merge_duplicate_roads (with attribute check): {lo:.2f}-{hi:.2f} s")
    undirected = roads.iloc[np.flatnonzero(found.keep)]
    lo, hi, _ = _best(lambda: find_duplicate_roads(undirected.geometry.to_numpy()))
    print(f"find_duplicate_roads, {len(undirected):,} roads, no duplicates: {lo:.2f}-{hi:.2f} s")


def test_load_county_of_250k_directed_roads(tmp_path: Path):
    roads = _directed_grid(250)
    roads.to_file(tmp_path / "edges.gpkg", engine="pyogrio")
    (tmp_path / "county.toml").write_text('[layers.roads]\npath = "edges.gpkg"\n', "utf-8")
    lo, hi, county = _best(lambda: load_county(tmp_path / "county.toml"), repeat=2)
    assert len(county.layer("roads")) == len(roads) // 2
    kept = len(county.layer("roads"))
    print(f"\nload_county, {len(roads):,} directed roads -> {kept:,}: {lo:.2f}-{hi:.2f} s")
