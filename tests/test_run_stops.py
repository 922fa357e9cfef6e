"""A run stops when asked, or at its deadline, and still judges what came back and reports it:
``conformance run`` end to end, against the reference router on a real loopback socket."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conformance.cli import main
from conformance.reference import serve_in_thread


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
    assert "past the run's deadline (--max-time)" in result.output
    assert summary["requests"] > 0
    # Exit codes: a MUST finding settles it (1); otherwise a run cut short before its MUST
    # phases ended cannot say "conformant" (3).
    if not summary["conformant"]:
        assert result.exit_code == 1
    else:
        assert result.exit_code == (0 if summary["complete"] else 3)


def _long_run(report: Path, cwd: Path) -> subprocess.Popen[str]:
    """A run with enough requests that an interrupt lands while it is sending; returned once
    it has judged its first exchange."""
    command = [sys.executable, "-c", "from conformance.cli import main; main()", "run"]
    command += ["--seed", "1", "--max-requests", "3000", "--max-examples", "1000"]
    command += ["--report", f"json:{report}"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
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


def test_a_second_ctrl_c_ends_the_run_at_once(tmp_path: Path) -> None:
    with _long_run(tmp_path / "run.json", tmp_path) as process:
        assert process.stderr is not None
        process.send_signal(signal.SIGINT)
        assert process.stderr.readline().startswith("interrupted:")  # the first was seen
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    assert process.returncode == 130
