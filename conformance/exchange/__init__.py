"""One request and what came back: the strict SSE parser, the exchange, the transcript of a
stream, the answer as a client assembles it, and recorded fixtures."""

from __future__ import annotations

from conformance.exchange._answer import Choice
from conformance.exchange._exchange import Control, Exchange, Kind, expects_stream, request_bytes
from conformance.exchange._fixtures import Fixture, load_fixture
from conformance.exchange._sse import Event, EventStream, EventStreamParser, parse_event_stream
from conformance.exchange._timing import Timing
from conformance.exchange._transcript import NOT_JSON, Payload, Transcript

__all__ = [
    "NOT_JSON",
    "Choice",
    "Control",
    "Event",
    "EventStream",
    "EventStreamParser",
    "Exchange",
    "Fixture",
    "Kind",
    "Payload",
    "Timing",
    "Transcript",
    "expects_stream",
    "load_fixture",
    "parse_event_stream",
    "request_bytes",
]
