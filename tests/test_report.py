"""Reports render the one result model: the JSON contract, JUnit XML and Markdown."""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from conformance.base._errors import ConfigError
from conformance.live._reproduce import curl
from conformance.report import (
    Entry,
    RunReport,
    Target,
    parse_report_option,
    render_json,
    render_junit,
    render_markdown,
)

SECRET = "sk-test-123456"
REQUEST = {"model": "m", "messages": [{"role": "user", "content": "it's"}], "stream": True}
REPRO = curl("http://127.0.0.1:8000/v1/chat/completions", REQUEST, api_key_env="OPENAI_API_KEY")


def _report(*entries: Entry) -> RunReport:
    return RunReport(
        tool_version="0.1.0",
        target=Target(
            "http://127.0.0.1:8000/v1", "openai-compatible", "reference-model", ("reference-model",)
        ),
        seed=42,
        started_at=datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
        duration_s=1.25,
        requests=3,
        prompt_tokens=20,
        completion_tokens=7,
        entries=entries,
    )


MUST_FAIL = Entry(
    check="stream.terminator",
    requirement="CC-STREAM-03",
    level="MUST",
    status="failed",
    scenario="stream-basic",
    message="the stream does not end with [DONE]",
    evidence={"path": "$.events[3]"},
    reproduce=REPRO,
)
SHOULD_FAIL = Entry(
    check="stream.role",
    requirement="CC-STREAM-06",
    level="SHOULD",
    status="failed",
    scenario="stream-basic",
    message="role repeated",
)
PASSED = Entry(
    check="response.schema",
    requirement="CC-RESP-01",
    level="MUST",
    status="passed",
    scenario="plain",
)
SKIPPED = Entry(
    check="logprobs.presence",
    requirement="CC-LOGPROB-01",
    level="MUST",
    status="skipped",
    scenario="plain",
    message="the model refused logprobs with 400",
)


def test_json_report_keeps_the_contract_keys() -> None:
    document = json.loads(render_json(_report(MUST_FAIL, SHOULD_FAIL, PASSED, SKIPPED)))
    assert set(document) == {
        "report_version",
        "tool",
        "target",
        "seed",
        "started_at",
        "duration_s",
        "summary",
        "results",
        "latency",
    }
    assert document["report_version"] == 1
    assert document["tool"] == {"name": "chat-conformance", "version": "0.1.0"}
    assert document["target"] == {
        "base_url": "http://127.0.0.1:8000/v1",
        "profile": "openai-compatible",
        "model": "reference-model",
        "models": ["reference-model"],
    }
    assert document["summary"] == {
        "total": 4,
        "passed": 1,
        "failed": 2,
        "skipped": 1,
        "errors": 0,
        "conformant": False,
        "strict": False,
        "complete": True,
        "stopped": None,
        "coverage": {"bounds": 0, "covered": 0},
        "concurrency": 1,
        "ignored_parameters": [],
        "requests": 3,
        "tokens": {"prompt": 20, "completion": 7},
    }
    first = document["results"][0]
    assert set(first) == {
        "check",
        "requirement",
        "level",
        "status",
        "message",
        "evidence",
        "reproduce",
        "scenario",
        "model",
    }
    assert first["reproduce"] == REPRO
    assert datetime.fromisoformat(document["started_at"]).tzinfo is not None


def test_should_failures_leave_the_run_conformant() -> None:
    assert _report(SHOULD_FAIL, PASSED).conformant
    assert not _report(MUST_FAIL).conformant


def test_junit_marks_must_failures_and_keeps_warnings_green() -> None:
    root = ET.fromstring(render_junit(_report(MUST_FAIL, SHOULD_FAIL, PASSED, SKIPPED)))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "4"
    assert suite.get("failures") == "1"
    assert suite.get("skipped") == "1"
    cases = suite.findall("testcase")
    assert cases[0].find("failure") is not None
    assert cases[1].find("failure") is None
    assert "WARNING (SHOULD)" in (cases[1].findtext("system-out") or "")
    assert cases[3].find("skipped") is not None


def test_markdown_has_the_summary_table_and_the_reproduction() -> None:
    text = render_markdown(_report(MUST_FAIL, SHOULD_FAIL, PASSED, SKIPPED))
    assert text.startswith("# chat-conformance: **NOT CONFORMANT**")
    assert "| stream | MUST | 0 | 1 | 0 | 0 |" in text
    assert "| stream | SHOULD | 0 | 1 | 0 | 0 |" in text
    assert REPRO in text


def test_curl_names_the_key_variable_never_a_value() -> None:
    assert SECRET not in REPRO
    assert '"Authorization: Bearer $OPENAI_API_KEY"' in REPRO
    words = shlex.split(REPRO)
    assert words[:3] == ["curl", "-sS", "-N"]
    assert json.loads(words[words.index("--data-binary") + 1]) == REQUEST


def test_curl_for_a_get() -> None:
    assert curl("http://127.0.0.1/v1/models") == "curl -sS http://127.0.0.1/v1/models"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("json", "FORMAT:PATH"),
        ("xml:out.xml", "unknown report format 'xml'"),
        ("json:", "FORMAT:PATH"),
    ],
)
def test_bad_report_options_are_configuration_errors(option: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_report_option(option)


def test_report_option_splits_format_and_path() -> None:
    assert parse_report_option("junit:reports/run.xml") == ("junit", "reports/run.xml")


def test_curl_with_an_explicit_method() -> None:
    assert "-X DELETE" in curl("http://127.0.0.1/v1/models", method="DELETE")
    assert "-X GET" in curl("http://127.0.0.1/v1/chat/completions", REQUEST, method="GET")
