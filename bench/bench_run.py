"""Requests per second against the reference router, beside schemathesis, both as whole processes.

The router runs in its own process on 127.0.0.1: the app ``conformance serve`` runs, with the
same uvicorn settings, behind a counter of the requests it receives and of their bodies' bytes
(:class:`Counted`), so each side's rate is what the server saw, not what the side meant to send.
In interleaved rounds, each side a fresh process in its own temporary working directory (kept
for the rounds, removed at the end, so no ``.hypothesis/`` or ``.schemathesis/`` is left where
the bench was started):

- ``conformance run``: the whole command against the router, ``--max-examples N`` (N valid and
  N invalid generated requests, besides its plain, wrong-type, targeted and coverage requests:
  no option restricts a run to its generated phase), every check applied to every answer;
- ours, generated phase alone: a process that imports the suite and runs the run's generated
  phase with N valid requests, one at a time, every check applied: the part of
  ``conformance run`` that does what schemathesis's fuzzing phase does;
- schemathesis: ``st run --phases fuzzing --mode positive -n N`` with its example database off,
  on an OpenAPI 3.1 document of the same operation, built from the same request schema;
- schemathesis, capped: the same on that document with its unbounded strings, arrays and
  free-form objects capped (:func:`capped`): on the whole schema schemathesis sends bodies several
  times the size of ours, and its rate depends on that;
- overhead: the valid requests ours draws, through a bare httpx loop and through the suite (see
  :func:`overhead`); the difference is the suite's cost per request, generation excluded.

Each side runs once unmeasured first (schemathesis then finds its caches warm, as on a second
run in one folder; ``conformance run`` keeps hypothesis's caches in a fresh temporary folder on
every run, so it always starts cold). Rates are medians over the rounds of the requests the server
received divided by the process's wall time. Run: ``python bench/bench_run.py``.
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
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from conformance.checks import REGISTRY
from conformance.cli._cli_run import _scratch_hypothesis_home
from conformance.contract import load_profile
from conformance.contract import openapi_document as contract_openapi_document
from conformance.exchange import request_bytes
from conformance.live._client import Budget, Client
from conformance.live._run import Runner, RunOptions
from conformance.live._scenarios import Probe

MODEL = "reference-model"
#: Where the counting wrapper answers its own figures (outside the router's routes).
STATS = "/__bench__/stats"
#: Checks schemathesis applies: a crash is the one finding both sides judge alike (the suite's
#: own checks are what the comparison leaves out: ``all`` adds schemathesis's schema checks).
ST_CHECKS = "not_a_server_error"
#: Budgets that never stop ``conformance run`` before its phases end.
UNBOUNDED = ["--max-requests", "1000000", "--max-completion-tokens", "1000000000"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]


def openapi_document(base_url: str) -> dict[str, Any]:
    """The package's OpenAPI document of the base profile's operation (what ``conformance
    openapi`` writes), allowing only the served model: otherwise most generated cases end at a
    404 for an unknown model."""
    return contract_openapi_document(load_profile(), base_url=base_url, model=MODEL)


class Counted:
    """An ASGI app counting the HTTP requests it passes on, those of them that POST to
    ``…/chat/completions``, and their bodies' bytes (the Content-Length each declares, else what
    the app read); it answers the counts as JSON at ``STATS``."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.requests = 0
        self.posts = 0
        self.body_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == STATS:
            figures = {
                "requests": self.requests,
                "posts": self.posts,
                "body_bytes": self.body_bytes,
            }
            body = json.dumps(figures)
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        self.requests += 1
        if scope["method"] == "POST" and scope["path"].endswith("/chat/completions"):
            self.posts += 1
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit():
            self.body_bytes += int(declared)
            await self.app(scope, receive, send)
            return

        async def counting() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.body_bytes += len(message.get("body", b""))
            return message

        await self.app(scope, counting, send)


