"""The client over an injected transport: budgets, backoff, caps and a key that never leaks."""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from conformance.base._errors import BudgetExhausted, DeadlineReached, TargetUnreachable
from conformance.base._headers import retry_after_seconds
from conformance.base._limits import Limits
from conformance.live._client import Budget, Client

KEY = "sk-secret-key-0123456789"
REQUEST = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hey"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


def _client(handler: httpx.MockTransport, **kwargs: object) -> Client:
    return Client("http://127.0.0.1:9/v1", api_key=KEY, transport=handler, **kwargs)  # type: ignore[arg-type]


def test_a_completion_becomes_an_exchange_and_usage_is_counted() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=COMPLETION)

    client = _client(httpx.MockTransport(handler))
    exchange = client.chat(REQUEST)
    assert exchange.kind == "completion"
    assert exchange.json == COMPLETION
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(seen[0].content) == REQUEST
    assert (client.spend.requests, client.spend.prompt_tokens, client.spend.completion_tokens) == (
        1,
        3,
        1,
    )


def test_a_stream_is_parsed_as_it_arrives() -> None:
    chunk = b'{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}'
    events = b"data: " + chunk + b"\n\ndata: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=events)

    exchange = _client(httpx.MockTransport(handler)).chat({**REQUEST, "stream": True})
    assert exchange.kind == "stream"
    assert [p.kind for p in exchange.transcript.payloads] == ["chunk", "done"]


def test_429_is_retried_after_the_advertised_delay() -> None:
    answers = [
        httpx.Response(429, headers={"retry-after": "7"}, json={"error": {"message": "slow"}})
    ]
    answers.append(httpx.Response(200, json=COMPLETION))
    waits: list[float] = []
    client = _client(httpx.MockTransport(lambda r: answers.pop(0)), sleep=waits.append)
    assert client.chat(REQUEST).status == 200
    assert waits == [7.0]
    assert client.spend.requests == 2


def test_429_is_returned_as_is_when_retry_is_off() -> None:
    client = _client(
        httpx.MockTransport(lambda r: httpx.Response(429, json={"error": {"message": "x"}}))
    )
    assert client.chat(REQUEST, retry=False).status == 429


def test_402_stops_the_run() -> None:
    client = _client(
        httpx.MockTransport(lambda r: httpx.Response(402, json={"error": {"message": "pay"}}))
    )
    with pytest.raises(BudgetExhausted, match="402"):
        client.chat(REQUEST)


def test_the_request_budget_is_enforced() -> None:
    client = _client(
        httpx.MockTransport(lambda r: httpx.Response(200, json=COMPLETION)),
        budget=Budget(max_requests=2),
    )
    client.chat(REQUEST)
    client.chat(REQUEST)
    with pytest.raises(BudgetExhausted, match="request budget"):
        client.chat(REQUEST)


def test_the_token_budget_is_enforced() -> None:
    client = _client(
        httpx.MockTransport(lambda r: httpx.Response(200, json=COMPLETION)),
        budget=Budget(max_completion_tokens=1),
    )
    client.chat(REQUEST)
    with pytest.raises(BudgetExhausted, match="token budget"):
        client.chat(REQUEST)


def test_a_body_over_the_cap_is_cut() -> None:
    big = b"x" * 5000
    client = _client(
        httpx.MockTransport(lambda r: httpx.Response(200, content=big)),
        limits=Limits(max_body_bytes=1000),
    )
    assert len(client.chat(REQUEST).body) == 1000


def test_an_endless_stream_is_cut_at_the_event_cap() -> None:
    def endless() -> object:
        while True:
            yield b'data: {"x": 1}\n\n'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=endless())  # type: ignore[arg-type]

    exchange = _client(httpx.MockTransport(handler), limits=Limits(max_events=50)).chat(
        {**REQUEST, "stream": True}
    )
    assert exchange.transcript.stream.cut_off == "events"


def test_an_unreachable_target_is_an_exchange_without_an_answer_and_never_shows_the_key() -> None:
    attempts = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError(f"refused {request.headers['authorization']}")

    exchange = _client(httpx.MockTransport(refuse)).chat(REQUEST)
    assert exchange.kind == "no_answer"
    assert len(attempts) == 2  # once more, on a fresh connection
    assert exchange.retried is not None
    assert KEY not in f"{exchange.transport_error} {exchange.retried}"
    with pytest.raises(TargetUnreachable) as raised:
        _client(httpx.MockTransport(refuse)).models()
    assert KEY not in str(raised.value)
    assert raised.value.__cause__ is None


