"""Generated requests: valid ones validate and are cheap; invalid ones break the rule they name.

The schema is read here independently of the generator, so "every bound and enum has a mutation"
is checked against the schema, not against the generator's own list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.contract._cross_field import OFFERED_TOOL
from conformance.contract._profile import load_profile
from conformance.contract._schema_error import SchemaError
from conformance.contract._schema_store import load_schema
from conformance.generate._generate import (
    drawn_parameters,
    invalid_requests,
    mutations,
    valid_requests,
)
from conformance.generate._mutations import InvalidRequest, Mutation, within
from conformance.generate._policy import (
    CHOICES_CAP,
    CONVERSATIONS,
    MAX_REQUEST_BYTES,
    PARAMETERS,
    TOKEN_CAP,
)
from conformance.generate._strategies import SchemaCompiler, UnsupportedSchema

PROFILE = load_profile()
MODEL = "test-model"
FAST = settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
COUNTS = ("minItems", "maxItems", "minLength", "maxLength", "maxProperties")


# -- valid requests ----------------------------------------------------------------------------


@FAST
@given(valid_requests(PROFILE, model=MODEL))
def test_valid_requests_validate_and_are_cheap(request: dict[str, Any]) -> None:
    assert PROFILE.request.is_valid(request)
    assert PROFILE.request._python().is_valid(request)  # the other engine agrees
    assert request["model"] == MODEL
    caps = [request[k] for k in ("max_tokens", "max_completion_tokens") if k in request]
    assert len(caps) == 1
    assert isinstance(caps[0], int)
    assert 1 <= caps[0] <= TOKEN_CAP
    assert request.get("n") is None or request["n"] <= CHOICES_CAP
    assert 1 <= len(request["messages"]) <= 3
    assert len(json.dumps(request).encode()) <= MAX_REQUEST_BYTES


@FAST
@given(valid_requests(PROFILE, model=MODEL))
def test_valid_requests_follow_the_rules_the_schema_does_not_state(request: dict[str, Any]) -> None:
    roles = tuple(m["role"] for m in request["messages"])
    assert roles in CONVERSATIONS
    assert roles[-1] == "user"
    skipped = {name for name, tweak in PARAMETERS.items() if tweak.skip}
    assert not skipped & set(request)
    tools = request.get("tools")
    if tools is None:
        assert "tool_choice" not in request
        assert "parallel_tool_calls" not in request
    else:
        assert 1 <= len(tools) <= 2
        names = [tool["function"]["name"] for tool in tools]
        assert len(set(names)) == len(names)
        choice = request.get("tool_choice")
        if isinstance(choice, dict):
            assert choice["function"]["name"] in names
    if request.get("response_format", {}).get("type") == "json_object":
        assert "json" in json.dumps(request["messages"]).lower()
    if request.get("response_format", {}).get("type") == "json_schema":
        assert request["response_format"]["json_schema"]["strict"] is True
    if "top_logprobs" in request and request["top_logprobs"] is not None:
        assert request["logprobs"] is True
    if isinstance(request.get("stream_options"), dict):
        assert request["stream"] is True


@FAST
@given(valid_requests(PROFILE, model=MODEL, stream=True))
def test_stream_true_always_streams(request: dict[str, Any]) -> None:
    assert request["stream"] is True
    assert PROFILE.request.is_valid(request)


@FAST
@given(valid_requests(PROFILE, model=MODEL, stream=False, exclude=["tools", "top_logprobs"]))
def test_stream_false_never_streams_and_exclude_leaves_parameters_out(
    request: dict[str, Any],
) -> None:
    assert request.get("stream") is not True
    assert "stream_options" not in request or request["stream_options"] is None
    assert "tools" not in request
    assert "top_logprobs" not in request
    assert PROFILE.request.is_valid(request)


def test_excluded_parameters_say_why_and_exist_in_the_schema() -> None:
    properties = load_schema("request.json")["properties"]
    for name, tweak in PARAMETERS.items():
        assert name in properties, name
        assert tweak.why, name
    drawn = set(drawn_parameters(PROFILE))
    assert {"temperature", "top_p", "stop", "tools", "response_format", "seed"} <= drawn
    assert {"audio", "modalities", "prediction", "store", "metadata", "service_tier"}.isdisjoint(
        drawn
    )


def test_the_compiler_refuses_a_keyword_it_does_not_handle() -> None:
    compiler = SchemaCompiler()
    # `contains` lives in the audio rule's `if`; nothing may be generated from it half-understood.
    with pytest.raises(UnsupportedSchema, match="contains"):
        compiler.compile("request.json#/allOf/2/if/properties/modalities")


# -- invalid requests --------------------------------------------------------------------------


def _parent_required(error: SchemaError, case: InvalidRequest) -> bool:
    name = case.field.rsplit(".", 1)[-1]
    return error.keyword == "required" and error.path == case.reported_at and name in error.message


def _assert_explained(case: InvalidRequest) -> None:
    assert not PROFILE.request.is_valid(case.request), case.mutation
    if case.rule != OFFERED_TOOL:  # a rule beside the schema: the schema engines cannot see it
        assert not PROFILE.request._python().is_valid(case.request), case.mutation
    errors = PROFILE.request.explain(case.request)
    assert errors, case.mutation
    # The first error is where the violation is reported (the field, the parent object of a
    # removed field, or an enclosing oneOf) ...
    assert within(errors[0].path, case.reported_at), (case.mutation, [str(e) for e in errors])
    # ... and some error is at (or under) the field itself, or is the parent's `required`.
    assert any(within(e.path, case.field) or _parent_required(e, case) for e in errors), (
        case.mutation,
        [str(e) for e in errors],
    )
    # The rule it names is the keyword that failed (a dependency fails `required` or `const`).
    keywords = {e.keyword for e in errors}
    if case.rule == "dependency":
        assert keywords & {"required", "const", "type"}, case.mutation
    else:
        assert case.rule in keywords, (case.mutation, keywords)


@settings(
    max_examples=300,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(invalid_requests(PROFILE, model=MODEL))
def test_invalid_requests_break_the_field_they_name(case: InvalidRequest) -> None:
    _assert_explained(case)


@pytest.mark.parametrize("mutation", mutations(PROFILE), ids=lambda m: m.name)
def test_every_mutation_breaks_what_it_names(mutation: Mutation) -> None:
    @settings(
        max_examples=8,
        database=None,
        deadline=None,
        # A wrong value for a dependency is drawn by filtering (audio: only null is wrong).
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(valid_requests(PROFILE, model=MODEL), st.data())
    def check(request: dict[str, Any], data: st.DataObject) -> None:
        case = mutation.apply(request, data.draw)
        assert case.mutation == mutation.name
        assert case.rule == mutation.rule
        assert _matches(case.field, mutation.field)
        _assert_explained(case)

    check()


def _matches(field: str, template: str) -> bool:
    """``$.logit_bias['12']`` matches ``$.logit_bias.*``."""
    if "*" not in template:
        return field == template
    head = template.split(".*", 1)[0]
    return field.startswith(head) and field != head


# -- coverage of the schema --------------------------------------------------------------------


def _constraints(schema: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """(path, keyword) for every bound, count and enum under ``schema``, not crossing $ref."""
    if "$ref" in schema:
        return
    for keyword in (*BOUNDS, *COUNTS, "enum"):
        if keyword in schema and not (keyword in ("minItems", "minLength") and not schema[keyword]):
            yield path, keyword
    for name, sub in schema.get("properties", {}).items():
        yield from _constraints(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _constraints(schema["items"], f"{path}[0]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _constraints(schema["additionalProperties"], f"{path}.*")
    for branch in ("then", "else"):
        if isinstance(schema.get(branch), dict):
            yield from _constraints(schema[branch], path)


def test_every_bound_count_and_enum_of_a_top_level_property_has_a_mutation() -> None:
    schema = load_schema("request.json")
    wanted = {
        found
        for name, sub in schema["properties"].items()
        for found in _constraints(sub, f"$.{name}")
    }
    have = {(m.field, m.rule) for m in mutations(PROFILE)}
    assert wanted - have == set()
    # The numeric ranges the generator must exercise are there (a sanity check of the walk).
    assert ("$.temperature", "maximum") in wanted
    assert ("$.top_logprobs", "minimum") in wanted
    assert ("$.logit_bias.*", "maximum") in wanted


def test_the_mutations_the_contract_cares_most_about_are_there() -> None:
    have = {(m.field, m.rule) for m in mutations(PROFILE)}
    for expected in (
        ("$.model", "required"),
        ("$.messages", "required"),
        ("$.messages", "minItems"),
        ("$.messages[0].role", "enum"),
        ("$.messages[0].content", "required"),
        ("$.messages[0].tool_call_id", "required"),
        ("$.response_format.type", "enum"),
        ("$.stop", "maxItems"),
        ("$.temperature", "type"),
        ("$.logprobs", "dependency"),
        ("$.stream", "dependency"),
    ):
        assert expected in have, expected
    names = [m.name for m in mutations(PROFILE)]
    assert len(names) == len(set(names))


def test_within_respects_path_segments() -> None:
    assert within("$.n", "$.n")
    assert within("$.messages[0].role", "$.messages")
    assert within("$.a", "$")
    assert not within("$.name", "$.n")
    assert not within("$.n", "$.n.x")
