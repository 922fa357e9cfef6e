"""`conformance run` end to end: the reference router on a real loopback socket."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.cli._embedded import EMBEDDED_SCENARIOS
from conformance.contract._profile import DEFAULT_PROFILE, FEATURES, load_profile
from conformance.live._client import Budget
from conformance.live._run import Judged, Runner, RunOptions, aggregate
from conformance.live._scenarios import SCENARIOS, Probe, Scenario
from conformance.reference import serve_in_thread

KEY = "sk-run-test-secret-42"


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args], env=env)
    return result.exit_code, result.output


def test_default_run_against_the_embedded_router_is_conformant(tmp_path: Path) -> None:
    report = tmp_path / "out" / "run.json"
    junit = tmp_path / "out" / "run.xml"
    code, out = _run(
        "--seed",
        "7",
        "--max-examples",
        "5",
        "--report",
        f"json:{report}",
        "--report",
        f"junit:{junit}",
    )
    assert code == 0, out
    assert "seed 7" in out
    assert "no --model given: using 'reference-model'" in out
    document = json.loads(report.read_text())
    assert document["seed"] == 7
    assert document["summary"]["conformant"] is True
    assert document["summary"]["failed"] == 0
    assert 0 < document["summary"]["requests"] <= 150
    assert document["summary"]["tokens"]["completion"] <= 5000
    judged = {r["check"] for r in document["results"] if r["status"] == "passed"}
    assert {"stream.terminator", "errors.status_code", "tool_calls.forced"} <= judged
    # The embedded run's own scenarios judge what a generic target rarely shows.
    assert {"errors.retry_after", "stream.error_event", "reasoning.separated"} <= judged
    assert junit.read_text().startswith("<?xml")


def test_a_faulty_router_is_not_conformant_and_the_key_never_shows(tmp_path: Path) -> None:
    report = tmp_path / "run.json"
    with serve_in_thread(faults=["no-done"], api_key=KEY) as url:
        code, out = _run(
            "--base-url",
            url,
            "--api-key-env",
            "TEST_KEY",
            "--seed",
            "1",
            "--max-examples",
            "3",
            "--report",
            f"json:{report}",
            env={"TEST_KEY": KEY},
        )
    assert code == 1, out
    text = report.read_text()
    document = json.loads(text)
    (terminator,) = [r for r in document["results"] if r["check"] == "stream.terminator"]
    assert terminator["status"] == "failed"
    assert "$TEST_KEY" in terminator["reproduce"]
    assert KEY not in text
    assert KEY not in out


def test_an_unreachable_target_exits_3_and_still_writes_its_reports(tmp_path: Path) -> None:
    report = tmp_path / "run.json"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{port}/v1"
        code, out = _run("--base-url", url, "--model", "m", "--report", f"json:{report}")
    assert code == 3, out
    assert "the run did not complete (stopped: unreachable)" in out
    summary = json.loads(report.read_text())["summary"]
    assert summary["complete"] is False
    assert summary["stopped"] == "unreachable"
    # Each request is tried twice (the second time on a fresh connection); the run stops after
    # three in a row, with at most the others then in flight (4 at once) still to come back.
    assert summary["requests"] <= 2 * (1 + 2 + 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--report", "pdf:x.pdf"), "unknown report format 'pdf'"),
        (("--api-key-env", "CONFORMANCE_UNSET_VARIABLE"), "the variable is not set"),
        (("--profile", "nope"), "unknown profile 'nope'"),
    ],
)
def test_configuration_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out = _run(*args)
    assert code == 2
    assert message in out


BIG = {
    "model": "reference-model",
    "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi."}],
    "max_tokens": 3,
    "temperature": 0,
    "seed": 1,
    "user": "u-1",
}


@pytest.mark.parametrize("max_shrinks", [0, 5, 20])
def test_a_failing_generated_request_is_shrunk_within_the_budget(max_shrinks: int) -> None:
    options = RunOptions(
        base_url="", profile=load_profile(), model="reference-model", max_shrinks=max_shrinks
    )
    with serve_in_thread(faults=["exceed-max-tokens"]) as url:
        runner = Runner(replace(options, base_url=url), progress=lambda line: None)
        with runner.client:
            runner.tally.add(runner.send("generated.valid", Probe(BIG)))
            runner.shrink()
    first, *shrunk = runner.tally.failing
    assert _fails(first, "max_tokens.respected")
    assert len(shrunk) <= max_shrinks
    assert all(j.scenario == "generated.valid (shrunk)" for j in shrunk)
    (entry,) = [
        e for e in aggregate(options.replay, runner.tally) if e.check == "max_tokens.respected"
    ]
    shown = json.loads(entry.reproduce.split(" --data-binary ", 1)[1].strip("'"))
    if max_shrinks == 0:
        assert shown == BIG
    elif max_shrinks == 20:  # enough to drop everything the failure does not need
        assert shown == {
            "model": "reference-model",
            "messages": BIG["messages"][-1:],
            "max_tokens": 3,
        }
    else:
        assert len(json.dumps(shown)) < len(json.dumps(BIG))


def _fails(judged: Judged, check_id: str) -> bool:
    return any(r.check == check_id and r.status == "failed" for r in judged.results)


def test_the_embedded_scenarios_catch_the_faults_they_exist_for() -> None:
    faults = ["retry-after-missing", "mid-stream-error-malformed"]
    with serve_in_thread(faults=faults) as url:
        options = RunOptions(
            base_url=url,
            profile=load_profile(),
            model="reference-model",
            extra_scenarios=EMBEDDED_SCENARIOS,
        )
        runner = Runner(options, progress=lambda line: None)
        with runner.client:
            runner.targeted("reference-model")
    verdicts = {e.check: e for e in aggregate(options.replay, runner.tally)}
    assert verdicts["errors.retry_after"].status == "failed"
    assert verdicts["stream.error_event"].status == "failed"
    assert "'x-reference-stream-error: 2'" in verdicts["stream.error_event"].reproduce


class _Recording(Runner):
    """A runner that notes the scenario and the body of every request it sends."""

    sent: list[str]
    bodies: list[object]

    def send(self, scenario: Scenario | str, probe: Probe) -> Judged:
        judged = super().send(scenario, probe)
        self.sent.append(judged.scenario)
        self.bodies.append(probe.body)
        return judged


def test_the_same_seed_draws_the_same_requests_batch_after_batch(
    reference_url: Callable[[str], str],
) -> None:
    drawn = []
    for _ in range(2):
        options = RunOptions(
            base_url=reference_url(DEFAULT_PROFILE),
            profile=load_profile(),
            model="reference-model",
            seed=7,
            max_examples=130,  # two batches of generation
            budget=Budget(max_requests=1000, max_completion_tokens=10**9),
        )
        runner = _Recording(options, progress=lambda line: None)
        runner.sent, runner.bodies = [], []
        with runner.client:
            runner.generated("reference-model")
        drawn.append(runner.bodies)
    assert len(drawn[0]) >= 260
    assert drawn[0] == drawn[1]


def test_scenarios_the_profile_does_not_document_are_not_sent(
    reference_url: Callable[[str], str],
) -> None:
    lines: list[str] = []
    profile = load_profile("anyapi")  # no n; tool_choice none or auto only
    options = RunOptions(base_url=reference_url("anyapi"), profile=profile, model="reference-model")
    runner = _Recording(options, progress=lambda event: lines.append(str(event)))
    runner.sent, runner.bodies = [], []
    with runner.client:
        runner.plain("reference-model")
        runner.targeted("reference-model")
    sent = set(runner.sent)
    assert {"n2", "tools.required", "tools.named"}.isdisjoint(sent)
    assert {"plain", "tools.auto", "tools.none"} <= sent
    assert any("tools.required" in line and "not one of ['none', 'auto']" in line for line in lines)


def test_every_scenario_feature_is_one_a_profile_can_name() -> None:
    # A feature outside FEATURES could never be in a profile's capabilities: its scenario
    # would silently never be sent.
    features = {s.feature for s in [*SCENARIOS, *EMBEDDED_SCENARIOS] if s.feature is not None}
    assert features <= set(FEATURES)
    assert load_profile().capabilities == set(FEATURES)  # the base documents them all


def test_a_run_leaves_nothing_where_it_was_started(tmp_path: Path) -> None:
    # Hypothesis caches under ./.hypothesis even without an example database; a fresh process,
    # because it collects what it caches once per process.
    command = [sys.executable, "-c", "from conformance.cli import main; main()"]
    done = subprocess.run(
        [*command, "run", "--seed", "3", "--max-examples", "3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []
