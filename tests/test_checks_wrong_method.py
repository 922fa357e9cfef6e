"""Another method than POST: one SHOULD finding at most, from errors.wrong_method alone."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from exchanges import JSON, error

from conformance.checks import REGISTRY, run_checks
from conformance.checks._results import CheckResult
from conformance.contract._profile import load_profile
from conformance.exchange._exchange import Exchange

BASE = load_profile("openai-compatible")
JUDGE = "errors.wrong_method"

# Real framework answers to a method the endpoint does not define.
GO_404 = Exchange.from_http(  # Go net/http's NotFound handler
    request=None,
    status=404,
    headers={"content-type": "text/plain; charset=utf-8"},
    body=b"404 page not found\n",
    intent="wrong_method",
)
PYTHON_501 = Exchange.from_http(  # http.server's send_error(501, "Unsupported method")
    request=None,
    status=501,
    headers={"content-type": "text/html;charset=utf-8"},
    body=b"<html><body><h1>Error response</h1><p>Error code: 501</p></body></html>\n",
    intent="wrong_method",
)


def _results(exchange: Exchange) -> dict[str, CheckResult]:
    return {r.check: r for r in run_checks(exchange, BASE)}


@pytest.mark.parametrize("status", [405, 404, 501])
def test_each_accepted_status_with_the_envelope_passes(status: int) -> None:
    results = _results(error(status, "Method Not Allowed", intent="wrong_method"))
    assert results[JUDGE].status == "passed"
    assert {r.check for r in results.values() if r.status != "skipped"} == {JUDGE}


@pytest.mark.parametrize("exchange", [GO_404, PYTHON_501], ids=["go-404", "python-501"])
def test_a_plain_body_is_one_should_finding_about_the_body_only(exchange: Exchange) -> None:
    results = _results(exchange)
    failed = [r for r in results.values() if r.status == "failed"]
    assert [(r.check, r.level) for r in failed] == [(JUDGE, "SHOULD")]
    paths = {f.path for f in failed[0].failures}
    assert paths == {"headers['content-type']", "$"}  # media type and body; not the status


@pytest.mark.parametrize("status", [500, 200])
def test_a_crash_or_an_acceptance_is_one_should_finding_about_the_status(status: int) -> None:
    exchange = (
        error(500, "internal error", intent="wrong_method")
        if status == 500
        else Exchange.from_http(
            request=None, status=200, headers=JSON, body=b"{}", intent="wrong_method"
        )
    )
    results = _results(exchange)
    failed = [r for r in results.values() if r.status == "failed"]
    assert [r.check for r in failed] == [JUDGE]
    (failure,) = failed[0].failures
    assert (failure.path, failure.actual) == ("status", status)
    assert failure.expected == "404 or 405 or 501"
    assert failure.message == f"a request with another method than POST got {status}"


def test_every_other_check_skips_it_saying_which_check_judges_it() -> None:
    results = _results(
        Exchange.from_http(
            request=None,
            status=200,
            headers={"content-type": "text/plain"},
            body=b"ok",
            intent="wrong_method",
        )
    )
    others = {check: r for check, r in results.items() if check != JUDGE}
    assert {"response.schema", "response.content_type", "errors.status_code"} <= set(others)
    assert {(r.status, r.reason) for r in others.values()} == {
        ("skipped", "judged by errors.wrong_method")
    }
    for check in ("errors.envelope", "errors.envelope_fields", "errors.invalid_request"):
        assert _results(GO_404)[check].reason == "judged by errors.wrong_method"


def test_the_check_is_a_should_and_the_sole_judge_of_a_wrong_method() -> None:
    item = REGISTRY[JUDGE]
    assert (item.level, item.sole_judge_of) == ("SHOULD", "wrong_method")
    assert [c.id for c in REGISTRY.values() if c.sole_judge_of == "wrong_method"] == [JUDGE]


def test_an_intent_the_profile_maps_to_no_status_is_a_skip() -> None:
    statuses = {k: v for k, v in BASE.error_statuses.items() if k != "bad_key"}
    profile = dataclasses.replace(BASE, error_statuses=MappingProxyType(statuses))
    exchange = error(401, "Incorrect API key provided", intent="bad_key")
    (result,) = [r for r in run_checks(exchange, profile) if r.check == "errors.status_code"]
    assert (result.status, result.reason) == (
        "skipped",
        "profile openai-compatible documents no status for a request with bad key",
    )
