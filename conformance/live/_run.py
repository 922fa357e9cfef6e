"""A live run: send the scenarios and generated requests, judge every exchange, build the report.

The phases, in order, each within what is left of the budget:

1. the plain request, alone: the baseline a refused feature is measured against;
2. the ignorable parameters, each once with a wrong type (see :mod:`conformance.checks._tiers`);
3. the targeted scenarios (:mod:`_scenarios`);
4. the coverage plan: every documented bound, enum, type, required field and cross-field rule
   of the parameters judged as core, on both sides (:mod:`conformance.generate._coverage`);
5. random generated requests, valid and invalid, with what the budget has left;
6. shrinking of failing generated requests, and a lone replay of each failure that was seen
   only while other requests were in flight;
7. the bounds the coverage phase had no room for, with whatever the budget still holds.

A request that gets no answer is a finding about that exchange (``transport.complete``); only a
target that answers none of several requests in a row ends the run, and the report still says
what was judged before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from conformance.base import (
    BudgetExhausted,
    DeadlineReached,
    Interrupted,
    Limits,
    NotApplicable,
    TargetUnreachable,
)
from conformance.checks import (
    REGISTRY,
    Refusal,
    judged_as,
    refused,
    run_checks,
    wrong_type_probe,
)
from conformance.contract import Profile, profile_names
from conformance.exchange import Control, Exchange
from conformance.generate import Body, CoveragePlan, InvalidCase, ValidCase, same_class, shrink
from conformance.live._aggregate import Replay, Tally, aggregate, failing, reproduce
from conformance.live._client import Budget, Client
from conformance.live._judged import Judged
from conformance.live._latency import LatencyBook
from conformance.live._progress import Judgement, Note, Progress
from conformance.live._record import Recorder
from conformance.live._scenarios import SCENARIOS, Probe, Scenario, as_sent, ask
from conformance.report import RunReport, Target, combined

__all__ = ["Judged", "RunOptions", "Runner", "Tally", "aggregate", "reproduce", "run"]

Stopped = Literal["budget", "deadline", "interrupted", "unreachable"]

#: Requests in a row that got no answer, even on a fresh connection, before the run gives up.
UNREACHABLE_AFTER = 3
#: Requests the coverage phase leaves to the random phase at the least, so that the seed
#: always draws something.
RANDOM_FLOOR = 10
#: Findings seen only under concurrency that are sent again alone, at most.
ALONE_REPLAYS = 8
#: Generated requests drawn by one hypothesis run: what it keeps in memory is bounded by this.
GENERATION_BATCH = 100


@dataclass(frozen=True, slots=True)
class RunOptions:
    base_url: str
    profile: Profile
    model: str | None = None
    # Several models, judged one after the other, each with its share of the budget and time;
    # ``all_models`` judges every model GET …/models lists. Neither: ``model``, or the first
    # model listed.
    models: tuple[str, ...] = ()
    all_models: bool = False
    api_key: str | None = None
    api_key_env: str | None = None  # named in reproductions instead of the key itself
    seed: int = 0
    max_examples: int = 25
    max_shrinks: int = 10  # requests spent making failing generated requests smaller
    budget: Budget = field(default_factory=Budget)
    limits: Limits = field(default_factory=Limits)
    concurrency: int = 4
    # Run beside the catalogue's own; the embedded run adds those that need the reference
    # router's test headers (see conformance.cli._embedded).
    extra_scenarios: tuple[Scenario, ...] = ()
    coverage: bool = True  # the deterministic coverage phase
    max_time_s: float | None = None  # the whole run's deadline; None: no deadline
    record: Path | None = None  # a folder each exchange is written to, as a fixture

    @property
    def replay(self) -> Replay:
        env = self.api_key_env or ("API_KEY" if self.api_key else None)
        return Replay(self.base_url, env)


class _InFlight:
    """Counts the requests in flight, and the most each one saw at once while it ran."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._peaks: dict[int, int] = {}
        self._next = 0

    def start(self) -> int:
        with self._lock:
            token, self._next = self._next, self._next + 1
            self._peaks[token] = 0
            for other in self._peaks:
                self._peaks[other] = max(self._peaks[other], len(self._peaks))
            return token

    def end(self, token: int) -> int:
        with self._lock:
            return self._peaks.pop(token)


