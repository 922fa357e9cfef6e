"""A cap of the suite's own (events, bytes) is a finding about the target only when a compliant
answer to that request could not have reached it; otherwise the report says the suite stopped
reading there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from conformance.base._limits import Limits
from conformance.checks import run_checks
from conformance.cli import main
from conformance.contract._profile import load_profile
from conformance.exchange._exchange import Exchange
from conformance.exchange._fixtures import load_fixture
from conformance.exchange._sse import parse_event_stream

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


def test_a_long_stream_of_empty_deltas_is_not_blamed_on_the_target() -> None:
    # No clause bounds how many empty deltas a server sends: only output counts against the cap.
    empty = {**CHUNK, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": None}]}
    body = "".join(f"data: {json.dumps(empty)}\n\n" for _ in range(400)).encode()
    stream = parse_event_stream(body, max_events=300)
    exchange = Exchange(
        _ask(max_tokens=16), 200, {"content-type": "text/event-stream"}, body, stream
    )
    result = _terminator(exchange)
    assert result.status == "skipped"
    assert "--max-events raises it" in (result.reason or "")


def test_a_long_answer_the_request_allows_is_not_blamed_on_the_target() -> None:
    for request in (_ask(), _ask(max_tokens=4096)):
        result = _terminator(_cut_stream(request))
        assert result.status == "skipped"
        assert "the suite stopped reading at its events cap" in (result.reason or "")


COMPLETION = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "a"}, "finish_reason": "stop"}
    ],
}


def _cut_body(request: dict[str, Any], size: int = 300_000, cap: int = 200_000) -> Exchange:
    body = json.dumps({**COMPLETION, "padding": " " * size}).encode()
    return Exchange.from_http(
        request=request,
        status=200,
        headers={"content-type": "application/json"},
        body=body,
        limits=Limits(max_body_bytes=cap),
    )


def _schema(exchange: Exchange) -> Any:
    (result,) = [r for r in run_checks(exchange, load_profile()) if r.check == "response.schema"]
    return result


def test_a_body_past_the_byte_cap_of_a_small_request_is_a_finding() -> None:
    exchange = _cut_body({**_ask(max_tokens=16), "stream": False})
    assert exchange.truncated_at == 200_000
    result = _schema(exchange)
    assert result.status == "failed"
    assert "past the suite's byte cap (200000 bytes)" in result.failures[0].message


def test_a_long_body_the_request_allows_is_skipped_with_the_reason() -> None:
    for request in ({**_ask(), "stream": False}, {**_ask(max_tokens=4096), "stream": False}):
        result = _schema(_cut_body(request))
        assert result.status == "skipped"
        assert "stopped reading the body at its byte cap (200000 bytes" in (result.reason or "")


def test_a_body_within_the_cap_is_read_whole() -> None:
    exchange = _cut_body({**_ask(max_tokens=16), "stream": False}, size=10, cap=200_000)
    assert exchange.truncated_at is None
    assert _schema(exchange).status == "passed"


def test_validate_reads_within_caps_an_option_sets(tmp_path: Path) -> None:
    # A conformant stream of 62 events: read whole within the default caps (the live client's
    # own), cut with --max-events 50, and then the checks that needed the rest are skipped.
    events = [CHUNK] * 60 + [
        {**CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        "[DONE]",
    ]
    path = tmp_path / "long.yaml"
    path.write_text(
        json.dumps(
            {
                "request": _ask(),
                "response": {
                    "status": 200,
                    "headers": {"content-type": "text/event-stream"},
                    "events": events,
                },
            }
        )
    )
    assert load_fixture(path).exchange.transcript.stream.cut_off is None
    assert load_fixture(path, Limits(max_events=50)).exchange.transcript.stream.cut_off == "events"
    whole = CliRunner().invoke(main, ["validate", str(path)])
    cut = CliRunner().invoke(main, ["validate", str(path), "--max-events", "50"])
    assert whole.exit_code == cut.exit_code == 0, (whole.output, cut.output)
    assert _skipped(cut.output) > _skipped(whole.output)


def _skipped(output: str) -> int:
    return int(output.split(" failed, ")[1].split(" skipped")[0])
