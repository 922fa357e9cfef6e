"""The legal variants of the reference router, over real sockets.

Each variant shows on the wire what it claims (raw status, headers and bytes), and, served under
its profile, answers the probe set of the compliant router's test with no MUST finding: a MUST
finding there is a false positive of the check that raised it (the test is then marked xfail,
strict, with the check, the exchange and the clause that allows the behaviour).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.routing import Mount
from test_reference_router import KEY, PROBES, _send

from conformance import load_profile, run_checks
from conformance.cli import main
from conformance.contract._profile import DEFAULT_PROFILE
from conformance.live._client import Budget, Client
from conformance.reference import MODEL_ID, VARIANTS, create_app, serve_in_thread

Url = Callable[[str], str]

ASK: dict[str, Any] = {"model": MODEL_ID, "messages": [{"role": "user", "content": "Say hi."}]}
AUTH = {"Authorization": f"Bearer {KEY}"}


def _profile(name: str) -> str:
    return VARIANTS[name].profile or DEFAULT_PROFILE


@pytest.fixture(scope="module")
def url() -> Iterator[Url]:
    """url(variant) -> the base URL of a router showing that variant, under its profile."""
    mounts = [
        Mount(f"/{name}", app=create_app(variants=[name], api_key=KEY, profile=_profile(name)))
        for name in VARIANTS
    ]
    with serve_in_thread(Starlette(routes=mounts), prefix="") as root:
        yield lambda name: f"{root}/{name}{load_profile(_profile(name)).prefix}"


def _post(base: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{base}/chat/completions", json=body, headers={**AUTH, **headers}, timeout=10
    )


def _stream(base: str, **params: Any) -> bytes:
    response = _post(base, {**ASK, "stream": True, **params})
    assert response.status_code == 200
    return response.content


# --- each variant on the wire -------------------------------------------------------------------


def test_platform_parameters_are_ignored_and_the_rest_still_validated(url: Url) -> None:
    base = url("platform-params-ignored")
    wrong = dict.fromkeys(load_profile().may_ignore, 12345)
    assert _post(base, {**ASK, **wrong}).status_code == 200
    assert _post(base, {**ASK, "metadata": {f"k{i}": "v" for i in range(17)}}).status_code == 200
    refused = _post(base, {**ASK, "metadata": 12345, "temperature": 5})
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "temperature"


def test_a_request_without_a_model_is_answered_by_the_one_served(url: Url) -> None:
    base = url("model-defaulted")
    answered = _post(base, {k: v for k, v in ASK.items() if k != "model"})
    assert answered.status_code == 200
    assert answered.json()["model"] == MODEL_ID
    assert _post(url("platform-params-ignored"), {"messages": ASK["messages"]}).status_code == 400


def test_an_unknown_parameter_is_refused_as_openai_does(url: Url) -> None:
    base = url("unknown-parameter-400")
    refused = _post(base, {**ASK, "top_k": 3})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["message"] == "Unrecognized request argument supplied: top_k"
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", None, None)
    assert _post(base, {**ASK, "metadata": {"a": "b"}}).status_code == 200  # documented


def test_tools_are_refused_cleanly(url: Url) -> None:
    base = url("tools-unsupported-400")
    tool = {"type": "function", "function": {"name": "ping", "parameters": {"type": "object"}}}
    refused = _post(base, {**ASK, "tools": [tool]})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unsupported_parameter"
    assert _post(base, ASK).status_code == 200


def test_validation_errors_are_422(url: Url) -> None:
    base = url("validation-422")
    assert _post(base, {**ASK, "temperature": 5}).status_code == 422
    malformed = httpx.post(f"{base}/chat/completions", content=b"{", headers=AUTH, timeout=10)
    assert malformed.status_code == 400  # a body that is not JSON is still a 400


def test_every_third_request_is_throttled_politely(url: Url) -> None:
    base = url("polite-429")
    statuses = [_post(base, ASK) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    throttled = statuses[-1]
    assert throttled.headers["retry-after"] == "1"
    assert throttled.headers["x-ratelimit-remaining-requests"] == "0"
    assert throttled.json()["error"]["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize(("name", "status"), [("wrong-method-501", 501), ("wrong-method-404", 404)])
def test_put_is_answered_with_another_status(url: Url, name: str, status: int) -> None:
    answer = httpx.put(f"{url(name)}/chat/completions", headers=AUTH, timeout=10)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert set(answer.json()["error"]) == {"message", "type", "param", "code"}
    assert "allow" not in answer.headers


def test_get_lists_the_stored_completions(url: Url) -> None:
    base = url("lists-stored-completions")
    stored = _post(base, {**ASK, "store": True}).json()
    _post(base, ASK)  # not stored
    listing = httpx.get(f"{base}/chat/completions", headers=AUTH, timeout=10).json()
    assert listing["object"] == "list"
    assert [c["id"] for c in listing["data"]] == [stored["id"]]
    assert (listing["first_id"], listing["last_id"], listing["has_more"]) == (
        stored["id"],
        stored["id"],
        False,
    )
    put = httpx.put(f"{base}/chat/completions", headers=AUTH, timeout=10)
    assert put.status_code == 405
    assert {"GET", "POST"} <= set(put.headers["allow"].split(", "))


def test_sse_lines_end_with_crlf(url: Url) -> None:
    raw = _stream(url("sse-crlf"))
    assert raw.endswith(b"data: [DONE]\r\n\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_sse_comments_come_before_every_event(url: Url) -> None:
    raw = _stream(url("sse-comments"))
    assert raw.startswith(b": keep-alive\n\ndata: ")
    assert raw.count(b": keep-alive\n\n") == raw.count(b"data: ")


def test_sse_data_without_a_space(url: Url) -> None:
    raw = _stream(url("sse-no-space"))
    assert raw.startswith(b"data:{")
    assert b"data: " not in raw
    assert raw.endswith(b"data:[DONE]\n\n")


def test_sse_json_over_several_data_lines(url: Url) -> None:
    raw = _stream(url("sse-multiline-data")).decode()
    first = raw.split("\n\n")[0].split("\n")
    assert len(first) > 3
    assert all(line.startswith("data: ") for line in first)
    assert json.loads("\n".join(line[len("data: ") :] for line in first))["object"] == (
        "chat.completion.chunk"
    )


def test_every_chunk_carries_usage_null(url: Url) -> None:
    raw = _stream(url("usage-null-on-chunks")).decode()
    chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    assert chunks
    assert all("usage" in chunk and chunk["usage"] is None for chunk in chunks)


def test_later_deltas_carry_role_null(url: Url) -> None:
    raw = _stream(url("delta-role-null")).decode()
    chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    roles = [c["choices"][0]["delta"]["role"] for c in chunks if c["choices"]]
    assert roles[0] == "assistant"
    assert len(roles) > 1
    assert all(role is None for role in roles[1:])


def test_a_first_chunk_has_empty_choices(url: Url) -> None:
    raw = _stream(url("empty-choices-first")).decode()
    chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    assert chunks[0]["choices"] == []
    assert chunks[0]["id"] == chunks[1]["id"]
    assert chunks[1]["choices"][0]["delta"]["role"] == "assistant"


def test_each_chunk_of_text_is_followed_by_three_empty_deltas(url: Url) -> None:
    raw = _stream(url("empty-deltas")).decode()
    chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    contents = [c["choices"][0]["delta"].get("content") for c in chunks if c["choices"]]
    texts = [i for i, text in enumerate(contents) if text]
    assert texts
    for i in texts[:-1]:
        assert contents[i + 1 : i + 4] == ["", "", ""]


def test_a_named_tool_choice_finishes_with_tool_calls(url: Url) -> None:
    named = PROBES["tools.named"].body
    assert isinstance(named, dict)
    choice = _post(url("named-tool-choice-tool-calls"), named).json()["choices"][0]
    assert choice["message"]["tool_calls"][0]["function"]["name"] == "get_time"
    assert choice["finish_reason"] == "tool_calls"


def test_the_stop_sequence_is_kept(url: Url) -> None:
    base = url("stop-sequence-kept")
    # the page requires max_tokens
    ask = {**ASK, "messages": [{"role": "user", "content": "Count."}], "stop": ["five"]}
    answer = _post(base, {**ask, "max_tokens": 20}).json()
    assert answer["choices"][0]["message"]["content"].endswith("five")


def test_the_model_calls_a_tool_again_after_the_results(url: Url) -> None:
    second = PROBES["follow_up"].body
    assert isinstance(second, dict)
    answered = {call["id"] for call in second["messages"][1]["tool_calls"]}
    choice = _post(url("tool-called-again"), second).json()["choices"][0]
    calls = choice["message"]["tool_calls"]
    assert calls
    assert choice["finish_reason"] == "tool_calls"
    assert not {call["id"] for call in calls} & answered
    # Without the variant, the results are answered with text.
    text = _post(url("tool-call-content-empty"), second).json()["choices"][0]
    assert text["message"]["content"]
    assert "tool_calls" not in text["message"]


def test_a_tool_calling_choice_carries_empty_content(url: Url) -> None:
    first = PROBES["tools.follow_up"].body
    message = _post(url("tool-call-content-empty"), first).json()["choices"][0]["message"]
    assert message["tool_calls"]
    assert message["content"] == ""


def test_each_variant_has_a_wire_test() -> None:
    shown = {
        "model-defaulted",
        "platform-params-ignored",
        "unknown-parameter-400",
        "tools-unsupported-400",
        "validation-422",
        "polite-429",
        "wrong-method-501",
        "wrong-method-404",
        "lists-stored-completions",
        "sse-crlf",
        "sse-comments",
        "sse-no-space",
        "sse-multiline-data",
        "usage-null-on-chunks",
        "delta-role-null",
        "empty-choices-first",
        "empty-deltas",
        "named-tool-choice-tool-calls",
        "stop-sequence-kept",
        "tool-called-again",
        "tool-call-content-empty",
    }
    assert shown == set(VARIANTS)


# --- no MUST finding under its profile ----------------------------------------------------------


def _must_failures(base: str, profile: str) -> dict[str, dict[str, str]]:
    """probe -> {MUST check that failed: why}."""
    judged = load_profile(profile)
    found: dict[str, dict[str, str]] = {}
    unbounded = Budget(max_requests=10**6, max_completion_tokens=10**9)
    with Client(base, api_key=KEY, budget=unbounded) as client:
        called = False  # whether the first turn of tools.follow_up got a tool call back
        for name, probe in PROBES.items():
            if probe.follow_up and not called:
                continue  # a client sends the second turn only after a tool call
            exchange = _send(client, probe)
            if name == "tools.follow_up":
                called = exchange.answered and bool(exchange.answer.choices[0].tool_calls)
            failed = {
                r.check: "; ".join(f.message for f in r.failures) or (r.reason or "")
                for r in run_checks(exchange, judged)
                if r.status in ("failed", "error") and r.level == "MUST"
            }
            if failed:
                found[name] = failed
    return found


@pytest.mark.parametrize(
    "name",
    list(VARIANTS),
)
def test_no_variant_raises_a_must_finding(url: Url, name: str) -> None:
    """Only what the compliant router under the same profile does not raise counts (the
    emulations' own findings are the matrix's business)."""
    profile = _profile(name)
    baseline = _baseline(profile)
    found = _must_failures(url(name), profile)
    new = {
        probe: {check: why for check, why in checks.items() if check not in baseline.get(probe, {})}
        for probe, checks in found.items()
    }
    assert {probe: checks for probe, checks in new.items() if checks} == {}


@functools.cache
def _baseline(profile: str) -> dict[str, dict[str, str]]:
    with serve_in_thread(profile=profile, api_key=KEY) as compliant:
        return _must_failures(compliant, profile)


def test_variants_are_listed_with_their_evidence() -> None:
    result = CliRunner().invoke(main, ["variants"])
    assert result.exit_code == 0
    for variant in VARIANTS.values():
        assert f"{variant.name}  " in result.output
        assert variant.evidence in result.output
    assert "[profile: myrouter-ai]" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variant", "no-such-variant"], "unknown variant(s) no-such-variant"),
        (["--fault", "no-done", "--variant", "sse-crlf", "--port", "-1"], "Invalid value"),
    ],
)
def test_serve_refuses_bad_variants_with_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0", *args])
    assert result.exit_code == 2
    assert message in result.output
