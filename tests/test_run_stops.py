"""A run stops when asked, or at its deadline, and still judges what came back and reports it:
``conformance run`` end to end, against the reference router on a real loopback socket."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conformance.cli import main
from conformance.reference import serve_in_thread
from conformance.report import RENDERERS


def test_a_run_stops_at_its_deadline_and_reports_what_it_judged(tmp_path: Path) -> None:
    report = tmp_path / "run.json"
    # Every third request is throttled with Retry-After: 1; waiting for all of them would take
    # far longer than the deadline, so the run must stop at it rather than wait.
    with serve_in_thread(variants=["polite-429"]) as url:
        result = CliRunner().invoke(
            main,
            [
                "run",
                "--base-url",
                url,
                "--seed",
                "1",
                "--max-time",
                "4",
                "--report",
                f"json:{report}",
            ],
        )
    summary = json.loads(report.read_text())["summary"]
    assert summary["stopped"] == "deadline"
    assert "the run's deadline (--max-time" in result.output
    assert summary["requests"] > 0
    # Exit codes: a MUST finding settles it (1); otherwise a run cut short before its MUST
    # phases ended cannot say "conformant" (3).
    if not summary["conformant"]:
        assert result.exit_code == 1
    else:
        assert result.exit_code == (0 if summary["complete"] else 3)


def _long_run(report: Path, cwd: Path) -> subprocess.Popen[str]:
    """A run with enough requests that an interrupt lands while it is sending; returned once
    it has judged its first exchange. Its temporary files go to ``cwd/tmp``."""
    (cwd / "tmp").mkdir()
    command = [sys.executable, "-c", "from conformance.cli import main; main()", "run"]
    command += ["--seed", "1", "--max-requests", "3000", "--max-examples", "1000"]
    command += ["--report", f"json:{report}"]
    env = {**os.environ, "TMPDIR": str(cwd / "tmp")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("conformance run: target")
    process.stdout.readline()
    return process


def test_the_first_ctrl_c_judges_what_came_back_and_reports_it(tmp_path: Path) -> None:
    report = tmp_path / "run.json"
    with _long_run(report, tmp_path) as process:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=300)
    assert process.returncode == 130, err[-2000:]
    assert "interrupted: finishing the requests in flight" in err
    summary = json.loads(report.read_text())["summary"]
    assert summary["stopped"] == "interrupted"
    assert summary["requests"] < 3000
    assert not list((tmp_path / "tmp").iterdir())  # the run's scratch folder is gone


def test_a_second_ctrl_c_ends_the_run_at_once(tmp_path: Path) -> None:
    with _long_run(tmp_path / "run.json", tmp_path) as process:
        assert process.stderr is not None
        process.send_signal(signal.SIGINT)
        assert process.stderr.readline().startswith("interrupted:")  # the first was seen
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert process.returncode == 130
    assert not list((tmp_path / "tmp").iterdir())  # not unwound, yet its scratch folder is gone


def test_the_key_is_in_no_output_of_any_kind(tmp_path: Path) -> None:
    """The canary: a run that fails (so reports carry findings and curls), with every report
    format, against a router that drops connections (so transport errors are reported too)."""
    key = "sk-canary-7f3a9c2e5b1d4068"
    reports = {kind: tmp_path / f"run.{kind}" for kind in RENDERERS}  # every format
    faults = ["no-done", "drop-connection", "valid-500", "auth-ignored"]
    with serve_in_thread(faults=faults, api_key=key) as url:
        result = CliRunner().invoke(
            main,
            ["run", "--base-url", url, "--api-key-env", "CANARY_KEY", "--seed", "1"]
            + [arg for kind, path in reports.items() for arg in ("--report", f"{kind}:{path}")],
            env={"CANARY_KEY": key},
        )
    assert result.exit_code == 1, result.output
    assert key not in result.output
    for kind, path in reports.items():
        text = path.read_text(encoding="utf-8")
        if kind != "badge":  # the badge carries no curl
            assert "$CANARY_KEY" in text  # the curls name the variable, never its value
        assert key not in text
