"""A top-level ``if``/``then`` of a request schema, read into a value the generators follow:
the valid side satisfies it, the invalid side breaks it."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.contract import SchemaValidator


@dataclass(frozen=True, slots=True)
class Rule:
    """A top-level ``if``/``then``: when ``subject`` matches ``when``, ``needs`` must match
    ``then`` (and be present)."""

    subject: str
    needs: str
    when: SchemaValidator
    then: SchemaValidator
