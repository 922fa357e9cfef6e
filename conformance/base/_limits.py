"""The suite's own caps on one exchange: the single place their defaults live.

The live client reads within them, and ``conformance validate`` parses recorded exchanges within
the same ones, so a stream judged live and the same bytes judged offline meet the same caps.
Both commands let a user raise them (``--max-body-bytes``, ``--max-events``; ``run`` also takes
``--exchange-timeout`` and ``--read-timeout``).

Why these figures: each event of a chat stream costs about 2 KB once parsed and classified, so
10,000 events (a 16-token answer needs fewer than 100) stay near 20 MB, and the four exchanges a
run has in flight stay well under 200 MB together; 8 MiB is far more than a non-streamed answer
to the suite's small requests carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MAX_BODY_BYTES: Final = 8 * 1024 * 1024
MAX_EVENTS: Final = 10_000


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one exchange: timeouts in seconds, sizes in bytes (after decompression)."""

    connect_s: float = 10.0
    read_s: float = 60.0  # between two reads of the body
    total_s: float = 120.0  # for the whole exchange, stream included
    max_body_bytes: int = MAX_BODY_BYTES
    max_events: int = MAX_EVENTS


DEFAULT_LIMITS: Final = Limits()
