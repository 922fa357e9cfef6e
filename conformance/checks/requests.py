"""Checks that a request inside the contract is owed an answer.

A compatible server may lack a feature, and says so with a clean 4xx ("not supported"): that is a
capability the run skips. What it may not do is crash on a valid request (a 5xx), or refuse one
as invalid while blaming a value the profile documents as valid (a range's edge refused).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from conformance._errors import NotApplicable
from conformance._exchange import NOT_JSON, Exchange
from conformance._profile import Profile
from conformance.checks._registry import Violation, check

#: How servers word a capability they lack, or a limit of the model rather than of the
#: contract: OpenAI's "Unrecognized request argument supplied: top_k" and "This model's
#: maximum context length is …" (https://github.com/xlinx/sd-webui-decadetw-auto-prompt-llm/
#: issues/29, https://github.com/himanushi/chat-code/issues/17); vLLM's and llama.cpp's
#: "… is not supported" (https://github.com/vllm-project/vllm/issues/4795).
_CAPABILITY: Final = re.compile(
    r"not supported|unsupported|does not support|doesn't support|not available|not enabled"
    r"|unrecognized|unknown (?:parameter|field|argument)|not implemented|not allowed for"
    r"|context length|context window|maximum context|too many tokens|exceeds the model",
    re.IGNORECASE,
)
#: Answers that are not a judgement of the request's validity: throttling, credits, auth, a
#: missing model or route, a timeout.
_NOT_VALIDATION: Final = frozenset({401, 402, 403, 404, 405, 408, 409, 429})


def _error_text(body: Any) -> tuple[str, Any]:
    """The error's message and its ``param`` (None when absent), whatever the envelope."""
    if not isinstance(body, Mapping):
        return "", None
    error = body.get("error", body)
    if isinstance(error, str):
        return error, None
    if not isinstance(error, Mapping):
        return "", None
    message = error.get("message", body.get("detail", ""))
    return (message if isinstance(message, str) else str(message)), error.get("param")


def _blamed(request: Mapping[str, Any], message: str, param: Any) -> str | None:
    """The top-level request parameter the error names, when the request carries it."""
    if isinstance(param, str) and param:
        top = re.split(r"[.\[]", param, maxsplit=1)[0]
        if top in request:
            return top
    for name in request:
        if name not in ("model", "messages") and re.search(rf"\b{re.escape(name)}\b", message):
            return name
    return None


@check(
    "requests.valid_accepted", requirement_id="CC-REQ-01", kinds=("completion", "stream", "error")
)
def valid_request_answered(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A request inside the contract is answered: never a 5xx, never refused for a valid value."""
    if exchange.intent is not None:
        raise NotApplicable("the request was broken on purpose")
    request = exchange.requested
    if not profile.request.is_valid(request):
        raise NotApplicable("the request breaks the contract: errors.invalid_request judges it")
    status = exchange.status
    if status < 400:
        return  # answered
    body = exchange.json
    message, param = _error_text(body if body is not NOT_JSON else None)
    if status >= 500:
        said = f": {message[:160]}" if message else ""
        yield Violation(
            "status",
            "an answer, or a 4xx saying what the target does not support",
            status,
            f"a request inside the contract was answered {status}{said}",
        )
        return
    if status in _NOT_VALIDATION:
        raise NotApplicable(f"a {status} does not judge the request's validity")
    if _CAPABILITY.search(message):
        raise NotApplicable(f"the target lacks a capability: {status} {message[:160]}")
    blamed = _blamed(request, message, param)
    if blamed is None:
        # Nothing names what was refused: a limit of the model the contract cannot see, or a
        # feature it lacks, worded another way. No finding stands on a guess.
        raise NotApplicable(f"refused with {status} without naming a parameter: {message[:160]}")
    if blamed not in profile.parameters:
        # OpenAI itself refuses what it does not know ("Unrecognized request argument").
        raise NotApplicable(f"{blamed} is not a parameter {profile.id} documents: may be refused")
    value = request[blamed]
    yield Violation(
        f"$.{blamed}",
        f"an answer: {blamed} is inside what {profile.id} documents",
        value,
        f"a request inside the contract was refused with {status} for {blamed}={value!r}: "
        f"{message[:160]}",
    )
