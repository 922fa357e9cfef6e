"""The run result model: what a run did and found. Every report format reads only this."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conformance.checks import Status
from conformance.contract import Level

REPORT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str
    profile: str
    model: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One verdict of one check on one scenario, with the evidence behind it."""

    check: str
    requirement: str
    level: Level
    status: Status
    scenario: str
    message: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    reproduce: str = ""

    @property
    def area(self) -> str:
        """The first part of the check ID: stream, response, errors, tool_calls, ..."""
        return self.check.split(".", 1)[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """Everything a report needs: the target, the seed, the budget spent and the verdicts."""

    tool_version: str
    target: Target
    seed: int | None  # None: nothing was generated (recorded exchanges judged offline)
    started_at: datetime
    duration_s: float
    requests: int
    prompt_tokens: int
    completion_tokens: int
    entries: tuple[Entry, ...]
    complete: bool = True  # every phase that judges the MUST requirements ran to its end
    stopped: str | None = None  # why the run ended early: "budget", "unreachable", ...
    coverage: tuple[int, int] = (0, 0)  # documented bounds, and how many were exercised
    concurrency: int = 1  # requests the run kept in flight at once
    ignored: tuple[str, ...] = ()  # ignorable parameters the target was found to ignore

    def count(self, status: Status) -> int:
        return sum(1 for entry in self.entries if entry.status == status)

    @property
    def conformant(self) -> bool:
        """No MUST requirement failed."""
        return not any(e.status == "failed" and e.level == "MUST" for e in self.entries)

    @property
    def strict(self) -> bool:
        """OpenAI's whole contract: no MUST and no SHOULD requirement failed."""
        return not any(e.status == "failed" and e.level in ("MUST", "SHOULD") for e in self.entries)

    @property
    def verdict(self) -> str:
        """The verdict in words, both tiers: to the profile, and to OpenAI's whole contract."""
        if not self.conformant:
            return "NOT CONFORMANT"
        if not self.complete:
            return "INCOMPLETE"
        return "CONFORMANT (strict)" if self.strict else "CONFORMANT (not strict: SHOULD findings)"

    def by_area_and_level(self) -> dict[tuple[str, Level], Counter[str]]:
        """Status counts for each (area, level), for summary tables."""
        table: dict[tuple[str, Level], Counter[str]] = {}
        for entry in self.entries:
            table.setdefault((entry.area, entry.level), Counter())[entry.status] += 1
        return dict(sorted(table.items()))
