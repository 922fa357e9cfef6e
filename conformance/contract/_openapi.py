"""A profile's endpoint as an OpenAPI 3.1 document, for tools that read OpenAPI (schemathesis,
client generators, API catalogues).

The document describes one operation, ``POST <the profile's path>``:

- the request body: the profile's request schema (its overlay applied);
- ``200``: ``application/json``, the response schema; ``text/event-stream``, one server-sent
  event whose ``data`` is a chunk (JSON, described by ``contentSchema``) or the literal
  ``[DONE]`` that ends the stream. OpenAPI 3.1 has no way to describe a stream's items (3.2 adds
  ``itemSchema``: https://spec.openapis.org/oas/v3.2.0.html#media-type-object); tools that
  validate events, such as schemathesis, read the media type's ``schema`` as one event, which
  is how it is written here. ``contentSchema`` is an annotation
  (https://json-schema.org/draft/2020-12/json-schema-validation#section-8.5): a generic
  validator does not check the chunk inside ``data``, the suite's own stream checks do;
- each error status the profile documents, or expects for a deliberately broken request, with
  the profile's error schema.

Schemas are bundled under ``components/schemas``: each schema document the profile's schemas
reach becomes a component named after its file (``request``, ``response-openrouter`` for the
derived ``response+openrouter.json``), each of its ``$defs`` a component
``<document>.<name>``, and every ``$ref`` is rewritten to point there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urljoin

from conformance.base import ConfigError
from conformance.contract._profile import Profile
from conformance.contract._schema_store import BASE_URI, load_schema

OPENAPI_VERSION: Final = "3.1.0"
_COMPONENTS: Final = "#/components/schemas/"
#: The intent whose statuses are not the operation's: a wrong method never reaches POST.
_OTHER_OPERATION: Final = "wrong_method"

_SSE_FRAMING: Final = (
    "A stream (the request sets `stream: true`) is a text/event-stream "
    "(https://html.spec.whatwg.org/multipage/server-sent-events.html): each event is "
    "`data: <one chunk as JSON>` followed by a blank line; the stream ends with the event "
    "`data: [DONE]`. Lines starting with `:` are comments (keep-alives) and carry no event. "
    "This schema describes one event as a parser returns it."
)

#: The rule beside the request schema (see _cross_field.py): a server refuses a request that
#: breaks it, though the schema accepts it.
_CROSS_FIELD: Final = (
    "Beyond the schema: a `tool_choice` that names a tool must name one offered in `tools` "
    "(JSON Schema cannot compare two fields' values); a request that does not is refused."
)


def openapi_document(
    profile: Profile, *, base_url: str | None = None, model: str | None = None
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``profile``'s chat-completions operation.

    ``base_url`` is where the endpoint is served, everything before ``/chat/completions`` as
    for ``conformance run`` (``http://127.0.0.1:8000/v1``); by default the profile's documented
    base URL. When it ends with the path prefix the profile documents (``/v1``), the server is
    the part before it and the operation's path is the profile's; otherwise the server is the
    whole URL and the path ``/chat/completions``. ``model``, when given, is the only model the
    request schema allows (a tool generating requests then names a model the server serves).
    """
    bundle = _Bundle()
    roles = {
        "request": bundle.ref(profile.request_schema),
        "response": bundle.ref(profile.response_schema),
        "chunk": bundle.ref(profile.chunk_schema),
        "error": bundle.ref(profile.error_schema),
    }
    if model is not None:
        request = bundle.target(roles["request"])
        if "model" not in request.get("properties", {}):
            raise ConfigError(f"the request schema of {profile.id} has no model property")
        request["properties"]["model"] = {"const": model}
    server, path = _server(profile, base_url)
    operation = {
        "operationId": "createChatCompletion",
        "summary": "Create a chat completion",
        "requestBody": {
            "description": _CROSS_FIELD,
            "required": True,
            "content": {"application/json": {"schema": {"$ref": roles["request"]}}},
        },
        "responses": {
            "200": {
                "description": "A chat completion, or a stream of chunks when `stream` is true.",
                "content": {
                    "application/json": {"schema": {"$ref": roles["response"]}},
                    "text/event-stream": {"schema": _event(roles["chunk"])},
                },
            },
            **{
                str(status): {
                    "description": "An error, in the profile's error envelope.",
                    "content": {"application/json": {"schema": {"$ref": roles["error"]}}},
                }
                for status in _error_statuses(profile)
            },
        },
    }
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": profile.title,
            "version": "1",
            "description": f"The chat-completions endpoint as the profile {profile.id!r} "
            f"describes it ({profile.source}).",
        },
        "servers": [{"url": server}],
        "paths": {path: {"post": operation}},
        "components": {"schemas": bundle.components},
    }
    if profile.auth == "bearer":
        document["components"]["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer"}
        }
        document["security"] = [{"bearerAuth": []}]
    return document


