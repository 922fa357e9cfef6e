"""From judged exchanges to report entries: one verdict per check, with its evidence.

A check failed if any exchange failed it (the evidence of the smallest failing request, every
distinct way it failed, and a curl that replays that exact request), passed if it held on some
exchange, and was skipped, with the reasons, if no exchange gave it anything to judge.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.checks import REGISTRY, Check, CheckResult, Violation
from conformance.exchange import Exchange
from conformance.live._client import WRONG_KEY
from conformance.live._judged import Judged
from conformance.live._reproduce import curl
from conformance.live._scenarios import Probe
from conformance.report import Entry

_KEPT_REASONS = 12  # distinct skip reasons kept per check
_KEPT_FAILING = 25  # exchanges kept per failed check, besides new ways of failing and smaller ones
_KEPT_MESSAGES = 100  # distinct failure messages remembered per check


class Tally:
    """The verdicts of a run, in memory that does not grow with its number of exchanges.

    An exchange that failed a check is kept whole while it can still show something: one of
    the first few failures of a check, a new way of failing it, or a smaller failing request
    (the report shows the smallest; shrinking and lone replays start from these). Of the
    others only what the report needs is counted: how many exchanges passed and failed each
    check, the distinct reasons each was skipped, and whether any answer succeeded.
    """

    def __init__(self) -> None:
        self.failing: list[Judged] = []
        self.exchanges = 0
        self.answered = False  # some exchange got a chat completion back
        self._passed: Counter[str] = Counter()
        self._failed: Counter[str] = Counter()  # failures of exchanges not kept
        self._reasons: dict[str, dict[str, None]] = {}  # check -> skip reasons, in order
        self._kept: Counter[str] = Counter()
        self._messages: dict[str, set[str]] = {}
        self._smallest: dict[str, int] = {}

    @classmethod
    def of(cls, judged: Iterable[Judged]) -> Tally:
        tally = cls()
        for item in judged:
            tally.add(item)
        return tally

    def add(self, item: Judged) -> None:
        self.exchanges += 1
        self.answered = self.answered or item.answered
        failed = [r for r in item.results if r.status in ("failed", "error")]
        if failed and self._worth_keeping(item, failed):
            self.failing.append(item)
            return
        self._count(item, 1)

    def verdicts(self, check_id: str) -> tuple[int, Bad, int, list[str]]:
        """For one check: how many exchanges passed it, the kept failing ones with their
        result, how many failed it in all, and the distinct reasons it was skipped."""
        passed = self._passed[check_id]
        bad: Bad = []
        reasons = dict(self._reasons.get(check_id, {}))
        for item in self.failing:
            for result in item.results:
                if result.check != check_id:
                    continue
                if result.status in ("failed", "error"):
                    bad.append((item, result))
                elif result.status == "passed":
                    passed += 1
                else:
                    reasons.setdefault(result.reason or "", None)
        return passed, bad, len(bad) + self._failed[check_id], list(reasons)

    def _worth_keeping(self, item: Judged, failed: list[CheckResult]) -> bool:
        size = _size(item.probe.body)
        worth = False
        for result in failed:
            check = result.check
            seen = self._messages.setdefault(check, set())
            messages = {f.message for f in result.failures} or {result.reason or ""}
            new = bool(messages - seen) and len(seen) < _KEPT_MESSAGES
            smaller = size < self._smallest.get(check, size + 1)
            worth = worth or self._kept[check] < _KEPT_FAILING or new or smaller
        if worth:
            for result in failed:
                self._kept[result.check] += 1
                self._messages[result.check].update(f.message for f in result.failures)
                self._smallest[result.check] = min(self._smallest.get(result.check, size), size)
        return worth

    def _count(self, item: Judged, sign: int) -> None:
        for result in item.results:
            if result.status == "passed":
                self._passed[result.check] += sign
            elif result.status in ("failed", "error"):
                self._failed[result.check] += sign
            elif sign > 0:
                reasons = self._reasons.setdefault(result.check, {})
                if len(reasons) < _KEPT_REASONS:
                    reasons[result.reason or ""] = None


@dataclass(frozen=True, slots=True)
class Replay:
    """How to reproduce a request: where it went and how the key is named (never written)."""

    base_url: str
    api_key_env: str | None  # None: the target takes no key

    def __call__(self, item: Judged) -> str:
        return reproduce(self, item.probe)


#: The command that shows a judged exchange again: a curl for a live one, ``conformance
#: validate FILE`` for a recorded one.
Reproduction = Callable[[Judged], str]


def reproduce(replay: Replay, probe: Probe) -> str:
    """A curl that sends the exact request of the probe; the key is named by its variable."""
    url = f"{replay.base_url.rstrip('/')}/chat/completions"
    command = curl(
        url,
        probe.body,
        api_key_env=replay.api_key_env if probe.auth == "key" else None,
        method=probe.method,
        headers=probe.headers,
    )
    if probe.auth == "bad":
        command += f" -H 'Authorization: Bearer {WRONG_KEY}'"
    return command


def _size(body: Mapping[str, Any] | bytes | None) -> int:
    if isinstance(body, Mapping):
        return len(json.dumps(body))
    return len(body or b"")


_SHOWN_KINDS = 3  # distinct failures named in an entry's message; all are in its evidence
_LISTED_KINDS = 20  # distinct failures listed in evidence["failures"]

Bad = list[tuple[Judged, CheckResult]]


def _kinds(bad: Bad) -> list[tuple[Judged, Violation | None, str]]:
    """Each distinct way the check failed, smallest failing request first: one failure must not
    hide another (a bad key refused with 400 beside a wrong method answered 404). A failure
    seen on a request sent alone comes before one seen only while others were in flight."""
    kinds: dict[str, tuple[Judged, Violation | None, str]] = {}
    ordered = sorted(bad, key=lambda pair: (pair[0].in_flight > 1, _size(pair[0].probe.body)))
    for judged, result in ordered:
        for failure in result.failures or (None,):
            message = failure.message if failure else result.reason or ""
            kinds.setdefault(message, (judged, failure, message))
    return list(kinds.values())


def failing(tally: Tally) -> dict[str, Judged]:
    """The exchange each failed check's entry shows: its first distinct failure."""
    shown = {}
    for check_id in REGISTRY:
        _, bad, _, _ = tally.verdicts(check_id)
        if bad:
            shown[check_id] = _kinds(bad)[0][0]
    return shown


