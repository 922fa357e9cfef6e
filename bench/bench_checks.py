"""Time the suite's judging work beside plain jsonschema and httpx-sse.

1. All response checks on a ~1 KB chat.completion, JSON parse included, against the same body
   parsed with json.loads and validated by a compiled jsonschema Draft 2020-12 validator.
2. A 500-chunk stream parsed, validated and checked across chunks, against httpx-sse (over an
   httpx.Client with a MockTransport, one read per event) with json.loads and jsonschema per chunk.

Variants run interleaved in one process, rounds rotated; figures are medians of process CPU time.
Run: ``nox -s bench`` or ``python bench/bench_checks.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import httpx_sse
import jsonschema
import referencing

from conformance.checks import run_checks
from conformance.contract._profile import load_profile
from conformance.contract._schema_store import load_schema, schema_names
from conformance.exchange._exchange import Exchange
from conformance.exchange._sse import EventStreamParser

REQUEST: dict[str, Any] = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "What's the weather in Boston?"}],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_current_weather",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
            },
        }
    ],
    "max_tokens": 200,
}

RESPONSE: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Let me look that up for you. " * 12,
                "refusal": None,
                "annotations": [],
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{"location": "Boston, MA"}',
                        },
                    }
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 82,
        "completion_tokens": 117,
        "total_tokens": 199,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
}

BODY = json.dumps(RESPONSE, separators=(",", ":")).encode()
HEADERS = {"content-type": "application/json"}


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stream1",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
        **extra,
    }


def stream_events() -> list[bytes]:
    """A 500-chunk stream: role, 497 content deltas, finish, usage; then [DONE]."""
    chunks = [_chunk({"role": "assistant", "content": ""})]
    chunks += [_chunk({"content": f" token{i} " + "x" * 150}) for i in range(497)]
    chunks.append(_chunk({}, "stop"))
    usage = {"prompt_tokens": 9, "completion_tokens": 497, "total_tokens": 506}
    chunks.append({**_chunk({}), "choices": [], "usage": usage})
    events = [f"data: {json.dumps(c, separators=(',', ':'))}\n\n".encode() for c in chunks]
    return [*events, b"data: [DONE]\n\n"]


EVENTS = stream_events()
STREAM_BODY = b"".join(EVENTS)
STREAM_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Hi"}],
    "stream": True,
    "stream_options": {"include_usage": True},
}
STREAM_HEADERS = {"content-type": "text/event-stream"}

PROFILE = load_profile()


def _jsonschema_validator(name: str) -> jsonschema.protocols.Validator:
    resources = [
        (s["$id"], referencing.Resource.from_contents(s)) for s in map(load_schema, schema_names())
    ]
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(resources)
    return jsonschema.Draft202012Validator(load_schema(name), registry=registry)


RESPONSE_JS = _jsonschema_validator("response.json")
CHUNK_JS = _jsonschema_validator("chunk.json")


def ours_response() -> None:
    exchange = Exchange.from_http(request=REQUEST, status=200, headers=HEADERS, body=BODY)
    results = run_checks(exchange, PROFILE)
    assert all(r.status in ("passed", "skipped") for r in results), results


def baseline_response() -> None:
    assert RESPONSE_JS.is_valid(json.loads(BODY))


def ours_stream() -> None:
    parser = EventStreamParser()
    for event in EVENTS:  # one read per event, as off a socket
        parser.feed(event)
    exchange = Exchange(STREAM_REQUEST, 200, STREAM_HEADERS, STREAM_BODY, parser.close())
    results = run_checks(exchange, PROFILE)
    assert all(r.status in ("passed", "skipped") for r in results), results


class _PerEvent(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield from EVENTS


CLIENT = httpx.Client(
    transport=httpx.MockTransport(
        lambda request: httpx.Response(200, headers=STREAM_HEADERS, stream=_PerEvent())
    )
)


def baseline_stream() -> None:
    with httpx_sse.connect_sse(CLIENT, "POST", "http://127.0.0.1/v1/chat/completions") as source:
        for sse in source.iter_sse():
            if sse.data == "[DONE]":
                break
            assert CHUNK_JS.is_valid(json.loads(sse.data))


def measure(variants: dict[str, tuple[Callable[[], None], int]], rounds: int) -> dict[str, float]:
    """Median CPU seconds per call of each (variant, calls per sample), interleaved and rotated."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for variant, _ in variants.values():
        variant()  # warm up: compile schemas, fill caches
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            variant, repeat = variants[name]
            start = time.process_time()
            for _ in range(repeat):
                variant()
            samples[name].append((time.process_time() - start) / repeat)
    return {name: statistics.median(values) for name, values in samples.items()}


# The machine reference: sum(range(10**6)) took 10.6 ms on the quiet host the baselines were
# measured on. Timing it in the same rounds lets a reader scale the figures of a contended run
# to that baseline.
REFERENCE_MS = 10.6


def machine_reference() -> None:
    sum(range(10**6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    print(
        f"response body: {len(BODY)} bytes; "
        f"stream: {len(EVENTS) - 1} chunks, {len(STREAM_BODY)} bytes"
    )
    median = measure(
        {
            "response, ours: parse + all checks": (ours_response, 1000),
            "response, json.loads + jsonschema": (baseline_response, 200),
            "stream, ours: parse + all checks": (ours_stream, 5),
            "stream, httpx-sse + json.loads + jsonschema": (baseline_stream, 1),
            "machine reference, sum(range(10**6))": (machine_reference, 3),
        },
        args.rounds,
    )
    for name, seconds in median.items():
        print(f"  {name:<48} {seconds * 1e6:10.1f} µs")
    scale = REFERENCE_MS / (median["machine reference, sum(range(10**6))"] * 1e3)
    print(
        f"scaled to the quiet reference host ({REFERENCE_MS} ms): "
        f"response {median['response, ours: parse + all checks'] * 1e6 * scale:.1f} µs, "
        f"stream {median['stream, ours: parse + all checks'] * 1e3 * scale:.2f} ms"
    )


if __name__ == "__main__":
    main()
