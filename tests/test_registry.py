"""The check registry: stable IDs, one registration each, all failures collected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import get_args

import pytest

from conformance.base._errors import ConfigError, NotApplicable
from conformance.checks import REGISTRY, Violation, check, run_checks
from conformance.checks._registry import Check
from conformance.contract._profile import Profile, load_profile
from conformance.exchange._exchange import Exchange, Kind

EXCHANGE = Exchange.from_http(
    request={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    status=200,
    headers={"Content-Type": "application/json"},
    body=b"{}",
)


def test_every_check_has_an_id_a_docstring_and_kinds() -> None:
    assert len(REGISTRY) >= 30
    for check_id, item in REGISTRY.items():
        assert item.id == check_id
        assert item.summary
        assert item.kinds <= set(get_args(Kind))
        assert item.kinds


def test_registering_an_id_twice_is_an_error() -> None:
    with pytest.raises(ConfigError, match="registered twice"):
        check("response.schema", requirement_id="CC-RESP-01", kinds=("completion",))(
            lambda e, p: ()
        )


def test_an_unknown_requirement_is_an_error() -> None:
    def documented(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
        """Has a docstring."""
        return iter(())

    register = check("x.unknown_requirement", requirement_id="CC-NOPE", kinds=("completion",))
    with pytest.raises(ConfigError, match="unknown requirement 'CC-NOPE'"):
        register(documented)
    assert "x.unknown_requirement" not in REGISTRY


def _as_check(function: object) -> Check:
    template = REGISTRY["response.schema"]
    return Check("test.adhoc", template.requirement, template.kinds, function)  # type: ignore[arg-type]


def test_the_runner_collects_every_violation_skips_and_crashes() -> None:
    def two(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
        """Yields two violations."""
        yield Violation("$.a", "x", 1, "first")
        yield Violation("$.b", "y", 2, "second")

    def skip(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
        """Does not apply."""
        raise NotApplicable("not today")

    def crash(exchange: Exchange, profile: Profile) -> Iterator[Violation]:
        """Has a bug."""
        raise KeyError("oops")

    results = run_checks(
        EXCHANGE, load_profile(), [_as_check(two), _as_check(skip), _as_check(crash)]
    )
    assert [r.status for r in results] == ["failed", "skipped", "error"]
    assert [f.path for f in results[0].failures] == ["$.a", "$.b"]
    assert results[1].reason == "not today"
    assert results[2].reason == "KeyError: 'oops'"


def test_the_runner_applies_only_the_checks_of_the_exchange_kind() -> None:
    results = run_checks(EXCHANGE, load_profile())
    ran = {r.check for r in results}
    assert "response.schema" in ran
    assert not any(check_id.startswith("stream.") for check_id in ran)
    assert {r.check for r in results if r.status == "failed"} >= {"response.schema"}


def test_a_failure_reads_like_a_validation_error() -> None:
    (result,) = [r for r in run_checks(EXCHANGE, load_profile()) if r.check == "response.schema"]
    text = str(result.failures[0])
    assert text.startswith("response.schema: ")
    assert "At $" in text
    assert "expected" in text


def test_an_answer_to_an_invalid_request_is_judged_only_as_the_acceptance_it_is() -> None:
    # n: 0 answered with zero choices: the 200 is the finding; the empty choices follow from it.
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1},
    }
    exchange = Exchange.from_http(
        request={"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": 0},
        status=200,
        headers={"Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    results = run_checks(exchange, load_profile("openai-compatible"))
    verdicts = {r.check: r.status for r in results if r.status != "skipped"}
    # The answer was whole: that is judged of any request, valid or not.
    whole = {"transport.complete": "passed", "transport.persistent": "passed"}
    assert verdicts == {"errors.invalid_request": "failed", **whole}
    skipped = {r.reason for r in results if r.status == "skipped"}
    assert "the request breaks the contract: errors.invalid_request judges its answer" in skipped
    valid = Exchange.from_http(
        request={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        status=200,
        headers={"Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    judged = {r.check: r.status for r in run_checks(valid, load_profile("openai-compatible"))}
    assert judged["response.schema"] == "failed"  # the same answer to a valid request


def test_a_failure_keeps_an_excerpt_of_a_long_value_not_the_value() -> None:
    from conformance.checks._registry import excerpt

    assert excerpt("short") == "short"
    assert excerpt({"a": 1}) == {"a": 1}
    assert excerpt(b"abc") == b"abc"
    long = "x" * 5000
    kept = excerpt(long)
    assert kept.startswith("x" * 400)
    assert kept.endswith("(5,000 characters in all)")
    assert len(kept) < 500
    assert excerpt({"k": long}).endswith("characters in all)")
    assert excerpt(b"y" * 5000).endswith("(5,000 characters in all)")


def test_select_picks_ids_and_groups_in_registration_order() -> None:
    streams = REGISTRY.select(["stream"])
    assert streams
    assert all(item.id.startswith("stream.") for item in streams)
    assert [item.id for item in REGISTRY.select(["usage.arithmetic", "stream"])] == [
        cid for cid in REGISTRY if cid == "usage.arithmetic" or cid.startswith("stream.")
    ]
    with pytest.raises(ConfigError, match="no check is named strem"):
        REGISTRY.select(["strem"])
