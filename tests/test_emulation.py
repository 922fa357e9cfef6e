"""The reference router emulating each page (``conformance serve --profile P``), on real sockets.

Each test asks one emulation for what its page documents and looks at the wire: the path, the
usage shape, error codes, ids, extension fields, reasoning returned apart, stream specifics and
request ids. Whether the whole of it is conformant is the matrix's job (``test_matrix.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance import Exchange, load_profile, run_checks
from conformance.contract._profile import profile_names
from conformance.reference import (
    CHOICE_ERROR_HEADER,
    MODEL_ID,
    STREAM_ERROR_HEADER,
)

ASK: dict[str, Any] = {
    "model": MODEL_ID,
    "messages": [{"role": "user", "content": "Is 91 prime?"}],
    "max_tokens": 8,
}


@pytest.fixture(scope="module")
def served(reference_url: Callable[[str], str]) -> dict[str, str]:
    """Every shipped profile's emulation, by id: its base URL."""
    return {name: reference_url(name) for name in profile_names()}


def _post(url: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/chat/completions", json=body, headers=headers, timeout=10)


@pytest.mark.parametrize("name", profile_names())
def test_each_emulation_serves_at_the_documented_path(served: dict[str, str], name: str) -> None:
    profile = load_profile(name)
    assert served[name].endswith(profile.prefix)
    response = _post(served[name], ASK)
    assert response.status_code == 200
    assert profile.response.is_valid(response.json())
    other = served[name].removesuffix(profile.prefix) + "/elsewhere/v0"
    assert _post(other, ASK).status_code == 404


def test_input_output_usage_where_the_page_documents_it(served: dict[str, str]) -> None:
    usage = _post(served["myrouter-example"], ASK).json()["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert "prompt_tokens" not in usage
    assert "prompt_tokens" in _post(served["openai-compatible"], ASK).json()["usage"]


def test_openrouter_numbers_its_error_codes_and_ids(served: dict[str, str]) -> None:
    url = served["openrouter"]
    error = httpx.post(f"{url}/chat/completions", content=b"{", timeout=10)
    assert error.status_code == 400
    assert error.json()["error"]["code"] == 400
    assert _post(url, ASK).json()["id"].startswith("gen-")
    choice = _post(url, ASK).json()["choices"][0]
    assert choice["native_finish_reason"] == choice["finish_reason"]
    base = httpx.post(f"{served['openai-compatible']}/chat/completions", content=b"{", timeout=10)
    assert isinstance(base.json()["error"]["code"], str | None)


@pytest.mark.parametrize(
    ("name", "asked", "field"),
    [
        ("myrouter-ai", {"separate_reasoning": True}, "reasoning_content"),
        ("openrouter", {"reasoning": {"effort": "low"}}, "reasoning"),
    ],
)
def test_reasoning_comes_apart_when_asked(
    served: dict[str, str], name: str, asked: dict[str, Any], field: str
) -> None:
    body = _post(served[name], {**ASK, **asked}).json()
    message, usage = body["choices"][0]["message"], body["usage"]
    assert message[field]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == len(message[field].split())
    assert usage["completion_tokens"] <= ASK["max_tokens"]
    plain = _post(served[name], ASK).json()["choices"][0]["message"]
    assert field not in plain
    # The base router does not reason: separate_reasoning is an unknown extra parameter there.
    assert "reasoning_content" not in _post(served["openai-compatible"], {**ASK, **asked}).text


def test_openrouter_streams_keepalive_usage_and_its_error_chunk(served: dict[str, str]) -> None:
    url = served["openrouter"]
    text = _post(url, {**ASK, "stream": True}).text
    assert text.startswith(": OPENROUTER PROCESSING\n\n")
    assert '"usage":{"prompt_tokens"' in text  # sent without include_usage
    broken = _post(url, {**ASK, "stream": True}, **{STREAM_ERROR_HEADER: "2"})
    last = broken.text.strip().splitlines()[-1]
    assert '"finish_reason":"error"' in last
    assert '"error":{"code":502' in last
    assert "[DONE]" not in broken.text


@pytest.mark.parametrize(("name", "where"), [("anyrouter", "response"), ("openrouter", "choice")])
def test_a_broken_off_choice_carries_its_error_where_the_page_says(
    served: dict[str, str], name: str, where: str
) -> None:
    body = _post(served[name], ASK, **{CHOICE_ERROR_HEADER: "1"}).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "error"
    error = body["error"] if where == "response" else choice["error"]
    assert isinstance(error["message"], str)
    assert load_profile(name).response.is_valid(body)
    exchange = Exchange.from_http(
        request=ASK,
        status=200,
        headers={"content-type": "application/json"},
        body=json.dumps(body).encode(),
    )
    assert [r for r in run_checks(exchange, load_profile(name)) if r.status == "failed"] == []
    # The base contract has no such choice: the header is ignored there.
    base = _post(served["openai-compatible"], ASK, **{CHOICE_ERROR_HEADER: "1"}).json()
    assert base["choices"][0]["finish_reason"] != "error"


def test_the_callers_request_id_is_echoed(served: dict[str, str]) -> None:
    url = served["myrouter-example"]
    assert _post(url, ASK, **{"x-request-id": "trace-7"}).headers["x-request-id"] == "trace-7"
    assert _post(url, ASK).headers["x-request-id"].startswith("req_")


def test_the_stop_sequence_stays_where_the_page_says_so(served: dict[str, str]) -> None:
    ask = {**ASK, "messages": [{"role": "user", "content": "Count."}], "stop": ["five"]}
    kept = _post(served["myrouter-ai"], ask).json()["choices"][0]["message"]["content"]
    cut = _post(served["openai-compatible"], ask).json()["choices"][0]["message"]["content"]
    assert kept.endswith("five")
    assert "five" not in cut