def test_a_dropped_connection_is_sent_once_more_and_says_so() -> None:
    calls = []

    def drop_first(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json=COMPLETION)

    exchange = _client(httpx.MockTransport(drop_first)).chat(REQUEST)
    assert exchange.status == 200
    assert exchange.retried is not None
    assert "closed the connection" in exchange.retried
    assert exchange.transport_error is None


def test_a_connection_broken_mid_answer_keeps_what_arrived_and_says_so() -> None:
    def reset_after_two_chunks() -> object:
        yield b'data: {"a": 1}\n\n'
        yield b'data: {"a": 2}\n\n'
        raise httpx.ReadError("Connection reset by peer")

    def handler(request: httpx.Request) -> httpx.Response:
        stream = reset_after_two_chunks()
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stream)  # type: ignore[arg-type]

    exchange = _client(httpx.MockTransport(handler)).chat({**REQUEST, "stream": True})
    assert len(exchange.transcript.chunks) == 2
    assert exchange.transport_error is not None
    assert "reset" in exchange.transport_error
    assert "2 events had arrived" in exchange.transport_error
    assert exchange.retried is None  # an answer began: it is judged, not sent again


def test_models_lists_ids_in_order() -> None:
    listing = {
        "object": "list",
        "data": [{"id": "b", "object": "model"}, {"id": "a", "object": "model"}],
    }
    client = _client(httpx.MockTransport(lambda r: httpx.Response(200, json=listing)))
    assert client.models() == ["b", "a"]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Thu, 01 Jan 2026 00:00:05 GMT", now=lambda: now) == 5.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def _encoded(body: bytes, encoding: str) -> httpx.MockTransport:
    """Answers ``body`` as sent on the wire: a stream of reads, not decoded yet."""

    def reads() -> Iterator[bytes]:
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": encoding}
        return httpx.Response(200, headers=headers, content=reads())

    return httpx.MockTransport(handler)


def test_a_gzip_bomb_is_read_only_up_to_the_body_cap() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # about 50 KB on the wire
    client = _client(_encoded(bomb, "gzip"), limits=Limits(max_body_bytes=4096))
    exchange = client.chat(REQUEST)
    assert len(exchange.body) <= 4096


def test_gzip_and_deflate_are_undone_and_a_broken_one_says_so() -> None:
    body = json.dumps(COMPLETION).encode()
    for encoded, encoding in (
        (gzip.compress(body), "gzip"),
        (zlib.compress(body), "deflate"),
        (zlib.compress(body)[2:-4], "deflate"),  # raw deflate, as some servers send it
    ):
        exchange = _client(_encoded(encoded, encoding)).chat(REQUEST)
        assert exchange.json == COMPLETION, encoding
        assert exchange.transport_error is None
    broken = _client(_encoded(b"not gzip at all", "gzip")).chat(REQUEST)
    assert broken.transport_error is not None
    assert "not valid gzip" in broken.transport_error


def test_a_body_that_trickles_is_cut_at_the_time_cap_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter(range(0, 1000, 7))

    def trickle() -> Iterator[bytes]:
        for piece in b'{"id": "x", "object": "chat.completion"':
            yield bytes([piece])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json"}, content=trickle())

    client = _client(httpx.MockTransport(handler), limits=Limits(total_s=20))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))  # each read "takes" 7 s
    exchange = client.chat(REQUEST)
    assert exchange.transport_error is not None
    assert "still arriving after 20 s" in exchange.transport_error


def test_a_timeout_is_not_waited_for_twice() -> None:
    # A stale pooled connection fails at once; a target that does not answer in time would
    # only make the run wait as long again.
    calls = []

    def silent(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    exchange = _client(httpx.MockTransport(silent), limits=Limits(read_s=7)).chat(REQUEST)
    assert exchange.kind == "no_answer"
    assert len(calls) == 1
    assert exchange.transport_error == "no answer within 7 s"
    assert exchange.retried is None


def test_a_retry_after_past_the_deadline_stops_at_once_and_says_what_was_asked() -> None:
    slept: list[float] = []

    def throttled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"}, json={"error": {}})

    client = _client(httpx.MockTransport(throttled), sleep=slept.append)
    client.deadline = time.monotonic() + 600
    with pytest.raises(DeadlineReached, match=r"asked to wait 3600 s .* past the run's deadline"):
        client.chat(REQUEST)
    assert slept == []


def test_a_retry_after_within_the_deadline_is_honoured_in_full() -> None:
    slept: list[float] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": "45"}, json={"error": {}})])

    def once_throttled(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json=COMPLETION))

    client = _client(httpx.MockTransport(once_throttled), sleep=slept.append)
    client.deadline = time.monotonic() + 600
    assert client.chat(REQUEST).status == 200
    assert slept == [45.0]  # not cut to a wait of the suite's choosing
