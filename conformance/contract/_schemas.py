"""Load the JSON Schemas (draft 2020-12) and validate instances against them.

Two engines, each compiled once per process:

* :meth:`SchemaValidator.is_valid` is the hot path. It runs jsonschema_rs (a few µs for a 1 KB
  response) against one ``jsonschema_rs.Registry`` that holds every schema file.
* :meth:`SchemaValidator.explain` says *why* an instance is invalid. It runs jsonschema's
  ``Draft202012Validator`` (slow, but with good error objects) against one
  ``referencing.Registry``, compiled lazily, and descends into ``anyOf``/``oneOf`` with
  ``best_match``.

The schemas themselves, files and derived ones, are kept by :mod:`_schema_store`; a violation is
put in words by :mod:`_explain`.

The meta-schema check of the schema files is done by the test suite, not at run time
(``jsonschema.validate()`` re-checks it on every call and is ~37× slower).
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urldefrag, urljoin

import jsonschema_rs
import referencing
import referencing.exceptions
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from conformance.base import ConfigError
from conformance.contract._cross_field import contract_rules
from conformance.contract._explain import explain, explain_rs, sort_key
from conformance.contract._schema_error import ContractRule, SchemaError
from conformance.contract._schema_store import (
    BASE_URI,
    all_names,
    load_raw,
    py_registry,
    rs_registry,
    schema_names,
)

__all__ = ["SchemaValidator", "validator"]


class SchemaValidator:
    """A compiled validator for one schema reference; get one from :func:`validator`.

    A whole request schema also carries the contract's rules beside the schema
    (:mod:`_cross_field`): :meth:`is_valid` and :meth:`explain` judge both.
    """

    __slots__ = ("_py", "_rs", "_uri", "ref", "rules")

    def __init__(
        self,
        ref: str,
        uri: str,
        rs_validator: jsonschema_rs.Validator,
        rules: tuple[ContractRule, ...] = (),
    ) -> None:
        self.ref = ref
        self._uri = uri
        self._rs = rs_validator
        self._py: Any = None
        self.rules = rules

    def __repr__(self) -> str:
        return f"<SchemaValidator {self.ref!r}>"

    def is_valid(self, instance: Any) -> bool:
        """Whether ``instance`` (parsed JSON) is valid. Fast: jsonschema_rs."""
        if not self._schema_valid(instance):
            return False
        return not any(next(iter(rule(instance)), None) for rule in self.rules)

    def _schema_valid(self, instance: Any) -> bool:
        try:
            return self._rs.is_valid(instance)
        except ValueError:
            # Not representable for the Rust side: a lone surrogate from a "\ud800" escape
            # (UnicodeEncodeError) or a non-string object key. Let the Python engine decide.
            return bool(self._python().is_valid(instance))

    def explain(self, instance: Any, limit: int = 10) -> list[SchemaError]:
        """Up to ``limit`` violations of ``instance``, ordered by path; ``[]`` if it is valid.

        Slow (pure Python): call it once :meth:`is_valid` has said no.
        """
        found: dict[tuple[str, str, str], SchemaError] = {}
        keys: dict[tuple[str, str, str], tuple[tuple[int, int | str], ...]] = {}
        for top in self._python().iter_errors(instance):
            error = best_match([top])
            explained = explain(error)
            key = (explained.path, explained.keyword, explained.message)
            if key not in found:
                found[key] = explained
                keys[key] = sort_key(error.absolute_path)
        if not found and not self._schema_valid(instance):
            # The two engines disagree (e.g. a pattern's "$" before a trailing newline, which
            # Python's re accepts and ECMA-262 does not): explain with the Rust engine's errors.
            for rs_error in self._rs.iter_errors(instance):
                explained = explain_rs(rs_error)
                key = (explained.path, explained.keyword, explained.message)
                if key not in found:
                    found[key] = explained
                    keys[key] = sort_key(rs_error.instance_path)
        for rule in self.rules:
            for parts, explained in rule(instance):
                key = (explained.path, explained.keyword, explained.message)
                if key not in found:
                    found[key] = explained
                    keys[key] = sort_key(parts)
        ordered = sorted(found, key=keys.__getitem__)  # sorted() is stable
        return [found[key] for key in ordered[: max(limit, 0)]]

    def _python(self) -> Any:
        if self._py is None:
            self._py = Draft202012Validator({"$ref": self._uri}, registry=py_registry())
        return self._py


@functools.cache
def validator(ref: str) -> SchemaValidator:
    """The compiled validator for ``ref``: ``"response.json"`` or ``"error.json#/$defs/openai"``.

    Compiled once per process; later calls return the same object.
    """
    uri = urljoin(BASE_URI, ref)
    document, _ = urldefrag(uri)
    name = document.removeprefix(BASE_URI)
    if not document.startswith(BASE_URI) or name not in all_names():
        raise ConfigError(
            f"unknown schema reference {ref!r}; known files: {', '.join(schema_names())}"
        )
    try:
        py_registry().resolver().lookup(uri)
    except referencing.exceptions.Unresolvable as exc:
        raise ConfigError(f"schema reference {ref!r} does not resolve: {exc}") from None
    try:
        rs_validator = jsonschema_rs.validator_for({"$ref": uri}, registry=rs_registry())
    except ValueError as exc:  # e.g. a $ref inside the schema files that does not resolve
        raise ConfigError(f"cannot compile schema {ref!r}: {exc}") from None
    return SchemaValidator(ref, uri, rs_validator, _contract_rules(uri, name))


def _contract_rules(uri: str, name: str) -> tuple[ContractRule, ...]:
    """The rules beside the schema of a whole document (a fragment gets none)."""
    if urldefrag(uri).fragment.strip("/"):
        return ()
    return contract_rules(name, load_raw(name), lambda ref: validator(ref).is_valid)
