"""The catalogue of hostile servers (tests/hostile.py) does what each entry says, seen through a
plain httpx client: these servers are what bounded-client tests stand on."""

from __future__ import annotations

import json
import socket
import threading
import zlib
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hostile import BEHAVIOURS, serve_hostile

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
STREAM = {**CHAT, "stream": True}
QUICK = httpx.Timeout(5.0, read=1.0)


def _port(base_url: str) -> int:
    port = urlsplit(base_url).port
    assert port is not None
    return port


def _data(line: str) -> dict[str, Any]:
    assert line.startswith("data: "), line
    value = json.loads(line.removeprefix("data: "))
    assert isinstance(value, dict)
    return value


def _assert_chunk(value: dict[str, Any]) -> None:
    assert value["object"] == "chat.completion.chunk"
    assert isinstance(value["created"], int)
    assert value["model"] == "m"
    assert value["id"]
    for choice in value["choices"]:
        assert isinstance(choice["index"], int)
        assert isinstance(choice["delta"], dict)


@pytest.mark.parametrize("name", sorted(BEHAVIOURS))
def test_every_behaviour_lists_the_model_and_stops_cleanly(name: str) -> None:
    assert BEHAVIOURS[name].description
    with serve_hostile(name) as server:
        assert str(server) == server.base_url
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.base_url.endswith("/v1")
        models = httpx.get(f"{server}/models", timeout=QUICK)
        assert models.status_code == 200
        assert [entry["id"] for entry in models.json()["data"]] == ["m"]
        port = _port(server.base_url)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert not [t for t in threading.enumerate() if t.name == "hostile-server"]


def test_endless_stream_sends_chunks_and_no_done() -> None:
    with (
        serve_hostile("endless-stream") as server,
        httpx.Client(timeout=QUICK) as client,
        client.stream("POST", f"{server}/chat/completions", json=STREAM) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        events = []
        for line in response.iter_lines():
            if line:
                events.append(line)
            if len(events) == 5:
                break
    assert "data: [DONE]" not in events
    for line in events:
        _assert_chunk(_data(line))


def test_slowloris_promises_a_body_it_trickles() -> None:
    with (
        serve_hostile("slowloris") as server,
        httpx.Client(timeout=httpx.Timeout(5.0, read=0.3)) as client,  # it sends a byte a second
        client.stream("POST", f"{server}/chat/completions", json=CHAT) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-length"] == "100000"
        received: list[bytes] = []
        with pytest.raises(httpx.ReadTimeout):
            received.extend(response.iter_raw())
    assert b"".join(received) == b"{"


def test_retry_after_3600_is_a_429_with_a_long_wait() -> None:
    with serve_hostile("retry-after-3600") as server:
        response = httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3600"
    assert response.json()["error"]["type"] == "rate_limit"


def test_big_body_announces_a_gibibyte_of_spaces() -> None:
    with (
        serve_hostile("big-body") as server,
        httpx.Client(timeout=QUICK) as client,
        client.stream("POST", f"{server}/chat/completions", json=CHAT) as response,
    ):
        assert response.headers["content-length"] == str(1 << 30)
        received = 0
        for block in response.iter_raw():
            assert block.strip() == b""
            received += len(block)
            if received >= 1 << 20:
                break
    assert received >= 1 << 20


def test_gzip_bomb_is_small_on_the_wire_and_expands_to_spaces() -> None:
    with (
        serve_hostile("gzip-bomb") as server,
        httpx.Client(timeout=QUICK) as client,
        client.stream("POST", f"{server}/chat/completions", json=CHAT) as response,
    ):
        assert response.headers["content-encoding"] == "gzip"
        assert int(response.headers["content-length"]) < 2_000_000
        first = next(response.iter_raw())
    expanded = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(first, 1 << 20)
    assert len(expanded) == 1 << 20
    assert expanded.strip() == b""


def test_invalid_gzip_is_not_gzip() -> None:
    with serve_hostile("invalid-gzip") as server, pytest.raises(httpx.DecodingError):
        httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)


def test_chunked_error_breaks_the_chunk_framing() -> None:
    with (
        serve_hostile("chunked-error") as server,
        pytest.raises(httpx.RemoteProtocolError, match="chunk"),
    ):
        httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)


