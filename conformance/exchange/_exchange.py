"""One exchange: the request sent and everything that came back, normalized once.

The same checks run on a live answer, a recorded fixture and a raw stream file because all three
become an :class:`Exchange`. Derived views are computed once, on first use:

- :attr:`Exchange.json` — the body parsed as JSON (or :data:`NOT_JSON`);
- :attr:`Exchange.transcript` — for streams, each data event classified (chunk, [DONE], error,
  not JSON) with its JSON decoded once (:mod:`_transcript`);
- :attr:`Exchange.answer` — the choices as a client sees them: for a stream, assembled from the
  deltas the way the OpenAI SDK accumulates them (:mod:`_answer`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from conformance.base import DEFAULT_LIMITS, Intent, Limits, NotApplicable, media_type
from conformance.exchange._answer import Answer, completion_answer, stream_answer
from conformance.exchange._sse import EventStream, parse_event_stream
from conformance.exchange._timing import Timing
from conformance.exchange._transcript import (
    NOT_JSON,
    Transcript,
    classify,
    loads,
)

Kind = Literal["completion", "stream", "error", "redirect", "no_answer"]


@dataclass(frozen=True, slots=True)
class Control:
    """A request broken on purpose and answered 5xx, sent again without what broke it: the
    field dropped, and the status the resend got. When it crashed too, the crash is not the
    broken field's."""

    without: str
    status: int


@dataclass(frozen=True)
class Exchange:
    """One request and what came back: status, headers, body and, for streams, the events.

    ``request`` is the JSON body that was sent, or None when it was not recorded (a raw stream
    file, or a body that was not JSON): checks that compare the answer with the request then
    do not apply. ``intent`` names a deliberately broken request (one of :data:`INTENTS`: no
    key, a bad key, an unknown model, malformed JSON, a wrong method) whose expected answer the
    profile documents. ``follow_up`` marks the second turn of a tool-calling conversation,
    whose history holds the target's own tool call.
    """

    request: Mapping[str, Any] | None
    status: int
    headers: Mapping[str, str]  # names lower-cased
    body: bytes
    stream: EventStream | None = None
    label: str = ""
    elapsed_s: float | None = None
    intent: Intent | None = None
    # What broke below HTTP: the connection closed or reset before the answer ended, or the
    # answer stalled. With no status at all (``status == 0``) the kind is "no_answer".
    transport_error: str | None = None
    # Why the request was sent a second time on a fresh connection, when it was.
    retried: str | None = None
    # A non-streamed body the suite stopped reading at its byte cap: the cap, in bytes. (A
    # stream says where it was cut in ``stream.cut_off``.)
    truncated_at: int | None = None
    # A request broken on purpose that was answered 5xx: the same request without its violation.
    control: Control | None = None
    # When the headers and each event arrived (a live exchange; None for a recorded one).
    timing: Timing | None = None
    # The second turn of a conversation: the request carries back a tool call this target made
    # in the first turn, with its result. Refusing it cannot mean the target lacks tools.
    follow_up: bool = False

    @classmethod
    def from_http(
        cls,
        *,
        request: Mapping[str, Any] | None,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        label: str = "",
        elapsed_s: float | None = None,
        intent: Intent | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> Exchange:
        """Build an exchange from a whole recorded answer, parsing an event stream if any,
        within the same caps as a live exchange (``limits``)."""
        lowered = {name.lower(): value for name, value in headers.items()}
        if expects_stream(request, status, lowered):
            stream = parse_event_stream(
                body, max_bytes=limits.max_body_bytes, max_events=limits.max_events
            )
            return cls(request, status, lowered, body, stream, label, elapsed_s, intent)
        cap = limits.max_body_bytes
        truncated = cap if len(body) > cap else None
        return cls(
            request,
            status,
            lowered,
            body[:cap],
            None,
            label,
            elapsed_s,
            intent,
            truncated_at=truncated,
        )

    @cached_property
    def kind(self) -> Kind:
        if self.status == 0:
            return "no_answer"
        if self.status >= 400:
            return "error"
        if 300 <= self.status < 400:
            return "redirect"  # not followed: the key would go wherever it points
        return "stream" if self.stream is not None else "completion"

    @cached_property
    def answered(self) -> bool:
        """Whether a success came back with something in it: a JSON object with ``choices``, or
        a stream that carried a chunk. A redirect, an HTML page or an empty body is not one."""
        if not 200 <= self.status < 300:
            return False
        if self.kind == "stream":
            return bool(self.transcript.chunks)
        body = self.json
        return isinstance(body, dict) and isinstance(body.get("choices"), list)

    @property
    def interrupted(self) -> bool:
        """Whether a stream stopped before its end: an error event, one of the suite's caps, or
        a connection that broke (what is missing after that is not the stream's fault twice:
        ``stream.error_event``, ``stream.terminator`` or ``transport.complete`` reports it)."""
        transcript = self.transcript
        return bool(transcript.errors) or (
            transcript.stream.cut_off is not None or self.transport_error is not None
        )

    @property
    def media_type(self) -> str:
        return media_type(self.headers)

    @cached_property
    def json(self) -> Any:
        # A body cut at the suite's byte cap is not a whole JSON document: no need to parse it.
        return NOT_JSON if self.truncated_at is not None else loads(self.body)

    @cached_property
    def transcript(self) -> Transcript:
        if self.stream is None:
            raise ValueError("not a stream exchange")
        return classify(self.stream)

    @cached_property
    def answer(self) -> Answer:
        if self.kind == "stream":
            return stream_answer(self.transcript)
        return completion_answer(self.json)

    @property
    def requested(self) -> Mapping[str, Any]:
        """The request body, for checks that compare with it: NotApplicable when unrecorded."""
        if self.request is None:
            raise NotApplicable("the request was not recorded")
        return self.request


def request_bytes(body: Mapping[str, Any]) -> bytes:
    """The bytes a JSON request body is sent as: compact UTF-8 JSON, the same text a
    reproduction's curl carries, so the curl replays exactly the request that was judged."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def expects_stream(
    request: Mapping[str, Any] | None, status: int, headers: Mapping[str, str]
) -> bool:
    """Whether the body is to be read as an event stream: a successful answer to a stream
    request, or, when the request is unknown, one declared text/event-stream."""
    if status >= 400:
        return False
    if request is not None:
        return request.get("stream") is True
    return media_type(headers) == "text/event-stream"
