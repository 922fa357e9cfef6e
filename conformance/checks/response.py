"""Checks on the body of an answer: its media type, shape, choices and usage."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from conformance.base import NotApplicable, under
from conformance.checks._bounds import compliant_bytes
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.contract import Profile, SchemaValidator
from conformance.exchange import NOT_JSON, Exchange

_JSON_TYPES: Final = ("application/json",)


def schema_violations(
    validator: SchemaValidator, instance: Any, root: str = "$"
) -> Iterator[Violation]:
    """The schema's own explanation of why ``instance`` fails, re-rooted under ``root``."""
    if validator.is_valid(instance):
        return
    for error in validator.explain(instance):
        yield Violation(under(root, error.path), error.expected, error.actual, error.message)


def declared_json(exchange: Exchange) -> bool:
    """The answer is declared as JSON: application/json or a structured +json type."""
    media = exchange.media_type
    return media in _JSON_TYPES or (media.startswith("application/") and media.endswith("+json"))


@check("response.content_type", requirement_id="CC-HTTP-01", kinds=("completion", "error"))
def content_type_is_json(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A non-streamed answer, success or error, is served as application/json."""
    if declared_json(exchange):
        return
    yield Violation(
        "headers['content-type']",
        "application/json",
        exchange.headers.get("content-type"),
        "the answer is not declared as JSON",
    )


@check("response.schema", requirement_id="CC-RESP-01", kinds=("completion",))
def response_matches_schema(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A successful non-streamed answer is a chat.completion object."""
    if exchange.truncated_at is not None:
        yield from _past_byte_cap(exchange)
        return
    body = exchange.json
    if body is NOT_JSON and exchange.transport_error is not None:
        raise NotApplicable(
            f"the body was cut short after {len(exchange.body)} bytes (transport.complete "
            "reports it)"
        )
    if body is NOT_JSON:
        yield Violation(
            "$", "a JSON chat.completion object", exchange.body[:200], "the body is not JSON"
        )
        return
    yield from schema_violations(profile.response, body)


def _past_byte_cap(exchange: Exchange) -> Iterator[Violation]:
    """A body the suite stopped reading at its byte cap: a finding only when a compliant
    answer to the request could not have been that long; otherwise nothing is known."""
    cap = exchange.truncated_at
    bound = compliant_bytes(exchange.request)
    if bound is None or cap is None or cap <= bound:
        allows = "no token cap" if bound is None else f"up to about {bound} bytes"
        raise NotApplicable(
            f"the suite stopped reading the body at its byte cap ({cap} bytes; --max-body-bytes "
            f"raises it); the request allows {allows}"
        )
    yield Violation(
        "$",
        f"a chat.completion within about {bound} bytes (the request's token cap)",
        f"more than {cap} bytes",
        f"the body went on past the suite's byte cap ({cap} bytes) though the request allows "
        f"about {bound} bytes",
    )


_DETAILED: Final = ("prompt_tokens", "completion_tokens")  # counts with a *_details breakdown


def _count(usage: Mapping[str, Any], name: str) -> int | None:
    value = usage.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _details_within(
    usage: Mapping[str, Any], path: str, details_name: str, total_name: str
) -> Iterator[Violation]:
    total = _count(usage, total_name)
    details = usage.get(details_name)
    if total is None or not isinstance(details, dict):
        return
    for name in details:
        part = _count(details, name)
        if part is not None and part > total:
            yield Violation(
                f"{path}.{details_name}.{name}",
                f"at most {total_name} = {total}",
                part,
                f"{details_name}.{name} exceeds the {total_name} it details",
            )


@check("usage.arithmetic", requirement_id="CC-USAGE-01", kinds=("completion", "stream"))
def usage_adds_up(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Usage totals add up, and no detail count exceeds its total."""
    answer = exchange.answer
    usage, path = answer.usage, answer.usage_path
    if not isinstance(usage, dict):
        raise NotApplicable("the answer reports no usage")
    total = _count(usage, "total_tokens")
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        prompt, completion = _count(usage, "prompt_tokens"), _count(usage, "completion_tokens")
        detailed = any(
            isinstance(usage.get(f"{name}_details"), dict) and _count(usage, name) is not None
            for name in _DETAILED
        )
        if (prompt is None or completion is None or total is None) and not detailed:
            raise NotApplicable("the usage has no complete set of counts to add up")
        if (
            prompt is not None
            and completion is not None
            and total is not None
            and total != prompt + completion
        ):
            yield Violation(
                f"{path}.total_tokens",
                f"prompt_tokens + completion_tokens = {prompt} + {completion}",
                total,
                "total_tokens is not the sum of prompt and completion tokens",
            )
        yield from _details_within(usage, path, "prompt_tokens_details", "prompt_tokens")
        yield from _details_within(usage, path, "completion_tokens_details", "completion_tokens")
        return
    inputs, outputs = _count(usage, "input_tokens"), _count(usage, "output_tokens")
    if inputs is None or outputs is None or total is None:
        raise NotApplicable("the usage has no complete set of counts to add up")
    cached = (_count(usage, "cache_read_tokens") or 0) + (_count(usage, "cache_write_tokens") or 0)
    # Where cache tokens are counted apart from input_tokens (Anthropic-style accounting), the
    # total also includes them; both readings are accepted.
    if total not in (inputs + outputs, inputs + outputs + cached):
        yield Violation(
            f"{path}.total_tokens",
            f"input_tokens + output_tokens = {inputs + outputs}"
            + (f" (or {inputs + outputs + cached} with cache tokens)" if cached else ""),
            total,
            "total_tokens is not the sum of input and output tokens",
        )
    reasoning = _count(usage, "reasoning_tokens")
    if reasoning is not None and reasoning > outputs:
        yield Violation(
            f"{path}.reasoning_tokens",
            f"at most output_tokens = {outputs}",
            reasoning,
            "reasoning_tokens exceeds the output tokens it is part of",
        )


def requested_n(exchange: Exchange) -> int | None:
    """The number of choices the request asked for (1 by default); None if unknown."""
    if exchange.request is None:
        return None
    n = exchange.request.get("n")
    return n if isinstance(n, int) and not isinstance(n, bool) else 1


@check("choices.index", requirement_id="CC-CHOICE-01", kinds=("completion", "stream"))
def choice_indices(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Choice indices are 0..n-1 and unique within a response or a chunk."""
    n = requested_n(exchange)
    if exchange.kind == "completion":
        choices = exchange.json.get("choices") if isinstance(exchange.json, dict) else None
        if not isinstance(choices, list):
            raise NotApplicable("the body has no choices list")
        groups = [("$", choices)]
        n = len(choices)
    else:
        groups = [
            (payload.path, chunk["choices"])
            for payload, chunk in exchange.transcript.dict_chunks
            if isinstance(chunk.get("choices"), list)
        ]
    seen: set[int] = set()
    judged = False
    for root, choices in groups:
        in_group: set[int] = set()
        for j, choice in enumerate(choices):
            index = choice.get("index") if isinstance(choice, dict) else None
            if not isinstance(index, int) or isinstance(index, bool):
                continue  # the schema reports a missing or mistyped index
            judged = True
            path = f"{root}.choices[{j}].index"
            if index in in_group:
                yield Violation(
                    path, "an index not used twice", index, f"index {index} appears twice"
                )
            elif n is not None and not 0 <= index < n:
                yield Violation(path, f"an index in 0..{n - 1}", index, "choice index out of range")
            in_group.add(index)
        seen |= in_group
    if not judged:
        raise NotApplicable("no choice carries an index to judge")
    if n is None and seen and seen != set(range(max(seen) + 1)):
        missing = sorted(set(range(max(seen) + 1)) - seen)
        yield Violation(
            "$.events",
            "indices 0..k-1 without gaps",
            sorted(seen),
            f"indices {missing} are missing",
        )


@check("choices.count", requirement_id="CC-CHOICE-02", kinds=("completion", "stream"), feature="n")
def choice_count(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """The answer holds exactly the n choices the request asked for."""
    n = requested_n(exchange)
    if n is None:
        raise NotApplicable("the request was not recorded")
    if exchange.kind == "completion":
        choices = exchange.json.get("choices") if isinstance(exchange.json, dict) else None
        if not isinstance(choices, list):
            raise NotApplicable("the body has no choices list")
        if len(choices) != n:
            yield Violation("$.choices", f"{n} choice(s)", len(choices), "wrong number of choices")
        return
    transcript = exchange.transcript
    stream = transcript.stream
    if exchange.interrupted or stream.unterminated is not None:
        # Choices not yet begun when the stream broke off are not missing: they were cut (and
        # the framing or error checks report the break).
        raise NotApplicable("the stream was interrupted before every choice could begin")
    if any(payload.kind == "not_json" for payload in transcript.payloads):
        raise NotApplicable("some events are not JSON, so their choices cannot be counted")
    indices = sorted({choice.index for choice in exchange.answer.choices})
    if len(indices) != n:
        yield Violation(
            "$.events",
            f"choices with indices 0..{n - 1}",
            indices,
            f"the stream carried {len(indices)} choice(s), not {n}",
        )


@check("choices.finish_reason", requirement_id="CC-CHOICE-03", kinds=("completion", "stream"))
def finish_reason_known(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Every finish_reason is one the profile documents."""
    allowed = profile.finish_reasons
    expected = f"one of {sorted(allowed)}"
    if exchange.kind == "completion":
        reasons = [(c.finish_path, c.finish_reason) for c in exchange.answer.choices]
    else:
        reasons = [
            (f"{payload.path}.choices[{j}].finish_reason", choice.get("finish_reason"))
            for payload, chunk in exchange.transcript.dict_chunks
            for j, choice in enumerate(_listed(chunk.get("choices")))
            if isinstance(choice, dict)
        ]
    named = [(path, reason) for path, reason in reasons if isinstance(reason, str)]
    if not named:
        # A missing finish_reason is the schema's finding (and stream.finish_reason's).
        raise NotApplicable("no choice carries a finish_reason")
    for path, reason in named:
        if reason not in allowed:
            yield Violation(path, expected, reason, "undocumented finish_reason")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def completion_tokens(usage: Any) -> int | None:
    """Completion (output) tokens from either usage variant, if reported."""
    if not isinstance(usage, dict):
        return None
    for name in ("completion_tokens", "output_tokens"):
        value = usage.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


@check("response.empty_success", requirement_id="CC-RESP-02", kinds=("completion", "stream"))
def empty_success(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A "stop" answer is not empty: no content, no refusal, no tool call and zero tokens."""
    stopped = [choice for choice in exchange.answer.choices if choice.finish_reason == "stop"]
    if not stopped:
        raise NotApplicable('no choice finished with "stop"')
    tokens = completion_tokens(exchange.answer.usage)
    if tokens is None:
        raise NotApplicable("the answer reports no completion token count")
    if tokens:
        return
    for choice in stopped:
        if not (choice.content or choice.refusal or choice.tool_calls):
            yield Violation(
                choice.path,
                "content, a refusal or a tool call",
                choice.content,
                'finish_reason "stop" with an empty message and zero completion tokens',
            )