def test_never_answers_leaves_the_client_waiting() -> None:
    timeout = httpx.Timeout(5.0, read=0.5)
    with serve_hostile("never-answers") as server, pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server}/chat/completions", json=CHAT, timeout=timeout)


def test_html_200_is_a_web_page() -> None:
    with serve_hostile("html-200") as server:
        response = httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!doctype html>")


def test_reset_after_two_chunks() -> None:
    events: list[str] = []
    with (
        serve_hostile("reset-after-two-chunks") as server,
        httpx.Client(timeout=QUICK) as client,
        client.stream("POST", f"{server}/chat/completions", json=STREAM) as response,
    ):
        assert response.status_code == 200
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            events.extend(line for line in response.iter_lines() if line)
    assert len(events) == 2
    for line in events:
        _assert_chunk(_data(line))


def test_many_events_is_a_long_conformant_stream() -> None:
    body = {**STREAM, "stream_options": {"include_usage": True}}
    with (
        serve_hostile("many-events") as server,
        httpx.Client(timeout=QUICK) as client,
        client.stream("POST", f"{server}/chat/completions", json=body) as response,
    ):
        assert response.headers["content-type"] == "text/event-stream"
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [_data(line) for line in lines[:-1]]
    *content, usage = chunks
    assert len(content) == 50_000
    for value in content:
        _assert_chunk(value)
        assert value["usage"] is None
    assert {value["id"] for value in chunks} == {content[0]["id"]}
    assert content[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    finished = [value["choices"][0]["finish_reason"] for value in content]
    assert finished[-1] == "stop"
    assert set(finished[:-1]) == {None}
    assert usage["choices"] == []
    assert usage["usage"]["total_tokens"] == 1


def test_many_events_answers_a_plain_request_with_a_completion() -> None:
    with serve_hostile("many-events") as server:
        response = httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)
    completion = response.json()
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["role"] == "assistant"
    assert completion["choices"][0]["finish_reason"] == "stop"


def test_http10_no_length_ends_the_body_by_closing() -> None:
    with serve_hostile("http10-no-length") as server:
        response = httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)
    assert response.http_version == "HTTP/1.0"
    assert "content-length" not in response.headers
    assert response.json()["object"] == "chat.completion"


def test_bad_utf8_is_not_utf8() -> None:
    with serve_hostile("bad-utf8") as server:
        response = httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)
    assert response.status_code == 200
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


def test_huge_headers_sends_two_hundred_long_headers() -> None:
    with serve_hostile("huge-headers") as server:
        request = (
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        )
        received = b""
        with socket.create_connection(("127.0.0.1", _port(server.base_url)), timeout=5) as sock:
            sock.sendall(request)
            while block := sock.recv(1 << 16):
                received += block
    head, _, body = received.partition(b"\r\n\r\n")
    padding = [line for line in head.split(b"\r\n") if line.startswith(b"X-Pad-")]
    assert len(padding) == 200
    assert all(len(line.partition(b": ")[2]) == 1000 for line in padding)
    assert json.loads(body)["object"] == "chat.completion"


def test_oversized_json_is_valid_and_larger_than_nine_mebibytes() -> None:
    with serve_hostile("oversized-json") as server:
        response = httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)
    assert len(response.content) > 9 << 20
    assert response.json()["object"] == "chat.completion"


def test_redirect_elsewhere_is_not_followed_by_default() -> None:
    with serve_hostile("redirect-elsewhere") as server:
        response = httpx.post(f"{server}/chat/completions", json=CHAT, timeout=QUICK)
        assert response.status_code == 307
        location = urlsplit(response.headers["location"])
        assert location.hostname == "localhost"
        assert location.port != _port(server.base_url)
        assert not server.redirect_reached.is_set()


def test_redirect_elsewhere_sees_a_client_that_follows() -> None:
    with serve_hostile("redirect-elsewhere") as server:
        response = httpx.post(
            f"{server}/chat/completions", json=CHAT, timeout=QUICK, follow_redirects=True
        )
        assert response.status_code == 200
        assert server.redirect_reached.is_set()
