"""What a run against the embedded reference router adds: scenarios that use its test headers.

Nothing in a generic target induces a 429 or a mid-stream error on demand, so against a remote
target the checks of those answers (``errors.retry_after``, ``stream.error_event``) judge only
what happens to come back. The reference router produces both when asked by a header (see
:mod:`conformance.reference`), so the embedded run judges them every time.
"""

from __future__ import annotations

from conformance._scenarios import Probe, Scenario, ask
from conformance.reference import STREAM_ERROR_HEADER, THROTTLE_HEADER

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
