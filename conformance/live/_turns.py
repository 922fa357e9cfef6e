"""The second turn of a tool-calling conversation, built from the first turn's answer.

A client that runs a tool sends the whole history back: its own messages, the assistant
message as the target returned it (``content`` null or text, its ``tool_calls`` with their
ids), and one ``tool`` message per call carrying that call's ``tool_call_id`` and the result
(https://platform.openai.com/docs/guides/function-calling; OpenAI's openapi spec,
ChatCompletionRequestToolMessage: "tool_call_id: Tool call that this message is responding
to", https://github.com/openai/openai-openapi/blob/f85dbe2/openapi.yaml).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from conformance.base import NotApplicable
from conformance.exchange import Exchange

#: What each tool of the scenarios "returns": small, so the second turn stays cheap.
RESULTS: Final[Mapping[str, Mapping[str, Any]]] = {
    "get_weather": {"city": "Paris", "temperature_c": 18, "sky": "clear"},
    "get_time": {"city": "Paris", "time": "14:05"},
}


def tool_result(call_id: str, name: str) -> dict[str, Any]:
    """The ``tool`` message a client sends back for one call."""
    result = RESULTS.get(name, {"ok": True})
    return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)}


def assistant_turn(content: str | None, calls: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An assistant message that called tools, as a client echoes it back."""
    return {"role": "assistant", "content": content, "tool_calls": list(calls)}


def function_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def history_after(exchange: Exchange) -> list[dict[str, Any]]:
    """The messages a client appends after the first turn's answer: the assistant message
    echoed as returned, then one tool result per call. NotApplicable, with the reason, when
    that answer holds nothing to follow up (an error, no call, a call cut short or without id)."""
    if not exchange.answered:
        raise NotApplicable(
            f"the first turn was answered {exchange.status or 'nothing'}: nothing to follow up"
        )
    choices = exchange.answer.choices
    if not choices or not choices[0].tool_calls:
        raise NotApplicable("the first turn called no tool: nothing to follow up")
    choice = choices[0]
    if choice.cut_short:
        raise NotApplicable(
            f"the first turn's call was cut short (finish_reason {choice.finish_reason!r})"
        )
    calls, results = [], []
    for call in choice.tool_calls:
        if not (isinstance(call.id, str) and call.id and isinstance(call.name, str)):
            raise NotApplicable(f"the call at {call.path} has no id or name to answer")
        if call.type == "custom":
            text = call.arguments if isinstance(call.arguments, str) else ""
            calls.append(
                {"id": call.id, "type": "custom", "custom": {"name": call.name, "input": text}}
            )
        else:
            arguments = call.arguments if isinstance(call.arguments, str) else "{}"
            calls.append(function_call(call.id, call.name, arguments))
        results.append(tool_result(call.id, call.name))
    return [assistant_turn(choice.content, calls), *results]


def follow_up_body(exchange: Exchange) -> dict[str, Any]:
    """The first turn's request with the history appended, and ``tool_choice`` "auto": a
    client forces a call once, then lets the model answer from the result."""
    first = exchange.requested
    messages = first.get("messages")
    sent = list(messages) if isinstance(messages, list) else []
    return {**first, "messages": [*sent, *history_after(exchange)], "tool_choice": "auto"}
