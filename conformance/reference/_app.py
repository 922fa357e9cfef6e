"""The reference router as an ASGI application (Starlette).

Routes, under ``prefix`` (by default the path the profile's page documents, ``/v1`` for OpenAI):

- ``POST /chat/completions``: the toy model, JSON or an event stream;
- ``GET /models`` and ``GET /models/{id}``: the one model, ``reference-model``, in OpenAI's shapes.

A chat request goes through these steps, each answering with the profile's error envelope
(OpenAI's ``{"error": {"message", "type", "param", "code"}}`` unless the page says otherwise)
when it fails:

1. the key (401; only when the router was given one: without a key, any key or none passes);
2. the throttle header ``X-Reference-Throttle: <seconds>`` (429 with ``Retry-After``);
3. the body size (413 above :data:`MAX_BODY_BYTES`), then JSON (400, ``NaN`` refused too);
4. the profile's request schema (400 whose ``param`` is the top-level field of the first schema
   error), before any stream starts, so a broken stream request gets a JSON 400;
5. the model (404, code ``model_not_found``), then what the router cannot do (400).

Every answer is rendered in the profile's dialect (:mod:`_dialect`): the
usage shape, the error's code, ids, extension fields, reasoning returned apart, keep-alive
comments and the mid-stream error form. ``X-Reference-Choice-Error`` makes the first choice of
a non-streamed answer break off upstream, under a profile whose page documents that.

Other methods on the endpoint get 405 and unknown paths 404, in the same envelope. The header
``X-Reference-Stream-Error: <n>`` interrupts a stream after n chunks with the profile's mid-stream
error (a compliant one, for clients and proxies to be tested against).
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.base import ConfigError
from conformance.contract import DEFAULT_PROFILE, Profile, SchemaError, load_profile
from conformance.reference import _connections as connections
from conformance.reference._dialect import KEEPALIVE, Dialect
from conformance.reference._faults import ErrorReply, FaultSet, Turn
from conformance.reference._hooks import Arrival
from conformance.reference._model import MODEL_ID, Params, break_off, generate
from conformance.reference._wire import Meta, completion_body, frame, stream_events

__all__ = [
    "CHOICE_ERROR_HEADER",
    "MAX_BODY_BYTES",
    "STREAM_ERROR_HEADER",
    "THROTTLE_HEADER",
    "create_app",
]

MAX_BODY_BYTES: Final = 1024 * 1024
THROTTLE_HEADER: Final = "x-reference-throttle"
STREAM_ERROR_HEADER: Final = "x-reference-stream-error"
CHOICE_ERROR_HEADER: Final = "x-reference-choice-error"
REQUEST_ID_HEADER: Final = "x-request-id"
_CREATED: Final = 1_700_000_000
_MESSAGE_LIMIT: Final = 300
_LISTED: Final = 20  # listChatCompletions' default limit


class _Refusal(Exception):
    """An error answer decided while handling a request."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        cause: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param
        self.code = code
        self.headers = dict(headers or {})
        self.cause = cause

    def reply(self, dialect: Dialect) -> ErrorReply:
        error = dialect.error(self.status, self.message, self.kind, self.param, self.code)
        return ErrorReply(self.status, {"error": error}, self.headers, cause=self.cause)


