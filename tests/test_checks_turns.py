"""The checks of the turn after a tool call (conformance.checks.turns), on built exchanges."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from conformance.checks import run_checks
from conformance.contract._profile import load_profile
from conformance.exchange import Exchange

PROFILE = load_profile()
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
CALL = {
    "id": "call_abc123",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
HISTORY = [
    {"role": "user", "content": "Weather in Paris? Use get_weather."},
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_abc123", "content": '{"temperature_c": 18}'},
]
REQUEST = {"model": "m", "messages": HISTORY, "tools": TOOLS, "tool_choice": "auto"}


def _answer(message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
    }


def _exchange(
    body: Any, status: int = 200, request: dict[str, Any] | None = None, follow_up: bool = False
) -> Exchange:
    exchange = Exchange.from_http(
        request=REQUEST if request is None else request,
        status=status,
        headers={"content-type": "application/json"},
        body=json.dumps(body).encode(),
    )
    return dataclasses.replace(exchange, follow_up=follow_up)


def _verdict(exchange: Exchange, check: str) -> str:
    (result,) = [r for r in run_checks(exchange, PROFILE) if r.check == check]
    return result.status


def _error(message: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param}}


TEXT = _answer({"role": "assistant", "content": "18 °C and clear."})


# --- tool_calls.history_accepted ----------------------------------------------------------------


def test_an_answered_history_passes() -> None:
    assert _verdict(_exchange(TEXT), "tool_calls.history_accepted") == "passed"


def test_a_crash_on_a_history_fails() -> None:
    crash = _exchange({"error": {"message": "KeyError: 'tool'"}}, status=500)
    assert _verdict(crash, "tool_calls.history_accepted") == "failed"


def test_a_refusal_worded_as_a_capability_is_a_skip_unless_the_call_was_the_targets_own() -> None:
    refusal = _error("Unsupported role: tool")
    assert _verdict(_exchange(refusal, 400), "tool_calls.history_accepted") == "skipped"
    own = _exchange(refusal, 400, follow_up=True)
    assert _verdict(own, "tool_calls.history_accepted") == "failed"


def test_a_refusal_of_the_history_fails() -> None:
    refusal = _error("Invalid 'content': 'content' field must be a string", "messages[1].content")
    assert _verdict(_exchange(refusal, 400), "tool_calls.history_accepted") == "failed"


def test_a_refusal_blaming_another_parameter_is_a_skip() -> None:
    request = {**REQUEST, "max_tokens": 16}
    refusal = _exchange(_error("max_tokens is too large", "max_tokens"), 400, request)
    assert _verdict(refusal, "tool_calls.history_accepted") == "skipped"


def test_a_request_without_a_history_is_not_judged() -> None:
    plain = {"model": "m", "messages": HISTORY[:1]}
    crash = _exchange({"error": {"message": "boom"}}, 500, plain)
    assert _verdict(crash, "tool_calls.history_accepted") == "skipped"


# --- tool_calls.fresh_ids -----------------------------------------------------------------------


def _calling(*ids: str) -> dict[str, Any]:
    calls = [{**CALL, "id": call_id} for call_id in ids]
    return _answer({"role": "assistant", "content": None, "tool_calls": calls}, "tool_calls")


def test_a_new_call_with_a_new_id_passes() -> None:
    assert _verdict(_exchange(_calling("call_new1")), "tool_calls.fresh_ids") == "passed"


def test_a_call_reusing_an_answered_id_fails() -> None:
    assert _verdict(_exchange(_calling("call_abc123")), "tool_calls.fresh_ids") == "failed"


def test_two_calls_of_one_choice_sharing_an_id_fail() -> None:
    plain = {"model": "m", "messages": HISTORY[:1], "tools": TOOLS}
    assert _verdict(_exchange(_calling("c1", "c1"), request=plain), "tool_calls.fresh_ids") == (
        "failed"
    )


def test_an_answer_without_calls_is_not_judged_for_ids() -> None:
    assert _verdict(_exchange(TEXT), "tool_calls.fresh_ids") == "skipped"


# --- tool_calls.follow_up_answered --------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        {"role": "assistant", "content": "18 °C and clear."},
        {"role": "assistant", "content": "", "tool_calls": [{**CALL, "id": "call_new1"}]},
        {"role": "assistant", "content": None, "refusal": "I cannot share that."},
    ],
    ids=["text", "another-call", "refusal"],
)
def test_an_answer_to_the_results_that_says_something_passes(message: dict[str, Any]) -> None:
    finish = "tool_calls" if "tool_calls" in message else "stop"
    exchange = _exchange(_answer(message, finish))
    assert _verdict(exchange, "tool_calls.follow_up_answered") == "passed"


@pytest.mark.parametrize("content", ["", None, "  "])
def test_an_empty_answer_to_the_results_fails(content: str | None) -> None:
    exchange = _exchange(_answer({"role": "assistant", "content": content}))
    assert _verdict(exchange, "tool_calls.follow_up_answered") == "failed"


def test_an_answer_cut_at_the_cap_is_not_judged() -> None:
    exchange = _exchange(_answer({"role": "assistant", "content": ""}, "length"))
    assert _verdict(exchange, "tool_calls.follow_up_answered") == "skipped"


def test_a_request_that_does_not_end_with_results_is_not_judged() -> None:
    request = {**REQUEST, "messages": [*HISTORY, {"role": "user", "content": "And Lyon?"}]}
    exchange = _exchange(_answer({"role": "assistant", "content": ""}), request=request)
    assert _verdict(exchange, "tool_calls.follow_up_answered") == "skipped"
