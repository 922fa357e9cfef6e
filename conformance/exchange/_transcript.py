"""A chat stream's events, classified once: each data event is a chunk, the ``[DONE]``
terminator, an error, or not JSON, with its JSON decoded once for every stream check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, Literal, NamedTuple

from conformance.exchange._sse import EventStream

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


def loads(text: str | bytes) -> Any:
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
        value = loads(data)
        if value is NOT_JSON:
            payloads.append(Payload(position, "not_json", data, None))
        elif _is_error_event(event.event, value):
            payloads.append(Payload(position, "error", data, value))
        else:
            payloads.append(Payload(position, "chunk", data, value))
    return Transcript(stream, tuple(payloads))
