"""A check passes only when it judged something; with nothing to judge it is skipped, saying why.

Data-driven over every registered check: for each, a compliant exchange where it has nothing to
judge (no tool call, no logprobs requested, no usage, no choice, ...) yields "skipped" with a
reason, and a compliant exchange where it has something yields "passed". Both exchanges are
compliant: no check fails on either. A few checks judge every exchange of their kinds (a
content type, a body's shape, a stream's end): they are listed apart, and shown to pass.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

import pytest
from exchanges import (
    CALL,
    ERROR_EVENT,
    STREAM_EVENTS,
    WEATHER,
    ask,
    chunk,
    completion,
    error,
    stream,
)

from conformance.base._errors import NotApplicable
from conformance.checks import REGISTRY, run_checks
from conformance.checks._results import CheckResult
from conformance.contract._profile import Profile, load_profile
from conformance.exchange._exchange import Exchange

BASE = load_profile("openai-compatible")
WITHOUT_ERROR_FIELDS = dataclasses.replace(BASE, error_fields_schema=None)
EITHER_USAGE = load_profile("anyrouter")  # usage in streams: "either"

PLAIN = completion(ask())
STREAM = stream(ask())
ERROR_ONLY = stream(ask(), [ERROR_EVENT])  # a stream that failed before its first chunk
INTERRUPTED = stream(ask(), [STREAM_EVENTS[0], STREAM_EVENTS[1], ERROR_EVENT])
EMPTY_STREAM = stream(ask(), [])
REFUSED_INVALID = error(400, request=ask(temperature=3), param="temperature")
TOKEN = {"token": "Hi", "logprob": -0.1, "bytes": [72, 105]}
ALTERNATIVE = {"token": "Hey", "logprob": -2.0, "bytes": [72, 101, 121]}
PLACE = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
STRICT = {"type": "json_schema", "json_schema": {"name": "place", "strict": True, "schema": PLACE}}
TOOL_STREAM = [
    chunk({"role": "assistant", "content": None}),
    chunk(
        {"tool_calls": [{"index": 0, **CALL, "function": {"name": "get_weather", "arguments": ""}}]}
    ),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": "Paris"}'}}]}),
    chunk(finish="tool_calls"),
    "[DONE]",
]

#: A request carrying a tool call back with its result, and a new call answering it.
HISTORY: Final[dict[str, Any]] = {
    "tools": [WEATHER],
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": CALL["id"], "content": '{"temperature_c": 18}'},
    ],
}
AGAIN: Final = {**CALL, "id": f"{CALL['id']}-2"}

Case = tuple[Exchange, Profile]

#: check -> (a compliant exchange with nothing for it to judge, one it judges and passes).
CASES: Final[dict[str, tuple[Case, Case]]] = {
    "choices.count": ((completion(None), BASE), (PLAIN, BASE)),
    "choices.finish_reason": ((INTERRUPTED, BASE), (PLAIN, BASE)),
    "choices.index": ((ERROR_ONLY, BASE), (PLAIN, BASE)),
    "errors.envelope_fields": ((REFUSED_INVALID, WITHOUT_ERROR_FIELDS), (REFUSED_INVALID, BASE)),
    "errors.invalid_request": ((PLAIN, BASE), (REFUSED_INVALID, BASE)),
    "params.platform_ignored": (
        (PLAIN, BASE),
        (error(400, "metadata must be an object", request=ask(metadata=12345)), BASE),
    ),
    "errors.retry_after": (
        (REFUSED_INVALID, BASE),
        (
            error(
                429, "Slow down", request=ask(), headers={**dict(PLAIN.headers), "retry-after": "2"}
            ),
            BASE,
        ),
    ),
    "errors.status_code": (
        (REFUSED_INVALID, BASE),
        (error(401, "Incorrect API key provided", request=ask(), intent="bad_key"), BASE),
    ),
    "errors.wrong_method": (
        (error(401, "Missing bearer token", request=ask(), intent="no_key"), BASE),
        (error(405, "Method Not Allowed", intent="wrong_method"), BASE),
    ),
    "logprobs.presence": (
        (PLAIN, BASE),
        (
            completion(ask(logprobs=True), logprobs={"content": [{**TOKEN, "top_logprobs": []}]}),
            BASE,
        ),
    ),
    "logprobs.top_logprobs": (
        (
            completion(ask(logprobs=True), logprobs={"content": [{**TOKEN, "top_logprobs": []}]}),
            BASE,
        ),
        (
            completion(
                ask(logprobs=True, top_logprobs=2),
                logprobs={"content": [{**TOKEN, "top_logprobs": [TOKEN, ALTERNATIVE]}]},
            ),
            BASE,
        ),
    ),
    "max_tokens.length": (
        (completion(ask(max_tokens=16)), BASE),
        (completion(ask(max_tokens=2), content="Hel", finish="length"), BASE),
    ),
    "max_tokens.respected": ((PLAIN, BASE), (completion(ask(max_tokens=16)), BASE)),
    "reasoning.separated": (
        (PLAIN, BASE),
        (completion(ask(separate_reasoning=True), reasoning_content="Greet back."), BASE),
    ),
    "requests.valid_accepted": (
        (
            error(
                429,
                "Rate limit reached",
                request=ask(),
                headers={**dict(PLAIN.headers), "retry-after": "1"},
            ),
            BASE,
        ),
        (PLAIN, BASE),
    ),
    "response.empty_success": (
        (completion(ask(max_tokens=2), content="Hel", finish="length"), BASE),
        (PLAIN, BASE),
    ),
    "response_format.json": (
        (
            completion(
                ask(max_tokens=2, response_format={"type": "json_object"}),
                content='{"',
                finish="length",
            ),
            BASE,
        ),
        (completion(ask(response_format={"type": "json_object"}), content='{"a": 1}'), BASE),
    ),
    "response_format.schema": (
        (completion(ask(response_format={"type": "json_object"}), content='{"a": 1}'), BASE),
        (completion(ask(response_format=STRICT), content='{"city": "Paris"}'), BASE),
    ),
    "stop.excluded": (
        (PLAIN, BASE),
        (completion(ask(stop=["five"]), content="one two three four "), BASE),
    ),
    "stream.chunk_schema": ((ERROR_ONLY, BASE), (STREAM, BASE)),
    "stream.error_event": ((STREAM, BASE), (INTERRUPTED, BASE)),
    "stream.finish_reason": ((ERROR_ONLY, BASE), (STREAM, BASE)),
    "stream.identity": ((ERROR_ONLY, BASE), (STREAM, BASE)),
    "stream.role": ((ERROR_ONLY, BASE), (STREAM, BASE)),
    "stream.tool_calls.repeat": ((STREAM, BASE), (stream(ask(tools=[WEATHER]), TOOL_STREAM), BASE)),
    "stream.tool_calls.start": ((STREAM, BASE), (stream(ask(tools=[WEATHER]), TOOL_STREAM), BASE)),
    "stream.usage.requested": (
        (STREAM, BASE),
        (
            stream(
                ask(stream_options={"include_usage": True}),
                [
                    *STREAM_EVENTS[:3],
                    chunk(
                        choices=[],
                        usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
                    ),
                    "[DONE]",
                ],
            ),
            BASE,
        ),
    ),
    "stream.usage.unrequested": ((STREAM, EITHER_USAGE), (STREAM, BASE)),
    "tool_calls.allowed": (
        (PLAIN, BASE),
        (
            completion(ask(tools=[WEATHER]), content=None, finish="tool_calls", tool_calls=[CALL]),
            BASE,
        ),
    ),
    "tool_calls.arguments": (
        (PLAIN, BASE),
        (
            completion(ask(tools=[WEATHER]), content=None, finish="tool_calls", tool_calls=[CALL]),
            BASE,
        ),
    ),
    "tool_calls.finish_reason": (
        (PLAIN, BASE),
        (
            completion(ask(tools=[WEATHER]), content=None, finish="tool_calls", tool_calls=[CALL]),
            BASE,
        ),
    ),
    "tool_calls.forced": (
        (
            completion(
                ask(tools=[WEATHER], tool_choice="required", max_tokens=1),
                content="",
                finish="length",
                usage={"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
            ),
            BASE,
        ),
        (
            completion(
                ask(tools=[WEATHER], tool_choice="required"),
                content=None,
                finish="tool_calls",
                tool_calls=[CALL],
            ),
            BASE,
        ),
    ),
    "usage.arithmetic": ((completion(ask(), usage=None), BASE), (PLAIN, BASE)),
    "tool_calls.history_accepted": ((PLAIN, BASE), (completion(ask(**HISTORY)), BASE)),
    "tool_calls.fresh_ids": (
        (completion(ask(**HISTORY)), BASE),
        (
            completion(ask(**HISTORY), content=None, finish="tool_calls", tool_calls=[AGAIN]),
            BASE,
        ),
    ),
    "tool_calls.follow_up_answered": (
        (PLAIN, BASE),
        (completion(ask(**HISTORY)), BASE),
    ),
}

#: Checks with something to judge in every compliant exchange of their kinds (a content type, a
#: body's shape, a stream's bytes, events and end), with compliant exchanges they pass on.
ALWAYS_JUDGED: Final[dict[str, tuple[Exchange, ...]]] = {
    # Every answer was whole, and came on the first attempt, or not: always something to judge.
    "transport.complete": (PLAIN, STREAM, REFUSED_INVALID),
    "transport.persistent": (PLAIN, STREAM, REFUSED_INVALID),
    "errors.envelope": (REFUSED_INVALID,),
    "response.content_type": (PLAIN, REFUSED_INVALID),
    "response.schema": (PLAIN,),
    "stream.content_type": (STREAM, ERROR_ONLY),
    "stream.data_json": (STREAM, ERROR_ONLY),
    "stream.framing": (STREAM, ERROR_ONLY),
    "stream.terminator": (STREAM, INTERRUPTED),
}


def _verdict(check: str, exchange: Exchange, profile: Profile) -> CheckResult:
    results = run_checks(exchange, profile)
    failed = {r.check: r.failures or r.reason for r in results if r.status in ("failed", "error")}
    assert failed == {}, "the exchange is compliant"
    (result,) = [r for r in results if r.check == check]
    return result


def test_every_check_is_covered_once() -> None:
    assert set(CASES) | set(ALWAYS_JUDGED) == set(REGISTRY)
    assert not set(CASES) & set(ALWAYS_JUDGED)


@pytest.mark.parametrize("check", sorted(CASES))
def test_with_nothing_to_judge_a_check_is_skipped_with_the_reason(check: str) -> None:
    (exchange, profile), _ = CASES[check]
    result = _verdict(check, exchange, profile)
    assert (result.status, bool(result.reason)) == ("skipped", True), result


@pytest.mark.parametrize("check", sorted(CASES))
def test_with_something_to_judge_a_check_passes(check: str) -> None:
    _, (exchange, profile) = CASES[check]
    assert _verdict(check, exchange, profile).status == "passed"


@pytest.mark.parametrize("check", sorted(ALWAYS_JUDGED))
def test_a_check_that_judges_every_exchange_of_its_kinds_passes_on_each(check: str) -> None:
    for exchange in ALWAYS_JUDGED[check]:
        assert exchange.kind in REGISTRY[check].kinds
        assert _verdict(check, exchange, BASE).status == "passed"


def test_an_empty_stream_has_nothing_framed_but_fails_for_what_it_lacks() -> None:
    verdicts = {r.check: (r.status, r.reason) for r in run_checks(EMPTY_STREAM, BASE)}
    assert verdicts["stream.framing"] == (
        "skipped",
        "the stream is empty: there is no framing to judge",
    )
    assert verdicts["stream.data_json"] == ("skipped", "the stream carried no data event")
    assert verdicts["stream.terminator"][0] == "failed"
    assert verdicts["choices.count"][0] == "failed"  # no chunk, no error: 0 choices, not 1


def _reason(check: str) -> Any:
    (exchange, profile), _ = CASES[check]
    return _verdict(check, exchange, profile).reason


def test_a_stream_without_a_tool_call_does_not_pass_the_tool_call_checks() -> None:
    assert _reason("stream.tool_calls.start") == "the stream carried no tool call"
    assert _reason("stream.tool_calls.repeat") == "the stream carried no tool call"


def test_the_reasons_name_what_was_missing() -> None:
    assert _reason("logprobs.presence") == "logprobs were not requested, and none came back"
    assert _reason("max_tokens.length") == "the choice used 2 of the cap's 16 completion tokens"
    assert _reason("usage.arithmetic") == "the answer reports no usage"
    assert _reason("tool_calls.allowed") == "the answer carries no tool call"
    assert _reason("stream.usage.unrequested") == (
        "the stream carried no usage, which profile anyrouter allows"
    )


# --- logprobs.top_logprobs outside the contract -----------------------------------------------


def _top_logprobs(k: Any, alternatives: int) -> list[Any]:
    """Run the check's own function (the request schema may or may not admit ``k``)."""
    entry = {**TOKEN, "top_logprobs": [ALTERNATIVE] * alternatives}
    exchange = completion(ask(logprobs=True, top_logprobs=k), logprobs={"content": [entry]})
    return list(REGISTRY["logprobs.top_logprobs"].function(exchange, BASE))


