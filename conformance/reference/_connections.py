"""The connections a served router holds, for the faults that break them.

An ASGI application cannot close its connection: uvicorn answers 500 when the application fails
before it answered, and keeps the connection alive on its own terms. The faults that drop a
connection without an answer, cut a stream short, or leave a connection unusable after an error
need the socket itself. :func:`tracked` wraps uvicorn's HTTP protocol class (the ``http`` option
of ``uvicorn.Config``) so that every connection registers its asyncio transport under the
addresses the ASGI scope carries (``client`` and ``server``); the router then finds the
transport of the request it is handling, with public asyncio calls only.

Served by another ASGI server, the router has no transport to find: a drop then fails the
request (that server's own 500 or broken connection) rather than passing silently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Final

from starlette.types import Receive, Scope

__all__ = ["close", "cut", "drop", "spoil", "spoiled", "tracked"]

Key = tuple[tuple[str, int], tuple[str, int]]

#: Open connections, by (client address, server address): the transport to close.
_OPEN: Final[dict[Key, asyncio.Transport]] = {}
#: Connections whose next request gets no answer (see :func:`spoil`).
_SPOILED: Final[set[Key]] = set()


def _address(value: Any) -> tuple[str, int] | None:
    """A (host, port) pair, or None: an ASGI scope's ``server`` may have no port (a Unix
    socket, or an in-process transport such as httpx's ASGITransport for a URL without one:
    https://asgi.readthedocs.io/en/latest/specs/www.html#http-connection-scope), and then no
    connection of this module's is behind it."""
    if isinstance(value, Sequence) and len(value) >= 2 and isinstance(value[1], int):
        return str(value[0]), value[1]
    return None


def _key(client: Any, server: Any) -> Key | None:
    here, there = _address(client), _address(server)
    return None if here is None or there is None else (here, there)


def _scope_key(scope: Scope) -> Key | None:
    return _key(scope.get("client"), scope.get("server"))


def tracked(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """``base`` (an HTTP protocol class of uvicorn) registering each connection's transport."""

    class Tracked(base):  # type: ignore[misc, valid-type]
        _reference_key: Key | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            key = _key(transport.get_extra_info("peername"), transport.get_extra_info("sockname"))
            if key is not None and isinstance(transport, asyncio.Transport):
                self._reference_key = key
                _OPEN[key] = transport

        def connection_lost(self, exc: Exception | None) -> None:
            if self._reference_key is not None:
                _OPEN.pop(self._reference_key, None)
                _SPOILED.discard(self._reference_key)
            super().connection_lost(exc)

    Tracked.__name__ = Tracked.__qualname__ = f"Tracked{base.__name__}"
    return Tracked


def close(scope: Scope) -> bool:
    """Close this request's connection now (what was written is still sent, then FIN).

    False when the connection is not tracked (another server runs the router)."""
    key = _scope_key(scope)
    transport = _OPEN.get(key) if key is not None else None
    if transport is None:
        return False
    transport.close()
    return True


async def cut(scope: Scope) -> bool:
    """Close this request's connection once what was written has left, so the answer ends
    exactly there (nothing the server writes afterwards, such as the end of a chunked body, is
    sent). False when the connection is not tracked."""
    key = _scope_key(scope)
    transport = _OPEN.get(key) if key is not None else None
    if transport is None:
        return False
    while transport.get_write_buffer_size() and not transport.is_closing():
        await asyncio.sleep(0.001)
    transport.close()
    return True


async def drop(scope: Scope, receive: Receive) -> None:
    """Close this request's connection without any answer, then wait for the server to see it
    (so it sends no 500 of its own). Raises when the connection cannot be closed from here."""
    if not close(scope):
        raise ConnectionAbortedError("the reference router cannot close this connection")
    while (await receive())["type"] != "http.disconnect":
        pass


def spoil(scope: Scope) -> None:
    """The next request sent on this request's connection gets no answer: the connection is
    closed when it arrives, as by a server that left the connection broken after an error
    without saying ``Connection: close``."""
    key = _scope_key(scope)
    if key is not None and key in _OPEN:
        _SPOILED.add(key)


def spoiled(scope: Scope) -> bool:
    key = _scope_key(scope)
    return key is not None and key in _SPOILED