class _Dropped(Response):
    """No answer at all: the connection is closed (see :mod:`._connections`)."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await connections.drop(scope, receive)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _top_field(error: SchemaError, body: Mapping[str, Any]) -> str | None:
    """The top-level request field a schema error is about."""
    path = error.path
    if path.startswith("$."):
        return path[2:].split(".", 1)[0].split("[", 1)[0]
    if path.startswith("$['"):
        return path[3:].split("']", 1)[0]
    if error.keyword == "required":  # at the root: the missing field itself
        missing = [name for name in ("model", "messages") if name not in body]
        if missing:
            return missing[0]
        quoted = error.expected.split("'")
        return quoted[1] if len(quoted) > 2 else None
    return None


def _code(error: SchemaError) -> str:
    return {"required": "missing_required_parameter", "type": "invalid_type"}.get(
        error.keyword, "invalid_value"
    )


def _clip(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _seconds(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.strip().isdigit() else default


class _Router:
    def __init__(
        self,
        faults: FaultSet,
        api_key: str | None,
        profile: Profile,
        model_id: str = MODEL_ID,
    ) -> None:
        self.model_id = model_id  # the model this router answers for
        self.listed: tuple[str, ...] = (model_id,)  # what GET /models lists
        self.faults = faults
        self.api_key = api_key
        self.profile = profile
        self.dialect = Dialect.of(profile)
        self.arrivals = 0  # chat requests so far
        self.stored: list[dict[str, Any]] = []  # completions asked to be stored (store: true)

    # -- answers ---------------------------------------------------------------------------------

    def json(
        self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        return Response(
            json.dumps(body, ensure_ascii=False).encode(),
            status_code=status,
            headers=dict(headers or {}),
            media_type=self.faults.media_type("application/json"),
        )

    def error(self, reply: ErrorReply, request: Request) -> Response:
        reply = self.faults.error(reply)
        if reply.close:
            connections.spoil(request.scope)
        if isinstance(reply.body, str):  # a bare text answer, as a crashed server sends
            return Response(
                reply.body,
                status_code=reply.status,
                headers=reply.headers,
                media_type="text/plain; charset=utf-8",
            )
        return self.json(reply.body, reply.status, reply.headers)

    def stream(self, frames: list[bytes], request: Request | None = None) -> Response:
        cut = self.faults.reset_after if request is not None else None

        async def send() -> AsyncIterator[bytes]:
            for number, item in enumerate(frames):
                if cut is not None and request is not None and number == cut:
                    if not await connections.cut(request.scope):
                        raise ConnectionAbortedError("the stream was cut short, as asked")
                    return
                yield item

        return StreamingResponse(
            send(),
            headers={"cache-control": "no-cache"},
            media_type=self.faults.media_type("text/event-stream"),
        )

    # -- steps -----------------------------------------------------------------------------------

    def authorize(self, request: Request) -> None:
        if self.api_key is None or self.faults.bypasses("auth"):
            return
        challenge = {"www-authenticate": 'Bearer realm="reference-router"'}
        header = request.headers.get("authorization")
        if header is None:
            raise _Refusal(
                401,
                "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
                headers=challenge,
                cause="auth",
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.api_key.encode()
        ):
            raise _Refusal(
                401,
                "Incorrect API key provided.",
                code="invalid_api_key",
                headers=challenge,
                cause="auth",
            )

    def throttle(self, request: Request) -> None:
        value = request.headers.get(THROTTLE_HEADER)
        if value is None:
            return
        seconds = _seconds(value, 1)
        raise _Refusal(
            429,
            f"Rate limit reached for {self.model_id}: the request asked to be throttled "
            f"({THROTTLE_HEADER}). Try again in {seconds}s.",
            kind="requests",
            code="rate_limit_exceeded",
            cause="throttled",
            headers={
                "retry-after": str(seconds),
                "x-ratelimit-limit-requests": "60",
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": f"{seconds}s",
            },
        )

    async def read_json(self, request: Request) -> Any:
        length = request.headers.get("content-length", "")
        too_large = _Refusal(
            413,
            f"The request body exceeds the router's limit of {MAX_BODY_BYTES} bytes.",
            code="request_too_large",
            cause="too_large",
        )
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise too_large
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            chunks.append(chunk)
        try:
            return json.loads(b"".join(chunks), parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError):
            raise _Refusal(
                400,
                "We could not parse the JSON body of your request. The body must be a JSON "
                "object in UTF-8.",
                cause="malformed_json",
            ) from None

    def validate(self, body: Any) -> _Refusal | None:
        if not isinstance(body, dict):
            return _Refusal(400, "The request body must be a JSON object.", cause="invalid")
        if self.faults.bypasses("validation"):
            return None
        validator = self.profile.request
        if validator.is_valid(body):
            return None
        found = validator.explain(body, limit=1)
        if not found:
            return _Refusal(400, "The request breaks the request schema.", cause="invalid")
        error = found[0]
        message = _clip(f"Invalid request at {error.path}: {error.message}")
        return _Refusal(
            400, message, param=_top_field(error, body), code=_code(error), cause="invalid"
        )

    def supported(self, body: Mapping[str, Any], params: Params) -> None:
        model = body.get("model")
        if model != self.model_id:
            raise _Refusal(
                404,
                f"The model {str(model)[:80]!r} does not exist; this router serves "
                f"{', '.join(map(repr, self.listed))}.",
                param="model",
                code="model_not_found",
                cause="unknown_model",
            )
        if params.forced is not None and params.forced not in {t.name for t in params.tools}:
            raise _Refusal(
                400,
                f"tool_choice names {params.forced!r}, which is not among the tools offered.",
                param="tool_choice",
                code="invalid_value",
                cause="invalid",
            )
        if params.stream and any(tool.kind == "custom" for tool in params.tools):
            raise _Refusal(
                400,
                "Custom tools are not supported with stream: true by this router.",
                param="tools",
                code="unsupported_parameter",
                cause="unsupported",
            )

    # -- endpoints -------------------------------------------------------------------------------

    async def chat(self, request: Request) -> Response:
        self.arrivals += 1
        if self.faults.drops(self.arrivals):
            return _Dropped()
        try:
            self.authorize(request)
            self.throttle(request)
            body = await self.read_json(request)
            if isinstance(body, dict) and not self.faults.bypasses("validation"):
                body = self.faults.read(body, self.profile)  # what the server makes of it
            refusal = self.validate(body)
            if refusal is not None:
                streamed = isinstance(body, dict) and body.get("stream") is True
                if streamed and self.faults.invalid_stream_as_event:
                    return self._error_stream(refusal.reply(self.dialect))
                raise refusal
            params = Params.from_request(
                body,
                keep_stop=self.dialect.keep_stop,
                reasoning=self.dialect.reasoning_field(body),
            )
            self.supported(body, params)
            arrival = Arrival(self.arrivals, body, self.profile, self.dialect.error)
            refused = self.faults.refuse(arrival)
            if refused is not None:
                return self.error(refused, request)
            return self._answer(request, self.faults.params(params), body)
        except _Refusal as refusal:
            return self.error(refusal.reply(self.dialect), request)

    async def chat_or_list(self, request: Request) -> Response:
        """The endpoint when GET lists stored completions: OpenAI's listChatCompletions."""
        if request.method == "GET":
            return await self.listing(request)
        return await self.chat(request)

    async def listing(self, request: Request) -> Response:
        try:
            self.authorize(request)
        except _Refusal as refusal:
            return self.error(refusal.reply(self.dialect), request)
        data = self.stored[-_LISTED:]
        return self.json(
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": len(self.stored) > len(data),
            }
        )

    def _error_stream(self, reply: ErrorReply) -> Response:
        error = reply.body["error"]
        event = {"error": {"object": "error", **error, "code": reply.status}}
        return self.stream([frame(event), frame("[DONE]")])

    def _answer(self, request: Request, params: Params, asked: Mapping[str, Any]) -> Response:
        try:
            completion = generate(params)
        except ConfigError as error:
            param = "response_format" if params.format == "json_schema" else "tools"
            raise _Refusal(
                400,
                f"Unsupported schema: {error}",
                param=param,
                code="unsupported_schema",
                cause="unsupported",
            ) from None
        if not params.stream and self._breaks_off(request):
            completion = break_off(completion)
        completion = self.faults.completion(completion, params)
        meta = Meta(self.dialect.new_id(), int(time.time()), self.model_id)
        turn = Turn(params, completion, meta)
        if not params.stream:
            body = self.faults.body(completion_body(completion, params, meta, self.dialect), turn)
            if asked.get("store") is True and self.faults.lists:
                self.stored.append(body)
            return self.json(body)
        interrupt = request.headers.get(STREAM_ERROR_HEADER)
        events = stream_events(
            completion,
            params,
            meta,
            self.dialect,
            error_after=None if interrupt is None else _seconds(interrupt, 1),
        )
        events = self.faults.events(events, turn)
        frames = self.faults.frames([frame(event) for event in events])
        return self.stream([KEEPALIVE, *frames] if self.dialect.keepalive else frames, request)

    def _breaks_off(self, request: Request) -> bool:
        """The test header asks the first choice to break off upstream; only a profile whose
        page documents such a choice (finish_reason "error" with an error object) answers so."""
        return CHOICE_ERROR_HEADER in request.headers and self.dialect.error_at is not None

    @staticmethod
    def _model(model_id: str) -> dict[str, Any]:
        return {"id": model_id, "object": "model", "created": _CREATED, "owned_by": "conformance"}

    async def models(self, request: Request) -> Response:
        try:
            self.authorize(request)
        except _Refusal as refusal:
            return self.error(refusal.reply(self.dialect), request)
        return self.json({"object": "list", "data": [self._model(m) for m in self.listed]})

    async def model(self, request: Request) -> Response:
        try:
            self.authorize(request)
        except _Refusal as refusal:
            return self.error(refusal.reply(self.dialect), request)
        name = request.path_params["model"]
        if name not in self.listed:
            unknown = _Refusal(
                404,
                f"The model {name[:80]!r} does not exist.",
                param="model",
                code="model_not_found",
                cause="unknown_model",
            )
            return self.error(unknown.reply(self.dialect), request)
        return self.json(self._model(name))

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        where = f"{request.method} {request.url.path}"
        if status == 405:
            allowed = headers.get("Allow", "")
            refusal = _Refusal(
                405,
                f"Method not allowed: {where}; this endpoint accepts {allowed}.",
                code="method_not_allowed",
                headers=headers,
                cause="wrong_method",
            )
        elif status == 404:
            refusal = _Refusal(
                404, f"Unknown request URL: {where}.", code="unknown_url", cause="unknown_url"
            )
        else:
            refusal = _Refusal(
                status,
                "The reference router failed to handle the request.",
                kind="server_error",
                cause="server_error",
            )
        return self.error(refusal.reply(self.dialect), request)


