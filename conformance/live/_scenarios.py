"""Targeted scenarios: what generation cannot judge, each one request with a purpose.

A scenario builds one :class:`Probe` for the model under test; a two-turn scenario also builds
the second turn from the first turn's answer (``follow_up``). The checks judge each exchange;
the scenario only decides what to send and which feature it needs: a feature the target refuses
with a clean 4xx (an error answer in the documented envelope) is reported as skipped with the
reason, while a feature accepted and ignored is caught by the feature's own checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from conformance.base import Intent
from conformance.exchange import Exchange
from conformance.live import _turns

Auth = Literal["key", "none", "bad"]


@dataclass(frozen=True, slots=True)
class Probe:
    """One request: its body (JSON, raw bytes or none), method, credentials and intent."""

    body: Mapping[str, Any] | bytes | None
    method: str = "POST"
    auth: Auth = "key"
    intent: Intent | None = None
    retry: bool = True  # retry 429/503 after Retry-After; off where the 429 itself is judged
    headers: Mapping[str, str] | None = None  # sent beside the defaults, shown in the curl
    # The field a generated invalid request breaks: a 5xx answer to it is followed by the same
    # request without that field (Exchange.control), so a crash it shares is not blamed on it.
    broken: str | None = None
    # The second turn of a conversation: the body carries back a tool call the target made.
    follow_up: bool = False


#: Builds the second turn from the model id and the first turn's exchange (its request and
#: whole answer); raises NotApplicable with the reason when that answer gives nothing to follow.
FollowUp = Callable[[str, Exchange], Probe]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    build: Callable[[str], Probe]
    feature: str | None = None  # a clean 4xx means the target does not offer it: skipped
    needs_key: bool = False  # auth scenarios mean nothing against a target without a key
    follow_up: FollowUp | None = None  # a second turn, sent after the first is judged


def as_sent(probe: Probe, exchange: Exchange) -> Exchange:
    """The exchange a probe got, marked as a follow-up when the probe is one (the checks then
    know the history in its request holds the target's own tool call)."""
    return replace(exchange, follow_up=True) if probe.follow_up else exchange


def ask(model: str, text: str = "Say hello in three words.", **params: Any) -> dict[str, Any]:
    """A short, cheap request: one user message and a 16-token cap, plus ``params``."""
    messages = [{"role": "user", "content": text}]
    return {"model": model, "messages": messages, "max_tokens": 16, **params}


_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
_TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Get the local time in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
_TOOLS = [_WEATHER_TOOL, _TIME_TOOL]
_PLACE = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["city", "country"],
    "additionalProperties": False,
}
_WEATHER_QUESTION = "What is the weather in Paris? Use get_weather."


Build = Callable[[str], Probe]


def _scenario(
    name: str,
    description: str,
    feature: str | None = None,
    needs_key: bool = False,
    follow_up: FollowUp | None = None,
) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        SCENARIOS.append(Scenario(name, description, build, feature, needs_key, follow_up))
        return build

    return register


SCENARIOS: list[Scenario] = []


@_scenario("plain", "a short completion: shape, usage, finish reason")
def _plain(model: str) -> Probe:
    return Probe(ask(model))


@_scenario("n2", "two choices, indexed 0 and 1", feature="n")
def _n2(model: str) -> Probe:
    return Probe(ask(model, n=2, temperature=1))


@_scenario("max_tokens.length", "a cap of 1 token: finish_reason length", feature="max_tokens")
def _length(model: str) -> Probe:
    return Probe(ask(model, "Count from one to fifty in words.", max_tokens=1))


@_scenario("stop", "a stop sequence never appears in the content", feature="stop")
def _stop(model: str) -> Probe:
    return Probe(ask(model, "Count from one to ten in words, separated by spaces.", stop=["five"]))


@_scenario(
    "reasoning.separate",
    "separate_reasoning asked: no <think> block left in the content",
    feature="separate_reasoning",
)
def _separate_reasoning(model: str) -> Probe:
    # Seed 002's parameter. A target without it refuses it cleanly (skipped) or ignores it,
    # which is compliant as long as no reasoning leaks into the content.
    return Probe(ask(model, "Why is the sky blue? One sentence.", separate_reasoning=True))


