"""The interop session's process handling, on a real server: ready when it answers,
always stopped.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import httpx
import pytest
from interop.servers import Server, ServerFailed, free_port, running


def _http_server(tmp_path: Path) -> tuple[Server, int]:
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}/"
    return Server("static", command, url, cwd=tmp_path, startup_s=30), port


def _refused(port: int) -> bool:
    with socket.socket() as client:
        return client.connect_ex(("127.0.0.1", port)) != 0


def test_a_server_is_ready_inside_the_block_and_stopped_after_it(tmp_path: Path) -> None:
    server, port = _http_server(tmp_path)
    with running(server, tmp_path / "logs"):
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
        assert not _refused(port)
    assert _refused(port)


def test_a_server_is_stopped_when_the_block_fails(tmp_path: Path) -> None:
    server, port = _http_server(tmp_path)
    with pytest.raises(RuntimeError, match="inside"), running(server, tmp_path / "logs"):
        raise RuntimeError("inside")
    assert _refused(port)


def test_a_server_that_exits_early_is_reported_with_its_log(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "print('no such option'); raise SystemExit(3)"]
    server = Server("broken", command, f"http://127.0.0.1:{free_port()}/", startup_s=30)
    with (
        pytest.raises(ServerFailed, match=r"exited with 3(.|\n)*no such option"),
        running(server, tmp_path / "logs"),
    ):
        pass
