"""The OpenAPI document of a profile's endpoint: valid OpenAPI 3.1 for every profile, every
``$ref`` pointing at something, and the bundled schemas judging as the profile's own do."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from conformance import InvalidRequest, invalid_requests, valid_requests
from conformance.cli import main
from conformance.contract import (
    OFFERED_TOOL,
    Profile,
    load_profile,
    openapi_document,
    profile_names,
)
from conformance.exchange import load_fixture

ROOT = Path(__file__).parents[1]
PROFILES = profile_names()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _operation(document: dict[str, Any]) -> dict[str, Any]:
    (item,) = document["paths"].values()
    operation: dict[str, Any] = item["post"]
    return operation


def _judge(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` inside the document, so its ``#/components`` refs resolve."""
    return Draft202012Validator({**document, **schema})


@pytest.mark.parametrize("name", PROFILES)
def test_every_profiles_document_is_valid_openapi_3_1(name: str) -> None:
    document = openapi_document(load_profile(name), base_url="http://127.0.0.1:8000/v1")
    validate(document)
    assert document["openapi"] == "3.1.0"
    for ref in set(_refs(document)):
        assert isinstance(_resolve(document, ref), dict | bool), ref
    assert not any("$defs" in schema for schema in document["components"]["schemas"].values())


@pytest.mark.parametrize("name", PROFILES)
def test_the_document_describes_the_profiles_endpoint(name: str) -> None:
    profile = load_profile(name)
    document = openapi_document(profile)
    operation = _operation(document)
    assert list(document["paths"]) == [profile.chat_path]
    assert document["servers"][0]["url"] + profile.prefix == profile.base_url
    success = operation["responses"]["200"]["content"]
    assert set(success) == {"application/json", "text/event-stream"}
    event = success["text/event-stream"]["schema"]
    assert "[DONE]" in event["description"]
    assert event["properties"]["data"]["anyOf"][0] == {
        "const": "[DONE]",
        "description": "The end of the stream.",
    }
    errors = {int(s) for s in operation["responses"] if s != "200"}
    assert profile.documented_statuses <= errors
    assert profile.error_statuses["unknown_model"] <= errors
    for status in errors:
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        assert _resolve(document, schema["$ref"]) is not None
    assert ("security" in document) == (profile.auth == "bearer")


def test_a_base_url_elsewhere_keeps_its_own_path() -> None:
    profile = load_profile("openrouter")  # documented at /api/v1/chat/completions
    at_prefix = openapi_document(profile, base_url="http://127.0.0.1:9/api/v1")
    assert at_prefix["servers"] == [{"url": "http://127.0.0.1:9"}]
    assert list(at_prefix["paths"]) == ["/api/v1/chat/completions"]
    elsewhere = openapi_document(profile, base_url="http://127.0.0.1:9/v1/")
    assert elsewhere["servers"] == [{"url": "http://127.0.0.1:9/v1"}]
    assert list(elsewhere["paths"]) == ["/chat/completions"]


def test_a_model_pins_the_request_schema_to_it() -> None:
    document = openapi_document(load_profile(), model="reference-model")
    request = _operation(document)["requestBody"]["content"]["application/json"]["schema"]
    judge = _judge(document, request)
    body = {"model": "reference-model", "messages": [{"role": "user", "content": "hi"}]}
    assert judge.is_valid(body)
    assert not judge.is_valid({**body, "model": "other-model"})


def _request_judge(profile: Profile) -> Draft202012Validator:
    document = openapi_document(profile)
    return _judge(
        document, _operation(document)["requestBody"]["content"]["application/json"]["schema"]
    )


@pytest.mark.parametrize("name", ["openai-compatible", "openrouter"])
def test_the_bundled_request_schema_judges_as_the_profiles(name: str) -> None:
    profile = load_profile(name)
    judge = _request_judge(profile)

    @settings(max_examples=40)
    @given(valid_requests(profile, model="m"), invalid_requests(profile, model="m"))
    def agree(valid: dict[str, Any], case: InvalidRequest) -> None:
        assert judge.is_valid(valid)
        if case.rule != OFFERED_TOOL:  # a rule beside the schema, which no schema states
            assert not judge.is_valid(case.request), case

    agree()


@pytest.mark.parametrize("folder", ["good", "bad"])
def test_the_bundled_answer_schemas_judge_as_the_profiles(folder: str) -> None:
    profile = load_profile()
    document = openapi_document(profile)
    success = _operation(document)["responses"]["200"]["content"]
    response = _judge(document, success["application/json"]["schema"])
    chunk_ref = success["text/event-stream"]["schema"]["properties"]["data"]["anyOf"][1]
    chunk = _judge(document, chunk_ref["contentSchema"])
    judged = 0
    for path in sorted((ROOT / "fixtures" / folder).glob("*.yaml")):
        exchange = load_fixture(path).exchange
        if exchange.kind == "completion" and isinstance(exchange.json, dict):
            assert response.is_valid(exchange.json) == profile.response.is_valid(exchange.json)
            judged += 1
        elif exchange.kind == "stream":
            for _, value in exchange.transcript.dict_chunks:
                assert chunk.is_valid(value) == profile.chunk.is_valid(value), path
                judged += 1
    assert judged > 10


def test_the_command_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "api" / "openapi.json"
    arguments = ["openapi", "--profile", "openrouter", "--output", str(out)]
    result = CliRunner().invoke(main, [*arguments, "--base-url", "http://127.0.0.1:9/api/v1"])
    assert result.exit_code == 0, result.output
    expected = openapi_document(load_profile("openrouter"), base_url="http://127.0.0.1:9/api/v1")
    assert json.loads(out.read_text()) == expected
    printed = CliRunner().invoke(main, ["openapi", "--model", "reference-model"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == openapi_document(load_profile(), model="reference-model")


def test_an_unknown_profile_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["openapi", "--profile", "no-such-profile"])
    assert result.exit_code == 2
    assert "unknown profile" in result.output


def test_the_benchmark_uses_the_packages_document() -> None:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "bench_run.py")
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = bench
    try:
        spec.loader.exec_module(bench)
        url = "http://127.0.0.1:9/v1"
        assert bench.openapi_document(url) == openapi_document(
            load_profile(), base_url=url, model=bench.MODEL
        )
    finally:
        del sys.modules["bench_run"]
