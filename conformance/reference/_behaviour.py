"""What faults and legal variants share: hooks at the stages of an answer, and their application.

A :class:`Behaviour` is a name, a one-line description, and hooks at the stage where it lives.
The router calls the stages in this order:

``drop``         whether to close the connection of the n-th chat request without an answer
``read``         how the request body is read before validation (parameters ignored)
``bypass``       skip a step: request validation, or the key check
``refuse``       a valid request refused all the same (a 400, a 429, a 500)
``params``       how the request is read (a server that ignores ``n``, the cap, ``tool_choice``…)
``completion``   what the model produced (finish reasons, usage, content)
``body``         the chat.completion object of a non-streamed answer
``events``       the chunks of a stream, as a list of dicts and raw data strings
``frames``       the bytes of each SSE event
``reset_after``  the connection is closed after that many frames of a stream
``error``        an error answer: status, body, headers, and whether the connection stays usable
``media_type``   the Content-Type of every answer
``lists``        ``GET`` on the endpoint lists the stored completions

A fault (:mod:`_faults`) adds the checks it trips; a legal variant
(:mod:`_variants`) the public source that makes it legal.
:class:`Behaviours` applies a selection in order.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal

from conformance.contract import Profile
from conformance.reference._hooks import (
    Arrival,
    BodyHook,
    CompletionHook,
    DropHook,
    ErrorHook,
    ErrorReply,
    EventsHook,
    FramesHook,
    ParamsHook,
    ReadHook,
    RefuseHook,
    Turn,
)
from conformance.reference._model import Completion, Params
from conformance.reference._wire import Event

__all__ = ["Behaviour", "Behaviours", "Bypass"]

Bypass = Literal["validation", "auth"]


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One way of answering that differs from the compliant router, and where it hooks in."""

    name: str
    description: str
    _: KW_ONLY
    drop: DropHook | None = None
    read: ReadHook | None = None
    bypass: frozenset[Bypass] = frozenset()
    invalid_stream_as_event: bool = False  # validation errors of a stream: 200 + error event
    refuse: RefuseHook | None = None
    params: ParamsHook | None = None
    completion: CompletionHook | None = None
    body: BodyHook | None = None
    events: EventsHook | None = None
    frames: FramesHook | None = None
    reset_after: int | None = None
    error: ErrorHook | None = None
    media_type: str | None = None
    lists: bool = False


class Behaviours:
    """A selection of behaviours, each stage applied in the selection's order."""

    def __init__(self, chosen: tuple[Behaviour, ...] = ()) -> None:
        self.chosen = chosen

    def bypasses(self, step: Bypass) -> bool:
        return any(step in b.bypass for b in self.chosen)

    @property
    def invalid_stream_as_event(self) -> bool:
        return any(b.invalid_stream_as_event for b in self.chosen)

    @property
    def lists(self) -> bool:
        return any(b.lists for b in self.chosen)

    @property
    def reset_after(self) -> int | None:
        cuts = [b.reset_after for b in self.chosen if b.reset_after is not None]
        return min(cuts) if cuts else None

    def drops(self, number: int) -> bool:
        return any(b.drop is not None and b.drop(number) for b in self.chosen)

    def media_type(self, default: str) -> str:
        for b in self.chosen:
            if b.media_type is not None:
                return b.media_type
        return default

    def read(self, body: dict[str, Any], profile: Profile) -> dict[str, Any]:
        for b in self.chosen:
            if b.read is not None:
                body = b.read(body, profile)
        return body

    def refuse(self, arrival: Arrival) -> ErrorReply | None:
        for b in self.chosen:
            reply = b.refuse(arrival) if b.refuse is not None else None
            if reply is not None:
                return reply
        return None

    def params(self, params: Params) -> Params:
        for b in self.chosen:
            if b.params is not None:
                params = b.params(params)
        return params

    def completion(self, completion: Completion, params: Params) -> Completion:
        for b in self.chosen:
            if b.completion is not None:
                completion = b.completion(completion, params)
        return completion

    def body(self, body: dict[str, Any], turn: Turn) -> dict[str, Any]:
        for b in self.chosen:
            if b.body is not None:
                body = b.body(body, turn)
        return body

    def events(self, events: list[Event], turn: Turn) -> list[Event]:
        for b in self.chosen:
            if b.events is not None:
                events = b.events(events, turn)
        return events

    def frames(self, frames: list[bytes]) -> list[bytes]:
        for b in self.chosen:
            if b.frames is not None:
                frames = b.frames(frames)
        return frames

    def error(self, reply: ErrorReply) -> ErrorReply:
        for b in self.chosen:
            if b.error is not None:
                reply = b.error(reply)
        return reply
