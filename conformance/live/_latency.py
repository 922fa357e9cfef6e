"""Latency of a run, per scenario: measured from each exchange's timing, reported, never judged.

An exchange gives a :class:`Sample`: the time to the headers (first byte), to the first token,
the gaps between a stream's events, the completion tokens per second of generation and the
whole time. A :class:`LatencyBook` keeps a run's samples per scenario in bounded memory and
turns them into the report's :class:`~conformance.report.Latency` rows (medians, and the 95th
percentile of the gaps).
"""

from __future__ import annotations

import random
import statistics
import threading
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from conformance.exchange import Exchange
from conformance.report import Latency

#: Values kept per figure and group: past it, a uniform sample of them (reservoir sampling).
KEPT_VALUES = 2_000

# The delta fields that carry what a model generates: text, reasoning, a refusal, tool calls.
_GENERATED = ("content", "reasoning_content", "reasoning", "refusal", "tool_calls")


@dataclass(frozen=True, slots=True)
class Sample:
    """One exchange's figures, in seconds (None: the exchange cannot show it)."""

    ttfb_s: float
    total_s: float
    first_token_s: float | None
    gaps_s: tuple[float, ...]
    tokens_per_s: float | None


def _generates(chunk: Any) -> bool:
    choices = chunk.get("choices") if isinstance(chunk, dict) else None
    for choice in choices if isinstance(choices, list) else ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and any(delta.get(name) for name in _GENERATED):
            return True
    return False


def _completion_tokens(exchange: Exchange) -> int | None:
    usage = exchange.answer.usage
    if not isinstance(usage, dict):
        return None
    tokens = usage.get("completion_tokens", usage.get("output_tokens"))
    if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens > 0:
        return tokens
    return None


def sample(exchange: Exchange) -> Sample | None:
    """The figures of a successful live exchange; None for an error, a recorded exchange, or
    one that got no answer (its time says how long the target took to fail, not to answer)."""
    timing = exchange.timing
    answered = exchange.kind in ("completion", "stream")
    if timing is None or exchange.elapsed_s is None or not answered:
        return None
    total = exchange.elapsed_s
    if exchange.kind == "completion":
        tokens = _completion_tokens(exchange)
        rate = tokens / total if tokens is not None and total > 0 else None
        return Sample(timing.headers_s, total, total, (), rate)
    events = timing.events_s
    first = next(
        (
            events[payload.position]
            for payload, chunk in exchange.transcript.dict_chunks
            if payload.position < len(events) and _generates(chunk)
        ),
        None,
    )
    gaps = tuple(later - earlier for earlier, later in pairwise(events))
    tokens = _completion_tokens(exchange)
    generating = events[-1] - first if first is not None and events else 0.0
    rate = tokens / generating if tokens is not None and generating > 0 else None
    return Sample(timing.headers_s, total, first, gaps, rate)


class _Reservoir:
    """At most :data:`KEPT_VALUES` values, a uniform sample of all that were added."""

    def __init__(self, rng: random.Random) -> None:
        self.values: list[float] = []
        self.seen = 0
        self._rng = rng

    def add(self, value: float) -> None:
        self.seen += 1
        if len(self.values) < KEPT_VALUES:
            self.values.append(value)
            return
        slot = self._rng.randrange(self.seen)
        if slot < KEPT_VALUES:
            self.values[slot] = value

    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def p95(self) -> float | None:
        if not self.values:
            return None
        if len(self.values) == 1:
            return self.values[0]
        return statistics.quantiles(self.values, n=20, method="inclusive")[-1]


_FIGURES = ("ttfb", "first_token", "gaps", "tokens_per_s", "total")


class _Group:
    def __init__(self, rng: random.Random) -> None:
        self.exchanges = 0
        self.figures = {name: _Reservoir(rng) for name in _FIGURES}

    def add(self, figures: Sample) -> None:
        self.exchanges += 1
        self.figures["ttfb"].add(figures.ttfb_s)
        self.figures["total"].add(figures.total_s)
        if figures.first_token_s is not None:
            self.figures["first_token"].add(figures.first_token_s)
        if figures.tokens_per_s is not None:
            self.figures["tokens_per_s"].add(figures.tokens_per_s)
        for gap in figures.gaps_s:
            self.figures["gaps"].add(gap)

    def row(self, model: str, scenario: str) -> Latency:
        get = self.figures
        return Latency(
            model=model,
            scenario=scenario,
            exchanges=self.exchanges,
            ttfb_s=get["ttfb"].median(),
            first_token_s=get["first_token"].median(),
            gap_median_s=get["gaps"].median(),
            gap_p95_s=get["gaps"].p95(),
            tokens_per_s=get["tokens_per_s"].median(),
            total_s=get["total"].median(),
        )


def group_of(scenario: str) -> str:
    """The scenario a latency row is about: a generated or coverage request's kind, without
    the field it exercises ("coverage.invalid $.n (type)" is "coverage.invalid")."""
    return scenario.split(" ", 1)[0]


class LatencyBook:
    """A run's latency samples by scenario, in memory bounded by :data:`KEPT_VALUES`."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)  # which values a full reservoir keeps: reproducible
        self._lock = threading.Lock()
        self._all = _Group(self._rng)
        self._groups: dict[str, _Group] = {}

    def add(self, scenario: str, exchange: Exchange) -> None:
        figures = sample(exchange)
        if figures is None:
            return
        with self._lock:
            self._all.add(figures)
            name = group_of(scenario)
            self._groups.setdefault(name, _Group(self._rng)).add(figures)

    def rows(self, model: str) -> tuple[Latency, ...]:
        """The run's figures (scenario ""), then each scenario's, by name; none if nothing
        was answered."""
        if not self._all.exchanges:
            return ()
        scenarios = sorted(self._groups.items())
        return (
            self._all.row(model, ""),
            *(group.row(model, name) for name, group in scenarios),
        )
