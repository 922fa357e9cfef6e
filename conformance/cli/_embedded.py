"""What a run against the embedded reference router adds: scenarios that use its test headers.

Nothing in a generic target induces a 429, a mid-stream error or a choice broken off upstream on
demand, so against a remote target the checks of those answers (``errors.retry_after``,
``stream.error_event``, and the schema of a failed choice) judge only what happens to come back.
The reference router produces them when asked by a header (see :mod:`conformance.reference`), so
the embedded run judges them every time.
"""

from __future__ import annotations

from conformance.contract import Profile
from conformance.live import Probe, Scenario, ask
from conformance.reference import CHOICE_ERROR_HEADER, STREAM_ERROR_HEADER, THROTTLE_HEADER

EMBEDDED_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "reference.throttled",
        "a throttled request: 429 with Retry-After, in the error envelope",
        # Not retried: the 429 itself is what is judged.
        lambda model: Probe(ask(model), retry=False, headers={THROTTLE_HEADER: "1"}),
    ),
    Scenario(
        "reference.stream_error",
        "a stream that fails after two chunks: an error event, then the end",
        lambda model: Probe(ask(model, stream=True), headers={STREAM_ERROR_HEADER: "2"}),
    ),
)

#: Sent only under a profile whose page documents a choice ending with finish_reason "error"
#: and an error object (anyrouter, openrouter): the reference router ignores the header otherwise.
BROKEN_OFF_CHOICE: Scenario = Scenario(
    "reference.choice_error",
    'a choice that breaks off upstream: finish_reason "error" and an error object',
    lambda model: Probe(ask(model), headers={CHOICE_ERROR_HEADER: "1"}),
)


def embedded_scenarios(profile: Profile) -> tuple[Scenario, ...]:
    """The scenarios a run against the reference router emulating ``profile`` adds."""
    if profile.error_finish_reason:
        return (*EMBEDDED_SCENARIOS, BROKEN_OFF_CHOICE)
    return EMBEDDED_SCENARIOS
