"""The deviations themselves: the small functions the hooks of faults and variants are made of.

Each works on one stage of an answer (see :mod:`_behaviour`): the request's
number, its body before validation, the valid request as it arrives (:class:`Arrival`), the
request as read (:class:`Params`), the model's :class:`Completion`, the chat.completion body, the
list of stream events, the encoded frames, or an :class:`ErrorReply`. Event hooks change the
chunks the renderer built for this answer in place and return the list.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.contract import Profile
from conformance.reference._model import (
    Completion,
    Output,
    Params,
    Usage,
    complete,
    pieces,
    tokens,
)
from conformance.reference._wire import DONE, Event, Meta, usage_body


@dataclass(frozen=True, slots=True)
class Turn:
    """One answered request, as the hooks after the model see it."""

    params: Params
    completion: Completion
    meta: Meta


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An error answer before it is sent: a JSON body, or text sent as text/plain.

    ``cause`` says which step refused the request (``malformed_json``, ``invalid``,
    ``wrong_method``, ``unknown_model``, ``throttled``, ...), so a hook need not read the body;
    ``close`` leaves the connection unusable after this answer, without ``Connection: close``.
    """

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    cause: str = ""
    close: bool = False


ErrorObject = Callable[[int, str, str, "str | None", "str | None"], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Arrival:
    """A valid chat request as it arrives, before the model sees it."""

    number: int  # its ordinal among the chat requests this router was sent
    body: Mapping[str, Any]
    profile: Profile
    error: ErrorObject  # the profile's error object: (status, message, type, param, code)

    def refusal(
        self,
        status: int,
        message: str,
        *,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ErrorReply:
        body = {"error": self.error(status, message, kind, param, code)}
        return ErrorReply(status, body, dict(headers or {}), cause="refused")


DropHook = Callable[[int], bool]
ReadHook = Callable[[dict[str, Any], Profile], dict[str, Any]]
RefuseHook = Callable[[Arrival], "ErrorReply | None"]
ParamsHook = Callable[[Params], Params]
CompletionHook = Callable[[Completion, Params], Completion]
BodyHook = Callable[[dict[str, Any], Turn], dict[str, Any]]
EventsHook = Callable[[list[Event], Turn], list[Event]]
FramesHook = Callable[[list[bytes]], list[bytes]]
ErrorHook = Callable[[ErrorReply], ErrorReply]


# --- helpers over outputs and chunks ------------------------------------------------------------


def each_output(fn: Callable[[Output, Params], Output]) -> CompletionHook:
    """A completion hook that rewrites every choice and recounts the usage honestly."""

    def hook(completion: Completion, params: Params) -> Completion:
        outputs = [fn(output, params) for output in completion.choices]
        return complete(outputs, completion.usage.prompt_tokens)

    return hook


def finish(old: str | None, new: str | None) -> CompletionHook:
    def rename(output: Output, params: Params) -> Output:
        if output.finish_reason == old or old is None:
            return dataclasses.replace(output, finish_reason=new)
        return output

    return each_output(rename)


def _with_text(output: Output, text: str, cap: int | None = None) -> Output:
    """The output saying ``text`` instead, cut at the token cap like the model would."""
    texts = pieces(text)
    if cap is not None and len(texts) >= cap:
        texts = texts[:cap]
        output = dataclasses.replace(output, finish_reason="length")
    return dataclasses.replace(
        output, content="".join(texts), tokens=tokens(texts), completion_tokens=len(texts)
    )


def _chunks(events: list[Event]) -> Iterator[dict[str, Any]]:
    for event in events:
        if isinstance(event, dict) and isinstance(event.get("choices"), list):
            yield event


def _entries(events: list[Event]) -> Iterator[dict[str, Any]]:
    for chunk in _chunks(events):
        yield from (c for c in chunk["choices"] if isinstance(c, dict))


def _fragments(events: list[Event]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(choice index, fragment) for every tool-call fragment in a tool_calls list."""
    for entry in _entries(events):
        delta = entry.get("delta")
        calls = delta.get("tool_calls") if isinstance(delta, dict) else None
        for fragment in calls if isinstance(calls, list) else ():
            if isinstance(fragment, dict):
                yield entry.get("index", 0), fragment


def on_chunks(fn: Callable[[dict[str, Any], int], None]) -> EventsHook:
    def hook(events: list[Event], turn: Turn) -> list[Event]:
        for number, chunk in enumerate(_chunks(events)):
            fn(chunk, number)
        return events

    return hook


def on_entries(fn: Callable[[dict[str, Any]], None]) -> EventsHook:
    def hook(events: list[Event], turn: Turn) -> list[Event]:
        for entry in _entries(events):
            fn(entry)
        return events

    return hook


def on_params(**changes: Any) -> ParamsHook:
    return lambda params: dataclasses.replace(params, **changes)


# --- stream framing -----------------------------------------------------------------------------


def drop_done(events: list[Event], turn: Turn) -> list[Event]:
    return [event for event in events if event != DONE]


def double_done(events: list[Event], turn: Turn) -> list[Event]:
    return [*events, DONE] if DONE in events else events


def single_newlines(frames: list[bytes]) -> list[bytes]:
    return [f[:-1] if f.endswith(b"\n\n") else f for f in frames]


def cafe(events: list[Event], turn: Turn) -> list[Event]:
    for entry in _entries(events):
        if entry["delta"].get("content"):
            entry["delta"]["content"] += " café crème"
            break
    return events


def latin1(frames: list[bytes]) -> list[bytes]:
    return [f.decode().encode("latin-1", "replace") for f in frames]


def python_repr(events: list[Event], turn: Turn) -> list[Event]:
    for position, event in enumerate(events):
        choices = event.get("choices") if isinstance(event, dict) else None
        if isinstance(choices, list) and any(e["delta"].get("content") for e in choices):
            events[position] = str(event)  # Python's repr: single quotes, None, not JSON
            break
    return events


def metadata_chunk(events: list[Event], turn: Turn) -> list[Event]:
    filters = [{"prompt_index": 0, "content_filter_results": {}}]
    first = {"id": "", "object": "", "created": 0, "model": "", "choices": []}
    return [{**first, "prompt_filter_results": filters}, *events]


def changing_id(chunk: dict[str, Any], number: int) -> None:
    chunk["id"] = f"{chunk['id']}.{number}"


def wrong_object(chunk: dict[str, Any], number: int) -> None:
    chunk["object"] = "text_completion"


def index_counter(chunk: dict[str, Any], number: int) -> None:
    for entry in chunk["choices"]:
        entry["index"] = number


def index_zero(entry: dict[str, Any]) -> None:
    entry["index"] = 0


def role_always(entry: dict[str, Any]) -> None:
    entry["delta"]["role"] = "assistant"


# --- usage in streams ---------------------------------------------------------------------------


def usage_on_finish(events: list[Event], turn: Turn) -> list[Event]:
    chunks = list(_chunks(events))
    usage_chunks = [c for c in chunks if c["choices"] == [] and c.get("usage")]
    finishing = [c for c in chunks if c["choices"] and c["choices"][-1].get("finish_reason")]
    if not usage_chunks or not finishing:
        return events
    finishing[-1]["usage"] = usage_chunks[-1]["usage"]
    return [e for e in events if e is not usage_chunks[-1]]


def usage_everywhere(events: list[Event], turn: Turn) -> list[Event]:
    for chunk in _chunks(events):
        chunk["usage"] = usage_body(turn.completion.usage)
    return events


def total_without_prompt(completion: Completion, params: Params) -> Completion:
    usage = completion.usage
    wrong = Usage(usage.prompt_tokens, usage.completion_tokens, usage.completion_tokens)
    return dataclasses.replace(completion, usage=wrong)


# --- tool calls ---------------------------------------------------------------------------------


def arguments_object(body: dict[str, Any], turn: Turn) -> dict[str, Any]:
    for choice in body["choices"]:
        for call in choice["message"].get("tool_calls") or ():
            if call["type"] == "function":
                with contextlib.suppress(ValueError):  # a call cut by the cap stays a string
                    call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    return body


def python_arguments(output: Output, params: Params) -> Output:
    calls = []
    for call in output.calls:
        try:
            decoded = json.loads(call.arguments)
        except ValueError:
            calls.append(call)
            continue
        calls.append(dataclasses.replace(call, pieces=tuple(pieces(str(decoded)))))
    return dataclasses.replace(output, calls=tuple(calls))


def leak_calls(output: Output, params: Params) -> Output:
    if not output.calls:
        return output
    text = "".join(
        f'<tool_call>{{"name": "{call.name}", "arguments": {call.arguments or "{}"}}}</tool_call>'
        for call in output.calls
    )
    leaked = _with_text(dataclasses.replace(output, finish_reason="stop"), text, params.cap)
    return dataclasses.replace(leaked, calls=())


def delta_object(entry: dict[str, Any]) -> None:
    calls = entry["delta"].get("tool_calls")
    if isinstance(calls, list) and len(calls) == 1:
        entry["delta"]["tool_calls"] = calls[0]


def no_call_index(events: list[Event], turn: Turn) -> list[Event]:
    for _, fragment in _fragments(events):
        fragment.pop("index", None)
    return events


def constant_call_index(events: list[Event], turn: Turn) -> list[Event]:
    for _, fragment in _fragments(events):
        fragment["index"] = 0
    return events


def repeat_name(events: list[Event], turn: Turn) -> list[Event]:
    first: dict[tuple[int, Any], dict[str, Any]] = {}
    for choice, fragment in _fragments(events):
        key = (choice, fragment.get("index"))
        if key not in first:
            first[key] = fragment
            continue
        start = first[key]
        fragment.update(id=start.get("id"), type=start.get("type"))
        fragment.setdefault("function", {})["name"] = start.get("function", {}).get("name")
    return events


def late_name(events: list[Event], turn: Turn) -> list[Event]:
    pending: dict[tuple[int, Any], str | None] = {}
    for choice, fragment in _fragments(events):
        key = (choice, fragment.get("index"))
        function = fragment.setdefault("function", {})
        if key not in pending:
            pending[key] = function.pop("name", None)
        elif pending[key] is not None:
            function["name"] = pending[key]
            pending[key] = None
    return events


def drop_calls(events: list[Event], turn: Turn) -> list[Event]:
    for entry in _entries(events):
        entry["delta"].pop("tool_calls", None)
        if entry.get("finish_reason") == "tool_calls":
            entry["finish_reason"] = "stop"
    return events


def calls_despite_none(params: Params) -> Params:
    if params.tools and params.tool_mode == "none":
        return dataclasses.replace(params, tool_mode="required")
    return params


def forcing_ignored(params: Params) -> Params:
    if params.tool_mode == "required" or params.forced is not None:
        return dataclasses.replace(params, tool_mode="none", forced=None)
    return params


# --- content, output and logprobs ---------------------------------------------------------------

_THINK: Final = (
    "<think>\nThe user wants a few words. I will pick them from my vocabulary.\n</think>\n\n"
)


def think(output: Output, params: Params) -> Output:
    if output.content is None or params.format != "text":
        return output
    return _with_text(output, _THINK + output.content, params.cap)


def _empty(output: Output, params: Params) -> Output:
    empty = dataclasses.replace(_with_text(output, ""), calls=(), finish_reason="stop")
    return dataclasses.replace(empty, content=None)


def empty_success(completion: Completion, params: Params) -> Completion:
    emptied = each_output(_empty)(completion, params)
    return dataclasses.replace(emptied, usage=Usage(0, 0, 0))


def json_mode_only(params: Params) -> Params:
    if params.format == "json_schema":
        return dataclasses.replace(params, format="json_object", schema=None)
    return params


def _legacy(logprobs: Any) -> Any:
    if not isinstance(logprobs, dict) or not isinstance(logprobs.get("content"), list):
        return logprobs
    entries = logprobs["content"]
    offsets, at = [], 0
    for entry in entries:
        offsets.append(at)
        at += len(entry["token"])
    return {
        "tokens": [e["token"] for e in entries],
        "token_logprobs": [e["logprob"] for e in entries],
        "top_logprobs": [{t["token"]: t["logprob"] for t in e["top_logprobs"]} for e in entries],
        "text_offset": offsets,
    }


def legacy_body(body: dict[str, Any], turn: Turn) -> dict[str, Any]:
    for choice in body["choices"]:
        choice["logprobs"] = _legacy(choice.get("logprobs"))
    return body


def legacy_entry(entry: dict[str, Any]) -> None:
    entry["logprobs"] = _legacy(entry.get("logprobs"))


def one_more_alternative(params: Params) -> Params:
    if params.logprobs:
        return dataclasses.replace(params, top_logprobs=params.top_logprobs + 1)
    return params


# --- errors -------------------------------------------------------------------------------------


def _message(reply: ErrorReply) -> str:
    error = reply.body.get("error") if isinstance(reply.body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message) if message is not None else "error"


def vllm_envelope(reply: ErrorReply) -> ErrorReply:
    error = reply.body.get("error", {}) if isinstance(reply.body, dict) else {}
    body = {
        "object": "error",
        "message": _message(reply),
        "type": "BadRequestError" if reply.status == 400 else "APIError",
        "param": error.get("param"),
        "code": reply.status,
    }
    return dataclasses.replace(reply, body=body)


def llama_envelope(reply: ErrorReply) -> ErrorReply:
    error = reply.body.get("error", {}) if isinstance(reply.body, dict) else {}
    body = {"error": {"code": reply.status, "message": _message(reply), "type": error.get("type")}}
    return dataclasses.replace(reply, body=body)


def no_retry_after(reply: ErrorReply) -> ErrorReply:
    headers = {k: v for k, v in reply.headers.items() if k.lower() != "retry-after"}
    return dataclasses.replace(reply, headers=headers)


def unknown_model_crash(reply: ErrorReply) -> ErrorReply:
    error = reply.body.get("error", {}) if isinstance(reply.body, dict) else {}
    if error.get("code") != "model_not_found":
        return reply
    body = {
        "error": {"code": 500, "message": "KeyError: model not registered", "type": "server_error"}
    }
    return ErrorReply(500, body, reply.headers)


def bare_error_event(events: list[Event], turn: Turn) -> list[Event]:
    for position, event in enumerate(events):
        if isinstance(event, dict) and isinstance(event.get("error"), dict):
            message = event["error"].get("message", "error")
            events[position] = {
                "error": f"Request failed during generation: {message}",
                "error_type": "generation",
            }
    return events
