"""The JSON Schemas in schemas/, their store and their validators (conformance.contract).

Positive cases are the seed pages' example responses (placeholders filled in with realistic
values) and OpenAI's own examples from openapi.yaml; negative cases are deviations documented in
servers' public issue trackers. Every case runs through both engines: jsonschema_rs
(``is_valid``) and jsonschema (``explain`` and an independently built oracle), which must agree.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema_rs
import pytest
import referencing
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

from conformance.base._errors import ConfigError
from conformance.contract import _schema_store
from conformance.contract._schema_error import SchemaError
from conformance.contract._schema_store import BASE_URI, load_schema, schema_dir, schema_names
from conformance.contract._schemas import validator

EXPECTED_FILES = [
    "chunk.json",
    "error.json",
    "fixture.schema.json",
    "parameter-tiers.schema.json",
    "profile.schema.json",
    "report.schema.json",
    "request.json",
    "requirements.schema.json",
    "response.json",
    "usage.json",
]


def _j(text: str) -> Any:
    return json.loads(text)


# --- seed pages' example responses, "<string>"/123 placeholders filled in ----------------------

SEED_000_ANYROUTER = _j("""{
  "id": "chatcmpl-8yWq4JqLfEjJ9L", "object": "chat.completion", "created": 1760000000,
  "model": "anthropic/claude-sonnet-4.6",
  "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
    "content": "NAT maps many private IP addresses to one public IP so devices behind a router can share a single internet connection."}}],
  "usage": {"prompt_tokens": 28, "completion_tokens": 30, "total_tokens": 58}
}""")  # noqa: E501

SEED_001_ANYAPI = _j("""{
  "id": "gen-1760000123-Xk3pQ9rT2mLw8vBn4cZd", "object": "chat.completion",
  "created": 1760000123, "model": "gpt-5",
  "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
    "content": "Let me look up the weather in Paris.",
    "function_call": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}}],
  "usage": {"completion_tokens": 17, "prompt_tokens": 21, "total_tokens": 38},
  "system_fingerprint": "fp_6b68a8204b"
}""")

SEED_002_NOVITA = _j("""{
  "choices": [{"finish_reason": "stop", "index": 0, "message": {"role": "assistant",
    "content": "The capital of France is Paris.",
    "reasoning_content": "The user asks for the capital of France. It is Paris."}}],
  "created": 1760000200, "id": "chatcmpl-9f2c1e7a4b3d4c0e8a1b2c3d4e5f6a7b",
  "model": "deepseek/deepseek-r1-turbo", "object": "chat.completion",
  "usage": {"completion_tokens": 42, "prompt_tokens": 12, "total_tokens": 54}
}""")

SEED_004_USAGE = _j("""{
  "input_tokens": 1200, "output_tokens": 85, "total_tokens": 1285,
  "cache_read_tokens": 1024, "cache_write_tokens": 0, "reasoning_tokens": 32
}""")

# Seed 004's example message has no `role` (the page reuses its request-message schema: content,
# name, tool_call_id). The contract requires role "assistant", so SEED_004_MYROUTER adds it and
# the page's literal shape is tested as invalid.
SEED_004_AS_DOCUMENTED = _j("""{
  "id": "cmpl_01JZ8Q6V9T4X2M7K3N5P0R1S8W", "object": "chat.completion", "created": 1760000300,
  "model": "myrouter/llama-3.3-70b-instruct",
  "choices": [{"index": 0, "finish_reason": "stop", "message": {
    "content": "Paris is the capital of France.", "name": "myrouter-assistant",
    "tool_call_id": "call_7Qm2cX9ZbR4tLw1nVd8Hk3Ps"}}]
}""")
SEED_004_AS_DOCUMENTED["usage"] = SEED_004_USAGE
SEED_004_MYROUTER = copy.deepcopy(SEED_004_AS_DOCUMENTED)
SEED_004_MYROUTER["choices"][0]["message"]["role"] = "assistant"

# --- OpenAI's own examples, verbatim (openai-openapi@f85dbe2 openapi.yaml) --

OPENAI_COMPLETION = _j("""{
  "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion",
  "created": 1741570283, "model": "gpt-4o-2024-08-06",
  "choices": [{"index": 0, "message": {"role": "assistant",
      "content": "The image shows a wooden boardwalk path running through a lush green field or meadow. The sky is bright blue with some scattered clouds, giving the scene a serene and peaceful atmosphere. Trees and shrubs are visible in the background.",
      "refusal": null, "annotations": []},
    "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
  "service_tier": "default", "system_fingerprint": "fp_fc9f1d7035"
}""")  # noqa: E501  (CreateChatCompletionResponse example, #L33620-L33660)

OPENAI_TOOL_CALL = _j("""{
  "id": "chatcmpl-abc123", "object": "chat.completion", "created": 1699896916,
  "model": "gpt-4o-mini",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": null,
      "tool_calls": [{"id": "call_abc123", "type": "function", "function": {
        "name": "get_current_weather", "arguments": "{\\n\\"location\\": \\"Boston, MA\\"\\n}"}}]},
    "logprobs": null, "finish_reason": "tool_calls"}],
  "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99,
    "completion_tokens_details": {"reasoning_tokens": 0, "accepted_prediction_tokens": 0,
      "rejected_prediction_tokens": 0}}
}""")  # "Functions" example of POST /chat/completions (#L2537+): no `refusal` key

OPENAI_LOGPROBS = _j("""{
  "id": "chatcmpl-123", "object": "chat.completion", "created": 1702685778,
  "model": "gpt-4o-mini",
  "choices": [{"index": 0,
    "message": {"role": "assistant", "content": "Hello! How can I assist you today?"},
    "logprobs": {"content": [
      {"token": "Hello", "logprob": -0.31725305, "bytes": [72, 101, 108, 108, 111],
       "top_logprobs": [{"token": "Hello", "logprob": -0.31725305, "bytes": [72, 101, 108, 108, 111]},
                        {"token": "Hi", "logprob": -1.3190403, "bytes": [72, 105]}]},
      {"token": "!", "logprob": -0.02380986, "bytes": [33],
       "top_logprobs": [{"token": "!", "logprob": -0.02380986, "bytes": [33]},
                        {"token": " there", "logprob": -3.787621, "bytes": [32, 116, 104, 101, 114, 101]}]},
      {"token": " How", "logprob": -0.000054669687, "bytes": [32, 72, 111, 119],
       "top_logprobs": [{"token": " How", "logprob": -0.000054669687, "bytes": [32, 72, 111, 119]},
                        {"token": "<|end|>", "logprob": -10.953937, "bytes": null}]}]},
    "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18,
    "completion_tokens_details": {"reasoning_tokens": 0, "accepted_prediction_tokens": 0,
      "rejected_prediction_tokens": 0}},
  "system_fingerprint": null
}""")  # noqa: E501  ("Logprobs" example, #L2839+; first 3 of 9 tokens; no `refusal` key)

OPENAI_STORED_COMPLETION = _j("""{
  "object": "chat.completion", "id": "chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2",
  "model": "gpt-4o-2024-08-06", "created": 1738960610,
  "request_id": "req_ded8ab984ec4bf840f37566c1011c417", "tool_choice": null,
  "usage": {"total_tokens": 31, "completion_tokens": 18, "prompt_tokens": 13},
  "seed": 4944116822809979520, "top_p": 1.0, "temperature": 1.0, "presence_penalty": 0.0,
  "frequency_penalty": 0.0, "system_fingerprint": "fp_50cad350e4", "input_user": null,
  "service_tier": "default", "tools": null, "metadata": {},
  "choices": [{"index": 0, "message": {
      "content": "Mind of circuits hum,  \\nLearning patterns in silence—  \\nFuture's quiet spark.",
      "role": "assistant", "tool_calls": null, "function_call": null},
    "finish_reason": "stop", "logprobs": null}],
  "response_format": null
}""")  # noqa: E501  (ChatCompletionList example's data[0]: tool_calls, function_call null)

OPENAI_CHUNKS = [  # CreateChatCompletionStreamResponse example (#L33814-L33820), verbatim
    _j(line)
    for line in """\
{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"obfuscation":"r4N7vQ2m"}
{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"obfuscation":"p9K3xT6w"}
{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"obfuscation":""}
""".splitlines()  # noqa: E501
]


def _chunk(choice: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "choices": [] if choice is None else [choice],
    }
    return chunk | extra


# OpenAI's streamed tool call (https://github.com/simonw/llm/issues/988): the first fragment
# carries id, type and name, later ones only arguments; the last chunk omits the null keys (TGI
# style, https://github.com/huggingface/text-generation-inference/pull/3003).
TOOL_CALL_CHUNKS = [
    _chunk(
        _j("""{"index": 0, "logprobs": null, "finish_reason": null, "delta": {"tool_calls": [
      {"index": 0, "id": "call_qYmeB8sVZ1Rk6TgN0cWd4HxL", "type": "function",
       "function": {"arguments": "", "name": "get_weather"}}]}}""")
    ),
    _chunk({"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"'}}]}}),
    _chunk({"index": 0, "delta": {}, "finish_reason": "tool_calls"}),
]

OPENROUTER_USAGE = _j("""{
  "prompt_tokens": 1093, "completion_tokens": 243, "total_tokens": 1336,
  "cost": 0.00164875, "is_byok": false,
  "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0, "audio_tokens": 0,
    "video_tokens": 0},
  "cost_details": {"upstream_inference_cost": 0.00164875,
    "upstream_inference_prompt_cost": 0.00013663,
    "upstream_inference_completions_cost": 0.00151212},
  "completion_tokens_details": {"reasoning_tokens": 128, "image_tokens": 0, "audio_tokens": 0}
}""")  # a recorded OpenRouter stream (charmbracelet/fantasy providertests); counts filled in

_OPENROUTER = {
    "id": "gen-1773323913-bRa4PMpo2opwWrm6Zgux",
    "provider": "OpenAI",
    "model": "openai/gpt-5-2025-08-07",
    "object": "chat.completion.chunk",
    "created": 1773323913,
}
OPENROUTER_USAGE_CHUNK = _OPENROUTER | {"choices": [], "usage": OPENROUTER_USAGE}
OPENROUTER_DELTA_CHUNK = _OPENROUTER | _j("""{"choices": [{"index": 0,
  "delta": {"role": "assistant", "content": "", "reasoning": "Thinking", "reasoning_details": []},
  "finish_reason": null, "native_finish_reason": null, "logprobs": null}]}""")
OPENROUTER_MIDSTREAM_ERROR = _OPENROUTER | _j("""{
  "error": {"code": 429, "message": "Rate limit exceeded",
    "metadata": {"error_type": "rate_limit_exceeded"}},
  "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
}""")  # https://openrouter.ai/docs/api/reference/errors-and-debugging, "Mid-stream errors"

# --- requests ----------------------------------------------------------------------------------

SEED_000_REQUEST = _j("""{
  "model": "anthropic/claude-sonnet-4.6",
  "messages": [{"role": "system", "content": "You are a concise assistant."},
               {"role": "user", "content": "Explain NAT in one sentence."}],
  "max_tokens": 200
}""")

GOOD_REQUEST = _j("""{
  "model": "gpt-4o-mini",
  "messages": [
    {"role": "developer", "content": "You are a helpful assistant."},
    {"role": "system", "content": [{"type": "text", "text": "Be concise."}], "name": "ops"},
    {"role": "user", "content": [
      {"type": "text", "text": "What is in this image, and what is the weather?"},
      {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
      {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
      {"type": "file", "file": {"filename": "a.pdf", "file_data": "JVBERi0="}}]},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_abc123",
      "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "call_abc123", "content": "{\\"temp_c\\": 21}"},
    {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help with that."}]},
    {"role": "function", "name": "get_weather", "content": null},
    {"role": "user", "content": "Thanks!", "x-vendor-extra": true}
  ],
  "temperature": 0, "top_p": 1, "n": 2, "stop": ["\\n\\n", "END"],
  "presence_penalty": -2, "frequency_penalty": 2, "logit_bias": {"50256": -100, "1024": 6},
  "logprobs": true, "top_logprobs": 20, "max_tokens": 1, "max_completion_tokens": 256,
  "seed": -9223372036854775808,
  "response_format": {"type": "json_schema", "json_schema": {"name": "weather-report_v2",
    "description": "A weather report", "strict": null,
    "schema": {"type": "object", "properties": {"temp_c": {"type": "number"}}}}},
  "tools": [
    {"type": "function", "function": {"name": "get_weather", "strict": true,
      "description": "Get the current weather for a city",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
    {"type": "custom", "custom": {"name": "sql",
      "format": {"type": "grammar", "grammar": {"definition": "start: /.+/", "syntax": "lark"}}}}
  ],
  "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}},
  "parallel_tool_calls": false, "stream": true,
  "stream_options": {"include_usage": true, "include_obfuscation": false},
  "user": "user-1234", "service_tier": "flex", "reasoning_effort": "a-future-effort-level",
  "verbosity": null, "modalities": ["text", "audio"],
  "audio": {"voice": {"id": "voice_1234"}, "format": "pcm16"},
  "prediction": {"type": "content", "content": "def f():\\n    return 1\\n"},
  "metadata": {"team": "conformance", "weird key": "value"},
  "store": null,
  "web_search_options": {"search_context_size": "low",
    "user_location": {"type": "approximate", "approximate": {"country": "US", "city": "Boston"}}},
  "safety_identifier": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  "prompt_cache_key": "conformance-suite",
  "top_k": 40
}""")  # every OpenAI parameter, plus top_k: a vendor extension the schema neither rejects nor needs

LEGACY_FUNCTIONS_REQUEST = _j("""{
  "model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Weather in Paris?"}],
  "functions": [{"name": "get_weather", "parameters": {"type": "object"}}],
  "function_call": {"name": "get_weather"}, "tool_choice": "required"
}""")


class Case(NamedTuple):
    ref: str
    instance: Any


def _replace(choice0: dict[str, Any], base: dict[str, Any] = SEED_000_ANYROUTER) -> Any:
    """``base`` with its first choice updated."""
    return base | {"choices": [base["choices"][0] | choice0]}


VALID: dict[str, Case] = {
    "AnyRouter's page response": Case("response.json", SEED_000_ANYROUTER),
    "AnyAPI's page response": Case("response.json", SEED_001_ANYAPI),
    "MyRouter AI's page response": Case("response.json", SEED_002_NOVITA),
    "MyRouter's example page response (role added)": Case("response.json", SEED_004_MYROUTER),
    "MyRouter's example page usage": Case("usage.json", SEED_004_USAGE),
    "MyRouter's example page usage as input_output": Case(
        "usage.json#/$defs/input_output", SEED_004_USAGE
    ),
    # OpenAI's audio guide replays an earlier audio answer as {role, audio: {id}} alone.
    "assistant message holding only audio": Case(
        "request.json",
        GOOD_REQUEST | {"messages": [{"role": "assistant", "audio": {"id": "audio_abc123"}}]},
    ),
    "openai completion": Case("response.json", OPENAI_COMPLETION),
    "openai tool call": Case("response.json", OPENAI_TOOL_CALL),
    "openai logprobs": Case("response.json", OPENAI_LOGPROBS),
    "openai stored completion": Case("response.json", OPENAI_STORED_COMPLETION),
    "openai usage": Case("usage.json#/$defs/prompt_completion", OPENAI_COMPLETION["usage"]),
    "openai chunk 1 (role)": Case("chunk.json", OPENAI_CHUNKS[0]),
    "openai chunk 2 (content)": Case("chunk.json", OPENAI_CHUNKS[1]),
    "openai chunk 3 (finish)": Case("chunk.json", OPENAI_CHUNKS[2]),
    "tool-call chunk 1": Case("chunk.json", TOOL_CALL_CHUNKS[0]),
    "tool-call chunk 2": Case("chunk.json", TOOL_CALL_CHUNKS[1]),
    "tool-call chunk 3": Case("chunk.json", TOOL_CALL_CHUNKS[2]),
    "include_usage chunk": Case(
        "chunk.json",
        _chunk(None, usage={"prompt_tokens": 24, "completion_tokens": 58, "total_tokens": 82}),
    ),
    "openrouter usage": Case("usage.json", OPENROUTER_USAGE),
    "openrouter usage chunk": Case("chunk.json", OPENROUTER_USAGE_CHUNK),
    "openrouter delta chunk": Case("chunk.json", OPENROUTER_DELTA_CHUNK),
    "openrouter mid-stream error chunk": Case("chunk.json", OPENROUTER_MIDSTREAM_ERROR),
    "finish_reason error (profile fact)": Case(
        "response.json", _replace({"finish_reason": "error"})
    ),
    "request, every parameter": Case("request.json", GOOD_REQUEST),
    "request, AnyRouter's page": Case("request.json", SEED_000_REQUEST),
    "request, legacy functions": Case("request.json", LEGACY_FUNCTIONS_REQUEST),
    "request, nulls": Case(
        "request.json",
        SEED_000_REQUEST | dict.fromkeys(["stream", "stream_options", "top_logprobs", "stop"]),
    ),
    "openai error": Case(
        "error.json#/$defs/openai",
        _j("""{"error": {"message":
        "Unrecognized request argument supplied: top_k", "type": "invalid_request_error",
        "param": null, "code": null}}"""),
    ),
    "openai error as envelope": Case(
        "error.json",
        _j("""{"error": {"message": "Rate limit",
        "type": "tokens", "param": null, "code": "rate_limit_exceeded"}}"""),
    ),
    "openrouter error": Case(
        "error.json#/$defs/openrouter",
        _j("""{"error": {"code": 402,
        "message": "Insufficient credits", "metadata": {"provider_name": null}}}"""),
    ),
    "openrouter availability error": Case(
        "error.json#/$defs/openrouter",
        _j("""{"error": {
        "message": "acme/fake-1.0 is not a valid model ID", "error_type": "invalid_request",
        "http_status": 400, "availability": {"code": "model_not_found", "retryable": false}}}"""),
    ),
    "openrouter streaming error, string code": Case(
        "error.json#/$defs/openrouter", {"error": {"code": "server_error", "message": "Failed"}}
    ),
}

_DELETE = object()


def _with(base: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A deep copy of ``base`` with the value at ``path`` replaced (removed if ``_DELETE``)."""
    doc = copy.deepcopy(base)
    target = doc
    for part in path[:-1]:
        target = target[part]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


class Bad(NamedTuple):
    ref: str
    instance: Any
    path: str
    keyword: str


_REQ = SEED_000_REQUEST
_RESP = SEED_000_ANYROUTER
_MSG = ("choices", 0, "message")
_TC = ("choices", 0, "delta", "tool_calls")
_LEGACY_LOGPROBS = _j("""{"tokens": ["NAT", " maps"], "token_logprobs": [-0.01, -0.2],
  "top_logprobs": [{"NAT": -0.01}, {" maps": -0.2}], "text_offset": [0, 3]}""")
_OLD_VLLM_ERROR = _j("""{"object": "error", "message": "bad", "type": "BadRequestError",
  "param": null, "code": 400}""")
_ARGS = ("function", "arguments")

# fmt: off
INVALID: dict[str, Bad] = {
    "chunk object text_completion (TGI)": Bad(
        "chunk.json", OPENAI_CHUNKS[1] | {"object": "text_completion"}, "$.object", "const"),
    "arguments as an object": Bad(
        "response.json", _with(OPENAI_TOOL_CALL, (*_MSG, "tool_calls", 0, *_ARGS), {"a": 1}),
        "$.choices[0].message.tool_calls[0].function.arguments", "type"),
    "streamed arguments as an object": Bad(
        "chunk.json", _with(TOOL_CALL_CHUNKS[1], (*_TC, 0, *_ARGS), {"a": 1}),
        "$.choices[0].delta.tool_calls[0].function.arguments", "type"),
    "legacy completions logprobs shape": Bad(
        "response.json", _replace({"logprobs": _LEGACY_LOGPROBS}),
        "$.choices[0].logprobs", "required"),
    "missing message role": Bad(
        "response.json", SEED_004_AS_DOCUMENTED, "$.choices[0].message", "required"),
    "unknown request role": Bad(
        "request.json", _with(_REQ, ("messages", 0, "role"), "robot"),
        "$.messages[0].role", "enum"),
    "5 stop sequences": Bad(
        "request.json", _REQ | {"stop": ["a", "b", "c", "d", "e"]}, "$.stop", "maxItems"),
    "temperature 2.5": Bad(
        "request.json", _REQ | {"temperature": 2.5}, "$.temperature", "maximum"),
    "top_logprobs 21": Bad(
        "request.json", _REQ | {"logprobs": True, "top_logprobs": 21},
        "$.top_logprobs", "maximum"),
    "top_logprobs without logprobs": Bad(
        "request.json", _REQ | {"top_logprobs": 2}, "$", "required"),
    "top_logprobs with logprobs false": Bad(
        "request.json", _REQ | {"logprobs": False, "top_logprobs": 2}, "$.logprobs", "const"),
    "stream_options without stream": Bad(
        "request.json", _REQ | {"stream_options": {"include_usage": True}}, "$", "required"),
    "stream_options with stream false": Bad(
        "request.json", _REQ | {"stream": False, "stream_options": {"include_usage": True}},
        "$.stream", "const"),
    "n 0": Bad("request.json", _REQ | {"n": 0}, "$.n", "minimum"),
    "empty messages": Bad("request.json", _REQ | {"messages": []}, "$.messages", "minItems"),
    "error body is a string": Bad("error.json", {"error": "string"}, "$.error", "type"),
    "user message without content": Bad(
        "request.json", _with(_REQ, ("messages", 1, "content"), _DELETE),
        "$.messages[1]", "required"),
    "tool message without tool_call_id": Bad(
        "request.json", _REQ | {"messages": [{"role": "tool", "content": "21 C"}]},
        "$.messages[0]", "required"),
    "image part in a system message": Bad(
        "request.json",
        _with(_REQ, ("messages", 0, "content"), [{"type": "image_url", "image_url": {"url": "x"}}]),
        "$.messages[0].content[0].type", "const"),
    "video_url part (Novita extension)": Bad(
        "request.json",
        _with(_REQ, ("messages", 1, "content"), [{"type": "video_url", "video_url": "https://v"}]),
        "$.messages[1].content[0].type", "enum"),
    "function name with a space": Bad(
        "request.json", _REQ | {"tools": [{"type": "function", "function": {"name": "get it"}}]},
        "$.tools[0].function.name", "pattern"),
    "unknown tool_choice mode": Bad(
        "request.json", _REQ | {"tool_choice": "any"}, "$.tool_choice", "enum"),
    "metadata value too long": Bad(
        "request.json", _REQ | {"metadata": {"weird key": "x" * 513}},
        "$.metadata['weird key']", "maxLength"),
    "logit_bias out of range": Bad(
        "request.json", _REQ | {"logit_bias": {"1024": 101}}, "$.logit_bias['1024']", "maximum"),
    "audio modality without audio": Bad(
        "request.json", _REQ | {"modalities": ["text", "audio"]}, "$", "required"),
    "finish_reason null in a response": Bad(
        "response.json", _replace({"finish_reason": None}), "$.choices[0].finish_reason", "type"),
    "empty choices in a response": Bad(
        "response.json", _RESP | {"choices": []}, "$.choices", "minItems"),
    "empty id (TGI)": Bad("response.json", _RESP | {"id": ""}, "$.id", "minLength"),
    "content as an object (MyRouter AI's page placeholder)": Bad(
        "response.json", _with(SEED_002_NOVITA, (*_MSG, "content"), {}),
        "$.choices[0].message.content", "type"),
    "tool-call fragment without index (Ollama)": Bad(
        "chunk.json", _with(TOOL_CALL_CHUNKS[1], (*_TC, 0, "index"), _DELETE),
        "$.choices[0].delta.tool_calls[0]", "required"),
    "tool_calls delta is an object (TGI)": Bad(
        "chunk.json", _with(TOOL_CALL_CHUNKS[1], _TC, {"index": 0}),
        "$.choices[0].delta.tool_calls", "type"),
    "tool-call fragment name null (TGI)": Bad(
        "chunk.json", _with(TOOL_CALL_CHUNKS[0], (*_TC, 0, "function", "name"), None),
        "$.choices[0].delta.tool_calls[0].function.name", "type"),
    "choice without delta (Azure)": Bad(
        "chunk.json", _with(OPENAI_CHUNKS[1], ("choices", 0, "delta"), _DELETE),
        "$.choices[0]", "required"),
    "usage {} on a chunk (Mistral via LiteLLM)": Bad(
        "chunk.json", _chunk(None, usage={}), "$.usage", "anyOf"),
    "negative token count": Bad(
        "usage.json", {"prompt_tokens": -1, "completion_tokens": 1, "total_tokens": 0},
        "$.prompt_tokens", "minimum"),
    "token byte out of range": Bad(
        "response.json",
        _with(OPENAI_LOGPROBS, ("choices", 0, "logprobs", "content", 0, "bytes", 0), 300),
        "$.choices[0].logprobs.content[0].bytes[0]", "maximum"),
    "openai error with integer code (vLLM, llama.cpp)": Bad(
        "error.json#/$defs/openai",
        {"error": {"code": 500, "message": "boom", "type": "server_error", "param": None}},
        "$.error.code", "type"),
    "openai error without param (llama.cpp)": Bad(
        "error.json#/$defs/openai", {"error": {"code": "x", "message": "boom", "type": "t"}},
        "$.error", "required"),
    "old vLLM top-level error": Bad("error.json", _OLD_VLLM_ERROR, "$", "required"),
    "openrouter error without code or http_status": Bad(
        "error.json#/$defs/openrouter", {"error": {"message": "nope"}}, "$.error", "anyOf"),
}
# fmt: on


def _oracle(ref: str) -> Draft202012Validator:
    """An independent jsonschema validator for ``ref``, built from the files, not the module."""
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(
        (BASE_URI + name, DRAFT202012.create_resource(load_schema(name))) for name in schema_names()
    )
    return Draft202012Validator({"$ref": BASE_URI + ref}, registry=registry)


# --- the schema files --------------------------------------------------------------------------


def test_schema_files_are_found() -> None:
    # Under nox the installed package's copy is used; in a checkout, the folder itself.
    checkout = Path(__file__).resolve().parent.parent / "schemas"
    assert schema_names() == EXPECTED_FILES
    for name in EXPECTED_FILES:
        assert (schema_dir() / name).read_bytes() == (checkout / name).read_bytes()


@pytest.mark.parametrize("name", EXPECTED_FILES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://chat-conformance.invalid/schemas/{name}"
    Draft202012Validator.check_schema(schema)  # raises SchemaError if invalid
    assert jsonschema_rs.meta.is_valid(schema)


def test_every_request_parameter_cites_its_source() -> None:
    properties = load_schema("request.json")["properties"]
    undocumented = [name for name, schema in properties.items() if "description" not in schema]
    assert undocumented == []
    assert {"model", "messages", "reasoning_effort", "safety_identifier", "functions"} <= set(
        properties
    )


def test_no_closed_objects_in_request_messages_or_parts() -> None:
    text = json.dumps(load_schema("request.json"))
    assert '"additionalProperties": false' not in text


def test_no_finish_reason_enum_in_responses() -> None:
    for name in ("response.json", "chunk.json"):
        choice = load_schema(name)["$defs"]["choice"]["properties"]["finish_reason"]
        assert "enum" not in choice
        assert "string" in choice["type"]


# --- valid and invalid instances ---------------------------------------------------------------


@pytest.mark.parametrize("case", VALID.values(), ids=VALID.keys())
def test_valid_instances(case: Case) -> None:
    checker = validator(case.ref)
    assert checker.explain(case.instance) == []
    assert checker.is_valid(case.instance)


def test_seed_004_usage_is_the_input_output_variant() -> None:
    assert validator("usage.json#/$defs/input_output").is_valid(SEED_004_USAGE)
    assert not validator("usage.json#/$defs/prompt_completion").is_valid(SEED_004_USAGE)


def test_openrouter_usage_is_the_prompt_completion_variant() -> None:
    assert validator("usage.json#/$defs/prompt_completion").is_valid(OPENROUTER_USAGE)
    assert not validator("usage.json#/$defs/input_output").is_valid(OPENROUTER_USAGE)


@pytest.mark.parametrize("case", INVALID.values(), ids=INVALID.keys())
def test_invalid_instances_are_explained(case: Bad) -> None:
    checker = validator(case.ref)
    assert not checker.is_valid(case.instance)
    errors = checker.explain(case.instance)
    assert (case.path, case.keyword) in [(error.path, error.keyword) for error in errors], errors


def test_seed_004_as_documented_fails_only_for_the_missing_role() -> None:
    errors = validator("response.json").explain(SEED_004_AS_DOCUMENTED)
    assert [(e.path, e.keyword, e.expected) for e in errors] == [
        ("$.choices[0].message", "required", "property 'role'")
    ]
    assert errors[0].schema_path == "properties/choices/items/properties/message/required"
    assert errors[0].actual == SEED_004_AS_DOCUMENTED["choices"][0]["message"]


def test_explain_fills_every_field() -> None:
    bad = _with(SEED_000_ANYROUTER, ("choices", 0, "finish_reason"), 7)
    [error] = validator("response.json").explain(bad)
    assert error == SchemaError(
        path="$.choices[0].finish_reason",
        schema_path="properties/choices/items/properties/finish_reason/type",
        keyword="type",
        message="7 is not of type 'string'",
        expected="type string",
        actual=7,
    )
    [const] = validator("response.json").explain(
        {**SEED_000_ANYROUTER, "object": "chat.completion.chunk"}
    )
    assert (const.path, const.keyword, const.expected) == (
        "$.object",
        "const",
        "exactly 'chat.completion'",
    )
    assert str(const).startswith("$.object: ")


def test_explain_descends_into_anyof_and_oneof() -> None:
    legacy = INVALID["legacy completions logprobs shape"].instance
    [error] = validator("response.json").explain(legacy)
    assert error.schema_path == "properties/choices/items/properties/logprobs/anyOf/0/required"
    assert error.expected == "property 'content'"
    request = {
        **SEED_000_REQUEST,
        "response_format": {"type": "json_schema", "json_schema": {"schema": {}}},
    }
    [error] = validator("request.json").explain(request)
    assert (error.path, error.keyword) == ("$.response_format.json_schema", "required")


def test_explain_orders_by_path_deduplicates_and_limits() -> None:
    messages = [{"role": "user", "content": "hi"} for _ in range(12)]
    for index in (11, 2, 10):
        messages[index] = {"role": "robot", "content": "hi"}
    request = {**SEED_000_REQUEST, "messages": messages, "n": 0, "temperature": 9}
    errors = validator("request.json").explain(request)
    assert [error.path for error in errors] == [
        "$.messages[2].role",
        "$.messages[10].role",
        "$.messages[11].role",
        "$.n",
        "$.temperature",
    ]
    assert len(validator("request.json").explain(request, limit=2)) == 2
    assert validator("request.json").explain(request, limit=0) == []


def test_paths_quote_keys_that_are_not_identifiers() -> None:
    request = _REQ | {"metadata": {"it's": 1, "ok_1": 2}}
    errors = validator("request.json").explain(request)
    assert [(e.path, e.keyword) for e in errors] == [
        ('$.metadata["it\'s"]', "type"),
        ("$.metadata.ok_1", "type"),
    ]


def test_explain_falls_back_to_the_rust_engine_when_the_engines_disagree() -> None:
    # ECMA-262 "$" matches only at the very end; Python's re also matches before a final "\n".
    # jsonschema (Python) therefore accepts this name, jsonschema_rs (ECMA) rejects it.
    request = {
        **SEED_000_REQUEST,
        "tools": [{"type": "function", "function": {"name": "get_weather\n"}}],
    }
    checker = validator("request.json")
    assert not checker.is_valid(request)
    assert _oracle("request.json").is_valid(request)  # the documented divergence
    [error] = checker.explain(request)
    assert (error.path, error.keyword) == ("$.tools[0].function.name", "pattern")


def test_values_the_rust_engine_cannot_take_fall_back_to_python() -> None:
    lone_surrogate = json.loads('"\\ud800"')
    response = _with(SEED_000_ANYROUTER, ("choices", 0, "message", "content"), lone_surrogate)
    assert validator("response.json").is_valid(response)
    response["choices"][0]["finish_reason"] = None
    assert not validator("response.json").is_valid(response)


# --- the two engines agree ---------------------------------------------------------------------

_ALL = [(name, case.ref, case.instance) for name, case in VALID.items()] + [
    (name, case.ref, case.instance) for name, case in INVALID.items()
]


@pytest.mark.parametrize(
    ("ref", "instance"), [case[1:] for case in _ALL], ids=[case[0] for case in _ALL]
)
def test_engines_agree_on_the_catalogue(ref: str, instance: Any) -> None:
    assert validator(ref).is_valid(instance) == _oracle(ref).is_valid(instance)


_KEYS = [
    "id", "object", "created", "model", "choices", "index", "message", "delta", "role", "content",
    "refusal", "finish_reason", "logprobs", "tool_calls", "function", "name", "arguments", "type",
    "usage", "prompt_tokens", "completion_tokens", "total_tokens", "token", "logprob", "bytes",
    "top_logprobs", "function_call", "annotations", "audio", "custom", "input",
]  # fmt: skip
_INTERESTING = [
    "chat.completion", "chat.completion.chunk", "assistant", "function", "custom", "stop", "",
    0, -1, 255, 256, 1.0, 0.5, True, False, None, [], {},
]  # fmt: skip
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
    | st.sampled_from(_INTERESTING),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@st.composite
def _mutations(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """``base`` with 1–3 random replacements, deletions or insertions of JSON values."""
    doc: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(doc))))
        value = copy.deepcopy(draw(_json))  # sampled [] and {} must not be shared and mutated
        if not path:
            doc = value
            continue
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        target = parent[path[-1]]
        operation = draw(st.sampled_from(["replace", "delete", "insert"]))
        if operation == "replace":
            parent[path[-1]] = value
        elif operation == "delete":
            del parent[path[-1]]
        elif isinstance(target, dict):
            target[draw(st.sampled_from(_KEYS))] = value
        elif isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), value)
        else:
            parent[path[-1]] = value
    return doc


