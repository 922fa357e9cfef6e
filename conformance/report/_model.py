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
    model: str  # the model judged; with several, their ids joined by ", "
    models: tuple[str, ...] = ()  # every model judged, in order (empty: none, judged offline)


@dataclass(frozen=True, slots=True, kw_only=True)
class Latency:
    """How fast a group of exchanges was answered, in seconds: measured, never judged.

    A group is one scenario of one model, or (``scenario == ""``) all of a model's exchanges.
    Each figure is a median over the exchanges that could show it, or None when none could:
    ``first_token_s`` and the gaps need a stream with content, ``tokens_per_s`` needs usage.
    """

    model: str
    scenario: str
    exchanges: int
    ttfb_s: float | None  # the status line and headers arrived
    first_token_s: float | None  # a stream's first content; else the whole answer
    gap_median_s: float | None  # between consecutive events of a stream
    gap_p95_s: float | None
    tokens_per_s: float | None  # completion tokens per second of generation
    total_s: float | None  # the whole exchange


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
    model: str = ""  # the model the check was judged on ("": judged offline)

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
    latency: tuple[Latency, ...] = ()  # per model: the whole run's figures, then each scenario's

    @property
    def models(self) -> tuple[str, ...]:
        """The models judged, in order; one, or none for exchanges judged offline."""
        return self.target.models

    def latency_of(self, model: str) -> Latency | None:
        """A model's figures over all its exchanges."""
        return next((r for r in self.latency if r.model == model and not r.scenario), None)

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

    def by_model_and_area(self) -> dict[str, dict[str, Counter[str]]]:
        """Status counts for each model and area, for side-by-side tables."""
        table: dict[str, dict[str, Counter[str]]] = {model: {} for model in self.models}
        for entry in self.entries:
            row = table.setdefault(entry.model, {})
            row.setdefault(entry.area, Counter())[entry.status] += 1
        return table

    def by_area_and_level(self) -> dict[tuple[str, Level], Counter[str]]:
        """Status counts for each (area, level), for summary tables."""
        table: dict[tuple[str, Level], Counter[str]] = {}
        for entry in self.entries:
            table.setdefault((entry.area, entry.level), Counter())[entry.status] += 1
        return dict(sorted(table.items()))
