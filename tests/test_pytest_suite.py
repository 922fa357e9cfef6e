"""The suite's own tests imported into another project (``conformance.pytest_suite``): one
test per scenario and per kind of generated request, selectable by name, judged against the
embedded router and against a router with a fault."""

from __future__ import annotations

import pytest
from test_pytest_plugin import ARGS

from conformance.live import SCENARIOS
from conformance.pytest_plugin import GENERATIONS

pytest_plugins = ["pytester"]

SUITE = "from conformance.pytest_suite import test_generated, test_scenario  # noqa: F401\n"


pytestmark = pytest.mark.usefixtures("package_on_path")


def test_every_scenario_and_kind_is_a_test_named_after_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_chat=SUITE)
    result = pytester.runpytest(*ARGS, "--collect-only", "-q")
    collected = {line.strip() for line in result.outlines if "::" in line}
    expected = {f"test_chat.py::test_scenario[{s.name}]" for s in SCENARIOS} | {
        f"test_chat.py::test_generated[{g.id}]" for g in GENERATIONS
    }
    assert collected == expected


def test_the_compliant_router_passes_every_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_chat=SUITE)
    result = pytester.runpytest(*ARGS, "--conformance-seed", "5")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()[-3000:]
    # Skipped: the scenarios that judge authentication, against a router that needs no key.
    needs_key = sum(1 for scenario in SCENARIOS if scenario.needs_key)
    assert outcomes.get("skipped", 0) == needs_key
    assert outcomes["passed"] == len(SCENARIOS) - needs_key + len(GENERATIONS)


def test_k_selects_the_streamed_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_chat=SUITE)
    result = pytester.runpytest(*ARGS, "-k", "stream", "--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids
    assert all("stream" in line for line in ids)
    assert any("test_generated[generated.valid.stream]" in line for line in ids)


def test_a_fault_fails_the_tests_it_breaks_naming_the_check(
    pytester: pytest.Pytester, no_done_url: str
) -> None:
    pytester.makepyfile(test_chat=SUITE)
    args = ("--conformance-url", no_done_url, "-k", "stream", "--conformance-seed=5")
    recorded = pytester.inline_run(*ARGS, *args)
    _, _, failed = recorded.listoutcomes()
    ids = {report.nodeid.partition("::")[2] for report in failed}
    assert {"test_scenario[stream]", "test_generated[generated.valid.stream]"} <= ids
    assert all("stream.terminator [MUST]" in str(report.longrepr) for report in failed)


def test_a_two_turn_scenario_sends_its_second_turn(pytester: pytest.Pytester) -> None:
    """tools.follow_up fails on a router that refuses the history of its own tool call: the
    second turn was sent, and judged as a follow-up (a refusal is no "unsupported" there)."""
    from conformance.reference import serve_in_thread

    pytester.makepyfile(test_chat=SUITE)
    with serve_in_thread(faults=["tool-role-refused"]) as url:
        args = ("--conformance-url", url, "-k", "follow_up or history", "--conformance-seed=5")
        recorded = pytester.inline_run(*ARGS, *args)
    _passed, skipped, failed = recorded.listoutcomes()
    ids = {report.nodeid.partition("::")[2] for report in failed}
    assert ids == {"test_scenario[tools.follow_up]", "test_scenario[stream.tools.follow_up]"}
    assert all("tool_calls.history_accepted [MUST]" in str(r.longrepr) for r in failed)
    # The ready-made history is refused cleanly: a target without the tool role, skipped.
    assert {r.nodeid.partition("::")[2] for r in skipped} == {
        "test_scenario[tools.history]",
        "test_scenario[stream.tools.history]",
    }
