"""The catalogue of faults: each one realistic deviation of a real server, on request.

A :class:`Fault` is a :class:`_behaviour.Behaviour` (a name, a one-line
description, hooks at the stage where the deviation lives) with the checks it trips and, for
most, the public bug report of a real server that shows it (``evidence``).

:class:`FaultSet` applies a selection of faults and legal variants
(:mod:`_variants`): variants first, then faults, each in catalogue order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass
from typing import Final

from conformance.base import ConfigError
from conformance.reference import _hooks as hook
from conformance.reference import _requests as request
from conformance.reference import _turns as turns
from conformance.reference._behaviour import Behaviour, Behaviours
from conformance.reference._hooks import ErrorReply, Turn
from conformance.reference._variants import VARIANTS

__all__ = ["FAULTS", "ErrorReply", "Fault", "FaultSet", "Turn"]


@dataclass(frozen=True, slots=True)
class Fault(Behaviour):
    """One deviation: what it is, which checks see it, where it was seen, where it hooks in."""

    trips: tuple[str, ...]
    _: KW_ONLY
    evidence: str = ""


# --- the catalogue ------------------------------------------------------------------------------

_CATALOGUE: Final = (
    # stream framing and terminator
    Fault(
        "no-done",
        "the stream ends without data: [DONE] (ik_llama.cpp, MLC-LLM, LiteLLM)",
        ("stream.terminator",),
        evidence="https://github.com/ikawrakow/ik_llama.cpp/issues/467, "
        "https://github.com/mlc-ai/mlc-llm/issues/1300, https://github.com/BerriAI/litellm/issues/1255",
        events=hook.drop_done,
    ),
    Fault(
        "double-done", "data: [DONE] is sent twice", ("stream.terminator",), events=hook.double_done
    ),
    Fault(
        "missing-blank-lines",
        "SSE events end with one newline, not a blank line",
        ("stream.framing", "stream.terminator"),
        evidence="https://github.com/acheong08/ChatGPT-to-API/issues/14",
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
        'chunks say object "text_completion" (TGI)',
        ("stream.chunk_schema",),
        evidence="https://github.com/huggingface/text-generation-inference/pull/1648",
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
        "a first chunk with empty id/object/model and created 0 (Azure content-filter metadata)",
        ("stream.chunk_schema", "stream.identity"),
        evidence="https://github.com/Azure/azure-sdk-for-go/issues/21086",
        events=hook.metadata_chunk,
    ),
    # chunk identity
    Fault(
        "id-changes",
        "the chunk id changes on every chunk (Foundry Local chat.id.N)",
        ("stream.identity",),
        evidence="https://github.com/microsoft/foundry-local/issues/144",
        events=hook.on_chunks(hook.changing_id),
    ),
    Fault(
        "index-counter",
        "choices[].index counts tokens instead of naming the choice (TGI)",
        ("choices.index", "choices.count", "stream.finish_reason"),
        evidence="https://github.com/huggingface/text-generation-inference/pull/1648",
        events=hook.on_chunks(hook.index_counter),
    ),
    Fault(
        "n-multiplexed",
        "with n > 1, every choice is streamed as index 0 (SGLang)",
        ("choices.count", "stream.finish_reason"),
        evidence="https://github.com/sgl-project/sglang/issues/2912",
        events=hook.on_entries(hook.index_zero),
    ),
    Fault(
        "role-every-delta",
        'every delta repeats role "assistant" (OpenRouter, TGI)',
        ("stream.role",),
        evidence="https://github.com/huggingface/text-generation-inference/issues/2794",
        events=hook.on_entries(hook.role_always),
    ),
    Fault(
        "no-finish-reason",
        "finish_reason is never set",
        ("stream.finish_reason", "response.schema"),
        evidence="https://github.com/alfredapp/openai-workflow/pull/52",
        completion=hook.finish(None, None),
    ),
    # usage
    Fault(
        "ignore-include-usage",
        "stream_options.include_usage is ignored: no usage chunk (Ollama)",
        ("stream.usage.requested",),
        evidence="https://github.com/ollama/ollama/issues/4448",
        params=hook.on_params(include_usage=False),
    ),
    Fault(
        "usage-on-finish-chunk",
        "the usage rides on the finish chunk, not a choices: [] chunk (llama.cpp)",
        ("stream.usage.requested",),
        evidence="https://github.com/ggml-org/llama.cpp/pull/15444",
        events=hook.usage_on_finish,
    ),
    Fault(
        "usage-every-chunk",
        "every chunk carries usage, requested or not (tt-inference-server)",
        ("stream.usage.unrequested",),
        evidence="https://github.com/tenstorrent/tt-inference-server/issues/632",
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
        'an empty message, zero usage and finish_reason "stop" (Ollama)',
        ("response.empty_success",),
        evidence="https://github.com/ollama/ollama/issues/13371",
        completion=hook.empty_success,
    ),
    # tool calls
    Fault(
        "arguments-object",
        "function.arguments is a JSON object, not a string (TGI; non-streamed answers)",
        ("response.schema",),
        evidence="https://github.com/huggingface/text-generation-inference/issues/2461",
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
        "delta.tool_calls is one object, not an array (TGI)",
        ("stream.chunk_schema",),
        evidence="https://github.com/huggingface/text-generation-inference/issues/2794",
        events=hook.on_entries(hook.delta_object),
    ),
    Fault(
        "tool-call-index-missing",
        "streamed tool-call fragments carry no index (Ollama)",
        ("stream.chunk_schema", "tool_calls.finish_reason"),
        evidence="https://github.com/ollama/ollama/issues/7881",
        events=hook.no_call_index,
    ),
    Fault(
        "tool-call-index-constant",
        "parallel tool calls are all streamed as index 0 (Ollama, vLLM)",
        ("stream.tool_calls.repeat", "tool_calls.arguments"),
        evidence="https://github.com/ollama/ollama/issues/15457, "
        "https://github.com/InternLM/lmdeploy/issues/3412",
        events=hook.constant_call_index,
    ),
    Fault(
        "tool-call-name-repeated",
        "every tool-call fragment repeats the id, type and name (llama.cpp)",
        ("stream.tool_calls.repeat",),
        evidence="https://github.com/ggml-org/llama.cpp/pull/13800",
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
        'streams drop tool calls and finish with "stop" (Ollama)',
        ("tool_calls.forced",),
        evidence="https://github.com/ollama/ollama/issues/9632",
        events=hook.drop_calls,
    ),
    Fault(
        "tool-calls-leaked-as-text",
        "tool calls come back as <tool_call> text in the content (vLLM)",
        ("tool_calls.forced",),
        evidence="https://github.com/vllm-project/vllm/issues/17109",
        completion=hook.each_output(hook.leak_calls),
    ),
    Fault(
        "stop-instead-of-tool-calls",
        'a choice that called tools finishes with "stop" (Ollama, SGLang)',
        ("tool_calls.finish_reason",),
        evidence="https://github.com/ollama/ollama/pull/5995, "
        "https://github.com/sgl-project/sglang/issues/2877",
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
    # finish reasons, caps, stop sequences
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
        "n is ignored: one choice comes back",
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
        "logprobs is ignored (Ollama /v1)",
        ("logprobs.presence",),
        evidence="https://github.com/ollama/ollama/issues/16117",
        params=hook.on_params(logprobs=False),
    ),
    Fault(
        "legacy-logprobs",
        "logprobs in the Completions shape: tokens, token_logprobs (vLLM)",
        ("response.schema", "logprobs.presence"),
        evidence="https://github.com/vllm-project/vllm/issues/3179",
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
        "reasoning comes inside the content as a <think> block",
        ("reasoning.separated",),
        completion=hook.each_output(hook.think),
    ),
    # errors
    Fault(
        "accept-invalid",
        "requests that break the request schema are answered 200",
        ("errors.invalid_request",),
        bypass=frozenset({"validation"}),
    ),
    Fault(
        "error-event-200",
        "a stream request that fails validation gets 200 and an error event (vLLM, SGLang)",
        ("errors.invalid_request",),
        evidence="https://github.com/BerriAI/litellm/pull/32237",
        invalid_stream_as_event=True,
    ),
    Fault(
        "vllm-error-envelope",
        'errors are top-level {"object": "error", "code": 400} (vLLM < 0.10.1)',
        ("errors.envelope",),
        evidence="https://github.com/vllm-project/vllm/issues/12886",
        error=hook.vllm_envelope,
    ),
    Fault(
        "error-fields-missing",
        "error objects lack param and give code as an integer (llama.cpp)",
        ("errors.envelope_fields",),
        evidence="https://github.com/ggml-org/llama.cpp/issues/22389",
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
    # the connection
    Fault(
        "drop-connection",
        "every 4th chat request (counted per server) gets no answer: the connection is closed",
        ("transport.persistent",),
        drop=request.every(4),
    ),
    Fault(
        "stream-reset",
        "a stream's connection is closed after two chunks: no finish_reason, no [DONE] (the "
        "break is reported once, by transport.complete)",
        ("transport.complete",),
        reset_after=2,
        evidence="peer closed connection without sending complete message body: "
        "https://github.com/chatchat-space/Langchain-Chatchat/issues/4383",
    ),
    Fault(
        "malformed-json-500-close",
        "a body that is not JSON gets a text/plain 500, and the connection is left broken "
        "without Connection: close (the next request sent on it gets no answer)",
        ("errors.status_code", "errors.envelope", "response.content_type"),
        error=request.crash_on(["malformed_json"], close=True),
        evidence="invalid JSON on a kept-alive connection kills the next request: "
        "https://github.com/mtrudel/bandit/issues/451; a chat-completions server's keep-alive "
        "desync after an early error: https://github.com/JustVugg/colibri/pull/610",
    ),
    # valid requests refused
    Fault(
        "valid-500",
        "content as an array of text parts, the developer role, a json_schema response_format "
        "or a tool without parameters: a text/plain 500 (llama.cpp, Open WebUI)",
        ("requests.valid_accepted",),
        refuse=request.crash_on_features,
        evidence="https://github.com/tmc/langchaingo/issues/667, "
        "https://github.com/open-webui/open-webui/issues/6514",
    ),
    Fault(
        "refuse-edge-values",
        "a documented edge value (temperature 0 or 2, top_p 0 or 1, top_logprobs 0 or 20, "
        "penalties at ±2) is refused with a 400 that blames it, as open ranges are (TGI)",
        ("requests.valid_accepted",),
        refuse=request.refuse_edges,
        evidence="TGI validates temperature and top_p as open ranges: "
        "https://github.com/huggingface/text-generation-inference/blob/main/router/src/validation.rs",
    ),
    # the turn after a tool call
    Fault(
        "tool-role-500",
        "a request with a tool message crashes the chat template: a text/plain 500 (lmdeploy)",
        ("tool_calls.history_accepted", "requests.valid_accepted"),
        refuse=turns.crash_on_tool_role,
        evidence="KeyError: 'tool' in messages2prompt: "
        "https://github.com/InternLM/lmdeploy/issues/2973",
    ),
    Fault(
        "tool-role-refused",
        'a request with a tool message gets 400 "Unsupported role: tool", from a router that '
        "has just answered with a tool call",
        ("tool_calls.history_accepted",),
        refuse=turns.refuse_tool_role,
        evidence="https://github.com/Xchat1/cursor2api-go/issues/15",
    ),
    Fault(
        "null-content-refused",
        "the assistant message echoed back with content null (as the router sent it) is refused "
        "with 400 (LM Studio)",
        ("tool_calls.history_accepted", "requests.valid_accepted"),
        refuse=turns.refuse_null_content,
        evidence="https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/261",
    ),
    Fault(
        "own-tool-ids-500",
        "the history's tool-call ids must be 9 letters and digits (Mistral's template), but the "
        "router mints call_<hex> ids: its own call crashes the next turn (oMLX)",
        ("tool_calls.history_accepted", "requests.valid_accepted"),
        refuse=turns.crash_on_foreign_ids,
        evidence="https://github.com/jundot/omlx/pull/1997",
    ),
    Fault(
        "tool-results-dropped",
        "the tool-call turns are dropped before the model sees the conversation, so it calls "
        "the same tool again, with the same id (its seeded sampler draws the same call)",
        ("tool_calls.fresh_ids",),
        params=turns.drop_tool_turns,
        evidence="the null-content assistant turn dropped: "
        "https://github.com/cubist38/mlx-openai-server/pull/205; ids repeated across turns: "
        "https://github.com/vllm-project/vllm/issues/50295",
    ),
    Fault(
        "one-tool-call-id",
        "every tool call of an answer carries the same id (Xinference)",
        ("tool_calls.fresh_ids",),
        completion=turns.one_id_per_answer,
        evidence="https://github.com/xorbitsai/inference/issues/4237",
    ),
    Fault(
        "silent-after-tool-result",
        'the answer to tool results is empty: content "", no call, finish_reason "stop"',
        ("tool_calls.follow_up_answered",),
        completion=turns.silent_after_results,
        evidence="the model stops generating after a tool result (LM Studio, Qwen): "
        "https://github.com/co-l/openfox/pull/117",
    ),
    # platform parameters
    Fault(
        "platform-params-ignored",
        "OpenAI-platform parameters (metadata, service_tier, prediction, ...) are accepted with "
        "any value and ignored: legal under a profile that lets them be, not under OpenAI's",
        ("params.platform_ignored",),
        read=request.ignore_platform,
        evidence="vLLM's request model accepts and drops them: https://github.com/vllm-project/"
        "vllm/blob/d5dba2d7b0ab9b98096560c69db7126b54b14d79/vllm/entrypoints/openai/"
        "chat_completion/protocol.py",
    ),
    Fault(
        "platform-params-half-validated",
        "platform parameters are type-checked and no more: metadata with 17 pairs or a "
        "65-character key is accepted (LiteLLM 1.106.2 with metadata)",
        ("errors.invalid_request",),
        read=request.type_check_platform,
        evidence="LiteLLM's proxy takes metadata as a free dict: "
        "https://docs.litellm.ai/docs/proxy/user_keys",
    ),
    Fault(
        "wrong-method-500",
        "PUT on the chat path crashes the router: a text/plain 500",
        ("errors.wrong_method",),
        error=request.crash_on(["wrong_method"]),
    ),
)

FAULTS: Final[dict[str, Fault]] = {fault.name: fault for fault in _CATALOGUE}


class FaultSet(Behaviours):
    """The faults and legal variants a router was started with: variants first, then faults,
    each in catalogue order (so a fault wins where both change the same thing)."""

    def __init__(self, names: Iterable[str] = (), variants: Iterable[str] = ()) -> None:
        wanted, legal = set(names), set(variants)
        unknown = sorted(wanted - set(FAULTS))
        if unknown:
            raise ConfigError(
                f"unknown fault(s) {', '.join(unknown)}; see `conformance faults` for the list"
            )
        unknown = sorted(legal - set(VARIANTS))
        if unknown:
            raise ConfigError(
                f"unknown variant(s) {', '.join(unknown)}; see `conformance variants` for the list"
            )
        self.faults = tuple(fault for fault in _CATALOGUE if fault.name in wanted)
        self.variants = tuple(v for v in VARIANTS.values() if v.name in legal)
        super().__init__((*self.variants, *self.faults))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(fault.name for fault in self.faults)

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(variant.name for variant in self.variants)
