"""The formats of the files a user gives the suite (profiles, recorded exchanges, the
requirement catalogue, the JSON reports ``conformance diff`` compares), each described by a JSON
Schema shipped in ``schemas/``: a file that breaks its format is a ConfigError naming the file,
the field and, for an unknown key, the nearest known key. Nothing in a user's file is silently
ignored."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from conformance.base import ConfigError
from conformance.contract._schema_store import load_schema

PROFILE_FORMAT = "profile.schema.json"
FIXTURE_FORMAT = "fixture.schema.json"
REQUIREMENTS_FORMAT = "requirements.schema.json"
REPORT_FORMAT = "report.schema.json"


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def _field(parts: Any) -> str:
    """Where in the file: ``request.colour``, ``[0].sources[1].url``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(document)"


def _first(errors: list[ValidationError]) -> ValidationError:
    """The error a user should fix first: an unknown key before anything else (a misspelled
    key is often why a required one is missing), then the one earliest in the file."""
    return min(
        errors,
        # Paths compared as text: a list index and a key at one depth must not meet as values.
        key=lambda e: (
            e.validator != "additionalProperties",
            len(e.absolute_path),
            [str(part) for part in e.absolute_path],
        ),
    )


def _unknown_key(error: ValidationError, where: str) -> ConfigError:
    schema: Any = error.schema
    instance: Any = error.instance
    known = [str(key) for key in schema.get("properties", {})]
    unknown = sorted(set(instance) - set(known))[0]
    near = difflib.get_close_matches(str(unknown), known, n=1)
    hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(known)}"
    return ConfigError(f"{where}: unknown key {_field([*error.absolute_path, unknown])!r}; {hint}")


def check_format(data: Any, name: str, where: Path | str) -> None:
    """Refuse ``data`` read from ``where`` unless it keeps the format ``schemas/<name>``."""
    errors = list(_validator(name).iter_errors(data))
    if not errors:
        return
    error = _first(errors)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        raise _unknown_key(error, str(where))
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    raise ConfigError(f"{where}: field {_field(error.absolute_path)!r}: {message}")