class _EchoRequestId:
    """Every answer carries ``x-request-id``: the caller's own (MyRouter's example page documents
    it as a request header), or a new one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name = REQUEST_ID_HEADER.encode()
        request_id = dict(scope["headers"]).get(name) or f"req_{uuid.uuid4().hex}".encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != name]
                message = {**message, "headers": [*headers, (name, request_id)]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class _DropSpoiled:
    """A request on a connection an earlier answer left broken gets no answer (the fault
    ``malformed-json-500-close``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and connections.spoiled(scope):
            await connections.drop(scope, receive)
            return
        await self.app(scope, receive, send)


def route_prefix(prefix: str | None, profile: str) -> str:
    """The path before ``/chat/completions``: the one given, or the one the profile's page
    documents (``/api/v1``), with one leading slash and none trailing."""
    chosen = load_profile(profile).prefix if prefix is None else prefix
    return "/" + chosen.strip("/") if chosen.strip("/") else ""


class _Models:
    """Several models behind one router, each with its own faults: a chat request goes to the
    router of the model it names (the first model's, when its body cannot be read cheaply)."""

    def __init__(self, routers: Mapping[str, _Router]) -> None:
        self.routers = dict(routers)
        self.first = next(iter(self.routers.values()))
        listed = tuple(self.routers)
        for router in self.routers.values():
            router.listed = listed

    async def chat(self, request: Request) -> Response:
        length = request.headers.get("content-length", "")
        router = self.first
        if length.isdigit() and int(length) <= MAX_BODY_BYTES:
            try:
                named = json.loads(await request.body()).get("model")
            except (ValueError, UnicodeDecodeError, AttributeError):
                named = None  # the first model's router refuses it as it would alone
            router = self.routers.get(named, self.first) if isinstance(named, str) else router
        return await router.chat(request)


def create_app(
    *,
    faults: tuple[str, ...] | list[str] = (),
    variants: tuple[str, ...] | list[str] = (),
    api_key: str | None = None,
    profile: str = DEFAULT_PROFILE,
    prefix: str | None = None,
    models: Mapping[str, Sequence[str]] | None = None,
) -> Starlette:
    """The reference router, answering as ``profile``'s page documents, at ``prefix`` (default:
    the path the page documents, such as ``/api/v1``). It is compliant unless ``faults`` names
    deviations from the catalogue; ``variants`` names legal variants to show.

    ``models`` adds models besides ``reference-model``, each id with its own faults (the same
    toy model answers, under that id; the variants apply to all), as a router that serves
    several models of differing quality does.

    Raises ConfigError for an unknown fault, variant or profile.
    """
    chosen = load_profile(profile)
    router = _Router(FaultSet(faults, variants), api_key or None, chosen)
    extra = {
        model: _Router(FaultSet(tuple(own), variants), api_key or None, chosen, model)
        for model, own in (models or {}).items()
        if model != MODEL_ID
    }
    prefix = route_prefix(prefix, profile)
    chat = (
        Route(f"{prefix}/chat/completions", router.chat_or_list, methods=["POST", "GET"])
        if router.faults.lists
        else Route(
            f"{prefix}/chat/completions",
            _Models({MODEL_ID: router, **extra}).chat if extra else router.chat,
            methods=["POST"],
        )
    )
    app = Starlette(
        routes=[
            chat,
            Route(f"{prefix}/models", router.models, methods=["GET"]),
            Route(f"{prefix}/models/{{model:path}}", router.model, methods=["GET"]),
        ],
        exception_handlers={HTTPException: router.http_error, Exception: router.http_error},
        middleware=[Middleware(_DropSpoiled), Middleware(_EchoRequestId)],
    )
    app.state.faults = router.faults.names
    app.state.variants = router.faults.variant_names
    return app
