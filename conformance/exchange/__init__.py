"""One request and what came back: the strict SSE parser, the exchange with its transcript and
answer views, and recorded fixtures."""

from __future__ import annotations

from conformance.exchange._exchange import (
    NOT_JSON,
    Choice,
    Exchange,
    Kind,
    Payload,
    Transcript,
    expects_stream,
    request_bytes,
)
from conformance.exchange._fixtures import Fixture, load_fixture
from conformance.exchange._sse import Event, EventStream, EventStreamParser, parse_event_stream

__all__ = [
    "NOT_JSON",
    "Choice",
    "Event",
    "EventStream",
    "EventStreamParser",
    "Exchange",
    "Fixture",
    "Kind",
    "Payload",
    "Transcript",
    "expects_stream",
    "load_fixture",
    "parse_event_stream",
    "request_bytes",
]
