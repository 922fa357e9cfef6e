"""How a server mishandles the turn after a tool call: the hooks of the faults and variants
that see a request carrying a tool-call history (an assistant message with ``tool_calls`` and
the ``tool`` messages answering it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Final

from conformance.reference._hooks import Arrival, ErrorReply, each_output
from conformance.reference._model import Output, Params, ends_with_results
from conformance.reference._requests import CRASH


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages")
    return [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []


def _calls(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        call
        for m in _messages(body)
        if m.get("role") == "assistant" and isinstance(m.get("tool_calls"), list)
        for call in m["tool_calls"]
        if isinstance(call, Mapping)
    ]


# --- refusing the history -----------------------------------------------------------------------


def crash_on_tool_role(arrival: Arrival) -> ErrorReply | None:
    """A chat template with no entry for the tool role: a KeyError, a bare 500."""
    if any(m.get("role") == "tool" for m in _messages(arrival.body)):
        return ErrorReply(500, CRASH, cause="crashed")
    return None


def refuse_tool_role(arrival: Arrival) -> ErrorReply | None:
    """A server whose message model knows no tool role, in the error envelope."""
    if any(m.get("role") == "tool" for m in _messages(arrival.body)):
        return arrival.refusal(400, "Unsupported role: tool", param="messages")
    return None


def refuse_null_content(arrival: Arrival) -> ErrorReply | None:
    """An assistant message with ``content: null`` refused, though the server sent it so."""
    for position, message in enumerate(_messages(arrival.body)):
        if (
            message.get("role") == "assistant"
            and "content" in message
            and message["content"] is None
        ):
            return arrival.refusal(
                400,
                "Invalid 'content': 'content' field must be a string or an array of objects.",
                param=f"messages[{position}].content",
            )
    return None


#: The one tool-call id form Mistral's templates accept.
_MISTRAL_ID: Final = re.compile(r"[a-zA-Z0-9]{9}")


def crash_on_foreign_ids(arrival: Arrival) -> ErrorReply | None:
    """Ids checked against Mistral's form when the history is templated, while the server
    mints ``call_<hex>`` ids itself: its own ids crash the next turn."""
    for call in _calls(arrival.body):
        call_id = call.get("id")
        if isinstance(call_id, str) and not _MISTRAL_ID.fullmatch(call_id):
            message = f"Tool call id was {call_id} but must be a-z, A-Z, 0-9, with a length of 9"
            body = {"error": arrival.error(500, message, "server_error", None, None)}
            return ErrorReply(500, body, cause="crashed")
    return None


# --- what the model makes of it -----------------------------------------------------------------


def drop_tool_turns(params: Params) -> Params:
    """The assistant tool-call messages and the tool results dropped before the template: the
    model sees the question alone again."""
    kept = tuple(
        m
        for m in params.messages
        if not (
            isinstance(m, dict)
            and (m.get("role") == "tool" or (m.get("role") == "assistant" and m.get("tool_calls")))
        )
    )
    return dataclasses.replace(params, messages=kept, results=ends_with_results(list(kept)))


def call_again(params: Params) -> Params:
    """The model reads the results and calls a tool again all the same."""
    return dataclasses.replace(params, results=False)


def _same_id(output: Output, params: Params) -> Output:
    if len(output.calls) < 2:
        return output
    first = output.calls[0].id
    calls = tuple(dataclasses.replace(call, id=first) for call in output.calls)
    return dataclasses.replace(output, calls=calls)


one_id_per_answer = each_output(_same_id)


def _silent(output: Output, params: Params) -> Output:
    if not params.results or output.finish_reason in ("length", "error"):
        return output
    return dataclasses.replace(
        output, content="", tokens=(), calls=(), finish_reason="stop", completion_tokens=0
    )


silent_after_results = each_output(_silent)


def _empty_content(output: Output, params: Params) -> Output:
    return dataclasses.replace(output, content="") if output.calls else output


empty_content_with_calls = each_output(_empty_content)
