"""A catalogue of small misbehaving HTTP servers on 127.0.0.1, for end-to-end tests of a client
that must end in bounded time and memory whatever the server does.

Each behaviour answers every request hostilely (an endless stream, a body that trickles, a gzip
bomb, a reset, malformed HTTP, …), except ``GET /v1/models``, which lists the one model ``m``.
The servers speak raw bytes over ``asyncio`` streams, not through an HTTP framework, because many
behaviours send what no framework would let them send.

API::

    from hostile import BEHAVIOURS, serve_hostile

    for name, behaviour in BEHAVIOURS.items():
        print(name, behaviour.description)

    with serve_hostile("endless-stream") as server:
        server.base_url          # "http://127.0.0.1:PORT/v1"; str(server) is the same
        server.redirect_reached  # threading.Event: set once anything connects to the second
                                 # listener of "redirect-elsewhere" (never set for the others)

The server runs an event loop in a daemon thread; leaving the block cancels every connection,
closes every socket and joins the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

MODEL = "m"
MODELS_BODY = json.dumps(
    {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "x"}]}
).encode()

_HEAD_CAP = 64 * 1024  # a request head larger than this is dropped
_BODY_CAP = 16 * 1024 * 1024  # a request body larger than this is dropped


@dataclass(frozen=True)
class Request:
    """One request as read off the socket: its head, and the body its Content-Length announced."""

    method: str
    target: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, or an empty one when it is not."""
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def stream(self) -> bool:
        return self.json().get("stream") is True

    @property
    def model(self) -> str:
        model = self.json().get("model")
        return model if isinstance(model, str) else MODEL


@dataclass(frozen=True)
class Context:
    """What a behaviour may need besides the request: the port of the second listener."""

    redirect_port: int


Respond = Callable[[Request, asyncio.StreamWriter, Context], Awaitable[None]]


@dataclass(frozen=True)
class Behaviour:
    """A hostile way to answer: one line saying what it does, and the coroutine that does it."""

    description: str
    respond: Respond


@dataclass(frozen=True)
class HostileServer:
    """A running hostile server: where to send requests, and what the redirect target saw."""

    base_url: str
    redirect_reached: threading.Event = field(default_factory=threading.Event)

    def __str__(self) -> str:
        return self.base_url


# --- building blocks -------------------------------------------------------------------------


def head(status: str, headers: list[tuple[str, str]], version: str = "HTTP/1.1") -> bytes:
    lines = [f"{version} {status}", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def completion(model: str, content: str = "ok", n: int = 1) -> dict[str, Any]:
    """A valid ``chat.completion`` object."""
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": index,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
            for index in range(n)
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": n, "total_tokens": 1 + n},
    }


def chunk(
    model: str,
    delta: Mapping[str, Any],
    *,
    index: int = 0,
    finish_reason: str | None = None,
    created: int | None = None,
    usage: bool = False,
) -> dict[str, Any]:
    """A valid ``chat.completion.chunk`` object; ``usage=True`` adds ``"usage": null``, as every
    chunk but the last carries when the request asked for ``stream_options.include_usage``."""
    value: dict[str, Any] = {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "created": int(time.time()) if created is None else created,
        "model": model,
        "choices": [
            {"index": index, "delta": dict(delta), "logprobs": None, "finish_reason": finish_reason}
        ],
    }
    if usage:
        value["usage"] = None
    return value


def event(value: Mapping[str, Any]) -> bytes:
    return b"data: " + json.dumps(value, separators=(",", ":")).encode() + b"\n\n"


def _json_answer(status: str, body: bytes, extra: list[tuple[str, str]] | None = None) -> bytes:
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
        *(extra or []),
    ]
    return head(status, headers) + body


_SSE_HEAD = head(
    "200 OK",
    [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("Connection", "close")],
)

_GZIP_BOMB: bytes | None = None
_GZIP_BOMB_LOCK = threading.Lock()


