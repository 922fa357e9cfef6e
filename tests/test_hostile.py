"""``conformance run`` against hostile targets, end to end on loopback (``hostile.py``): whatever
the target does, the run ends, says what happened (the finding or the clean stop expected of
each behaviour), writes every report it was asked for, and never shows the key."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile import BEHAVIOURS, serve_hostile

from conformance.cli import main

KEY = "sk-hostile-canary-7f3a9c0e51d2"
# Short caps, so that each behaviour costs seconds: the caps and their defaults are the same code.
FAST = ["--exchange-timeout", "2", "--read-timeout", "2", "--max-time", "60"]
# Enough requests to reach the stream scenarios (after the plain request and the wrong-type
# probes of the ignorable parameters).
TO_STREAMS = ["--max-requests", "70"]


@dataclass(frozen=True)
class Outcome:
    """What one run showed: its exit code, printed output and JSON report."""

    code: int
    output: str
    report: dict[str, Any]

    @property
    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = self.report["summary"]
        return summary

    def entry(self, check: str) -> dict[str, Any]:
        entries: list[dict[str, Any]] = [e for e in self.report["results"] if e["check"] == check]
        (entry,) = entries
        return entry

    def failed(self) -> set[str]:
        return {e["check"] for e in self.report["results"] if e["status"] in ("failed", "error")}

    def passed(self) -> set[str]:
        return {e["check"] for e in self.report["results"] if e["status"] == "passed"}


def _failed_with(check: str, text: str) -> Callable[[Outcome], None]:
    def expect(outcome: Outcome) -> None:
        entry = outcome.entry(check)
        assert entry["status"] == "failed", entry
        assert text in entry["message"], entry["message"]

    return expect


def _stopped(why: str, text: str) -> Callable[[Outcome], None]:
    def expect(outcome: Outcome) -> None:
        assert outcome.code == 3
        assert outcome.summary["stopped"] == why
        assert outcome.summary["complete"] is False
        assert text in outcome.output

    return expect


def _nothing_to_judge_passes(outcome: Outcome) -> None:
    # A 200 with an HTML page: two findings; nothing else passes for lack of anything to judge.
    assert outcome.failed() == {"response.content_type", "response.schema"}
    assert outcome.passed() <= {
        "transport.complete",
        "transport.persistent",
        "requests.valid_accepted",
    }


def _reset_said_once(outcome: Outcome) -> None:
    _failed_with("transport.complete", "(the connection was reset); 2 events had arrived")(outcome)
    assert outcome.entry("stream.terminator")["status"] != "failed"  # the same break, not twice


def _trickle_is_the_time_cap(outcome: Outcome) -> None:
    _failed_with("transport.complete", "was still arriving after 2.5 s")(outcome)
    assert outcome.entry("response.schema")["status"] == "skipped"  # not "the body is not JSON"


def _long_conformant_stream(outcome: Outcome) -> None:
    terminator = outcome.entry("stream.terminator")
    assert terminator["status"] == "skipped", terminator
    assert "stopped reading at its events cap" in terminator["message"]
    assert "--max-events raises it" in terminator["message"]
    assert not {c for c in outcome.failed() if c.startswith("stream.")}


def _judged_whole(outcome: Outcome) -> None:
    terminator = outcome.entry("stream.terminator")
    assert terminator["status"] == "passed", terminator["message"]


def _judged_normally(outcome: Outcome) -> None:
    assert outcome.entry("response.schema")["status"] == "passed"
    assert outcome.entry("transport.complete")["status"] == "passed"


def _redirect_not_followed(outcome: Outcome) -> None:
    assert outcome.code == 3
    assert "redirects are not followed (the key would go along)" in outcome.output
    assert outcome.failed() == set()


PAST_BYTE_CAP = "past the suite's byte cap (8388608 bytes) though the request allows"

#: behaviour -> (extra options, what the run must show)
CASES: dict[str, tuple[list[str], Callable[[Outcome], None]]] = {
    "endless-stream": (
        [*TO_STREAMS, "--exchange-timeout", "1"],
        _failed_with("stream.terminator", "no [DONE] after 1 s and"),
    ),
    "slowloris": (
        ["--max-requests", "1", "--read-timeout", "5", "--exchange-timeout", "2.5"],
        _trickle_is_the_time_cap,
    ),
    "retry-after-3600": (
        ["--max-requests", "10"],
        _stopped("deadline", "the target asked to wait 3600 s before a retry (429)"),
    ),
    "big-body": (["--max-requests", "2"], _failed_with("response.schema", PAST_BYTE_CAP)),
    "gzip-bomb": (["--max-requests", "2"], _failed_with("response.schema", PAST_BYTE_CAP)),
    "oversized-json": (["--max-requests", "2"], _failed_with("response.schema", PAST_BYTE_CAP)),
    "invalid-gzip": (
        ["--max-requests", "2"],
        _failed_with("transport.complete", "the body is not valid gzip"),
    ),
    "chunked-error": (
        ["--max-requests", "2"],
        _failed_with("transport.complete", "the connection broke after"),
    ),
    "never-answers": (
        ["--read-timeout", "1"],
        _stopped("unreachable", "requests in a row got no answer"),
    ),
    "html-200": (["--max-requests", "3"], _nothing_to_judge_passes),
    "reset-after-two-chunks": (TO_STREAMS, _reset_said_once),
    "many-events": (TO_STREAMS, _long_conformant_stream),
    "http10-no-length": (["--max-requests", "2"], _judged_normally),
    "bad-utf8": (["--max-requests", "2"], _failed_with("response.schema", "the body is not JSON")),
    "large-headers": (["--max-requests", "2"], _judged_normally),
    "huge-headers": (
        ["--max-requests", "4"],
        _failed_with("transport.complete", "headers of the answer are over 100 KiB"),
    ),
    "redirect-elsewhere": (["--max-requests", "3"], _redirect_not_followed),
}


def _run(name: str, options: list[str], tmp_path: Path) -> tuple[Outcome, str, bool]:
    reports = {kind: tmp_path / f"run.{kind}" for kind in ("json", "junit", "markdown")}
    with serve_hostile(name) as server:
        result = CliRunner().invoke(
            main,
            [
                "run",
                "--base-url",
                server.base_url,
                "--model",
                "m",
                "--seed",
                "1",
                "--api-key-env",
                "HOSTILE_KEY",
                *FAST,
                *options,
                *(f"--report={kind}:{path}" for kind, path in reports.items()),
            ],
            env={"HOSTILE_KEY": KEY},
        )
        reached = server.redirect_reached.is_set()
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert result.exit_code in (1, 3), result.output
    artifacts = result.output + "".join(path.read_text() for path in reports.values())
    report = json.loads(reports["json"].read_text())
    return Outcome(result.exit_code, result.output, report), artifacts, reached


def test_every_behaviour_of_the_catalogue_is_run() -> None:
    assert set(CASES) == set(BEHAVIOURS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_target_ends_in_a_report_that_says_what_happened(
    name: str, tmp_path: Path
) -> None:
    options, expect = CASES[name]
    outcome, artifacts, reached = _run(name, options, tmp_path)
    expect(outcome)
    assert KEY not in artifacts
    assert "Traceback" not in artifacts
    assert not reached  # a redirect is never followed, so the key goes nowhere else


def test_a_long_conformant_stream_is_judged_whole_once_the_events_cap_is_raised(
    tmp_path: Path,
) -> None:
    raised = ["--max-events", "60000", "--max-body-bytes", "16000000"]
    # Generous time caps: the server shares this process, and four such streams in flight
    # can keep a busy machine's reads apart for seconds.
    raised += ["--exchange-timeout", "120", "--read-timeout", "60", "--max-time", "300"]
    outcome, artifacts, _ = _run("many-events", [*TO_STREAMS, *raised], tmp_path)
    _judged_whole(outcome)
    assert KEY not in artifacts
