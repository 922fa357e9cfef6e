"""A cap of the suite's own (events, bytes) is a finding about the target only when a compliant
answer to that request could not have reached it; otherwise the report says the suite stopped
reading there."""

from __future__ import annotations

import json
from typing import Any

from conformance._exchange import Exchange
from conformance._profile import load_profile
from conformance._sse import parse_event_stream
from conformance.checks import run_checks

CHUNK = {
    "id": "c",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None}],
}


def _cut_stream(request: dict[str, Any], events: int = 400, cap: int = 300) -> Exchange:
    body = "".join(f"data: {json.dumps(CHUNK)}\n\n" for _ in range(events)).encode()
    stream = parse_event_stream(body, max_events=cap)
    assert stream.cut_off == "events"
    return Exchange(request, 200, {"content-type": "text/event-stream"}, body, stream)


def _terminator(exchange: Exchange) -> Any:
    (result,) = [r for r in run_checks(exchange, load_profile()) if r.check == "stream.terminator"]
    return result


def _ask(**params: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True, **params}


def test_a_capped_request_answered_past_the_cap_is_a_finding() -> None:
    result = _terminator(_cut_stream(_ask(max_tokens=16)))
    assert result.status == "failed"
    assert "though the request allows about 136 events" in result.failures[0].message


def test_a_long_answer_the_request_allows_is_not_blamed_on_the_target() -> None:
    for request in (_ask(), _ask(max_tokens=4096)):
        result = _terminator(_cut_stream(request))
        assert result.status == "skipped"
        assert "the suite stopped reading at its events cap" in (result.reason or "")
