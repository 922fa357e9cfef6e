"""Every model: `--model` repeated and `--all-models`, each model judged with its share of the
budget, side by side in every report format. The reference router serves a second model with
its own faults, on a real loopback socket."""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.contract import load_profile
from conformance.live import Budget, Event, Note, RunOptions, run
from conformance.reference import MODEL_ID, serve_in_thread
from conformance.report import RunReport, as_json_document, render_junit, render_markdown

BROKEN = "broken-model"
SCHEMA = json.loads(
    (Path(__file__).parents[1] / "schemas" / "report.schema.json").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def two_models() -> Iterator[str]:
    """A router that serves reference-model compliant and broken-model without [DONE]."""
    with serve_in_thread(models={BROKEN: ("no-done",)}) as url:
        yield url


def _options(url: str, **changes: object) -> RunOptions:
    base = RunOptions(base_url=url, profile=load_profile(), seed=2, max_examples=2, coverage=False)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _run_with_notes(options: RunOptions) -> tuple[RunReport, list[str]]:
    """A run, and the notes it printed."""
    notes: list[str] = []

    def progress(event: Event) -> None:
        if isinstance(event, Note):
            notes.append(str(event))

    return run(options, progress=progress), notes


def test_the_router_lists_and_answers_each_model_with_its_own_faults(two_models: str) -> None:
    listed = httpx.get(f"{two_models}/models").json()["data"]
    assert [item["id"] for item in listed] == [MODEL_ID, BROKEN]
    ask = {"messages": [{"role": "user", "content": "hi"}], "stream": True, "max_tokens": 4}
    for model, ends_with_done in ((MODEL_ID, True), (BROKEN, False)):
        answer = httpx.post(f"{two_models}/chat/completions", json={**ask, "model": model})
        assert answer.status_code == 200
        assert f'"model": "{model}"' in answer.text or f'"model":"{model}"' in answer.text
        assert answer.text.rstrip().endswith("data: [DONE]") is ends_with_done
    unknown = httpx.post(f"{two_models}/chat/completions", json={**ask, "model": "nope"})
    assert unknown.status_code == 404


@pytest.fixture(scope="module")
def every_model(two_models: str) -> RunReport:
    options = _options(two_models, all_models=True, budget=Budget(max_requests=200))
    return run(options, progress=lambda event: None)


def test_all_models_judges_each_and_finds_the_broken_one(every_model: RunReport) -> None:
    assert every_model.models == (MODEL_ID, BROKEN)
    assert every_model.target.model == f"{MODEL_ID}, {BROKEN}"
    failed = {(e.model, e.check) for e in every_model.entries if e.status == "failed"}
    assert failed == {(BROKEN, "stream.terminator")}
    assert not every_model.conformant
    assert every_model.complete
    per_model = {e.model for e in every_model.entries}
    assert per_model == {MODEL_ID, BROKEN}
    checks = [e.check for e in every_model.entries]
    assert len(checks) == 2 * len(set(checks))  # one result per check and model
    assert {row.model for row in every_model.latency if not row.scenario} == {MODEL_ID, BROKEN}


def test_the_budget_is_shared_between_the_models(every_model: RunReport) -> None:
    assert every_model.requests <= 200


def test_the_budget_share_is_what_the_earlier_models_left(two_models: str) -> None:
    options = _options(two_models, models=(MODEL_ID, BROKEN), budget=Budget(max_requests=90))
    report, notes = _run_with_notes(options)
    assert report.requests <= 90
    first, second = [note for note in notes if note.startswith("model ")]
    assert first.startswith(f"model 1 of 2: '{MODEL_ID}', with up to 45 requests")
    # The second model gets what the first left: its share, and whatever of it went unspent.
    left = re.search(r"with up to (\d+) requests", second)
    assert left is not None
    assert 45 <= int(left.group(1)) <= 90


def test_every_format_puts_the_models_side_by_side(every_model: RunReport) -> None:
    document = as_json_document(every_model)
    jsonschema.validate(json.loads(json.dumps(document, default=repr)), SCHEMA)
    assert document["target"]["models"] == [MODEL_ID, BROKEN]
    assert {r["model"] for r in document["results"]} == {MODEL_ID, BROKEN}
    markdown = render_markdown(every_model)
    assert "## Models" in markdown
    table = markdown.split("## Models", 1)[1].split("##", 1)[0]
    assert f"| `{BROKEN}` |" in table
    assert "**1 failed**" in table.split(f"| `{BROKEN}` |", 1)[1].splitlines()[0]
    assert f"`stream.terminator` on `{BROKEN}`" in markdown
    suites = ET.fromstring(render_junit(every_model)).findall("testsuite")
    assert [s.get("name") for s in suites] == [
        f"chat-conformance openai-compatible {MODEL_ID}",
        f"chat-conformance openai-compatible {BROKEN}",
    ]
    assert [s.get("failures") for s in suites] == ["0", "1"]


def test_repeated_model_options_on_the_command_line(two_models: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--base-url",
            two_models,
            "--model",
            BROKEN,
            "--model",
            MODEL_ID,
            "--seed",
            "1",
            "--max-examples",
            "1",
            "--max-requests",
            "300",
            "--report",
            f"json:{out}",
        ],
    )
    assert result.exit_code == 1, result.output  # broken-model fails a MUST check
    document = json.loads(out.read_text())
    assert document["target"]["models"] == [BROKEN, MODEL_ID]
    assert f"MUST stream.terminator on {BROKEN}" in result.output
    assert f"latency of {MODEL_ID}" in result.output


