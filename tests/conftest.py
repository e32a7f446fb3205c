"""Shared fixtures: a socket guard (no test may reach the network) and the real-data folder."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from hypothesis import settings

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
DATA = Path(__file__).resolve().parent / "data"

# Timing belongs to `make bench`: a property test must not fail because the machine is busy
# (a loaded CI runner made a 200 ms example of test_crs exceed hypothesis' default deadline).
settings.register_profile("roadnet", deadline=None)
settings.load_profile("roadnet")


class NetworkAccessError(RuntimeError):
    """Raised when a test tries to open a network connection."""


def _guarded(*args: object, **kwargs: object) -> None:
    raise NetworkAccessError(f"network access attempted in a test: {args!r}")


@pytest.fixture(autouse=True)
def _socket_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a socket connection or resolves a host name."""
    monkeypatch.setattr(socket.socket, "connect", lambda self, *a, **k: _guarded(*a))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, *a, **k: _guarded(*a))
    monkeypatch.setattr(socket, "create_connection", _guarded)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded)


@pytest.fixture
def realdata() -> Path:
    """Path of ../shared/realdata; the test is skipped when the folder is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA} is absent")
    return REALDATA


@pytest.fixture
def datadir() -> Path:
    """Path of tests/data (small hand-written fixtures)."""
    return DATA
