"""Hooks on a stream that the contract allows: how events are framed, and chunks a client must
tolerate (used by the legal variants, :mod:`_variants`).

The framing hooks rewrite the bytes of each SSE event (``data: <payload>`` and a blank line) in a
form the WHATWG event-stream grammar gives the same meaning.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Final

from conformance.reference._hooks import CompletionHook, Turn, each_output, on_chunks
from conformance.reference._model import Output, Params
from conformance.reference._wire import Event

COMMENT: Final = b": keep-alive\n\n"


def _payload(frame: bytes) -> str | None:
    """The data of a frame as :func:`_wire.frame` writes it."""
    text = frame.decode()
    if text.startswith("data: ") and text.endswith("\n\n") and "\n" not in text[:-2]:
        return text[len("data: ") : -2]
    return None


def crlf(frames: list[bytes]) -> list[bytes]:
    return [frame.replace(b"\n", b"\r\n") for frame in frames]


def comments(frames: list[bytes]) -> list[bytes]:
    """A comment line before every event, and one at the start."""
    return [part for frame in frames for part in (COMMENT, frame)]


def no_space(frames: list[bytes]) -> list[bytes]:
    return [frame.replace(b"data: ", b"data:", 1) for frame in frames]


def multiline_data(frames: list[bytes]) -> list[bytes]:
    """Each JSON payload pretty-printed, one ``data:`` line per line of it: the lines are joined
    with newlines again, which JSON allows between its tokens."""
    out = []
    for frame in frames:
        payload = _payload(frame)
        if payload is None or not payload.startswith("{"):
            out.append(frame)
            continue
        lines = json.dumps(json.loads(payload), ensure_ascii=False, indent=1).split("\n")
        out.append(("".join(f"data: {line}\n" for line in lines) + "\n").encode())
    return out


def _null_usage(chunk: dict[str, Any], number: int) -> None:
    chunk.setdefault("usage", None)


usage_null = on_chunks(_null_usage)


def _null_role(chunk: dict[str, Any], number: int) -> None:
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict):
            delta.setdefault("role", None)


role_null = on_chunks(_null_role)


def empty_choices_first(events: list[Event], turn: Turn) -> list[Event]:
    """A first chunk with no choices, before the role and the content, as Azure OpenAI's
    content-filter chunk and OpenRouter's debug chunk are (here with the stream's own id)."""
    first = next((e for e in events if isinstance(e, dict) and "choices" in e), None)
    if first is None:
        return events
    empty = {k: v for k, v in first.items() if k not in ("choices", "usage")}
    return [{**empty, "choices": []}, *events]


def empty_deltas(events: list[Event], turn: Turn) -> list[Event]:
    """Three chunks whose delta carries an empty content after each chunk that carries text: no
    clause bounds such chunks, and a client's accumulation is unchanged by them."""
    out: list[Event] = []
    for event in events:
        out.append(event)
        choices = event.get("choices") if isinstance(event, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(event, dict):
            continue
        texts = [
            c for c in choices if isinstance(c, dict) and (c.get("delta") or {}).get("content")
        ]
        if not texts or any(c.get("finish_reason") is not None for c in texts):
            continue
        empty = [
            {"index": c["index"], "delta": {"content": ""}, "logprobs": None, "finish_reason": None}
            for c in texts
        ]
        out.extend({**event, "choices": empty} for _ in range(3))
    return out


def _tool_calls_reason(output: Output, params: Params) -> Output:
    if params.forced is not None and output.calls and output.finish_reason == "stop":
        return dataclasses.replace(output, finish_reason="tool_calls")
    return output


#: A named tool_choice finishes with "tool_calls" (the compliant router says "stop", as OpenAI).
named_choice_tool_calls: Final[CompletionHook] = each_output(_tool_calls_reason)
