"""Bounded shrinking of a failing request (pure: the predicate stands in for a request)."""

from __future__ import annotations

from typing import Any

from conformance._shrink import Body, candidates, shrink

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
