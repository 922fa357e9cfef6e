"""What the router's profile changes in OpenAI's wire shapes: the emulation of one vendor's page.

``conformance serve --profile P`` answers as page P documents. :class:`Dialect` reads from the
profile everything that shows on the wire, so :mod:`_wire` renders one
answer in any profile's shapes:

- the **usage** object: OpenAI's prompt/completion counts, or the input/output counts of
  MyRouter's example page, with cache and reasoning counters;
- an **error's code**: OpenAI's string names, or the HTTP status as a number (OpenRouter);
- the **id** prefix (``chatcmpl-``; OpenRouter's ``gen-``);
- the **extensions** it can fill: ``choices[].native_finish_reason``; where the error object of
  a choice that broke off goes (``choices[].error``, or the response's ``error``); and the
  message field that returns **reasoning** apart (``reasoning_content``, ``reasoning``), with the
  request parameter that asks for it;
- **streams**: keep-alive comments, the usage chunk sent unasked, and a mid-stream error as
  OpenAI's error event or OpenRouter's error chunk;
- whether the **stop sequence** stays in the content.

An extension the dialect cannot fill (an example-only field such as a message ``name``) is not
sent: the pages make them optional.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from conformance.contract import ErrorCode, MidStreamError, Profile, load_schema

__all__ = ["KEEPALIVE", "Dialect"]

#: The comment OpenRouter sends while a stream waits for its first token
#: (https://openrouter.ai/docs/api-reference/streaming).
KEEPALIVE: Final = b": OPENROUTER PROCESSING\n\n"

#: Reasoning fields, by the extension path a profile lists, and the request parameter asking.
_REASONING: Final = {
    "choices[].message.reasoning_content": ("reasoning_content", "separate_reasoning"),
    "choices[].message.reasoning": ("reasoning", "reasoning"),
}


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one profile's answers look on the wire."""

    usage: Literal["prompt_completion", "input_output"]
    error_code: ErrorCode
    id_prefix: str
    native_finish_reason: bool
    error_at: Literal["choice", "response"] | None  # where a broken-off choice's error goes
    mid_stream_error: MidStreamError
    keepalive: bool
    usage_unasked: bool  # the usage chunk ends every stream, asked or not
    keep_stop: bool
    reasoning: tuple[str, str] | None  # (message field, request parameter)

    @classmethod
    def of(cls, profile: Profile) -> Dialect:
        extensions = set(profile.extensions)
        error_at: Literal["choice", "response"] | None = None
        if profile.error_finish_reason:
            error_at = "response" if "error" in extensions else "choice"
        parameters = _parameters(profile.request_schema)
        reasoning = next(
            (
                pair
                for path, pair in _REASONING.items()
                if path in extensions and pair[1] in parameters
            ),
            None,
        )
        return cls(
            usage="input_output" if profile.usage == "input_output" else "prompt_completion",
            error_code=profile.error_code,
            id_prefix=profile.id_prefix,
            native_finish_reason="choices[].native_finish_reason" in extensions,
            error_at=error_at,
            mid_stream_error=profile.mid_stream_error,
            keepalive=profile.keepalive_comments,
            usage_unasked=profile.usage_without_include == "always",
            keep_stop=profile.stop_sequence == "included",
            reasoning=reasoning,
        )

    def new_id(self) -> str:
        return f"{self.id_prefix}{uuid.uuid4().hex[:24]}"

    def reasoning_field(self, body: Mapping[str, Any]) -> str | None:
        """The message field that returns reasoning, when this request asks for it apart."""
        if self.reasoning is None:
            return None
        field, parameter = self.reasoning
        asked = body.get(parameter)
        if parameter == "reasoning":  # OpenRouter: {effort | max_tokens, exclude, enabled}
            wanted = (
                isinstance(asked, dict)
                and asked.get("exclude") is not True
                and asked.get("enabled") is not False
                and asked.get("effort") != "none"
            )
        else:
            wanted = asked is True
        return field if wanted else None

    def error(
        self, status: int, message: str, kind: str, param: str | None, code: str | None
    ) -> dict[str, Any]:
        """The error object (what goes under ``"error"``)."""
        if self.error_code == "status":  # {code: number, message, metadata?}: OpenRouter's
            # https://openrouter.ai/docs/api-reference/errors-and-debugging
            details = {"error_type": code or kind, **({"param": param} if param else {})}
            return {"code": status, "message": message, "metadata": details}
        return {"message": message, "type": kind, "param": param, "code": code}


@functools.cache
def _parameters(request_schema: str) -> frozenset[str]:
    return frozenset(load_schema(request_schema).get("properties", {}))
