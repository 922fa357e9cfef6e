"""A feature refused cleanly skips its own checks only; the error answer is judged as usual."""

from __future__ import annotations

import pytest
from exchanges import WEATHER, ask, error

from conformance.base._errors import ConfigError
from conformance.checks import REGISTRY, Refusal, Violation, check, run_checks
from conformance.checks._results import CheckResult
from conformance.contract._profile import FEATURES, Profile, load_profile
from conformance.exchange._exchange import Exchange

BASE = load_profile("openai-compatible")
TOOLS = ask(tools=[WEATHER], tool_choice="required")
REFUSED = Refusal("tools", "400 tools are not supported by this model")
#: A clean refusal of tools, but served as text/plain.
PLAIN_TEXT_400 = error(
    400,
    "tools are not supported by this model",
    request=TOOLS,
    param="tools",
    headers={"content-type": "text/plain; charset=utf-8"},
)


def _by_check(exchange: Exchange, refusal: Refusal | None) -> dict[str, CheckResult]:
    return {r.check: r for r in run_checks(exchange, BASE, refusal=refusal)}


def test_a_refusal_served_as_text_plain_keeps_its_content_type_finding() -> None:
    results = _by_check(PLAIN_TEXT_400, REFUSED)
    assert results["response.content_type"].status == "failed"
    assert results["errors.envelope"].status == "passed"
    assert results["errors.envelope_fields"].status == "passed"
    reason = (
        "the target does not offer tools: it answered 400 tools are not supported by this model"
    )
    tool_checks = {c for c in REGISTRY if c.startswith(("tool_calls.", "stream.tool_calls."))}
    assert len(tool_checks) == 9  # the three of the turn after a call (checks.turns) too
    for check_id in tool_checks | {"requests.valid_accepted"}:
        assert (results[check_id].status, results[check_id].reason) == ("skipped", reason)
    others = {c for c, r in results.items() if r.reason == reason}
    assert others == tool_checks | {"requests.valid_accepted"}


def test_without_a_refusal_no_feature_check_judges_an_error_answer() -> None:
    results = _by_check(PLAIN_TEXT_400, None)
    assert results["response.content_type"].status == "failed"
    _only_the_history_check_sees_an_error(results)
    assert results["requests.valid_accepted"].status == "skipped"  # "not supported": a capability


def test_a_5xx_is_never_a_refusal() -> None:
    crashed = error(500, "internal error", request=TOOLS)
    results = _by_check(crashed, REFUSED)
    assert results["requests.valid_accepted"].status == "failed"
    _only_the_history_check_sees_an_error(results)


def test_a_refusal_of_another_feature_leaves_the_tool_checks_alone() -> None:
    results = _by_check(PLAIN_TEXT_400, Refusal("logprobs", "400 logprobs are not supported"))
    assert {
        c for c, r in results.items() if r.status == "skipped" and "logprobs" in (r.reason or "")
    } == {
        "logprobs.presence",
        "logprobs.top_logprobs",
        "requests.valid_accepted",
    }
    _only_the_history_check_sees_an_error(results)


def _only_the_history_check_sees_an_error(results: dict[str, CheckResult]) -> None:
    """Of the tool checks, only tool_calls.history_accepted judges error answers, and only to a
    request that carries a tool call back: these requests carry none."""
    assert {c for c in results if c.startswith("tool_calls.")} == {"tool_calls.history_accepted"}
    skipped = results["tool_calls.history_accepted"]
    assert (skipped.status, skipped.reason) == (
        "skipped",
        "the request carries no tool call with its result",
    )


def test_every_feature_has_checks_and_every_declared_feature_is_known() -> None:
    declared = {feature for item in REGISTRY.values() for feature in item.features}
    assert declared == set(FEATURES)


def test_an_unknown_feature_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown feature 'vision'"):
        Refusal("vision", "400 no images")

    def documented(exchange: Exchange, profile: Profile) -> list[Violation]:
        """Has a docstring."""
        return []

    register = check(
        "x.unknown_feature", requirement_id="CC-RESP-01", kinds=("completion",), feature="vision"
    )
    with pytest.raises(ConfigError, match=r"unknown features \['vision'\]"):
        register(documented)
    assert "x.unknown_feature" not in REGISTRY


def test_a_second_sole_judge_of_an_intent_is_a_config_error() -> None:
    def documented(exchange: Exchange, profile: Profile) -> list[Violation]:
        """Has a docstring."""
        return []

    register = check(
        "x.second_judge",
        requirement_id="CC-ERROR-06",
        kinds=("error",),
        sole_judge_of="wrong_method",
    )
    with pytest.raises(ConfigError, match="both judge wrong_method"):
        register(documented)
    assert "x.second_judge" not in REGISTRY
