"""The catalogue of legal variants: behaviours the contract allows that real servers show.

A :class:`Variant` is a :class:`_behaviour.Behaviour` with the public
source that makes it legal (``evidence``) and, where it is legal only under one profile, that
profile. The router serves any of them on request (``conformance serve --variant V``); each is
proof that the checks accept a behaviour the contract allows: served under its profile, no
variant raises a MUST finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from conformance.reference import _framing as framing
from conformance.reference import _hooks as hook
from conformance.reference import _requests as request
from conformance.reference import _turns as turns
from conformance.reference._behaviour import Behaviour

__all__ = ["VARIANTS", "Variant"]

_SSE: Final = "https://html.spec.whatwg.org/multipage/server-sent-events.html"
_OPENAPI: Final = "https://github.com/openai/openai-openapi/blob/f85dbe2/openapi.yaml"
_RFC9110: Final = "https://www.rfc-editor.org/rfc/rfc9110"


@dataclass(frozen=True, slots=True)
class Variant(Behaviour):
    """One legal behaviour: what it is, why it is legal, under which profile, where it hooks in."""

    evidence: str
    profile: str | None = None  # the profile it is legal under; None: the base contract


_CATALOGUE: Final = (
    # requests
    Variant(
        "platform-params-ignored",
        "OpenAI-platform parameters (metadata, service_tier, prediction, audio, ...) are "
        "accepted with any value and ignored; every other parameter is still validated",
        "vLLM's request model accepts and drops them (https://github.com/vllm-project/vllm/blob/"
        "d5dba2d7b0ab9b98096560c69db7126b54b14d79/vllm/entrypoints/openai/chat_completion/"
        "protocol.py); llama.cpp's server reads only what it implements (https://github.com/"
        "ggml-org/llama.cpp/blob/25d5b0c53f9a146f3d7a99a18610d9d623b5041e/tools/server/"
        "README.md); OpenRouter passes on what a provider supports (https://github.com/"
        "OpenRouterTeam/docs/blob/390724d9bf191a2ef8a95ecf3656c45a5e30354b/api_reference/"
        "overview.mdx)",
        read=request.ignore_platform,
    ),
    Variant(
        "model-defaulted",
        "a request without a model is answered by the one model served",
        "vLLM made model optional for single-model deployments "
        "(https://github.com/vllm-project/vllm/pull/13568); OpenRouter documents it: "
        '"if unspecified, the user\'s default is used" (https://openrouter.ai/docs/api-reference/'
        "overview)",
        read=request.default_model,
    ),
    Variant(
        "unknown-parameter-400",
        "a parameter the request schema does not name is refused with 400, as OpenAI does: "
        '"Unrecognized request argument supplied: <name>"',
        "OpenAI's API refuses unknown arguments with invalid_request_error, param null "
        f"({_OPENAPI}, CreateChatCompletionRequest lists every argument)",
        refuse=request.refuse_unknown,
    ),
    Variant(
        "tools-unsupported-400",
        "the model has no tools: a request with tools gets a clean 400 unsupported_parameter",
        "a feature the model lacks, refused with a 4xx, is unsupported, not broken (vLLM "
        "before tool support: https://docs.vllm.ai/en/v0.4.3/serving/"
        "openai_compatible_server.html, 'We support all parameters except: tools, tool_choice')",
        refuse=request.refuse_tools,
    ),
    Variant(
        "validation-422",
        "a request that breaks the request schema gets 422 Unprocessable Content, not 400 (TGI, "
        "FastAPI servers)",
        f"RFC 9110 §15.5.21 ({_RFC9110}#section-15.5.21); the OpenAI SDK maps it to "
        "UnprocessableEntityError (https://github.com/openai/openai-python/blob/main/README.md); "
        "TGI answers validation errors 422 "
        "(https://github.com/huggingface/huggingface_hub/issues/2514)",
        error=request.invalid_as_422,
    ),
    Variant(
        "polite-429",
        "every 3rd chat request gets 429 rate_limit_exceeded with Retry-After: 1 and OpenAI's "
        "x-ratelimit-* headers",
        "OpenAI's 429 with Retry-After (error codes: https://platform.openai.com/docs/guides/"
        f"error-codes; RFC 9110 §10.2.3 Retry-After: {_RFC9110}#section-10.2.3)",
        refuse=request.throttle_every(3),
    ),
    # the endpoint's other methods
    Variant(
        "wrong-method-501",
        "PUT on the chat path gets 501 Not Implemented (in the error envelope)",
        f"RFC 9110 §15.6.2: 501 is the answer to a method the server does not recognize or "
        f"implement ({_RFC9110}#section-15.6.2); RFC 9110 §9.1 ({_RFC9110}#section-9.1)",
        error=request.wrong_method_as(501),
    ),
    Variant(
        "wrong-method-404",
        "PUT on the chat path gets 404 Not Found (in the error envelope), as routers that match "
        "method and path together answer",
        f"RFC 9110 §15.5.5: 404 may be sent for any resource the server will not disclose "
        f"({_RFC9110}#section-15.5.5); 405 is a SHOULD there (RFC 9110 §15.5.6)",
        error=request.wrong_method_as(404),
    ),
    Variant(
        "lists-stored-completions",
        "GET on the chat path lists the completions stored with store: true "
        "(OpenAI's listChatCompletions)",
        f"OpenAI's openapi spec defines GET /chat/completions, operationId listChatCompletions "
        f"({_OPENAPI})",
        lists=True,
    ),
    # streams: framing
    Variant(
        "sse-crlf",
        "every SSE line ends with CRLF instead of LF",
        f"WHATWG HTML §9.2.5 Parsing an event stream: lines end with CRLF, LF or CR "
        f"({_SSE}#parsing-an-event-stream)",
        frames=framing.crlf,
    ),
    Variant(
        "sse-comments",
        'a comment line (": keep-alive") before every event',
        f"WHATWG HTML §9.2.6 Interpreting an event stream: a line starting with a colon is "
        f"ignored ({_SSE}#event-stream-interpretation); OpenRouter sends such comments "
        "(https://openrouter.ai/docs/api-reference/streaming)",
        frames=framing.comments,
    ),
    Variant(
        "sse-no-space",
        '"data:{...}" with no space after the colon',
        f"WHATWG HTML §9.2.6: one space after the colon is removed if present "
        f"({_SSE}#event-stream-interpretation)",
        frames=framing.no_space,
    ),
    Variant(
        "sse-multiline-data",
        "each chunk's JSON spread over several data: lines",
        f"WHATWG HTML §9.2.6: the data lines of one event are joined with newlines "
        f"({_SSE}#event-stream-interpretation), and JSON allows a newline between tokens "
        "(RFC 8259 §2: https://www.rfc-editor.org/rfc/rfc8259#section-2)",
        frames=framing.multiline_data,
    ),
    # streams: chunks
    Variant(
        "usage-null-on-chunks",
        'every chunk carries "usage": null, asked for or not',
        f"OpenAI's openapi spec: the chunk's usage is nullable, and chunks other than the "
        f"usage chunk carry it as null ({_OPENAPI}, CreateChatCompletionStreamResponse.usage)",
        events=framing.usage_null,
    ),
    Variant(
        "delta-role-null",
        'every delta after the first carries "role": null rather than no role',
        "openai-python types ChoiceDelta.role as optional (https://github.com/openai/openai-python/"
        "blob/e43b4224/src/openai/types/chat/chat_completion_chunk.py); llama-cpp-python 0.3.36 "
        "sends it so",
        events=framing.role_null,
    ),
    Variant(
        "empty-choices-first",
        "a first chunk with choices: [] before the role and the content",
        "Azure OpenAI's content-filter chunk (https://github.com/Azure/azure-sdk-for-go/issues/"
        "21086); OpenRouter's debug chunk (https://openrouter.ai/docs/api-reference/"
        "errors-and-debugging)",
        events=framing.empty_choices_first,
    ),
    Variant(
        "empty-deltas",
        "three chunks with an empty content delta after each chunk of text",
        "the delta's content is a nullable string with no minimum length "
        f"({_OPENAPI}, ChatCompletionStreamResponseDelta.content), and OpenAI's own first chunk "
        'carries content ""',
        events=framing.empty_deltas,
    ),
    # output
    Variant(
        "named-tool-choice-tool-calls",
        'a named tool_choice finishes with "tool_calls" (the compliant router says "stop", '
        "as OpenAI does; both are in use)",
        'finish_reason "tool_calls": "the model called a tool" '
        f'({_OPENAPI}, CreateChatCompletionResponse); vLLM before following OpenAI\'s "stop" '
        "(https://github.com/vllm-project/vllm/pull/25054)",
        completion=framing.named_choice_tool_calls,
    ),
    Variant(
        "tool-called-again",
        "after the tool results, the model calls a tool again (with new ids) rather than answer",
        "OpenAI's function calling guide: after the second request with the tool output, "
        '"Receive a final response from the model (or more tool calls)" '
        "(https://platform.openai.com/docs/guides/function-calling)",
        params=turns.call_again,
    ),
    Variant(
        "tool-call-content-empty",
        'a choice that calls tools carries content "" rather than null',
        "OpenAI's openapi spec: the response message's content is a string or null "
        f"(ChatCompletionResponseMessage, {_OPENAPI}); Llama Stack and the aisix gateway answer "
        'tool calls with content "" (https://github.com/ogx-ai/ogx/issues/1751, '
        "https://github.com/api7/aisix/pull/514)",
        completion=turns.empty_content_with_calls,
    ),
    Variant(
        "stop-sequence-kept",
        "the content keeps the stop sequence that ended it",
        'the page says "The returned text will include the stop sequence." (profile myrouter-ai)',
        profile="myrouter-ai",
        params=hook.on_params(keep_stop=True),
    ),
)

VARIANTS: Final[dict[str, Variant]] = {variant.name: variant for variant in _CATALOGUE}
