"""The coverage plan: every case is what it says, and every documented bound is covered.

* each invalid case breaks exactly the bound it names: the profile's request validator refuses
  it, at that field (or where a validator reports a violation there first) by that rule, and
  nowhere else;
* each valid case, combined or split, is valid under the profile and cheap;
* every bound of the profile traces (the bounds tests/test_boundaries.py exercises) of a core
  parameter is in the plan, with its invalid side just past it and its valid side at it (or at
  the cost cap the generation policy gives, with the reason);
* the cross-field rules are there, on both sides;
* the plan fits a run's default budget beside the targeted scenarios.
"""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_boundaries import BOUNDS, Bound, _value_at

from conformance.contract._cross_field import OFFERED_TOOL, named_tools, offered_tools
from conformance.contract._profile import Profile, load_profile, profile_names
from conformance.generate._coverage import (
    PROMPT,
    CoveragePlan,
    InvalidCase,
    ValidCase,
    _Builder,
    coverage_plan,
)
from conformance.generate._generate import _plan, invalid_requests, mutations, valid_requests
from conformance.generate._mutations import within
from conformance.generate._policy import CHOICES_CAP, MAX_REQUEST_BYTES, TOKEN_CAP

MODEL: Final = "test-model"
PROFILES: Final = profile_names()
#: The run's default request budget, and what its targeted scenarios and the random phase need.
BUDGET: Final = 150
TARGETED: Final = 25
RANDOM: Final = 25


def _plan_of(name: str) -> tuple[Profile, CoveragePlan]:
    profile = load_profile(name)
    return profile, coverage_plan(profile, MODEL)


