"""Small compliant exchanges built in code, for the tests of the checks."""

from __future__ import annotations

import json
from typing import Any

from conformance.base._intents import Intent
from conformance.exchange._exchange import Exchange

JSON = {"content-type": "application/json"}
USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


def ask(**params: Any) -> dict[str, Any]:
    """A valid request: one user message, plus ``params``."""
    return {"model": "m", "messages": [{"role": "user", "content": "Hi"}], **params}


def completion(
    request: dict[str, Any] | None,
    *,
    content: str | None = "Hello!",
    finish: str = "stop",
    usage: dict[str, Any] | None = USAGE,
    **message: Any,
) -> Exchange:
    """A 200 chat.completion with one choice."""
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": content, **message},
        "finish_reason": finish,
    }
    logprobs = choice["message"].pop("logprobs", None)
    if logprobs is not None:
        choice["logprobs"] = logprobs
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [choice],
    }
    if usage is not None:
        body["usage"] = usage
    return Exchange.from_http(
        request=request, status=200, headers=JSON, body=json.dumps(body).encode()
    )


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> Any:
    """One chat.completion.chunk with one choice (or with ``choices`` given in ``extra``)."""
    choices = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": choices,
        **extra,
    }


STREAM_EVENTS: list[Any] = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Hello!"}),
    chunk(finish="stop"),
    "[DONE]",
]
ERROR_EVENT = {"error": {"message": "the model is overloaded", "type": "server_error"}}


def stream(request: dict[str, Any], events: list[Any] | None = None) -> Exchange:
    """A 200 event stream: each event a data line (JSON values compact, strings verbatim)."""
    items = STREAM_EVENTS if events is None else events
    text = "".join(
        f"data: {item if isinstance(item, str) else json.dumps(item)}\n\n" for item in items
    )
    return Exchange.from_http(
        request={**request, "stream": True},
        status=200,
        headers={"content-type": "text/event-stream"},
        body=text.encode(),
    )


def error(
    status: int,
    message: str = "Invalid 'temperature': above the maximum of 2.",
    *,
    request: dict[str, Any] | None = None,
    intent: Intent | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Exchange:
    """An error answer in OpenAI's envelope (or ``body`` as given)."""
    envelope = {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": None,
        }
    }
    return Exchange.from_http(
        request=request,
        status=status,
        headers=JSON if headers is None else headers,
        body=json.dumps(envelope).encode() if body is None else body,
        intent=intent,
    )
