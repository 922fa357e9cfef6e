"""Checks below the body: whether a request got a whole HTTP answer at all.

A dropped, reset or stalled connection is a finding about the exchange it broke, never the end
of the run: the client sends a request that got no answer once more on a fresh connection and
records both attempts on the exchange (``transport_error``, ``retried``).
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.base import NotApplicable
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.contract import Profile
from conformance.exchange import Exchange, Kind

_EVERY_KIND: tuple[Kind, ...] = ("completion", "stream", "error", "redirect", "no_answer")


@check(
    "transport.complete",
    requirement_id="CC-HTTP-03",
    kinds=_EVERY_KIND,
    judges_invalid_requests=True,
)
def answer_complete(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Every request gets a whole HTTP answer: no connection dropped, reset or stalled midway."""
    if exchange.transport_error is None:
        return
    if exchange.kind == "no_answer":
        tried = " twice, the second time on a fresh connection" if exchange.retried else ""
        yield Violation(
            "status",
            "an HTTP answer",
            None,
            f"the request got no answer{tried}: {exchange.transport_error}",
        )
        return
    yield Violation(
        "body",
        "the whole answer",
        exchange.transport_error,
        f"the {exchange.status} answer was cut short: {exchange.transport_error}",
    )


@check(
    "transport.persistent",
    requirement_id="CC-HTTP-04",
    kinds=_EVERY_KIND,
    judges_invalid_requests=True,
)
def answered_first_time(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A request is answered on its first attempt, not only when sent again on a new connection."""
    if exchange.retried is None:
        return  # answered on the first attempt
    if exchange.kind == "no_answer":
        raise NotApplicable("the request got no answer at all: transport.complete reports it")
    yield Violation(
        "connection",
        "an answer on the first attempt, or Connection: close on the answer before",
        exchange.retried,
        f"{exchange.retried}; it was answered only when sent again on a fresh connection",
    )
