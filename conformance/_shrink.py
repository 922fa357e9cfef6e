"""Bounded shrinking: the smallest request that still fails a check, found one request at a time.

Hypothesis shrinks only a test that raises, and a raise ends generation at the first failure,
while a run must collect every failure of every generated case. So a run generates without
shrinking and shrinks afterwards, here: for each failed check, the first generated request that
failed it loses one part at a time (an optional parameter, a message), and a step is kept when
the smaller request still fails that same check. Every step is a real request, so steps are
bounded by a budget (``--max-shrinks``): against a paid endpoint, shrinking must stay cheap.

A candidate must keep the original's standing against the request schema: a valid request
must stay valid (dropping ``stream`` would orphan ``stream_options``) and an invalid one must
stay invalid, so a refusal of the smaller request means what the original's meant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Body = Mapping[str, Any]

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
