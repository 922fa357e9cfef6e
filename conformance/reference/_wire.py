"""How a completion goes on the wire: a chat.completion body, a chunk stream, an error body.

Each function renders the compliant shape (OpenAI's, spec.md §3–§5); faults transform what these
return. A stream is first a list of :data:`Event` values (a chunk as a dict, or the raw data text
such as ``"[DONE]"``), then a list of frames (the bytes of each SSE event), so that a fault can
act at either level.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from conformance.reference._model import Call, Completion, Output, Params, Token, Usage

Event = dict[str, Any] | str
DONE: Final = "[DONE]"
FINGERPRINT: Final = "fp_reference"
_COMPACT: Final = (",", ":")


@dataclass(frozen=True, slots=True)
class Meta:
    """What every chunk of one answer shares."""

    id: str
    created: int
    model: str


def usage_body(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _token_body(token: Token, top: int) -> dict[str, Any]:
    return {
        "token": token.text,
        "logprob": token.logprob,
        "bytes": list(token.text.encode()),
        "top_logprobs": [
            {"token": text, "logprob": logprob, "bytes": list(text.encode())}
            for text, logprob in token.top[:top]
        ],
    }


def logprobs_body(tokens: Sequence[Token], params: Params) -> dict[str, Any] | None:
    if not params.logprobs:
        return None
    return {"content": [_token_body(t, params.top_logprobs) for t in tokens], "refusal": None}


def _call_body(call: Call) -> dict[str, Any]:
    if call.kind == "custom":
        return {
            "id": call.id,
            "type": "custom",
            "custom": {"name": call.name, "input": call.arguments},
        }
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }


def completion_body(completion: Completion, params: Params, meta: Meta) -> dict[str, Any]:
    """The chat.completion object."""
    choices = []
    for output in completion.choices:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": output.content,
            "refusal": None,
            "annotations": [],
        }
        if output.calls:
            message["tool_calls"] = [_call_body(call) for call in output.calls]
        choices.append(
            {
                "index": output.index,
                "message": message,
                "logprobs": logprobs_body(output.tokens, params),
                "finish_reason": output.finish_reason,
            }
        )
    return {
        "id": meta.id,
        "object": "chat.completion",
        "created": meta.created,
        "model": meta.model,
        "choices": choices,
        "usage": usage_body(completion.usage),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }


def _choice_deltas(output: Output, params: Params) -> Iterator[dict[str, Any]]:
    """One choice's entries in the stream: role first, a token or a call fragment each, finish."""

    def entry(delta: dict[str, Any], logprobs: Any = None, finish: Any = None) -> dict[str, Any]:
        return {
            "index": output.index,
            "delta": delta,
            "logprobs": logprobs,
            "finish_reason": finish,
        }

    yield entry({"role": "assistant", "content": "" if output.content is not None else None})
    for token in output.tokens:
        yield entry({"content": token.text}, logprobs_body([token], params))
    for number, call in enumerate(output.calls):
        yield entry(
            {
                "tool_calls": [
                    {
                        "index": number,
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": ""},
                    }
                ]
            }
        )
        for piece in call.pieces:
            yield entry({"tool_calls": [{"index": number, "function": {"arguments": piece}}]})
    yield entry({}, finish=output.finish_reason)


def stream_events(
    completion: Completion,
    params: Params,
    meta: Meta,
    *,
    usage_chunk: bool,
    error_after: int | None = None,
) -> list[Event]:
    """The chunks of a stream, choices interleaved, the usage chunk if asked, then [DONE].

    ``usage_chunk`` sends the final usage chunk (include_usage, or a profile that always sends
    it); intermediate chunks then carry ``"usage": null``. ``error_after`` interrupts the stream
    with an error event after that many chunks.
    """
    lanes = [list(_choice_deltas(output, params)) for output in completion.choices]
    entries = [
        lane[i] for i in range(max(map(len, lanes), default=0)) for lane in lanes if i < len(lane)
    ]

    def chunk(choices: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": meta.id,
            "object": "chat.completion.chunk",
            "created": meta.created,
            "model": meta.model,
            "system_fingerprint": FINGERPRINT,
            "choices": choices,
        }
        if usage_chunk:
            body["usage"] = None
        return body

    events: list[Event] = [chunk([entry]) for entry in entries]
    if error_after is not None and error_after < len(events):
        message = "The stream was interrupted by the reference router, as requested."
        error = {
            "message": message,
            "type": "server_error",
            "param": None,
            "code": "stream_interrupted",
        }
        return [*events[:error_after], {"error": error}]
    if usage_chunk:
        last = chunk([])
        last["usage"] = usage_body(completion.usage)
        events.append(last)
    events.append(DONE)
    return events


def frame(event: Event) -> bytes:
    """One SSE event: ``data: <payload>`` and the blank line that dispatches it."""
    data = (
        event
        if isinstance(event, str)
        else json.dumps(event, ensure_ascii=False, separators=_COMPACT)
    )
    return f"data: {data}\n\n".encode()


def error_body(message: str, kind: str, param: str | None, code: str | None) -> dict[str, Any]:
    """OpenAI's error envelope: all four keys, param and code nullable."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
