"""requests.valid_accepted: a request inside the contract is answered, not crashed on nor refused
as invalid; a clean "unsupported" refusal is a capability skip."""

from __future__ import annotations

import json
from typing import Any

import pytest
from exchanges import JSON, WEATHER, ask, completion, error, stream

from conformance.checks import run_checks
from conformance.checks._results import CheckResult
from conformance.checks._tiers import judged_as
from conformance.contract._profile import Profile, load_profile
from conformance.exchange._exchange import Exchange

BASE = load_profile("openai-compatible")
CHECK = "requests.valid_accepted"


def _result(exchange: Exchange, profile: Profile = BASE) -> CheckResult:
    (result,) = [r for r in run_checks(exchange, profile) if r.check == CHECK]
    return result


def _messages(exchange: Exchange) -> list[str]:
    result = _result(exchange)
    assert result.status == "failed", result
    return [f.message for f in result.failures]


def test_an_answer_to_a_valid_request_passes() -> None:
    assert _result(completion(ask(temperature=2))).status == "passed"
    assert _result(stream(ask(top_p=1))).status == "passed"


def test_a_5xx_to_a_valid_request_fails() -> None:
    (message,) = _messages(error(502, "upstream connect error", request=ask(seed=3)))
    assert message == "a request inside the contract got 502: upstream connect error"


@pytest.mark.parametrize(
    ("request_body", "body", "blamed"),
    [
        (  # OpenAI's envelope, param named
            ask(temperature=2),
            {"error": {"message": "Invalid 'temperature'", "type": "x", "param": "temperature"}},
            "temperature=2",
        ),
        (  # the name quoted in the message only
            ask(top_p=1, temperature=0),
            {"error": {"message": "'top_p' must be below 1", "type": "x", "param": None}},
            "top_p=1",
        ),
        (  # vLLM before 0.10.1: pydantic's errors as the message of a top-level error object
            ask(temperature=2),
            {
                "object": "error",
                "message": "[{'type': 'less_than_equal', 'loc': ('body', 'temperature')}]",
                "code": 400,
            },
            "temperature=2",
        ),
        (  # OpenRouter: the parameter under error.metadata.param, a JSON path in the message
            ask(max_tokens=16),
            {
                "error": {
                    "code": 400,
                    "message": "at $.max_tokens",
                    "metadata": {"param": "max_tokens"},
                }
            },
            "max_tokens=16",
        ),
        (  # a nested parameter blames its top-level name
            ask(),
            {"error": {"message": "bad", "type": "x", "param": "messages[0].content"}},
            'messages=[{"role": "user", "content": "Hi"}]',
        ),
    ],
)
def test_a_refusal_blaming_an_in_range_value_fails_naming_it(
    request_body: dict[str, Any], body: Any, blamed: str
) -> None:
    exchange = error(400, request=request_body, body=json.dumps(body).encode())
    (message,) = _messages(exchange)
    assert message == (
        f"the target refused {blamed} as invalid (400), a value the profile's request schema admits"
    )


def test_a_refusal_that_names_nothing_is_not_a_finding_on_a_guess() -> None:
    result = _result(error(422, "Bad Request", request=ask(seed=1)))
    assert result.status == "skipped"
    assert result.reason == (
        "refused as invalid (422: Bad Request) without naming a parameter or an unsupported feature"
    )


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        # OpenAI: https://github.com/xlinx/sd-webui-decadetw-auto-prompt-llm/issues/29
        (ask(top_k=3), "Unrecognized request argument supplied: top_k"),
        # OpenAI: https://github.com/appatalks/eva-agent/issues/83
        (
            ask(temperature=0.7),
            "Unsupported parameter: 'temperature' is not supported with this model.",
        ),
        # vLLM started without a tool parser
        (
            ask(tools=[WEATHER], tool_choice="auto"),
            '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser '
            "to be set",
        ),
        # llama.cpp started without --jinja
        (ask(tools=[WEATHER]), "tools param requires --jinja flag"),
        # Ollama: https://github.com/ollama/ollama/issues/6027
        (ask(tools=[WEATHER]), "stablelm2:latest does not support tools"),
        # pydantic's extra="forbid"
        (ask(seed=1), "seed: Extra inputs are not permitted"),
    ],
)
def test_a_capability_refusal_is_a_skip(request_body: dict[str, Any], message: str) -> None:
    result = _result(error(400, message, request=request_body))
    assert result.status == "skipped"
    assert result.reason == f"the target does not offer what was asked: 400 {message}"


@pytest.mark.parametrize("status", [401, 402, 403, 404, 408, 409, 413, 429, 503])
def test_answers_that_do_not_judge_the_values_are_skips(status: int) -> None:
    result = _result(error(status, "no", request=ask()))
    assert result.status == "skipped"
    assert str(result.reason).startswith(f"{status} ")


def test_broken_requests_are_judged_elsewhere() -> None:
    assert _result(error(400, request=ask(temperature=3))).reason == (
        "the request breaks the contract: errors.invalid_request judges it"
    )
    assert _result(error(401, "bad key", request=ask(), intent="bad_key")).reason == (
        "the request was broken on purpose (bad_key)"
    )
    assert _result(error(500, "x", request=None)).reason == "the request was not recorded"


def test_a_parameter_outside_the_profiles_core_is_the_targets_choice() -> None:
    undocumented = error(400, "invalid value", request=ask(top_k=3), param="top_k")
    assert _result(undocumented).reason == "the error blames top_k, outside the profile's core"
    unnamed = error(400, "invalid value", request=ask(top_k=3))
    assert _result(unnamed).reason == "the error may blame top_k, outside the profile's core"
    assert "store" in BASE.may_ignore  # vLLM, llama.cpp: see schemas/parameter-tiers.yaml
    platform = error(400, "invalid value", request=ask(store=True), param="store")
    assert _result(platform).reason == "the error blames store, outside the profile's core"
    # A run that found the target implementing store judges it as core.
    assert _result(platform, judged_as(BASE, ())).status == "failed"


def test_a_non_json_refusal_is_read_as_text() -> None:
    plain = Exchange.from_http(
        request=ask(n=2),
        status=400,
        headers={"content-type": "text/plain"},
        body=b"n > 1 is not supported",
    )
    assert _result(plain).status == "skipped"
    refused = Exchange.from_http(
        request=ask(n=2), status=400, headers=JSON, body=b'{"detail": "\'n\' must be 1"}'
    )
    (message,) = _messages(refused)
    assert message.startswith("the target refused n=2 as invalid (400)")
