"""Peak memory of ``conformance run`` against the embedded reference router as the number of
generated examples grows: what a run keeps must not grow with the requests it sends.

Each size runs in its own process (``--max-examples N``, a request budget that does not cut it
short); the peak RSS is the child's own (``os.wait4``). Run:
``python bench/bench_memory.py [--examples 10 100 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(examples: int, folder: Path) -> tuple[float, float, int]:
    """Peak RSS in MB, wall time in s and requests sent of one run."""
    report = folder / f"run-{examples}.json"
    command = [sys.executable, "-m", "conformance", "run", "--seed", "1"]
    command += ["--max-examples", str(examples), "--max-requests", str(4 * examples + 400)]
    command += ["--max-completion-tokens", "100000000", "--report", f"json:{report}"]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    requests = int(json.loads(report.read_text())["summary"]["requests"])
    return usage.ru_maxrss / 1024, wall, requests  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, nargs="+", default=[10, 100, 1000])
    args = parser.parse_args()
    print("| --max-examples | requests | peak RSS MB | wall s |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as temporary:
        for examples in args.examples:
            peak, wall, requests = measure(examples, Path(temporary))
            print(f"| {examples} | {requests} | {peak:.1f} | {wall:.1f} |")


if __name__ == "__main__":
    main()
