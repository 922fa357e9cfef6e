"""Generation speed: examples per second of valid_requests and invalid_requests.

Each round runs ``@given(strategy)`` with ``settings(max_examples=N, database=None,
deadline=None)`` and divides the examples by the process CPU time; the first round includes
building the strategies. perf.md's baseline for a hand-written strategy: 65.6 examples/s on
hypothesis 6.170.9, 119–156 on 6.170.15; hypothesis-jsonschema: 14 examples/s.

Run: ``python bench/bench_generate.py [--rounds 5] [--examples 300]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import hypothesis
from hypothesis import given, settings
from hypothesis.strategies import SearchStrategy

from conformance._generate import invalid_requests, valid_requests
from conformance._profile import load_profile


def _rate(strategy: SearchStrategy[Any], examples: int, sizes: list[int]) -> float:
    count = 0

    @settings(max_examples=examples, database=None, deadline=None)
    @given(strategy)
    def run(value: Any) -> None:
        nonlocal count
        count += 1
        body = value if isinstance(value, dict) else value.request
        sizes.append(len(json.dumps(body).encode()))

    start = time.process_time()
    run()
    return count / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--examples", type=int, default=300)
    options = parser.parse_args()
    profile = load_profile()
    print(f"hypothesis {hypothesis.__version__}, {options.examples} examples per round")
    for name, strategy in (
        ("valid_requests", valid_requests(profile, model="m")),
        ("invalid_requests", invalid_requests(profile, model="m")),
    ):
        sizes: list[int] = []
        rates = [_rate(strategy, options.examples, sizes) for _ in range(options.rounds)]
        print(
            f"{name:<17} {statistics.median(rates):6.0f} examples/s (CPU, median of "
            f"{options.rounds}; rounds {', '.join(f'{r:.0f}' for r in rates)}); "
            f"JSON bytes median {statistics.median(sizes):.0f}, max {max(sizes)}"
        )


if __name__ == "__main__":
    main()
