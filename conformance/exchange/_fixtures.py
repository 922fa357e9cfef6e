"""Recorded exchanges on disk: the fixture format, and raw stream files.

A fixture is a YAML (or JSON) document::

    description: one line saying what the exchange shows
    source: where it comes from (a vendor page, an issue URL)
    profile: openai-compatible   # the profile that judges it (default: openai-compatible)
    expect: [stream.terminator]  # the checks it must trip; [] or absent for a good exchange
    intent: bad_key              # optional: the request was broken on purpose (no_key, bad_key,
                                 # unknown_model, malformed_json, wrong_method)
    follow_up: true              # optional: the request carries back a tool call this target
                                 # made in an earlier turn, with its result
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

from conformance.base import DEFAULT_LIMITS, ConfigError, Limits, read_data_file
from conformance.contract import FIXTURE_FORMAT, check_format
from conformance.exchange._exchange import Exchange

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
        return _events_text(value).encode()
    if forms[0] == "text":
        return str(value).encode()
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ConfigError(f"{path}: response.base64 is not base64: {error}") from None


def load_fixture(path: Path, limits: Limits = DEFAULT_LIMITS) -> Fixture:
    """Read one recorded exchange, within the caps of a live run (``limits``); a file that
    breaks the fixture format (``schemas/fixture.schema.json``) is a ConfigError naming the
    file and the field at fault."""
    if path.suffix not in FIXTURE_SUFFIXES:
        return _raw_stream(path, limits)
    data = read_data_file(path)
    check_format(data, FIXTURE_FORMAT, path)
    response = data["response"]
    status = response["status"]
    transport = response.get("transport_error")
    no_answer = status == 0
    if no_answer and transport is None:
        raise ConfigError(
            f"{path}: field 'response.status' is 0 (no answer), which needs a transport_error"
        )
    if not no_answer and status < 100:
        raise ConfigError(f"{path}: field 'response.status' must be an HTTP status, got {status}")
    exchange = Exchange.from_http(
        request=data.get("request"),
        status=status,
        headers={str(k): str(v) for k, v in response.get("headers", {}).items()},
        body=b"" if no_answer else _body(response, path),
        label=str(path),
        intent=data.get("intent"),
        limits=limits,
    )
    retried = response.get("retried")
    if transport is not None or retried is not None:
        exchange = dataclasses.replace(exchange, transport_error=transport, retried=retried)
    if data.get("follow_up") is True:
        exchange = dataclasses.replace(exchange, follow_up=True)
    return Fixture(
        path=path,
        description=data.get("description", ""),
        source=data.get("source", ""),
        profile=data.get("profile"),
        expect=frozenset(data.get("expect", [])),
        exchange=exchange,
    )


def _raw_stream(path: Path, limits: Limits) -> Fixture:
    try:
        with path.open("rb") as file:  # past the cap, the parser would not read it anyway
            body = file.read(limits.max_body_bytes + 1)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    exchange = Exchange.from_http(
        request=None,
        status=200,
        headers={"content-type": "text/event-stream"},
        body=body,
        label=str(path),
        limits=limits,
    )
    return Fixture(path, "raw event stream", "", None, frozenset(), exchange)
