"""One exchange judged: what was sent, what came back, and the result of every check on it.

A live run and ``conformance validate`` both produce these, and one aggregation turns them
into the report's entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.checks import CheckResult, Status
from conformance.exchange import Exchange
from conformance.live._scenarios import Probe


@dataclass(frozen=True, slots=True)
class Judged:
    """One exchange with the results of its checks."""

    scenario: str  # the scenario that sent it, or the file it was recorded in
    probe: Probe
    exchange: Exchange
    results: tuple[CheckResult, ...]
    in_flight: int = 1  # requests the run had in flight when this one was sent, itself included
    answered: bool = False  # a success with a chat completion in it (Exchange.answered)
    profile: str | None = None  # the profile it was judged under, when not the run's
    control: Judged | None = None  # the resend without the violation (Exchange.control)
    # A two-turn scenario's second turn, judged; or why it was not sent.
    follow_up: Judged | str | None = None

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def must_failed(self) -> bool:
        return any(r.status == "failed" and r.level == "MUST" for r in self.results)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.status in ("failed", "error"))
