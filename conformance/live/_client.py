"""The HTTP client: bounded reads, Retry-After backoff, a request and token budget. It never judges.

Every read has a timeout and a size cap, and a stream is read through the strict SSE parser
with byte, event and time caps, so a hostile or broken target ends in a finding (a cut-off
transcript), never a hang. The API key goes into the Authorization header and nowhere else:
not into an exchange, a log line or an exception message.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from conformance.base import (
    DEFAULT_LIMITS,
    BudgetExhausted,
    DeadlineReached,
    Intent,
    Limits,
    TargetUnreachable,
    retry_after_seconds,
)
from conformance.exchange import (
    EventStreamParser,
    Exchange,
    Timing,
    expects_stream,
    request_bytes,
)
from conformance.live._decode import BadEncoding, decoded
from conformance.live._scenarios import Probe

# A key no target issues: what the bad-key scenario sends.
WRONG_KEY = "conformance-wrong-key-0000000000"


@dataclass(frozen=True, slots=True)
class Budget:
    """What a run may spend: requests sent and completion tokens reported."""

    max_requests: int = 150
    max_completion_tokens: int = 5_000


class Spend:
    """Counters of what a run spent; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def take_request(self, budget: Budget) -> None:
        with self._lock:
            if self.requests >= budget.max_requests:
                raise BudgetExhausted(f"the request budget ({budget.max_requests}) is spent")
            if self.completion_tokens >= budget.max_completion_tokens:
                raise BudgetExhausted(
                    f"the token budget ({budget.max_completion_tokens} completion tokens) is spent"
                )
            self.requests += 1

    def add_usage(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
        completion = usage.get("completion_tokens", usage.get("output_tokens"))
        with self._lock:
            if isinstance(prompt, int) and not isinstance(prompt, bool):
                self.prompt_tokens += max(prompt, 0)
            if isinstance(completion, int) and not isinstance(completion, bool):
                self.completion_tokens += max(completion, 0)


class Client:
    """Sends chat-completions requests to one target and returns normalized exchanges."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        budget: Budget = Budget(),
        spend: Spend | None = None,
        retries: int = 3,
        max_wait_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limits = limits
        self.budget = budget
        self.spend = spend if spend is not None else Spend()
        self._retries = retries
        self._max_wait_s = max_wait_s
        # The run's deadline (time.monotonic()), or None: no request starts after it, no read
        # waits past it, and a Retry-After that reaches past it is not waited for.
        self.deadline: float | None = None
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._transport = transport
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(limits.read_s, connect=limits.connect_s),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _time_left(self) -> float | None:
        """Seconds to the run's deadline (None: no deadline); past it, no request starts."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineReached("the run's deadline (--max-time) is reached")
        return left

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def models(self) -> list[str]:
        """The model ids that ``GET …/models`` lists, in its order."""
        exchange = self.send(None, method="GET", url=f"{self.base_url}/models", retry=True)
        if exchange.kind == "no_answer":
            raise TargetUnreachable(f"GET {self.base_url}/models: {exchange.transport_error}")
        body = exchange.json
        data = body.get("data") if isinstance(body, dict) else None
        if exchange.status != 200 or not isinstance(data, list):
            raise TargetUnreachable(f"GET {self.base_url}/models answered {exchange.status}")
        return [
            item["id"]
            for item in data
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]

    def probe(self, probe: Probe, *, label: str = "") -> Exchange:
        """Send a scenario's request as it was built: body, method, headers, credentials."""
        return self.send(
            probe.body,
            method=probe.method,
            headers=probe.headers,
            retry=probe.retry,
            label=label,
            auth=probe.auth,
            intent=probe.intent,
        )

    def chat(self, body: Mapping[str, Any], *, retry: bool = True, label: str = "") -> Exchange:
        """POST a request body to …/chat/completions."""
        return self.send(body, label=label, retry=retry)

    def send(
        self,
        body: Mapping[str, Any] | bytes | None,
        *,
        method: str = "POST",
        url: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        label: str = "",
        auth: Literal["key", "none", "bad"] = "key",
        intent: Intent | None = None,
    ) -> Exchange:
        """Send one request (retrying 429/503 when asked) and read the answer within limits.

        ``body`` is a JSON document, raw bytes (for malformed-JSON scenarios) or None; ``auth``
        sends the key, no key, or a wrong one; ``intent`` is recorded on the exchange.
        """

        def once(http: httpx.Client | None = None) -> Exchange:
            target = url or self.chat_url
            return self._once(body, method, target, headers, label, auth, intent, http=http)

        attempt = 0
        while True:
            exchange = once()
            if exchange.kind == "no_answer" and not _timed_out(exchange):
                # A timeout is not what a stale pooled connection looks like: no second wait.
                exchange = self._again_on_a_fresh_connection(exchange, once)
            if exchange.status == 402:
                raise BudgetExhausted("the target answered 402 Payment Required: out of credits")
            if not retry or exchange.status not in (429, 503) or attempt >= self._retries:
                return exchange
            self._sleep(self._backoff(exchange, attempt))
            attempt += 1

    def _backoff(self, exchange: Exchange, attempt: int) -> float:
        """How long to wait before retrying a 429/503: what its Retry-After asks, as long as
        the run's deadline allows (past it, the run stops and says so, rather than retry
        sooner than asked); without one, an exponential backoff."""
        asked = retry_after_seconds(exchange.headers.get("retry-after"))
        if asked is None:
            return min(2.0**attempt, self._max_wait_s)
        if self.deadline is None:
            return min(asked, self._max_wait_s)
        left = self.deadline - time.monotonic()
        if asked > left:
            raise DeadlineReached(
                f"the target asked to wait {asked:g} s before a retry ({exchange.status}), "
                f"past the run's deadline (--max-time; {max(left, 0):.0f} s were left)"
            )
        return asked

    def _again_on_a_fresh_connection(
        self, first: Exchange, once: Callable[[httpx.Client], Exchange]
    ) -> Exchange:
        """Send once more, on a connection of its own, a request that got no answer at all.

        A server may close a kept-alive connection at any time (RFC 9112 §9.5), and one that
        closes after an error without saying ``Connection: close`` fails the next request sent
        on that pooled connection: one fresh attempt tells a dropped connection from a target
        that cannot answer this request. The exchange says that it was retried, and why.
        """
        fresh = httpx.Client(
            headers=self._http.headers,
            timeout=self._http.timeout,
            transport=self._transport,
            follow_redirects=False,
        )
        with fresh:
            second = once(fresh)
        why = f"the first attempt got no answer ({first.transport_error})"
        return dataclasses.replace(second, retried=why)

    def _once(
        self,
        body: Mapping[str, Any] | bytes | None,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        label: str,
        auth: Literal["key", "none", "bad"],
        intent: Intent | None,
        *,
        http: httpx.Client | None = None,
    ) -> Exchange:
        http = http or self._http
        left = self._time_left()
        self.spend.take_request(self.budget)
        content = body if isinstance(body, bytes) or body is None else request_bytes(body)
        extra = {"Content-Type": "application/json"} if content is not None else {}
        timeout = self.limits.read_s if left is None else min(self.limits.read_s, left)
        request = http.build_request(
            method,
            url,
            content=content,
            headers={**extra, **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(self.limits.connect_s, timeout)),
        )
        if auth == "none":
            request.headers.pop("Authorization", None)
        elif auth == "bad":
            request.headers["Authorization"] = f"Bearer {WRONG_KEY}"
        sent = body if isinstance(body, Mapping) else None
        started = time.monotonic()
        try:
            response = http.send(request, stream=True)
        except httpx.TimeoutException as error:
            return self._no_answer(sent, started, label, intent, _timeout(error, self.limits))
        except httpx.TransportError as error:
            return self._no_answer(sent, started, label, intent, _broken(error))
        try:
            exchange = self._read(response, sent, started, label, intent, left)
        finally:
            response.close()
        if exchange.kind in ("completion", "stream"):
            self.spend.add_usage(exchange.answer.usage)
        return exchange

    def _read(
        self,
        response: httpx.Response,
        request: Mapping[str, Any] | None,
        started: float,
        label: str,
        intent: Intent | None,
        left: float | None = None,
    ) -> Exchange:
        limits = self.limits
        headers_s = time.monotonic() - started  # httpx returns once the headers are read
        events_s: list[float] = []  # when each event of a stream was complete
        # The exchange's own cap, cut to what the run's deadline leaves.
        total_s = limits.total_s if left is None else min(limits.total_s, left)
        headers = {name.lower(): value for name, value in response.headers.items()}
        streamed = expects_stream(request, response.status_code, headers)
        parser = (
            EventStreamParser(
                max_bytes=limits.max_body_bytes,
                max_events=limits.max_events,
                timeout_s=total_s,
            )
            if streamed
            else None
        )
        received = bytearray()  # one buffer: a list of reads joined later would hold it twice
        broken: str | None = None
        try:
            for chunk in decoded(response, limits.max_body_bytes):
                received += chunk
                if parser is not None:
                    arrived = len(parser.feed(chunk))
                    if arrived and len(events_s) < limits.max_events:
                        events_s += [time.monotonic() - started] * arrived
                    if parser.cut_off is not None:
                        break
                elif len(received) > limits.max_body_bytes:
                    break
                elif time.monotonic() - started > total_s:
                    # A body that trickles: the exchange's time cap ends it, and says so.
                    broken = (
                        f"the answer was still arriving after {total_s:g} s ({len(received)} "
                        "bytes so far): cut at the time cap of an exchange"
                    )
                    break
        except httpx.TimeoutException:
            # A read that stalls ends the body; the checks judge what arrived.
            broken = (
                f"the answer stalled after {len(received)} bytes: nothing more within "
                f"{limits.read_s:g} s"
            )
        except httpx.TransportError as error:
            broken = (
                f"the connection broke after {len(received)} bytes of the answer ({_broken(error)})"
            )
        except BadEncoding as error:
            broken = f"{error}, after {len(received)} bytes"
        cap = limits.max_body_bytes
        truncated = cap if parser is None and len(received) > cap else None
        body = bytes(memoryview(received)[:cap])
        del received
        elapsed = time.monotonic() - started
        status = response.status_code
        stream = parser.close() if parser is not None else None
        if stream is not None and broken is not None:
            broken = f"{broken}; {len(stream.events)} events had arrived"
        return Exchange(
            request,
            status,
            headers,
            body,
            stream,
            label,
            elapsed,
            intent,
            transport_error=broken,
            truncated_at=truncated,
            timing=Timing(headers_s, tuple(events_s)),
        )

    @staticmethod
    def _no_answer(
        request: Mapping[str, Any] | None,
        started: float,
        label: str,
        intent: Intent | None,
        why: str,
    ) -> Exchange:
        elapsed = time.monotonic() - started
        return Exchange(request, 0, {}, b"", None, label, elapsed, intent, transport_error=why)


def _broken(error: httpx.TransportError) -> str:
    """What went wrong on the wire, in words; never the request (it may carry the key)."""
    if isinstance(error, httpx.ConnectError):
        return "the connection was refused or could not be opened"
    if isinstance(error, httpx.RemoteProtocolError):
        if "buffer too long" in str(error).lower():
            # httpcore reads at most 100 KiB of a status line and headers (its h11 setting).
            return (
                "the status line and headers of the answer are over 100 KiB, more than the "
                "client reads"
            )
        return "the server closed the connection without a complete answer"
    if isinstance(error, httpx.ReadError):
        return "the connection was reset"
    return type(error).__name__


_NO_CONNECTION = "no connection within"
_NO_ANSWER = "no answer within"


def _timeout(error: httpx.TimeoutException, limits: Limits) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"{_NO_CONNECTION} {limits.connect_s:g} s"
    return f"{_NO_ANSWER} {limits.read_s:g} s"


def _timed_out(exchange: Exchange) -> bool:
    return (exchange.transport_error or "").startswith((_NO_CONNECTION, _NO_ANSWER))