def _event(chunk_ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": _SSE_FRAMING,
        "required": ["data"],
        "properties": {
            "data": {
                "type": "string",
                "anyOf": [
                    {"const": "[DONE]", "description": "The end of the stream."},
                    {
                        "description": "One chunk, as JSON.",
                        "contentMediaType": "application/json",
                        "contentSchema": {"$ref": chunk_ref},
                    },
                ],
            },
            "event": {"type": "string"},
            "id": {"type": "string"},
            "retry": {"type": "integer"},
        },
    }


def _error_statuses(profile: Profile) -> list[int]:
    expected: set[int] = set(profile.documented_statuses)
    for intent, statuses in profile.error_statuses.items():
        if intent != _OTHER_OPERATION:
            expected |= statuses
    return sorted(status for status in expected if status >= 400)


def _server(profile: Profile, base_url: str | None) -> tuple[str, str]:
    base = (base_url or profile.base_url).rstrip("/")
    prefix = profile.prefix
    if base.endswith(prefix):
        return base.removesuffix(prefix) or "/", profile.chat_path
    return base, "/chat/completions"


class _Bundle:
    """Schema documents gathered as components, every ``$ref`` pointing into them."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}
        self._names: dict[str, str] = {}  # document file -> component name

    def ref(self, reference: str, within: str = "") -> str:
        """The component reference of ``reference`` (relative to the document ``within``),
        bundling the document it points into."""
        absolute = urljoin(BASE_URI + within, reference)
        if not absolute.startswith(BASE_URI):
            raise ConfigError(f"schema reference {reference!r} leaves the schema files")
        document, _, pointer = absolute.removeprefix(BASE_URI).partition("#")
        name = self._add(document)
        parts = pointer.split("/")[1:] if pointer else []
        if len(parts) >= 2 and parts[0] == "$defs":
            return _COMPONENTS + "/".join([f"{name}.{parts[1]}", *parts[2:]])
        return _COMPONENTS + "/".join([name, *parts])

    def target(self, reference: str) -> dict[str, Any]:
        """The component a reference made by :meth:`ref` names (a whole component)."""
        name = reference.removeprefix(_COMPONENTS)
        if "/" in name or name not in self.components:
            raise ConfigError(f"not a component reference: {reference!r}")
        found: dict[str, Any] = self.components[name]
        return found

    def _add(self, document: str) -> str:
        if document in self._names:
            return self._names[document]
        name = document.removesuffix(".json").replace("+", "-")
        self._names[document] = name
        schema = load_schema(document)
        definitions = schema.pop("$defs", {})
        for key in ("$schema", "$id"):
            schema.pop(key, None)
        self.components[name] = self._rewrite(schema, document)
        for key, definition in definitions.items():
            self.components[f"{name}.{key}"] = self._rewrite(definition, document)
        return name

    def _rewrite(self, node: Any, document: str) -> Any:
        if isinstance(node, Mapping):
            return {
                key: self.ref(value, document)
                if key == "$ref" and isinstance(value, str)
                else self._rewrite(value, document)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [self._rewrite(item, document) for item in node]
        return node
