"""Load the JSON Schemas (draft 2020-12) and validate instances against them.

Two engines, each compiled once per process:

* :meth:`SchemaValidator.is_valid` is the hot path. It runs jsonschema_rs (a few µs for a 1 KB
  response) against one ``jsonschema_rs.Registry`` that holds every schema file.
* :meth:`SchemaValidator.explain` says *why* an instance is invalid. It runs jsonschema's
  ``Draft202012Validator`` (slow, but with good error objects) against one
  ``referencing.Registry``, compiled lazily, and descends into ``anyOf``/``oneOf`` with
  ``best_match``.

Schemas refer to each other by relative ``$ref`` ("usage.json") under the base URI
``https://chat-conformance.invalid/schemas/``. The ``.invalid`` TLD can never be fetched, and both
registries refuse to retrieve anything: every reference must resolve inside the registry.

The meta-schema check of the schema files is done by the test suite, not at run time
(``jsonschema.validate()`` re-checks it on every call and is ~37× slower).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Final
from urllib.parse import urldefrag, urljoin

import jsonschema_rs
import referencing
import referencing.exceptions
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing.jsonschema import DRAFT202012

from conformance.base import ConfigError, jpath
from conformance.contract._cross_field import contract_rules
from conformance.contract._schema_error import ContractRule, SchemaError

__all__ = [
    "BASE_URI",
    "ContractRule",
    "SchemaError",
    "SchemaValidator",
    "derive",
    "load_schema",
    "schema_dir",
    "schema_names",
    "validator",
]

#: The base URI every schema's ``$id`` lives under; ``$ref``s are resolved against it.
BASE_URI: Final = "https://chat-conformance.invalid/schemas/"

_REPR_LIMIT = 80


def schema_dir() -> Path:
    """The directory holding the ``*.json`` schema files.

    Installed from the wheel, the schemas are package data at ``conformance/schemas/``; in a source
    checkout (or an editable install) they are the top-level ``schemas/`` folder of the repository.
    """
    packaged = resources.files("conformance") / "schemas"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "schemas"
    if checkout.is_dir():
        return checkout
    raise ConfigError(
        f"cannot find the JSON schemas: looked for package data at {packaged} "
        f"and for a source checkout at {checkout}"
    )


def schema_names() -> list[str]:
    """The schema files (``"chunk.json"``, ``"error.json"``, …), sorted."""
    return sorted(path.name for path in schema_dir().glob("*.json") if path.is_file())


#: Schemas derived in this process (a profile's overlay applied to a schema file), by name.
_DERIVED: dict[str, dict[str, Any]] = {}


def derive(name: str, document: Mapping[str, Any]) -> str:
    """Register ``document`` as the schema ``name`` (e.g. ``"request+anyapi.json"``), beside the
    files, so that it can be referred to, generated from and validated against like them.

    Registering the same document again returns the same name; another document under a taken
    name (two user profiles sharing an id) gets the name with a digest of its content appended.
    The document's ``$id`` is set from the name, so its relative ``$ref``s resolve against the
    schema files.
    """
    if not name.endswith(".json") or Path(name).name != name or name in schema_names():
        raise ConfigError(f"cannot derive a schema named {name!r}")
    content = json.loads(json.dumps(document))
    content.pop("$id", None)
    taken = _DERIVED.get(name)
    if taken is not None and {k: v for k, v in taken.items() if k != "$id"} != content:
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:8]
        name = f"{name.removesuffix('.json')}-{digest}.json"
    if name in _DERIVED:
        return name
    _DERIVED[name] = {**content, "$id": BASE_URI + name}
    _rs_registry.cache_clear()
    _py_registry.cache_clear()
    return name


def _all_names() -> list[str]:
    return [*schema_names(), *_DERIVED]


@functools.cache
def _load_raw(name: str) -> dict[str, Any]:
    if name in _DERIVED:
        return _DERIVED[name]
    if not name.endswith(".json") or Path(name).name != name:
        raise ConfigError(f"not a schema file name: {name!r} (expected e.g. 'response.json')")
    path = schema_dir() / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"no schema {name!r} in {path.parent}; known: {', '.join(schema_names())}"
        ) from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"schema {path} is not valid JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise ConfigError(f"schema {path} is not a JSON object")
    if schema.get("$id") != BASE_URI + name:
        raise ConfigError(
            f"schema {path} has $id {schema.get('$id')!r}, expected {BASE_URI + name!r}"
        )
    return schema


def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema file ``name`` (e.g. ``"response.json"``).

    The file is read and parsed once; each call returns a fresh copy, so callers may modify it.
    """
    return json.loads(json.dumps(_load_raw(name)))  # type: ignore[no-any-return]


def _refuse_retrieval(uri: str) -> Any:
    """jsonschema_rs retriever: nothing is ever fetched over the network."""
    raise ConfigError(f"schema reference {uri!r} is not one of the local schema files")


@functools.cache
def _rs_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(
        [(BASE_URI + name, _load_raw(name)) for name in _all_names()],
        retriever=_refuse_retrieval,
    )


