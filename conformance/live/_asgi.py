"""A synchronous httpx transport to an ASGI app in the same process: no socket, no server.

The live client is synchronous and httpx's own :class:`httpx.ASGITransport` is async-only
(https://www.python-httpx.org/advanced/transports/#asgi-transport), so this transport runs it
on an event loop of its own, in a thread, through an anyio blocking portal
(https://anyio.readthedocs.io/en/stable/threads.html#calling-asynchronous-code-from-an-external-thread).

``httpx.ASGITransport`` returns only once the app has sent the whole body, so a stream arrives
at once, complete, and an app that never ends its stream would never return. So every call is
bounded: in time by the request's read timeout (at most ``timeout_s``), past which the app is
cancelled and the call raises :class:`httpx.ReadTimeout`, which the client records as an answer
that did not come; in size by ``max_body_bytes``, past which the app is stopped and the body
ends (the client's own cap then cuts it and says so). Each message the app sends is a point
where it can be cancelled, so even an app that never waits for anything is stopped.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import httpx

from conformance.base import DEFAULT_LIMITS

ASGIApp = Callable[..., Any]


class ASGIPortalTransport(httpx.BaseTransport):
    """Sends each request to ``app`` in process and returns the complete answer.

    The event loop thread starts on the first request and stops on :meth:`close`; a request
    after ``close`` starts it again (an ``httpx.Client`` closes its transport when it closes,
    and the live client opens a second one on the same transport for a fresh attempt).
    An exception the app raises becomes a 500 answer, as a server would send.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        timeout_s: float = DEFAULT_LIMITS.total_s,
        max_body_bytes: int = DEFAULT_LIMITS.max_body_bytes,
        root_path: str = "",
    ) -> None:
        self.timeout_s = timeout_s
        bounded = _bounded(app, max_body_bytes)
        self._inner = httpx.ASGITransport(
            app=bounded, raise_app_exceptions=False, root_path=root_path
        )
        self._lock = threading.Lock()
        self._stack: contextlib.ExitStack | None = None
        self._portal: anyio.from_thread.BlockingPortal | None = None

    def _running_portal(self) -> anyio.from_thread.BlockingPortal:
        with self._lock:
            if self._portal is None:
                stack = contextlib.ExitStack()
                self._portal = stack.enter_context(
                    anyio.from_thread.start_blocking_portal(name="conformance-asgi")
                )
                self._stack = stack
            return self._portal

    def _bound(self, request: httpx.Request) -> float:
        read = request.extensions.get("timeout", {}).get("read")
        return self.timeout_s if read is None else min(read, self.timeout_s)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A request built by a sync client may carry a sync-only stream: send its bytes.
        content = request.read()
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=content)
        bound = self._bound(request)

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
            with anyio.move_on_after(bound if math.isfinite(bound) else None):
                response = await self._inner.handle_async_request(inner)
                body = await response.aread()
                return response.status_code, response.headers.raw, body
            return None

        answer = self._running_portal().call(call)
        if answer is None:
            raise httpx.ReadTimeout(
                f"the app sent no complete answer within {bound:g} s", request=request
            )
        status, headers, body = answer
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        with self._lock:
            stack, self._stack, self._portal = self._stack, None, None
        if stack is not None:
            stack.close()


class _Cut(Exception):
    """The app sent more than the cap: it is stopped there."""


def _bounded(app: ASGIApp, max_bytes: int) -> ASGIApp:
    """``app``, stopped once its body passes ``max_bytes``, and cancellable at each send."""

    async def bounded(scope: Any, receive: Any, send: Any) -> None:
        sent = 0

        async def capped(message: Any) -> None:
            nonlocal sent
            await anyio.lowlevel.checkpoint()
            await send(message)
            if message.get("type") == "http.response.body":
                sent += len(message.get("body", b""))
                if sent > max_bytes:
                    raise _Cut

        await app(scope, receive, capped)

    return bounded
