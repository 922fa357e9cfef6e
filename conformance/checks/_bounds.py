"""How long a compliant answer to a request can be: what decides whether the suite's own caps
(events, bytes) say something about the target or only that the suite stopped reading.

A request's token cap (``max_completion_tokens`` or ``max_tokens``) bounds a compliant answer;
the bounds below are generous on purpose, since a finding must be true: a server may split a
token over several chunks, and ``logprobs`` with ``top_logprobs: 20`` puts about 1.5 KB of JSON
beside each token. Without a token cap, no length is owed, and no bound is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

# JSON that one completion token may carry, its log probabilities included.
_BYTES_PER_TOKEN: Final = 4096
# Room for the envelope around the tokens: ids, usage, a role chunk, keep-alive comments.
_ENVELOPE_BYTES: Final = 65_536
_ENVELOPE_EVENTS: Final = 64


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _token_cap(request: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """The request's token cap and number of choices; None when it sets no cap."""
    if request is None:
        return None
    caps = [_int(request.get(k)) for k in ("max_completion_tokens", "max_tokens")]
    cap = next((c for c in caps if c is not None), None)
    if cap is None or cap < 1:
        return None
    n = _int(request.get("n"))
    return cap, n if n is not None and n > 0 else 1


def compliant_events(request: Mapping[str, Any] | None) -> int | None:
    """About how many events a compliant stream answering ``request`` can carry: a token per
    chunk at most, four times over for servers that split tokens, per choice, plus the role,
    finish, usage and keep-alive events; None when the request sets no token cap."""
    capped = _token_cap(request)
    if capped is None:
        return None
    cap, choices = capped
    return choices * (4 * cap + 8) + _ENVELOPE_EVENTS


def compliant_bytes(request: Mapping[str, Any] | None) -> int | None:
    """About how many bytes a compliant non-streamed answer to ``request`` can carry; None
    when the request sets no token cap."""
    capped = _token_cap(request)
    if capped is None:
        return None
    cap, choices = capped
    return choices * cap * _BYTES_PER_TOKEN + _ENVELOPE_BYTES
