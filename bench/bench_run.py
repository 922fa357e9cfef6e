"""Generated cases per second against the reference router, beside schemathesis.

The router runs in its own process (``conformance serve``) on 127.0.0.1. In interleaved rounds:

- ours: the run's generated phase (valid requests from our strategies, sent by our client, every
  check applied to every answer);
- schemathesis: ``st run --phases fuzzing --mode positive`` on an OpenAPI 3.1 document of the
  same operation, built from the same request schema, against the same server;
- overhead: the requests ours sent, once through a bare httpx loop, once sent and judged by the
  suite; the difference is the suite's own work per request, generation excluded.

Also measured: the suite's overhead per request (generate, send, parse, check) beside a bare
keep-alive round trip. Figures are medians of wall time. Run: ``python bench/bench_run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from conformance._profile import load_profile
from conformance._run import Runner, RunOptions
from conformance._scenarios import Probe
from conformance._schemas import load_schema

MODEL = "reference-model"


def openapi_document(base_url: str) -> dict[str, Any]:
    """The chat-completions operation, its request body being our request schema."""
    request = load_schema("request.json")
    text = json.dumps(request).replace('"#/$defs/', '"#/components/schemas/')
    schema = json.loads(text)
    # The served model only: otherwise most generated cases end at a 404 for an unknown model.
    schema["properties"]["model"] = {"const": MODEL}
    components = schema.pop("$defs")
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    return {
        "openapi": "3.1.0",
        "info": {"title": "chat completions", "version": "1"},
        "servers": [{"url": base_url}],
        "paths": {
            "/chat/completions": {
                "post": {
                    "operationId": "createChatCompletion",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": schema}},
                    },
                    "responses": {"200": {"description": "a chat.completion"}},
                }
            }
        },
        "components": {"schemas": components},
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/models", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"the reference router did not start at {url}")


def ours(url: str, examples: int, seed: int) -> tuple[float, list[dict[str, Any]]]:
    """Cases per second of the generated phase, and the requests it sent."""
    options = RunOptions(
        base_url=url, profile=load_profile(), model=MODEL, seed=seed, max_examples=examples
    )
    runner = Runner(options, progress=lambda line: None)
    started = time.perf_counter()
    with runner.client:
        runner.generated(MODEL, invalid=False)
    elapsed = time.perf_counter() - started
    assert len(runner.judged) == examples, len(runner.judged)
    bodies = [j.probe.body for j in runner.judged]
    return examples / elapsed, [dict(b) for b in bodies if isinstance(b, dict)]


def overhead(url: str, bodies: list[dict[str, Any]]) -> tuple[float, float]:
    """Median µs per request of the same bodies, alternated one by one so drift hits both: a
    bare httpx POST and read, and the suite's send (bounded read, parse) plus every check."""
    options = RunOptions(base_url=url, profile=load_profile(), model=MODEL)
    runner = Runner(options, lambda line: None)
    bare: list[float] = []
    judged: list[float] = []
    with httpx.Client() as client, runner.client:
        for body in [*bodies[:5], *bodies]:  # the first five warm both connections up
            started = time.perf_counter()
            client.post(f"{url}/chat/completions", json=body).read()
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            runner.send("bench", Probe(body))
            judged.append(time.perf_counter() - started)
    return statistics.median(bare[5:]) * 1e6, statistics.median(judged[5:]) * 1e6


def schemathesis(document: Path, url: str, examples: int, seed: int) -> float:
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    command = [
        st, "run", str(document), "--url", url, "--phases", "fuzzing", "--mode", "positive",
        "-n", str(examples), "--seed", str(seed), "--checks", "not_a_server_error",
        "--no-color",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"st run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return examples / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    server = subprocess.Popen(
        [shutil.which("conformance") or "conformance", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait(url)
        with tempfile.TemporaryDirectory() as folder:
            document = Path(folder) / "openapi.json"
            document.write_text(json.dumps(openapi_document(url)))
            rates: dict[str, list[float]] = {"ours": [], "schemathesis": []}
            bare: list[float] = []
            judged: list[float] = []
            for r in range(args.rounds):
                rate, bodies = ours(url, args.examples, seed=r)
                rates["ours"].append(rate)
                rates["schemathesis"].append(schemathesis(document, url, args.examples, seed=r))
                round_trip, suite = overhead(url, bodies)
                bare.append(round_trip)
                judged.append(suite)
        median = {name: statistics.median(values) for name, values in rates.items()}
        print(f"{args.examples} cases per round, {args.rounds} rounds, medians of wall time")
        for name, value in median.items():
            print(f"  {name:<14} {value:7.1f} cases/s  ({1e3 / value:6.2f} ms per case)")
        print(f"  ours / schemathesis: {median['ours'] / median['schemathesis']:.2f}x")
        rtt, suite_rtt = statistics.median(bare), statistics.median(judged)
        print(
            f"  the same requests: bare keep-alive round trip {rtt:.0f} µs; sent and judged by "
            f"the suite {suite_rtt:.0f} µs: overhead {suite_rtt - rtt:.0f} µs "
            f"({(suite_rtt - rtt) / rtt:.0%} of a round trip; generation excluded)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
