"""The catalogue of faults: each one realistic deviation of a real server, on request.

A :class:`Fault` is a name, a one-line description, the checks it trips, and hooks at the stage
where the deviation lives (the router calls them in this order):

``bypass``       skip a step: request validation, or the key check
``params``       how the request is read (a server that ignores ``n``, the cap, ``tool_choice``…)
``completion``   what the model produced (finish reasons, usage, content)
``body``         the chat.completion object of a non-streamed answer
``events``       the chunks of a stream, as a list of dicts and raw data strings
``frames``       the bytes of each SSE event
``error``        an error answer: status, body, headers
``media_type``   the Content-Type of every answer

Most come from spec.md §8 (the item is in the description); the rest are the deviations the
checks exist for. :class:`FaultSet` applies a selection in catalogue order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

from conformance._errors import ConfigError
from conformance.reference import _hooks as hook
from conformance.reference._hooks import (
    BodyHook,
    CompletionHook,
    ErrorHook,
    ErrorReply,
    EventsHook,
    FramesHook,
    ParamsHook,
    Turn,
)
from conformance.reference._model import Completion, Params
from conformance.reference._wire import Event

__all__ = ["FAULTS", "ErrorReply", "Fault", "FaultSet", "Turn"]

Bypass = Literal["validation", "auth"]


@dataclass(frozen=True, slots=True)
class Fault:
    """One deviation: what it is, which checks see it, and where it hooks in."""

    name: str
    description: str
    trips: tuple[str, ...]
    bypass: frozenset[Bypass] = frozenset()
    invalid_stream_as_event: bool = False  # validation errors of a stream: 200 + error event
    params: ParamsHook | None = None
    completion: CompletionHook | None = None
    body: BodyHook | None = None
    events: EventsHook | None = None
    frames: FramesHook | None = None
    error: ErrorHook | None = None
    media_type: str | None = None


# --- the catalogue ------------------------------------------------------------------------------

_CATALOGUE: Final = (
    # stream framing and terminator (§8 items 1-3)
    Fault(
        "no-done",
        "the stream ends without data: [DONE] (§8.1: ik_llama.cpp, MLC-LLM, LiteLLM)",
        ("stream.terminator",),
        events=hook.drop_done,
    ),
    Fault(
        "double-done", "data: [DONE] is sent twice", ("stream.terminator",), events=hook.double_done
    ),
    Fault(
        "missing-blank-lines",
        "SSE events end with one newline, not a blank line (§8.2)",
        ("stream.framing", "stream.terminator"),
        frames=hook.single_newlines,
    ),
    Fault(
        "invalid-utf8",
        'the stream is encoded as Latin-1, not UTF-8 (a "café" in the text)',
        ("stream.framing",),
        events=hook.cafe,
        frames=hook.latin1,
    ),
    Fault(
        "data-not-json",
        "one data payload is a Python repr of the chunk, not JSON",
        ("stream.data_json",),
        events=hook.python_repr,
    ),
    Fault(
        "wrong-chunk-object",
        'chunks say object "text_completion" (§8.3: TGI)',
        ("stream.chunk_schema",),
        events=hook.on_chunks(hook.wrong_object),
    ),
    Fault(
        "content-type-plain",
        "every answer is served as text/plain (JSON and event streams)",
        ("response.content_type", "stream.content_type"),
        media_type="text/plain; charset=utf-8",
    ),
    Fault(
        "azure-metadata-chunk",
        "a first chunk with empty id/object/model and created 0 "
        "(§8.24: Azure content-filter metadata)",
        ("stream.chunk_schema", "stream.identity"),
        events=hook.metadata_chunk,
    ),
    # chunk identity (§8 items 4-6, 23)
    Fault(
        "id-changes",
        "the chunk id changes on every chunk (§8.4: Foundry Local chat.id.N)",
        ("stream.identity",),
        events=hook.on_chunks(hook.changing_id),
    ),
    Fault(
        "index-counter",
        "choices[].index counts tokens instead of naming the choice (§8.5: TGI)",
        ("choices.index", "choices.count", "stream.finish_reason"),
        events=hook.on_chunks(hook.index_counter),
    ),
    Fault(
        "n-multiplexed",
        "with n > 1, every choice is streamed as index 0 (§8.6: SGLang)",
        ("choices.count", "stream.finish_reason"),
        events=hook.on_entries(hook.index_zero),
    ),
    Fault(
        "role-every-delta",
        'every delta repeats role "assistant" (§8.23: OpenRouter, TGI)',
        ("stream.role",),
        events=hook.on_entries(hook.role_always),
    ),
    Fault(
        "no-finish-reason",
        "finish_reason is never set (§8.16)",
        ("stream.finish_reason", "response.schema"),
        completion=hook.finish(None, None),
    ),
    # usage (§8 items 7-9)
    Fault(
        "ignore-include-usage",
        "stream_options.include_usage is ignored: no usage chunk (§8.7: Ollama)",
        ("stream.usage.requested",),
        params=hook.on_params(include_usage=False),
    ),
    Fault(
        "usage-on-finish-chunk",
        "the usage rides on the finish chunk, not a choices: [] chunk (§8.8: llama.cpp)",
        ("stream.usage.requested",),
        events=hook.usage_on_finish,
    ),
    Fault(
        "usage-every-chunk",
        "every chunk carries usage, requested or not (§8.9: tt-inference-server)",
        ("stream.usage.unrequested",),
        events=hook.usage_everywhere,
    ),
    Fault(
        "usage-arithmetic",
        "total_tokens leaves out the prompt tokens",
        ("usage.arithmetic",),
        completion=hook.total_without_prompt,
    ),
    Fault(
        "empty-success",
        'an empty message, zero usage and finish_reason "stop" (§8.20: Ollama)',
        ("response.empty_success",),
        completion=hook.empty_success,
    ),
    # tool calls (§8 items 10-15)
    Fault(
        "arguments-object",
        "function.arguments is a JSON object, not a string (§8.10: TGI; non-streamed answers)",
        ("response.schema",),
        body=hook.arguments_object,
    ),
    Fault(
        "arguments-not-json",
        "function.arguments is a Python repr of the arguments, not JSON",
        ("tool_calls.arguments",),
        completion=hook.each_output(hook.python_arguments),
    ),
    Fault(
        "tool-calls-delta-object",
        "delta.tool_calls is one object, not an array (§8.11: TGI)",
        ("stream.chunk_schema",),
        events=hook.on_entries(hook.delta_object),
    ),
    Fault(
        "tool-call-index-missing",
        "streamed tool-call fragments carry no index (§8.12: Ollama)",
        ("stream.chunk_schema", "tool_calls.finish_reason"),
        events=hook.no_call_index,
    ),
    Fault(
        "tool-call-index-constant",
        "parallel tool calls are all streamed as index 0 (§8.12: Ollama, vLLM)",
        ("stream.tool_calls.repeat", "tool_calls.arguments"),
        events=hook.constant_call_index,
    ),
    Fault(
        "tool-call-name-repeated",
        "every tool-call fragment repeats the id, type and name (§8.13: llama.cpp)",
        ("stream.tool_calls.repeat",),
        events=hook.repeat_name,
    ),
    Fault(
        "tool-call-start-without-name",
        "a streamed tool call starts without its name, which comes in the next fragment",
        ("stream.tool_calls.start",),
        events=hook.late_name,
    ),
    Fault(
        "tool-calls-dropped-in-stream",
        'streams drop tool calls and finish with "stop" (§8.14: Ollama)',
        ("tool_calls.forced",),
        events=hook.drop_calls,
    ),
    Fault(
        "tool-calls-leaked-as-text",
        "tool calls come back as <tool_call> text in the content (§8.14: vLLM)",
        ("tool_calls.forced",),
        completion=hook.each_output(hook.leak_calls),
    ),
    Fault(
        "stop-instead-of-tool-calls",
        'a choice that called tools finishes with "stop" (§8.15: Ollama, SGLang)',
        ("tool_calls.finish_reason",),
        completion=hook.finish("tool_calls", "stop"),
    ),
    Fault(
        "tool-call-when-none",
        'tool_choice "none" is ignored: a tool is called anyway',
        ("tool_calls.allowed",),
        params=hook.calls_despite_none,
    ),
    Fault(
        "forced-tool-ignored",
        "a forcing tool_choice (required or named) is answered with text",
        ("tool_calls.forced",),
        params=hook.forcing_ignored,
    ),
    # hook.finish reasons, caps, stop sequences
    Fault(
        "finish-reason-eos",
        'finish_reason "eos_token" instead of "stop" (TGI native)',
        ("choices.finish_reason",),
        completion=hook.finish("stop", "eos_token"),
    ),
    Fault(
        "exceed-max-tokens",
        "max_tokens and max_completion_tokens are ignored",
        ("max_tokens.respected",),
        params=hook.on_params(cap=None),
    ),
    Fault(
        "stop-at-cap-says-stop",
        'a choice cut by the token cap finishes with "stop"',
        ("max_tokens.length",),
        completion=hook.finish("length", "stop"),
    ),
    Fault(
        "stop-sequence-included",
        "the content keeps the stop sequence that ended it",
        ("stop.excluded",),
        params=hook.on_params(keep_stop=True),
    ),
    Fault(
        "ignore-n",
        "n is ignored: one choice comes back (§8.6)",
        ("choices.count",),
        params=hook.on_params(n=1),
    ),
    # structured output, logprobs, reasoning
    Fault(
        "invalid-json-mode",
        "response_format is ignored: JSON mode is answered with prose",
        ("response_format.json",),
        params=hook.on_params(format="text", schema=None),
    ),
    Fault(
        "schema-violating-output",
        "json_schema is treated as json_object: JSON that ignores the schema",
        ("response_format.schema",),
        params=hook.json_mode_only,
    ),
    Fault(
        "ignore-logprobs",
        "logprobs is ignored (§8.21: Ollama /v1)",
        ("logprobs.presence",),
        params=hook.on_params(logprobs=False),
    ),
    Fault(
        "legacy-logprobs",
        "logprobs in the Completions shape: tokens, token_logprobs (§8.21: vLLM)",
        ("response.schema", "logprobs.presence"),
        body=hook.legacy_body,
        events=hook.on_entries(hook.legacy_entry),
    ),
    Fault(
        "top-logprobs-wrong",
        "each token carries top_logprobs + 1 alternatives",
        ("logprobs.top_logprobs",),
        params=hook.one_more_alternative,
    ),
    Fault(
        "think-in-content",
        "reasoning comes inside the content as a <think> block (§8.22)",
        ("reasoning.separated",),
        completion=hook.each_output(hook.think),
    ),
    # errors (§8 items 17-19)
    Fault(
        "accept-invalid",
        "requests that break the request schema are answered 200",
        ("errors.invalid_request",),
        bypass=frozenset({"validation"}),
    ),
    Fault(
        "error-event-200",
        "a stream request that fails validation gets 200 and an error event (§8.18: vLLM, SGLang)",
        ("errors.invalid_request",),
        invalid_stream_as_event=True,
    ),
    Fault(
        "vllm-error-envelope",
        'errors are top-level {"object": "error", "code": 400} (§8.17: vLLM < 0.10.1)',
        ("errors.envelope",),
        error=hook.vllm_envelope,
    ),
    Fault(
        "error-fields-missing",
        "error objects lack param and give code as an integer (§8.17: llama.cpp)",
        ("errors.envelope_fields",),
        error=hook.llama_envelope,
    ),
    Fault(
        "retry-after-missing",
        "429 answers carry no Retry-After header",
        ("errors.retry_after",),
        error=hook.no_retry_after,
    ),
    Fault(
        "unknown-model-500",
        "an unknown model crashes the router: a llama.cpp-style 500 instead of 404",
        ("errors.status_code", "errors.envelope_fields"),
        error=hook.unknown_model_crash,
    ),
    Fault(
        "auth-ignored",
        "the API key is not checked: a wrong key is answered 200",
        ("errors.status_code",),
        bypass=frozenset({"auth"}),
    ),
    Fault(
        "mid-stream-error-malformed",
        'a mid-stream error is {"error": "<string>"}, not an error object (TGI)',
        ("stream.error_event",),
        events=hook.bare_error_event,
    ),
)

FAULTS: Final[dict[str, Fault]] = {fault.name: fault for fault in _CATALOGUE}


class FaultSet:
    """The faults a router was started with, applied in catalogue order."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        wanted = set(names)
        unknown = sorted(wanted - set(FAULTS))
        if unknown:
            raise ConfigError(
                f"unknown fault(s) {', '.join(unknown)}; see `conformance faults` for the list"
            )
        self.faults = tuple(fault for fault in _CATALOGUE if fault.name in wanted)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(fault.name for fault in self.faults)

    def bypasses(self, step: Bypass) -> bool:
        return any(step in fault.bypass for fault in self.faults)

    @property
    def invalid_stream_as_event(self) -> bool:
        return any(fault.invalid_stream_as_event for fault in self.faults)

    def media_type(self, default: str) -> str:
        for fault in self.faults:
            if fault.media_type is not None:
                return fault.media_type
        return default

    def params(self, params: Params) -> Params:
        for fault in self.faults:
            if fault.params is not None:
                params = fault.params(params)
        return params

    def completion(self, completion: Completion, params: Params) -> Completion:
        for fault in self.faults:
            if fault.completion is not None:
                completion = fault.completion(completion, params)
        return completion

    def body(self, body: dict[str, Any], turn: Turn) -> dict[str, Any]:
        for fault in self.faults:
            if fault.body is not None:
                body = fault.body(body, turn)
        return body

    def events(self, events: list[Event], turn: Turn) -> list[Event]:
        for fault in self.faults:
            if fault.events is not None:
                events = fault.events(events, turn)
        return events

    def frames(self, frames: list[bytes]) -> list[bytes]:
        for fault in self.faults:
            if fault.frames is not None:
                frames = fault.frames(frames)
        return frames

    def error(self, reply: ErrorReply) -> ErrorReply:
        for fault in self.faults:
            if fault.error is not None:
                reply = fault.error(reply)
        return reply
