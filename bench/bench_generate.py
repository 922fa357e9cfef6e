"""Generation speed: examples per second of valid_requests and invalid_requests.

Each round runs ``@given(strategy)`` with ``settings(max_examples=N, database=None,
deadline=None)`` and divides the examples by the process CPU time; the first round includes
building the strategies. The measured baseline for a hand-written strategy: 65.6 examples/s on
hypothesis 6.170.9, 119–156 on 6.170.15; hypothesis-jsonschema: 14 examples/s.

It also builds the coverage plan of each shipped profile from scratch (the plan is cached per
process after that) and reports the time it took and the plan's size: bounds, invalid cases,
valid requests combined and split.

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

from conformance.contract._profile import load_profile, profile_names
from conformance.generate._coverage import _Builder
from conformance.generate._generate import _plan, invalid_requests, valid_requests


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


def _coverage() -> None:
    print("coverage plan per profile (built from scratch; CPU seconds, wall seconds):")
    for name in profile_names():
        profile = load_profile(name)
        _plan(profile.request_schema)  # the mutation walk, shared with the random phase
        cpu, wall = time.process_time(), time.perf_counter()
        plan = _Builder(_plan(profile.request_schema), "m", frozenset(profile.may_ignore)).build()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        split = sum(len(case.split()) for case in plan.valid)
        covered = {case.bound for case in plan.invalid}
        print(
            f"  {name:<18} {cpu:5.2f} s CPU {wall:5.2f} s wall; bounds {len(plan.bounds):3} "
            f"(covered {len(covered & {b.id for b in plan.bounds})}), invalid "
            f"{len(plan.invalid):3}, valid {len(plan.valid):2} combined / {split:2} split, "
            f"requests {plan.requests:3}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--examples", type=int, default=300)
    options = parser.parse_args()
    _coverage()
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
