"""What ``conformance run`` costs against each misbehaving server of tests/hostile.py.

For each behaviour: a server on 127.0.0.1, then ``conformance run`` against it in its own
process (``--max-requests 20 --max-time 120`` unless told otherwise), with an API key in an
environment variable. Measured: the exit code, the wall time, the child's peak RSS
(VmHWM), why the run stopped and whether the JSON report was written; and whether the
key's canary appears in the child's stdout, stderr or report, where it must never be. Run:
``python bench/bench_hostile.py [--only NAME ...] [--max-time SECONDS] [--max-requests N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile import BEHAVIOURS, serve_hostile  # noqa: E402

KEY_VARIABLE = "CONFORMANCE_BENCH_KEY"


@dataclass(frozen=True)
class Outcome:
    behaviour: str
    exit_code: int
    wall_s: float
    peak_rss_mb: float
    stopped: str
    report_written: bool
    key_found: str  # where the canary appeared: "no", or the outputs that held it
    requests: str
    killed: bool
    redirect_reached: bool


def run_one(name: str, max_time: float, max_requests: int, folder: Path) -> Outcome:
    canary = f"sk-bench-canary-{secrets.token_hex(12)}"
    report = folder / f"{name}.json"
    out, err = folder / f"{name}.stdout", folder / f"{name}.stderr"
    env = {**os.environ, KEY_VARIABLE: canary, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with serve_hostile(name) as server:
        command = [
            sys.executable, "-m", "conformance", "run",
            "--base-url", server.base_url, "--model", "m", "--seed", "1",
            "--max-requests", str(max_requests), "--max-time", str(max_time),
            "--api-key-env", KEY_VARIABLE, "--report", f"json:{report}",
        ]  # fmt: skip
        with out.open("wb") as stdout, err.open("wb") as stderr:
            started = time.perf_counter()
            child = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, cwd=folder)
            # A run that outlives its own cap by far is killed, so one behaviour cannot stall
            # the whole table; the table says so.
            killer = threading.Timer(max_time + 60, child.kill)
            killer.start()
            peak = _HighWater(child.pid)
            _, status, _ = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
            killed = not killer.is_alive()
            killer.cancel()
            peak.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        reached = server.redirect_reached.is_set()
    stopped, requests = "-", "-"
    if report.exists():
        try:
            summary = json.loads(report.read_text())["summary"]
            stopped, requests = str(summary["stopped"]), str(summary["requests"])
        except (ValueError, KeyError) as error:
            stopped = f"unreadable report ({error})"
    places = [path.suffix.lstrip(".") for path in (out, err, report) if _holds(path, canary)]
    return Outcome(
        behaviour=name,
        exit_code=child.returncode,
        wall_s=wall,
        peak_rss_mb=peak.kib / 1024,
        stopped=stopped,
        report_written=report.exists(),
        key_found=", ".join(places) or "no",
        requests=requests,
        killed=killed,
        redirect_reached=reached,
    )


class _HighWater:
    """The peak resident memory of a child after its exec, read from /proc/PID/status (VmHWM)
    until it exits. Not ru_maxrss: that also counts the pages of this process the child shared
    before its exec, and this process serves the large bodies of the hostile servers."""

    def __init__(self, pid: int) -> None:
        self.kib = 0
        self._path = Path(f"/proc/{pid}/status")
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.is_set():
            try:
                text = self._path.read_text()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.kib = max(self.kib, int(line.split()[1]))
            self._done.wait(0.02)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _holds(path: Path, text: str) -> bool:
    return path.exists() and text.encode() in path.read_bytes()


def table(outcomes: list[Outcome]) -> list[str]:
    lines = [
        "| behaviour | exit code | wall s | peak RSS MB | summary.stopped | requests "
        "| report written | key found in outputs |",
        "|---|---:|---:|---:|---|---:|---|---|",
    ]
    for o in outcomes:
        code = f"{o.exit_code} (killed)" if o.killed else str(o.exit_code)
        lines.append(
            f"| {o.behaviour} | {code} | {o.wall_s:.1f} | {o.peak_rss_mb:.0f} | {o.stopped} "
            f"| {o.requests} | {'yes' if o.report_written else 'NO'} | {o.key_found} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(BEHAVIOURS), metavar="NAME")
    parser.add_argument("--max-time", type=float, default=120.0)
    parser.add_argument("--max-requests", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="keep outputs and reports in this folder")
    args = parser.parse_args()
    names = args.only or list(BEHAVIOURS)
    outcomes = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            print(f"{name} …", file=sys.stderr, flush=True)
            outcomes.append(run_one(name, args.max_time, args.max_requests, folder))
    limits = f"--max-requests {args.max_requests} --max-time {args.max_time:g}"
    print(f"conformance run {limits} --seed 1, per server")
    print()
    for line in table(outcomes):
        print(line)
    slow = [o.behaviour for o in outcomes if o.wall_s > args.max_time + 10]
    if slow:
        print(f"\nlonger than --max-time + 10 s: {', '.join(slow)}")
    redirected = [o.behaviour for o in outcomes if o.redirect_reached]
    print(f"\nthe redirect target was reached during: {', '.join(redirected) or 'no run'}")


if __name__ == "__main__":
    main()
