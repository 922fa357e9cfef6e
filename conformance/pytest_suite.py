"""The suite's own tests, ready to import into a test module of yours::

    # tests/test_chat_conformance.py
    from conformance.pytest_suite import test_generated, test_scenario  # noqa: F401

- :func:`test_scenario` is one test per targeted scenario of ``conformance run``, with the
  scenario's name as its id (``test_scenario[stream.include_usage]``), so ``pytest -k stream``
  selects the streamed ones;
- :func:`test_generated` is one Hypothesis test per kind of generated request:
  ``generated.valid``, ``generated.valid.stream`` and ``generated.invalid`` (one constraint of
  the request schema broken), seeded with the session's seed.

Both send to the session's target (``conformance_target``: an embedded reference router, a URL,
or an ASGI app in process) and judge each answer with ``assert_conformant``, so options, ini
keys and the ``conformance`` marker apply as they do to your own tests. A scenario whose
feature the target refuses cleanly (a 4xx in the error envelope) is skipped with what the target
answered, as ``conformance run`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pytest

from conformance.pytest_plugin import AssertConformant, Generation, Target

if TYPE_CHECKING:
    from conformance.contract import Profile
    from conformance.live import Client, Scenario

__all__ = ["test_generated", "test_scenario"]


#: Requests per kind of generated request (Hypothesis examples), as ``conformance run`` sends.
EXAMPLES: Final = 25


def test_scenario(
    conformance_scenario: Scenario,
    conformance_target: Target,
    conformance_client: Client,
    conformance_model: str,
    conformance_profile: Profile,
    assert_conformant: AssertConformant,
) -> None:
    """One targeted scenario of ``conformance run``, sent to the target and judged; a two-turn
    scenario's second turn too, built from the first turn's answer."""
    from conformance.base import NotApplicable
    from conformance.checks import refused
    from conformance.live import as_sent

    scenario = conformance_scenario
    if scenario.needs_key and conformance_target.api_key_env is None:
        pytest.skip("judges authentication: give the key's variable (--conformance-api-key-env)")
    probe = scenario.build(conformance_model)
    exchange = conformance_client.probe(probe, label=scenario.name)
    answered = refused(exchange, conformance_profile) if scenario.feature else None
    if answered is not None:
        pytest.skip(f"the target does not offer {scenario.feature}: it answered {answered}")
    assert_conformant(exchange)
    if scenario.follow_up is None:
        return
    try:
        second = scenario.follow_up(conformance_model, exchange)
    except NotApplicable as skip:
        pytest.skip(f"turn 2 not sent: {skip.reason}")
    # No refusal skip here: the first turn showed the target offers the feature.
    label = f"{scenario.name} (turn 2)"
    assert_conformant(as_sent(second, conformance_client.probe(second, label=label)))


def test_generated(
    conformance_generation: Generation,
    conformance_client: Client,
    conformance_model: str,
    conformance_profile: Profile,
    conformance_seed: int,
    assert_conformant: AssertConformant,
) -> None:
    """Requests drawn from the profile's request schema, each sent and judged. No shrinking: a
    smaller failing request costs requests, and Hypothesis prints the one that failed."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from conformance.generate import invalid_requests, valid_requests

    kind = conformance_generation
    profile, model = conformance_profile, conformance_model
    if kind.valid:
        bodies = valid_requests(profile, model=model, stream=kind.stream)
    else:
        bodies = invalid_requests(profile, model=model).map(lambda case: case.request)

    @seed(conformance_seed)
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(bodies)
    def judged(body: dict[str, Any]) -> None:
        assert_conformant(conformance_client.send(body, label=kind.id))

    judged()