@pytest.mark.parametrize("k", [-1, -99, 21, 2.5, True, "3"])
def test_top_logprobs_outside_0_to_20_owes_no_count(k: Any) -> None:
    with pytest.raises(NotApplicable) as skip:
        _top_logprobs(k, 1)
    assert skip.value.reason == f"top_logprobs {k!r} is not an integer from 0 to 20"


@pytest.mark.parametrize(
    ("k", "alternatives", "expected"),
    [(2, 3, "a list of 1 to 2 alternatives"), (0, 1, "an empty list (top_logprobs is 0)")],
)
def test_top_logprobs_says_what_count_it_expected(k: int, alternatives: int, expected: str) -> None:
    (violation,) = _top_logprobs(k, alternatives)
    assert violation.expected == expected
    assert violation.message == "1 token(s) carry the wrong number of top_logprobs"


def test_a_check_whose_input_is_broken_elsewhere_does_not_pass_on_it() -> None:
    not_json = completion(ask(response_format=STRICT), content="Paris")
    verdicts = {r.check: (r.status, r.reason) for r in run_checks(not_json, BASE)}
    assert verdicts["response_format.json"][0] == "failed"
    assert verdicts["response_format.schema"] == (
        "skipped",
        "no content is JSON (response_format.json reports it)",
    )
    partial = completion(ask(), usage={"prompt_tokens": 5, "total_tokens": 7})
    (usage,) = [r for r in run_checks(partial, BASE) if r.check == "usage.arithmetic"]
    assert (usage.status, usage.reason) == (
        "skipped",
        "the usage has no complete set of counts to add up",
    )


