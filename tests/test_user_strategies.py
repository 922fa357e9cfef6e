"""The generators as a user's own Hypothesis test uses them: imported from the top-level
package, given a profile by name, no model or settings of ours."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from conformance import InvalidRequest, invalid_requests, load_profile, valid_requests

PROFILE = load_profile("openai-compatible")


def _at_or_under(path: str, prefix: str) -> bool:
    """``$.a[0].b`` is at or under ``$.a``; ``$.ab`` is not."""
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] in ".[")


@given(valid_requests("openai-compatible"))
def test_a_valid_request_is_accepted_by_the_profiles_schema(request: dict[str, Any]) -> None:
    assert PROFILE.request.is_valid(request), PROFILE.request.explain(request)
    assert isinstance(request["model"], str)
    assert request["model"]


@given(valid_requests(PROFILE, model="gpt-4o-mini", stream=True))
def test_a_profile_object_a_model_and_streaming_are_kept(request: dict[str, Any]) -> None:
    assert PROFILE.request.is_valid(request)
    assert request["model"] == "gpt-4o-mini"
    assert request["stream"] is True


@given(invalid_requests("openai-compatible", model="gpt-4o-mini"))
def test_an_invalid_request_is_refused_where_it_says(case: InvalidRequest) -> None:
    assert not PROFILE.request.is_valid(case.request), case.mutation
    errors = PROFILE.request.explain(case.request)
    assert errors, case.mutation
    assert _at_or_under(errors[0].path, case.reported_at), (case, [str(e) for e in errors])
    assert _at_or_under(case.field, case.reported_at), case
    assert case.rule
    assert case.mutation


@given(valid_requests("openrouter", model="openai/gpt-4o-mini"))
def test_another_profile_by_name_uses_its_own_schema(request: dict[str, Any]) -> None:
    assert load_profile("openrouter").request.is_valid(request)