def gzip_bomb() -> bytes:
    """A gzip stream of 1 GiB of spaces, about 1 MB; built once (a few seconds), then cached."""
    global _GZIP_BOMB
    with _GZIP_BOMB_LOCK:
        if _GZIP_BOMB is None:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
            block = b" " * (1 << 20)
            parts = [compressor.compress(block) for _ in range(1024)]
            parts.append(compressor.flush())
            _GZIP_BOMB = b"".join(parts)
        return _GZIP_BOMB


# --- behaviours ------------------------------------------------------------------------------


async def _endless_stream(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    if not request.stream:
        await _plain_completion(request, writer)
        return
    writer.write(_SSE_HEAD)
    model, created = request.model, int(time.time())  # one created for the whole stream
    writer.write(event(chunk(model, {"role": "assistant", "content": ""}, created=created)))
    while True:
        writer.write(event(chunk(model, {"content": "a"}, created=created)))
        await writer.drain()
        await asyncio.sleep(0.1)


async def _slowloris(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    length = 100_000
    document = json.dumps(completion(request.model)).encode()
    document += b" " * (length - len(document))
    writer.write(
        head(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(length)),
                ("Connection", "close"),
            ],
        )
    )
    for position in range(length):
        writer.write(document[position : position + 1])
        await writer.drain()
        await asyncio.sleep(1)


