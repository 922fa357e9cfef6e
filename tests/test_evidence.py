"""A failure says where it is, what was expected and which choice it concerns; and in a run's
report, one kind of failure never hides another of the same check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fixture_files import BAD

from conformance.checks._results import CheckResult, Failure
from conformance.contract._profile import load_profile
from conformance.exchange._fixtures import load_fixture
from conformance.live._run import Judged, RunOptions, aggregate
from conformance.live._scenarios import Probe
from conformance.live._validate import judge


def _failures(path: Path, check: str) -> list[Failure]:
    verdict = judge(load_fixture(path))
    return [f for r in verdict.results if r.check == check for f in r.failures]


def _bad(name: str) -> Path:
    return next(path for path in BAD if path.name == name)


def _written(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "fixture.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_a_content_failure_points_at_the_message_content() -> None:
    (failure,) = _failures(_bad("check-response_format.json.yaml"), "response_format.json")
    assert failure.path == "$.choices[0].message.content"


def test_a_streamed_content_failure_points_at_the_first_delta_that_carried_content(
    tmp_path: Path,
) -> None:
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    events = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant"}}]},
        {**chunk, "choices": [{"index": 0, "delta": {"content": "not"}}]},
        {**chunk, "choices": [{"index": 0, "delta": {"content": "!"}, "finish_reason": "stop"}]},
        "[DONE]",
    ]
    fixture = _written(
        tmp_path,
        {
            "description": "streamed content that is not JSON",
            "source": "test",
            "expect": ["response_format.json"],
            "request": {
                "model": "m",
                "messages": [{"role": "user", "content": "Hi"}],
                "stream": True,
                "response_format": {"type": "json_object"},
            },
            "response": {
                "status": 200,
                "headers": {"content-type": "text/event-stream"},
                "events": events,
            },
        },
    )
    (failure,) = _failures(fixture, "response_format.json")
    assert failure.path.endswith(".choices[0].delta.content")
    assert failure.path.startswith("$.events[1]")


def test_the_token_cap_message_gives_the_tokens_used_and_the_cap() -> None:
    (failure,) = _failures(_bad("check-max_tokens.length.yaml"), "max_tokens.length")
    assert "used 5 completion tokens (cap 5)" in failure.message


def test_a_missing_role_names_the_choice() -> None:
    (failure,) = _failures(_bad("check-stream.role.yaml"), "stream.role")
    assert failure.message.startswith("choice 0's first delta lacks the role")


def _judged(scenario: str, status: int, message: str) -> Judged:
    exchange = load_fixture(_bad("check-errors.status_code.yaml")).exchange
    failure = Failure(
        check="errors.status_code", path="status", expected="401", actual=status, message=message
    )
    result = CheckResult("errors.status_code", "CC-ERROR-05", "MUST", "failed", failures=(failure,))
    return Judged(scenario, Probe({"model": "m", "messages": []}), exchange, (result,))


def test_every_kind_of_failure_of_a_check_is_in_its_entry() -> None:
    profile = load_profile("openai-compatible")
    options = RunOptions(base_url="http://127.0.0.1:9/v1", profile=profile)
    judged = [
        _judged("auth.bad_key", 400, "a request with bad key got 400"),
        _judged("invalid.wrong_method", 200, "a request with wrong method got 200"),
        _judged("auth.bad_key", 400, "a request with bad key got 400"),
    ]
    (entry,) = [e for e in aggregate(options.replay, judged) if e.check == "errors.status_code"]
    assert entry.status == "failed"
    assert "bad key got 400" in entry.message
    assert "wrong method got 200" in entry.message
    assert "(in 3 of 3 exchanges)" in entry.message
    listed = [(f["scenario"], f["message"]) for f in entry.evidence["failures"]]
    assert sorted(listed) == [
        ("auth.bad_key", "a request with bad key got 400"),
        ("invalid.wrong_method", "a request with wrong method got 200"),
    ]
