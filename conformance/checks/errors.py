"""Checks on error answers, and on whether a broken request was refused."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from conformance.base import NotApplicable, retry_after_seconds
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.checks._tiers import only_ignorable
from conformance.checks.response import declared_json, schema_violations
from conformance.contract import Profile, SchemaError
from conformance.exchange import NOT_JSON, Exchange


def envelope_violations(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """How the body of an error answer breaks the profile's error envelope."""
    if exchange.truncated_at is not None:
        raise NotApplicable(
            f"the suite stopped reading the error body at its byte cap ({exchange.truncated_at} "
            "bytes; --max-body-bytes raises it)"
        )
    body = exchange.json
    if body is NOT_JSON and exchange.transport_error is not None:
        raise NotApplicable(
            f"the error body was cut short after {len(exchange.body)} bytes (transport.complete "
            "reports it)"
        )
    if body is NOT_JSON:
        yield Violation(
            "$",
            'a JSON error envelope {"error": {"message": ...}}',
            exchange.body[:200],
            "the error body is not JSON",
        )
        return
    yield from schema_violations(profile.error, body)


@check("errors.envelope", requirement_id="CC-ERROR-01", kinds=("error",))
def error_envelope(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """An error answer is a JSON object {"error": {"message": ...}}."""
    yield from envelope_violations(exchange, profile)


@check("errors.envelope_fields", requirement_id="CC-ERROR-02", kinds=("error",))
def error_fields(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """The error object carries message, type, param and code as the profile documents them."""
    fields = profile.error_fields
    if fields is None:
        raise NotApplicable(f"profile {profile.id} documents no further error fields")
    body = exchange.json
    if body is NOT_JSON or not profile.error.is_valid(body):
        raise NotApplicable("the envelope itself is broken (errors.envelope reports it)")
    yield from schema_violations(fields, body)


def _only_model_missing(errors: Sequence[SchemaError]) -> bool:
    return bool(errors) and all(
        e.path == "$" and e.message.startswith("'model' is a required property") for e in errors
    )


@check(
    "errors.invalid_request",
    requirement_id="CC-ERROR-03",
    kinds=("completion", "stream", "error"),
    judges_invalid_requests=True,
)
def invalid_request_refused(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A request that breaks the request contract gets a 4xx, never a 2xx or a 5xx."""
    request = exchange.requested
    validator = profile.request
    if validator.is_valid(request):
        raise NotApplicable("the request is valid")
    if 400 <= exchange.status < 500:
        return
    control = exchange.control
    if exchange.status >= 500 and control is not None and control.status >= 500:
        raise NotApplicable(
            f"the same request without {control.without} was answered {control.status} too: "
            "the crash is not the broken field's (requests.valid_accepted reports it)"
        )
    if exchange.status < 300 and _only_model_missing(validator.explain(request)):
        # A single-model server may answer a request without a model with that model (vLLM:
        # https://github.com/vllm-project/vllm/pull/13568; OpenRouter: "if unspecified, the
        # user's default is used"). OpenAI refuses it; every compatible server need not.
        raise NotApplicable("only the model is missing, which a server may default")
    ignorable = only_ignorable(profile, request)
    if ignorable and exchange.status < 500:
        # A parameter outside the core may be ignored (the profile's may_ignore, with the
        # servers that do): that it was is a SHOULD finding, not a broken contract.
        raise NotApplicable(
            f"only {', '.join(sorted(ignorable))} is broken, which a target may ignore: "
            "params.platform_ignored judges it"
        )
    why = validator.explain(request, limit=1)
    reason = f"{why[0].path}: {why[0].message}" if why else "it breaks the request schema"
    yield Violation(
        "status",
        "a 4xx error",
        exchange.status,
        f"the request breaks the contract ({reason}) yet the target answered {exchange.status}",
    )


@check("errors.status_code", requirement_id="CC-ERROR-05", kinds=("completion", "stream", "error"))
def documented_status(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A request broken in a known way (no key, unknown model, ...) gets its documented status."""
    if exchange.intent is None:
        raise NotApplicable("the request was not broken on purpose")
    expected = profile.error_statuses.get(exchange.intent)
    if not expected:
        raise NotApplicable(
            f"profile {profile.id} documents no status for a request with "
            f"{exchange.intent.replace('_', ' ')}"
        )
    yield from _unexpected_status(exchange, expected, exchange.intent.replace("_", " "))


def _unexpected_status(
    exchange: Exchange, expected: frozenset[int], broken: str
) -> Iterator[Violation]:
    """The status, unless it is one the profile documents for a request broken this way."""
    if exchange.status not in expected:
        yield Violation(
            "status",
            " or ".join(map(str, sorted(expected))),
            exchange.status,
            f"a request with {broken} got {exchange.status}",
        )


def _quota_error(exchange: Exchange) -> bool:
    body = exchange.json
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return False
    return "insufficient_quota" in (error.get("type"), error.get("code"))


@check("errors.retry_after", requirement_id="CC-ERROR-04", kinds=("error",))
def retry_after(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A 429 answer says when to retry with a valid Retry-After header."""
    if exchange.status != 429:
        raise NotApplicable("not a 429 answer")
    if _quota_error(exchange):
        raise NotApplicable("a quota error needs user action; Retry-After may be omitted")
    value = exchange.headers.get("retry-after")
    if value is None:
        yield Violation(
            "headers['retry-after']",
            "seconds or an HTTP date",
            None,
            "a 429 answer without Retry-After",
        )
        return
    if retry_after_seconds(value) is None:
        yield Violation(
            "headers['retry-after']", "seconds or an HTTP date", value, "Retry-After is malformed"
        )


@check(
    "errors.wrong_method",
    requirement_id="CC-ERROR-06",
    kinds=("completion", "stream", "error"),
    sole_judge_of="wrong_method",
)
def wrong_method(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A method the endpoint does not define is refused with a documented status, as JSON."""
    # One SHOULD check judges status and body together: which of 405, 404 or 501 comes back,
    # and in what body, is decided by the server's web framework before any handler runs
    # (OpenAI's own API answers an unrouted method and path with 404 "Invalid URL (METHOD
    # /path)", https://github.com/openai/openai-python/issues/263), so it is a compatibility
    # risk, not a break of the chat-completions contract (RFC 9110 §15.5.6, §15.5.5, §15.6.2).
    if exchange.intent != "wrong_method":
        raise NotApplicable("the request used the endpoint's method")
    expected = profile.error_statuses.get("wrong_method")
    if not expected:
        raise NotApplicable(f"profile {profile.id} documents no status for another method")
    yield from _unexpected_status(exchange, expected, "another method than POST")
    if exchange.status < 400:
        return  # no error answer at all: the status says it, there is no envelope to judge
    if not declared_json(exchange):
        yield Violation(
            "headers['content-type']",
            "application/json",
            exchange.headers.get("content-type"),
            "the refusal of another method is not declared as JSON",
        )
    yield from envelope_violations(exchange, profile)
