"""One exchange: the request sent and everything that came back, normalized once.

The same checks run on a live answer, a recorded fixture and a raw stream file because all three
become an :class:`Exchange`. Derived views are computed once, on first use:

- :attr:`Exchange.json` — the body parsed as JSON (or :data:`NOT_JSON`);
- :attr:`Exchange.transcript` — for streams, each data event classified (chunk, [DONE], error,
  not JSON) with its JSON decoded once;
- :attr:`Exchange.answer` — the choices as a client sees them: for a stream, assembled from the
  deltas the way the OpenAI SDK accumulates them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final, Literal, NamedTuple

from conformance.base import DEFAULT_LIMITS, Intent, Limits, NotApplicable, media_type
from conformance.exchange._sse import EventStream, parse_event_stream

Kind = Literal["completion", "stream", "error", "redirect", "no_answer"]
PayloadKind = Literal["chunk", "done", "error", "not_json"]

DONE: Final = "[DONE]"


class _NotJson:
    """The body (or a data payload) is not JSON text."""

    _instance: _NotJson | None = None

    def __new__(cls) -> _NotJson:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_JSON"

    def __bool__(self) -> bool:
        return False


NOT_JSON: Final = _NotJson()


def _loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


class Payload(NamedTuple):
    """One dispatched SSE event of a chat stream, classified."""

    position: int  # index of the event in the stream: the k of "$.events[k]"
    kind: PayloadKind
    data: str
    value: Any  # the decoded JSON for "chunk" and "error", else None

    @property
    def path(self) -> str:
        return f"$.events[{self.position}]"


@dataclass(frozen=True)
class Transcript:
    """A chat stream's events, classified: the input of every stream check."""

    stream: EventStream
    payloads: tuple[Payload, ...]

    @cached_property
    def chunks(self) -> tuple[Payload, ...]:
        return tuple(p for p in self.payloads if p.kind == "chunk")

    @cached_property
    def errors(self) -> tuple[Payload, ...]:
        return tuple(p for p in self.payloads if p.kind == "error")

    @cached_property
    def dict_chunks(self) -> list[tuple[Payload, dict[str, Any]]]:
        """The chunks that are JSON objects (others fail the chunk schema and nothing else)."""
        return [(p, p.value) for p in self.chunks if isinstance(p.value, dict)]


def _is_error_event(event_type: str, value: Any) -> bool:
    # openai-python _streaming.py treats any payload whose JSON has a truthy "error" key as an
    # error (and `event: error` for Assistants); OpenRouter's mid-stream error is a chunk with a
    # top-level "error" (errors-and-debugging.mdx, "Mid-stream errors").
    if event_type == "error":
        return True
    return isinstance(value, dict) and bool(value.get("error"))


def classify(stream: EventStream) -> Transcript:
    payloads = []
    for position, event in enumerate(stream.events):
        data = event.data
        if data == DONE:
            payloads.append(Payload(position, "done", data, None))
            continue
        value = _loads(data)
        if value is NOT_JSON:
            payloads.append(Payload(position, "not_json", data, None))
        elif _is_error_event(event.event, value):
            payloads.append(Payload(position, "error", data, value))
        else:
            payloads.append(Payload(position, "chunk", data, value))
    return Transcript(stream, tuple(payloads))


class ToolCall(NamedTuple):
    """A tool call as a client assembles it."""

    path: str
    id: Any
    type: Any
    name: Any
    arguments: Any  # a str when well-formed; whatever came otherwise


@dataclass(frozen=True, slots=True)
class Choice:
    """One choice as a client sees it, from a response or assembled from stream deltas."""

    index: int
    path: str
    content: str | None
    content_path: str  # where the content is: the message's, or the first delta that carried it
    refusal: str | None
    reasoning: str | None
    tool_calls: tuple[ToolCall, ...]
    finish_reason: Any
    finish_path: str
    logprobs_present: bool
    logprob_entries: tuple[Any, ...]

    @property
    def cut_short(self) -> bool:
        """Generation stopped before the model finished (cap, filter or error)."""
        return self.finish_reason in ("length", "content_filter", "error")


class Answer(NamedTuple):
    """The choices and usage of an answer, as a client sees them."""

    choices: tuple[Choice, ...]
    usage: Any
    usage_path: str


_REASONING_FIELDS: Final = ("reasoning_content", "reasoning")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _reasoning(message: Mapping[str, Any]) -> str | None:
    for name in _REASONING_FIELDS:
        if isinstance(message.get(name), str):
            return str(message[name])
    return None


def _completion_answer(body: Any) -> Answer:
    choices: list[Choice] = []
    raw_choices = body.get("choices") if isinstance(body, dict) else None
    for i, raw in enumerate(raw_choices if isinstance(raw_choices, list) else ()):
        if not isinstance(raw, dict):
            continue
        path = f"$.choices[{i}]"
        message = raw.get("message")
        message = message if isinstance(message, dict) else {}
        calls = []
        raw_calls = message.get("tool_calls")
        for j, call in enumerate(raw_calls if isinstance(raw_calls, list) else ()):
            if not isinstance(call, dict):
                continue
            # A custom tool call carries {name, input} under "custom" (OpenAI spec
            # ChatCompletionMessageCustomToolCall); a function call {name, arguments}.
            custom = call.get("type") == "custom"
            spec = call.get("custom" if custom else "function")
            spec = spec if isinstance(spec, dict) else {}
            calls.append(
                ToolCall(
                    path=f"{path}.message.tool_calls[{j}]",
                    id=call.get("id"),
                    type=call.get("type"),
                    name=spec.get("name"),
                    arguments=spec.get("input" if custom else "arguments"),
                )
            )
        logprobs = raw.get("logprobs")
        entries = logprobs.get("content") if isinstance(logprobs, dict) else None
        index = raw.get("index")
        choices.append(
            Choice(
                index=index if isinstance(index, int) else i,
                path=path,
                content=_text(message.get("content")),
                content_path=f"{path}.message.content",
                refusal=_text(message.get("refusal")),
                reasoning=_reasoning(message),
                tool_calls=tuple(calls),
                finish_reason=raw.get("finish_reason"),
                finish_path=f"{path}.finish_reason",
                logprobs_present=logprobs is not None,
                logprob_entries=tuple(entries) if isinstance(entries, list) else (),
            )
        )
    usage = body.get("usage") if isinstance(body, dict) else None
    return Answer(tuple(choices), usage, "$.usage")


