import socket

import pytest

from tests.conftest import NetworkAccessError


def test_socket_guard_blocks_connections():
    with pytest.raises(NetworkAccessError):
        socket.create_connection(("example.org", 80), timeout=1)
    s = socket.socket()
    try:
        with pytest.raises(NetworkAccessError):
            s.connect(("127.0.0.1", 9))
    finally:
        s.close()