def _transport(exchange: Exchange) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if exchange.transport_error is not None:
        facts["transport_error"] = exchange.transport_error
    if exchange.retried is not None:
        facts["retried"] = exchange.retried
    return facts


def _concurrency(item: Judged, alone: bool | None) -> dict[str, Any]:
    """Whether the shown failure was seen while other requests were in flight, and whether
    the same request sent alone failed the same way (None: not tried)."""
    if item.in_flight <= 1:
        return {}
    facts: dict[str, Any] = {"in_flight": item.in_flight}
    if alone is not None:
        facts["reproduced_alone"] = alone
    return facts


def _failed_entry(
    replay: Reproduction, check: Check, bad: Bad, failed: int, applied: int, alone: bool | None
) -> Entry:
    # The smallest failing request is the one to show: after shrinking, usually the shrunk one.
    kinds = _kinds(bad)
    item, failure, message = kinds[0]
    others = [other for _, _, other in kinds[1:_SHOWN_KINDS]]
    if others:
        message = "; ".join([message, *others])
    if len(kinds) > _SHOWN_KINDS:
        message += f"; and {len(kinds) - _SHOWN_KINDS} more (evidence.failures)"
    if failed > 1:
        message += f" (in {failed} of {applied} exchanges)"
    if item.in_flight > 1:
        message += f" (seen with {item.in_flight} requests in flight"
        message += {True: "; also alone)", False: "; not when sent alone)", None: ")"}[alone]
    return Entry(
        check=check.id,
        requirement=check.requirement.id,
        level=check.level,
        # "error" only when no exchange failed it: a crash must not hide a finding.
        status="error" if all(r.status == "error" for _, r in bad) else "failed",
        scenario=item.scenario,
        message=message,
        evidence={
            "path": failure.path if failure else None,
            "expected": failure.expected if failure else None,
            "actual": failure.actual if failure else None,
            "status": item.exchange.status,
            **_transport(item.exchange),
            **_concurrency(item, alone),
            "scenarios": sorted({judged.scenario for judged, _ in bad}),
            "failures": [
                {
                    "scenario": judged.scenario,
                    "status": judged.exchange.status,
                    "message": text,
                    "path": one.path if one else None,
                    **({"in_flight": judged.in_flight} if judged.in_flight > 1 else {}),
                }
                for judged, one, text in kinds[:_LISTED_KINDS]
            ],
        },
        reproduce=replay(item),
    )


def _skip_reasons(reasons: list[str]) -> str:
    """Why a check judged nothing: each distinct reason once, the ones that say a feature was
    refused first (they explain the others, such as "no tool_choice was answered")."""
    ordered = sorted(reasons, key=lambda r: ("does not offer" not in r and "refused" not in r, r))
    return "; ".join(ordered or ["no scenario exercised it"])[:300]


def aggregate(
    replay: Reproduction,
    judged: Tally | Iterable[Judged],
    alone: Mapping[str, bool] | None = None,
) -> tuple[Entry, ...]:
    """One entry per registered check, from all the exchanges of the run.

    ``alone`` says, for a failed check whose shown failure was seen under concurrency, whether
    the same request sent alone failed it too.
    """
    tally = judged if isinstance(judged, Tally) else Tally.of(judged)
    entries = []
    for check_id, check in REGISTRY.items():
        passed, bad, failed, reasons = tally.verdicts(check_id)
        if bad:
            confirmed = (alone or {}).get(check_id)
            entries.append(_failed_entry(replay, check, bad, failed, failed + passed, confirmed))
            continue
        entries.append(
            Entry(
                check=check_id,
                requirement=check.requirement.id,
                level=check.level,
                status="passed" if passed else "skipped",
                scenario=f"{passed} exchange(s)" if passed else "",
                message="" if passed else _skip_reasons(reasons),
            )
        )
    return tuple(entries)