@dataclass
class _CallParts:
    path: str
    id: Any = None
    type: Any = None
    name: Any = None
    arguments: list[Any] = field(default_factory=list)


@dataclass
class _ChoiceParts:
    path: str
    content: list[str] = field(default_factory=list)
    content_path: str = ""
    refusal: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, _CallParts] = field(default_factory=dict)
    finish_reason: Any = None
    finish_path: str = ""
    logprobs_present: bool = False
    entries: list[Any] = field(default_factory=list)


def _add_delta(parts: _ChoiceParts, delta: Mapping[str, Any], path: str) -> None:
    for name, sink in (("content", parts.content), ("refusal", parts.refusal)):
        value = delta.get(name)
        if isinstance(value, str):
            sink.append(value)
    if isinstance(delta.get("content"), str) and not parts.content_path:
        parts.content_path = f"{path}.delta.content"
    for name in _REASONING_FIELDS:
        value = delta.get(name)
        if isinstance(value, str):
            parts.reasoning.append(value)
    calls = delta.get("tool_calls")
    for j, call in enumerate(calls if isinstance(calls, list) else ()):
        if not isinstance(call, dict) or not isinstance(call.get("index"), int):
            continue  # without an index a fragment cannot be placed (the chunk schema says so)
        assembled = parts.calls.get(call["index"])
        if assembled is None:
            assembled = parts.calls[call["index"]] = _CallParts(f"{path}.delta.tool_calls[{j}]")
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        assembled.id = assembled.id or call.get("id")
        assembled.type = assembled.type or call.get("type")
        assembled.name = assembled.name or function.get("name")
        if "arguments" in function and function["arguments"] is not None:
            assembled.arguments.append(function["arguments"])


def _joined(pieces: list[Any]) -> Any:
    if all(isinstance(piece, str) for piece in pieces):
        return "".join(pieces)
    return next(piece for piece in pieces if not isinstance(piece, str))


def _stream_answer(transcript: Transcript) -> Answer:
    by_index: dict[int, _ChoiceParts] = {}
    usage: Any = None
    usage_path = "$.events"
    for payload, chunk in transcript.dict_chunks:
        if chunk.get("usage") is not None:
            usage, usage_path = chunk["usage"], f"{payload.path}.usage"
        raw_choices = chunk.get("choices")
        for j, raw in enumerate(raw_choices if isinstance(raw_choices, list) else ()):
            if not isinstance(raw, dict) or not isinstance(raw.get("index"), int):
                continue
            path = f"{payload.path}.choices[{j}]"
            parts = by_index.get(raw["index"])
            if parts is None:
                parts = by_index[raw["index"]] = _ChoiceParts(path)
            delta = raw.get("delta")
            if isinstance(delta, dict):
                _add_delta(parts, delta, path)
            logprobs = raw.get("logprobs")
            if logprobs is not None:
                parts.logprobs_present = True
                entries = logprobs.get("content") if isinstance(logprobs, dict) else None
                if isinstance(entries, list):
                    parts.entries.extend(entries)
            if raw.get("finish_reason") is not None:
                parts.finish_reason = raw["finish_reason"]
                parts.finish_path = f"{path}.finish_reason"
    choices = tuple(
        Choice(
            index=index,
            path=parts.path,
            content="".join(parts.content) if parts.content else None,
            content_path=parts.content_path or f"{parts.path}.delta.content",
            refusal="".join(parts.refusal) if parts.refusal else None,
            reasoning="".join(parts.reasoning) if parts.reasoning else None,
            tool_calls=tuple(
                ToolCall(c.path, c.id, c.type, c.name, _joined(c.arguments) if c.arguments else "")
                for _, c in sorted(parts.calls.items())
            ),
            finish_reason=parts.finish_reason,
            finish_path=parts.finish_path or parts.path,
            logprobs_present=parts.logprobs_present,
            logprob_entries=tuple(parts.entries),
        )
        for index, parts in sorted(by_index.items())
    )
    return Answer(choices, usage, usage_path)


@dataclass(frozen=True)
class Exchange:
    """One request and what came back: status, headers, body and, for streams, the events.

    ``request`` is the JSON body that was sent, or None when it was not recorded (a raw stream
    file, or a body that was not JSON): checks that compare the answer with the request then
    do not apply. ``intent`` names a deliberately broken request (one of :data:`INTENTS`: no
    key, a bad key, an unknown model, malformed JSON, a wrong method) whose expected answer the
    profile documents.
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
        return NOT_JSON if self.truncated_at is not None else _loads(self.body)

    @cached_property
    def transcript(self) -> Transcript:
        if self.stream is None:
            raise ValueError("not a stream exchange")
        return classify(self.stream)

    @cached_property
    def answer(self) -> Answer:
        if self.kind == "stream":
            return _stream_answer(self.transcript)
        return _completion_answer(self.json)

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
