"""The choices and usage of an answer as a client sees them: a completion's as they are, a
stream's assembled from its deltas the way the OpenAI SDK accumulates them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from conformance.exchange._transcript import Transcript


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


def completion_answer(body: Any) -> Answer:
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


def stream_answer(transcript: Transcript) -> Answer:
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