def test_a_single_model_report_keeps_its_shape(two_models: str) -> None:
    report = run(_options(two_models, model=MODEL_ID), progress=lambda event: None)
    assert report.models == (MODEL_ID,)
    assert report.target.model == MODEL_ID
    assert "## Models" not in render_markdown(report)
    assert len(ET.fromstring(render_junit(report)).findall("testsuite")) == 1


def test_extra_models_of_the_serve_command_are_checked() -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--extra-model", "=no-done"])
    assert result.exit_code == 2
    assert "give a model id" in result.output
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--extra-model", "x=not-a-fault"])
    assert result.exit_code == 2
    assert "unknown fault" in result.output


def test_a_model_that_spends_its_share_leaves_the_next_one_its_own(two_models: str) -> None:
    options = _options(two_models, models=(MODEL_ID, BROKEN), budget=Budget(max_requests=20))
    report = run(options, progress=lambda event: None)
    assert report.stopped == "budget"
    assert not report.complete  # ten requests each cannot reach every MUST check
    judged = {e.model for e in report.entries if e.status == "passed"}
    assert judged == {MODEL_ID, BROKEN}
    assert report.requests == 20


def test_more_models_than_requests_judges_those_the_budget_reaches(two_models: str) -> None:
    options = _options(two_models, models=(MODEL_ID, BROKEN), budget=Budget(max_requests=1))
    report, notes = _run_with_notes(options)
    assert report.requests == 1
    assert report.models == (MODEL_ID, BROKEN)
    assert not report.complete
    assert {e.model for e in report.entries} == {MODEL_ID}
    assert any(f"no request left for '{BROKEN}'" in note for note in notes), notes


def test_no_budget_at_all_still_gives_a_report(two_models: str) -> None:
    options = _options(two_models, models=(MODEL_ID, BROKEN), budget=Budget(max_requests=0))
    report = run(options, progress=lambda event: None)
    assert report.requests == 0
    assert report.stopped == "budget"
    assert not report.complete


def test_all_models_against_a_target_that_lists_nothing_reports_it_unreachable() -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/v1"
    report, notes = _run_with_notes(_options(url, all_models=True))
    assert report.stopped == "unreachable"
    assert not report.complete
    assert report.requests == 0
    assert all(e.status == "skipped" for e in report.entries)
    assert any(note.startswith("stopped: the target is unreachable: GET") for note in notes)
