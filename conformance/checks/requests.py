"""Checks that a request inside the contract is answered: not crashed on, not refused as invalid.

A request that validates against the profile's request schema is owed an answer. A 5xx is a
crash. A 400 or 422 says the request is invalid (RFC 9110 §15.5.1, §15.5.21), which contradicts
the contract, unless the target says the parameter or feature is one it does not offer: a
model without tools, a server started without a tool parser, a parameter the model lacks.
Those refusals are capability skips, recognized by their wording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

from conformance.base import NotApplicable
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.contract import FEATURES, Profile
from conformance.exchange import NOT_JSON, Exchange

#: Answers that say nothing about the request's values: throttling and credits (402, 408,
#: 429, 503), access (401, 403) and routing (404: a model or path the target does not serve;
#: errors.status_code judges an unknown model).
_NOT_ABOUT_VALUES: Final = {
    401: "refuses the credentials",
    402: "asks for credits",
    403: "refuses access",
    404: "does not serve the model or path",
    408: "is a timeout",
    429: "is throttling",
    503: "is an overload",
}
INVALID: Final = (400, 422)

#: Wordings of a capability refusal: the target does not offer the parameter or the feature.
#: OpenAI: 400 "Unrecognized request argument supplied: top_k"
#: (https://github.com/xlinx/sd-webui-decadetw-auto-prompt-llm/issues/29) and "Unsupported
#: parameter: 'temperature' is not supported with this model"
#: (https://github.com/appatalks/eva-agent/issues/83); Ollama: "stablelm2:latest does not
#: support tools" (https://github.com/ollama/ollama/issues/6027); llama.cpp: "Unsupported param:
#: best_of", "tools param requires --jinja flag" (ggml-org/llama.cpp tools/server/utils.hpp);
#: vLLM: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be
#: set' (vllm-project/vllm vllm/entrypoints/openai/serving_chat.py); pydantic-based servers:
#: "Extra inputs are not permitted"; and a model's own limit ("maximum context length").
CAPABILITY: Final = re.compile(
    r"not supported|unsupported|does not support|doesn't support|not available|not enabled"
    r"|unrecognized|unknown (?:parameter|argument|field|param)|not permitted|extra_forbidden"
    r"|requires? (?:the )?--[a-z]|context length|context window",
    re.IGNORECASE,
)
#: A parameter named in a message: quoted ('temperature', pydantic's ('body', 'temperature'))
#: or as a JSON path ($.temperature).
_NAMED: Final = re.compile(r"""['"`]([A-Za-z_][A-Za-z0-9_]*)|\$\.([A-Za-z_][A-Za-z0-9_]*)""")
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def error_text(exchange: Exchange) -> str:
    """The error's message, however the target shaped its body."""
    body = exchange.json
    if body is NOT_JSON:
        return exchange.body[:500].decode("utf-8", "replace")
    if not isinstance(body, dict):
        return json.dumps(body)[:500]
    error = body.get("error")
    for value in (
        error.get("message") if isinstance(error, dict) else error,
        body.get("message"),
        body.get("detail"),
    ):
        if isinstance(value, str):
            return value
        if value is not None:
            return json.dumps(value)[:500]
    return json.dumps(body)[:500]


def _param(exchange: Exchange) -> str | None:
    """The top-level name in error.param ("messages[0].content" -> "messages"), or in
    error.metadata.param where OpenRouter puts it, if any."""
    body = exchange.json
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    metadata = error.get("metadata")
    for param in (
        error.get("param"),
        metadata.get("param") if isinstance(metadata, dict) else None,
    ):
        found = _NAME.match(param) if isinstance(param, str) else None
        if found:
            return found.group()
    return None


def blamed(exchange: Exchange, text: str) -> list[str]:
    """The request's parameters the error blames: the one in error.param, else those quoted in
    its message ("Invalid 'temperature'", pydantic's ('body', 'temperature')), in order."""
    request = exchange.requested
    param = _param(exchange)
    if param is not None and param in request:
        return [param]
    names = dict.fromkeys(name for pair in _NAMED.findall(text) for name in pair if name in request)
    return list(names)


def clip(text: str, size: int = 160) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."


def _show(name: str, value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False)
    return f"{name}={clip(shown, 60)}"


def owed_answer_status(exchange: Exchange, profile: Profile, *, judged: str) -> int | None:
    """The status of a request the contract admits, when it was not answered: a crash (5xx) or
    a refusal; None when it was answered. NotApplicable when the request was broken on
    purpose or breaks the contract, or the status says nothing about ``judged`` (what the
    calling check looks at): a redirect, or a status of :data:`_NOT_ABOUT_VALUES`."""
    if exchange.intent is not None:
        raise NotApplicable(f"the request was broken on purpose ({exchange.intent})")
    if not profile.request.is_valid(exchange.requested):
        raise NotApplicable("the request breaks the contract: errors.invalid_request judges it")
    status = exchange.status
    if 200 <= status < 300:
        return None
    if status < 400:
        raise NotApplicable(f"{status} is neither an answer nor a refusal")
    if status in _NOT_ABOUT_VALUES:
        raise NotApplicable(f"{status} {_NOT_ABOUT_VALUES[status]}, not {judged}")
    return status


@check(
    "requests.valid_accepted",
    requirement_id="CC-REQ-01",
    kinds=("completion", "stream", "error"),
    # It judges whether the request's features were accepted; when the target refused one
    # cleanly, it has said it does not offer it, which is the skip this check would otherwise
    # have to read from the message.
    feature=FEATURES,
)
def valid_request_answered(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A request inside the contract is answered: never a 5xx, never refused as invalid."""
    request = exchange.requested
    status = owed_answer_status(exchange, profile, judged="the request's values")
    if status is None:
        return
    text = error_text(exchange)
    if status >= 500:
        yield Violation(
            "status",
            "a 2xx answer: the request is inside the contract",
            status,
            f"a request inside the contract got {status}: {clip(text)}",
        )
        return
    if status not in INVALID:
        raise NotApplicable(f"{status} does not refuse the request as invalid")
    if CAPABILITY.search(text):
        raise NotApplicable(f"the target does not offer what was asked: {status} {clip(text)}")
    named = blamed(exchange, text)
    documented = profile.parameters
    # A parameter the profile does not document, or one outside the core that a compatible
    # server may not offer: refusing it is the target's choice, not a broken promise. When the
    # error names no parameter, any such parameter of the request may be the one refused.
    suspects = named or list(request)
    outside = [name for name in suspects if name not in documented or name in profile.may_ignore]
    if outside:
        raise NotApplicable(
            f"the error {'blames' if named else 'may blame'} {', '.join(outside)}, "
            "outside the profile's core"
        )
    if named:
        values = ", ".join(_show(name, request[name]) for name in named)
        yield Violation(
            f"$.error.{'param' if _param(exchange) in named else 'message'}",
            "an answer: the value is inside the contract",
            clip(text),
            f"the target refused {values} as invalid ({status}), "
            "a value the profile's request schema admits",
        )
        return
    # No parameter named: a limit of the model the contract cannot see, or a capability it
    # lacks worded another way, may be what was refused. No finding stands on a guess.
    raise NotApplicable(
        f"refused as invalid ({status}: {clip(text)}) without naming a parameter or an "
        "unsupported feature"
    )
