"""The in-process transport: the live client talks to an ASGI app with no socket, and every call
is bounded, so an app whose stream never ends cannot hang a test."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conformance.base import Limits
from conformance.checks import run_checks
from conformance.contract import load_profile
from conformance.live import ASGIPortalTransport, Client, ask
from conformance.reference import MODEL_ID, create_app

BASE_URL = "http://testserver/v1"
KEEP_ALIVE = b": keep-alive\n\n"


@pytest.fixture(autouse=True)
def no_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    """In process means no connection: opening one fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket connection was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@contextlib.contextmanager
def _client(app: Any, read_s: float = 60.0) -> Iterator[Client]:
    limits = Limits(read_s=read_s)
    with Client(BASE_URL, transport=ASGIPortalTransport(app), limits=limits) as client:
        yield client


def test_a_compliant_app_passes_every_check_in_process() -> None:
    with _client(create_app()) as client:
        assert client.models() == [MODEL_ID]
        for stream in (False, True):
            exchange = client.chat(ask(MODEL_ID, stream=stream))
            assert exchange.kind == ("stream" if stream else "completion")
            results = run_checks(exchange, load_profile())
            assert [r for r in results if r.status in ("failed", "error")] == []
            assert any(r.status == "passed" for r in results)


def test_an_app_with_a_fault_is_caught_in_process() -> None:
    with _client(create_app(faults=["no-done"])) as client:
        exchange = client.chat(ask(MODEL_ID, stream=True))
        failed = {r.check for r in run_checks(exchange, load_profile()) if r.status == "failed"}
        assert failed == {"stream.terminator"}


async def _endless(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A stream that never ends."""
    start = {"type": "http.response.start", "status": 200, "headers": []}
    await send({**start, "headers": [(b"content-type", b"text/event-stream")]})
    while True:
        await send({"type": "http.response.body", "body": KEEP_ALIVE, "more_body": True})


async def _crashing(scope: dict[str, Any], receive: Any, send: Any) -> None:
    raise RuntimeError("the app broke")


def test_an_endless_stream_ends_in_no_answer_within_the_read_timeout() -> None:
    with _client(_endless, read_s=0.2) as client:
        exchange = client.chat(ask(MODEL_ID, stream=True), retry=False)
        assert exchange.kind == "no_answer"
        assert exchange.transport_error == "no answer within 0.2 s"


def test_an_app_that_raises_answers_500() -> None:
    with _client(_crashing) as client:
        assert client.chat(ask(MODEL_ID)).status == 500


def test_the_transport_starts_again_after_close() -> None:
    transport = ASGIPortalTransport(create_app())
    for _ in range(2):
        with Client(BASE_URL, transport=transport) as client:  # closing it closes the transport
            assert client.chat(ask(MODEL_ID)).status == 200


def test_an_endless_stream_is_stopped_past_the_byte_cap() -> None:
    with httpx.Client(transport=ASGIPortalTransport(_endless, max_body_bytes=1000)) as http:
        answer = http.post(f"{BASE_URL}/chat/completions", json=ask(MODEL_ID, stream=True))
    assert answer.status_code == 200
    assert 1000 < len(answer.content) <= 1000 + len(KEEP_ALIVE)