async def _retry_after(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    body = json.dumps({"error": {"message": "slow down", "type": "rate_limit"}}).encode()
    writer.write(_json_answer("429 Too Many Requests", body, [("Retry-After", "3600")]))
    await writer.drain()


async def _big_body(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    total = 1 << 30
    writer.write(
        head(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(total)),
                ("Connection", "close"),
            ],
        )
    )
    block = b" " * (64 * 1024)
    for _ in range(total // len(block)):
        writer.write(block)
        await writer.drain()  # raises once the client has gone: the connection ends quietly


async def _gzip_bomb(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    body = gzip_bomb()
    writer.write(_json_answer("200 OK", body, [("Content-Encoding", "gzip")]))
    await writer.drain()


async def _invalid_gzip(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    body = b"this is not gzip at all \x00\x01\x02\x03" * 8
    writer.write(_json_answer("200 OK", body, [("Content-Encoding", "gzip")]))
    await writer.drain()


async def _chunked_error(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    piece = json.dumps(completion(request.model)).encode()[:20]
    writer.write(
        head(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Transfer-Encoding", "chunked"),
                ("Connection", "close"),
            ],
        )
    )
    writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    writer.write(b"zz\r\n" + b"not a chunk\r\n")
    await writer.drain()


async def _never_answers(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    await asyncio.Event().wait()  # until the server stops and cancels this connection


async def _html(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    body = b"<!doctype html><html><head><title>Welcome</title></head><body>It works!</body></html>"
    writer.write(
        head(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ],
        )
        + body
    )
    await writer.drain()


async def _reset_after_two_chunks(
    request: Request, writer: asyncio.StreamWriter, context: Context
) -> None:
    if not request.stream:
        await _plain_completion(request, writer)
        return
    model = request.model
    writer.write(_SSE_HEAD)
    writer.write(event(chunk(model, {"role": "assistant", "content": ""})))
    writer.write(event(chunk(model, {"content": "Hel"})))
    await writer.drain()
    while writer.transport.get_write_buffer_size():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # let the client read the two chunks before the reset
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()  # with a zero linger, closing sends RST rather than FIN


def many_events(request: Request, count: int = 50_000) -> Iterator[bytes]:
    """A conformant stream of ``count`` chunks then ``[DONE]``, in batches of many events."""
    body = request.json()
    model = request.model
    created = int(time.time())
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    n = body.get("n")
    choices = n if isinstance(n, int) and 1 <= n <= 8 else 1
    batch: list[bytes] = []

    def add(delta: Mapping[str, Any], index: int = 0, finish: str | None = None) -> None:
        value = chunk(
            model, delta, index=index, finish_reason=finish, created=created, usage=include_usage
        )
        batch.append(event(value))

    for index in range(choices):
        add({"role": "assistant", "content": ""}, index)
    for _ in range(count - 2 * choices):
        add({"content": ""})
        if len(batch) >= 2000:
            yield b"".join(batch)
            batch.clear()
    for index in range(choices):
        add({"content": ""}, index, "stop")
    if include_usage:
        usage = {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1}
        final = {
            "id": "chatcmpl-hostile",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        batch.append(event(final))
    batch.append(b"data: [DONE]\n\n")
    yield b"".join(batch)


async def _plain_completion(request: Request, writer: asyncio.StreamWriter) -> None:
    """A valid answer to a request that does not ask for a stream (for the stream behaviours,
    so that a run reaches its stream scenarios)."""
    n = request.json().get("n")
    choices = n if isinstance(n, int) and 1 <= n <= 8 else 1
    body = json.dumps(completion(request.model, n=choices)).encode()
    writer.write(_json_answer("200 OK", body))
    await writer.drain()


async def _many_events(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    if not request.stream:
        await _plain_completion(request, writer)
        return
    writer.write(_SSE_HEAD)
    for batch in many_events(request):
        writer.write(batch)
        await writer.drain()


async def _http10_no_length(
    request: Request, writer: asyncio.StreamWriter, context: Context
) -> None:
    body = json.dumps(completion(request.model)).encode()
    writer.write(head("200 OK", [("Content-Type", "application/json")], "HTTP/1.0") + body)
    await writer.drain()


async def _bad_utf8(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    writer.write(_json_answer("200 OK", b'{"id":"\xff\xfe"}'))
    await writer.drain()


async def _padded(request: Request, writer: asyncio.StreamWriter, headers: int) -> None:
    body = json.dumps(completion(request.model)).encode()
    padding = [(f"X-Pad-{number}", "p" * 1000) for number in range(headers)]
    writer.write(_json_answer("200 OK", body, padding))
    await writer.drain()


async def _large_headers(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    await _padded(request, writer, 80)  # about 80 KB: within what HTTP clients read


async def _huge_headers(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    await _padded(request, writer, 200)  # about 200 KB: past what httpx/httpcore reads (100 KiB)


async def _oversized_json(request: Request, writer: asyncio.StreamWriter, context: Context) -> None:
    # Past the suite's 8 MiB body cap, yet a valid JSON document from end to end.
    content = "a" * (9 << 20)
    writer.write(_json_answer("200 OK", json.dumps(completion(request.model, content)).encode()))
    await writer.drain()


async def _redirect_elsewhere(
    request: Request, writer: asyncio.StreamWriter, context: Context
) -> None:
    location = f"http://localhost:{context.redirect_port}/v1/chat/completions"
    body = b'{"error":{"message":"moved","type":"redirect"}}'
    writer.write(_json_answer("307 Temporary Redirect", body, [("Location", location)]))
    await writer.drain()


BEHAVIOURS: Mapping[str, Behaviour] = MappingProxyType(
    {
        "endless-stream": Behaviour(
            "a stream: a valid chunk every 100 ms, never [DONE], never closes (a plain "
            "completion when not streamed)",
            _endless_stream,
        ),
        "slowloris": Behaviour(
            "200 application/json with Content-Length 100000, then one byte a second",
            _slowloris,
        ),
        "retry-after-3600": Behaviour(
            "429 rate_limit error on every request, with Retry-After: 3600", _retry_after
        ),
        "big-body": Behaviour(
            "200 application/json, Content-Length 1 GiB, spaces in 64 KiB blocks", _big_body
        ),
        "gzip-bomb": Behaviour(
            "200 application/json, Content-Encoding gzip: ~1 MB that expands to 1 GiB of spaces",
            _gzip_bomb,
        ),
        "invalid-gzip": Behaviour(
            "200 application/json, Content-Encoding gzip, a body that is not gzip", _invalid_gzip
        ),
        "chunked-error": Behaviour(
            "200 chunked application/json: one valid chunk, then a malformed chunk-size line",
            _chunked_error,
        ),
        "never-answers": Behaviour(
            "reads the request, writes nothing, holds the connection open until stopped",
            _never_answers,
        ),
        "html-200": Behaviour("200 text/html: a small web page instead of JSON", _html),
        "reset-after-two-chunks": Behaviour(
            "a stream: two valid chunks, then a TCP reset (SO_LINGER 0) (a plain completion "
            "when not streamed)",
            _reset_after_two_chunks,
        ),
        "many-events": Behaviour(
            "conformant: 50,000 valid chunks then [DONE] (a plain completion when not streamed)",
            _many_events,
        ),
        "http10-no-length": Behaviour(
            "HTTP/1.0 200 with no Content-Length: a valid completion ended by closing",
            _http10_no_length,
        ),
        "bad-utf8": Behaviour("200 application/json whose body is not UTF-8", _bad_utf8),
        "large-headers": Behaviour(
            "200 valid completion behind 80 headers of 1000 characters each", _large_headers
        ),
        "huge-headers": Behaviour(
            "200 valid completion behind 200 headers of 1000 characters each", _huge_headers
        ),
        "oversized-json": Behaviour(
            "200 valid chat.completion of about 9 MiB (its content is 9 MiB of 'a')",
            _oversized_json,
        ),
        "redirect-elsewhere": Behaviour(
            "307 to a second listener on localhost, which records whether anything reached it",
            _redirect_elsewhere,
        ),
    }
)


# --- the server ------------------------------------------------------------------------------


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on the connection, or None when it closed or sent nonsense."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        return None
    if not 0 <= length <= _BODY_CAP:
        return None
    try:
        body = await reader.readexactly(length)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return Request(parts[0], parts[1], MappingProxyType(headers), body)


class _Loop:
    """An event loop in a daemon thread, its listeners, and the connections they serve."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.tasks: set[asyncio.Task[None]] = set()
        self.servers: list[asyncio.Server] = []
        self.thread = threading.Thread(target=self._run, name="hostile-server", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def listen(self, handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]) -> int:
        """Start a listener on 127.0.0.1 and an ephemeral port; its port."""

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            try:
                await handle(reader, writer)
            except (ConnectionError, asyncio.CancelledError):
                writer.transport.abort()  # the client went away, or the server is stopping
            else:
                # A graceful close: the transport sends what is still buffered, then a FIN.
                # (An abort would drop that tail, and cut a close-delimited answer short
                # without a sign; the behaviours that want a reset abort themselves.)
                writer.close()
                with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                    await writer.wait_closed()
            finally:
                self.tasks.discard(task)

        async def start() -> int:
            server = await asyncio.start_server(serve, "127.0.0.1", 0, limit=_HEAD_CAP)
            self.servers.append(server)
            return int(server.sockets[0].getsockname()[1])

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=10)

    def stop(self) -> None:
        async def shutdown() -> None:
            for server in self.servers:
                server.close()
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            for server in self.servers:
                await server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.thread.is_alive():
            self.loop.close()


@contextlib.contextmanager
def serve_hostile(name: str) -> Iterator[HostileServer]:
    """Serve behaviour ``name`` of :data:`BEHAVIOURS` on 127.0.0.1 for the block's duration."""
    behaviour = BEHAVIOURS[name]
    if name == "gzip-bomb":
        gzip_bomb()  # built here, not on the event loop, where it would stall every connection
    reached = threading.Event()
    runner = _Loop()
    try:

        async def redirected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            reached.set()
            request = await read_request(reader)
            if request is not None:
                writer.write(_json_answer("200 OK", json.dumps(completion(MODEL)).encode()))
                await writer.drain()

        redirect_port = runner.listen(redirected) if name == "redirect-elsewhere" else 0
        context = Context(redirect_port)

        async def hostile(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                request = await read_request(reader)
                if request is None:
                    return
                if request.method == "GET" and request.path == "/v1/models":
                    length = str(len(MODELS_BODY))
                    headers = [("Content-Type", "application/json"), ("Content-Length", length)]
                    writer.write(head("200 OK", headers) + MODELS_BODY)
                    await writer.drain()
                    continue  # kept alive: the next request on it is answered too
                await behaviour.respond(request, writer, context)
                return

        port = runner.listen(hostile)
        yield HostileServer(f"http://127.0.0.1:{port}/v1", reached)
    finally:
        runner.stop()