def _page(request: dict[str, Any], body: bytes, media: str = "text/html") -> Exchange:
    return Exchange.from_http(
        request=request, status=200, headers={"content-type": media}, body=body
    )


#: Answers with nothing in them to judge: a proxy's HTML page, an empty body, an empty object.
NOT_ANSWERS: Final = {
    "an HTML page": b"<html><body>Bad gateway, try later</body></html>",
    "an empty body": b"",
    "an empty object": b"{}",
}


@pytest.mark.parametrize("body", sorted(NOT_ANSWERS))
@pytest.mark.parametrize("streamed", [False, True])
def test_an_answer_with_nothing_in_it_passes_only_what_it_did_keep(
    body: str, streamed: bool
) -> None:
    # It came back whole, on the first attempt, and to a valid request it was not an error:
    # that much was judged. Every other check either fails or says there was nothing to judge.
    request = ask(stream=True) if streamed else ask()
    exchange = _page(request, NOT_ANSWERS[body])
    passed = {r.check for r in run_checks(exchange, BASE) if r.status == "passed"}
    assert passed <= {"transport.complete", "transport.persistent", "requests.valid_accepted"}
    skipped = [r for r in run_checks(exchange, BASE) if r.status == "skipped"]
    assert all(r.reason for r in skipped)
