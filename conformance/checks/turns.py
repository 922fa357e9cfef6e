"""Checks of the turns after a tool call: a request that carries a tool-call history back.

A client that runs a tool sends the whole conversation again: the assistant message that
called it (``content`` null or text, with its ``tool_calls``) and one ``tool`` message per call,
naming the call by its ``tool_call_id`` (OpenAI's openapi spec,
https://github.com/openai/openai-openapi/blob/f85dbe2/openapi.yaml). Servers that pass every
single-turn test break here: they refuse the tool role, crash on the null content they
produced themselves, re-use ids, or go silent after the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.base import NotApplicable
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.checks.requests import (
    CAPABILITY,
    INVALID,
    blamed,
    clip,
    error_text,
    owed_answer_status,
)
from conformance.contract import Profile
from conformance.exchange import Exchange


def _messages(request: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    messages = request.get("messages") if request is not None else None
    return [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []


def answered_ids(request: Mapping[str, Any] | None) -> set[str]:
    """The ids of the tool calls the request's history holds (its assistant messages')."""
    ids = set()
    for message in _messages(request):
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        for call in calls if isinstance(calls, list) else ():
            if isinstance(call, Mapping) and isinstance(call.get("id"), str):
                ids.add(call["id"])
    return ids


def carries_history(request: Mapping[str, Any] | None) -> bool:
    """Whether the messages hold an assistant tool call and a tool message answering one."""
    answered = answered_ids(request)
    return any(
        m.get("role") == "tool" and m.get("tool_call_id") in answered for m in _messages(request)
    )


@check(
    "tool_calls.history_accepted",
    requirement_id="CC-TOOL-05",
    kinds=("completion", "stream", "error"),
    feature="tools",
)
def history_accepted(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A request carrying tool calls and their results is answered: no 5xx, no refusal."""
    if not carries_history(exchange.requested):
        raise NotApplicable("the request carries no tool call with its result")
    if "tools" not in profile.capabilities:
        raise NotApplicable(f"profile {profile.id} does not document tools")
    status = owed_answer_status(exchange, profile, judged="the history")
    if status is None:
        return
    text = clip(error_text(exchange))
    own = " of the target's own tool call" if exchange.follow_up else ""
    if status >= 500:
        yield Violation(
            "status",
            "a 2xx answer: a tool-call history is a valid request",
            status,
            f"the history{own} got {status}: {text}",
        )
        return
    if status not in INVALID:
        raise NotApplicable(f"{status} does not refuse the request as invalid")
    if not exchange.follow_up:
        # A history this target did not produce: its refusal may be a capability it lacks
        # (tools, or the tool role), or a parameter beside the history. Only after the target
        # made the call itself is "not supported" no excuse.
        if CAPABILITY.search(text):
            raise NotApplicable(f"the target does not offer what was asked: {status} {text}")
        others = [name for name in blamed(exchange, text) if name != "messages"]
        if others:
            raise NotApplicable(f"the error blames {', '.join(others)}, not the history")
    yield Violation(
        "status",
        "an answer: the history is inside the contract",
        status,
        f"the target refused the history{own} as invalid ({status}): {text}",
    )


@check(
    "tool_calls.fresh_ids",
    requirement_id="CC-TOOL-06",
    kinds=("completion", "stream"),
    feature="tools",
)
def fresh_ids(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Tool call ids are distinct within a choice and new to the conversation."""
    choices = [
        c for c in exchange.answer.choices if any(isinstance(t.id, str) for t in c.tool_calls)
    ]
    if not choices:
        raise NotApplicable("the answer carries no tool call with an id")
    answered = answered_ids(exchange.request)
    for choice in choices:
        seen: set[str] = set()
        for call in choice.tool_calls:
            if not isinstance(call.id, str):
                continue  # the schema checks judge a missing id
            if call.id in answered:
                yield Violation(
                    f"{call.path}.id",
                    "an id the conversation has not used yet",
                    call.id,
                    "the call re-uses the id of a call the history already answered: a tool "
                    "message can no longer say which call it answers",
                )
            elif call.id in seen:
                yield Violation(
                    f"{call.path}.id",
                    "an id no other call of the choice carries",
                    call.id,
                    "two calls of one choice share an id",
                )
            seen.add(call.id)


@check(
    "tool_calls.follow_up_answered",
    requirement_id="CC-TOOL-07",
    kinds=("completion", "stream"),
    feature="tools",
)
def follow_up_answered(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """The answer to tool results says something or calls a tool: it is not empty."""
    messages = _messages(exchange.requested)
    if not messages or messages[-1].get("role") != "tool":
        raise NotApplicable("the request does not end with tool results")
    owed = [c for c in exchange.answer.choices if not c.cut_short]
    if not owed:
        raise NotApplicable("every choice was cut short before it could answer")
    for choice in owed:
        said = (choice.content or "").strip() or (choice.refusal or "").strip()
        if said or choice.tool_calls:
            continue
        yield Violation(
            choice.content_path,
            "text, or a tool call, answering the tool results",
            choice.content,
            f"the answer to the tool results is empty (finish_reason {choice.finish_reason!r})",
        )
