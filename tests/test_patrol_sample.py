"""The sample county's patrol tracks against their stored truth (``layers/patrol/truth.csv``).

Uses ``layers/`` when the sample county has been generated there (``make demo``), else
generates it into a temporary folder. The truth lists, per trip, its vehicle, start time,
true path length (m) and road ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from roadnet.county import load_county
from roadnet.patrol import compute_patrol, import_files, resolve_inputs
from roadnet.schema import find_column, split_list

LAYERS = Path(__file__).resolve().parents[1] / "layers"
TRUTH = LAYERS / "patrol" / "truth.csv"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> Path:
    if TRUTH.is_file() and (LAYERS / "county.gpkg").is_file():
        return LAYERS
    from roadnet.sample import write_sample

    out = tmp_path_factory.mktemp("sample") / "layers"
    write_sample(out, seed=0)
    return out


def _truth(layers: Path) -> pd.DataFrame:
    table = pd.read_csv(layers / "patrol" / "truth.csv", dtype=str)
    columns = {
        "vehicle": find_column(table.columns, ["vehicle", "车牌号", "plate"]),
        "start": find_column(table.columns, ["start", "start_time", "开始时间", "time"]),
        "length": find_column(
            table.columns, ["length_m", "true_length_m", "path_length_m", "length", "里程"]
        ),
        "roads": find_column(table.columns, ["roads", "road_ids", "道路"]),
    }
    missing = [k for k, v in columns.items() if v is None]
    assert not missing, f"truth.csv columns not recognised: {list(table)}"
    return pd.DataFrame({k: table[str(v)] for k, v in columns.items()})


def test_sample_county_matched_km_and_roads(tmp_path, layers):
    truth = _truth(layers)
    county = load_county(layers / "county.toml", layers=["roads", "townships", "boundary"])
    patterns = county.manifest.patrol.get("tracks") or ["patrol/*.csv", "patrol/*.gpx"]
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    ledger = tmp_path / "ledger.gpkg"
    import_files(ledger, resolve_inputs(patterns, root=county.root))
    report = compute_patrol(county, ledger=ledger)

    true_km = pd.to_numeric(truth["length"]).sum() / 1000.0
    assert report.summary["matched_km"] == pytest.approx(true_km, rel=0.02)

    roads = report.by_road.set_index("road_id")
    true_roads = {r for value in truth["roads"] for r in split_list(value)}
    driven = roads["patrolled_km"]
    in_truth = np.isin(driven.index.astype(str), sorted(true_roads))
    precision = driven[in_truth].sum() / driven.sum()
    length = roads["length_km"]
    known = [r for r in true_roads if r in length.index]
    recall = driven.reindex(known).fillna(0).sum() / length.reindex(known).sum()
    assert precision >= 0.95
    assert recall >= 0.95
