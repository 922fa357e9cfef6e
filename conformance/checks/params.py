"""Checks on request parameters outside the core: validated, or ignored at a SHOULD cost."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.base import NotApplicable
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.checks._tiers import only_ignorable
from conformance.contract import Profile
from conformance.exchange import Exchange


@check(
    "params.platform_ignored",
    requirement_id="CC-PARAM-01",
    kinds=("completion", "stream", "error"),
    judges_invalid_requests=True,
)
def platform_parameters_validated(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A broken value of a parameter outside the core is refused, not silently ignored."""
    broken = only_ignorable(profile, exchange.requested)
    if not broken:
        raise NotApplicable("the request breaks no parameter outside the core on its own")
    if exchange.status >= 500:
        raise NotApplicable("a 5xx to a broken request: errors.invalid_request judges it")
    if exchange.kind == "error":
        return
    if not exchange.answered:
        raise NotApplicable(
            f"answered {exchange.status} with no chat completion in it: that shows no value was "
            "ignored"
        )
    names = ", ".join(sorted(broken))
    yield Violation(
        "status",
        "a 4xx error, as OpenAI answers a broken value of its platform parameters",
        exchange.status,
        f"the target ignores {names}: a broken value was answered {exchange.status}",
    )