RICH_RESPONSE = copy.deepcopy(OPENAI_LOGPROBS)
RICH_RESPONSE["choices"][0]["message"].update(
    refusal=None, tool_calls=OPENAI_TOOL_CALL["choices"][0]["message"]["tool_calls"], annotations=[]
)
RICH_RESPONSE["usage"] = OPENROUTER_USAGE


@settings(max_examples=300, deadline=None, database=None)
@given(_mutations(RICH_RESPONSE))
def test_engines_agree_on_mutated_responses(instance: Any) -> None:
    assert validator("response.json").is_valid(instance) == _RESPONSE_ORACLE.is_valid(instance)


@settings(max_examples=200, deadline=None, database=None)
@given(_mutations(TOOL_CALL_CHUNKS[0]) | _mutations(OPENROUTER_USAGE_CHUNK))
def test_engines_agree_on_mutated_chunks(instance: Any) -> None:
    assert validator("chunk.json").is_valid(instance) == _CHUNK_ORACLE.is_valid(instance)


_RESPONSE_ORACLE = _oracle("response.json")
_CHUNK_ORACLE = _oracle("chunk.json")


# --- the loader --------------------------------------------------------------------------------


def test_validator_is_compiled_once() -> None:
    first = validator("response.json")
    assert validator("response.json") is first
    assert validator("error.json#/$defs/openai") is validator("error.json#/$defs/openai")
    assert first.ref == "response.json"


