"""Each profile against each profile's emulation: the differences the pages document, only those.

One reference router per profile, each emulating its page on a real loopback socket. Profile A
judged against the emulation of B fails exactly the checks ``tests/data/matrix.yaml`` lists for
(A, B), each with the reason the pages differ; every profile against its own emulation is
conformant, generated requests included.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conformance.cli._embedded import embedded_scenarios
from conformance.contract._profile import load_profile, profile_names
from conformance.live._client import Budget
from conformance.live._run import RunOptions, run
from conformance.reference import MODEL_ID
from conformance.report import RunReport

EXPECTED: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "matrix.yaml").read_text(encoding="utf-8")
)
NAMES = profile_names()


@pytest.fixture(scope="module")
def emulations(reference_url: Callable[[str], str]) -> dict[str, str]:
    """The base URL of each profile's emulation."""
    return {name: reference_url(name) for name in NAMES}


def _judge(judged: str, url: str, emulated: str, *, generated: bool) -> RunReport:
    options = RunOptions(
        base_url=url,
        profile=load_profile(judged),
        model=MODEL_ID,
        seed=1,
        max_examples=10,
        budget=Budget(max_requests=1000),
        extra_scenarios=embedded_scenarios(load_profile(emulated)),
    )
    return run(options, progress=lambda line: None, generated=generated)


def _failed(report: RunReport) -> dict[str, str]:
    return {e.check: e.message for e in report.entries if e.status in ("failed", "error")}


def test_the_expectations_name_known_profiles_and_checks() -> None:
    from conformance.checks import REGISTRY

    for judged, row in EXPECTED.items():
        assert judged in NAMES
        for emulated, checks in row.items():
            assert emulated in NAMES
            assert emulated != judged
            assert set(checks) <= set(REGISTRY)
            assert all(isinstance(why, str) and why for why in checks.values())


@pytest.mark.parametrize("emulated", NAMES)
@pytest.mark.parametrize("judged", NAMES)
def test_a_profile_against_an_emulation_reports_the_documented_differences(
    emulations: dict[str, str], judged: str, emulated: str
) -> None:
    report = _judge(judged, emulations[emulated], emulated, generated=False)
    expected = EXPECTED.get(judged, {}).get(emulated, {})
    failed = _failed(report)
    assert set(failed) == set(expected), failed
    assert report.conformant == all(
        e.level != "MUST" for e in report.entries if e.check in expected
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_emulation_is_conformant_to_its_own_profile(
    emulations: dict[str, str], name: str
) -> None:
    report = _judge(name, emulations[name], name, generated=True)
    assert _failed(report) == {}
    assert report.conformant
    assert report.count("passed") >= 30
