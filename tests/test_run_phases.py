"""The phases of a live run against the reference router on a real loopback socket: a run
judges to the end, measures refusals against its baseline, finds the parameters a target
ignores, sends an invalid request that crashed once more without its violation, and says when a
finding was seen under concurrency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from conformance.contract._profile import DEFAULT_PROFILE, load_profile
from conformance.exchange import Control
from conformance.generate._coverage import coverage_plan
from conformance.live._aggregate import Tally
from conformance.live._client import Budget
from conformance.live._judged import Judged
from conformance.live._run import Runner, RunOptions, aggregate, run
from conformance.live._scenarios import Probe, ask
from conformance.reference import serve_in_thread
from conformance.report import Entry

MODEL = "reference-model"
QUIET = lambda line: None  # noqa: E731


def _options(url: str, **changes: object) -> RunOptions:
    return replace(RunOptions(base_url=url, profile=load_profile(), model=MODEL), **changes)  # type: ignore[arg-type]


def _entries(options: RunOptions, judged: Tally | list[Judged]) -> dict[str, Entry]:
    return {entry.check: entry for entry in aggregate(options.replay, judged)}


def test_a_dropped_connection_is_a_finding_and_the_run_goes_on() -> None:
    with serve_in_thread(faults=["stream-reset"]) as url:
        report = run(_options(url, max_examples=2), QUIET)
    verdicts = {e.check: e for e in report.entries}
    assert report.complete
    assert verdicts["transport.complete"].status == "failed"
    assert "cut short" in verdicts["transport.complete"].message
    assert verdicts["response.schema"].status == "passed"  # the rest is judged as usual


def test_a_request_the_target_never_answers_is_retried_once_and_reported() -> None:
    with serve_in_thread(faults=["drop-connection"]) as url:
        report = run(_options(url, max_examples=2), QUIET)
    verdicts = {e.check: e for e in report.entries}
    assert report.complete
    entry = verdicts["transport.persistent"]
    assert entry.status == "failed"
    assert "fresh connection" in entry.message
    assert "retried" in entry.evidence


def test_a_feature_refused_like_the_plain_request_is_not_called_unsupported(
    reference_url: Callable[[str], str],
) -> None:
    # An unknown model: every request is refused with 404, the plain one included.
    report = run(
        _options(reference_url(DEFAULT_PROFILE), model="conformance-no-such-model-1"), QUIET
    )
    verdicts = {e.check: e for e in report.entries}
    assert not report.complete  # no answer could be judged
    forced = verdicts["tool_calls.forced"]
    assert forced.status == "skipped"
    assert "but the plain request got 404 too" in forced.message
    assert "not offered" not in forced.message


def test_the_parameters_a_target_ignores_are_found_once_and_cost_a_should_finding() -> None:
    with serve_in_thread(faults=["platform-params-ignored"]) as url:
        report = run(_options(url, max_examples=5), QUIET)
    verdicts = {e.check: e for e in report.entries}
    assert report.conformant  # ignoring a parameter outside the core is allowed
    assert not report.strict
    assert verdicts["params.platform_ignored"].status == "failed"
    assert verdicts["params.platform_ignored"].level == "SHOULD"
    assert "metadata" in report.ignored


def test_a_compliant_target_implements_every_ignorable_parameter(
    reference_url: Callable[[str], str],
) -> None:
    runner = Runner(_options(reference_url(DEFAULT_PROFILE)), QUIET)
    with runner.client:
        runner.plain(MODEL)
        runner.ignorable(MODEL)
    assert runner.ignored == {}
    assert runner.profile.may_ignore == {}  # every one is judged as core from now on
    assert runner.tally.exchanges == 1 + len(load_profile().may_ignore)


def test_an_invalid_request_that_crashes_for_a_valid_part_is_not_blamed_on_its_violation() -> None:
    developer = {"role": "developer", "content": "Be brief."}
    broken = {**ask(MODEL), "messages": [developer, *ask(MODEL)["messages"]], "temperature": 5}
    # accept-invalid lets the broken request reach the part that crashes, as a server that
    # validates late does.
    with serve_in_thread(faults=["accept-invalid", "valid-500"]) as url:
        runner = Runner(_options(url), QUIET)
        with runner.client:
            first = runner._one("generated.invalid", Probe(broken, broken="temperature"))
    assert first.exchange.status == 500
    assert first.exchange.control == Control("temperature", 500)
    assert runner.tally.exchanges == 2
    entries = _entries(runner.options, runner.tally)
    assert entries["errors.invalid_request"].status == "skipped"
    assert "without temperature" in entries["errors.invalid_request"].message
    crashed = entries["requests.valid_accepted"]
    assert crashed.status == "failed"
    assert crashed.scenario == "generated.invalid without temperature"
    assert "temperature" not in crashed.reproduce


def test_a_finding_seen_under_concurrency_says_so_and_is_replayed_alone() -> None:
    with serve_in_thread(faults=["no-done"]) as url:
        options = _options(url)
        runner = Runner(options, QUIET)
        with runner.client:
            seen = runner.send("stream", Probe(ask(MODEL, stream=True)))
            runner.tally.add(busy := replace(seen, in_flight=4))  # as if 3 others were in flight
            alone = runner.alone()
    assert alone == {"stream.terminator": True}
    entry = _entries(options, [busy])["stream.terminator"]
    assert entry.evidence["in_flight"] == 4
    assert "reproduced_alone" not in entry.evidence
    confirmed = {e.check: e for e in aggregate(options.replay, [busy], alone)}
    shown = confirmed["stream.terminator"]
    assert shown.evidence["reproduced_alone"] is True
    assert "(seen with 4 requests in flight; also alone)" in shown.message


def test_a_run_covers_every_bound_its_budget_allows_and_reports_its_concurrency(
    reference_url: Callable[[str], str],
) -> None:
    core = len(coverage_plan(load_profile(), MODEL).bounds)
    url = reference_url(DEFAULT_PROFILE)
    default = run(_options(url, concurrency=3), QUIET)
    ample = run(_options(url, budget=Budget(max_requests=400)), QUIET)
    assert default.concurrency == 3
    bounds, covered = default.coverage
    # Every core bound, then what the budget allows of the implemented platform parameters'.
    assert core <= covered < bounds
    assert ample.coverage == (bounds, bounds)
    for report in (default, ample):
        assert report.complete
        assert report.conformant
        assert report.strict
