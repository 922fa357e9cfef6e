"""Two-turn tool calling, end to end against the reference router on 127.0.0.1: the scenario
builds the second turn from the first turn's real answer, and a run sends and judges both."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.base import NotApplicable
from conformance.checks import run_checks
from conformance.contract._profile import DEFAULT_PROFILE, load_profile
from conformance.live._client import Client
from conformance.live._progress import Judgement, Note
from conformance.live._run import RunOptions, run
from conformance.live._scenarios import SCENARIOS, Scenario, as_sent
from conformance.reference import MODEL_ID, serve_in_thread
from conformance.report import RunReport

PROFILE = load_profile(DEFAULT_PROFILE)
NEW_CHECKS = (
    "tool_calls.history_accepted",
    "tool_calls.fresh_ids",
    "tool_calls.follow_up_answered",
)


def _scenario(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)


@pytest.mark.parametrize("name", ["tools.follow_up", "stream.tools.follow_up"])
def test_the_second_turn_echoes_the_call_and_answers_it(
    reference_url: Callable[[str], str], name: str
) -> None:
    scenario = _scenario(name)
    assert scenario.follow_up is not None
    with Client(reference_url(DEFAULT_PROFILE)) as client:
        first = client.probe(scenario.build(MODEL_ID))
        second = scenario.follow_up(MODEL_ID, first)
        answer = as_sent(second, client.probe(second))
    (call,) = first.answer.choices[0].tool_calls
    assert isinstance(second.body, dict)
    assert second.body.get("stream", False) is name.startswith("stream.")
    assert second.body["tool_choice"] == "auto"
    assistant, result = second.body["messages"][-2:]
    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
        ],
    }
    assert result["role"] == "tool"
    assert result["tool_call_id"] == call.id
    assert answer.follow_up
    assert answer.status == 200
    assert answer.answer.choices[0].content  # the model answered the result with text
    verdicts = {r.check: r.status for r in run_checks(answer, PROFILE)}
    assert [verdicts[c] for c in NEW_CHECKS] == ["passed", "skipped", "passed"]
    assert "failed" not in verdicts.values()


def test_a_history_is_answered_with_a_new_call(reference_url: Callable[[str], str]) -> None:
    with Client(reference_url(DEFAULT_PROFILE)) as client:
        exchange = client.probe(_scenario("tools.history").build(MODEL_ID))
    (call,) = exchange.answer.choices[0].tool_calls
    assert call.name == "get_weather"
    assert "Lyon" not in str(call.id)
    verdicts = {r.check: r.status for r in run_checks(exchange, PROFILE)}
    assert [verdicts[c] for c in NEW_CHECKS] == ["passed", "passed", "skipped"]


def test_no_second_turn_when_the_first_called_no_tool() -> None:
    scenario = _scenario("tools.follow_up")
    assert scenario.follow_up is not None
    with serve_in_thread(variants=["tools-unsupported-400"]) as url, Client(url) as client:
        first = client.probe(scenario.build(MODEL_ID))
    assert first.status == 400
    with pytest.raises(NotApplicable, match="answered 400"):
        scenario.follow_up(MODEL_ID, first)


def _events(fault: str | None = None, variant: str | None = None) -> list[object]:
    """What a run against a router with ``fault`` or ``variant`` reported, then its report."""
    events: list[object] = []
    faults, variants = [fault] if fault else [], [variant] if variant else []
    with serve_in_thread(faults=faults, variants=variants) as url:
        options = RunOptions(
            base_url=url, profile=PROFILE, model=MODEL_ID, max_examples=0, coverage=False
        )
        events.append(run(options, events.append, generated=False))
    return events


def test_a_run_sends_the_second_turn_and_reports_what_it_broke() -> None:
    *events, report = _events(fault="tool-role-refused")
    assert isinstance(report, RunReport)
    judged = {e.scenario: e for e in events if isinstance(e, Judgement)}
    assert judged["tools.follow_up (turn 2)"].failed == ("tool_calls.history_accepted",)
    assert judged["stream.tools.follow_up (turn 2)"].status == 400
    # The ready-made history is a clean refusal: the target may lack the tool role.
    assert judged["tools.history"].failed == ()
    entry = next(e for e in report.entries if e.check == "tool_calls.history_accepted")
    assert entry.status == "failed"
    assert entry.level == "MUST"


def test_a_run_says_why_a_second_turn_was_not_sent() -> None:
    *events, _ = _events(variant="tools-unsupported-400")
    notes = [e.text for e in events if isinstance(e, Note) and "turn 2" in e.text]
    assert any(n.startswith("tools.follow_up (turn 2) not sent: the first turn") for n in notes)
    assert not any(isinstance(e, Judgement) and e.scenario.endswith("(turn 2)") for e in events)
