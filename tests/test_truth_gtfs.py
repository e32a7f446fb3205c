"""Issue 12, items 20 and 27: hostile GTFS files are refused before they cost memory, and
messages quote at most 80 characters of any input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from roadnet.errors import ReadError
from roadnet.io.gtfs import GtfsLimits, read_gtfs
from tests import countyfixture

ROOT = Path(__file__).resolve().parents[1]
SMALL = {
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,a,41.0,111.0\nB,b,41.01,111.01\n",
    "routes.txt": "route_id,route_short_name,route_type\nR1,1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,S,T1\n",
}
HEADER = b"trip_id,stop_id,stop_sequence,departure_time\n"
MB = 1 << 20


def _bomb(path: Path, *, megabytes: int, block: bytes, header: bytes = HEADER) -> Path:
    """A feed whose stop_times.txt inflates to ``megabytes`` of ``block`` repeated, written
    streaming (the test never holds it in memory): a few hundred MB compress to ~1 MB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in SMALL.items():
            archive.writestr(name, text)
        with archive.open("stop_times.txt", "w", force_zip64=True) as member:
            member.write(header)
            written = 0
            while written < megabytes * MB:
                member.write(block)
                written += len(block)
    return path


_PROBE = """
import resource, sys
from roadnet.errors import ReadError
from roadnet.io import gtfs
limits = None
if sys.argv[2] == "nolimit" and hasattr(gtfs, "GtfsLimits"):  # lift the zip-ratio check
    limits = gtfs.GtfsLimits(max_ratio=float("inf"))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    gtfs.read_gtfs(sys.argv[1], **({"limits": limits} if limits else {}))
    print("READ")
except ReadError as exc:
    print("REFUSED")
    print(str(exc))
print("GROWTH_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)
"""


def _probe(path: Path, mode: str = "default") -> tuple[str, str, float]:
    """Read ``path`` in a fresh process: (outcome, message, peak RSS growth in MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    growth = float(lines[-1].split()[1]) / 1024
    return lines[0], "\n".join(lines[1:-1]), growth


def _quotes(message: str) -> list[str]:
    return re.findall(r"'([^']*)'", message)


def _check_message(message: str) -> None:
    """Short, and no quoted excerpt of the input longer than 80 characters."""
    assert len(message) < 600, len(message)
    for quoted in _quotes(message):
        assert len(quoted) <= 80, quoted


def test_zip_bomb_is_refused_from_the_directory(tmp_path):
    """Item 20: 300 MB of stop_times in a ~1 MB zip: refused before inflating anything."""
    path = _bomb(tmp_path / "bomb.zip", megabytes=300, block=b"T1,A,1,06:00:00\n" * 4096)
    assert path.stat().st_size < 2 * MB
    outcome, message, growth = _probe(path)
    assert outcome == "REFUSED"
    assert "stop_times.txt" in message and "zip bomb" in message
    assert "unzip it and give the folder" in message  # how to override
    _check_message(message)
    assert growth < 300, growth


def test_junk_member_fails_at_its_first_block_whatever_its_size(tmp_path):
    """Item 27: even past the ratio check (a folder, or limits lifted), a junk member is
    refused at its first block: memory stays small and the message short."""
    junk = (b"x" * 1023 + b"\n") * 1024
    path = _bomb(tmp_path / "junk.zip", megabytes=300, block=junk)
    outcome, message, growth = _probe(path, "nolimit")
    assert outcome == "REFUSED"
    assert "stop_sequence" in message
    _check_message(message)
    assert growth < 300, growth


def test_one_endless_line_is_refused_with_an_excerpt(tmp_path):
    """Item 27: a 1 GB member without a line break was written whole into the message."""
    path = _bomb(tmp_path / "line.zip", megabytes=300, block=b"A" * MB, header=b"")
    outcome, message, growth = _probe(path, "nolimit")
    assert outcome == "REFUSED"
    assert "runs on for more than 65,536 bytes" in message
    _check_message(message)
    assert growth < 300, growth


def test_folder_feed_with_a_long_junk_value(tmp_path):
    """A folder (no zip to check) with a 2 MB value in a time column: refused, quoted short."""
    folder = tmp_path / "feed"
    folder.mkdir()
    for name, text in SMALL.items():
        (folder / name).write_text(text, encoding="utf-8")
    with (folder / "stop_times.txt").open("wb") as handle:
        handle.write(HEADER)
        handle.write(b"T1,A,1,06:00:00\nT1,B,2," + b"9" * 60_000 + b"\n")
    with pytest.raises(ReadError) as caught:
        read_gtfs(folder)
    message = str(caught.value)
    assert "departure_time" in message and "not a time" in message
    _check_message(message)


def test_limits_are_parameters(tmp_path):
    # the trip calls at A then B (a route standing at one stop is refused as no line)
    block = b"T1,A,1,06:00:00\nT1,B,2,06:10:00\n" * 2048
    path = _bomb(tmp_path / "small.zip", megabytes=2, block=block)
    with pytest.raises(ReadError, match="zip bomb"):
        read_gtfs(path, limits=GtfsLimits(ratio_applies_bytes=MB))
    _, lines = read_gtfs(path)  # 2 MB is under the default: read (one trip, one line)
    assert len(lines) == 1


def test_cli_refuses_a_bomb_with_exit_2_and_no_traceback(tmp_path):
    toml = countyfixture.write_county(tmp_path)
    _bomb(tmp_path / "bus.zip", megabytes=120, block=b"T1,A,1,06:00:00\n" * 4096)
    text = toml.read_text(encoding="utf-8")
    text = text.replace('[layers.bus_stops]\npath = "tiny.gpkg"\nlayer = "bus_stops"\n', "")
    text = text.replace(
        '[layers.bus_lines]\npath = "tiny.gpkg"\nlayer = "bus_lines"\n',
        '[layers.bus_lines]\ngtfs = "bus.zip"\n',
    )
    toml.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "roadnet", "coverage", str(toml)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "zip bomb" in done.stderr
    _check_message(done.stderr)
