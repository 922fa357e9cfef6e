"""The ways the suite breaks a request on purpose, each with an answer the profile documents
(``error_statuses`` in a profile file): no key, a bad key, an unknown model, a body that is not
JSON, and a method the endpoint does not define."""

from __future__ import annotations

from typing import Literal, get_args

Intent = Literal["no_key", "bad_key", "unknown_model", "malformed_json", "wrong_method"]
INTENTS: tuple[Intent, ...] = get_args(Intent)
