"""The invariants of the reference router, judged by whole runs (generated requests included):

- every fault is caught by every check it names, at every seed;
- no legal variant raises a MUST finding, at any seed;
- every profile is conformant against its own emulation, at every seed.

A run's targeted and coverage phases are the same at every seed; its random phase is not. The
default test run tries ``CONFORMANCE_SEEDS`` seeds (1); ``nox -s invariants`` tries ten.
"""

from __future__ import annotations

import os

import pytest

from conformance.cli._embedded import embedded_scenarios
from conformance.contract._profile import DEFAULT_PROFILE, load_profile, profile_names
from conformance.generate._coverage import coverage_plan
from conformance.live._run import RunOptions, run
from conformance.reference import FAULTS, MODEL_ID, VARIANTS, serve_in_thread
from conformance.report import RunReport

SEEDS = tuple(range(1, 1 + int(os.environ.get("CONFORMANCE_SEEDS", "1"))))
KEY = "sk-invariants-0123456789"


def _run(url: str, profile: str, seed: int) -> RunReport:
    chosen = load_profile(profile)
    options = RunOptions(
        base_url=url,
        profile=chosen,
        model=MODEL_ID,
        api_key=KEY,
        seed=seed,
        max_examples=10,
        extra_scenarios=embedded_scenarios(chosen),
    )
    return run(options, progress=lambda line: None)


def _failed(report: RunReport, *levels: str) -> dict[str, str]:
    return {
        e.check: e.message
        for e in report.entries
        if e.status in ("failed", "error") and (not levels or e.level in levels)
    }


@pytest.fixture(params=SEEDS, ids=lambda seed: f"seed{seed}")
def seed(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_every_fault_is_caught_by_the_checks_it_names(name: str, seed: int) -> None:
    with serve_in_thread(faults=[name], api_key=KEY) as url:
        report = _run(url, DEFAULT_PROFILE, seed)
    missed = set(FAULTS[name].trips) - set(_failed(report))
    assert not missed, f"{name} at seed {seed} was not caught by {sorted(missed)}"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_no_legal_variant_raises_a_must_finding(name: str, seed: int) -> None:
    profile = VARIANTS[name].profile or DEFAULT_PROFILE
    with serve_in_thread(variants=[name], profile=profile, api_key=KEY) as url:
        report = _run(url, profile, seed)
    assert _failed(report, "MUST") == {}
    assert report.complete, report.stopped


@pytest.mark.parametrize("profile", profile_names())
def test_every_profile_is_conformant_against_its_own_emulation(profile: str, seed: int) -> None:
    with serve_in_thread(profile=profile, api_key=KEY) as url:
        report = _run(url, profile, seed)
    assert _failed(report) == {}
    assert report.complete
    # Every core bound at least; the implemented platform parameters' as the budget allows.
    core = len(coverage_plan(load_profile(profile), MODEL_ID).bounds)
    bounds, covered = report.coverage
    assert core <= covered <= bounds
