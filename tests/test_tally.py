"""What a run keeps of its judged exchanges does not grow with their number: a failure is kept
while it can still show something, the rest is counted, and the report says the same."""

from __future__ import annotations

from conformance.checks._results import CheckResult, Failure
from conformance.exchange._exchange import Exchange
from conformance.live._aggregate import Replay, Tally, aggregate
from conformance.live._judged import Judged
from conformance.live._scenarios import Probe
from conformance.report import Entry

REPLAY = Replay("http://127.0.0.1:9/v1", None)


def _judged(
    status: str, message: str = "the stream does not end with [DONE]", size: int = 1
) -> Judged:
    failures = (
        Failure(
            check="stream.terminator",
            path="$.events",
            expected="[DONE]",
            actual=None,
            message=message,
        ),
    )
    result = CheckResult(
        "stream.terminator",
        "CC-STREAM-03",
        "MUST",
        status,  # type: ignore[arg-type]
        failures=failures if status == "failed" else (),
        reason="no stream" if status == "skipped" else None,
    )
    body = {"model": "m", "messages": [{"role": "user", "content": "x" * size}]}
    exchange = Exchange(body, 200, {}, b"")
    return Judged("stream", Probe(body), exchange, (result,))


def _entry(tally: Tally) -> Entry:
    (entry,) = [e for e in aggregate(REPLAY, tally) if e.check == "stream.terminator"]
    return entry


def test_passed_exchanges_are_counted_not_kept() -> None:
    tally = Tally.of(_judged("passed") for _ in range(5000))
    assert tally.failing == []
    assert tally.exchanges == 5000
    entry = _entry(tally)
    assert (entry.status, entry.scenario) == ("passed", "5000 exchange(s)")


def test_the_same_failure_over_and_over_is_kept_a_few_times_and_counted_every_time() -> None:
    tally = Tally.of(_judged("failed", size=10) for _ in range(5000))
    tally.add(_judged("passed"))
    assert len(tally.failing) < 30
    entry = _entry(tally)
    assert "(in 5000 of 5001 exchanges)" in entry.message


def test_a_new_way_of_failing_and_a_smaller_request_are_kept_however_late() -> None:
    tally = Tally.of(_judged("failed", size=100) for _ in range(1000))
    tally.add(late := _judged("failed", message="data after [DONE]", size=100))
    tally.add(small := _judged("failed", size=1))
    assert late in tally.failing
    assert small in tally.failing
    entry = _entry(tally)
    assert "data after [DONE]" in entry.message
    assert '"content":"x"}' in entry.reproduce  # the smallest
