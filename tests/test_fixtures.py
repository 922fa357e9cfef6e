"""Data-driven: every recorded exchange trips exactly the checks it names.

Good fixtures (fixtures/good) trip nothing; bad ones (fixtures/bad) name the checks they must
trip in ``expect``; together they trip every registered check at least once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_files import BAD, FIXTURES, GOOD, fixture_id

from conformance.checks import REGISTRY
from conformance.exchange._fixtures import FIXTURE_SUFFIXES, load_fixture
from conformance.live._validate import judge


def _tripped(path: Path) -> set[str]:
    verdict = judge(load_fixture(path))
    errors = [f"{r.check}: {r.reason}" for r in verdict.results if r.status == "error"]
    assert not errors, f"checks crashed on {path}: {errors}"
    return {r.check for r in verdict.results if r.status == "failed"}


def test_fixtures_folder_found() -> None:
    assert GOOD, (
        f"no good fixtures under {FIXTURES}; set CONFORMANCE_FIXTURES to the fixtures folder"
    )
    assert BAD, f"no bad fixtures under {FIXTURES}"


@pytest.mark.parametrize("path", GOOD, ids=fixture_id)
def test_good_fixture_trips_nothing(path: Path) -> None:
    assert load_fixture(path).expect == frozenset(), "a good fixture names no check"
    assert _tripped(path) == set()


@pytest.mark.parametrize("path", BAD, ids=fixture_id)
def test_bad_fixture_trips_exactly_what_it_names(path: Path) -> None:
    fixture = load_fixture(path)
    assert fixture.expect, "a bad fixture names the checks it must trip"
    assert fixture.expect <= set(REGISTRY), (
        f"unknown check IDs: {sorted(fixture.expect - set(REGISTRY))}"
    )
    assert path.suffix in FIXTURE_SUFFIXES
    assert _tripped(path) == set(fixture.expect)


def test_every_check_is_tripped_by_some_bad_fixture() -> None:
    named = set().union(*(load_fixture(path).expect for path in BAD))
    assert set(REGISTRY) - named == set()
