"""How a completion goes on the wire: a chat.completion body, a chunk stream, an error body.

Each function renders the compliant shape (OpenAI's openapi spec,
https://github.com/openai/openai-openapi/blob/f85dbe2/openapi.yaml); faults transform what these
return. A stream is first a list of :data:`Event` values (a chunk as a dict, or the raw data text
such as ``"[DONE]"``), then a list of frames (the bytes of each SSE event), so that a fault can
act at either level.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from conformance.reference._dialect import Dialect
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


def usage_body(
    usage: Usage, variant: Literal["prompt_completion", "input_output"] = "prompt_completion"
) -> dict[str, Any]:
    """OpenAI's usage object, or (``input_output``) MyRouter's example page's."""
    if variant == "input_output":
        return {
            "input_tokens": usage.prompt_tokens,
            "output_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": usage.reasoning_tokens,
        }
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def upstream_error(dialect: Dialect) -> dict[str, Any]:
    """The error object of a choice that broke off upstream."""
    return dialect.error(
        502,
        "The upstream provider failed while answering; the output so far is kept.",
        "server_error",
        None,
        "provider_unavailable",
    )


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


def completion_body(
    completion: Completion, params: Params, meta: Meta, dialect: Dialect
) -> dict[str, Any]:
    """The chat.completion object."""
    choices = []
    failed = False
    for output in completion.choices:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": output.content,
            "refusal": None,
            "annotations": [],
        }
        if params.reasoning is not None and output.reasoning:
            message[params.reasoning] = "".join(output.reasoning)
        if output.calls:
            message["tool_calls"] = [_call_body(call) for call in output.calls]
        choice = {
            "index": output.index,
            "message": message,
            "logprobs": logprobs_body(output.tokens, params),
            "finish_reason": output.finish_reason,
        }
        if dialect.native_finish_reason:
            choice["native_finish_reason"] = output.finish_reason
        if output.failed and dialect.error_at == "choice":
            choice["error"] = upstream_error(dialect)
        failed = failed or output.failed
        choices.append(choice)
    body = {
        "id": meta.id,
        "object": "chat.completion",
        "created": meta.created,
        "model": meta.model,
        "choices": choices,
        "usage": usage_body(completion.usage, dialect.usage),
        "service_tier": "default",
        "system_fingerprint": FINGERPRINT,
    }
    if failed and dialect.error_at == "response":
        body["error"] = upstream_error(dialect)
    return body


def _choice_deltas(output: Output, params: Params, dialect: Dialect) -> Iterator[dict[str, Any]]:
    """One choice's entries in the stream: role first, a reasoning piece, a token or a call
    fragment each, finish."""

    def entry(delta: dict[str, Any], logprobs: Any = None, finish: Any = None) -> dict[str, Any]:
        body = {
            "index": output.index,
            "delta": delta,
            "logprobs": logprobs,
            "finish_reason": finish,
        }
        if dialect.native_finish_reason:
            body["native_finish_reason"] = finish
        return body

    yield entry({"role": "assistant", "content": "" if output.content is not None else None})
    if params.reasoning is not None:
        for piece in output.reasoning:
            yield entry({params.reasoning: piece})
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
    dialect: Dialect,
    *,
    error_after: int | None = None,
) -> list[Event]:
    """The chunks of a stream, choices interleaved, the usage chunk if asked, then [DONE].

    The final usage chunk comes with include_usage, or always when the dialect says so;
    intermediate chunks then carry ``"usage": null``. ``error_after`` interrupts the stream
    with an error after that many chunks, in the dialect's form: OpenAI's error event, or
    OpenRouter's chunk with a top-level error whose choice ends with ``"error"``.
    """
    usage_chunk = params.include_usage or dialect.usage_unasked
    lanes = [list(_choice_deltas(output, params, dialect)) for output in completion.choices]
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
        error = dialect.error(502, message, "server_error", None, "stream_interrupted")
        if dialect.mid_stream_error == "event":
            return [*events[:error_after], {"error": error}]
        broken: dict[str, Any] = {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
        if dialect.native_finish_reason:
            broken["native_finish_reason"] = "error"
        failure = chunk([broken])
        failure.pop("usage", None)
        return [*events[:error_after], {**failure, "error": error}]
    if usage_chunk:
        last = chunk([])
        last["usage"] = usage_body(completion.usage, dialect.usage)
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
