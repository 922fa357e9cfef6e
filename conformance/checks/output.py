"""Checks that the answer honours what the request asked of its output.

Structured output, log probabilities, the token cap, stop sequences and reasoning separation.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

import jsonschema
import jsonschema_rs

from conformance.base import NotApplicable
from conformance.checks._registry import check
from conformance.checks._results import Violation
from conformance.checks.response import completion_tokens, requested_n
from conformance.contract import Profile
from conformance.exchange import Choice, Exchange


def _response_format(exchange: Exchange) -> Mapping[str, Any]:
    response_format = exchange.requested.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") not in (
        "json_object",
        "json_schema",
    ):
        raise NotApplicable("no JSON response_format was requested")
    return response_format


def _stop_sequences(exchange: Exchange) -> list[str]:
    stop = exchange.requested.get("stop")
    sequences = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    return [s for s in sequences if isinstance(s, str) and s]


def _bound_choices(exchange: Exchange) -> list[Choice]:
    """The choices a JSON response format binds; NotApplicable when there is none."""
    _response_format(exchange)
    choices = [choice for choice in exchange.answer.choices if _judged(exchange, choice)]
    if not choices:
        raise NotApplicable(
            "no choice finished on its own with content (each was cut short, stopped by a stop "
            "sequence, refused or answered with a tool call)"
        )
    return choices


def _judged(exchange: Exchange, choice: Choice) -> bool:
    """A choice whose content the response format binds: finished by the model itself (not by
    the cap, a filter or a requested stop sequence, any of which may cut the JSON), and not a
    refusal or a tool call."""
    if choice.cut_short or choice.refusal or (choice.tool_calls and not choice.content):
        return False
    return not (choice.finish_reason == "stop" and _stop_sequences(exchange))


@check(
    "response_format.json",
    requirement_id="CC-FORMAT-01",
    kinds=("completion", "stream"),
    feature="response_format",
)
def content_is_json(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """With a JSON response_format, the content of a finished choice is JSON text."""
    for choice in _bound_choices(exchange):
        try:
            json.loads(choice.content or "")
        except ValueError:
            yield Violation(
                choice.content_path, "JSON text", choice.content, "the content is not JSON"
            )


@functools.lru_cache(maxsize=128)
def _compiled(schema_text: str) -> tuple[Any, jsonschema.protocols.Validator]:
    """A request's json_schema compiled once per process, keyed by its canonical text."""
    schema = json.loads(schema_text)
    return jsonschema_rs.validator_for(schema), jsonschema.Draft202012Validator(schema)


