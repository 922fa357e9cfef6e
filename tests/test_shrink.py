"""Bounded shrinking of a failing request (pure: the predicate stands in for a request), and the
class a shrunk request must stay in."""

from __future__ import annotations

from typing import Any

from conformance.contract._cross_field import OFFERED_TOOL
from conformance.contract._profile import load_profile
from conformance.generate._shrink import Body, candidates, same_class, shrink, violations

BODY: dict[str, Any] = {
    "model": "m",
    "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
    "temperature": 0.5,
    "n": 3,
    "stream": True,
    "stream_options": {"include_usage": True},
}


def test_candidates_never_drop_model_or_every_message() -> None:
    for candidate in candidates(BODY):
        assert candidate["model"] == "m"
        assert candidate["messages"]
        assert len(candidate) + len(candidate["messages"]) < len(BODY) + len(BODY["messages"])


def test_shrinks_to_what_the_failure_needs() -> None:
    calls: list[Body] = []

    def still_fails(body: Body) -> bool:
        calls.append(body)
        return body.get("n") == 3  # the failure needs n=3 and nothing else

    smallest, spent = shrink(BODY, admissible=lambda b: True, still_fails=still_fails, budget=50)
    assert smallest == {"model": "m", "messages": [BODY["messages"][-1]], "n": 3}
    assert spent == len(calls)


def test_inadmissible_candidates_cost_no_request() -> None:
    # stream_options without stream breaks the request schema: never sent.
    def admissible(body: Body) -> bool:
        return "stream_options" not in body or body.get("stream") is True

    sent: list[Body] = []

    def still_fails(body: Body) -> bool:
        sent.append(body)
        return True

    smallest, _ = shrink(BODY, admissible=admissible, still_fails=still_fails, budget=50)
    assert all(admissible(body) for body in sent)
    assert smallest == {"model": "m", "messages": [BODY["messages"][-1]]}
    assert any("stream" in body and "stream_options" not in body for body in sent)


def test_the_budget_bounds_the_requests() -> None:
    sent: list[Body] = []

    def still_fails(body: Body) -> bool:
        sent.append(body)
        return False

    smallest, spent = shrink(BODY, admissible=lambda b: True, still_fails=still_fails, budget=3)
    assert spent == 3 == len(sent)
    assert smallest == BODY


# -- the class of a request: what shrinking may send --------------------------------------------

PROFILE = load_profile()
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
FORCED: dict[str, Any] = {
    "model": "m",
    "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
    "max_tokens": 16,
    "tools": [TOOL],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
}


def test_a_valid_request_never_loses_the_tool_its_choice_names() -> None:
    """The reported case: shrinking dropped tools and kept the named tool_choice, and
    tool_calls.forced then demanded a call to a tool never offered."""
    admissible = same_class(PROFILE, FORCED)
    sent: list[Body] = []

    def still_fails(body: Body) -> bool:
        sent.append(body)
        return "tool_choice" in body  # the failure needs the forced call

    smallest, _ = shrink(FORCED, admissible=admissible, still_fails=still_fails, budget=50)
    assert sent, "shrinking sent nothing"
    assert all(PROFILE.request.is_valid(body) for body in sent)
    assert not any("tool_choice" in body and "tools" not in body for body in sent)
    kept = {"model", "messages", "tools", "tool_choice"}
    assert smallest == {
        **{k: v for k, v in FORCED.items() if k in kept},
        "messages": FORCED["messages"][-1:],
    }
    # Without the class, the same shrink drops tools: the predicate is what prevents it.
    loose, _ = shrink(FORCED, admissible=lambda b: True, still_fails=still_fails, budget=50)
    assert "tools" not in loose
    assert "tool_choice" in loose


def test_an_invalid_request_keeps_exactly_its_violation() -> None:
    # top_logprobs above its maximum, with logprobs true: one violation. Dropping logprobs
    # would add a second (top_logprobs needs logprobs: true); dropping top_logprobs would lose it.
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "u"}],
        "temperature": 0.5,
        "logprobs": True,
        "top_logprobs": 21,
    }
    admissible = same_class(PROFILE, body)
    assert not admissible({k: v for k, v in body.items() if k != "logprobs"})
    assert not admissible({k: v for k, v in body.items() if k != "top_logprobs"})
    assert not admissible({**body, "temperature": 3})  # a violation added
    assert admissible({k: v for k, v in body.items() if k != "temperature"})
    sent: list[Body] = []

    def still_fails(candidate: Body) -> bool:
        sent.append(candidate)
        return True

    smallest, _ = shrink(body, admissible=admissible, still_fails=still_fails, budget=50)
    assert smallest == {k: v for k, v in body.items() if k != "temperature"}
    for candidate in sent:
        errors = PROFILE.request.explain(candidate)
        assert [(e.path, e.keyword) for e in errors] == [("$.top_logprobs", "maximum")]


def test_an_invalid_cross_field_request_keeps_its_rule() -> None:
    # A named tool_choice beside no tools breaks the offered-tool rule, and only it: dropping
    # tool_choice would make the request valid, so it is never sent.
    body = {**FORCED, "tool_choice": {"type": "function", "function": {"name": "other"}}}
    admissible = same_class(PROFILE, body)
    assert violations(PROFILE.request, body) == {("$.tool_choice", OFFERED_TOOL, "")}
    assert not admissible({k: v for k, v in body.items() if k != "tool_choice"})
    # Dropping tools keeps the same violation: the choice still names no offered tool.
    assert admissible({k: v for k, v in body.items() if k != "tools"})
    assert admissible({k: v for k, v in body.items() if k != "max_tokens"})


def test_a_valid_class_refuses_every_invalid_candidate() -> None:
    admissible = same_class(PROFILE, BODY)
    assert admissible(BODY)
    assert not admissible({k: v for k, v in BODY.items() if k != "stream"})  # orphaned options
    assert not admissible({**BODY, "n": 0})
