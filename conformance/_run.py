"""A live run: send the targeted and generated scenarios, judge every exchange, build the report.

The report holds one verdict per check (a certification reads per requirement): failed if any
exchange failed it (with the evidence of the smallest failing request and a curl that reproduces
it), passed if it held wherever it applied, skipped with the reason if it never applied.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from conformance._client import WRONG_KEY, Budget, Client, Limits
from conformance._errors import BudgetExhausted, TargetUnreachable
from conformance._exchange import Exchange
from conformance._profile import Profile
from conformance._reproduce import curl
from conformance._results import CheckResult, Failure
from conformance._scenarios import SCENARIOS, Probe, Scenario
from conformance._shrink import Body, shrink
from conformance.checks import REGISTRY, Check, run_checks
from conformance.report import Entry, RunReport, Target

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    base_url: str
    profile: Profile
    model: str | None = None
    api_key: str | None = None
    api_key_env: str | None = None  # named in reproductions instead of the key itself
    seed: int = 0
    max_examples: int = 25
    max_shrinks: int = 10  # requests spent making failing generated requests smaller
    budget: Budget = field(default_factory=Budget)
    limits: Limits = field(default_factory=Limits)
    concurrency: int = 4
    # Run beside the catalogue's own; the embedded run adds those that need the reference
    # router's test headers (see conformance._embedded).
    extra_scenarios: tuple[Scenario, ...] = ()


@dataclass(frozen=True, slots=True)
class Judged:
    """One exchange of the run with the verdicts of its checks."""

    scenario: str
    probe: Probe
    exchange: Exchange
    results: tuple[CheckResult, ...]


def _refused_cleanly(exchange: Exchange, profile: Profile) -> str | None:
    """Why a feature counts as unsupported: a 4xx in the error envelope; else None."""
    if exchange.kind != "error" or not 400 <= exchange.status < 500 or exchange.status == 429:
        return None
    body = exchange.json
    if not profile.error.is_valid(body):
        return None
    return f"{exchange.status} {str(body['error']['message'])[:160]}"


def _judge(scenario: Scenario | str, probe: Probe, exchange: Exchange, profile: Profile) -> Judged:
    name = scenario if isinstance(scenario, str) else scenario.name
    results = tuple(run_checks(exchange, profile))
    if isinstance(scenario, Scenario) and scenario.feature is not None:
        refused = _refused_cleanly(exchange, profile)
        if refused is not None:
            reason = f"the target does not offer {scenario.feature}: it answered {refused}"
            results = tuple(
                r._replace(status="skipped", failures=(), reason=reason) for r in results
            )
    return Judged(name, probe, exchange, results)


class Runner:
    """Drives one run against one target."""

    def __init__(self, options: RunOptions, progress: Progress) -> None:
        self.options = options
        self.progress = progress
        self.client = Client(
            options.base_url, api_key=options.api_key, budget=options.budget, limits=options.limits
        )
        self.judged: list[Judged] = []

    def send(self, scenario: Scenario | str, probe: Probe) -> Judged:
        """Send one probe and judge the answer."""
        exchange = self.client.send(
            probe.body,
            method=probe.method,
            retry=probe.retry,
            auth=probe.auth,
            headers=probe.headers,
            intent=probe.intent,
            label=scenario if isinstance(scenario, str) else scenario.name,
        )
        return _judge(scenario, probe, exchange, self.options.profile)

    def model(self) -> str:
        if self.options.model:
            return self.options.model
        models = self.client.models()
        if not models:
            raise TargetUnreachable(f"GET {self.client.base_url}/models lists no model")
        self.progress(f"no --model given: using {models[0]!r}, the first model GET /models lists")
        return models[0]

    def targeted(self, model: str) -> None:
        catalogue = [*SCENARIOS, *self.options.extra_scenarios]
        probes = [
            (s, probe)
            for s in catalogue
            if self.options.api_key or not s.needs_key
            for probe in [s.build(model)]
            if self._documented(s, probe)
        ]
        with ThreadPoolExecutor(self.options.concurrency) as pool:
            for judged in pool.map(lambda pair: self.send(*pair), probes):
                self._record(judged)

    def _documented(self, scenario: Scenario, probe: Probe) -> bool:
        """Whether the profile documents what a feature scenario asks for: its feature is among
        the profile's capabilities and its request is valid under the profile's schema. Asking
        for an undocumented feature judges nothing the profile promises, so it is not sent."""
        if scenario.feature is None:
            return True
        profile = self.options.profile
        if scenario.feature not in profile.capabilities:
            self.progress(
                f"{scenario.name:<40} not sent: {profile.id} does not document {scenario.feature}"
            )
            return False
        body = probe.body
        if isinstance(body, Mapping) and not profile.request.is_valid(body):
            why = profile.request.explain(body, limit=1)
            reason = f"{why[0].path}: {why[0].message}" if why else "its request schema"
            self.progress(f"{scenario.name:<40} not sent: outside {profile.id} ({reason})")
            return False
        return True

    def generated(self, model: str, *, invalid: bool = True) -> None:
        """Send generated valid requests, then (unless ``invalid`` is off) invalid ones."""
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as with_seed

        from conformance._generate import invalid_requests, valid_requests

        profile = self.options.profile
        # No shrinking: against a paid endpoint every shrink step is a request; the failing
        # request is reported whole, with a curl that replays it.
        bounded = settings(
            max_examples=self.options.max_examples,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )

        @bounded
        @with_seed(self.options.seed)
        @given(valid_requests(profile, model=model))
        def check_valid(request: dict[str, Any]) -> None:
            self._record(self.send("generated.valid", Probe(request)))

        @bounded
        @with_seed(self.options.seed)
        @given(invalid_requests(profile, model=model))
        def check_invalid(case: Any) -> None:
            name = f"generated.invalid {case.field} ({case.rule})"
            self._record(self.send(name, Probe(case.request)))

        check_valid()
        if invalid:
            check_invalid()

    def shrink(self) -> None:
        """Make the first failing generated request of each failed check smaller, within
        ``max_shrinks`` requests in all (see :mod:`conformance._shrink`)."""
        budget = self.options.max_shrinks
        first: dict[str, Judged] = {}
        for judged in self.judged:
            if judged.scenario.startswith("generated."):
                for result in judged.results:
                    if result.status == "failed":
                        first.setdefault(result.check, judged)
        for check_id, judged in first.items():
            if budget <= 0:
                return
            try:
                budget -= self._shrink_one(check_id, judged, budget)
            except BudgetExhausted:
                return

    def _shrink_one(self, check_id: str, judged: Judged, budget: int) -> int:
        """Shrink one failing request; return the requests it took."""
        body = judged.probe.body
        if not isinstance(body, Mapping):
            return 0
        validator = self.options.profile.request
        valid = validator.is_valid(body)
        name = f"{judged.scenario} (shrunk)"

        def still_fails(candidate: Body) -> bool:
            smaller = self.send(name, Probe(candidate))
            self._record(smaller)
            return any(r.check == check_id and r.status == "failed" for r in smaller.results)

        _, spent = shrink(
            body,
            admissible=lambda candidate: validator.is_valid(candidate) == valid,
            still_fails=still_fails,
            budget=budget,
        )
        return spent

    def _record(self, judged: Judged) -> None:
        self.judged.append(judged)
        failed = [r.check for r in judged.results if r.status in ("failed", "error")]
        verdict = "ok" if not failed else f"FAILED {', '.join(sorted(set(failed)))}"
        self.progress(f"{judged.scenario:<40} {judged.exchange.status}  {verdict}")


def _reproduce(options: RunOptions, judged: Judged) -> str:
    """A curl for the probe; the key is named by its environment variable, never written."""
    probe = judged.probe
    url = f"{options.base_url.rstrip('/')}/chat/completions"
    env = options.api_key_env or ("API_KEY" if options.api_key else None)
    command = curl(
        url,
        probe.body,
        api_key_env=env if probe.auth == "key" else None,
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


def _kinds(bad: list[tuple[Judged, CheckResult]]) -> list[tuple[Judged, Failure | None, str]]:
    """Each distinct way the check failed, smallest failing request first: one failure must not
    hide another (a bad key refused with 400 beside a wrong method answered 404)."""
    kinds: dict[str, tuple[Judged, Failure | None, str]] = {}
    for judged, result in sorted(bad, key=lambda pair: _size(pair[0].probe.body)):
        for failure in result.failures or (None,):
            message = failure.message if failure else result.reason or ""
            kinds.setdefault(message, (judged, failure, message))
    return list(kinds.values())


def _failed_entry(
    options: RunOptions, check: Check, bad: list[tuple[Judged, CheckResult]], applied: int
) -> Entry:
    # The smallest failing request is the one to show: after shrinking, usually the shrunk one.
    kinds = _kinds(bad)
    item, failure, message = kinds[0]
    others = [other for _, _, other in kinds[1:_SHOWN_KINDS]]
    if others:
        message = "; ".join([message, *others])
    if len(kinds) > _SHOWN_KINDS:
        message += f"; and {len(kinds) - _SHOWN_KINDS} more (evidence.failures)"
    if len(bad) > 1:
        message += f" (in {len(bad)} of {applied} exchanges)"
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
            "scenarios": sorted({judged.scenario for judged, _ in bad}),
            "failures": [
                {
                    "scenario": judged.scenario,
                    "status": judged.exchange.status,
                    "message": text,
                    "path": one.path if one else None,
                }
                for judged, one, text in kinds[:_LISTED_KINDS]
            ],
        },
        reproduce=_reproduce(options, item),
    )


def aggregate(options: RunOptions, judged: Iterable[Judged]) -> tuple[Entry, ...]:
    """One entry per registered check, from all the exchanges of the run."""
    by_check: dict[str, list[tuple[Judged, CheckResult]]] = {check_id: [] for check_id in REGISTRY}
    for item in judged:
        for result in item.results:
            by_check.setdefault(result.check, []).append((item, result))
    entries = []
    for check_id, verdicts in by_check.items():
        check = REGISTRY[check_id]
        bad = [(j, r) for j, r in verdicts if r.status in ("failed", "error")]
        passed = sum(1 for _, r in verdicts if r.status == "passed")
        if bad:
            entries.append(_failed_entry(options, check, bad, len(bad) + passed))
            continue
        reasons = sorted({r.reason or "" for _, r in verdicts}) or ["no scenario exercised it"]
        entries.append(
            Entry(
                check=check_id,
                requirement=check.requirement.id,
                level=check.level,
                status="passed" if passed else "skipped",
                scenario=f"{passed} exchange(s)" if passed else "",
                message="" if passed else "; ".join(reasons)[:300],
            )
        )
    return tuple(entries)


def run(options: RunOptions, progress: Progress, *, generated: bool = True) -> RunReport:
    """Run the targeted and generated scenarios against the target and build the report."""
    started_at, started = datetime.now(UTC), time.monotonic()
    runner = Runner(options, progress)
    with runner.client:
        model = runner.model()
        try:
            runner.targeted(model)
            if generated:
                runner.generated(model)
                runner.shrink()
        except BudgetExhausted as spent:
            progress(f"stopped: {spent}")
            if not runner.judged:
                raise
    if not any(200 <= j.exchange.status < 300 for j in runner.judged):
        raise TargetUnreachable("every request was refused: the run could not judge any answer")
    spend = runner.client.spend
    return RunReport(
        tool_version=version("chat-conformance"),
        target=Target(options.base_url, options.profile.id, model),
        seed=options.seed,
        started_at=started_at,
        duration_s=time.monotonic() - started,
        requests=spend.requests,
        prompt_tokens=spend.prompt_tokens,
        completion_tokens=spend.completion_tokens,
        entries=aggregate(options, runner.judged),
    )
