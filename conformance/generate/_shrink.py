"""Bounded shrinking: the smallest request that still fails a check, found one request at a time.

Hypothesis shrinks only a test that raises, and a raise ends generation at the first failure,
while a run must collect every failure of every generated case. So a run generates without
shrinking and shrinks afterwards, here: for each failed check, the first generated request that
failed it loses one part at a time (an optional parameter, a message), and a step is kept when
the smaller request still fails that same check. Every step is a real request, so steps are
bounded by a budget (``--max-shrinks``): against a paid endpoint, shrinking must stay cheap.

A candidate must stay in the original's class (:func:`same_class`), so that an answer to the
smaller request means what the answer to the original meant: a valid request stays valid, the
cross-field rules included (dropping ``tools`` must not leave a named ``tool_choice`` behind,
for which no answer can pass ``tool_calls.forced``; dropping ``stream`` must not orphan
``stream_options``); an invalid one keeps exactly its violations, each at the same place by
the same rule, none added and none lost (dropping ``logprobs`` beside a too large
``top_logprobs`` would add one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from conformance.contract import Profile, SchemaValidator

__all__ = ["Body", "candidates", "same_class", "shrink", "violations"]

Body = Mapping[str, Any]

#: Enough explained violations to tell two requests apart (a shrunk request has no more).
_EXPLAINED = 50

_KEPT = frozenset({"model", "messages"})


def candidates(body: Body) -> Iterator[dict[str, Any]]:
    """Smaller variants of ``body``, boldest first: each drops one part."""
    messages = body.get("messages")
    if isinstance(messages, list) and len(messages) > 1:
        yield {**body, "messages": messages[-1:]}
    for key in body:
        if key not in _KEPT:
            yield {k: v for k, v in body.items() if k != key}
    if isinstance(messages, list) and len(messages) > 2:
        for index in range(len(messages) - 1):
            yield {**body, "messages": messages[:index] + messages[index + 1 :]}


def violations(validator: SchemaValidator, body: Body) -> frozenset[tuple[str, str, str]]:
    """``(path, keyword, what)`` of each violation of ``body``: ``("$.temperature", "maximum",
    "")``; at the top (``$``), ``what`` is the message, which names the missing property."""
    if validator.is_valid(body):
        return frozenset()
    return frozenset(
        (e.path, e.keyword, e.message if e.path == "$" else "")
        for e in validator.explain(body, limit=_EXPLAINED)
    )


def same_class(profile: Profile, body: Body) -> Callable[[Body], bool]:
    """Whether a candidate is in ``body``'s class under the profile's request schema and its
    cross-field rules: valid when ``body`` is valid; else broken in exactly the same places by
    the same rules (see the module docstring). Free: no request is sent."""
    validator = profile.request
    if validator.is_valid(body):
        return validator.is_valid
    original = violations(validator, body)
    return lambda candidate: violations(validator, candidate) == original


def shrink(
    body: Body,
    *,
    admissible: Callable[[Body], bool],
    still_fails: Callable[[Body], bool],
    budget: int,
) -> tuple[Body, int]:
    """The smallest admissible variant of ``body`` that still fails, and the requests it took.

    ``admissible`` is free (no request); ``still_fails`` sends one request and is called at most
    ``budget`` times.
    """
    spent = 0
    current = body
    progressed = True
    while progressed and spent < budget:
        progressed = False
        for candidate in candidates(current):
            if not admissible(candidate):
                continue
            if spent >= budget:
                break
            spent += 1
            if still_fails(candidate):
                current, progressed = candidate, True
                break
    return current, spent
