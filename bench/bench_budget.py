"""What a default run spends and covers against each profile's emulation, served as a remote
target would be (``conformance serve`` in its own process, judged with ``--base-url``).

For each profile and seed: requests and completion tokens (the budget is 150 and 5,000), the
documented bounds and how many the run covered, the verdict and the wall time. Run:
``python bench/bench_budget.py [--seeds 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.contract._profile import load_profile, profile_names

KEY = "sk-bench-budget-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _conformance() -> str:
    return str(Path(sys.executable).with_name("conformance"))


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the router on port {port} did not start")


def measure(profile: str, seed: int, folder: Path) -> dict[str, object]:
    port = _free_port()
    server = subprocess.Popen(
        [_conformance(), "serve", "--profile", profile, "--port", str(port), "--api-key", KEY],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port)
        report = folder / f"{profile}-{seed}.json"
        prefix = load_profile(profile).prefix
        started = time.monotonic()
        done = subprocess.run(
            [
                _conformance(),
                "run",
                "--base-url",
                f"http://127.0.0.1:{port}{prefix}",
                "--profile",
                profile,
                "--api-key-env",
                "BENCH_KEY",
                "--seed",
                str(seed),
                "--report",
                f"json:{report}",
            ],
            env={**os.environ, "BENCH_KEY": KEY},
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return {
        "profile": profile,
        "seed": seed,
        "exit": done.returncode,
        "requests": summary["requests"],
        "completion_tokens": summary["tokens"]["completion"],
        "bounds": summary["coverage"]["bounds"],
        "covered": summary["coverage"]["covered"],
        "conformant": summary["conformant"],
        "strict": summary["strict"],
        "wall_s": round(wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()
    print(f"{'profile':<18} seed exit requests tokens covered/bounds conformant strict wall_s")
    with tempfile.TemporaryDirectory() as scratch:
        for profile in profile_names():
            for seed in range(1, args.seeds + 1):
                row = measure(profile, seed, Path(scratch))
                print(
                    f"{row['profile']:<18} {row['seed']:>4} {row['exit']:>4} {row['requests']:>8} "
                    f"{row['completion_tokens']:>6} {row['covered']:>7}/{row['bounds']:<6} "
                    f"{row['conformant']!s:>10} {row['strict']!s:>6} {row['wall_s']:>6}"
                )


if __name__ == "__main__":
    main()
