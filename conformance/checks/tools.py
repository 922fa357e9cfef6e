"""Checks that compare the tool calls of an answer with the tools the request offered."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.base import NotApplicable
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.contract import Profile
from conformance.exchange import Exchange


@check(
    "tool_calls.arguments",
    requirement_id="CC-TOOL-01",
    kinds=("completion", "stream"),
    feature="tools",
)
def arguments_are_json(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A tool call's arguments string is JSON text encoding an object."""
    calls = [
        call
        for choice in exchange.answer.choices
        # a call cut by the token cap cannot be complete JSON
        if choice.finish_reason != "length"
        for call in choice.tool_calls
        # custom input is free text; the schemas report a non-string
        if call.type != "custom" and isinstance(call.arguments, str)
    ]
    if not calls:
        raise NotApplicable("no complete function tool call to judge")
    for call in calls:
        try:
            decoded = json.loads(call.arguments)
        except ValueError:
            yield Violation(
                f"{call.path}.function.arguments",
                "JSON text",
                call.arguments,
                "the arguments are not valid JSON",
            )
            continue
        if not isinstance(decoded, dict):
            yield Violation(
                f"{call.path}.function.arguments",
                "a JSON object",
                call.arguments,
                "the arguments do not encode an object",
            )


def _tool_name(tool: Any) -> str | None:
    """The name of a function or custom tool definition, if it has one."""
    if not isinstance(tool, dict):
        return None
    kind = tool.get("type", "function")
    spec = tool.get(kind) if isinstance(kind, str) else None
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) else None


def _offered(request: Mapping[str, Any]) -> set[str]:
    tools = request.get("tools")
    names = {_tool_name(tool) for tool in (tools if isinstance(tools, list) else ())}
    return {name for name in names if name is not None}


def _allowed_names(tool_choice: Any) -> set[str] | None:
    """Names an allowed_tools choice admits, or None when the choice sets no such list."""
    if not (isinstance(tool_choice, dict) and tool_choice.get("type") == "allowed_tools"):
        return None
    spec = tool_choice.get("allowed_tools")
    tools = spec.get("tools") if isinstance(spec, dict) else None
    names = {_tool_name(tool) for tool in (tools if isinstance(tools, list) else ())}
    return {name for name in names if name is not None}


def forced_name(tool_choice: Any) -> str | None:
    """The function a named tool_choice forces, if it names one."""
    if isinstance(tool_choice, dict) and tool_choice.get("type") in ("function", "custom"):
        spec = tool_choice.get(tool_choice["type"])
        if isinstance(spec, dict) and isinstance(spec.get("name"), str):
            return str(spec["name"])
    return None


@check(
    "tool_calls.allowed",
    requirement_id="CC-TOOL-02",
    kinds=("completion", "stream"),
    feature="tools",
)
def calls_only_offered_tools(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Tool calls appear only when tools are offered and allowed, and name an offered tool."""
    request = exchange.requested
    offered = _offered(request)
    tool_choice = request.get("tool_choice")
    allowed = _allowed_names(tool_choice)
    if not any(choice.tool_calls for choice in exchange.answer.choices):
        if offered and tool_choice == "none":
            return  # the call tool_choice "none" forbids did not come: judged, and kept
        raise NotApplicable("the answer carries no tool call")
    for choice in exchange.answer.choices:
        for call in choice.tool_calls:
            if not offered:
                yield Violation(
                    call.path,
                    "no tool call: the request offered no tools",
                    call.name,
                    "a tool call without tools offered",
                )
            elif tool_choice == "none":
                yield Violation(
                    call.path,
                    'no tool call under tool_choice "none"',
                    call.name,
                    "a tool call although tool_choice is none",
                )
            elif call.name not in offered:
                yield Violation(
                    call.path,
                    f"one of the offered tools {sorted(offered)}",
                    call.name,
                    "a call to a tool the request did not offer",
                )
            elif allowed is not None and call.name not in allowed:
                yield Violation(
                    call.path,
                    f"one of the allowed tools {sorted(allowed)}",
                    call.name,
                    "a call outside allowed_tools",
                )


def _must_call(tool_choice: Any) -> bool:
    if tool_choice == "required":
        return True
    if isinstance(tool_choice, dict) and tool_choice.get("type") == "allowed_tools":
        spec = tool_choice.get("allowed_tools")
        return isinstance(spec, dict) and spec.get("mode") == "required"
    return forced_name(tool_choice) is not None


@check(
    "tool_calls.forced",
    requirement_id="CC-TOOL-03",
    kinds=("completion", "stream"),
    feature="tools",
)
def forced_choice_obeyed(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """tool_choice "required" yields a tool call; a named choice yields a call to that tool."""
    tool_choice = exchange.requested.get("tool_choice")
    if not _must_call(tool_choice):
        raise NotApplicable("tool_choice does not force a call")
    name = forced_name(tool_choice)
    allowed = _allowed_names(tool_choice)
    offered = _offered(exchange.requested)
    if not (offered if allowed is None else offered & allowed):
        # "required" beside legacy functions only, or an allowed_tools list naming none of the
        # offered tools: the choice leaves nothing to call, so no call can be owed.
        raise NotApplicable("the request offers no tool the choice lets the model call")
    # The cap or a filter may stop generation before the call.
    owed = [choice for choice in exchange.answer.choices if not choice.cut_short]
    if not owed:
        raise NotApplicable("every choice was cut short before the forced call was owed")
    for choice in owed:
        if not choice.tool_calls:
            expected = f"a call to {name!r}" if name else "at least one tool call"
            yield Violation(
                choice.path, expected, choice.content, "the forced tool call is missing"
            )
            continue
        for call in choice.tool_calls:
            if name is not None and call.name != name:
                yield Violation(
                    call.path,
                    f"a call to {name!r}",
                    call.name,
                    "a call to another tool than the one forced",
                )


@check(
    "tool_calls.finish_reason",
    requirement_id="CC-TOOL-04",
    kinds=("completion", "stream"),
    feature="tools",
)
def finish_reason_matches_calls(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A choice that ends in tool calls finishes with "tool_calls", and only such a choice does."""
    choices = exchange.answer.choices
    if not any(c.tool_calls or c.finish_reason == "tool_calls" for c in choices):
        raise NotApplicable('no choice called a tool or finished with "tool_calls"')
    named = (
        exchange.request is None or forced_name(exchange.requested.get("tool_choice")) is not None
    )
    for choice in choices:
        if choice.finish_reason == "tool_calls" and not choice.tool_calls:
            yield Violation(
                choice.finish_path,
                "tool calls in a choice that finishes with tool_calls",
                None,
                'finish_reason "tool_calls" without a tool call',
            )
        elif choice.tool_calls and choice.finish_reason == "stop" and not named:
            # OpenAI answers a named tool_choice with "stop" (vLLM PR 25054): accepted there,
            # and when the request is unknown, since it may have been named.
            yield Violation(
                choice.finish_path,
                '"tool_calls"',
                "stop",
                'the choice called tools but finished with "stop"',
            )
