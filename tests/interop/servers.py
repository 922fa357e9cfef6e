"""Third-party servers for the interop session: started on 127.0.0.1, awaited, stopped by PID.

A :class:`Server` is a command line, its environment, and the URL that answers once it is ready.
:func:`running` starts it in its own process group, polls that URL until it answers (or the
process dies, or the deadline passes), yields, and stops the whole group by its PID whatever
happened inside the block: SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx

_POLL_S: Final = 0.25
_GRACE_S: Final = 10.0


@dataclass(frozen=True)
class Server:
    """How to start one server and know it is ready."""

    name: str
    command: Sequence[str]
    ready_url: str  # answers 2xx once the server accepts requests (on 127.0.0.1)
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    ready_headers: Mapping[str, str] = field(default_factory=dict)
    startup_s: float = 120.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerFailed(RuntimeError):
    """A server exited or did not become ready in time; the message ends with its log's tail."""


def _tail(log: Path, lines: int = 30) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(_GRACE_S)


@contextlib.contextmanager
def running(server: Server, logs: Path) -> Iterator[float]:
    """Start ``server``, wait until it is ready, yield the seconds that took; always stop it."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{server.name}.log"
    started = time.monotonic()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(server.command),
            cwd=server.cwd,
            env={**os.environ, **server.env},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children
        )
        try:
            _await(server, process, started, log)
            yield time.monotonic() - started
        finally:
            _stop(process)


def _await(server: Server, process: subprocess.Popen[bytes], started: float, log: Path) -> None:
    with httpx.Client(timeout=2.0) as client:
        while True:
            if process.poll() is not None:
                raise ServerFailed(
                    f"{server.name} exited with {process.returncode} before it was ready:\n"
                    + _tail(log)
                )
            with contextlib.suppress(httpx.HTTPError):
                answer = client.get(server.ready_url, headers=dict(server.ready_headers))
                if answer.is_success:
                    return
            if time.monotonic() - started > server.startup_s:
                raise ServerFailed(
                    f"{server.name} was not ready after {server.startup_s:.0f} s "
                    f"({server.ready_url}):\n" + _tail(log)
                )
            time.sleep(_POLL_S)