class Runner:
    """Drives one run against one target."""

    def __init__(
        self,
        options: RunOptions,
        progress: Progress,
        interrupt: threading.Event | None = None,
        *,
        recorder: Recorder | None = None,
        deadline: float | None = None,
    ) -> None:
        self.options = options
        self.progress = progress
        self.client = Client(
            options.base_url, api_key=options.api_key, budget=options.budget, limits=options.limits
        )
        self.client.deadline = deadline
        if deadline is None and options.max_time_s is not None:
            self.client.deadline = time.monotonic() + options.max_time_s
        self._interrupt = interrupt or threading.Event()
        self.tally = Tally()  # what was judged, in bounded memory
        self.profile = options.profile  # narrowed once the ignored parameters are known
        self.baseline: Exchange | None = None
        self.ignored: dict[str, str] = {}  # ignorable parameter -> what the target answered
        self.implemented: set[str] = set()  # ignorable parameters the target refused broken
        self.bounds: tuple[str, ...] = ()  # documented by the coverage plan
        self.covered: set[str] = set()
        self._rest: tuple[tuple[InvalidCase, ...], tuple[ValidCase, ...]] = ((), ())
        self._flight = _InFlight()
        self._lock = threading.Lock()
        self._silent = 0  # requests in a row with no answer
        self._unreachable: str | None = None  # why the run stopped, once it has
        self.recorder = recorder if recorder is not None else _recorder(options)
        self.latency = LatencyBook(options.seed)

    # --- sending and judging -------------------------------------------------------------------

    def send(self, scenario: Scenario | str, probe: Probe) -> Judged:
        """Send one probe and judge the answer."""
        name = scenario if isinstance(scenario, str) else scenario.name
        if self._unreachable is not None:  # queued before the run stopped: not sent
            raise TargetUnreachable(self._unreachable)
        if self._interrupt.is_set():
            raise Interrupted("interrupted: nothing more is sent")
        token = self._flight.start()
        try:
            exchange = as_sent(probe, self.client.probe(probe, label=name))
        finally:
            peak = self._flight.end(token)
        self._count_silence(exchange)
        self.latency.add(name, exchange)
        if self.recorder is not None:
            sent = probe.body if isinstance(probe.body, Mapping) else None
            self.recorder.write(name, sent, exchange)
        control = self._control(name, probe, exchange)
        if control is not None:
            exchange = replace(
                exchange, control=Control(probe.broken or "", control.exchange.status)
            )
        feature = scenario.feature if isinstance(scenario, Scenario) else None
        refusal = self._refusal(feature, exchange)
        results = tuple(run_checks(exchange, self.profile, refusal=refusal))
        judged = Judged(
            name, probe, _slim(exchange), results, peak, exchange.answered, control=control
        )
        if isinstance(scenario, Scenario) and scenario.follow_up is not None:
            judged = replace(judged, follow_up=self._follow_up(scenario, exchange))
        return judged

    def _follow_up(self, scenario: Scenario, first: Exchange) -> Judged | str:
        """A two-turn scenario's second turn, built from the first turn's whole answer and
        sent as soon as that is judged; or why there is none (the first turn called no tool).
        It is sent without the scenario's feature: the first turn showed the target offers
        it, so a refusal now is no "unsupported" but a broken promise."""
        assert scenario.follow_up is not None
        model = str((first.request or {}).get("model", ""))
        try:
            probe = scenario.follow_up(model, first)
        except NotApplicable as skip:
            return f"{scenario.name} (turn 2) not sent: {skip.reason}"
        return self.send(f"{scenario.name} (turn 2)", probe)

    def _control(self, name: str, probe: Probe, exchange: Exchange) -> Judged | None:
        """An invalid request answered 5xx is sent once more without its violation, and judged:
        when that fails too, the crash comes from a valid part of the request, which
        ``requests.valid_accepted`` reports on the resend, not the broken field."""
        if probe.broken is None or exchange.status < 500 or not isinstance(probe.body, Mapping):
            return None
        fixed = self._without(probe.body, probe.broken)
        if fixed is None:
            return None
        return self.send(f"{name} without {probe.broken}", Probe(fixed))

    def _count_silence(self, exchange: Exchange) -> None:
        with self._lock:
            self._silent = self._silent + 1 if exchange.kind == "no_answer" else 0
            silent = self._silent
        if silent >= UNREACHABLE_AFTER:
            self._unreachable = (
                f"{silent} requests in a row got no answer, even on a fresh connection "
                f"(the last: {exchange.transport_error})"
            )
            raise TargetUnreachable(self._unreachable)

    def _refusal(self, feature: str | None, exchange: Exchange) -> Refusal | None:
        """What a clean refusal of a feature's request says, measured against the baseline: a
        feature is "not offered" only when the plain request of the same run was accepted."""
        if feature is None:
            return None
        answered = refused(exchange, self.profile)
        if answered is None:
            return None
        baseline = self.baseline
        if baseline is not None and 200 <= baseline.status < 300:
            return Refusal(feature, answered)
        plain = "no answer" if baseline is None or baseline.kind == "no_answer" else baseline.status
        return Refusal(feature, answered, baseline=str(plain))

    def _record(self, judged: Judged) -> None:
        if judged.control is not None:
            self._record(judged.control)
            judged = replace(judged, control=None)
        follow_up, judged = judged.follow_up, replace(judged, follow_up=None)
        with self._lock:
            self.tally.add(judged)
        failed = {r.check for r in judged.results if r.status in ("failed", "error")}
        self.progress(Judgement(judged.scenario, judged.exchange.status, tuple(sorted(failed))))
        if isinstance(follow_up, Judged):
            self._record(follow_up)
        elif follow_up is not None:
            self.progress(Note(follow_up))

    def _all(self, pairs: Iterable[tuple[Scenario | str, Probe]]) -> list[Judged]:
        """Send the probes ``concurrency`` at a time; on the first stop, cancel what is queued."""
        pool = ThreadPoolExecutor(self.options.concurrency)
        futures = [pool.submit(self.send, scenario, probe) for scenario, probe in pairs]
        judged = []
        try:
            for future in futures:
                judged.append(future.result())
                self._record(judged[-1])
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return judged

    def _one(self, scenario: Scenario | str, probe: Probe) -> Judged:
        judged = self.send(scenario, probe)
        self._record(judged)
        return judged

    # --- the phases ----------------------------------------------------------------------------

    def model(self) -> str:
        if self.options.model:
            return self.options.model
        models = self.client.models()
        if not models:
            raise TargetUnreachable(f"GET {self.client.base_url}/models lists no model")
        self.progress(
            Note(f"no --model given: using {models[0]!r}, the first model GET /models lists")
        )
        return models[0]

    def plain(self, model: str) -> None:
        """The baseline: one plain request, alone, before anything else."""
        plain = next(s for s in SCENARIOS if s.name == "plain")
        self.baseline = self._one(plain, plain.build(model)).exchange
        if self.baseline.kind == "redirect":
            self.progress(
                Note(
                    f"the plain request was redirected ({self.baseline.status}) to "
                    f"{_without_userinfo(self.baseline.headers.get('location', '?'))}: redirects "
                    "are not followed (the key would go along); give that URL as --base-url"
                )
            )

    def ignorable(self, model: str) -> None:
        """Each ignorable parameter once, wrongly typed: accepted means the target ignores it."""
        pairs = []
        for parameter in self.profile.may_ignore:  # documented ones only (see Profile)
            body = wrong_type_probe(self.profile, ask(model), parameter)
            if body is not None:
                pairs.append((f"platform.{parameter} (wrong type)", Probe(body)))
        for judged in self._all(pairs):
            exchange = judged.exchange
            parameter = judged.scenario.split(" ")[0].removeprefix("platform.")
            if judged.answered:
                self.ignored[parameter] = f"a wrongly typed value was answered {exchange.status}"
            elif 400 <= exchange.status < 500:
                self.implemented.add(parameter)
        # Only a refusal proves a parameter implemented; one whose probe got no answer (a
        # dropped connection, a 5xx) stays ignorable rather than be judged as core on no proof.
        unproven = set(self.profile.may_ignore) - self.implemented
        self.profile = judged_as(self.profile, unproven)
        if self.ignored:
            names = ", ".join(sorted(self.ignored))
            self.progress(Note(f"the target ignores {names}: not sent again"))

    def targeted(self, model: str) -> None:
        catalogue = [*SCENARIOS, *self.options.extra_scenarios]
        probes = [
            (s, probe)
            for s in catalogue
            if s.name != "plain"
            if self.options.api_key or not s.needs_key
            for probe in [s.build(model)]
            if self._documented(s, probe)
        ]
        self._all(probes)

    def _documented(self, scenario: Scenario, probe: Probe) -> bool:
        """Whether the profile documents what a feature scenario asks for: its feature is among
        the profile's capabilities and its request is valid under the profile's schema. Asking
        for an undocumented feature judges nothing the profile promises, so it is not sent."""
        if scenario.feature is None:
            return True
        profile = self.profile
        if scenario.feature not in profile.capabilities:
            self.progress(
                Note(
                    f"{scenario.name:<40} not sent: {profile.id} does not document "
                    f"{scenario.feature}"
                )
            )
            return False
        body = probe.body
        if isinstance(body, Mapping) and not profile.request.is_valid(body):
            why = profile.request.explain(body, limit=1)
            reason = f"{why[0].path}: {why[0].message}" if why else "its request schema"
            self.progress(Note(f"{scenario.name:<40} not sent: outside {profile.id} ({reason})"))
            return False
        return True

    def coverage(self, model: str) -> None:
        """Every documented bound, on both sides (see :mod:`conformance.generate._coverage`):
        the core parameters' first, then those of the ignorable parameters the target implements,
        within what the budget allows beside the random phase's floor and the reserve."""
        from conformance.generate import coverage_plan  # builds hypothesis strategies

        original = self.options.profile
        allowance = max(0, self._left() - self._reserve() - RANDOM_FLOOR)
        core = coverage_plan(original, model)
        if core.requests > allowance:
            core = coverage_plan(original, model, max_requests=allowance)
        same = self.profile.may_ignore == original.may_ignore  # the target implements none
        full = core if same else coverage_plan(self.profile, model)
        self.bounds = tuple(bound.id for bound in full.bounds)
        self.covered |= _probed_types(full, self.implemented)
        core_ids = {bound.id for bound in core.bounds}
        extra_invalid = _round_robin(
            [c for c in full.invalid if c.bound not in core_ids | self.covered]
        )
        extra_valid = [c for c in full.valid if set(c.bounds) - core_ids]
        self._cover(core.invalid, core.valid, allowance)
        allowance = max(0, self._left() - self._reserve() - RANDOM_FLOOR)
        self._cover(tuple(extra_invalid), tuple(extra_valid), allowance)
        self._rest = (
            tuple(c for c in extra_invalid if c.bound not in self.covered),
            tuple(c for c in extra_valid if set(c.bounds) - self.covered),
        )

    def coverage_rest(self) -> None:
        """The bounds the coverage phase had no room for, with what the run has left at its end
        (the reserve for shrinking and lone replays, when they did not need it)."""
        invalid, valid = self._rest
        try:
            self._cover(invalid, valid, max(0, self._left()))
        except BudgetExhausted:
            return  # a split or a resend took the last requests: what was sent is counted

    def _cover(
        self, invalid: tuple[InvalidCase, ...], valid: tuple[ValidCase, ...], allowance: int
    ) -> None:
        # The valid edges get their room first: a few requests hold every documented range's
        # ends at once, and a value refused there is a MUST finding no invalid case can show.
        edges = valid[:allowance]
        invalid = invalid[: max(0, allowance - len(edges))]
        self._all(
            (f"coverage.invalid {c.field} ({c.rule})", Probe(c.request, broken=c.field))
            for c in invalid
        )
        self.covered.update(c.bound for c in invalid)
        for judged, case in zip(
            self._all((f"coverage.valid {', '.join(c.bounds)}", Probe(c.request)) for c in edges),
            edges,
            strict=True,
        ):
            status = judged.exchange.status
            if len(case.bounds) > 1 and 400 <= status < 500 and status not in (408, 429):
                # Several edges in one request were refused: one request per edge says which.
                parts = case.split()
                self._all(
                    (f"coverage.valid {', '.join(p.bounds)}", Probe(p.request)) for p in parts
                )
            self.covered.update(case.bounds)

    def _left(self) -> int:
        return self.options.budget.max_requests - self.client.spend.requests

    def _reserve(self) -> int:
        """Requests kept for shrinking, lone replays and resends of crashed invalid requests."""
        return self.options.max_shrinks + ALONE_REPLAYS + 5

    def _without(self, body: Mapping[str, Any], field: str) -> dict[str, Any] | None:
        """``body`` with the top-level parameter holding ``field`` dropped (or, for the required
        ones, set as the plain request sets them); None when that is still not valid."""
        top = field.removeprefix("$.").split(".")[0].split("[")[0]
        fixed = {k: v for k, v in body.items() if k != top}
        if top in ("model", "messages"):
            fixed[top] = ask(str(body.get("model", "")))[top]
        return fixed if self.profile.request.is_valid(fixed) else None

    def generated(self, model: str, *, invalid: bool = True) -> None:
        """Random valid requests, then (unless ``invalid`` is off) invalid ones, as many as
        the budget has left beside what shrinking may need."""
        from conformance.generate import invalid_requests, valid_requests

        profile = self.profile
        left = self._left() - self._reserve()
        per_kind = min(self.options.max_examples, max(0, left) // (2 if invalid else 1))
        if per_kind < 1:
            self.progress(Note("random generation: no budget left after the coverage phase"))
            return

        def valid(request: dict[str, Any]) -> None:
            self._one("generated.valid", Probe(request))

        def broken(case: Any) -> None:
            scenario = f"generated.invalid {case.field} ({case.rule})"
            self._one(scenario, Probe(case.request, broken=case.field))

        self._in_batches(valid_requests(profile, model=model), valid, per_kind)
        if invalid:
            exclude = frozenset(self.ignored)
            self._in_batches(
                invalid_requests(profile, model=model, exclude=exclude), broken, per_kind
            )

    def _in_batches(self, strategy: Any, send: Callable[[Any], None], examples: int) -> None:
        """Draw ``examples`` values and send each, a batch of at most GENERATION_BATCH at a time:
        hypothesis keeps what it drew for as long as one test runs, so a long run in one piece
        would hold memory in proportion to its length. Batch k is seeded from the run's seed
        and k, so the same --seed draws the same requests."""
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as with_seed

        # What stops the run is raised after hypothesis returns, not through it: raised inside,
        # hypothesis may run the example again, meet the stop at another place, and report the
        # run as flaky instead.
        stopped: list[Exception] = []

        def guarded(value: Any) -> None:
            if stopped:
                return
            try:
                send(value)
            except (BudgetExhausted, DeadlineReached, TargetUnreachable, Interrupted) as stop:
                stopped.append(stop)

        for batch, start in enumerate(range(0, examples, GENERATION_BATCH)):
            # No shrinking by hypothesis: against a paid endpoint every shrink step is a
            # request; shrink() below spends a bounded number of them.
            @settings(
                max_examples=min(GENERATION_BATCH, examples - start),
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @with_seed(self.options.seed + batch * 1_000_003)
            @given(strategy)
            def draw(value: Any) -> None:
                guarded(value)

            draw()
            if stopped:
                raise stopped[0]

    def shrink(self) -> None:
        """Make the first failing generated request of each failed check smaller, within
        ``max_shrinks`` requests in all (see :mod:`conformance.generate._shrink`)."""
        budget = self.options.max_shrinks
        first: dict[str, Judged] = {}
        for judged in self.tally.failing:
            if judged.scenario.startswith("generated."):
                for result in judged.results:
                    if result.status == "failed":
                        first.setdefault(result.check, judged)
        for check_id, judged in first.items():
            if budget <= 0:
                return
            budget -= self._shrink_one(check_id, judged, budget)

    def _shrink_one(self, check_id: str, judged: Judged, budget: int) -> int:
        """Shrink one failing request; return the requests it took."""
        body = judged.probe.body
        if not isinstance(body, Mapping):
            return 0
        name = f"{judged.scenario} (shrunk)"

        def still_fails(candidate: Body) -> bool:
            smaller = self._one(name, Probe(candidate))
            return any(r.check == check_id and r.status == "failed" for r in smaller.results)

        _, spent = shrink(
            body,
            admissible=same_class(self.profile, body),
            still_fails=still_fails,
            budget=budget,
        )
        return spent

    def alone(self) -> dict[str, bool]:
        """Send alone, once, each failure's shown request that was seen only under concurrency
        (MUST findings first, at most ``ALONE_REPLAYS``): whether the same check fails again
        says whether the curl reproduces it. What the budget no longer allows stays unsaid."""
        replayed: dict[str, bool] = {}
        shown = failing(self.tally)
        concurrent = [check_id for check_id, judged in shown.items() if judged.in_flight > 1]
        concurrent.sort(key=lambda check_id: REGISTRY[check_id].level != "MUST")
        for check_id in concurrent[:ALONE_REPLAYS]:
            judged = shown[check_id]
            try:
                again = self._one(f"{judged.scenario} (alone)", judged.probe)
            except BudgetExhausted:
                break
            replayed[check_id] = any(
                r.check == check_id and r.status == "failed" for r in again.results
            )
        return replayed


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _slim(exchange: Exchange) -> Exchange:
    """What the report needs of a judged exchange (status, what broke, the request): its body
    and events are dropped once judged, so a run's memory does not grow with what targets send
    (the failures keep their own bounded excerpts)."""
    return Exchange(
        exchange.request,
        exchange.status,
        {k: v[:500] for k, v in exchange.headers.items() if k == "location"},
        b"",
        None,
        exchange.label,
        exchange.elapsed_s,
        exchange.intent,
        transport_error=exchange.transport_error,
        retried=exchange.retried,
        control=exchange.control,
    )


def _recorded_profile(profile: Profile) -> str:
    """How a recording names its profile: a shipped one by id, a user's by its file."""
    return profile.id if profile.id in profile_names() else str(profile.path)


def _round_robin(cases: list[InvalidCase]) -> list[InvalidCase]:
    """The cases one parameter at a time, a deeper rule before a type (the wrong-type probes
    have shown those): when the budget cuts the list, every parameter got its first cases."""
    seen: dict[str, int] = {}
    ranked = []
    for case in cases:
        parameter = case.field.removeprefix("$.").split(".")[0].split("[")[0]
        rank = seen.get(parameter, 0)
        seen[parameter] = rank + 1
        ranked.append((case.rule == "type", rank, case))
    return [case for *_, case in sorted(ranked, key=lambda item: (item[0], item[1]))]


def _probed_types(plan: CoveragePlan, implemented: Iterable[str]) -> set[str]:
    """The bounds the wrong-type probes already covered: the type of each parameter the target
    was found to implement (or, for a parameter typed by an enum alone, its enum)."""
    fields = {f"$.{parameter}" for parameter in implemented}
    at = [c for c in plan.invalid if c.field in fields]
    typed = {c.field for c in at if c.rule == "type"}
    return {c.bound for c in at if c.rule == "type" or (c.rule == "enum" and c.field not in typed)}


def _recorder(options: RunOptions) -> Recorder | None:
    if options.record is None:
        return None
    return Recorder(
        options.record,
        profile=_recorded_profile(options.profile),
        source=f"recorded by conformance run against {options.base_url}, seed {options.seed}",
        key=options.api_key,
    )


def listed_models(options: RunOptions, progress: Progress) -> tuple[str, ...]:
    """The models a run judges, in order: those named, or every one GET …/models lists."""
    named = tuple(dict.fromkeys((*((options.model,) if options.model else ()), *options.models)))
    if not options.all_models:
        return named
    with Client(options.base_url, api_key=options.api_key, limits=options.limits) as client:
        listed = client.models()
    if not listed:
        raise TargetUnreachable(f"GET {options.base_url}/models lists no model")
    progress(Note(f"--all-models: {len(listed)} models listed by GET /models: {', '.join(listed)}"))
    return tuple(dict.fromkeys((*named, *listed)))


def _share(options: RunOptions, left: int, runs: list[RunReport]) -> Budget:
    """What the next of ``left`` models may spend: an equal part of what the earlier models
    left, so that a model that spent little leaves more to the next."""
    requests = options.budget.max_requests - sum(run.requests for run in runs)
    tokens = options.budget.max_completion_tokens - sum(run.completion_tokens for run in runs)
    return Budget(max(-(-requests // left), 0), max(-(-tokens // left), 0))  # rounded up


def run(
    options: RunOptions,
    progress: Progress,
    *,
    generated: bool = True,
    interrupt: threading.Event | None = None,
) -> RunReport:
    """Run every phase against the target and build the report, also when the run stops early:
    the report then says why (``stopped``) and whether the phases that judge the MUST
    requirements ended (``complete``). Setting ``interrupt`` stops the run: nothing more is
    sent, and what came back is judged.

    With several models (``models``, ``all_models``), each is judged in turn with an equal
    share of what the budget and the deadline still hold, and the report puts them side by
    side; a stop other than a model's spent budget ends the whole run.
    """
    started = time.monotonic()
    deadline = None if options.max_time_s is None else started + options.max_time_s
    recorder = _recorder(options)
    try:
        models = listed_models(options, progress)
    except TargetUnreachable as error:  # GET …/models failed: judged like any other stop
        return _run_one(options, progress, generated, interrupt, recorder, deadline, error)
    if len(models) <= 1:
        one = replace(options, model=models[0] if models else None)
        return _run_one(one, progress, generated, interrupt, recorder, deadline)
    runs: list[RunReport] = []
    for number, model in enumerate(models):
        left = len(models) - number
        budget = _share(options, left, runs)
        if budget.max_requests < 1:  # a budget shared by more models than it has requests
            progress(
                Note(
                    f"stopped: the budget has no request left for {model!r} and the "
                    f"{left - 1} model(s) after it; raise --max-requests to judge them"
                )
            )
            break
        own = None if deadline is None else time.monotonic() + (deadline - time.monotonic()) / left
        progress(
            Note(
                f"model {number + 1} of {len(models)}: {model!r}, with up to "
                f"{budget.max_requests} requests of the budget"
            )
        )
        one = replace(options, model=model, budget=budget)
        runs.append(_run_one(one, progress, generated, interrupt, recorder, own))
        # A model's own share of the time or budget spent leaves the others theirs.
        spent_all = deadline is not None and time.monotonic() >= deadline
        if runs[-1].stopped in ("unreachable", "interrupted") or spent_all:
            break
    if not runs:  # no budget at all: the first model's run says so, as a single run would
        return _run_one(
            replace(options, model=models[0]), progress, generated, interrupt, recorder, deadline
        )
    return combined(runs, models=models)


def _run_one(
    options: RunOptions,
    progress: Progress,
    generated: bool,
    interrupt: threading.Event | None,
    recorder: Recorder | None,
    deadline: float | None,
    unreachable: TargetUnreachable | None = None,
) -> RunReport:
    """Judge one model (``options.model``, or the first listed when None); with
    ``unreachable``, send nothing and report the run stopped by it."""
    started_at, started = datetime.now(UTC), time.monotonic()
    runner = Runner(options, progress, interrupt, recorder=recorder, deadline=deadline)
    stopped: Stopped | None = None
    complete = False
    model = options.model or ""
    alone: dict[str, bool] = {}
    with runner.client:
        try:
            if unreachable is not None:
                raise unreachable
            model = runner.model()
            runner.plain(model)
            runner.ignorable(model)
            runner.targeted(model)
            if options.coverage:
                runner.coverage(model)
            complete = True
            if generated:
                try:  # the random phase spends what is left: running out ends it, not the run
                    runner.generated(model)
                    runner.shrink()
                except BudgetExhausted as spent:
                    progress(Note(f"random generation stopped: {spent}"))
            alone = runner.alone()
            runner.coverage_rest()
        except BudgetExhausted as spent:
            progress(Note(f"stopped: {spent}"))
            stopped = "budget"
        except TargetUnreachable as error:
            progress(Note(f"stopped: the target is unreachable: {error}"))
            stopped, complete = "unreachable", False
        except DeadlineReached as error:
            progress(Note(f"stopped: {error} ({options.max_time_s:g} s)"))
            stopped = "deadline"
        except Interrupted:
            progress(Note("stopped: interrupted; the answers already received are judged"))
            stopped = "interrupted"
    if complete and not runner.tally.answered:
        progress(
            Note(
                "incomplete: no request got a chat completion back (refused, redirected or empty), "
                "so no answer could be judged"
            )
        )
        complete = False
    spend = runner.client.spend
    entries = aggregate(options.replay, runner.tally, alone)
    return RunReport(
        tool_version=version("chat-conformance"),
        target=Target(options.base_url, options.profile.id, model, (model,) if model else ()),
        seed=options.seed,
        started_at=started_at,
        duration_s=time.monotonic() - started,
        requests=spend.requests,
        prompt_tokens=spend.prompt_tokens,
        completion_tokens=spend.completion_tokens,
        entries=tuple(replace(entry, model=model) for entry in entries),
        complete=complete,
        stopped=stopped,
        coverage=(len(runner.bounds), len(runner.covered & set(runner.bounds))),
        concurrency=options.concurrency,
        ignored=tuple(sorted(runner.ignored)),
        latency=runner.latency.rows(model),
    )
