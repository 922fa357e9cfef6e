"""The reference router's toy model and instance generator, without a server."""

from __future__ import annotations

import json
import random
from typing import Any

import jsonschema
import pytest

from conformance.base._errors import ConfigError
from conformance.reference import instance
from conformance.reference._model import Params, generate, pieces, prompt_tokens

MESSAGES = [{"role": "user", "content": "Say hello in three words."}]


def _params(**request: Any) -> Params:
    return Params.from_request({"model": "reference-model", "messages": MESSAGES, **request})


def _texts(**request: Any) -> list[str | None]:
    return [choice.content for choice in generate(_params(**request)).choices]


def test_the_same_request_gives_the_same_answer() -> None:
    assert _texts(seed=3) == _texts(seed=3)
    assert _texts(seed=3) != _texts(seed=4)


def test_choices_differ_unless_temperature_is_zero() -> None:
    varied = _texts(n=3, temperature=1)
    assert len(set(varied)) == 3
    same = _texts(n=3, temperature=0)
    assert len(same) == 3
    assert len(set(same)) == 1


def test_tokens_are_whitespace_led_pieces_that_join_to_the_content() -> None:
    assert pieces("alpha bravo  charlie") == ["alpha", " bravo", "  charlie"]
    (choice,) = generate(_params()).choices
    assert "".join(t.text for t in choice.tokens) == choice.content
    assert choice.completion_tokens == len(choice.tokens)


def test_prompt_tokens_are_the_words_of_every_message() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "one two three"}]},
    ]
    assert prompt_tokens(messages) == 5
    assert generate(Params.from_request({"messages": messages})).usage.prompt_tokens == 5


@pytest.mark.parametrize("cap_name", ["max_tokens", "max_completion_tokens"])
def test_the_cap_cuts_with_length_and_counts_exactly_the_cap(cap_name: str) -> None:
    completion = generate(_params(**{cap_name: 2}))
    (choice,) = completion.choices
    assert choice.finish_reason == "length"
    assert choice.completion_tokens == completion.usage.completion_tokens == 2
    assert len(choice.tokens) == 2


def test_an_answer_that_ends_before_the_cap_says_stop() -> None:
    (choice,) = generate(_params(max_tokens=100)).choices
    assert choice.finish_reason == "stop"
    assert choice.completion_tokens < 100


def test_the_model_says_the_stop_sequence_and_is_cut_before_it() -> None:
    (choice,) = generate(_params(stop=["five", "six"])).choices
    assert choice.finish_reason == "stop"
    assert "five" not in (choice.content or "")
    # " five" was generated; its space is what is left of it, as a real tokenizer would leave
    assert (choice.content or "").endswith(" ")
    assert 3 <= choice.completion_tokens == len(choice.tokens) <= 4
    assert "".join(t.text for t in choice.tokens) == choice.content
    included = Params.from_request({"messages": MESSAGES, "stop": ["five"]}, keep_stop=True)
    assert (generate(included).choices[0].content or "").endswith(" five")


def test_a_stop_sequence_inside_a_token_cuts_the_token() -> None:
    words = (_texts()[0] or "").split()
    stop = words[1][1:3]  # inside the second word (and maybe earlier)
    (choice,) = generate(_params(stop=[stop])).choices
    assert stop not in (choice.content or "")
    assert choice.finish_reason == "stop"


def test_logprobs_alternatives_are_ranked_and_distinct() -> None:
    (choice,) = generate(_params(logprobs=True, top_logprobs=5)).choices
    for token in choice.tokens:
        top = token.top[:5]
        assert top[0] == (token.text, token.logprob)
        assert len({text for text, _ in top}) == 5
        assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {"type": "function", "function": {"name": "get_time"}},
]


def _calls(text: str, **request: Any) -> list[str]:
    messages = [{"role": "user", "content": text}]
    params = Params.from_request({"messages": messages, "tools": TOOLS, **request})
    (choice,) = generate(params).choices
    return [call.name for call in choice.calls]


def test_tool_choice_decides_the_calls() -> None:
    assert _calls("Use get_weather please.") == ["get_weather"]
    assert _calls("Say hi.") == []
    assert _calls("Say hi.", tool_choice="required") == ["get_weather"]
    assert _calls("Use get_weather.", tool_choice="none") == []
    named = {"type": "function", "function": {"name": "get_time"}}
    assert _calls("Use get_weather.", tool_choice=named) == ["get_time"]
    assert _calls("get_weather and GET_TIME") == ["get_weather", "get_time"]
    assert _calls("get_weather and get_time", parallel_tool_calls=False) == ["get_weather"]
    assert _calls("the get_weather_v2 tool") == []  # a word match, not a substring


def test_a_named_call_finishes_with_stop_and_others_with_tool_calls() -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    messages = [{"role": "user", "content": "Use get_weather."}]
    forced = generate(
        Params.from_request({"messages": messages, "tools": TOOLS, "tool_choice": named})
    )
    assert forced.choices[0].finish_reason == "stop"
    auto = generate(Params.from_request({"messages": messages, "tools": TOOLS}))
    assert auto.choices[0].finish_reason == "tool_calls"
    (call,) = auto.choices[0].calls
    assert isinstance(json.loads(call.arguments)["city"], str)


def test_a_call_cut_by_the_cap_says_length() -> None:
    messages = [{"role": "user", "content": "Use get_weather."}]
    capped = generate(Params.from_request({"messages": messages, "tools": TOOLS, "max_tokens": 2}))
    (choice,) = capped.choices
    assert choice.finish_reason == "length"
    assert choice.completion_tokens == 2


def test_lenient_reading_of_a_broken_request() -> None:
    params = Params.from_request(
        {"messages": "hi", "n": 0, "stop": [1, "x"], "top_logprobs": 99, "max_tokens": -3}
    )
    assert (params.messages, params.n, params.stop, params.cap) == ((), 1, ("x",), 0)
    (choice,) = generate(params).choices
    assert (choice.content, choice.finish_reason) == ("", "length")


SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {}},
    {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 3, "maxLength": 8},
            "age": {"type": "integer", "minimum": 18, "exclusiveMaximum": 21},
            "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "ok": {"type": "boolean"},
            "kind": {"enum": ["a", "b"]},
            "fixed": {"const": 42},
            "maybe": {"type": ["string", "null"]},
            "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "list": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3},
            "nested": {
                "type": "object",
                "properties": {"x": {"type": "number", "minimum": -5, "maximum": -1}},
                "required": ["x"],
                "additionalProperties": False,
            },
            "when": {"type": "string", "format": "date-time"},
        },
        "required": ["name", "age", "score", "ok", "kind", "fixed", "maybe", "either", "list"],
        "additionalProperties": False,
    },
    {
        "$defs": {"point": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        "type": "object",
        "properties": {"points": {"type": "array", "items": {"$ref": "#/$defs/point"}}},
        "required": ["points"],
    },
    {"allOf": [{"properties": {"a": {"type": "string"}}}, {"required": ["b"]}]},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "minItems": 2},
    {"type": "integer", "maximum": -1000},
    {"type": "integer", "minimum": 1000, "multipleOf": 7},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_instances_are_valid_against_their_schema(schema: dict[str, Any], seed: int) -> None:
    document = instance(schema, random.Random(seed))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert instance(schema, random.Random(seed)) == document


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "#/$defs/missing"},
        {"type": "array", "minItems": 10**9},
        {"$defs": {"loop": {"$ref": "#/$defs/loop"}}, "$ref": "#/$defs/loop"},
        {"properties": {"a": 5}},
    ],
)
def test_schemas_outside_the_subset_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        instance(schema, random.Random(0))
