"""jsonschema_rs (the hot path) and jsonschema (the explainer) agree on every fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixture_files import BAD, GOOD, fixture_id

from conformance.contract._profile import DEFAULT_PROFILE, load_profile
from conformance.contract._schemas import SchemaValidator
from conformance.exchange import NOT_JSON
from conformance.exchange._fixtures import load_fixture


def _judged(path: Path) -> Iterator[tuple[str, SchemaValidator, Any]]:
    """Every (where, validator, instance) pair the checks validate for this fixture."""
    fixture = load_fixture(path)
    profile = load_profile(fixture.profile or DEFAULT_PROFILE)
    exchange = fixture.exchange
    if exchange.request is not None:
        yield "request", profile.request, exchange.request
    if exchange.kind == "completion" and exchange.json is not NOT_JSON:
        yield "body", profile.response, exchange.json
    if exchange.kind == "error" and exchange.json is not NOT_JSON:
        yield "error", profile.error, exchange.json
        if profile.error_fields is not None:
            yield "error fields", profile.error_fields, exchange.json
    if exchange.kind == "stream":
        for payload in exchange.transcript.chunks:
            yield payload.path, profile.chunk, payload.value


@pytest.mark.parametrize("path", GOOD + BAD, ids=fixture_id)
def test_engines_agree(path: Path) -> None:
    pairs = list(_judged(path))
    assert pairs, "the fixture gives the validators something to judge"
    for where, validator, instance in pairs:
        python_verdict = validator._python().is_valid(instance)
        assert validator.is_valid(instance) == python_verdict, (
            f"{validator.ref} disagrees at {where}"
        )
