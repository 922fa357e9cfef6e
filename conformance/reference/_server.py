"""Running the reference router with uvicorn: in the foreground (``conformance serve``) or in a
background thread on a free loopback port (tests, and ``conformance run`` without a target)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from conformance.base import ConfigError, ConformanceError
from conformance.contract import DEFAULT_PROFILE
from conformance.reference._app import create_app, route_prefix
from conformance.reference._connections import tracked

__all__ = ["listen", "run_server", "serve_in_thread"]

_STARTUP_TIMEOUT_S: Final = 10.0
_SHUTDOWN_TIMEOUT_S: Final = 5.0

ASGIApp = Callable[..., Any]


def listen(host: str, port: int) -> socket.socket:
    """A bound TCP socket (port 0: a free one), or ConfigError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConfigError(f"cannot resolve host {host!r}: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def _config(app: ASGIApp, *, quiet: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        ws="none",
        # Connections registered, so the faults that break a connection can reach it.
        http=tracked(AutoHTTPProtocol),
        log_level="warning" if quiet else "info",
        # In a thread, leave the host's logging alone; in the foreground, uvicorn's own.
        log_config=None if quiet else uvicorn.config.LOGGING_CONFIG,
        access_log=not quiet,
        timeout_graceful_shutdown=1,
    )


def _url(host: str, port: int, prefix: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{prefix}"


@contextlib.contextmanager
def serve_in_thread(
    app: ASGIApp | None = None,
    *,
    faults: tuple[str, ...] | list[str] = (),
    variants: tuple[str, ...] | list[str] = (),
    api_key: str | None = None,
    profile: str = DEFAULT_PROFILE,
    prefix: str | None = None,
    host: str = "127.0.0.1",
    models: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[str]:
    """Serve the router (or ``app``) on a free port of ``host``; yield its base URL.

    The base URL is everything before ``/chat/completions``: ``prefix``, by default the path
    the profile's page documents (``http://127.0.0.1:PORT/v1``, ``…/api/v1``). The server is
    ready when the block starts and stopped when it ends.
    """
    prefix = route_prefix(prefix, profile)
    app = app or create_app(
        faults=faults,
        variants=variants,
        api_key=api_key,
        profile=profile,
        prefix=prefix,
        models=models,
    )
    sock = listen(host, 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, quiet=True))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"reference-router:{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise ConformanceError(f"the reference router did not start on {host}:{port}")
            time.sleep(0.005)
        yield _url(host, port, prefix)
    finally:
        server.should_exit = True
        thread.join(_SHUTDOWN_TIMEOUT_S)
        sock.close()


def run_server(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    faults: tuple[str, ...] | list[str] = (),
    variants: tuple[str, ...] | list[str] = (),
    api_key: str | None = None,
    profile: str = DEFAULT_PROFILE,
    prefix: str | None = None,
    announce: Callable[[str], None] = print,
    models: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Serve the router in the foreground until interrupted (Ctrl-C), at ``prefix`` (by default
    the path the profile's page documents)."""
    prefix = route_prefix(prefix, profile)
    app = create_app(
        faults=faults,
        variants=variants,
        api_key=api_key,
        profile=profile,
        prefix=prefix,
        models=models,
    )
    sock = listen(host, port)
    url = _url(host, sock.getsockname()[1], prefix)
    named = ", ".join(app.state.faults) or "none (compliant)"
    announce(f"reference router at {url}  model: reference-model  profile: {profile}")
    announce(f"faults: {named}  key: {'required' if api_key else 'not checked'}")
    for model, own in (models or {}).items():
        announce(f"model {model}: faults: {', '.join(own) or 'none (compliant)'}")
    if app.state.variants:
        announce(f"legal variants: {', '.join(app.state.variants)}")
    try:
        uvicorn.Server(_config(app, quiet=False)).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on
        pass
    finally:
        sock.close()