def serve(port: int) -> None:
    """The reference router as ``conformance serve --port PORT`` runs it (its app, uvicorn's
    settings, the access log), behind :class:`Counted`."""
    import uvicorn

    from conformance.reference._app import create_app
    from conformance.reference._server import _config, listen

    sock = listen("127.0.0.1", port)
    try:
        uvicorn.Server(_config(Counted(create_app()), quiet=False)).run(sockets=[sock])
    finally:
        sock.close()


@dataclass(frozen=True, slots=True)
class Counts:
    requests: int
    posts: int
    body_bytes: int

    @classmethod
    def at(cls, url: str) -> Counts:
        origin = url.removesuffix("/v1")
        figures = httpx.get(f"{origin}{STATS}", timeout=5).json()
        return cls(int(figures["requests"]), int(figures["posts"]), int(figures["body_bytes"]))


@dataclass(frozen=True, slots=True)
class Measured:
    """One process: its wall time, and what the server received while it ran (``posts``: the
    requests to ``POST …/chat/completions``, the others being probes such as schemathesis's
    ``GET /schemathesis-probe…`` or a suite's wrong-method request)."""

    seconds: float
    requests: int
    posts: int
    body_bytes: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def mean_body(self) -> float:
        return self.body_bytes / self.requests if self.requests else 0.0


def _timed(command: list[str], url: str, cwd: Path, accepted: tuple[int, ...]) -> Measured:
    before = Counts.at(url)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = Counts.at(url)
    if done.returncode not in accepted:
        raise SystemExit(
            f"{' '.join(command[:3])} … exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return Measured(
        elapsed,
        after.requests - before.requests,
        after.posts - before.posts,
        after.body_bytes - before.body_bytes,
    )


def _env() -> dict[str, str]:
    """This environment, with each PYTHONPATH entry made absolute: the children run elsewhere."""
    env = dict(os.environ)
    entries = [e for e in env.get("PYTHONPATH", "").split(os.pathsep) if e]
    if entries:
        env["PYTHONPATH"] = os.pathsep.join(str(Path(e).resolve()) for e in entries)
    return env


def conformance_run(url: str, examples: int, seed: int, cwd: Path) -> Measured:
    """The whole ``conformance run`` command, every phase (no shrinking: nothing fails)."""
    command = [
        sys.executable, "-m", "conformance", "run", "--base-url", url, "--model", MODEL,
        "--seed", str(seed), "--max-examples", str(examples), "--max-shrinks", "0", *UNBOUNDED,
    ]  # fmt: skip
    return _timed(command, url, cwd, accepted=(0, 1))


def ours_generated(url: str, examples: int, seed: int, cwd: Path) -> Measured:
    """A process running the generated phase alone (see :func:`generated_phase`)."""
    command = [
        sys.executable, str(Path(__file__).resolve()), "--generated-phase", url,
        "--examples", str(examples), "--seed", str(seed),
    ]  # fmt: skip
    return _timed(command, url, cwd, accepted=(0,))


def generated_phase(url: str, examples: int, seed: int) -> None:
    """The run's generated phase, valid requests only, as ``conformance run`` runs it (hypothesis
    keeping its caches in a fresh temporary folder)."""
    with _scratch_hypothesis_home():
        runner = Runner(_bench_options(url, seed=seed, examples=examples), lambda event: None)
        with runner.client:
            runner.generated(MODEL, invalid=False)
    if runner.tally.exchanges != examples:
        raise SystemExit(f"{runner.tally.exchanges} requests judged, not {examples}")


def schemathesis(document: Path, url: str, examples: int, seed: int, cwd: Path) -> Measured:
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    # The document's server is the router's origin; its path carries the profile's prefix.
    server = json.loads(document.read_text())["servers"][0]["url"]
    command = [
        st, "run", str(document), "--url", server, "--phases", "fuzzing", "--mode", "positive",
        "-n", str(examples), "--seed", str(seed), "--checks", ST_CHECKS, "--workers", "1",
        "--generation-database", "none", "--no-color",
    ]  # fmt: skip
    return _timed(command, url, cwd, accepted=(0, 1))