@_scenario("logprobs", "logprobs with two alternatives per token", feature="logprobs")
def _logprobs(model: str) -> Probe:
    return Probe(ask(model, logprobs=True, top_logprobs=2))


@_scenario("format.json_object", "JSON mode: the content is JSON", feature="response_format")
def _json_object(model: str) -> Probe:
    text = "Reply with a JSON object holding one key, greeting."
    return Probe(ask(model, text, response_format={"type": "json_object"}))


@_scenario("format.json_schema", "strict structured output", feature="response_format")
def _json_schema(model: str) -> Probe:
    spec = {"name": "place", "strict": True, "schema": _PLACE}
    fmt = {"type": "json_schema", "json_schema": spec}
    return Probe(ask(model, "Name a city and its country.", response_format=fmt))


@_scenario("tools.auto", "tools offered, tool_choice auto", feature="tools")
def _tools_auto(model: str) -> Probe:
    return Probe(ask(model, _WEATHER_QUESTION, tools=_TOOLS, tool_choice="auto"))


@_scenario("tools.required", "tool_choice required yields a call", feature="tools")
def _tools_required(model: str) -> Probe:
    return Probe(ask(model, _WEATHER_QUESTION, tools=_TOOLS, tool_choice="required"))


@_scenario("tools.named", "a named tool_choice yields that tool", feature="tools")
def _tools_named(model: str) -> Probe:
    choice = {"type": "function", "function": {"name": "get_time"}}
    return Probe(ask(model, _WEATHER_QUESTION, tools=_TOOLS, tool_choice=choice))


@_scenario(
    "tools.parallel", "two tools asked for at once: two calls, indexed apart", feature="tools"
)
def _tools_parallel(model: str) -> Probe:
    # Parallel calls are where indices collide and arguments run together (Ollama and vLLM
    # streamed every call as index 0: https://github.com/ollama/ollama/issues/15457,
    # https://github.com/InternLM/lmdeploy/issues/3412).
    text = "What are the weather and the local time in Paris? Use get_weather and get_time."
    return Probe(ask(model, text, tools=_TOOLS, tool_choice="auto"))


@_scenario("tools.none", "tool_choice none yields no call", feature="tools")
def _tools_none(model: str) -> Probe:
    return Probe(ask(model, _WEATHER_QUESTION, tools=_TOOLS, tool_choice="none"))


def _answer_the_call(model: str, first: Exchange) -> Probe:
    return Probe(_turns.follow_up_body(first), follow_up=True)


@_scenario(
    "tools.follow_up",
    "a forced call, then the history sent back with its result: the answer to the result",
    feature="tools",
    follow_up=_answer_the_call,
)
def _tools_follow_up(model: str) -> Probe:
    # Turn 2 is where servers break that pass every single-turn test: a tool role refused
    # (https://github.com/InternLM/lmdeploy/issues/2973), the echoed content null refused
    # (https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/261).
    return Probe(ask(model, _WEATHER_QUESTION, tools=_TOOLS, tool_choice="required"))


#: Ids of the ready-made history: 9 letters and digits, the one form Mistral's API accepts
#: ("Tool call id was ... but must be a-z, A-Z, 0-9, with a length of 9",
#: https://github.com/jackmpcollins/magentic/issues/276), and an id to OpenAI as any other.
_HISTORY_IDS = ("wx7Hq2Lm9", "tm4Kp8Rz3")


@_scenario(
    "tools.history",
    "a history of two parallel calls and their results, then a new question",
    feature="tools",
)
def _tools_history(model: str) -> Probe:
    weather, time = _HISTORY_IDS
    calls = [
        _turns.function_call(weather, "get_weather", '{"city": "Paris"}'),
        _turns.function_call(time, "get_time", '{"city": "Paris"}'),
    ]
    question = "What are the weather and the local time in Paris? Use get_weather and get_time."
    messages = [
        {"role": "user", "content": question},
        _turns.assistant_turn(None, calls),
        _turns.tool_result(weather, "get_weather"),
        _turns.tool_result(time, "get_time"),
        {"role": "user", "content": "And the weather in Lyon? Use get_weather."},
    ]
    body = ask(model, tools=_TOOLS, tool_choice="auto")
    return Probe({**body, "messages": messages})


@_scenario("stream", "a stream without include_usage", feature="stream")
def _stream(model: str) -> Probe:
    return Probe(ask(model, stream=True))


