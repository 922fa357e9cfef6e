"""Hooks before the model: which requests are dropped, how a body is read, which valid requests
are refused all the same, and how an error answer is changed.

Used by faults and legal variants alike (see :mod:`_behaviour`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from typing import Any, Final

from conformance.contract import Profile, load_schema
from conformance.reference._hooks import Arrival, DropHook, ErrorHook, ErrorReply, RefuseHook
from conformance.reference._model import MODEL_ID

#: What a crashed Python server sends: uvicorn's and Starlette's bare 500.
CRASH: Final = "Internal Server Error"


def platform_parameters(profile: Profile) -> tuple[str, ...]:
    """The parameters a target may ignore, as the profile lists them (parameter-tiers.yaml)."""
    return tuple(profile.may_ignore)


def default_model(body: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """A request without a model gets the one model served, as a single-model server does."""
    return body if "model" in body else {**body, "model": MODEL_ID}


# --- the connection -----------------------------------------------------------------------------


def every(n: int) -> DropHook:
    """True for the n-th, 2n-th, ... request."""
    return lambda number: number % n == 0


# --- reading the body ---------------------------------------------------------------------------


def ignore_platform(body: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """The body without the platform parameters: accepted with any value, and ignored."""
    ignored = set(platform_parameters(profile))
    return {name: value for name, value in body.items() if name not in ignored}


_JSON_TYPES: Final = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number"):
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        return numeric and (kind == "number" or float(value).is_integer())
    return isinstance(value, _JSON_TYPES.get(kind, object))


def _types(schema: Any) -> set[str] | None:
    """The JSON types a parameter's schema allows (from type, enum or const); None: any."""
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(kind) for kind in declared}
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if isinstance(values, list):
        return {
            next(
                k
                for k in ("boolean", "integer", "number", "string", "array", "object", "null")
                if _is(value, k)
            )
            for value in values
        }
    return None


@functools.cache
def _parameter_schemas(name: str) -> Mapping[str, Any]:
    """The top-level properties of a request schema, its allOf members' included."""
    found: dict[str, Any] = {}

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            for member in schema.get("allOf", ()):
                walk(member)
            found.update(schema.get("properties", {}))

    walk(load_schema(name))
    return found


def type_check_platform(body: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Platform parameters type-checked, no deeper: a wrongly typed one stays in the body to be
    refused; one of the right type is ignored, whatever its size or contents."""
    schemas = _parameter_schemas(profile.request_schema)
    kept = dict(body)
    for name in platform_parameters(profile):
        if name not in body:
            continue
        allowed = _types(schemas.get(name))
        if allowed is None or any(_is(body[name], kind) for kind in allowed):
            del kept[name]
    return kept


# --- refusing valid requests --------------------------------------------------------------------


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages")
    return [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []


def _untyped_tool(tool: Any) -> bool:
    function = tool.get("function") if isinstance(tool, Mapping) else None
    return isinstance(function, Mapping) and "parameters" not in function


def crash_on_features(arrival: Arrival) -> ErrorReply | None:
    """A bare 500 for valid requests the server's request model does not expect."""
    body = arrival.body
    messages = _messages(body)
    response_format = body.get("response_format")
    tools = body.get("tools")
    if (
        any(isinstance(m.get("content"), list) for m in messages)
        or any(m.get("role") == "developer" for m in messages)
        or (isinstance(response_format, Mapping) and response_format.get("type") == "json_schema")
        or (isinstance(tools, list) and any(_untyped_tool(t) for t in tools))
    ):
        return ErrorReply(500, CRASH, cause="crashed")
    return None


#: Each parameter's documented edges (OpenAI's ranges are closed), refused as if they were open.
_EDGES: Final = {
    "temperature": (0, 2),
    "top_p": (0, 1),
    "top_logprobs": (0, 20),
    "presence_penalty": (-2, 2),
    "frequency_penalty": (-2, 2),
}


def refuse_edges(arrival: Arrival) -> ErrorReply | None:
    for name, (low, high) in _EDGES.items():
        value = arrival.body.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value in (low, high):
            return arrival.refusal(
                400,
                f"{name} must be greater than {low} and less than {high}, got {value}",
                param=name,
                code="invalid_value",
            )
    return None


def refuse_unknown(arrival: Arrival) -> ErrorReply | None:
    """OpenAI's answer to a parameter it does not know (its exact message)."""
    known = _parameter_schemas(arrival.profile.request_schema)
    unknown = [name for name in arrival.body if name not in known]
    if not unknown:
        return None
    return arrival.refusal(400, f"Unrecognized request argument supplied: {unknown[0]}")


def refuse_tools(arrival: Arrival) -> ErrorReply | None:
    if not arrival.body.get("tools"):
        return None
    return arrival.refusal(
        400,
        f"{MODEL_ID} does not support tools.",
        param="tools",
        code="unsupported_parameter",
    )


def throttle_every(n: int, seconds: int = 1) -> RefuseHook:
    """Every n-th request gets a 429 that says when to come back, as OpenAI's does."""

    def hook(arrival: Arrival) -> ErrorReply | None:
        if arrival.number % n:
            return None
        return arrival.refusal(
            429,
            f"Rate limit reached for {MODEL_ID} on requests per min. "
            f"Please try again in {seconds}s.",
            kind="requests",
            code="rate_limit_exceeded",
            headers={
                "retry-after": str(seconds),
                "x-ratelimit-limit-requests": str(n - 1),
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": f"{seconds}s",
            },
        )

    return hook


# --- error answers ------------------------------------------------------------------------------


def crash_on(causes: Iterable[str], *, close: bool = False) -> ErrorHook:
    """An error hook: these causes get the bare text/plain 500 instead, and with ``close`` the
    connection is left unusable after it (no ``Connection: close`` said)."""
    chosen = frozenset(causes)

    def hook(reply: ErrorReply) -> ErrorReply:
        if reply.cause not in chosen:
            return reply
        return ErrorReply(500, CRASH, cause="crashed", close=close)

    return hook


def _restated(reply: ErrorReply, status: int, message: str, code: str) -> ErrorReply:
    """The same envelope with another status: the message, and the code in either dialect."""
    body = reply.body
    error = dict(body.get("error", {})) if isinstance(body, dict) else {}
    error["message"] = message
    if isinstance(error.get("code"), int):  # numeric codes carry the status
        error["code"] = status
        error["metadata"] = {**error.get("metadata", {}), "error_type": code}
    else:
        error["code"] = code
    headers = {k: v for k, v in reply.headers.items() if k.lower() != "allow"}
    return dataclasses.replace(reply, status=status, body={"error": error}, headers=headers)


def wrong_method_as(status: int) -> ErrorHook:
    """PUT and the like answered 501 (method not implemented) or 404 (no such resource)."""
    code = "not_implemented" if status == 501 else "unknown_url"

    def hook(reply: ErrorReply) -> ErrorReply:
        if reply.cause != "wrong_method":
            return reply
        message = "This method is not implemented." if status == 501 else "Not found."
        return _restated(reply, status, message, code)

    return hook


def invalid_as_422(reply: ErrorReply) -> ErrorReply:
    if reply.cause != "invalid":
        return reply
    body = reply.body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), int):  # numeric codes: the status
        body = {**body, "error": {**error, "code": 422}}
    return dataclasses.replace(reply, status=422, body=body)