@functools.cache
def _py_registry() -> referencing.Registry[Any]:
    # referencing's default retriever raises NoSuchResource: it never fetches anything.
    registry: referencing.Registry[Any] = referencing.Registry()
    return registry.with_resources(
        (BASE_URI + name, DRAFT202012.create_resource(_load_raw(name))) for name in _all_names()
    ).crawl()


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
            explained = _explain(error)
            key = (explained.path, explained.keyword, explained.message)
            if key not in found:
                found[key] = explained
                keys[key] = _sort_key(error.absolute_path)
        if not found and not self._schema_valid(instance):
            # The two engines disagree (e.g. a pattern's "$" before a trailing newline, which
            # Python's re accepts and ECMA-262 does not): explain with the Rust engine's errors.
            for rs_error in self._rs.iter_errors(instance):
                explained = _explain_rs(rs_error)
                key = (explained.path, explained.keyword, explained.message)
                if key not in found:
                    found[key] = explained
                    keys[key] = _sort_key(rs_error.instance_path)
        for rule in self.rules:
            for parts, explained in rule(instance):
                key = (explained.path, explained.keyword, explained.message)
                if key not in found:
                    found[key] = explained
                    keys[key] = _sort_key(parts)
        ordered = sorted(found, key=keys.__getitem__)  # sorted() is stable
        return [found[key] for key in ordered[: max(limit, 0)]]

    def _python(self) -> Any:
        if self._py is None:
            self._py = Draft202012Validator({"$ref": self._uri}, registry=_py_registry())
        return self._py


@functools.cache
def validator(ref: str) -> SchemaValidator:
    """The compiled validator for ``ref``: ``"response.json"`` or ``"error.json#/$defs/openai"``.

    Compiled once per process; later calls return the same object.
    """
    uri = urljoin(BASE_URI, ref)
    document, _ = urldefrag(uri)
    name = document.removeprefix(BASE_URI)
    if not document.startswith(BASE_URI) or name not in _all_names():
        raise ConfigError(
            f"unknown schema reference {ref!r}; known files: {', '.join(schema_names())}"
        )
    try:
        _py_registry().resolver().lookup(uri)
    except referencing.exceptions.Unresolvable as exc:
        raise ConfigError(f"schema reference {ref!r} does not resolve: {exc}") from None
    try:
        rs_validator = jsonschema_rs.validator_for({"$ref": uri}, registry=_rs_registry())
    except ValueError as exc:  # e.g. a $ref inside the schema files that does not resolve
        raise ConfigError(f"cannot compile schema {ref!r}: {exc}") from None
    return SchemaValidator(ref, uri, rs_validator, _contract_rules(uri, name))


def _contract_rules(uri: str, name: str) -> tuple[ContractRule, ...]:
    """The rules beside the schema of a whole document (a fragment gets none)."""
    if urldefrag(uri).fragment.strip("/"):
        return ()
    return contract_rules(name, _load_raw(name), lambda ref: validator(ref).is_valid)


def _explain(error: ValidationError) -> SchemaError:
    keyword = str(error.validator)
    return SchemaError(
        path=jpath(*error.absolute_path),
        schema_path="/".join(str(part) for part in error.absolute_schema_path),
        keyword=keyword,
        message=str(error.message),
        expected=_expected(keyword, error.validator_value, error.instance, str(error.message)),
        actual=error.instance,
    )


def _explain_rs(error: jsonschema_rs.ValidationError) -> SchemaError:
    schema_path = [str(part) for part in error.schema_path]
    keyword = schema_path[-1] if schema_path else "$ref"
    return SchemaError(
        path=jpath(*error.instance_path),
        schema_path="/".join(schema_path),
        keyword=keyword,
        message=error.message,
        expected=keyword,
        actual=error.instance,
    )


def _sort_key(parts: Iterable[int | str]) -> tuple[tuple[int, int | str], ...]:
    """Order paths element by element, array indices numerically (``[2]`` before ``[10]``)."""
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 1] + "…"


def _expected(keyword: str, value: Any, instance: Any, message: str) -> str:
    """A short statement of what the failing ``keyword`` (with ``value``) wanted."""
    match keyword:
        case "required":
            present = instance if isinstance(instance, dict) else {}
            missing = [name for name in _names(value) if name not in present]
            for name in missing:
                if message.startswith(repr(name)):
                    return f"property {name!r}"
            return ", ".join(f"property {name!r}" for name in missing) or "required properties"
        case "type":
            kinds = [value] if isinstance(value, str) else list(value)
            return "type " + " or ".join(str(kind) for kind in kinds)
        case "const":
            return f"exactly {_short(value)}"
        case "enum":
            return f"one of {_short(list(value))}"
        case "minimum":
            return f"a number ≥ {value}"
        case "maximum":
            return f"a number ≤ {value}"
        case "exclusiveMinimum":
            return f"a number > {value}"
        case "exclusiveMaximum":
            return f"a number < {value}"
        case "multipleOf":
            return f"a multiple of {value}"
        case "minLength":
            return f"at least {value} character{'s' * (value != 1)}"
        case "maxLength":
            return f"at most {value} character{'s' * (value != 1)}"
        case "minItems":
            return f"at least {value} item{'s' * (value != 1)}"
        case "maxItems":
            return f"at most {value} item{'s' * (value != 1)}"
        case "minProperties":
            return f"at least {value} propert{'ies' if value != 1 else 'y'}"
        case "maxProperties":
            return f"at most {value} propert{'ies' if value != 1 else 'y'}"
        case "pattern":
            return f"a string matching {value!r}"
        case "anyOf":
            return f"one of {len(value)} alternatives"
        case "oneOf":
            return f"exactly one of {len(value)} alternatives"
        case "not":
            return f"not {_short(value)}"
        case "additionalProperties" | "unevaluatedProperties":
            return "no additional properties"
        case "contains":
            return f"an item matching {_short(value)}"
        case "uniqueItems":
            return "unique items"
        case "false":
            return "nothing (false schema)"
        case _:
            return f"{keyword} {_short(value)}"


def _names(value: Any) -> Sequence[str]:
    if isinstance(value, list):
        return [name for name in value if isinstance(name, str)]
    return []
