"""The reference router over real sockets: compliant by default, and each fault trips its checks.

One uvicorn server on 127.0.0.1 hosts the compliant router at /compliant/v1 and one router per
fault at /<fault>/v1, so every fault is served by a real HTTP stack without a server per fault.
The invariants:

- the compliant router passes every check on a set of requests that exercises every check;
- each fault trips the checks it names (and the same request fails nothing on the compliant
  router);
- every registered check is tripped by at least one fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.routing import Mount

from conformance import Exchange, load_profile, run_checks
from conformance.base._intents import Intent
from conformance.checks import REGISTRY
from conformance.checks._results import CheckResult
from conformance.checks._tiers import judged_as
from conformance.cli import main
from conformance.contract._profile import DEFAULT_PROFILE, Profile
from conformance.live._client import Budget, Client
from conformance.live._scenarios import SCENARIOS, Scenario
from conformance.live._turns import assistant_turn, function_call, tool_result
from conformance.reference import (
    FAULTS,
    MAX_BODY_BYTES,
    MODEL_ID,
    STREAM_ERROR_HEADER,
    THROTTLE_HEADER,
    create_app,
    serve_in_thread,
)
from conformance.reference._model import Params, generate

KEY = "sk-reference-test-key"
PROFILE = load_profile()


@dataclass(frozen=True)
class Probe:
    """One request: its body (JSON, raw bytes, or none), method, key, extra headers, intent, and
    the status the compliant router answers it with."""

    body: Mapping[str, Any] | bytes | None
    method: str = "POST"
    auth: Literal["key", "none", "bad"] = "key"
    headers: Mapping[str, str] = field(default_factory=dict)
    intent: Intent | None = None
    status: int = 200  # what the compliant router answers
    follow_up: bool = False  # carries back the router's own tool call (Exchange.follow_up)


# --- the run's own scenarios, as the package builds them ------------------------------------------

#: What the compliant router answers the scenarios it does not answer with 200.
SCENARIO_STATUS: dict[str, int] = {
    "stream.invalid": 400,
    "invalid.empty_messages": 400,
    "invalid.malformed_json": 400,
    "invalid.unknown_model": 404,
    "invalid.wrong_method": 405,
    "auth.no_key": 401,
    "auth.bad_key": 401,
}


def _from_scenario(scenario: Scenario) -> Probe:
    probe = scenario.build(MODEL_ID)
    return Probe(
        probe.body,
        method=probe.method,
        auth=probe.auth,
        headers=probe.headers or {},
        intent=probe.intent,
        status=SCENARIO_STATUS.get(scenario.name, 200),
    )


#: Every scenario of a run (conformance.live._scenarios.SCENARIOS), by its name.
SCENARIO_PROBES: dict[str, Probe] = {s.name: _from_scenario(s) for s in SCENARIOS}


# --- extras: what the router is tested on beyond the run's scenarios ----------------------------


def _ask(text: str = "Say hello in three words.", **params: Any) -> dict[str, Any]:
    return {"model": MODEL_ID, "messages": [{"role": "user", "content": text}], **params}


def _tool(name: str, **properties: Any) -> dict[str, Any]:
    parameters = {"type": "object", "properties": properties, "required": sorted(properties)}
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


#: Tools whose arguments carry a bound and an enum the router's calls must keep.
TOOLS = [
    _tool("get_weather", city={"type": "string"}, days={"type": "integer", "minimum": 1}),
    _tool("get_time", city={"type": "string"}, zone={"enum": ["utc", "local"]}),
]
WEATHER = "What is the weather in Paris? Use get_weather."
#: A structured output schema with more to keep than the scenario's: a length, a bound, an enum
#: array and a nullable field.
PLACE = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 2},
        "country": {"type": "string"},
        "population": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"enum": ["big", "old"]}, "minItems": 1},
        "mayor": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["city", "country", "population", "tags", "mayor"],
    "additionalProperties": False,
}
SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "place", "strict": True, "schema": PLACE},
}
CUSTOM_TOOL = {"type": "custom", "custom": {"name": "run_sql", "description": "Run SQL"}}


EXTRA_PROBES: dict[str, Probe] = {
    "seeded": Probe(_ask(seed=7, temperature=0, max_completion_tokens=50)),
    "json_schema_rich": Probe(_ask("Name a city.", response_format=SCHEMA_FORMAT)),
    "stream_json_schema_rich": Probe(_ask(stream=True, response_format=SCHEMA_FORMAT)),
    "tools_auto_text": Probe(_ask("Say hi.", tools=TOOLS)),
    "tools_allowed": Probe(
        _ask(
            WEATHER,
            tools=TOOLS,
            tool_choice={
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "required",
                    "tools": [{"type": "function", "function": {"name": "get_time"}}],
                },
            },
        )
    ),
    "tools_custom": Probe(
        _ask(
            "Count the users.",
            tools=[*TOOLS, CUSTOM_TOOL],
            tool_choice={"type": "custom", "custom": {"name": "run_sql"}},
        )
    ),
    "stream_interrupted": Probe(_ask(stream=True), headers={STREAM_ERROR_HEADER: "3"}),
    "invalid": Probe(_ask(temperature=5), status=400),
    "invalid_nested": Probe(
        {"model": MODEL_ID, "messages": [{"role": "wizard", "content": "hi"}]}, status=400
    ),
    # Beside the scenario stream.invalid (temperature 5): a test below reads the param the
    # error names, n, which is this probe's own.
    "stream_invalid_n": Probe(_ask(stream=True, n=0), status=400),
    "throttle": Probe(_ask(), headers={THROTTLE_HEADER: "2"}, status=429),
    # valid requests some servers crash on or refuse
    "content_parts": Probe(
        {
            "model": MODEL_ID,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Say hi."}]}],
        }
    ),
    "developer": Probe(
        {
            "model": MODEL_ID,
            "messages": [
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": "Say hi."},
            ],
        }
    ),
    "tool_no_params": Probe(
        _ask("Say hi.", tools=[{"type": "function", "function": {"name": "ping"}}])
    ),
    "edges": Probe(
        _ask(
            temperature=2,
            top_p=1,
            presence_penalty=-2,
            frequency_penalty=2,
            logprobs=True,
            top_logprobs=20,
            max_tokens=5,
        )
    ),
    # OpenAI-platform parameters: valid values, a wrong type, a deeper rule broken
    "platform_values": Probe(
        _ask(metadata={"team": "qa"}, service_tier="auto", prompt_cache_key="k", verbosity="low")
    ),
    "platform_broken": Probe(_ask(metadata=12345), status=400),
    "platform_deep": Probe(_ask(metadata={f"k{i}": "v" for i in range(17)}), status=400),
    # the request after invalid.malformed_json, on the same kept-alive connection
    "after_malformed": Probe(_ask()),
}


def _follow_up(stream: bool) -> Probe:
    """The second turn of tools.follow_up as a client sends it after the compliant router's
    first answer: its model is deterministic, so this is the call and the id it answers with."""
    first = SCENARIO_PROBES["tools.follow_up"].body
    assert isinstance(first, Mapping)
    first = {**first, "stream": stream}
    (output,) = generate(Params.from_request(first)).choices
    calls = [function_call(call.id, call.name, call.arguments) for call in output.calls]
    history = [assistant_turn(None, calls), *(tool_result(c.id, c.name) for c in output.calls)]
    messages = [*first["messages"], *history]
    return Probe({**first, "messages": messages, "tool_choice": "auto"}, follow_up=True)


EXTRA_PROBES |= {"follow_up": _follow_up(False), "stream_follow_up": _follow_up(True)}

#: Every probe by name: the scenarios, then the extras (no extra takes a scenario's name).
PROBES: dict[str, Probe] = {**SCENARIO_PROBES, **EXTRA_PROBES}

# fault -> the probes that show it; the catalogue names the checks it must trip.
FAULT_PROBES: dict[str, tuple[str, ...]] = {
    "no-done": ("stream",),
    "double-done": ("stream",),
    "missing-blank-lines": ("stream",),
    "invalid-utf8": ("stream",),
    "data-not-json": ("stream",),
    "wrong-chunk-object": ("stream",),
    "content-type-plain": ("plain", "stream"),
    "azure-metadata-chunk": ("stream",),
    "id-changes": ("stream",),
    "index-counter": ("stream",),
    "n-multiplexed": ("stream.n2",),
    "role-every-delta": ("stream",),
    "no-finish-reason": ("stream", "plain"),
    "ignore-include-usage": ("stream.include_usage",),
    "usage-on-finish-chunk": ("stream.include_usage",),
    "usage-every-chunk": ("stream",),
    "usage-arithmetic": ("plain",),
    "empty-success": ("plain",),
    "arguments-object": ("tools.required",),
    "arguments-not-json": ("tools.required",),
    "tool-calls-delta-object": ("stream.tools",),
    "tool-call-index-missing": ("stream.tools",),
    "tool-call-index-constant": ("stream.tools.parallel",),
    "tool-call-name-repeated": ("stream.tools",),
    "tool-call-start-without-name": ("stream.tools",),
    "tool-calls-dropped-in-stream": ("stream.tools",),
    "tool-calls-leaked-as-text": ("tools.required",),
    "stop-instead-of-tool-calls": ("tools.auto",),
    "tool-call-when-none": ("tools.none",),
    "forced-tool-ignored": ("tools.required", "tools.named"),
    "finish-reason-eos": ("plain",),
    "exceed-max-tokens": ("max_tokens.length",),
    "stop-at-cap-says-stop": ("max_tokens.length",),
    "stop-sequence-included": ("stop",),
    "ignore-n": ("n2",),
    "invalid-json-mode": ("format.json_object",),
    "schema-violating-output": ("json_schema_rich",),
    "ignore-logprobs": ("logprobs",),
    "legacy-logprobs": ("logprobs",),
    "top-logprobs-wrong": ("logprobs",),
    "think-in-content": ("reasoning.separate",),
    "accept-invalid": ("invalid",),
    "error-event-200": ("stream.invalid",),
    "vllm-error-envelope": ("invalid",),
    "error-fields-missing": ("invalid",),
    "retry-after-missing": ("throttle",),
    "unknown-model-500": ("invalid.unknown_model",),
    "auth-ignored": ("auth.bad_key",),
    "mid-stream-error-malformed": ("stream_interrupted",),
    "drop-connection": ("plain", "stream", "n2", "max_tokens.length"),  # the 4th gets no answer
    "stream-reset": ("stream",),
    "malformed-json-500-close": ("invalid.malformed_json", "after_malformed"),
    "valid-500": ("json_schema_rich", "content_parts", "developer", "tool_no_params"),
    "refuse-edge-values": ("edges", "seeded"),
    "platform-params-ignored": ("platform_broken",),
    "platform-params-half-validated": ("platform_deep",),
    "wrong-method-500": ("invalid.wrong_method",),
    "tool-role-500": ("follow_up", "tools.history"),
    "tool-role-refused": ("follow_up",),
    "null-content-refused": ("follow_up",),
    "own-tool-ids-500": ("follow_up", "stream_follow_up"),
    "tool-results-dropped": ("follow_up", "stream_follow_up"),
    "one-tool-call-id": ("tools.parallel", "stream.tools.parallel"),
    "silent-after-tool-result": ("follow_up", "stream_follow_up"),
}

# The faults that trip errors.wrong_method (wrong-method-500) and requests.valid_accepted
# (valid-500, refuse-edge-values) are added to the router on another branch.


Send = Callable[[str, str], Exchange]


@pytest.fixture(scope="module")
def send() -> Iterator[Send]:
    """send(router, probe) -> the exchange, each sent once per module, by the suite's own client
    (one per router, so a connection a fault leaves broken is the next request's)."""
    mounts = [Mount("/compliant", app=create_app(api_key=KEY))]
    mounts += [Mount(f"/{name}", app=create_app(faults=[name], api_key=KEY)) for name in FAULTS]
    answers: dict[tuple[str, str], Exchange] = {}
    clients: dict[str, Client] = {}
    with serve_in_thread(Starlette(routes=mounts), prefix="") as root:

        def exchange(router: str, name: str) -> Exchange:
            if router not in clients:
                clients[router] = Client(f"{root}/{router}/v1", api_key=KEY, budget=_UNBOUNDED)
            if (router, name) not in answers:
                answers[router, name] = _send(clients[router], PROBES[name])
            return answers[router, name]

        try:
            yield exchange
        finally:
            for client in clients.values():
                client.close()


_UNBOUNDED = Budget(max_requests=10**6, max_completion_tokens=10**9)


def _send(client: Client, probe: Probe) -> Exchange:
    """Send one probe as a run does: a request that gets no answer is sent once more on a fresh
    connection, and what broke is recorded on the exchange."""
    exchange = client.send(
        probe.body,
        method=probe.method,
        headers=probe.headers,
        auth=probe.auth,
        intent=probe.intent,
        retry=False,
        label=client.base_url,  # the router a probe went to
    )
    return replace(exchange, follow_up=probe.follow_up)


def _results(exchange: Exchange, profile: Profile = PROFILE) -> list[CheckResult]:
    return run_checks(exchange, profile)


def _failed(exchange: Exchange, profile: Profile = PROFILE) -> dict[str, str]:
    return {
        r.check: "; ".join(f.message for f in r.failures) or (r.reason or "")
        for r in _results(exchange, profile)
        if r.status in ("failed", "error")
    }


@pytest.mark.parametrize("name", list(PROBES))
def test_the_compliant_router_passes_every_check(send: Send, name: str) -> None:
    exchange = send("compliant", name)
    assert exchange.status == PROBES[name].status, exchange.body[:300]
    assert _failed(exchange) == {}


def test_the_probes_make_every_check_pass_somewhere(send: Send) -> None:
    passed = {
        r.check
        for name in PROBES
        for r in _results(send("compliant", name))
        if r.status == "passed"
    }
    assert set(REGISTRY) - passed == set()


def test_every_fault_has_probes() -> None:
    assert set(FAULT_PROBES) == set(FAULTS)
    assert all(set(probes) <= set(PROBES) for probes in FAULT_PROBES.values())


def _parametrized(test: Callable[..., None], argument: str) -> list[Any]:
    """The values ``test`` is parametrized with for ``argument``."""
    marks = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
    return [value for m in marks if m.args[0] == argument for value in m.args[1]]


def test_every_scenario_of_a_run_is_sent_to_the_router_as_the_package_builds_it() -> None:
    """A scenario added to the package is judged on the compliant router and on every fault
    at once here, without a line of this file changing; and no extra stands in for one."""
    names = [s.name for s in SCENARIOS]
    assert set(names) <= set(_parametrized(test_the_compliant_router_passes_every_check, "name"))
    assert not set(EXTRA_PROBES) & set(names), "an extra takes a scenario's name"
    assert set(SCENARIO_STATUS) <= set(names), "a status for a scenario the package lost"
    for scenario in SCENARIOS:
        built, probe = scenario.build(MODEL_ID), PROBES[scenario.name]
        assert (probe.body, probe.method, probe.auth, probe.intent) == (
            built.body,
            built.method,
            built.auth,
            built.intent,
        ), scenario.name
        assert dict(probe.headers) == dict(built.headers or {}), scenario.name


def _unregistered(checks: set[str]) -> None:
    """Skip, naming the checks a fault names that this build does not register."""
    if checks:
        pytest.skip(f"check {', '.join(sorted(checks))} is not registered in this build")


#: Faults judged by the profile a run judges by once its type probes found the target
#: implementing every ignorable parameter (conformance.checks._tiers.judged_as).
_IMPLEMENTS_PLATFORM = frozenset({"platform-params-half-validated"})


@pytest.mark.parametrize("fault", list(FAULT_PROBES))
def test_each_fault_trips_the_checks_it_names(send: Send, fault: str) -> None:
    profile = judged_as(PROFILE, ()) if fault in _IMPLEMENTS_PLATFORM else PROFILE
    tripped: dict[str, str] = {}
    for name in FAULT_PROBES[fault]:
        assert _failed(send("compliant", name), profile) == {}
        tripped |= _failed(send(fault, name), profile)
    named = set(FAULTS[fault].trips)
    assert named & set(REGISTRY) <= set(tripped), tripped
    _unregistered(named - set(REGISTRY))


def test_every_check_is_tripped_by_some_fault(send: Send) -> None:
    tripped = {
        check
        for fault, probes in FAULT_PROBES.items()
        for name in probes
        for check in _failed(send(fault, name))
    }
    assert set(REGISTRY) - tripped == set()


#: Probes some fault answers with its own 500 (a crash it imitates), all faults at once.
_FAULT_500 = {
    "invalid.unknown_model",
    "invalid.malformed_json",
    "invalid.wrong_method",
    "format.json_schema",
    "stream.format.json_schema",
    "json_schema_rich",
    "stream_json_schema_rich",
    "content_parts",
    "developer",
    "tool_no_params",
    "follow_up",
    "stream_follow_up",
    "tools.history",
    "stream.tools.history",
}


def test_all_faults_at_once_still_answer_every_probe() -> None:
    """Faults compose: no combination of hooks breaks the router itself (no 500 but the ones
    the faults imitate; no connection lost but the ones they drop)."""
    with (
        serve_in_thread(faults=list(FAULTS), api_key=KEY) as base_url,
        Client(base_url, api_key=KEY, budget=_UNBOUNDED) as client,
    ):
        for name, probe in PROBES.items():
            exchange = _send(client, probe)
            if exchange.status == 0:  # dropped twice in a row
                continue
            assert exchange.status < 500 or name in _FAULT_500, (name, exchange.body[:200])
            assert _failed(exchange) or PROBES[name].status != 200


def test_every_check_is_named_by_some_fault() -> None:
    named = {check for fault in FAULTS.values() for check in fault.trips}
    assert set(REGISTRY) - named == set()
    _unregistered(named - set(REGISTRY))


# --- the router's own contract, beyond the checks ------------------------------------------------


@pytest.fixture(scope="module")
def router(reference_url: Callable[[str], str]) -> Iterator[httpx.Client]:
    """The compliant router without a key: any key or none is accepted."""
    with httpx.Client(base_url=reference_url(DEFAULT_PROFILE), timeout=10) as client:
        yield client


def _content(response: httpx.Response) -> str:
    return str(response.json()["choices"][0]["message"]["content"])


def test_without_a_key_any_key_or_none_is_accepted(router: httpx.Client) -> None:
    body = _ask()
    plain = router.post("/chat/completions", json=body)
    keyed = router.post("/chat/completions", json=body, headers={"Authorization": "Bearer x"})
    assert plain.status_code == keyed.status_code == 200
    assert _content(plain) == _content(keyed)  # deterministic


def test_models_lists_the_one_model_in_openai_shape(router: httpx.Client) -> None:
    listing = router.get("/models").json()
    assert listing["object"] == "list"
    assert [model["id"] for model in listing["data"]] == [MODEL_ID]
    assert listing["data"][0]["object"] == "model"
    assert router.get(f"/models/{MODEL_ID}").json()["id"] == MODEL_ID
    missing = router.get("/models/other")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"


def test_a_key_is_required_on_models_too(send: Send) -> None:
    with httpx.Client(timeout=10) as client:
        base = send("compliant", "plain").label
        assert client.get(f"{base}/models").status_code == 401
        keyed = client.get(f"{base}/models", headers={"Authorization": f"Bearer {KEY}"})
        assert keyed.status_code == 200


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("invalid", "temperature"),
        ("invalid_nested", "messages"),
        ("invalid.empty_messages", "messages"),
        ("stream.invalid", "temperature"),
    ],
)
def test_a_400_names_the_top_level_field(send: Send, name: str, param: str) -> None:
    error = send("compliant", name).json["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)


def test_a_broken_stream_request_gets_json_not_a_stream(send: Send) -> None:
    exchange = send("compliant", "stream_invalid_n")
    assert (exchange.status, exchange.media_type) == (400, "application/json")
    assert exchange.json["error"]["param"] == "n"


def test_oversized_bodies_unknown_paths_and_methods_get_the_envelope(router: httpx.Client) -> None:
    big = router.post("/chat/completions", content=b"x" * (MAX_BODY_BYTES + 1))
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "request_too_large"
    nowhere = router.post("/completions", json={})
    assert nowhere.status_code == 404
    assert set(nowhere.json()["error"]) == {"message", "type", "param", "code"}
    wrong = router.delete("/chat/completions")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    not_json = router.post("/chat/completions", content=b'{"model": NaN}')
    assert not_json.status_code == 400


def test_throttle_sets_retry_after_from_the_header(router: httpx.Client) -> None:
    throttled = router.post("/chat/completions", json=_ask(), headers={THROTTLE_HEADER: "7"})
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "7"
    assert throttled.json()["error"]["code"] == "rate_limit_exceeded"


def test_a_stream_has_one_token_per_delta_and_equals_the_completion(router: httpx.Client) -> None:
    body = _ask(seed=1, logprobs=True, top_logprobs=2)
    whole = router.post("/chat/completions", json=body).json()
    streamed = router.post("/chat/completions", json={**body, "stream": True}).text
    chunks = [json.loads(line[6:]) for line in streamed.splitlines() if line.startswith("data: {")]
    deltas = [c["choices"][0]["delta"].get("content") for c in chunks[1:-1]]
    assert "".join(deltas) == whole["choices"][0]["message"]["content"]
    assert len(deltas) == whole["usage"]["completion_tokens"]
    assert streamed.endswith("data: [DONE]\n\n")
    assert all(len(c["choices"][0]["logprobs"]["content"]) == 1 for c in chunks[1:-1])


def test_a_profile_that_keeps_stop_sequences_and_always_streams_usage(tmp_path: Path) -> None:
    path = tmp_path / "lenient.yaml"
    path.write_text(
        "extends: openai-compatible\nid: lenient\ntitle: t\n"
        "streaming: {usage_without_include: always}\nstop_sequence: included\n"
    )
    profile = load_profile(str(path))
    stop = PROBES["stop"].body
    assert isinstance(stop, Mapping)
    with serve_in_thread(profile=str(path)) as base_url, httpx.Client(timeout=10) as client:
        for body in (_ask(stream=True), stop):
            response = client.post(f"{base_url}/chat/completions", json=body)
            exchange = Exchange.from_http(
                request=body,
                status=response.status_code,
                headers=dict(response.headers),
                body=response.content,
            )
            assert [r.check for r in run_checks(exchange, profile) if r.status == "failed"] == []
            assert exchange.answer.usage is not None
    assert str(stop["stop"][0]) in str(exchange.answer.choices[0].content)


def test_the_server_stops_when_the_block_ends() -> None:
    with serve_in_thread() as base_url:
        assert httpx.get(f"{base_url}/models").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/models", timeout=2)


def test_faults_are_listed_with_their_checks() -> None:
    result = CliRunner().invoke(main, ["faults"])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if not line.startswith(" ")]
    assert len(lines) == len(FAULTS)
    for fault in FAULTS.values():
        (line,) = [line for line in lines if line.split()[0] == fault.name]
        assert fault.description in line
        assert all(check in line for check in fault.trips)
        if fault.evidence:
            assert fault.evidence in result.output


def test_every_connection_fault_shows_on_the_wire(send: Send) -> None:
    """The client really sees the drop, the cut and the broken connection."""
    plain = [send("drop-connection", name) for name in FAULT_PROBES["drop-connection"]]
    assert [e.status for e in plain] == [200, 200, 200, 200]
    assert [e.retried is not None for e in plain] == [False, False, False, True]
    cut = send("stream-reset", "stream")
    assert cut.status == 200
    assert cut.body.count(b"data: ") == 2
    assert b"[DONE]" not in cut.body
    crashed = send("malformed-json-500-close", "invalid.malformed_json")
    assert (crashed.status, crashed.media_type) == (500, "text/plain")
    assert "close" not in crashed.headers.get("connection", "")
    after = send("malformed-json-500-close", "after_malformed")
    assert after.status == 200
    assert after.retried is not None  # the pooled connection was dead: sent again on a fresh one


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "no-such-fault"], "unknown fault(s) no-such-fault"),
        (["--profile", "no-such-profile"], "unknown profile"),
    ],
)
def test_serve_refuses_bad_options_with_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0", *args])
    assert result.exit_code == 2
    assert message in result.output