@_scenario("stream.include_usage", "a stream with its usage chunk", feature="stream_options")
def _stream_usage(model: str) -> Probe:
    return Probe(ask(model, stream=True, stream_options={"include_usage": True}))


@_scenario(
    "stream.max_tokens.usage",
    "a cap of 1 token, streamed with its usage chunk: the cap is judged on the token count",
    feature="stream_options",
)
def _stream_length_usage(model: str) -> Probe:
    # stream.max_tokens.length asks for no usage, so that a target refusing stream_options is
    # not read as refusing max_tokens; without a token count, the cap's checks skip a stream.
    usage = {"include_usage": True}
    text = "Count from one to fifty in words."
    return Probe(ask(model, text, stream=True, max_tokens=1, stream_options=usage))


@_scenario("stream.n2", "two choices streamed, interleaved", feature="n")
def _stream_n2(model: str) -> Probe:
    usage = {"include_usage": True}
    return Probe(ask(model, stream=True, n=2, temperature=1, stream_options=usage))


@_scenario("stream.tools", "a streamed forced tool call", feature="tools")
def _stream_tools(model: str) -> Probe:
    return Probe(ask(model, _WEATHER_QUESTION, stream=True, tools=_TOOLS, tool_choice="required"))


@_scenario("stream.invalid", "a stream request that fails validation gets a JSON error")
def _stream_invalid(model: str) -> Probe:
    return Probe(ask(model, stream=True, temperature=5))


@_scenario("invalid.empty_messages", "an empty messages list is refused")
def _empty_messages(model: str) -> Probe:
    return Probe({"model": model, "messages": [], "max_tokens": 16})


@_scenario("invalid.malformed_json", "a body that is not JSON is refused")
def _malformed(model: str) -> Probe:
    return Probe(b'{"model": "' + model.encode() + b'", "messages": [', intent="malformed_json")


@_scenario("invalid.unknown_model", "an unknown model is refused")
def _unknown_model(model: str) -> Probe:
    return Probe(ask("conformance-no-such-model-0"), intent="unknown_model")


@_scenario("invalid.wrong_method", "PUT on the endpoint is refused")
def _wrong_method(model: str) -> Probe:
    # PUT, not GET: OpenAI's API defines GET on this path (listChatCompletions, stored
    # completions), so a GET may rightly answer 200. No profile defines PUT here.
    return Probe(None, method="PUT", intent="wrong_method")


@_scenario("auth.no_key", "a request without a key gets 401", needs_key=True)
def _no_key(model: str) -> Probe:
    return Probe(ask(model), auth="none", intent="no_key")


@_scenario("auth.bad_key", "a request with a wrong key gets 401", needs_key=True)
def _bad_key(model: str) -> Probe:
    return Probe(ask(model), auth="bad", intent="bad_key")


@_scenario("lenient.unknown_parameter", "an unknown extra parameter: accepted or refused cleanly")
def _unknown_parameter(model: str) -> Probe:
    # The contract allows both answers (OpenAI refuses, OpenRouter ignores): the checks judge
    # only what it fixes, the shape of whichever answer comes back.
    return Probe(ask(model, x_conformance_probe=1))


# --- every feature streamed too ------------------------------------------------------------------

#: Feature scenarios whose streamed twin is written out above, with a purpose of its own.
_STREAMED_ABOVE = frozenset({"n2", "tools.required"})


def _streamed(build: Build) -> Build:
    def streamed(model: str) -> Probe:
        probe = build(model)
        assert isinstance(probe.body, Mapping)
        return replace(probe, body={**probe.body, "stream": True})

    return streamed


# A feature a target honours unstreamed may break when streamed (tool calls dropped or leaked
# as text, reasoning inlined, the cap ignored): each is asked both ways.
def _streams(scenario: Scenario) -> bool:
    body = scenario.build("m").body
    return isinstance(body, Mapping) and body.get("stream") is True


for _base in tuple(SCENARIOS):
    if _base.feature is not None and _base.name not in _STREAMED_ABOVE and not _streams(_base):
        # A follow-up is built from the first turn's request, so it streams when that did.
        SCENARIOS.append(
            Scenario(
                f"stream.{_base.name}",
                f"{_base.description}, streamed",
                _streamed(_base.build),
                _base.feature,
                follow_up=_base.follow_up,
            )
        )