def _cases(kind: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name in PROFILES:
        _, plan = _plan_of(name)
        if kind == "invalid":
            found += [(name, case) for case in plan.invalid]
        else:
            found += [(name, part) for case in plan.valid for part in (case, *case.split())]
    return found


def _case_id(value: Any) -> str:
    if isinstance(value, InvalidCase):
        return value.bound
    if isinstance(value, ValidCase):
        return "+".join(value.bounds)[:80]
    return str(value)


# -- invalid cases -----------------------------------------------------------------------------


def _assert_breaks_exactly(profile: Profile, case: InvalidCase) -> None:
    assert not profile.request.is_valid(case.request), case.bound
    errors = profile.request.explain(case.request, limit=50)
    explained = [str(e) for e in errors]
    assert errors, case.bound
    # Nowhere else: every violation is at the field or where a validator reports it.
    assert all(within(e.path, case.reported_at) or within(e.path, case.field) for e in errors), (
        case.bound,
        explained,
    )
    assert within(errors[0].path, case.reported_at), (case.bound, explained)
    # By the rule it names (an if/then rule fails its `then`: required, const or type).
    keywords = {e.keyword for e in errors}
    if case.rule == "dependency":
        assert keywords & {"required", "const", "type"}, (case.bound, explained)
    else:
        assert case.rule in keywords, (case.bound, explained)


@pytest.mark.parametrize(("name", "case"), _cases("invalid"), ids=_case_id)
def test_each_invalid_case_breaks_exactly_its_bound(name: str, case: InvalidCase) -> None:
    profile = load_profile(name)
    _assert_breaks_exactly(profile, case)
    # Small: one short message beside the broken value (which may be the cap or n itself).
    assert len(json.dumps(case.request).encode()) <= MAX_REQUEST_BYTES


def test_an_invalid_case_is_refused_only_for_its_violation() -> None:
    """Repairing the one broken value makes the request valid: nothing else was wrong."""
    profile, plan = _plan_of("openai-compatible")
    repaired = 0
    for case in plan.invalid:
        top = case.field.removeprefix("$.").split(".")[0].split("[")[0]
        if case.rule in ("dependency", OFFERED_TOOL) or top in ("model", "messages"):
            continue
        fixed = {k: v for k, v in case.request.items() if k != top}
        assert profile.request.is_valid(fixed), (case.bound, profile.request.explain(fixed))
        repaired += 1
    assert repaired > 30


# -- valid cases -------------------------------------------------------------------------------


def _assert_cheap(request: dict[str, Any]) -> None:
    caps = [request[k] for k in ("max_tokens", "max_completion_tokens") if k in request]
    assert all(isinstance(c, int) and 1 <= c <= TOKEN_CAP for c in caps), caps
    assert request.get("n") is None or request["n"] <= CHOICES_CAP
    assert 1 <= len(request["messages"]) <= 3
    assert len(json.dumps(request).encode()) <= MAX_REQUEST_BYTES


@pytest.mark.parametrize(("name", "case"), _cases("valid"), ids=_case_id)
def test_each_valid_case_and_each_part_is_valid_and_cheap(name: str, case: ValidCase) -> None:
    profile = load_profile(name)
    assert profile.request.is_valid(case.request), (
        case.bounds,
        [str(e) for e in profile.request.explain(case.request)],
    )
    _assert_cheap(case.request)
    assert case.request["model"] == MODEL
    assert not named_tools(case.request) - offered_tools(case.request)
    parts = case.split()
    assert [b for part in parts for b in part.bounds] == list(case.bounds)
    assert all(len(part.bounds) >= 1 for part in parts)


@pytest.mark.parametrize("name", PROFILES)
def test_valid_edges_share_requests_and_split_one_per_edge(name: str) -> None:
    _, plan = _plan_of(name)
    combined = [case for case in plan.valid if len(case.split()) > 1]
    assert combined, "no valid request carries several edges"
    for case in combined:
        assert len(case.split()) == len({part.request.__repr__() for part in case.split()})
        for part in case.split():
            assert part.split() == (part,)


# -- bounds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILES)
def test_every_bound_has_one_invalid_case_and_a_stable_id(name: str) -> None:
    _, plan = _plan_of(name)
    ids = [bound.id for bound in plan.bounds]
    assert len(ids) == len(set(ids))
    assert sorted(case.bound for case in plan.invalid) == sorted(ids)
    covered_valid = {b for case in plan.valid for b in case.bounds}
    assert covered_valid <= set(ids)
    for bound in plan.bounds:
        assert bound.description, bound.id
        assert (
            bound.id.split(".")[0].split("[")[0]
            in _plan(load_profile(name).request_schema).properties
        )


def _documented(bound: Bound) -> bool:
    profile = load_profile(bound.profile_id)
    return bound.parts[0] not in profile.may_ignore


CORE_BOUNDS: Final = [bound for bound in BOUNDS if _documented(bound)]


def _bound_id(bound: Bound) -> str:
    return f"{bound.path}.{bound.keyword}"


@pytest.mark.parametrize("bound", CORE_BOUNDS, ids=str)
def test_every_traced_bound_of_a_core_parameter_is_covered_on_both_sides(bound: Bound) -> None:
    profile, plan = _plan_of(bound.profile_id)
    wanted = _bound_id(bound)
    (invalid,) = [case for case in plan.invalid if case.bound == wanted]
    # Invalid side: just past the documented bound.
    broken = _value_at(invalid.request, invalid.field)
    if bound.count:
        expected = bound.limit - 1 if bound.keyword == "minItems" else bound.limit + 1
        assert len(broken) == expected
    elif bound.keyword.startswith("exclusive"):
        assert broken == bound.limit
    else:
        side = 1 if bound.keyword == "maximum" else -1
        assert 0 < (broken - bound.limit) * side <= 1
    # Valid side: at the bound, or at the cost cap the policy gives (and says why).
    (documented,) = [b for b in plan.bounds if b.id == wanted]
    carriers = [case for case in plan.valid if wanted in case.bounds]
    assert carriers, f"{wanted}: no valid request at the edge ({documented.valid_side})"
    value = _value_at(carriers[0].request, bound.field)
    if bound.count:
        value = len(value)
    if "cost cap" in documented.valid_side:
        assert value < bound.limit
        assert ":" in documented.valid_side  # the reason
    elif bound.keyword.startswith("exclusive"):
        side = 1 if bound.keyword == "exclusiveMinimum" else -1
        assert 0 < (value - bound.limit) * side <= 1
    else:
        assert value == bound.limit
    for part in carriers[0].split():
        if wanted in part.bounds:
            assert profile.request.is_valid(part.request)


def test_the_plan_covers_the_bounds_the_issue_names() -> None:
    _, openai = _plan_of("openai-compatible")
    ids = {b.id for b in openai.bounds}
    assert {"stop.maxItems", "top_logprobs.maximum", "top_logprobs.requires_logprobs"} <= ids
    assert {"tool_choice.names_no_offered_tool", "tool_choice.named_without_tools"} <= ids
    (five,) = [c for c in openai.invalid if c.bound == "stop.maxItems"]
    assert len(five.request["stop"]) == 5
    (above,) = [c for c in openai.invalid if c.bound == "top_logprobs.maximum"]
    assert above.request["top_logprobs"] == 21
    assert above.request["logprobs"] is True
    _, myrouter = _plan_of("myrouter-ai")
    (missing,) = [c for c in myrouter.invalid if c.bound == "max_tokens.required"]
    assert "max_tokens" not in missing.request
    _, openrouter = _plan_of("openrouter")
    (both,) = [c for c in openrouter.invalid if c.bound == "reasoning.effort_with_max_tokens"]
    assert {"effort", "max_tokens"} <= set(both.request["reasoning"])
    # anyapi's tool_choice is none|auto: no named choice, so no offered-tool rule to break.
    _, anyapi = _plan_of("anyapi")
    assert not any(b.rule == OFFERED_TOOL for b in anyapi.bounds)


def test_the_cross_field_rules_have_a_valid_side() -> None:
    _, plan = _plan_of("openai-compatible")
    named = [c for c in plan.valid if "tool_choice.names_no_offered_tool" in c.bounds]
    assert named
    assert isinstance(named[0].request["tool_choice"], dict)
    assert named_tools(named[0].request) <= offered_tools(named[0].request)
    edges = [c for c in plan.valid if "top_logprobs.maximum" in c.bounds]
    assert edges[0].request["logprobs"] is True


def test_each_core_enum_value_is_sent_at_least_once() -> None:
    _, plan = _plan_of("openrouter")
    sent = [case.request for case in plan.valid]
    assert {r["tool_choice"] for r in sent if isinstance(r.get("tool_choice"), str)} == {
        "none",
        "auto",
        "required",
    }
    formats = {r["response_format"]["type"] for r in sent if "response_format" in r}
    assert formats == {"text", "json_object", "json_schema"}
    efforts = {r["reasoning"]["effort"] for r in sent if "reasoning" in r}
    assert efforts == {"high", "medium", "low"}
    roles = {m["role"] for r in sent for m in r["messages"]}
    assert {"system", "developer", "user", "assistant"} <= roles


def test_a_request_of_the_required_fields_only_is_sent() -> None:
    _, plan = _plan_of("myrouter-ai")
    minimal = [c for c in plan.valid if "max_tokens.required" in c.bounds]
    assert minimal[0].request == {
        "model": MODEL,
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": TOKEN_CAP,
    }


# -- what is core ------------------------------------------------------------------------------


def test_excluded_and_ignorable_parameters_are_neither_broken_nor_sent() -> None:
    profile = load_profile("openai-compatible")
    plan = coverage_plan(profile, MODEL, exclude=frozenset({"temperature", "tools"}))
    requests = [c.request for c in plan.invalid] + [c.request for c in plan.valid]
    for request in requests:
        assert not {"temperature", "tools"} & set(request)
        assert not set(profile.may_ignore) & set(request)
    assert not any(b.id.startswith(("temperature.", "tools")) for b in plan.bounds)
    # tool_choice stays core, but its named-tool rule needs tools: not broken without them.
    assert not any(b.rule == OFFERED_TOOL for b in plan.bounds)


def test_an_implemented_platform_parameter_is_judged_as_core() -> None:
    profile = load_profile("openai-compatible")
    everything = dataclasses.replace(profile, may_ignore=MappingProxyType({}))
    plan = coverage_plan(everything, MODEL)
    ids = {b.id for b in plan.bounds}
    assert {"service_tier.enum", "metadata.maxProperties", "functions.maxItems"} <= ids
    for case in plan.invalid:
        _assert_breaks_exactly(everything, case)
    for case in plan.valid:
        assert everything.request.is_valid(case.request), case.bounds
    # Billed features stay out of the valid side, and say why.
    (tier,) = [b for b in plan.bounds if b.id == "service_tier.enum"]
    assert tier.valid_side.startswith("not sent: ")


def test_the_plan_is_the_same_on_every_run() -> None:
    profile = load_profile("openrouter")
    once = _Builder(_plan(profile.request_schema), MODEL, frozenset(profile.may_ignore)).build()
    again = _Builder(_plan(profile.request_schema), MODEL, frozenset(profile.may_ignore)).build()
    assert once == again


@pytest.mark.parametrize("name", PROFILES)
def test_the_plan_fits_the_default_budget_beside_the_rest_of_a_run(name: str) -> None:
    _, plan = _plan_of(name)
    assert plan.requests + TARGETED + RANDOM <= BUDGET, plan.requests


# -- the random phase keeps to the same rules --------------------------------------------------

SOME: Final = settings(
    max_examples=40,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("name", PROFILES)
def test_random_invalid_requests_never_touch_an_excluded_parameter(name: str) -> None:
    profile = load_profile(name)
    excluded = frozenset({"temperature", "stop", "tools"})

    @SOME
    @given(invalid_requests(profile, model=MODEL, exclude=excluded))
    def check(case: Any) -> None:
        assert not excluded & set(case.request)
        assert not profile.request.is_valid(case.request)

    check()


@pytest.mark.parametrize(
    ("name", "mutation"),
    [
        (name, m)
        for name in ("openrouter", "openai-compatible", "myrouter-ai")
        for m in mutations(load_profile(name))
        if m.rule in ("dependency", OFFERED_TOOL, "anyOf")
    ],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_random_invalid_requests_can_break_each_cross_field_rule(name: str, mutation: Any) -> None:
    profile = load_profile(name)

    @SOME
    @given(valid_requests(profile, model=MODEL), st.data())
    def check(request: dict[str, Any], data: st.DataObject) -> None:
        case = mutation.apply(request, data.draw)
        _assert_breaks_exactly(
            profile,
            InvalidCase(case.request, case.field, case.rule, mutation.name, case.reported_at),
        )

    check()


@pytest.mark.parametrize("name", PROFILES)
def test_random_valid_requests_keep_the_cross_field_rules(name: str) -> None:
    profile = load_profile(name)

    @SOME
    @given(valid_requests(profile, model=MODEL))
    def check(request: dict[str, Any]) -> None:
        assert profile.request.is_valid(request)
        assert not named_tools(request) - offered_tools(request)
        if request.get("top_logprobs") is not None:
            assert request["logprobs"] is True

    check()


def test_a_bounded_plan_drops_nested_type_violations_first_and_says_so() -> None:
    everything = dataclasses.replace(load_profile("openrouter"), may_ignore=MappingProxyType({}))
    whole = coverage_plan(everything, MODEL)
    assert whole.requests > BUDGET - TARGETED - RANDOM  # every platform parameter is core
    limit = BUDGET - TARGETED - RANDOM
    bounded = coverage_plan(everything, MODEL, max_requests=limit)
    assert bounded.bounds == whole.bounds  # documented, whether covered or not
    gone = {c.bound for c in whole.invalid} - {c.bound for c in bounded.invalid}
    nested_types = {
        c.bound
        for c in whole.invalid
        if c.rule == "type" and c.field.count(".") + c.field.count("[") > 1
    }
    assert gone
    assert gone <= nested_types
    # As many as the limit needs, or all of them when even that is not enough.
    assert bounded.requests == limit or gone == nested_types
    assert {"temperature.maximum", "stop.maxItems", "tools.type"} <= {
        c.bound for c in bounded.invalid
    }
    # Room enough: nothing is dropped.
    assert coverage_plan(everything, MODEL, max_requests=1000) == whole
