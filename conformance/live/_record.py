"""Recording a run (``conformance run --record DIR``): every exchange written as a fixture that
``conformance validate DIR`` judges again offline, so a newer suite can re-judge old recordings
and a CI job can run without a live target.

Each file is the fixture format (``schemas/fixture.schema.json``), numbered in the order the
answers came back. The body is kept exactly: as text when it is UTF-8, else base64, within the
caps the run read it with. The key never reaches a file: requests are recorded without their
headers, and any occurrence of the key in what came back is replaced.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.base import ConfigError
from conformance.exchange import Exchange

REDACTED = "[redacted]"
#: Headers that carry the target's own secrets, never recorded.
_SECRET_HEADERS = frozenset({"set-cookie", "authorization", "proxy-authorization"})


class Recorder:
    """Writes each exchange of a run to ``folder``; safe to call from the run's threads."""

    def __init__(self, folder: Path, *, profile: str, source: str, key: str | None = None) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"cannot record into {folder}: {error.strerror}") from None
        self.folder, self.profile, self.source, self._key = folder, profile, source, key
        self._lock = threading.Lock()
        self._count = 0

    def write(self, scenario: str, request: Mapping[str, Any] | None, exchange: Exchange) -> Path:
        with self._lock:
            self._count += 1
            number = self._count
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", scenario).strip("-")[:80] or "exchange"
        path = self.folder / f"{number:05d}-{slug}.json"
        text = json.dumps(self._fixture(scenario, request, exchange), indent=2, ensure_ascii=False)
        path.write_text(self._redact(text) + "\n", encoding="utf-8")
        return path

    def _fixture(
        self, scenario: str, request: Mapping[str, Any] | None, exchange: Exchange
    ) -> dict[str, Any]:
        response: dict[str, Any] = {
            "status": exchange.status,
            "headers": {
                name: value
                for name, value in exchange.headers.items()
                if name not in _SECRET_HEADERS
            },
        }
        try:
            response["text"] = exchange.body.decode("utf-8")
        except UnicodeDecodeError:
            response["base64"] = base64.b64encode(exchange.body).decode("ascii")
        if exchange.transport_error is not None:
            response["transport_error"] = exchange.transport_error
        if exchange.retried is not None:
            response["retried"] = exchange.retried
        fixture: dict[str, Any] = {
            "description": scenario,
            "source": self.source,
            "profile": self.profile,
        }
        if exchange.intent is not None:
            fixture["intent"] = exchange.intent
        if exchange.follow_up:
            fixture["follow_up"] = True
        if request is not None:
            fixture["request"] = dict(request)
        fixture["response"] = response
        return fixture

    def _redact(self, text: str) -> str:
        if not self._key:
            return text
        # The key as it would appear in the JSON text (escaped like any other string).
        return text.replace(json.dumps(self._key)[1:-1], REDACTED)
