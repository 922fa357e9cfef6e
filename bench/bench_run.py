"""Generated cases per second against the reference router, beside schemathesis.

The router runs in its own process (``conformance serve``) on 127.0.0.1. In interleaved rounds:

- ours: the run's generated phase (valid requests from our strategies, sent by our client, every
  check applied to every answer);
- schemathesis: ``st run --phases fuzzing --mode positive`` on an OpenAPI 3.1 document of the
  same operation, built from the same request schema, against the same server;
- overhead: the requests ours sent, through a bare httpx loop and through the suite (see
  :func:`overhead`); the difference is the suite's cost per request, generation excluded.

Rates are medians of wall time; :func:`overhead` says how it measures. Run:
``python bench/bench_run.py``.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from conformance.contract._profile import load_profile
from conformance.contract._schemas import load_schema
from conformance.live._client import Budget, Client
from conformance.live._run import Runner, RunOptions
from conformance.live._scenarios import Probe

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


def overhead(url: str, bodies: list[dict[str, Any]]) -> dict[str, float]:
    """µs per request of the same bodies, in alternating rounds so drift hits both: a bare httpx
    POST-and-read loop, and the suite sending each one (bounded read, parse) and judging the
    answer with every check.

    Measured twice. On the socket: medians of wall time. Off the socket: the same two loops
    over an ``httpx.MockTransport`` that replays the router's recorded answers, so what remains
    is the client's own CPU work; the fastest of the rounds is kept, the usual estimate of
    CPU-bound work on a shared host. The difference is the suite's overhead, waiting excluded.
    """
    live = Runner(_bench_options(url), lambda line: None)
    answers: dict[bytes, httpx.Response] = {}
    with httpx.Client() as client:
        for body in bodies:
            answer = client.post(f"{url}/chat/completions", json=body)
            answers[json.dumps(body).encode()] = answer

    def replay(request: httpx.Request) -> httpx.Response:
        answer = answers[request.content]
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    mock = httpx.MockTransport(replay)
    offline = Runner(_bench_options(url), lambda line: None)
    offline.client = Client(url, transport=mock, budget=offline.options.budget)
    times: dict[str, list[float]] = {}

    def timed(name: str, send: Callable[[dict[str, Any]], object]) -> None:
        started = time.perf_counter()
        for body in bodies:
            send(body)
        times.setdefault(name, []).append((time.perf_counter() - started) / len(bodies) * 1e6)

    def bare(client: httpx.Client) -> Callable[[dict[str, Any]], object]:
        def send(body: dict[str, Any]) -> object:
            content = json.dumps(body).encode()  # the suite's encoding, so replay finds it
            return client.post(f"{url}/chat/completions", content=content).read()

        return send

    with httpx.Client() as client, httpx.Client(transport=mock) as fake, live.client:
        for _ in range(2):  # warm up connections, caches and compiled schemas
            timed("warm", bare(client))
            timed("warm", lambda body: live.send("bench", Probe(body)))
            timed("warm", bare(fake))
            timed("warm", lambda body: offline.send("bench", Probe(body)))
        for _ in range(7):
            timed("bare", bare(client))
            timed("suite", lambda body: live.send("bench", Probe(body)))
            timed("bare_offline", bare(fake))
            timed("suite_offline", lambda body: offline.send("bench", Probe(body)))
    return {
        "bare": statistics.median(times["bare"]),
        "suite": statistics.median(times["suite"]),
        "bare_offline": min(times["bare_offline"]),
        "suite_offline": min(times["suite_offline"]),
        "bare_offline_median": statistics.median(times["bare_offline"]),
        "suite_offline_median": statistics.median(times["suite_offline"]),
    }


def _bench_options(url: str) -> RunOptions:
    budget = Budget(max_requests=10**6, max_completion_tokens=10**9)
    return RunOptions(base_url=url, profile=load_profile(), model=MODEL, budget=budget)


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
            loops: list[dict[str, float]] = []
            for r in range(args.rounds):
                rate, bodies = ours(url, args.examples, seed=r)
                rates["ours"].append(rate)
                rates["schemathesis"].append(schemathesis(document, url, args.examples, seed=r))
                loops.append(overhead(url, bodies))
        median = {name: statistics.median(values) for name, values in rates.items()}
        print(f"{args.examples} cases per round, {args.rounds} rounds, medians of wall time")
        for name, value in median.items():
            print(f"  {name:<14} {value:7.1f} cases/s  ({1e3 / value:6.2f} ms per case)")
        print(f"  ours / schemathesis: {median['ours'] / median['schemathesis']:.2f}x")
        per = {name: statistics.median(loop[name] for loop in loops) for name in loops[0]}
        rtt = per["bare"]
        print(f"  the same requests, µs per request: bare keep-alive round trip {rtt:.0f}")
        print(
            f"    sent and judged by the suite: {per['suite']:.0f} "
            f"(+{per['suite'] - rtt:.0f} µs, {(per['suite'] - rtt) / rtt:.0%} of a round trip)"
        )
        work = per["suite_offline"] - per["bare_offline"]
        print(
            f"    off the socket (replayed answers): bare httpx {per['bare_offline']:.0f}, "
            f"suite {per['suite_offline']:.0f}: own work {work:.0f} µs, "
            f"{work / rtt:.0%} of a round trip (generation excluded; fastest round)"
        )
        median_work = per["suite_offline_median"] - per["bare_offline_median"]
        print(f"    the same, median round: own work {median_work:.0f} µs, {median_work / rtt:.0%}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
