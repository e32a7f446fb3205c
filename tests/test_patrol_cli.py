"""``roadnet patrol import`` / ``report``: JSON keys, exit codes, nothing written on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from roadnet.cli import main
from tests import countyfixture

IMPORT_KEYS = {"files", "points_read", "points_added", "points_duplicate", "points_rejected"}


def _terminal_csv(path: Path, *, n: int = 40, start: str = "2023-06-01 08:00:00") -> Path:
    """Fixes along the tiny county's R1 (lat 41°N, eastwards from 110.95°E), every 10 s."""
    times = pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * 10, unit="s")
    frame = pd.DataFrame(
        {
            "车牌号": "蒙A·00001",
            "定位时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "经度": 110.95 + np.arange(n) * 0.0013,
            "纬度": 41.0 + np.random.default_rng(0).normal(0, 0.00005, n),
            "速度": 40,
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def county(tmp_path: Path) -> Path:
    return countyfixture.write_county(tmp_path)


def _import_json(args: list[str], out: Path) -> dict:
    assert main([*args, "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_import_writes_design_keys_and_is_idempotent(county, capsys):
    track = _terminal_csv(county.parent / "t.csv")
    out = county.parent / "import.json"
    first = _import_json(["patrol", "import", str(county), str(track)], out)
    assert set(first) >= IMPORT_KEYS
    assert (first["files"], first["points_read"], first["points_added"]) == (1, 40, 40)
    second = _import_json(["patrol", "import", str(county), str(track), "--lang", "en"], out)
    assert (second["points_added"], second["points_duplicate"]) == (0, 40)
    assert "0 added, 40 already in the ledger" in capsys.readouterr().out
    assert (county.parent / "patrol-ledger.gpkg").is_file()


def test_import_globs_with_an_explicit_ledger(county, tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    _terminal_csv(folder / "a.csv")
    _terminal_csv(folder / "b.csv", start="2023-06-02 08:00:00")
    ledger = tmp_path / "elsewhere" / "ledger.gpkg"
    args = ["patrol", "import", str(county), str(folder / "*.csv"), "--ledger", str(ledger)]
    assert _import_json(args, tmp_path / "i.json")["points_added"] == 80
    assert ledger.is_file() and not (county.parent / "patrol-ledger.gpkg").exists()


def test_import_without_files_uses_county_toml(tmp_path, capsys):
    toml = countyfixture.write_county(
        tmp_path, toml_extra='[patrol]\ntracks = ["patrol/*.csv"]\nledger = "out/ledger.gpkg"\n'
    )
    (tmp_path / "patrol").mkdir()
    _terminal_csv(tmp_path / "patrol" / "terminal-2023.csv")
    assert _import_json(["patrol", "import", str(toml)], tmp_path / "i.json")["points_added"] == 40
    assert (tmp_path / "out" / "ledger.gpkg").is_file()


def test_import_without_files_or_config_is_exit_2(county, capsys):
    assert main(["patrol", "import", str(county)]) == 2
    assert "[patrol] tracks" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("车牌号,经度,纬度\n蒙A1,111.0,41.0\n", ["broken.csv", "field 'time'"]),
        (
            "车牌号,定位时间,经度,纬度\n"
            "蒙A1,2023-06-01 08:00:00,111.0,41.0\n"
            "蒙A1,昨天,111.0,41.0\n",
            ["broken.csv", "row 3", "field '定位时间'"],
        ),
        ("\x00\x01\x02PK\x03\x04 binary junk", ["broken.csv"]),
    ],
)
def test_broken_csv_is_exit_2_and_writes_nothing(county, capsys, content, words):
    broken = county.parent / "broken.csv"
    broken.write_text(content, encoding="utf-8")
    good = _terminal_csv(county.parent / "good.csv")
    assert main(["patrol", "import", str(county), str(good), str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("roadnet: error:") and "Traceback" not in err
    for word in words:
        assert word in err
    assert not (county.parent / "patrol-ledger.gpkg").exists()


def test_corrupt_gpx_is_exit_2_and_the_ledger_intact(county, capsys):
    track = _terminal_csv(county.parent / "t.csv")
    assert main(["patrol", "import", str(county), str(track)]) == 0
    ledger = county.parent / "patrol-ledger.gpkg"
    before = ledger.read_bytes()
    gpx = county.parent / "broken.gpx"
    gpx.write_text('<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt lat=', "utf-8")
    later = _terminal_csv(county.parent / "later.csv", start="2023-08-01 08:00:00")
    capsys.readouterr()
    assert main(["patrol", "import", str(county), str(later), str(gpx)]) == 2
    err = capsys.readouterr().err
    assert "broken.gpx" in err and "Traceback" not in err
    assert ledger.read_bytes() == before


def test_corrupt_ledger_is_exit_2_and_left_alone(county, capsys):
    ledger = county.parent / "patrol-ledger.gpkg"
    ledger.write_bytes(b"garbage" * 50)
    track = _terminal_csv(county.parent / "t.csv")
    assert main(["patrol", "import", str(county), str(track)]) == 2
    assert "not a readable patrol ledger" in capsys.readouterr().err
    assert main(["patrol", "report", str(county)]) == 2
    assert ledger.read_bytes() == b"garbage" * 50


def test_report_json_and_xlsx(county, capsys):
    track = _terminal_csv(county.parent / "t.csv")
    assert main(["patrol", "import", str(county), str(track)]) == 0
    capsys.readouterr()
    out, xlsx = county.parent / "r.json", county.parent / "r.xlsx"
    args = ["patrol", "report", str(county), "--json", str(out), "--xlsx", str(xlsx)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "出动巡查车辆 1 台次" in printed
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["summary"]["trips"] == 1
    assert 4.0 < document["summary"]["matched_km"] < 4.6  # 39 steps of ~109 m along R1
    assert document["by_road"][0]["road_id"] == "R1"
    from openpyxl import load_workbook

    book = load_workbook(xlsx, read_only=True)
    assert {"汇总", "按月", "按道路等级", "按乡镇", "按道路", "事件"} <= set(book.sheetnames)
    header = next(book["按道路"].iter_rows(max_row=1, values_only=True))
    assert "道路编码" in header and "巡查遍数" in header
    book.close()


def test_report_options(county, capsys):
    track = _terminal_csv(county.parent / "t.csv")
    assert main(["patrol", "import", str(county), str(track)]) == 0
    out = county.parent / "r.json"
    args = ["patrol", "report", str(county), "--from", "2023-07-01", "--json", str(out)]
    assert main([*args, "--lang", "en", "--target", "county"]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["summary"]["trips"] == 0
    assert document["unpatrolled"] == ["R1"]
    assert "0 patrol vehicle trips" in capsys.readouterr().out
    assert main(["patrol", "report", str(county), "--from", "June"]) == 2
    assert main(["patrol", "report", str(county), "--target", "motorway"]) == 2


def test_report_without_ledger_is_exit_2(county, capsys):
    assert main(["patrol", "report", str(county)]) == 2
    assert "no patrol ledger" in capsys.readouterr().err


def test_unknown_patrol_key_is_exit_2(tmp_path, capsys):
    toml = countyfixture.write_county(tmp_path, toml_extra="[patrol]\nsigma = 30\n")
    assert main(["patrol", "report", str(toml)]) == 2
    assert "unknown key 'sigma'" in capsys.readouterr().err
