"""`conformance run` end to end: the reference router on a real loopback socket."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.reference import serve_in_thread

KEY = "sk-run-test-secret-42"


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args], env=env)
    return result.exit_code, result.output


def test_default_run_against_the_embedded_router_is_conformant(tmp_path: Path) -> None:
    report = tmp_path / "out" / "run.json"
    junit = tmp_path / "out" / "run.xml"
    code, out = _run(
        "--seed",
        "7",
        "--max-examples",
        "5",
        "--report",
        f"json:{report}",
        "--report",
        f"junit:{junit}",
    )
    assert code == 0, out
    assert "seed 7" in out
    assert "no --model given: using 'reference-model'" in out
    document = json.loads(report.read_text())
    assert document["seed"] == 7
    assert document["summary"]["conformant"] is True
    assert document["summary"]["failed"] == 0
    assert 0 < document["summary"]["requests"] <= 150
    assert document["summary"]["tokens"]["completion"] <= 5000
    judged = {r["check"] for r in document["results"] if r["status"] == "passed"}
    assert {"stream.terminator", "errors.status_code", "tool_calls.forced"} <= judged
    assert junit.read_text().startswith("<?xml")


def test_a_faulty_router_is_not_conformant_and_the_key_never_shows(tmp_path: Path) -> None:
    report = tmp_path / "run.json"
    with serve_in_thread(faults=["no-done"], api_key=KEY) as url:
        code, out = _run(
            "--base-url",
            url,
            "--api-key-env",
            "TEST_KEY",
            "--seed",
            "1",
            "--max-examples",
            "3",
            "--report",
            f"json:{report}",
            env={"TEST_KEY": KEY},
        )
    assert code == 1, out
    text = report.read_text()
    document = json.loads(text)
    (terminator,) = [r for r in document["results"] if r["check"] == "stream.terminator"]
    assert terminator["status"] == "failed"
    assert "$TEST_KEY" in terminator["reproduce"]
    assert KEY not in text
    assert KEY not in out


def test_an_unreachable_target_exits_3() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        code, out = _run("--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m")
    assert code == 3
    assert "could not be completed" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--report", "pdf:x.pdf"), "unknown report format 'pdf'"),
        (("--api-key-env", "CONFORMANCE_UNSET_VARIABLE"), "the variable is not set"),
        (("--profile", "nope"), "unknown profile 'nope'"),
    ],
)
def test_configuration_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out = _run(*args)
    assert code == 2
    assert message in out
