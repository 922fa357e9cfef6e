"""The reference router: a real HTTP server for ``reference-model``, compliant unless told not to.

It is the suite's own target (``conformance run`` without ``--base-url``), the proof that the
checks can pass, and, through its faults, the proof that each of them can fail::

    with serve_in_thread(faults=["no-done"], api_key="sk-test") as base_url:
        ...  # POST f"{base_url}/chat/completions" with "Authorization: Bearer sk-test"

Decisions a user can rely on:

- **Model.** One model, ``reference-model``: a deterministic toy (see
  :mod:`_model`): tokens are whitespace-led words, prompt tokens are the
  words of the messages, and the answer depends only on the messages, ``seed`` and the choice
  index (not the index at ``temperature: 0``).
- **Key.** ``api_key`` (``--api-key``) makes ``Authorization: Bearer <key>`` required (401
  otherwise, also on ``/models``); without it any key, or none, is accepted.
- **Throttling.** A request carrying ``X-Reference-Throttle: <seconds>`` gets 429 with
  ``Retry-After: <seconds>`` (1 when the value is not a number); nothing else is ever throttled.
- **Mid-stream errors.** ``X-Reference-Stream-Error: <n>`` ends a stream after n chunks with
  the profile's mid-stream error (OpenAI's ``data: {"error": {...}}``, or OpenRouter's chunk
  with a top-level error whose choice ends with ``"error"``) and no ``[DONE]``.
- **Broken-off choices.** Under a profile whose page documents ``finish_reason: "error"`` with
  an error object, ``X-Reference-Choice-Error: 1`` makes the first choice of a non-streamed
  answer break off upstream after two tokens; other profiles ignore the header.
- **Request ids.** Every answer carries ``x-request-id``: the caller's, or a new one.
- **Profiles.** ``profile`` (``--profile``) makes the router answer as that page documents, at
  the path it documents (see :mod:`_dialect`): the usage shape, error
  codes, ids, extension fields, reasoning returned apart, keep-alive comments, the usage chunk,
  stop sequences, and the request schema it validates against.
- **Size.** Bodies above 1 MiB get 413.
- **Faults.** :data:`FAULTS` is the catalogue (``conformance faults`` lists it); each is one
  realistic deviation, and names the checks it trips.
- **Legal variants.** :data:`VARIANTS` (``conformance variants``): behaviours the contract
  allows that real servers show (CRLF, SSE comments, a polite 429, platform parameters
  ignored, ...), each with the public source that makes it legal and, where it matters, the
  profile it is legal under. ``variants=[...]`` (``--variant``) combines with faults.
- **Connections.** Served by :func:`serve_in_thread` or :func:`run_server`, the router can
  drop a connection (the faults ``drop-connection``, ``stream-reset``,
  ``malformed-json-500-close``); under another ASGI server those faults fail the request.
"""

from __future__ import annotations

from conformance.reference._app import (
    CHOICE_ERROR_HEADER,
    MAX_BODY_BYTES,
    STREAM_ERROR_HEADER,
    THROTTLE_HEADER,
    create_app,
)
from conformance.reference._faults import FAULTS, Fault, FaultSet
from conformance.reference._instances import instance
from conformance.reference._model import MODEL_ID
from conformance.reference._server import run_server, serve_in_thread
from conformance.reference._variants import VARIANTS, Variant

__all__ = [
    "CHOICE_ERROR_HEADER",
    "create_app",
    "Fault",
    "FAULTS",
    "FaultSet",
    "instance",
    "MAX_BODY_BYTES",
    "MODEL_ID",
    "run_server",
    "serve_in_thread",
    "STREAM_ERROR_HEADER",
    "THROTTLE_HEADER",
    "Variant",
    "VARIANTS",
]
