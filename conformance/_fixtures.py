"""Recorded exchanges on disk: the fixture format, and raw stream files.

A fixture is a YAML (or JSON) document::

    description: one line saying what the exchange shows
    source: where it comes from (a vendor page, an issue URL)
    profile: openai-compatible   # the profile that judges it (default: openai-compatible)
    expect: [stream.terminator]  # the checks it must trip; [] or absent for a good exchange
    intent: bad_key              # optional: the request was broken on purpose (no_key, bad_key,
                                 # unknown_model, malformed_json, wrong_method)
    request: {...}               # the JSON request body; absent when it was not recorded
    response:
      status: 200
      headers: {content-type: text/event-stream}
      # exactly one of:
      body: {...}                # a JSON value, sent as compact JSON
      text: "..."                # the body as exact text (UTF-8); use YAML escapes for \\r
      base64: "..."              # the body as bytes
      events: [{...}, "[DONE]"]  # an event stream: each item becomes "data: <item>\\n\\n"
                                 # (JSON values compact, strings verbatim)
      transport_error: "..."     # optional: the connection broke (status 0 and no body: no
                                 # answer at all)
      retried: "..."             # optional: why the request was sent again on a fresh connection

Any other file (``.sse``, ``.txt``, ...) is read as the raw bytes of an event stream whose
request and headers were not recorded.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance._errors import ConfigError
from conformance._exchange import INTENTS, Exchange

FIXTURE_SUFFIXES = (".yaml", ".yml", ".json")
_BODY_FORMS = ("body", "text", "base64", "events")


@dataclass(frozen=True)
class Fixture:
    """A recorded exchange with what it is expected to trip."""

    path: Path
    description: str
    source: str
    profile: str | None
    expect: frozenset[str]
    exchange: Exchange


def _events_text(events: list[Any]) -> str:
    return "".join(
        f"data: {item if isinstance(item, str) else json.dumps(item, separators=(',', ':'))}\n\n"
        for item in events
    )


def _body(response: Mapping[str, Any], path: Path) -> bytes:
    forms = [form for form in _BODY_FORMS if form in response]
    if len(forms) != 1:
        raise ConfigError(
            f"{path}: response needs exactly one of {', '.join(_BODY_FORMS)}; "
            f"found {forms or 'none'}"
        )
    value = response[forms[0]]
    if forms[0] == "body":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    if forms[0] == "events":
        if not isinstance(value, list):
            raise ConfigError(f"{path}: response.events must be a list")
        return _events_text(value).encode()
    if not isinstance(value, str):
        raise ConfigError(f"{path}: response.{forms[0]} must be a string")
    if forms[0] == "text":
        return value.encode()
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ConfigError(f"{path}: response.base64 is not base64: {error}") from None


def _mapping(value: Any, name: str, path: Path) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: field '{name}' must be a mapping, got {type(value).__name__}")
    return value


def _optional_text(response: Mapping[str, Any], name: str, path: Path) -> str | None:
    value = response.get(name)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: field 'response.{name}' must be a string")
    return value


def load_fixture(path: Path) -> Fixture:
    """Read one recorded exchange; a ConfigError names the file and the field at fault."""
    if path.suffix not in FIXTURE_SUFFIXES:
        return _raw_stream(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: not valid {path.suffix[1:].upper()}: {error}") from None
    data = _mapping(data, "(document)", path)
    response = _mapping(data.get("response"), "response", path)
    request = data.get("request")
    if request is not None:
        request = _mapping(request, "request", path)
    status = response.get("status")
    transport = _optional_text(response, "transport_error", path)
    retried = _optional_text(response, "retried", path)
    no_answer = status == 0 and transport is not None
    if not isinstance(status, int) or not (100 <= status <= 599 or no_answer):
        raise ConfigError(f"{path}: field 'response.status' must be an HTTP status, got {status!r}")
    headers = _mapping(response.get("headers", {}), "response.headers", path)
    expect = data.get("expect", [])
    if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
        raise ConfigError(f"{path}: field 'expect' must be a list of check IDs")
    intent = data.get("intent")
    if intent is not None and intent not in INTENTS:
        raise ConfigError(f"{path}: field 'intent' must be one of {list(INTENTS)}, got {intent!r}")
    profile = data.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise ConfigError(f"{path}: field 'profile' must be a profile id or path")
    exchange = Exchange.from_http(
        request=request,
        status=status,
        headers={str(k): str(v) for k, v in headers.items()},
        body=b"" if no_answer else _body(response, path),
        label=str(path),
        intent=intent,
    )
    if transport is not None or retried is not None:
        exchange = dataclasses.replace(exchange, transport_error=transport, retried=retried)
    return Fixture(
        path=path,
        description=str(data.get("description", "")),
        source=str(data.get("source", "")),
        profile=profile,
        expect=frozenset(expect),
        exchange=exchange,
    )


def _raw_stream(path: Path) -> Fixture:
    try:
        body = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    exchange = Exchange.from_http(
        request=None,
        status=200,
        headers={"content-type": "text/event-stream"},
        body=body,
        label=str(path),
    )
    return Fixture(path, "raw event stream", "", None, frozenset(), exchange)
