"""The command line: listings, explanations, validation and its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixture_files import BAD, FIXTURES

from conformance.checks import REGISTRY
from conformance.cli import main
from conformance.contract._requirements import requirements
from conformance.live._progress import Judgement, Note


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_checks_lists_every_check_with_level_and_requirement() -> None:
    code, out = _run("checks")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(REGISTRY)
    for check in REGISTRY.values():
        (line,) = [line for line in lines if line.split()[0] == check.id]
        assert check.level in line
        assert check.requirement.id in line


def test_explain_a_check_prints_its_requirement_and_sources() -> None:
    code, out = _run("explain", "stream.terminator")
    assert code == 0
    assert "CC-STREAM-03" in out
    assert "MUST" in out
    assert "terminated by a data: [DONE] message" in out
    assert "https://github.com/openai/openai-openapi" in out


def test_explain_a_requirement_names_the_checks_that_verify_it() -> None:
    code, out = _run("explain", "CC-CHOICE-03")
    assert code == 0
    assert "verified by: choices.finish_reason" in out


def test_explain_unknown_is_a_usage_error_without_traceback() -> None:
    code, out = _run("explain", "no.such.check")
    assert code == 2
    assert "no check or requirement is called 'no.such.check'" in out
    assert "Traceback" not in out


def test_every_requirement_is_verified_by_a_check() -> None:
    verified = {check.requirement.id for check in REGISTRY.values()}
    assert set(requirements()) == verified


def test_validate_good_fixtures_exits_0() -> None:
    code, out = _run("validate", str(FIXTURES / "good"))
    assert code == 0, out
    assert "FAIL" not in out
    assert "not conformant" in out  # the summary line states the count (here 0)


@pytest.mark.parametrize("path", [p for p in BAD if p.name.startswith("s8-01")], ids=str)
def test_validate_a_must_failure_exits_1_and_names_the_check(path: Path) -> None:
    code, out = _run("validate", str(path))
    assert code == 1
    assert "stream.terminator" in out
    assert "At $.events" in out


def test_validate_a_raw_stream_file_says_the_request_is_unknown(tmp_path: Path) -> None:
    raw = tmp_path / "capture.sse"
    raw.write_bytes(b'data: {"id":"x","object":"chat.completion.chunk"}\n\n')
    code, out = _run("validate", str(raw))
    assert code == 1
    assert "the request was not recorded" in out
    assert "stream.terminator" in out
    assert "stream.chunk_schema" in out


def test_validate_a_broken_fixture_is_a_configuration_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("response: {status: 200, headers: {}}\n")
    code, out = _run("validate", str(broken))
    assert code == 2
    assert f"{broken}: response needs exactly one of body, text, base64, events" in out


def test_validate_a_missing_file_is_a_configuration_error() -> None:
    code, out = _run("validate", "does/not/exist.yaml")
    assert code == 2
    assert "no such file or folder: does/not/exist.yaml" in out


def test_validate_under_an_unknown_profile_is_a_configuration_error() -> None:
    code, out = _run("validate", "--profile", "nope", str(FIXTURES / "good"))
    assert code == 2
    assert "unknown profile 'nope'" in out


def test_profiles_lists_the_six_profiles() -> None:
    code, out = _run("profiles")
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines() if not line.startswith(" ")}
    assert listed == {
        "openai-compatible",
        "anyrouter",
        "anyapi",
        "myrouter-ai",
        "openrouter",
        "myrouter-example",
    }
    assert "https://api.myrouter.ai/openai/v1/chat/completions" in out


def test_python_dash_m_conformance_is_the_same_command() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "conformance", "checks"], capture_output=True, text=True, check=True
    )
    assert listed.stdout == CliRunner().invoke(main, ["checks"]).output


@pytest.mark.parametrize("command", [["--help"], ["checks"], ["explain", "stream.terminator"]])
def test_the_light_commands_load_neither_the_reference_router_nor_hypothesis(
    command: list[str],
) -> None:
    probe = (
        "import sys\n"
        "from conformance.cli import main\n"
        "try:\n"
        f"    main({command!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('hypothesis', 'conformance.reference', 'uvicorn', 'starlette')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    assert loaded == "[]"


def test_validate_writes_every_report_format_run_writes(tmp_path: Path) -> None:
    reports = {
        kind: tmp_path / "out" / f"validate.{kind}" for kind in ("json", "junit", "markdown")
    }
    bad = str(FIXTURES / "bad")
    result = CliRunner().invoke(
        main, ["validate", bad, *(f"--report={k}:{p}" for k, p in reports.items())]
    )
    assert result.exit_code == 1, result.output
    document = json.loads(reports["json"].read_text())
    assert document["seed"] is None
    assert document["summary"]["requests"] == len(BAD)
    failed = [r for r in document["results"] if r["status"] == "failed"]
    assert failed
    for entry in failed:
        assert entry["reproduce"].startswith("conformance validate ")
        assert entry["scenario"] in entry["reproduce"]
    assert "judged offline" in reports["markdown"].read_text()
    assert "<testsuite" in reports["junit"].read_text()


def test_validate_checks_its_report_paths_before_judging(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = CliRunner().invoke(
        main, ["validate", str(FIXTURES / "good"), "--report", f"json:{folder}"]
    )
    assert result.exit_code == 2
    assert "PASS" not in result.output  # refused before any exchange was judged


def test_progress_is_values_that_read_as_lines() -> None:
    # The run sends values; the plain output prints them, the terminal display reads their
    # fields (a failure or a note stays on screen), and nobody parses the text back.
    assert str(Judgement("plain", 200)) == f"{'plain':<40} 200  ok"
    assert str(Judgement("stream", 0, ("stream.role", "transport.complete"))).endswith(
        "---  FAILED stream.role, transport.complete"
    )
    assert str(Note("stopped: the request budget (5) is spent")).startswith("stopped:")