@pytest.mark.parametrize(
    "ref", ["nope.json", "response.json#/$defs/nope", "https://example.com/schemas/response.json"]
)
def test_unknown_references_are_config_errors(ref: str) -> None:
    with pytest.raises(ConfigError, match=r"nope|unknown schema reference"):
        validator(ref)


def test_load_schema_returns_a_copy() -> None:
    schema = load_schema("usage.json")
    schema["$defs"].clear()
    assert load_schema("usage.json")["$defs"]
    with pytest.raises(ConfigError, match=r"no schema 'nope\.json'"):
        load_schema("nope.json")
    with pytest.raises(ConfigError, match="not a schema file name"):
        load_schema("../pyproject.toml")


def test_schema_dir_prefers_package_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "site-packages" / "conformance"
    (packaged / "schemas").mkdir(parents=True)
    monkeypatch.setattr(_schema_store.resources, "files", lambda _package: packaged)
    assert schema_dir() == packaged / "schemas"


def test_schema_dir_names_both_places_when_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_schema_store.resources, "files", lambda _package: tmp_path / "installed")
    monkeypatch.setattr(
        _schema_store,
        "__file__",
        str(tmp_path / "checkout" / "conformance" / "contract" / "_schema_store.py"),
    )
    with pytest.raises(ConfigError) as excinfo:
        schema_dir()
    assert str(tmp_path / "installed" / "schemas") in str(excinfo.value)
    assert str(tmp_path / "checkout" / "schemas") in str(excinfo.value)