def drawn(url: str, examples: int, seed: int) -> list[dict[str, Any]]:
    """The valid requests the generated phase sends at ``seed``, drawn without sending them."""
    from conformance.generate._generate import valid_requests

    bodies: list[dict[str, Any]] = []
    runner = Runner(_bench_options(url, seed=seed, examples=examples), lambda event: None)
    with _scratch_hypothesis_home():
        strategy = valid_requests(runner.profile, model=MODEL)
        runner._in_batches(strategy, bodies.append, examples)
    return bodies


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
            answers[request_bytes(body)] = answer

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
            content = request_bytes(body)  # the suite's encoding, so replay finds it
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


def _bench_options(url: str, *, seed: int = 0, examples: int = 25) -> RunOptions:
    budget = Budget(max_requests=10**6, max_completion_tokens=10**9)
    return RunOptions(
        base_url=url,
        profile=load_profile(),
        model=MODEL,
        budget=budget,
        seed=seed,
        max_examples=examples,
    )


#: Caps :func:`capped` puts on what the request schema leaves unbounded.
CAP_STRING, CAP_ITEMS = 20, 2


def capped(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every string that has no length, enum, const or pattern of its own at
    most ``CAP_STRING`` characters, every array at most ``CAP_ITEMS`` items and every free-form
    object at most ``CAP_ITEMS`` properties: schemathesis then draws bodies about the size of
    ours (which are small by construction, see ``conformance.generate._generate``), so the rates
    compare the tools, not the bytes they chose to send."""

    def cap(node: Any) -> Any:
        if isinstance(node, list):
            return [cap(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: cap(value) for key, value in node.items()}
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "string" in kinds and not {"maxLength", "enum", "const", "pattern"} & node.keys():
            node["maxLength"] = CAP_STRING
        if "array" in kinds:
            node["maxItems"] = min(node.get("maxItems", CAP_ITEMS), CAP_ITEMS)
        if "object" in kinds and not {"properties", "additionalProperties"} & node.keys():
            node["maxProperties"] = CAP_ITEMS
        return node

    result: dict[str, Any] = cap(document)
    return result


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


SIDES = ("conformance run", "ours, generated phase", "schemathesis", "schemathesis, capped")


def _describe(examples: int) -> list[str]:
    return [
        f"conformance run: `conformance run --max-examples {examples}` as a process: every "
        f"phase (plain, wrong-type, targeted and coverage requests, {examples} valid and "
        f"{examples} invalid generated ones), 4 at a time outside the generated phase; all "
        f"{len(REGISTRY)} checks on every answer",
        f"ours, generated phase: a process importing the suite and running the generated phase "
        f"alone, {examples} valid requests one at a time; all {len(REGISTRY)} checks on every "
        "answer",
        f"schemathesis: `st run --phases fuzzing --mode positive -n {examples} --workers 1 "
        f"--generation-database none` as a process, one at a time; checks: {ST_CHECKS}",
        f"schemathesis, capped: the same on the document with unbounded strings capped at "
        f"{CAP_STRING} characters and arrays and free-form objects at {CAP_ITEMS} entries, so "
        "its bodies are about the size of ours",
    ]


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def _report(examples: int, rounds: int, measured: dict[str, list[Measured]]) -> None:
    print(
        f"{examples} examples per side and round, {rounds} rounds interleaved, after one "
        "unmeasured run of each; each side a whole process against the same router process"
    )
    for line in _describe(examples):
        print(f"  {line}")
    print(
        "requests as the server received them (of them POST /chat/completions), their mean "
        "body; medians over the rounds, requests/s = requests received / wall time:"
    )
    print(
        f"  {'':<22} {'wall s':>7} {'requests':>9} {'POSTs':>9} {'mean body B':>12} "
        f"{'requests/s':>11}"
    )
    rate = {}
    for name, runs in measured.items():
        rate[name] = statistics.median(m.rate for m in runs)
        print(
            f"  {name:<22} {statistics.median(m.seconds for m in runs):7.2f} "
            f"{_spread([m.requests for m in runs]):>9} {_spread([m.posts for m in runs]):>9} "
            f"{statistics.median(m.mean_body for m in runs):12.0f} {rate[name]:11.1f}"
        )
    ours, whole = rate["ours, generated phase"], rate["conformance run"]
    print("  ours / schemathesis, requests/s:")
    print(
        f"    generated phase alone: {ours / rate['schemathesis, capped']:.2f}x schemathesis "
        f"with bodies of a similar size (like for like), {ours / rate['schemathesis']:.2f}x "
        "schemathesis on the whole schema"
    )
    print(
        f"    conformance run: {whole / rate['schemathesis']:.2f}x schemathesis on the whole "
        "schema (not like for like: other requests too, many refused at once, some 4 at a time)"
    )


def _report_overhead(loops: list[dict[str, float]]) -> None:
    per = {name: statistics.median(loop[name] for loop in loops) for name in loops[0]}
    rtt = per["bare"]
    print(f"the generated valid requests, µs per request: bare keep-alive round trip {rtt:.0f}")
    print(
        f"  sent and judged by the suite: {per['suite']:.0f} "
        f"(+{per['suite'] - rtt:.0f} µs, {(per['suite'] - rtt) / rtt:.0%} of a round trip)"
    )
    work = per["suite_offline"] - per["bare_offline"]
    print(
        f"  off the socket (replayed answers): bare httpx {per['bare_offline']:.0f}, "
        f"suite {per['suite_offline']:.0f}: own work {work:.0f} µs, "
        f"{work / rtt:.0%} of a round trip (generation excluded; fastest round)"
    )
    median_work = per["suite_offline_median"] - per["bare_offline_median"]
    print(f"  the same, median round: own work {median_work:.0f} µs, {median_work / rtt:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    # The bench's own child processes: the counted router, and the generated phase alone.
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--generated-phase", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    if args.generated_phase is not None:
        generated_phase(args.generated_phase, args.examples, args.seed)
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**_env(), "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait(url)
        with tempfile.TemporaryDirectory(prefix="bench-run-") as folder:
            base = Path(folder)
            cwd = {name: base / str(i) for i, name in enumerate(SIDES)}
            for path in cwd.values():
                path.mkdir()
            document = cwd["schemathesis"] / "openapi.json"
            document.write_text(json.dumps(openapi_document(url)))
            small = cwd["schemathesis, capped"] / "openapi.json"
            small.write_text(json.dumps(capped(openapi_document(url))))
            sides: dict[str, Callable[[int], Measured]] = {
                "conformance run": lambda seed: conformance_run(
                    url, args.examples, seed, cwd["conformance run"]
                ),
                "ours, generated phase": lambda seed: ours_generated(
                    url, args.examples, seed, cwd["ours, generated phase"]
                ),
                "schemathesis": lambda seed: schemathesis(
                    document, url, args.examples, seed, cwd["schemathesis"]
                ),
                "schemathesis, capped": lambda seed: schemathesis(
                    small, url, args.examples, seed, cwd["schemathesis, capped"]
                ),
            }
            for measure in sides.values():  # warm up: the router, the disk cache, st's caches
                measure(args.rounds)
            measured: dict[str, list[Measured]] = {name: [] for name in SIDES}
            loops: list[dict[str, float]] = []
            for r in range(args.rounds):
                order = SIDES[r % len(SIDES) :] + SIDES[: r % len(SIDES)]  # drift hits all
                for name in order:
                    measured[name].append(sides[name](r))
                loops.append(overhead(url, drawn(url, args.examples, seed=r)))
        _report(args.examples, args.rounds, measured)
        _report_overhead(loops)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