@check(
    "response_format.schema",
    requirement_id="CC-FORMAT-02",
    kinds=("completion", "stream"),
    feature="response_format",
)
def content_matches_schema(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """With a strict json_schema response_format, the content validates against that schema."""
    spec = _response_format(exchange).get("json_schema")
    if not (
        isinstance(spec, dict)
        and spec.get("strict") is True
        and isinstance(spec.get("schema"), dict)
    ):
        raise NotApplicable("no strict json_schema was requested")
    try:
        fast, explainer = _compiled(json.dumps(spec["schema"], sort_keys=True))
    except (jsonschema_rs.ValidationError, ValueError, jsonschema.SchemaError) as bad:
        raise NotApplicable(f"the request's schema cannot be compiled: {bad}") from None
    documents = []
    for choice in _bound_choices(exchange):
        try:
            documents.append((choice, json.loads(choice.content or "")))
        except ValueError:
            continue  # response_format.json reports it
    if not documents:
        raise NotApplicable("no content is JSON (response_format.json reports it)")
    for choice, document in documents:
        if fast.is_valid(document):
            continue
        error = jsonschema.exceptions.best_match(explainer.iter_errors(document))
        where = "".join(f"[{p!r}]" for p in error.absolute_path) if error else ""
        yield Violation(
            choice.content_path,
            f"a document valid against json_schema {spec.get('name')!r}",
            document,
            f"the content breaks the requested schema{' at ' + where if where else ''}: "
            f"{error.message if error else ''}",
        )


def _logprobs_requested(exchange: Exchange) -> bool:
    return exchange.requested.get("logprobs") is True


@check(
    "logprobs.presence",
    requirement_id="CC-LOGPROB-01",
    kinds=("completion", "stream"),
    feature="logprobs",
)
def logprobs_when_requested(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Log probabilities come back exactly when requested."""
    requested = _logprobs_requested(exchange)
    choices = exchange.answer.choices
    if not requested and not any(choice.logprobs_present for choice in choices):
        raise NotApplicable("logprobs were not requested, and none came back")
    if requested and not any(choice.content for choice in choices):
        raise NotApplicable("logprobs were requested, but no choice has content to carry them")
    for choice in choices:
        if requested and choice.content and not choice.logprob_entries:
            # Present means token entries in logprobs.content, not just a logprobs key.
            yield Violation(
                f"{choice.path}.logprobs.content",
                "token log probabilities (logprobs: true)",
                None,
                "logprobs were requested but no token log probabilities came back",
            )
        elif not requested and choice.logprobs_present:
            yield Violation(
                f"{choice.path}.logprobs",
                "null or absent (not requested)",
                "logprobs",
                "logprobs returned although not requested",
            )


#: top_logprobs: "an integer between 0 and 20" (OpenAI spec, CreateChatCompletionRequest).
_TOP_LOGPROBS: Final = range(21)


@check(
    "logprobs.top_logprobs",
    requirement_id="CC-LOGPROB-02",
    kinds=("completion", "stream"),
    feature="logprobs",
)
def top_logprobs_count(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """With top_logprobs k, each token carries at most k alternatives, and some when k > 0."""
    k = exchange.requested.get("top_logprobs") if _logprobs_requested(exchange) else None
    if k is None:
        raise NotApplicable("top_logprobs was not requested with logprobs")
    if not isinstance(k, int) or isinstance(k, bool) or k not in _TOP_LOGPROBS:
        # Outside the contract: no count of alternatives is owed (errors.invalid_request
        # judges whether such a request was refused).
        raise NotApplicable(f"top_logprobs {k!r} is not an integer from 0 to 20")
    if not any(choice.logprob_entries for choice in exchange.answer.choices):
        raise NotApplicable("no token log probabilities came back (logprobs.presence judges it)")
    expected = f"a list of 1 to {k} alternatives" if k else "an empty list (top_logprobs is 0)"
    for choice in exchange.answer.choices:
        bad = []
        for entry in choice.logprob_entries:
            top = entry.get("top_logprobs") if isinstance(entry, dict) else None
            if not isinstance(top, list) or len(top) > k or (k and not top):
                bad.append(top)
        if bad:
            yield Violation(
                f"{choice.path}.logprobs.content",
                expected,
                bad[0],
                f"{len(bad)} token(s) carry the wrong number of top_logprobs",
            )


def _cap(exchange: Exchange) -> int:
    for name in ("max_completion_tokens", "max_tokens"):
        value = exchange.requested.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    raise NotApplicable("no token cap was requested")


@check(
    "max_tokens.respected",
    requirement_id="CC-LIMIT-01",
    kinds=("completion", "stream"),
    feature="max_tokens",
)
def within_token_cap(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """Completion tokens stay within the requested cap (per choice)."""
    cap = _cap(exchange)
    tokens = completion_tokens(exchange.answer.usage)
    if tokens is None:
        raise NotApplicable("the answer reports no completion token count")
    n = requested_n(exchange) or 1
    if tokens > cap * n:
        yield Violation(
            f"{exchange.answer.usage_path}",
            f"at most {cap * n} completion tokens",
            tokens,
            "the answer exceeds the token cap",
        )


@check(
    "max_tokens.length",
    requirement_id="CC-LIMIT-02",
    kinds=("completion", "stream"),
    feature="max_tokens",
)
def capped_choice_says_length(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A single choice that used the whole token cap finishes with "length"."""
    cap = _cap(exchange)
    if requested_n(exchange) != 1:
        raise NotApplicable("usage cannot be attributed to one of several choices")
    if _stop_sequences(exchange):
        # A stop sequence completed on the cap-th token is a "stop" (vLLM reports it so).
        raise NotApplicable("a stop sequence may end the choice exactly at the cap")
    tokens = completion_tokens(exchange.answer.usage)
    if tokens is None:
        raise NotApplicable("the answer reports no completion token count")
    if tokens < cap:
        raise NotApplicable(f"the choice used {tokens} of the cap's {cap} completion tokens")
    # At exactly the cap, "stop" would be right only if the end-of-sequence token were counted
    # and checked before the cap; vLLM (v1 check_stop) and TGI test the cap first, so the
    # cap-th token ends the choice with "length" whatever it is.
    for choice in exchange.answer.choices:
        if choice.finish_reason == "stop":
            yield Violation(
                choice.finish_path,
                '"length"',
                "stop",
                f"the choice used {tokens} completion tokens (cap {cap}) yet finished with stop",
            )


@check("stop.excluded", requirement_id="CC-STOP-01", kinds=("completion", "stream"), feature="stop")
def stop_sequence_absent(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """A stop sequence does not appear in the returned content."""
    if profile.stop_sequence != "excluded":
        raise NotApplicable(f"profile {profile.id} lets the content include the stop sequence")
    sequences = _stop_sequences(exchange)
    if not sequences:
        raise NotApplicable("no stop sequence was requested")
    if not any(choice.content for choice in exchange.answer.choices):
        raise NotApplicable("no choice has content to search for the stop sequence")
    for choice in exchange.answer.choices:
        found = [s for s in sequences if s in (choice.content or "")]
        if found:
            yield Violation(
                choice.content_path,
                f"no occurrence of {found[0]!r}",
                choice.content,
                "the content contains a stop sequence",
            )


_THINK_TAGS = ("<think>", "</think>")


@check(
    "reasoning.separated",
    requirement_id="CC-REASON-01",
    kinds=("completion", "stream"),
    feature="separate_reasoning",
)
def reasoning_kept_apart(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
    """When reasoning is returned apart or separation was asked, content holds no <think> block."""
    asked = exchange.request is not None and exchange.requested.get("separate_reasoning") is True
    choices = exchange.answer.choices
    if not asked and all(choice.reasoning is None for choice in choices):
        raise NotApplicable("no reasoning was returned apart or requested apart")
    if not any(choice.content for choice in choices):
        raise NotApplicable("no choice has content a <think> block could leak into")
    for choice in choices:
        if any(tag in (choice.content or "") for tag in _THINK_TAGS):
            yield Violation(
                choice.content_path,
                "no <think> block in the content",
                choice.content,
                "reasoning leaks into the content",
            )
